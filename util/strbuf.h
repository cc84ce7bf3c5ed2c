/* A growing string buffer, and JSON string escaping into it. */
#ifndef ZONE_UTIL_STRBUF_H
#define ZONE_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf
{
  char *buf;
  size_t len, alloc;
};
void strbuf_append (struct strbuf *sb, const char *s);
void strbuf_appendf (struct strbuf *sb, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void strbuf_append_json_string (struct strbuf *sb, const char *s);

#endif
