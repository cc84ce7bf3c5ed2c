#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
zerr_setv (zerr **err, int code, const char *suffix, const char *fmt, va_list ap)
{
  char *msg = NULL;

  if (code <= 0)
    code = EINVAL;
  if (err == NULL)
    return -code;
  if (*err != NULL)
    return -(*err)->code;
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (msg && suffix)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", msg, suffix) >= 0)
        {
          free (msg);
          msg = full;
        }
    }
  *err = calloc (1, sizeof (**err));
  if (*err == NULL)
    {
      free (msg);
      return -code;
    }
  (*err)->code = code;
  (*err)->msg = msg ? msg : strdup ("out of memory");
  return -code;
}

int
zerr_set (zerr **err, int code, const char *fmt, ...)
{
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = zerr_setv (err, code, NULL, fmt, ap);
  va_end (ap);
  return ret;
}

int
zerr_sys (zerr **err, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = zerr_setv (err, saved, strerror (saved), fmt, ap);
  va_end (ap);
  errno = saved;
  return ret;
}

int
zerr_wrap (zerr **err, const char *fmt, ...)
{
  char *prefix = NULL, *full = NULL;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -EINVAL;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    prefix = NULL;
  va_end (ap);
  if (prefix && asprintf (&full, "%s: %s", prefix, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (prefix);
  return -(*err)->code;
}

void
zerr_free (zerr **err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
