#define _GNU_SOURCE
#include "setup.h"
#include "lease.h"
#include "nat.h"
#include "rtnl.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
zone_net_host_ifname (const char *id, char name[16])
{
  /* FNV-1a of the id and this moment: the veth of an earlier zone of the same id may still
     exist for a moment (the kernel tears a network namespace down asynchronously). */
  struct timespec ts;
  uint32_t h = fnv1a_str (FNV1A_INIT, id);
  clock_gettime (CLOCK_MONOTONIC, &ts);
  h = fnv1a_word (fnv1a_word (h, (uint32_t) ts.tv_nsec), (uint32_t) getpid ());
  snprintf (name, 16, "zv%08x", h);
}

static void
cleanup_rtnlp (struct rtnl **nl)
{
  rtnl_close (*nl);
}
#define cleanup_rtnl __attribute__ ((cleanup (cleanup_rtnlp)))

static int
write_sysctl (const char *path, const char *value, zerr **err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    return zerr_sys (err, "set `%s`", path);
  return 0;
}

/* zone changes no interface of the host's but its own bridges: refused before anything is touched. */
static int
check_bridge_is_ours (struct rtnl *nl, const struct zone_net *n, zerr **err)
{
  char kind[16], alias[64];
  int index = 0, ret = rtnl_link_info (nl, n->bridge_name, &index, kind, alias, err);

  if (ret == -ENODEV)
    return 0;
  if (ret < 0)
    return ret;
  if (strcmp (kind, "bridge") != 0)
    return zerr_set (err, EEXIST, "config.json: annotations.org.zone.net.bridge: `%s` is an interface of the host "
                                  "that is not a bridge", n->bridge_name);
  if (strcmp (alias, RTNL_ZONE_ALIAS) != 0)
    return zerr_set (err, EEXIST, "config.json: annotations.org.zone.net.bridge: `%s` is a bridge zone did not make "
                                  "(zone uses a bridge of the host's only when its alias is `" RTNL_ZONE_ALIAS "`)",
                     n->bridge_name);
  return 0;
}

