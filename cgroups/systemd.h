/* The systemd cgroup driver: systemd (PID 1) makes the zone's cgroup, as a transient scope with
   Delegate=yes, over D-Bus with libsystemd's sd-bus.  libsystemd is loaded only when this
   driver is used, so that zones on the cgroupfs driver do not pay for it at every start. */
#ifndef ZONE_CGROUPS_SYSTEMD_H
#define ZONE_CGROUPS_SYSTEMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "resources.h"
#include "../util/error.h"

/* Whether systemd runs as PID 1 here. */
bool systemd_is_running (void);
/* The unit and slice for a zone: cgroupsPath "SLICE:PREFIX:NAME", or system.slice and
   zone-ID.scope.  Errors name linux.cgroupsPath. */
int systemd_unit_names (const char *cgroups_path, const char *id, char **slice, char **unit, zerr **err);
/* Start the transient scope holding pid (with the memory, cpu and tasks limits of r as unit
   properties), wait until pid is in it, and return its cgroup directory (cgroup v2). */
int systemd_scope_start (const char *slice, const char *unit, const char *id, pid_t pid,
                         const struct zone_resources *r, char **dir, zerr **err);
/* Stop the scope (EBUSY-free removal of its cgroup is systemd's); a missing unit is fine. */
int systemd_scope_stop (const char *unit, zerr **err);

#endif
