#define _GNU_SOURCE
#include "rtnl.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rtnl
{
  struct mnl_socket *sock;
  unsigned int portid, seq;
};

int
rtnl_open (int netns_fd, struct rtnl **out, zerr **err)
{
  cleanup_close int own = -1;
  struct rtnl *nl;
  int ret = 0;

  /* A netlink socket belongs to the namespace it is created in: step in, make it, step out. */
  if (netns_fd >= 0)
    {
      own = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
      if (own < 0 || setns (netns_fd, CLONE_NEWNET) < 0)
        return zerr_sys (err, "enter the zone's network namespace");
    }
  nl = xmalloc0 (sizeof *nl);
  nl->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl->sock == NULL || mnl_socket_bind (nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
    ret = zerr_sys (err, "open a netlink socket");
  if (netns_fd >= 0 && setns (own, CLONE_NEWNET) < 0 && ret == 0)
    ret = zerr_sys (err, "return to the runtime's network namespace");
  if (ret < 0)
    {
      rtnl_close (nl);
      return ret;
    }
  nl->portid = mnl_socket_get_portid (nl->sock);
  nl->seq = (unsigned int) time (NULL);
  *out = nl;
  return 0;
}

void
rtnl_close (struct rtnl *nl)
{
  if (nl == NULL)
    return;
  if (nl->sock)
    mnl_socket_close (nl->sock);
  free (nl);
}

static struct nlmsghdr *
start_msg (struct rtnl *nl, char *buf, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *h = mnl_nlmsg_put_header (buf);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  h->nlmsg_seq = ++nl->seq;
  return h;
}

/* Send and read the kernel's answer: 0, or -errno with err filled naming `what`. */
static int
talk (struct rtnl *nl, struct nlmsghdr *h, const char *what, zerr **err, mnl_cb_t cb, void *data)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  int ret;

  if (mnl_socket_sendto (nl->sock, h, h->nlmsg_len) < 0)
    return zerr_sys (err, "netlink: %s", what);
  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl->sock, buf, sizeof buf);
      if (n < 0)
        return zerr_sys (err, "netlink: %s", what);
      ret = mnl_cb_run (buf, (size_t) n, h->nlmsg_seq, nl->portid, cb, data);
      if (ret < 0)
        {
          int e = errno;
          errno = e;
          return -e;
        }
      if (ret == MNL_CB_STOP)
        return 0;
    }
}

static int
talk_err (struct rtnl *nl, struct nlmsghdr *h, const char *what, zerr **err)
{
  int ret = talk (nl, h, what, err, NULL, NULL);
  if (ret < 0 && (err == NULL || *err == NULL))
    {
      errno = -ret;
      return zerr_sys (err, "netlink: %s", what);
    }
  return ret;
}

struct index_query
{
  int index;
  uint32_t group;
  char kind[16], alias[64];
};

static int
on_linkinfo_attr (const struct nlattr *a, void *data)
{
  if (mnl_attr_get_type (a) == IFLA_INFO_KIND && mnl_attr_validate (a, MNL_TYPE_STRING) == 0)
    snprintf (((struct index_query *) data)->kind, 16, "%s", mnl_attr_get_str (a));
  return MNL_CB_OK;
}

static int
on_link_attr (const struct nlattr *a, void *data)
{
  struct index_query *q = data;
  if (mnl_attr_get_type (a) == IFLA_IFALIAS && mnl_attr_validate (a, MNL_TYPE_STRING) == 0)
    snprintf (q->alias, sizeof q->alias, "%s", mnl_attr_get_str (a));
  else if (mnl_attr_get_type (a) == IFLA_GROUP && mnl_attr_validate (a, MNL_TYPE_U32) == 0)
    q->group = mnl_attr_get_u32 (a);
  else if (mnl_attr_get_type (a) == IFLA_LINKINFO && mnl_attr_validate (a, MNL_TYPE_NESTED) == 0)
    mnl_attr_parse_nested (a, on_linkinfo_attr, q);
  return MNL_CB_OK;
}

static int
on_link (const struct nlmsghdr *h, void *data)
{
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload (h);
  ((struct index_query *) data)->index = ifi->ifi_index;
  mnl_attr_parse (h, sizeof *ifi, on_link_attr, data);
  return MNL_CB_OK;
}

int
rtnl_link_index (struct rtnl *nl, const char *name, int *index, zerr **err)
{
  return rtnl_link_info (nl, name, index, NULL, NULL, err);
}

int
rtnl_link_info (struct rtnl *nl, const char *name, int *index, char kind[16], char alias[64], zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_GETLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi);
  struct index_query q = { 0 };
  int ret;

  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, name);
  ret = talk (nl, h, "get link", err, on_link, &q);
  if (ret == -ENODEV)
    return -ENODEV;
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "netlink: look up link `%s`", name);
    }
  *index = q.index;
  if (kind)
    memcpy (kind, q.kind, 16);
  if (alias)
    {
      memcpy (alias, q.alias, 64);
      /* The group is zone's mark from the moment the bridge exists; the alias, for people, a
         moment later: a create killed in between leaves a bridge that is still known as ours. */
      if (q.group == RTNL_ZONE_GROUP && alias[0] == '\0')
        snprintf (alias, 64, "%s", RTNL_ZONE_ALIAS);
    }
  return 0;
}

