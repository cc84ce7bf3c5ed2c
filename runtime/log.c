/* --debug: lines about each step, handed to the caller's log (stderr or --log). */
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>

void
zone_debug (const struct zone_runtime *rt, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!rt->debug || rt->log == NULL)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  rt->log ("debug", msg);
}
