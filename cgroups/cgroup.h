/* A zone's cgroup: where its processes live, so that all of them can be found, killed and removed.
   Resource limits come with the cgroups issue; this places, lists, kills and removes. */
#ifndef ZONE_CGROUPS_CGROUP_H
#define ZONE_CGROUPS_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/error.h"

enum cgroup_mode
{
  CGROUP_MODE_V1,     /* controllers on v1 hierarchies (legacy or hybrid) */
  CGROUP_MODE_UNIFIED /* pure cgroup v2 */
};

enum cgroup_mode cgroup_host_mode (void);

/* The cgroup path a zone uses: cgroupsPath if given (relative ones go below /zone), else /zone/ID. */
char *cgroup_zone_path (const char *cgroups_path, const char *id);
/* Make the zone's cgroup in every hierarchy; *paths gets the absolute directories made. */
int cgroup_create (const char *path, char ***paths, zerr **err);
int cgroup_enter (char **paths, pid_t pid, zerr **err);
/* The pids in the zone's cgroup (from the first hierarchy that lists processes). */
int cgroup_pids (char **paths, pid_t **pids, size_t *n, zerr **err);
int cgroup_signal_all (char **paths, int sig, zerr **err);
/* Kill what is left and remove the directories (and the /zone parent when it is empty). */
int cgroup_destroy (char **paths, zerr **err);

#endif
