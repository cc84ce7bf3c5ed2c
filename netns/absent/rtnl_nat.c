/* netns/rtnl.c and netns/nat.c in zone's static core build, which has neither libmnl nor
   libnftnl: every call is refused.  The core hands whatever needs them (bridge networking) to
   zone-full before anything is changed (runtime/full.h), so these are never reached. */
#include "../rtnl.h"
#include "../nat.h"

#include <errno.h>

static int
absent (zerr **err)
{
  return zerr_set (err, ENOTSUP, "bridge networking is zone-full's, and this zone did not hand it over");
}

int
rtnl_open (int netns_fd, struct rtnl **out, zerr **err)
{
  (void) netns_fd;
  *out = NULL;
  return absent (err);
}

void
rtnl_close (struct rtnl *nl)
{
  (void) nl;
}

int
rtnl_link_index (struct rtnl *nl, const char *name, int *index, zerr **err)
{
  (void) nl, (void) name, (void) index;
  return absent (err);
}

int
rtnl_link_info (struct rtnl *nl, const char *name, int *index, char kind[16], char alias[64], zerr **err)
{
  (void) nl, (void) name, (void) index, (void) kind, (void) alias;
  return absent (err);
}

int
rtnl_bridge_add (struct rtnl *nl, const char *name, uint32_t mtu, int *created, zerr **err)
{
  (void) nl, (void) name, (void) mtu, (void) created;
  return absent (err);
}

int
rtnl_veth_add (struct rtnl *nl, const char *host, int master_index, const char *peer, int peer_netns_fd,
               uint32_t mtu, zerr **err)
{
  (void) nl, (void) host, (void) master_index, (void) peer, (void) peer_netns_fd, (void) mtu;
  return absent (err);
}

int
rtnl_link_del (struct rtnl *nl, int index, zerr **err)
{
  (void) nl, (void) index;
  return absent (err);
}

int
rtnl_link_up (struct rtnl *nl, int index, zerr **err)
{
  (void) nl, (void) index;
  return absent (err);
}

int
rtnl_addr_add (struct rtnl *nl, int index, struct in_addr addr, int prefix, zerr **err)
{
  (void) nl, (void) index, (void) addr, (void) prefix;
  return absent (err);
}

int
rtnl_addr_overlap (struct rtnl *nl, struct in_addr net, int prefix, int exclude_index, struct rtnl_addr *found,
                   zerr **err)
{
  (void) nl, (void) net, (void) prefix, (void) exclude_index, (void) found;
  return absent (err);
}

int
rtnl_route_default (struct rtnl *nl, struct in_addr gw, zerr **err)
{
  (void) nl, (void) gw;
  return absent (err);
}

int
nat_add_bridge (const struct zone_net *n, zerr **err)
{
  (void) n;
  return absent (err);
}

int
nat_add_ports (const struct zone_net *n, const char *id, struct in_addr zone_addr, zerr **err)
{
  (void) n, (void) id, (void) zone_addr;
  return absent (err);
}

int
nat_remove (const char *tag, zerr **err)
{
  (void) tag;
  return absent (err);
}

int
nat_count (const char *tag, zerr **err)
{
  (void) tag;
  return absent (err);
}
