/* The state of one zone: the OCI state JSON plus what the runtime needs to find its pieces again. */
#ifndef ZONE_SPEC_STATE_H
#define ZONE_SPEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "../util/error.h"

struct zone_state
{
  char *oci_version;
  char *id;
  char *status; /* creating, created, running, paused, stopped */
  pid_t pid;
  unsigned long long pid_start; /* starttime of pid, to detect pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
  struct zone_kv *annotations;
  size_t n_annotations;
  char **cgroup_paths; /* the zone's cgroup directory in every hierarchy */
  char **cgroup_made;  /* the directories zone made for it: only these are ever signalled or removed */
  bool cgroup_owned;   /* zone made every directory of cgroup_paths: `kill --all` may use them */
  char *net_veth;      /* the host end of the zone's veth pair (bridge mode), or NULL */
  unsigned hooks;      /* bit k: the config has hooks of kind k (so start and delete need not read it) */
};

/* public: the OCI state as `state` prints it; otherwise the full record stored on disk. */
char *zone_state_to_json (const struct zone_state *s, bool public_only);
/* The public fields on one line, as runc's `list --format json` prints each container. */
char *zone_state_to_json_line (const struct zone_state *s);
int zone_state_parse (const char *text, struct zone_state **out, zerr **err);
void zone_state_free (struct zone_state *s);
static inline void
cleanup_statep (struct zone_state **s)
{
  zone_state_free (*s);
}
#define cleanup_state __attribute__ ((cleanup (cleanup_statep)))

#endif
