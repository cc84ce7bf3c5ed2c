/* A zone's cgroup: where its processes live and what limits them.  A zone has one directory in
   every hierarchy of the host (each v1 controller hierarchy, and the v2 one); the limits go to
   whichever hierarchy hosts each controller, so pure v1, hybrid and pure v2 hosts all work. */
#ifndef ZONE_CGROUPS_CGROUP_H
#define ZONE_CGROUPS_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "resources.h"
#include "writes.h"
#include "../util/error.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

enum cgroup_mode
{
  CGROUP_MODE_V1,     /* controllers on v1 hierarchies (legacy or hybrid) */
  CGROUP_MODE_UNIFIED /* pure cgroup v2 */
};

enum cgroup_mode cgroup_host_mode (void);

/* The cgroup path a zone uses: cgroupsPath if given (relative ones go below /zone), else
   /zone/DEFAULT_NAME; normalized, and never the root of the hierarchy, /zone itself or a `..`. */
int cgroup_zone_path (const char *cgroups_path, const char *default_name, char **out, zerr **err);

/* Where a zone's cgroup will be, and what of it zone makes (and so may signal and remove). */
struct cgroup_plan
{
  char **paths; /* the zone's directory in every hierarchy */
  char **made;  /* the directories that do not exist yet, parents first: the zone's own */
  bool owned;   /* every directory in paths is in made */
};
/* Look at the host, make nothing.  An existing directory is joined only when it is not frozen
   and is empty (or holds processes, with shared). */
int cgroup_plan (const char *path, bool shared, struct cgroup_plan *p, zerr **err);
void cgroup_plan_release (struct cgroup_plan *p);
/* The directories of path that exist, one per hierarchy. */
char **cgroup_existing (const char *path);
/* Whether the caller may make (or join) every directory of the plan: false for an ordinary user
   to whom nothing is delegated. */
bool cgroup_plan_writable (const struct cgroup_plan *p);
/* pid's cgroup v2 path ("/system.slice/x.service"; pid 0: ours), from /proc/PID/cgroup, or NULL. */
char *cgroup_v2_path_of (pid_t pid);
/* Pure v2: our own cgroup ("/user.slice/.../run-1.scope") when it is delegated to us (we may
   write it and its cgroup.procs), else NULL. */
char *cgroup_own_delegated (void);
/* Move ourselves from own into own/supervisor, so that own may delegate controllers to the
   zone's cgroup beside it (v2 keeps processes to the leaves of a tree with controllers). */
int cgroup_leave_for_leaf (const char *own, zerr **err);
/* The linux.resources field a cgroup file is written from ("memory.limit"), for messages. */
const char *cgroup_resource_field (const char *file);
/* Make the directories of the plan; on failure nothing of them is left. */
int cgroup_create (const struct cgroup_plan *p, zerr **err);
int cgroup_enter (char **paths, pid_t pid, zerr **err);
/* On a pure v2 host, an fd of the zone's one cgroup directory, for a child to be cloned into it
   (CLONE_INTO_CGROUP); -1 elsewhere or without a cgroup. */
int cgroup_clone_target (char **paths);
/* The pids in the zone's cgroup (from the first hierarchy that lists processes). */
int cgroup_pids (char **paths, pid_t **pids, size_t *n, zerr **err);
/* Signal every process listed in paths: only ever for directories the zone made. */
int cgroup_signal_all (char **paths, int sig, zerr **err);
/* Whether pid is in the first hierarchy of paths that lists processes. */
bool cgroup_has_pid (char **paths, pid_t pid);
/* For the directories in both paths and made: kill what is left in them and remove them; then
   the rest of made, deepest first, where empty (and the /zone parent when it is empty).
   Nothing else is touched. */
int cgroup_destroy (char **paths, char **made, zerr **err);

/* v2: delegate ctrl from the root down to dir's parent, so that dir has its files. */
int cgroup_enable_controller (const char *dir, const char *ctrl, zerr **err);
/* Which version hosts ctrl on this host: 1, 2, or 0 when absent. */
int cgroup_host_version (const char *ctrl);
cgroup_version_fn cgroup_host_version_fn (void);
/* The zone's directory that holds ctrl in that version, or NULL. */
const char *cgroup_dir_for (char **paths, const char *ctrl, int version);
/* Write w (made from r) into the zone's cgroup. */
int cgroup_apply (char **paths, const struct zone_resources *r, const struct cgroup_writes *w, zerr **err);

/* pause/resume: the v1 freezer or v2 cgroup.freeze; returns once the state is reached. */
int cgroup_freeze (char **paths, bool frozen, zerr **err);
/* Whether the zone's cgroup is frozen now. */
bool cgroup_is_frozen (char **paths);

#endif
