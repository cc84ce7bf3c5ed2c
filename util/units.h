/* Numbers as people type them on a command line. */
#ifndef ZONE_UTIL_UNITS_H
#define ZONE_UTIL_UNITS_H

#include <stdbool.h>

/* A size as runc takes it: bytes, or a number with k, m, g or t (powers of 1024, an optional b
   or ib after); -1 is no limit. */
bool parse_size (const char *s, long long *out);
/* A whole decimal number and nothing else. */
bool parse_int (const char *s, long long *out);
/* x rounded to the nearest whole number, halves away from zero (llround without libm, whose
   loading every exec of zone would pay). */
static inline long long
round_nearest (double x)
{
  return (long long) (x < 0 ? x - 0.5 : x + 0.5);
}
/* fmin and fmax for numbers that are never NaN, likewise without libm. */
static inline double
dmin (double a, double b)
{
  return a < b ? a : b;
}
static inline double
dmax (double a, double b)
{
  return a > b ? a : b;
}

#endif
