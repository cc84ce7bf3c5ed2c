/* Whether zone runs without the host's root: as an ordinary user, or as root inside a user
   namespace of somebody's (rootless podman runs its runtime so). Such a zone has no cgroup but a
   delegated one, no device rules, no bridge, and its state in $XDG_RUNTIME_DIR. */
#ifndef ZONE_UTIL_ROOTLESS_H
#define ZONE_UTIL_ROOTLESS_H

#include <stdbool.h>

bool running_rootless (void);
/* In a user namespace other than the host's (its uid_map is not the whole range). */
bool in_user_namespace (void);

#endif
