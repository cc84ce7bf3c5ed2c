/* cgroups/systemd.c in zone's static core build, which does not load libsystemd: refused.  The
   core hands --systemd-cgroup creates to zone-full before anything is changed (runtime/full.h). */
#include "../systemd.h"

#include <errno.h>

int
systemd_scope_start (const char *slice, const char *unit, const char *id, pid_t pid, const struct zone_resources *r,
                     char **dir, zerr **err)
{
  (void) slice, (void) unit, (void) id, (void) pid, (void) r, (void) dir;
  return zerr_set (err, ENOTSUP, "--systemd-cgroup is zone-full's, and this zone did not hand it over");
}

int
systemd_scope_stop (const char *unit, zerr **err)
{
  (void) unit;
  return zerr_set (err, ENOTSUP, "--systemd-cgroup is zone-full's, and this zone did not hand it over");
}
