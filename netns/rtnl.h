/* rtnetlink through libmnl: the links, addresses and routes of a zone's network. */
#ifndef ZONE_NETNS_RTNL_H
#define ZONE_NETNS_RTNL_H

#include <netinet/in.h>
#include <stdint.h>

#include "../util/error.h"

struct rtnl; /* a NETLINK_ROUTE socket bound in the network namespace it was opened in */

/* netns_fd < 0: the caller's namespace; else the socket is made inside that namespace. */
int rtnl_open (int netns_fd, struct rtnl **out, zerr **err);
void rtnl_close (struct rtnl *nl);

/* zone's marks on the bridges it makes: the alias (set once the link exists; an operator may
   give it to a bridge of theirs) and the device group (set as the link is made). */
#define RTNL_ZONE_ALIAS "zone"
#define RTNL_ZONE_GROUP 0x7a6f6e65u

/* 0 and *index when the link exists; -ENODEV when it does not. */
int rtnl_link_index (struct rtnl *nl, const char *name, int *index, zerr **err);
/* The same, with the link's kind ("bridge", "veth"; "" for a plain device) and alias, if not
   NULL; a link of zone's group reads as having zone's alias. */
int rtnl_link_info (struct rtnl *nl, const char *name, int *index, char kind[16], char alias[64], zerr **err);
/* Make a bridge (EEXIST is not an error); *created says whether this call made it. */
int rtnl_bridge_add (struct rtnl *nl, const char *name, uint32_t mtu, int *created, zerr **err);
/* A veth pair: `host` here, enslaved to master_index, and its peer `peer` born directly in the
   network namespace peer_netns_fd (cheaper than moving it there afterwards). */
int rtnl_veth_add (struct rtnl *nl, const char *host, int master_index, const char *peer, int peer_netns_fd,
                   uint32_t mtu, zerr **err);
int rtnl_link_del (struct rtnl *nl, int index, zerr **err);
int rtnl_link_up (struct rtnl *nl, int index, zerr **err);
/* IPv4 address/prefix on a link (EEXIST is not an error). */
int rtnl_addr_add (struct rtnl *nl, int index, struct in_addr addr, int prefix, zerr **err);
struct rtnl_addr
{
  int index; /* 0: none */
  struct in_addr addr;
  int prefix;
};
/* 1 (and *found) when an IPv4 address of a link other than exclude_index lies in net/prefix or
   its network holds net; 0 when none does. */
int rtnl_addr_overlap (struct rtnl *nl, struct in_addr net, int prefix, int exclude_index, struct rtnl_addr *found,
                       zerr **err);
/* Default route via gw. */
int rtnl_route_default (struct rtnl *nl, struct in_addr gw, zerr **err);

#endif
