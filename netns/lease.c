#define _GNU_SOURCE
#include "lease.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct lease
{
  struct in_addr addr;
  char id[256];
  char bridge[16];
  char ports[512]; /* "tcp:0.0.0.0:8080,udp:127.0.0.1:53" or "-" */
  char root[PATH_MAX];
};

struct leases
{
  struct lease *v;
  size_t n;
};

static char *
subnet_file (const struct zone_net *n)
{
  char net[INET_ADDRSTRLEN], *p;
  inet_ntop (AF_INET, &n->subnet, net, sizeof net);
  if (asprintf (&p, ZONE_LEASE_DIR "/%s_%d", net, n->prefix) < 0)
    abort ();
  return p;
}

/* A lease whose zone has no state any more was left by a crash: it is free again. */
static bool
zone_exists (const char *root, const char *id)
{
  char path[PATH_MAX + 300];
  snprintf (path, sizeof path, "%s/%s/state.json", root, id);
  return access (path, F_OK) == 0;
}

/* Every lease in one subnet's file: "ADDRESS<TAB>ID<TAB>BRIDGE<TAB>PORTS<TAB>ROOT" per line (the
   root last, as it may hold tabs).  (root, id)'s own lease is dropped; unless all, so are leases of zones
   that are gone. */
static void
read_leases (const char *path, const char *root, const char *id, bool all, struct leases *l)
{
  cleanup_free char *text = NULL;
  char *save = NULL;

  if (read_file_at (AT_FDCWD, path, &text, NULL, NULL) < 0)
    return;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[5] = { 0 }, *rest = line;
      struct lease e = { 0 };
      for (int i = 0; i < 5 && rest; i++)
        {
          f[i] = rest;
          rest = i < 4 ? strchr (rest, '\t') : NULL;
          if (rest)
            *rest++ = '\0';
        }
      if (f[4] == NULL || inet_pton (AF_INET, f[0], &e.addr) != 1 || strlen (f[1]) >= sizeof e.id
          || strlen (f[2]) >= sizeof e.bridge || strlen (f[3]) >= sizeof e.ports || strlen (f[4]) >= sizeof e.root)
        continue;
      strcpy (e.id, f[1]);
      strcpy (e.bridge, f[2]);
      strcpy (e.ports, f[3]);
      strcpy (e.root, f[4]);
      if ((id && strcmp (e.id, id) == 0 && strcmp (e.root, root) == 0) || (!all && !zone_exists (e.root, e.id)))
        continue;
      l->v = realloc (l->v, (l->n + 1) * sizeof *l->v);
      if (l->v == NULL)
        abort ();
      l->v[l->n++] = e;
    }
}

static int
write_leases (const char *path, const struct leases *l, zerr **err)
{
  struct strbuf sb = { 0 };
  int ret;

  if (l->n == 0)
    {
      unlink (path);
      return 0;
    }
  strbuf_append (&sb, "");
  for (size_t i = 0; i < l->n; i++)
    {
      char addr[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &l->v[i].addr, addr, sizeof addr);
      strbuf_appendf (&sb, "%s\t%s\t%s\t%s\t%s\n", addr, l->v[i].id, l->v[i].bridge, l->v[i].ports, l->v[i].root);
    }
  ret = write_file_atomic (path, sb.buf, sb.len, 0600, err);
  free (sb.buf);
  return ret < 0 ? zerr_wrap (err, "write the address leases") : 0;
}

/* Leases are the host's, whatever the runtime root: one lock orders every change to them. */
static int
lock_leases (zerr **err)
{
  int ret = mkdir_p (ZONE_LEASE_DIR, 0700, err);
  return ret < 0 ? ret : lock_file (ZONE_LEASE_DIR "/.lock", err);
}

static void
format_ports (const struct zone_net *n, char out[512])
{
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n->n_ports && len < 400; i++)
    {
      char ip[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &n->ports[i].host_ip, ip, sizeof ip);
      len += (size_t) snprintf (out + len, 512 - len, "%s%s:%s:%u", i ? "," : "",
                                n->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp", ip, n->ports[i].host_port);
    }
  if (len == 0)
    strcpy (out, "-");
}

/* Does a lease's PORTS field hold a port that clashes with p (same protocol and port, on the
   same address or on every address)? */
static bool
ports_clash (const char *ports, const struct zone_port *p)
{
  cleanup_free char *copy = xstrdup (ports);
  char *save = NULL;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      char proto[8], ip[INET_ADDRSTRLEN];
      unsigned port;
      struct in_addr a;
      if (sscanf (t, "%7[^:]:%15[^:]:%u", proto, ip, &port) != 3 || inet_pton (AF_INET, ip, &a) != 1)
        continue;
      if (port == p->host_port && strcmp (proto, p->proto == IPPROTO_UDP ? "udp" : "tcp") == 0
          && (a.s_addr == INADDR_ANY || p->host_ip.s_addr == INADDR_ANY || a.s_addr == p->host_ip.s_addr))
        return true;
    }
  return false;
}

/* A published port is the host's too: refused when any zone, on any bridge and under any root,
   publishes it already. */
