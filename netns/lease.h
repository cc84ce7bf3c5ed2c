/* Address leases: one file per subnet under the runtime root (ROOT/net:leases/SUBNET), a line
   "ADDRESS ID" per zone, changed only under an exclusive lock so that parallel creates never
   get the same address.  Leases of zones whose state is gone are reclaimed. */
#ifndef ZONE_NETNS_LEASE_H
#define ZONE_NETNS_LEASE_H

#include <netinet/in.h>

#include "netconf.h"

/* A fixed address (n->has_address) is checked to be free; otherwise the lowest free one. */
int lease_acquire (const char *root, const struct zone_net *n, const char *id, struct in_addr *out, zerr **err);
/* Forget id's lease; the file (and its directory) go with the last lease, and *last says so. */
int lease_release (const char *root, const struct zone_net *n, const char *id, bool *last, zerr **err);

#endif
