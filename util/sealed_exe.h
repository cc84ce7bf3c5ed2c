/* CVE-2019-5736: a process of a zone must never reach the runtime's binary on the host through
   /proc/PID/exe.  Either the runtime re-execs itself from a sealed in-memory copy before it puts
   a process into a zone (exec, and zones whose init others could see while it is set up), or
   the zone's init hands over to a sealed copy of zone's small last stage before anything of the
   zone can see it (runtime/last_stage.h), so that what /proc/PID/exe leads to cannot be written. */
#ifndef ZONE_UTIL_SEALED_EXE_H
#define ZONE_UTIL_SEALED_EXE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Whether the running binary is already a sealed memfd. */
bool running_from_sealed_copy (void);
/* Re-exec argv from a sealed memfd copy of /proc/self/exe, unless already running from one.
   Returns only on failure. */
int reexec_from_sealed_copy (char **argv, char **envp, zerr **err);
/* A sealed, executable memfd (close-on-exec) holding data; the fd, or -errno. */
int sealed_memfd (const char *name, const void *data, size_t len, zerr **err);

#endif
