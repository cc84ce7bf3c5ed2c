#define _GNU_SOURCE
#include "lease.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEASE_DIR "net:leases" /* not a valid zone id: never listed as a zone */

struct lease
{
  struct in_addr addr;
  char id[256];
};

struct leases
{
  struct lease *v;
  size_t n;
};

static char *
lease_path (const char *root, const struct zone_net *n, bool dir_only)
{
  char net[INET_ADDRSTRLEN], *p;
  inet_ntop (AF_INET, &n->subnet, net, sizeof net);
  if (dir_only ? asprintf (&p, "%s/" LEASE_DIR, root) < 0
               : asprintf (&p, "%s/" LEASE_DIR "/%s_%d", root, net, n->prefix) < 0)
    abort ();
  return p;
}

static bool zone_exists (const char *root, const char *id);

/* Open and lock the subnet's lease file, and read it, less id's own lease and the leases of
   zones that are gone. */
static int
open_locked (const char *root, const struct zone_net *n, const char *id, struct leases *l, zerr **err)
{
  cleanup_free char *dir = lease_path (root, n, true), *path = lease_path (root, n, false);
  cleanup_free char *text = NULL;
  cleanup_close int fd = -1;
  char *save = NULL;
  int ret;

  if ((ret = mkdir_p (dir, 0700, err)) < 0)
    return ret;
  for (;;)
    {
      struct stat st;
      char self[64];
      fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        return zerr_sys (err, "open the address leases `%s`", path);
      if (flock (fd, LOCK_EX) < 0)
        return zerr_sys (err, "lock the address leases");
      /* The last release removes the file: a lock won on a removed file counts for nothing. */
      if (fstat (fd, &st) == 0 && st.st_nlink > 0)
        {
          snprintf (self, sizeof self, "/proc/self/fd/%d", fd);
          if ((ret = read_file_at (AT_FDCWD, self, &text, NULL, err)) < 0)
            return ret;
          break;
        }
      close (fd);
      fd = -1;
    }
  l->v = NULL;
  l->n = 0;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char addr[INET_ADDRSTRLEN + 1];
      struct lease e = { 0 };
      if (sscanf (line, "%16s %255s", addr, e.id) != 2 || inet_pton (AF_INET, addr, &e.addr) != 1
          || strcmp (e.id, id) == 0 || !zone_exists (root, e.id))
        continue;
      l->v = realloc (l->v, (l->n + 1) * sizeof *l->v);
      if (l->v == NULL)
        abort ();
      l->v[l->n++] = e;
    }
  return steal_fd (&fd);
}

static int
write_back (int fd, const struct leases *l, zerr **err)
{
  struct strbuf sb = { 0 };
  int ret = 0;
  strbuf_append (&sb, "");
  for (size_t i = 0; i < l->n; i++)
    {
      char addr[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &l->v[i].addr, addr, sizeof addr);
      strbuf_appendf (&sb, "%s %s\n", addr, l->v[i].id);
    }
  if (ftruncate (fd, 0) < 0 || pwrite (fd, sb.buf, sb.len, 0) != (ssize_t) sb.len)
    ret = zerr_sys (err, "write the address leases");
  free (sb.buf);
  return ret;
}

/* A lease whose zone has no state any more was left by a crash: it is free again. */
static bool
zone_exists (const char *root, const char *id)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s/state.json", root, id);
  return access (path, F_OK) == 0;
}

int
lease_acquire (const char *root, const struct zone_net *n, const char *id, struct in_addr *out, zerr **err)
{
  struct leases l = { 0 };
  cleanup_close int fd = open_locked (root, n, id, &l, err);
  uint32_t first = ntohl (n->gateway.s_addr) + 1, last = (ntohl (n->subnet.s_addr) | (~0u >> n->prefix)) - 1;
  int ret = 0;

  if (fd < 0)
    return fd;
  if (n->has_address)
    {
      for (size_t i = 0; i < l.n; i++)
        if (l.v[i].addr.s_addr == n->address.s_addr)
          {
            char a[INET_ADDRSTRLEN];
            inet_ntop (AF_INET, &n->address, a, sizeof a);
            ret = zerr_set (err, EADDRINUSE, "config.json: annotations.org.zone.net.address: %s is in use by zone "
                                             "`%s`", a, l.v[i].id);
            goto out;
          }
      *out = n->address;
    }
  else
    {
      uint32_t a;
      for (a = first; a <= last; a++)
        {
          bool taken = false;
          for (size_t i = 0; i < l.n && !taken; i++)
            taken = ntohl (l.v[i].addr.s_addr) == a;
          if (!taken)
            break;
        }
      if (a > last)
        {
          ret = zerr_set (err, EADDRNOTAVAIL, "the subnet of bridge %s has no free address left", n->bridge_name);
          goto out;
        }
      out->s_addr = htonl (a);
    }
  l.v = realloc (l.v, (l.n + 1) * sizeof *l.v);
  if (l.v == NULL)
    abort ();
  l.v[l.n].addr = *out;
  snprintf (l.v[l.n].id, sizeof l.v[l.n].id, "%s", id);
  l.n++;
  ret = write_back (fd, &l, err);
out:
  free (l.v);
  return ret;
}

int
lease_release (const char *root, const struct zone_net *n, const char *id, bool *last, zerr **err)
{
  struct leases l = { 0 };
  cleanup_close int fd = open_locked (root, n, id, &l, err);
  int ret;

  if (fd < 0)
    return fd;
  ret = write_back (fd, &l, err);
  *last = ret == 0 && l.n == 0;
  if (*last)
    {
      /* Still under the lock: nobody can be adding a lease now. */
      cleanup_free char *path = lease_path (root, n, false), *dir = lease_path (root, n, true);
      unlink (path);
      rmdir (dir);
    }
  free (l.v);
  return ret;
}