int
rtnl_bridge_add (struct rtnl *nl, const char *name, uint32_t mtu, int *created, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi);
  struct nlattr *info;
  int ret;

  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, name);
  mnl_attr_put_u32 (h, IFLA_GROUP, RTNL_ZONE_GROUP);
  if (mtu)
    mnl_attr_put_u32 (h, IFLA_MTU, mtu);
  info = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (h, info);
  ret = talk (nl, h, "create bridge", err, NULL, NULL);
  *created = ret == 0;
  if (ret == -EEXIST)
    return 0;
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "netlink: create bridge `%s`", name);
    }
  /* zone's mark, the only bridges it changes are the ones that carry it; the kernel takes an
     alias only on a link that exists. */
  {
    int index = 0;
    if ((ret = rtnl_link_index (nl, name, &index, err)) < 0)
      return ret;
    h = start_msg (nl, buf, RTM_NEWLINK, 0);
    ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    mnl_attr_put_strz (h, IFLA_IFALIAS, RTNL_ZONE_ALIAS);
    return talk_err (nl, h, "mark the bridge", err);
  }
}

int
rtnl_veth_add (struct rtnl *nl, const char *host, int master_index, const char *peer, int peer_netns_fd,
               uint32_t mtu, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi), *pifi;
  struct nlattr *info, *data, *peer_attr;

  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, host);
  if (master_index > 0)
    mnl_attr_put_u32 (h, IFLA_MASTER, (uint32_t) master_index);
  if (mtu)
    mnl_attr_put_u32 (h, IFLA_MTU, mtu);
  info = mnl_attr_nest_start (h, IFLA_LINKINFO);
  mnl_attr_put_strz (h, IFLA_INFO_KIND, "veth");
  data = mnl_attr_nest_start (h, IFLA_INFO_DATA);
  peer_attr = mnl_attr_nest_start (h, VETH_INFO_PEER);
  /* The peer's own ifinfomsg, then its attributes. */
  pifi = mnl_nlmsg_put_extra_header (h, sizeof *pifi);
  pifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (h, IFLA_IFNAME, peer);
  mnl_attr_put_u32 (h, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
  if (mtu)
    mnl_attr_put_u32 (h, IFLA_MTU, mtu);
  mnl_attr_nest_end (h, peer_attr);
  mnl_attr_nest_end (h, data);
  mnl_attr_nest_end (h, info);
  return talk_err (nl, h, "create the zone's veth pair", err);
}

int
rtnl_link_del (struct rtnl *nl, int index, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_DELLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return talk_err (nl, h, "delete link", err);
}

int
rtnl_link_up (struct rtnl *nl, int index, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return talk_err (nl, h, "set link up", err);
}

int
rtnl_addr_add (struct rtnl *nl, int index, struct in_addr addr, int prefix, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (h, sizeof *ifa);
  int ret;

  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char) prefix;
  ifa->ifa_index = (unsigned) index;
  mnl_attr_put (h, IFA_LOCAL, sizeof addr, &addr);
  mnl_attr_put (h, IFA_ADDRESS, sizeof addr, &addr);
  ret = talk (nl, h, "add address", err, NULL, NULL);
  if (ret == -EEXIST)
    return 0;
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "netlink: add address");
    }
  return 0;
}

struct overlap_query
{
  uint32_t net, mask; /* host order */
  int exclude;
  struct rtnl_addr *found;
};

static int
on_addr (const struct nlmsghdr *h, void *data)
{
  struct overlap_query *q = data;
  struct ifaddrmsg *ifa = mnl_nlmsg_get_payload (h);
  struct nlattr *a;

  if (ifa->ifa_family != AF_INET || (int) ifa->ifa_index == q->exclude || q->found->index)
    return MNL_CB_OK;
  mnl_attr_for_each (a, h, sizeof *ifa)
    if (mnl_attr_get_type (a) == IFA_LOCAL && mnl_attr_get_payload_len (a) == 4)
      {
        uint32_t addr, mask;
        memcpy (&addr, mnl_attr_get_payload (a), 4);
        addr = ntohl (addr);
        mask = ifa->ifa_prefixlen ? ~0u << (32 - ifa->ifa_prefixlen) : 0;
        /* Two networks overlap when either holds the other's base: compare with the wider mask. */
        if ((addr & (mask & q->mask)) == (q->net & (mask & q->mask)))
          {
            q->found->index = (int) ifa->ifa_index;
            q->found->addr.s_addr = htonl (addr);
            q->found->prefix = ifa->ifa_prefixlen;
          }
      }
  return MNL_CB_OK;
}

int
rtnl_addr_overlap (struct rtnl *nl, struct in_addr net, int prefix, int exclude_index, struct rtnl_addr *found,
                   zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_GETADDR, NLM_F_DUMP);
  struct rtgenmsg *g = mnl_nlmsg_put_extra_header (h, sizeof *g);
  struct overlap_query q = {
    .net = ntohl (net.s_addr), .mask = prefix ? ~0u << (32 - prefix) : 0, .exclude = exclude_index, .found = found,
  };
  int ret;

  g->rtgen_family = AF_INET;
  memset (found, 0, sizeof *found);
  ret = talk (nl, h, "list addresses", err, on_addr, &q);
  if (ret < 0 && (err == NULL || *err == NULL))
    {
      errno = -ret;
      return zerr_sys (err, "netlink: list addresses");
    }
  return ret < 0 ? ret : found->index != 0;
}

int
rtnl_route_default (struct rtnl *nl, struct in_addr gw, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start_msg (nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (h, sizeof *rtm);

  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put (h, RTA_GATEWAY, sizeof gw, &gw);
  return talk_err (nl, h, "add the default route", err);
}
