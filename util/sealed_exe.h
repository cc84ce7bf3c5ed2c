/* CVE-2019-5736: a process of a zone must never reach the runtime's binary on the host through
   /proc/PID/exe.  Commands that put runtime processes into a zone first re-exec themselves from
   a sealed in-memory copy, so that what /proc/PID/exe leads to cannot be written. */
#ifndef ZONE_UTIL_SEALED_EXE_H
#define ZONE_UTIL_SEALED_EXE_H

#include <stdbool.h>

#include "error.h"

/* Whether the running binary is already a sealed memfd. */
bool running_from_sealed_copy (void);
/* Re-exec argv from a sealed memfd copy of /proc/self/exe, unless already running from one.
   Returns only on failure. */
int reexec_from_sealed_copy (char **argv, char **envp, zerr **err);

#endif
