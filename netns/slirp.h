/* org.zone.net.mode=slirp4netns: user-mode networking, as rootless podman gives it. A
   slirp4netns process (Debian's) serves the zone's network namespace from outside: the zone
   gets tap0 with 10.0.2.100/24, a default route and DNS at 10.0.2.3; published ports listen on
   the host and are forwarded through slirp4netns' API socket. */
#ifndef ZONE_NETNS_SLIRP_H
#define ZONE_NETNS_SLIRP_H

#include <sys/types.h>

#include "netconf.h"

/* Start slirp4netns for the network namespace of pid (joining pid's user namespace when it has
   one of its own: an ordinary user's zone), its API socket in the directory dirfd, wait until it
   has configured tap0, then publish n's ports. On success *slirp_pid is its pid; on failure
   nothing runs. */
int zone_slirp_start (pid_t pid, const struct zone_net *n, int dirfd, pid_t *slirp_pid, zerr **err);
/* Stop the slirp4netns whose pid the caller has checked is the one it started. */
void zone_slirp_stop (pid_t slirp_pid);

#endif
