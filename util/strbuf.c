#define _GNU_SOURCE
#include "strbuf.h"
#include "cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
strbuf_grow (struct strbuf *sb, size_t more)
{
  if (sb->len + more + 1 <= sb->alloc)
    return;
  sb->alloc = (sb->len + more + 1) * 2;
  sb->buf = realloc (sb->buf, sb->alloc);
  if (sb->buf == NULL)
    abort ();
}

void
strbuf_append (struct strbuf *sb, const char *s)
{
  size_t n = strlen (s);
  strbuf_grow (sb, n);
  memcpy (sb->buf + sb->len, s, n + 1);
  sb->len += n;
}

void
strbuf_appendf (struct strbuf *sb, const char *fmt, ...)
{
  cleanup_free char *s = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  va_end (ap);
  strbuf_append (sb, s);
}

void
strbuf_append_json_string (struct strbuf *sb, const char *s)
{
  strbuf_append (sb, "\"");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      char tmp[8];
      switch (*p)
        {
        case '"':
          strbuf_append (sb, "\\\"");
          break;
        case '\\':
          strbuf_append (sb, "\\\\");
          break;
        case '\n':
          strbuf_append (sb, "\\n");
          break;
        case '\t':
          strbuf_append (sb, "\\t");
          break;
        case '\r':
          strbuf_append (sb, "\\r");
          break;
        default:
          if (*p < 0x20)
            {
              snprintf (tmp, sizeof tmp, "\\u%04x", *p);
              strbuf_append (sb, tmp);
            }
          else
            {
              tmp[0] = (char) *p;
              tmp[1] = '\0';
              strbuf_append (sb, tmp);
            }
        }
    }
  strbuf_append (sb, "\"");
}
