/* A zone's networking, as its org.zone.net.* annotations ask for it. */
#ifndef ZONE_NETNS_NETCONF_H
#define ZONE_NETNS_NETCONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../spec/config.h"
#include "../util/error.h"

#define ZONE_NET_DEFAULT_BRIDGE "zone0"
#define ZONE_NET_DEFAULT_SUBNET "10.77.0.0/16"

struct zone_port
{
  struct in_addr host_ip; /* INADDR_ANY: every local address */
  uint16_t host_port, zone_port;
  int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct zone_net
{
  bool bridge; /* mode=bridge */
  bool slirp;  /* mode=slirp4netns: user-mode networking, rootless zones' way out (ports, mtu) */
  char bridge_name[16];
  struct in_addr subnet; /* network address */
  int prefix;
  struct in_addr gateway; /* the subnet's first address, on the bridge */
  bool has_address;
  struct in_addr address; /* fixed by the annotation, or leased */
  struct zone_port *ports;
  size_t n_ports;
  uint32_t mtu;
};

/* Read the annotations of c; errors name annotations.org.zone.net.KEY.  mode=bridge and
   mode=slirp4netns need a network namespace of the zone's own (no path). */
int zone_net_parse (const struct zone_config *c, struct zone_net *out, zerr **err);
/* The same from annotations alone (a zone's state keeps them), for delete. */
int zone_net_parse_annotations (const struct zone_kv *ann, size_t n_ann, bool own_netns, struct zone_net *out,
                                zerr **err);
void zone_net_free (struct zone_net *n);
#define cleanup_net __attribute__ ((cleanup (zone_net_free)))

/* "10.77.0.0/16" -> address and prefix; the host bits must be zero. */
int zone_net_parse_cidr (const char *s, struct in_addr *net, int *prefix);

#endif
