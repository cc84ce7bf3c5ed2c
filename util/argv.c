#define _GNU_SOURCE
#include "argv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
argv_push (struct argv *a, const char *fmt, ...)
{
  va_list ap;
  a->v = realloc (a->v, (a->n + 2) * sizeof (char *));
  if (a->v == NULL)
    abort ();
  va_start (ap, fmt);
  if (vasprintf (&a->v[a->n], fmt, ap) < 0)
    abort ();
  va_end (ap);
  a->v[++a->n] = NULL;
}

void
argv_free (struct argv *a)
{
  for (size_t i = 0; i < a->n; i++)
    free (a->v[i]);
  free (a->v);
  a->v = NULL;
  a->n = 0;
}

void
strbuf_append_shell_word (struct strbuf *sb, const char *s)
{
  /* Inside single quotes only the quote itself needs care: end, escaped quote, reopen. */
  strbuf_append (sb, "'");
  for (const char *q; (q = strchr (s, '\'')) != NULL; s = q + 1)
    {
      strbuf_appendf (sb, "%.*s'\\''", (int) (q - s), s);
    }
  strbuf_append (sb, s);
  strbuf_append (sb, "'");
}
