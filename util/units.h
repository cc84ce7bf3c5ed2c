/* Numbers as people type them on a command line. */
#ifndef ZONE_UTIL_UNITS_H
#define ZONE_UTIL_UNITS_H

#include <stdbool.h>

/* A size as runc takes it: bytes, or a number with k, m, g or t (powers of 1024, an optional b
   or ib after); -1 is no limit. */
bool parse_size (const char *s, long long *out);
/* A whole decimal number and nothing else. */
bool parse_int (const char *s, long long *out);

#endif
