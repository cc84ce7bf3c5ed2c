/* Address leases, the host's whatever the runtime root (engines and people keep roots of their
   own, on one bridge): one file per subnet under ZONE_LEASE_DIR, a line per zone with its
   address, id, published ports and root, changed only under one exclusive lock, so that
   parallel creates never get the same address or port.  Leases of zones whose state is gone
   are reclaimed. */
#ifndef ZONE_NETNS_LEASE_H
#define ZONE_NETNS_LEASE_H

#include <netinet/in.h>
#include <stdbool.h>

#include "netconf.h"

#define ZONE_LEASE_DIR "/run/zone-net"

/* A fixed address (n->has_address) is checked to be free; otherwise the lowest free one.  The
   published ports must be free on the host. */
int lease_acquire (const char *root, const struct zone_net *n, const char *id, struct in_addr *out, zerr **err);
/* Forget id's lease; the file goes with the subnet's last lease, and *last says so. */
int lease_release (const char *root, const struct zone_net *n, const char *id, bool *last, zerr **err);
/* Forget (root, id)'s lease wherever it is, for a zone whose state is lost: 1 and its bridge's
   name when there was one (*last: its subnet has no lease left), else 0. */
int lease_forget (const char *root, const char *id, char bridge[16], bool *last);
/* No zone holds a lease on n's subnet now. */
bool lease_subnet_empty (const struct zone_net *n);

#endif