static int
check_ports (const struct zone_net *n, const char *root, const char *id, zerr **err)
{
  cleanup_dir DIR *d = opendir (ZONE_LEASE_DIR);
  struct dirent *de;

  while (d && n->n_ports && (de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      struct leases l = { 0 };
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&path, ZONE_LEASE_DIR "/%s", de->d_name) < 0)
        abort ();
      read_leases (path, root, id, false, &l);
      for (size_t i = 0; i < l.n; i++)
        for (size_t k = 0; k < n->n_ports; k++)
          if (ports_clash (l.v[i].ports, &n->ports[k]))
            {
              int ret = zerr_set (err, EADDRINUSE, "config.json: annotations.org.zone.net.ports: port %u/%s is "
                                                   "published already by zone `%s` (root %s)", n->ports[k].host_port,
                                  n->ports[k].proto == IPPROTO_UDP ? "udp" : "tcp", l.v[i].id, l.v[i].root);
              free (l.v);
              return ret;
            }
      free (l.v);
    }
  return 0;
}

static int
pick_address (const struct zone_net *n, const struct leases *l, struct in_addr *out, zerr **err)
{
  uint32_t first = ntohl (n->gateway.s_addr) + 1, last = (ntohl (n->subnet.s_addr) | (~0u >> n->prefix)) - 1;

  if (n->has_address)
    {
      for (size_t i = 0; i < l->n; i++)
        if (l->v[i].addr.s_addr == n->address.s_addr)
          {
            char a[INET_ADDRSTRLEN];
            inet_ntop (AF_INET, &n->address, a, sizeof a);
            return zerr_set (err, EADDRINUSE, "config.json: annotations.org.zone.net.address: %s is in use by zone "
                                              "`%s`", a, l->v[i].id);
          }
      *out = n->address;
      return 0;
    }
  for (uint32_t a = first; a <= last; a++)
    {
      bool taken = false;
      for (size_t i = 0; i < l->n && !taken; i++)
        taken = ntohl (l->v[i].addr.s_addr) == a;
      if (!taken)
        {
          out->s_addr = htonl (a);
          return 0;
        }
    }
  return zerr_set (err, EADDRNOTAVAIL, "the subnet of bridge %s has no free address left", n->bridge_name);
}

int
lease_acquire (const char *root, const struct zone_net *n, const char *id, struct in_addr *out, zerr **err)
{
  cleanup_free char *path = subnet_file (n), *real = realpath (root, NULL);
  cleanup_close int lock = lock_leases (err);
  struct leases l = { 0 };
  int ret;

  if (lock < 0)
    return lock;
  if (real == NULL)
    return zerr_sys (err, "runtime root `%s`", root);
  read_leases (path, real, id, false, &l);
  if ((ret = check_ports (n, real, id, err)) < 0 || (ret = pick_address (n, &l, out, err)) < 0)
    {
      free (l.v);
      return ret;
    }
  l.v = realloc (l.v, (l.n + 1) * sizeof *l.v);
  if (l.v == NULL)
    abort ();
  memset (&l.v[l.n], 0, sizeof l.v[l.n]);
  l.v[l.n].addr = *out;
  snprintf (l.v[l.n].id, sizeof l.v[l.n].id, "%s", id);
  snprintf (l.v[l.n].root, sizeof l.v[l.n].root, "%s", real);
  snprintf (l.v[l.n].bridge, sizeof l.v[l.n].bridge, "%s", n->bridge_name);
  format_ports (n, l.v[l.n].ports);
  l.n++;
  ret = write_leases (path, &l, err);
  free (l.v);
  return ret;
}

int
lease_release (const char *root, const struct zone_net *n, const char *id, bool *last, zerr **err)
{
  cleanup_free char *path = subnet_file (n), *real = realpath (root, NULL);
  cleanup_close int lock = lock_leases (err);
  struct leases l = { 0 };
  int ret;

  *last = false;
  if (lock < 0)
    return lock;
  read_leases (path, real ? real : root, id, false, &l);
  ret = write_leases (path, &l, err);
  /* Under the lock still: nobody can be taking a lease on this subnet now. */
  *last = ret == 0 && l.n == 0;
  free (l.v);
  return ret;
}

bool
lease_subnet_empty (const struct zone_net *n)
{
  cleanup_free char *path = subnet_file (n);
  cleanup_close int lock = lock_leases (NULL); /* held while reading */
  struct leases l = { 0 };
  bool empty;

  (void) lock;
  read_leases (path, "", NULL, false, &l);
  empty = l.n == 0;
  free (l.v);
  return empty;
}

int
lease_forget (const char *root, const char *id, char bridge[16], bool *last)
{
  cleanup_free char *real = realpath (root, NULL);
  cleanup_close int lock = lock_leases (NULL); /* held while changing the files */
  cleanup_dir DIR *d = opendir (ZONE_LEASE_DIR);
  struct dirent *de;

  (void) lock;
  *last = false;
  bridge[0] = '\0';
  while (d && (de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      struct leases all = { 0 }, kept = { 0 };
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&path, ZONE_LEASE_DIR "/%s", de->d_name) < 0)
        abort ();
      read_leases (path, "", NULL, true, &all);
      read_leases (path, real ? real : root, id, true, &kept);
      for (size_t i = 0; i < all.n; i++)
        if (strcmp (all.v[i].id, id) == 0 && strcmp (all.v[i].root, real ? real : root) == 0)
          snprintf (bridge, 16, "%s", all.v[i].bridge);
      if (kept.n != all.n)
        {
          write_leases (path, &kept, NULL);
          *last = kept.n == 0;
        }
      free (all.v);
      free (kept.v);
      if (bridge[0])
        return 1;
    }
  return 0;
}
