#define _GNU_SOURCE
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool
parse_size (const char *s, long long *out)
{
  char *end;
  double v;
  long long mult = 1;

  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return true;
    }
  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s || v < 0)
    return false;
  switch (tolower ((unsigned char) *end))
    {
    case '\0':
      break;
    case 'k':
      mult = 1LL << 10;
      break;
    case 'm':
      mult = 1LL << 20;
      break;
    case 'g':
      mult = 1LL << 30;
      break;
    case 't':
      mult = 1LL << 40;
      break;
    default:
      return false;
    }
  if (*end)
    {
      end++;
      if (strcasecmp (end, "b") != 0 && strcasecmp (end, "ib") != 0 && *end)
        return false;
    }
  *out = (long long) (v * (double) mult);
  return true;
}

bool
parse_int (const char *s, long long *out)
{
  char *end;
  errno = 0;
  *out = strtoll (s, &end, 10);
  return errno == 0 && end != s && *end == '\0';
}
