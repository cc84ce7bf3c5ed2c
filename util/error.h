/* The error object every library function fills: one line for the user, plus errno. */
#ifndef ZONE_UTIL_ERROR_H
#define ZONE_UTIL_ERROR_H

#include <stdarg.h>

typedef struct zerr
{
  int code;  /* positive errno value */
  char *msg; /* one line, no trailing newline */
} zerr;

/* Set *err (if not already set) and return -code.  code 0 means EINVAL. */
int zerr_set (zerr **err, int code, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* Like zerr_set with errno, appending ": strerror(errno)". */
int zerr_sys (zerr **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Prefix an existing error message with more context. */
int zerr_wrap (zerr **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void zerr_free (zerr **err);

#endif
