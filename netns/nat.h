/* NAT for zones, in zone's own nftables table (`ip zone`), through libnftnl:
   - per bridge: masquerade what leaves the subnet other than through the bridge, and what
     comes from 127.0.0.0/8 into the bridge (so that 127.0.0.1:PORT reaches a zone);
   - per zone: a DNAT rule in the prerouting and output hooks for each published port.
   Every rule carries a comment ("zone:ID" or "zone-bridge:NAME") by which it is removed. */
#ifndef ZONE_NETNS_NAT_H
#define ZONE_NETNS_NAT_H

#include "netconf.h"

int nat_add_bridge (const struct zone_net *n, zerr **err);
int nat_add_ports (const struct zone_net *n, const char *id, struct in_addr zone_addr, zerr **err);
/* Remove the rules whose comment is `tag` ("zone:ID" or "zone-bridge:NAME"); when no rule is
   left, the table goes too. */
int nat_remove (const char *tag, zerr **err);
/* How many rules carry tag (for tests and checks). */
int nat_count (const char *tag, zerr **err);

#endif
