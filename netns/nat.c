#define _GNU_SOURCE
#include "nat.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TABLE "zone"

/* One nftables transaction: a batch of messages sent at once and acknowledged together. */
struct batch
{
  char *buf;
  struct mnl_nlmsg_batch *b;
  uint32_t seq, first_seq;
  unsigned n_msgs; /* each asks for an acknowledgement */
};

static void
batch_start (struct batch *t)
{
  t->n_msgs = 0;
  t->buf = xmalloc0 (MNL_SOCKET_BUFFER_SIZE * 4);
  t->b = mnl_nlmsg_batch_start (t->buf, MNL_SOCKET_BUFFER_SIZE * 4);
  t->seq = t->first_seq = (uint32_t) time (NULL);
  nftnl_batch_begin (mnl_nlmsg_batch_current (t->b), t->seq++);
  mnl_nlmsg_batch_next (t->b);
}

static struct nlmsghdr *
batch_msg (struct batch *t, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *h
      = nftnl_nlmsg_build_hdr (mnl_nlmsg_batch_current (t->b), type, NFPROTO_IPV4, flags | NLM_F_ACK, t->seq++);
  t->n_msgs++;
  return h;
}

static int
batch_send (struct batch *t, const char *what, zerr **err)
{
  struct mnl_socket *nl;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  int ret = 0;

  nftnl_batch_end (mnl_nlmsg_batch_current (t->b), t->seq++);
  mnl_nlmsg_batch_next (t->b);
  nl = mnl_socket_open2 (NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (nl == NULL || mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      ret = zerr_sys (err, "nftables: open a netlink socket");
      goto out;
    }
  if (mnl_socket_sendto (nl, mnl_nlmsg_batch_head (t->b), mnl_nlmsg_batch_size (t->b)) < 0)
    {
      ret = zerr_sys (err, "nftables: %s", what);
      goto out;
    }
  /* One acknowledgement per message, or the error of the one that failed (and so the batch). */
  for (unsigned acks = 0; acks < t->n_msgs && ret == 0;)
    {
      ssize_t n = mnl_socket_recvfrom (nl, buf, sizeof buf);
      struct nlmsghdr *h = (struct nlmsghdr *) buf;
      int len = (int) n;
      if (n <= 0)
        {
          ret = zerr_sys (err, "nftables: %s", what);
          break;
        }
      for (; mnl_nlmsg_ok (h, len); h = mnl_nlmsg_next (h, &len))
        {
          struct nlmsgerr *e;
          if (h->nlmsg_type != NLMSG_ERROR)
            continue;
          e = mnl_nlmsg_get_payload (h);
          if (e->error)
            {
              errno = -e->error;
              ret = zerr_sys (err, "nftables: %s", what);
              break;
            }
          acks++;
        }
    }
out:
  if (nl)
    mnl_socket_close (nl);
  mnl_nlmsg_batch_stop (t->b);
  free (t->buf);
  return ret;
}

static void
add_table_and_chains (struct batch *t)
{
  static const struct
  {
    const char *name;
    uint32_t hook;
    int32_t prio;
  } chains[] = {
    { "prerouting", NF_INET_PRE_ROUTING, -100 },
    { "output", NF_INET_LOCAL_OUT, -100 },
    { "postrouting", NF_INET_POST_ROUTING, 100 },
  };
  struct nftnl_table *tb = nftnl_table_alloc ();
  struct nlmsghdr *h;

  nftnl_table_set_str (tb, NFTNL_TABLE_NAME, TABLE);
  h = batch_msg (t, NFT_MSG_NEWTABLE, NLM_F_CREATE);
  nftnl_table_nlmsg_build_payload (h, tb);
  mnl_nlmsg_batch_next (t->b);
  nftnl_table_free (tb);
  for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++)
    {
      struct nftnl_chain *c = nftnl_chain_alloc ();
      nftnl_chain_set_str (c, NFTNL_CHAIN_TABLE, TABLE);
      nftnl_chain_set_str (c, NFTNL_CHAIN_NAME, chains[i].name);
      nftnl_chain_set_str (c, NFTNL_CHAIN_TYPE, "nat");
      nftnl_chain_set_u32 (c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
      nftnl_chain_set_s32 (c, NFTNL_CHAIN_PRIO, chains[i].prio);
      nftnl_chain_set_u32 (c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
      h = batch_msg (t, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
      nftnl_chain_nlmsg_build_payload (h, c);
      mnl_nlmsg_batch_next (t->b);
      nftnl_chain_free (c);
    }
}

/* Expressions, each loading into or comparing register 1 (2 for the DNAT port). */
static void
e_payload (struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("payload");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
}

static void
e_cmp (struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("cmp");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set (e, NFTNL_EXPR_CMP_DATA, data, len);
  nftnl_rule_add_expr (r, e);
}

static void
e_meta (struct nftnl_rule *r, uint32_t key)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("meta");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
}

/* register 1 &= mask (len bytes) */
static void
e_and (struct nftnl_rule *r, const void *mask, uint32_t len)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("bitwise");
  uint32_t zero = 0;
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set (e, NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set (e, NFTNL_EXPR_BITWISE_XOR, &zero, len);
  nftnl_rule_add_expr (r, e);
}

/* ip saddr NET/PREFIX */
static void
m_saddr_in (struct nftnl_rule *r, struct in_addr net, int prefix)
{
  uint32_t mask = htonl (~0u << (32 - prefix));
  e_payload (r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
  e_and (r, &mask, 4);
  e_cmp (r, NFT_CMP_EQ, &net.s_addr, 4);
}

/* meta l4proto tcp tcp flags & (syn | ack) != syn: a TCP packet that does not open a connection */
static void
m_tcp_not_opening (struct nftnl_rule *r)
{
  uint8_t tcp = IPPROTO_TCP, syn_ack = 0x12, syn = 0x02;
  struct nftnl_expr *e = nftnl_expr_alloc ("meta");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_META_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
  e_cmp (r, NFT_CMP_EQ, &tcp, 1);
  e_payload (r, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1);
  e_and (r, &syn_ack, 1);
  e_cmp (r, NFT_CMP_NEQ, &syn, 1);
}

static void
e_accept (struct nftnl_rule *r)
{
  struct nftnl_expr *e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
  nftnl_rule_add_expr (r, e);
}

/* oifname (!)= NAME */
static void
m_oifname (struct nftnl_rule *r, const char *name, bool equal)
{
  char buf[IFNAMSIZ] = { 0 };
  snprintf (buf, sizeof buf, "%s", name);
  e_meta (r, NFT_META_OIFNAME);
  e_cmp (r, equal ? NFT_CMP_EQ : NFT_CMP_NEQ, buf, IFNAMSIZ);
}

static void
set_comment (struct nftnl_rule *r, const char *tag)
{
  struct nftnl_udata_buf *u = nftnl_udata_buf_alloc (NFT_USERDATA_MAXLEN);
  nftnl_udata_put_strz (u, NFTNL_UDATA_RULE_COMMENT, tag);
  nftnl_rule_set_data (r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data (u), nftnl_udata_buf_len (u));
  nftnl_udata_buf_free (u);
}

static struct nftnl_rule *
new_rule (const char *chain, const char *tag)
{
  struct nftnl_rule *r = nftnl_rule_alloc ();
  nftnl_rule_set_str (r, NFTNL_RULE_TABLE, TABLE);
  nftnl_rule_set_str (r, NFTNL_RULE_CHAIN, chain);
  nftnl_rule_set_u32 (r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
  set_comment (r, tag);
  return r;
}

static void
add_rule (struct batch *t, struct nftnl_rule *r)
{
  struct nlmsghdr *h = batch_msg (t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
  nftnl_rule_nlmsg_build_payload (h, r);
  mnl_nlmsg_batch_next (t->b);
  nftnl_rule_free (r);
}

static void
e_masq (struct nftnl_rule *r)
{
  nftnl_rule_add_expr (r, nftnl_expr_alloc ("masq"));
}

int
nat_add_bridge (const struct zone_net *n, zerr **err)
{
  char tag[64];
  struct batch t;
  struct nftnl_rule *r;
  struct in_addr loopback = { htonl (0x7f000000) };

  snprintf (tag, sizeof tag, "zone-bridge:%s", n->bridge_name);
  if (nat_count (tag, NULL) > 0)
    return 0;
  batch_start (&t);
  add_table_and_chains (&t);
  /* A TCP connection the host meets halfway (a zone restored or migrated here with its open
     connections) is not the zone's to masquerade: its peer knows the zone's own address.
     ip saddr SUBNET oifname != BRIDGE <tcp, not a SYN> accept */
  r = new_rule ("postrouting", tag);
  m_saddr_in (r, n->subnet, n->prefix);
  m_oifname (r, n->bridge_name, false);
  m_tcp_not_opening (r);
  e_accept (r);
  add_rule (&t, r);
  /* ip saddr SUBNET oifname != BRIDGE masquerade */
  r = new_rule ("postrouting", tag);
  m_saddr_in (r, n->subnet, n->prefix);
  m_oifname (r, n->bridge_name, false);
  e_masq (r);
  add_rule (&t, r);
  /* ip saddr 127.0.0.0/8 oifname BRIDGE masquerade: replies to 127.0.0.1:PORT must come back */
  r = new_rule ("postrouting", tag);
  m_saddr_in (r, loopback, 8);
  m_oifname (r, n->bridge_name, true);
  e_masq (r);
  add_rule (&t, r);
  return batch_send (&t, "add the bridge's masquerade rules", err);
}

/* [ip daddr HOSTIP] fib daddr type local meta l4proto P th dport HOSTPORT dnat to ZONE:PORT */
static struct nftnl_rule *
dnat_rule (const char *chain, const char *tag, const struct zone_port *p, struct in_addr zone_addr)
{
  struct nftnl_rule *r = new_rule (chain, tag);
  struct nftnl_expr *e;
  uint32_t local = RTN_LOCAL;
  uint8_t proto = (uint8_t) p->proto;
  uint16_t hport = htons (p->host_port), zport = htons (p->zone_port);

  if (p->host_ip.s_addr != INADDR_ANY)
    {
      e_payload (r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
      e_cmp (r, NFT_CMP_EQ, &p->host_ip.s_addr, 4);
    }
  e = nftnl_expr_alloc ("fib");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
  nftnl_rule_add_expr (r, e);
  e_cmp (r, NFT_CMP_EQ, &local, 4);
  e_meta (r, NFT_META_L4PROTO);
  e_cmp (r, NFT_CMP_EQ, &proto, 1);
  e_payload (r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
  e_cmp (r, NFT_CMP_EQ, &hport, 2);
  e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
  nftnl_expr_set (e, NFTNL_EXPR_IMM_DATA, &zone_addr.s_addr, 4);
  nftnl_rule_add_expr (r, e);
  e = nftnl_expr_alloc ("immediate");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
  nftnl_expr_set (e, NFTNL_EXPR_IMM_DATA, &zport, 2);
  nftnl_rule_add_expr (r, e);
  e = nftnl_expr_alloc ("nat");
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  nftnl_expr_set_u32 (e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
  nftnl_rule_add_expr (r, e);
  return r;
}

int
nat_add_ports (const struct zone_net *n, const char *id, struct in_addr zone_addr, zerr **err)
{
  char tag[300];
  struct batch t;

  if (n->n_ports == 0)
    return 0;
  snprintf (tag, sizeof tag, "zone:%s", id);
  batch_start (&t);
  add_table_and_chains (&t);
  for (size_t i = 0; i < n->n_ports; i++)
    {
      add_rule (&t, dnat_rule ("prerouting", tag, &n->ports[i], zone_addr));
      add_rule (&t, dnat_rule ("output", tag, &n->ports[i], zone_addr));
    }
  return batch_send (&t, "add the zone's port rules", err);
}

/* Every rule of the table: chain, handle and comment, through one dump. */
struct rule_list
{
  struct
  {
    char chain[64];
    uint64_t handle;
    char comment[300];
  } *v;
  size_t n;
};

static int
on_comment (const struct nftnl_udata *attr, void *data)
{
  if (nftnl_udata_type (attr) == NFTNL_UDATA_RULE_COMMENT)
    snprintf (data, 300, "%.*s", (int) nftnl_udata_len (attr), (const char *) nftnl_udata_get (attr));
  return 0;
}

static int
on_rule (const struct nlmsghdr *h, void *data)
{
  struct rule_list *l = data;
  struct nftnl_rule *r = nftnl_rule_alloc ();
  if (nftnl_rule_nlmsg_parse (h, r) == 0)
    {
      uint32_t len = 0;
      const void *ud = nftnl_rule_get_data (r, NFTNL_RULE_USERDATA, &len);
      l->v = realloc (l->v, (l->n + 1) * sizeof *l->v);
      if (l->v == NULL)
        abort ();
      memset (&l->v[l->n], 0, sizeof l->v[l->n]);
      snprintf (l->v[l->n].chain, sizeof l->v[l->n].chain, "%s", nftnl_rule_get_str (r, NFTNL_RULE_CHAIN));
      l->v[l->n].handle = nftnl_rule_get_u64 (r, NFTNL_RULE_HANDLE);
      if (ud)
        nftnl_udata_parse (ud, len, on_comment, l->v[l->n].comment);
      l->n++;
    }
  nftnl_rule_free (r);
  return MNL_CB_OK;
}

/* -ENOENT when the table does not exist. */
static int
list_rules (struct rule_list *l, zerr **err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct mnl_socket *nl = mnl_socket_open2 (NETLINK_NETFILTER, SOCK_CLOEXEC);
  struct nftnl_rule *r = nftnl_rule_alloc ();
  uint32_t seq = (uint32_t) time (NULL);
  struct nlmsghdr *h;
  int ret = 0;

  l->v = NULL;
  l->n = 0;
  if (nl == NULL || mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      ret = zerr_sys (err, "nftables: open a netlink socket");
      goto out;
    }
  h = nftnl_nlmsg_build_hdr (buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, seq);
  nftnl_rule_set_str (r, NFTNL_RULE_TABLE, TABLE);
  nftnl_rule_nlmsg_build_payload (h, r);
  if (mnl_socket_sendto (nl, h, h->nlmsg_len) < 0)
    {
      ret = zerr_sys (err, "nftables: list rules");
      goto out;
    }
  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl, buf, sizeof buf);
      int r2;
      if (n < 0)
        {
          ret = zerr_sys (err, "nftables: list rules");
          break;
        }
      r2 = mnl_cb_run (buf, (size_t) n, seq, mnl_socket_get_portid (nl), on_rule, l);
      if (r2 < 0)
        {
          ret = errno == ENOENT ? -ENOENT : zerr_sys (err, "nftables: list rules");
          break;
        }
      if (r2 == MNL_CB_STOP)
        break;
    }
out:
  nftnl_rule_free (r);
  if (nl)
    mnl_socket_close (nl);
  return ret;
}

int
nat_count (const char *tag, zerr **err)
{
  struct rule_list l;
  int ret = list_rules (&l, err), count = 0;
  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < l.n; i++)
    count += tag == NULL || strcmp (l.v[i].comment, tag) == 0;
  free (l.v);
  return count;
}

int
nat_remove (const char *tag, zerr **err)
{
  struct rule_list l;
  struct batch t;
  size_t removed = 0;
  int ret = list_rules (&l, err);

  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return ret;
  batch_start (&t);
  for (size_t i = 0; i < l.n; i++)
    {
      struct nftnl_rule *r;
      struct nlmsghdr *h;
      if (strcmp (l.v[i].comment, tag) != 0)
        continue;
      r = nftnl_rule_alloc ();
      nftnl_rule_set_str (r, NFTNL_RULE_TABLE, TABLE);
      nftnl_rule_set_str (r, NFTNL_RULE_CHAIN, l.v[i].chain);
      nftnl_rule_set_u64 (r, NFTNL_RULE_HANDLE, l.v[i].handle);
      h = batch_msg (&t, NFT_MSG_DELRULE, 0);
      nftnl_rule_nlmsg_build_payload (h, r);
      mnl_nlmsg_batch_next (t.b);
      nftnl_rule_free (r);
      removed++;
    }
  /* zone's table goes with its last rule. */
  if (removed == l.n)
    {
      struct nftnl_table *tb = nftnl_table_alloc ();
      struct nlmsghdr *h;
      nftnl_table_set_str (tb, NFTNL_TABLE_NAME, TABLE);
      h = batch_msg (&t, NFT_MSG_DELTABLE, 0);
      nftnl_table_nlmsg_build_payload (h, tb);
      mnl_nlmsg_batch_next (t.b);
      nftnl_table_free (tb);
    }
  free (l.v);
  if (removed == 0 && l.n > 0)
    {
      mnl_nlmsg_batch_stop (t.b);
      free (t.buf);
      return 0;
    }
  /* Gone already (a create killed before the table was made, a concurrent delete): done. */
  ret = batch_send (&t, "remove rules", err);
  if (ret == -ENOENT)
    {
      zerr_free (err);
      return 0;
    }
  return ret;
}