/* A subnet the host already has on another interface would give the host a second route to it. */
static int
check_subnet_is_free (struct rtnl *nl, const struct zone_net *n, zerr **err)
{
  struct rtnl_addr other;
  char mine[INET_ADDRSTRLEN], theirs[INET_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
  int bridge = 0, ret;

  if (rtnl_link_index (nl, n->bridge_name, &bridge, NULL) < 0)
    bridge = 0;
  if ((ret = rtnl_addr_overlap (nl, n->subnet, n->prefix, bridge, &other, err)) <= 0)
    return ret;
  inet_ntop (AF_INET, &n->subnet, mine, sizeof mine);
  inet_ntop (AF_INET, &other.addr, theirs, sizeof theirs);
  if_indextoname ((unsigned) other.index, ifname);
  return zerr_set (err, EEXIST, "config.json: annotations.org.zone.net.subnet: %s/%d overlaps %s/%d of the host's "
                                "interface `%s`", mine, n->prefix, theirs, other.prefix, ifname);
}

/* Bridges are the host's, whatever the runtime root: one host-wide lock orders the check,
   the creation and the marking of a bridge between concurrent creates. */
#define NET_LOCK "/run/lock/zone-net.lock"

static int
lock_host_net (zerr **err)
{
  mkdir ("/run/lock", 01777);
  return lock_file (NET_LOCK, err);
}

/* The bridge with the gateway address, up; forwarding on; 127.0.0.1 may be routed to it. */
static int
ensure_bridge (struct rtnl *nl, const struct zone_net *n, int *index, zerr **err)
{
  cleanup_close int lock = lock_host_net (err);
  char path[128];
  int created = 0, ret;

  if (lock < 0)
    return lock;
  if ((ret = check_bridge_is_ours (nl, n, err)) < 0 || (ret = check_subnet_is_free (nl, n, err)) < 0
      || (ret = rtnl_bridge_add (nl, n->bridge_name, n->mtu, &created, err)) < 0
      || (ret = rtnl_link_index (nl, n->bridge_name, index, err)) < 0
      || (ret = rtnl_addr_add (nl, *index, n->gateway, n->prefix, err)) < 0
      || (ret = rtnl_link_up (nl, *index, err)) < 0)
    return ret;
  snprintf (path, sizeof path, "/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge_name);
  if ((ret = write_sysctl (path, "1", err)) < 0)
    return ret;
  /* Zones reach beyond the host only if the host forwards. */
  return write_sysctl ("/proc/sys/net/ipv4/ip_forward", "1", err);
}

static int
configure_inside (int netns, const struct zone_net *n, struct in_addr addr, zerr **err)
{
  cleanup_rtnl struct rtnl *nl = NULL;
  int lo = 0, eth = 0, ret;

  if ((ret = rtnl_open (netns, &nl, err)) < 0)
    return ret;
  if ((ret = rtnl_link_index (nl, "lo", &lo, err)) < 0 || (ret = rtnl_link_up (nl, lo, err)) < 0
      || (ret = rtnl_link_index (nl, "eth0", &eth, err)) < 0
      || (ret = rtnl_addr_add (nl, eth, addr, n->prefix, err)) < 0 || (ret = rtnl_link_up (nl, eth, err)) < 0
      || (ret = rtnl_route_default (nl, n->gateway, err)) < 0)
    return ret == -ENODEV && !*err ? zerr_set (err, ENODEV, "the zone's network namespace lost a link") : ret;
  return 0;
}

int
zone_net_setup (const char *root, const char *id, const struct zone_net *n, int netns, struct in_addr *addr,
                char host[16], zerr **err)
{
  cleanup_rtnl struct rtnl *nl = NULL;
  char tag[300];
  int bridge = 0, veth = 0, ret;
  bool last;

  if ((ret = lease_acquire (root, n, id, addr, err)) < 0)
    return ret;
  zone_net_host_ifname (id, host);
  if ((ret = rtnl_open (-1, &nl, err)) < 0 || (ret = ensure_bridge (nl, n, &bridge, err)) < 0)
    goto fail;
  if ((ret = rtnl_veth_add (nl, host, bridge, "eth0", netns, n->mtu, err)) < 0)
    {
      if (ret == -EEXIST)
        zerr_wrap (err, "veth `%s` exists", host);
      goto fail;
    }
  if ((ret = rtnl_link_index (nl, host, &veth, err)) < 0 || (ret = rtnl_link_up (nl, veth, err)) < 0
      || (ret = configure_inside (netns, n, *addr, err)) < 0 || (ret = nat_add_bridge (n, err)) < 0
      || (ret = nat_add_ports (n, id, *addr, err)) < 0)
    goto fail;
  return 0;

fail:
  snprintf (tag, sizeof tag, "zone:%s", id);
  nat_remove (tag, NULL);
  if (veth > 0 && nl)
    rtnl_link_del (nl, veth, NULL);
  lease_release (root, n, id, &last, NULL);
  return ret;
}

/* Keep the first error, go on with the next step: teardown never stops half-way. */
static void
keep_first (int ret, int *first, zerr **err, zerr **e)
{
  if (ret < 0 && *first == 0)
    {
      *first = ret;
      if (err)
        {
          *err = *e;
          *e = NULL;
        }
    }
  zerr_free (e);
}

int
zone_net_teardown (const char *root, const char *id, const struct zone_net *n, const char *host_veth, zerr **err)
{
  cleanup_rtnl struct rtnl *nl = NULL;
  char tag[300];
  bool last = false;
  int first = 0, index = 0;
  zerr *e = NULL;

  snprintf (tag, sizeof tag, "zone:%s", id);
  keep_first (nat_remove (tag, &e), &first, err, &e);
  /* Our end of the pair, now: the kernel would take it only once the namespace is torn down,
     a moment after the zone is gone, and "nothing left" must hold when delete returns. */
  if (rtnl_open (-1, &nl, NULL) == 0 && host_veth && *host_veth && rtnl_link_index (nl, host_veth, &index, NULL) == 0)
    rtnl_link_del (nl, index, NULL);
  keep_first (lease_release (root, n, id, &last, &e), &first, err, &e);
  if (last)
    {
      /* The subnet's last zone: its bridge and the bridge's rules go too, unless a create took
         a lease meanwhile (it makes the bridge under the same lock). */
      cleanup_close int lock = lock_host_net (NULL); /* held until the bridge is gone */
      if (!lease_subnet_empty (n))
        return first;
      (void) lock;
      snprintf (tag, sizeof tag, "zone-bridge:%s", n->bridge_name);
      keep_first (nat_remove (tag, &e), &first, err, &e);
      char kind[16], alias[64];
      if (nl && rtnl_link_info (nl, n->bridge_name, &index, kind, alias, NULL) == 0
          && strcmp (alias, RTNL_ZONE_ALIAS) == 0)
        rtnl_link_del (nl, index, NULL);
    }
  return first;
}

int
zone_net_forget (const char *root, const char *id, zerr **err)
{
  cleanup_rtnl struct rtnl *nl = NULL;
  char tag[300], bridge[16];
  bool last = false;
  int ret;

  snprintf (tag, sizeof tag, "zone:%s", id);
  if ((ret = nat_remove (tag, err)) < 0)
    return ret;
  if (lease_forget (root, id, bridge, &last) <= 0 || !last)
    return 0;
  {
    /* Its subnet's last zone: the bridge and its rules go too, as in zone_net_teardown. */
    cleanup_close int lock = lock_host_net (NULL);
    char kind[16], alias[64];
    int index = 0;
    (void) lock;
    snprintf (tag, sizeof tag, "zone-bridge:%s", bridge);
    nat_remove (tag, NULL);
    if (rtnl_open (-1, &nl, NULL) == 0 && rtnl_link_info (nl, bridge, &index, kind, alias, NULL) == 0
        && strcmp (alias, RTNL_ZONE_ALIAS) == 0)
      rtnl_link_del (nl, index, NULL);
  }
  return 0;
}
