/* A zone's network, made on create and removed on delete. */
#ifndef ZONE_NETNS_SETUP_H
#define ZONE_NETNS_SETUP_H

#include <sys/types.h>

#include "netconf.h"

/* For the zone whose network namespace is netns: lease an address (n->address when
   n->has_address), make sure the bridge (with the gateway address) and the NAT rules exist,
   create the veth pair with eth0 born in the zone, address it, route it; the published ports'
   DNAT rules.  Everything made is undone on failure.  host gets
   the name of the host end of the veth pair. */
int zone_net_setup (const char *root, const char *id, const struct zone_net *n, int netns, struct in_addr *addr,
                    char host[16], zerr **err);
/* Remove the zone's rules, the host end of its veth pair (host_veth, if known) and its lease;
   the bridge and its rules go with the last zone of the subnet.  What is gone already counts as
   done, and a failed step does not stop the next: the first error is returned. */
int zone_net_teardown (const char *root, const char *id, const struct zone_net *n, const char *host_veth,
                       zerr **err);
/* For a zone whose state is lost: its NAT rules by their tag, its lease by its root and id, and
   the bridge with the subnet's last lease. */
int zone_net_forget (const char *root, const char *id, zerr **err);
/* A name for the host end of id's veth pair ("zv" and a hash of the id and the moment). */
void zone_net_host_ifname (const char *id, char name[16]);

#endif
