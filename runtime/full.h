/* zone is built twice: `zone`, static and small, and `zone-full`, the same program linked
   dynamically with libmnl, libnftnl and (loaded when used) libsystemd.  The static build hands
   a command to zone-full, from its start and before anything is changed, when what it is about
   to do needs them: bridge networking (netlink, nftables) and --systemd-cgroup (sd-bus).  So the
   common case starts fast and small (no dynamic linking), and nothing is left out. */
#ifndef ZONE_RUNTIME_FULL_H
#define ZONE_RUNTIME_FULL_H

#include <stdbool.h>

#include "runtime.h"
#include "../spec/config.h"

/* Whether creating a zone with this config needs zone-full: a bridge, or systemd's cgroups. */
bool zone_config_needs_full (const struct zone_runtime *rt, const struct zone_config *c);

/* When needed and this is the static build (rt->reexec_full), run the command in zone-full:
   returns only on failure.  Otherwise 0. */
int zone_full_if (const struct zone_runtime *rt, bool needed, zerr **err);

#endif
