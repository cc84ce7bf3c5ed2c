#define _GNU_SOURCE
#include "netconf.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A "config.json: annotations.org.zone.net."

int
zone_net_parse_cidr (const char *s, struct in_addr *net, int *prefix)
{
  char buf[32], *slash, *end;
  long p;
  uint32_t mask;

  if (strlen (s) >= sizeof buf)
    return -EINVAL;
  strcpy (buf, s);
  slash = strchr (buf, '/');
  if (slash == NULL)
    return -EINVAL;
  *slash = '\0';
  p = strtol (slash + 1, &end, 10);
  if (*end || slash[1] == '\0' || p < 8 || p > 30 || inet_pton (AF_INET, buf, net) != 1)
    return -EINVAL;
  mask = p == 0 ? 0 : htonl (~0u << (32 - p));
  if (net->s_addr & ~mask)
    return -EINVAL;
  *prefix = (int) p;
  return 0;
}

static bool
in_subnet (struct in_addr a, struct in_addr net, int prefix)
{
  uint32_t mask = htonl (~0u << (32 - prefix));
  return (a.s_addr & mask) == net.s_addr;
}

static bool
parse_u16 (const char *s, size_t len, uint16_t *out)
{
  unsigned long v = 0;
  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (unsigned long) (s[i] - '0');
    }
  if (v == 0 || v > 65535)
    return false;
  *out = (uint16_t) v;
  return true;
}

/* One [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|/udp]. */
static int
parse_port (const char *spec, struct zone_port *p, zerr **err)
{
  cleanup_free char *s = xstrdup (spec);
  char *proto = strchr (s, '/'), *last, *first;

  p->proto = IPPROTO_TCP;
  p->host_ip.s_addr = INADDR_ANY;
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") == 0)
        p->proto = IPPROTO_UDP;
      else if (strcmp (proto, "tcp") != 0)
        return zerr_set (err, EINVAL, A "ports: `%s`: the protocol must be tcp or udp", spec);
    }
  last = strrchr (s, ':');
  if (last == NULL)
    return zerr_set (err, EINVAL, A "ports: `%s`: expected [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|/udp]", spec);
  *last++ = '\0';
  first = strrchr (s, ':');
  if (first)
    {
      *first++ = '\0';
      if (inet_pton (AF_INET, s, &p->host_ip) != 1)
        return zerr_set (err, EINVAL, A "ports: `%s`: `%s` is not an IPv4 address", spec, s);
    }
  else
    first = s;
  if (!parse_u16 (first, strlen (first), &p->host_port) || !parse_u16 (last, strlen (last), &p->zone_port))
    return zerr_set (err, EINVAL, A "ports: `%s`: ports are numbers from 1 to 65535", spec);
  return 0;
}

static const char *
lookup (const struct zone_kv *ann, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (ann[i].key, key) == 0)
      return ann[i].value;
  return NULL;
}

static int parse_ports_mtu (const char *ports, const char *mtu, struct zone_net *n, zerr **err);

int
zone_net_parse (const struct zone_config *c, struct zone_net *n, zerr **err)
{
  const struct zone_namespace *ns = zone_config_namespace (c, CLONE_NEWNET);
  return zone_net_parse_annotations (c->annotations, c->n_annotations, ns != NULL && ns->path == NULL, n, err);
}

int
zone_net_parse_annotations (const struct zone_kv *ann, size_t n_ann, bool own_netns, struct zone_net *n,
                            zerr **err)
{
  const char *mode = lookup (ann, n_ann, "org.zone.net.mode");
  const char *bridge = lookup (ann, n_ann, "org.zone.net.bridge");
  const char *subnet = lookup (ann, n_ann, "org.zone.net.subnet");
  const char *address = lookup (ann, n_ann, "org.zone.net.address");
  const char *ports = lookup (ann, n_ann, "org.zone.net.ports");
  const char *mtu = lookup (ann, n_ann, "org.zone.net.mtu");

  memset (n, 0, sizeof *n);
  if (mode == NULL || strcmp (mode, "none") == 0)
    return 0;
  if (strcmp (mode, "bridge") != 0 && strcmp (mode, "slirp4netns") != 0)
    return zerr_set (err, EINVAL, A "mode: `%s` is not bridge, slirp4netns or none", mode);
  if (!own_netns)
    return zerr_set (err, EINVAL, A "mode: %s needs a new network namespace (linux.namespaces: network "
                                    "without a path)", mode);
  if (strcmp (mode, "slirp4netns") == 0)
    {
      /* User-mode networking (rootless podman's): the address is slirp4netns' own. */
      const char *only_bridge = bridge ? "bridge" : subnet ? "subnet" : address ? "address" : NULL;
      if (only_bridge)
        return zerr_set (err, EINVAL, A "%s: only for mode bridge (slirp4netns gives the zone 10.0.2.100)", only_bridge);
      n->slirp = true;
      return parse_ports_mtu (ports, mtu, n, err);
    }
  n->bridge = true;
  if (bridge == NULL)
    bridge = ZONE_NET_DEFAULT_BRIDGE;
  if (*bridge == '\0' || strlen (bridge) >= sizeof n->bridge_name || strchr (bridge, '/') || strchr (bridge, ' '))
    return zerr_set (err, EINVAL, A "bridge: `%s` is not an interface name (1 to 15 characters)", bridge);
  strcpy (n->bridge_name, bridge);
  if (subnet == NULL)
    subnet = ZONE_NET_DEFAULT_SUBNET;
  if (zone_net_parse_cidr (subnet, &n->subnet, &n->prefix) < 0)
    return zerr_set (err, EINVAL, A "subnet: `%s` is not an IPv4 network such as 10.77.0.0/16 (prefix 8 to 30)",
                     subnet);
  n->gateway.s_addr = htonl (ntohl (n->subnet.s_addr) + 1);
  if (address)
    {
      uint32_t host, bcast;
      if (inet_pton (AF_INET, address, &n->address) != 1)
        return zerr_set (err, EINVAL, A "address: `%s` is not an IPv4 address", address);
      host = ntohl (n->address.s_addr);
      bcast = ntohl (n->subnet.s_addr) | (~0u >> n->prefix);
      if (!in_subnet (n->address, n->subnet, n->prefix) || host <= ntohl (n->gateway.s_addr) || host >= bcast)
        return zerr_set (err, EINVAL, A "address: `%s` is not a free host address of the subnet %s", address,
                         subnet);
      n->has_address = true;
    }
  return parse_ports_mtu (ports, mtu, n, err);
}

static int
parse_ports_mtu (const char *ports, const char *mtu, struct zone_net *n, zerr **err)
{
  if (ports && *ports)
    {
      cleanup_free char *copy = xstrdup (ports);
      char *save = NULL;
      for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
        {
          int ret;
          n->ports = realloc (n->ports, (n->n_ports + 1) * sizeof *n->ports);
          if (n->ports == NULL)
            abort ();
          if ((ret = parse_port (t, &n->ports[n->n_ports], err)) < 0)
            return ret;
          n->n_ports++;
        }
    }
  if (mtu)
    {
      char *end;
      long v = strtol (mtu, &end, 10);
      if (*mtu == '\0' || *end || v < 576 || v > 65535)
        return zerr_set (err, EINVAL, A "mtu: `%s` is not a number from 576 to 65535", mtu);
      n->mtu = (uint32_t) v;
    }
  return 0;
}

void
zone_net_free (struct zone_net *n)
{
  free (n->ports);
  n->ports = NULL;
  n->n_ports = 0;
}
