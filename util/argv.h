/* An argument vector built one formatted argument at a time, for the commands zone runs
   (criu, ssh, rsync), and quoting for a remote shell. */
#ifndef ZONE_UTIL_ARGV_H
#define ZONE_UTIL_ARGV_H

#include <stddef.h>

#include "strbuf.h"

struct argv
{
  char **v; /* NULL-terminated */
  size_t n;
};
void argv_push (struct argv *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void argv_free (struct argv *a);
#define cleanup_argv __attribute__ ((cleanup (argv_free)))

/* s as one word of a POSIX shell command line (single-quoted). */
void strbuf_append_shell_word (struct strbuf *sb, const char *s);

#endif
