#define _GNU_SOURCE
#include "rootfs.h"
#include "resolve.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct zone_device default_devices[] = {
  { .path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .has_mode = true, .mode = 0666 },
  { .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .has_mode = true, .mode = 0666 },
  { .path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .has_mode = true, .mode = 0666 },
  { .path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .has_mode = true, .mode = 0666 },
  { .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .has_mode = true, .mode = 0666 },
  { .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .has_mode = true, .mode = 0666 },
};

static const struct
{
  const char *target, *link;
} default_links[] = {
  { "/proc/self/fd", "/dev/fd" },     { "/proc/self/fd/0", "/dev/stdin" }, { "/proc/self/fd/1", "/dev/stdout" },
  { "/proc/self/fd/2", "/dev/stderr" }, { "pts/ptmx", "/dev/ptmx" },       { "/proc/kcore", "/dev/core" },
};

/* Bind the host's node over an empty file: what a user namespace allows instead of mknod. */
static int
bind_host_device (struct rootfs_ctx *ctx, const struct zone_device *d, zerr **err)
{
  cleanup_close int fd = mkpath_in_root (ctx->root_fd, d->path, true, err);
  char target[64];
  if (fd < 0)
    return fd;
  fd_path (fd, target);
  if (mount (d->path, target, NULL, MS_BIND, NULL) < 0)
    return zerr_sys (err, "bind mount device `%s`", d->path);
  return 0;
}

static int
create_device (struct rootfs_ctx *ctx, const struct zone_device *d, zerr **err)
{
  cleanup_free char *copy = xstrdup (d->path), *copy2 = xstrdup (d->path);
  const char *dir = dirname (copy), *base = basename (copy2);
  cleanup_close int dirfd = -1;
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  mode_t mode = d->has_mode ? (d->mode & 07777) : 0666;
  struct stat st;

  if (ctx->in_userns && d->type != 'p')
    return bind_host_device (ctx, d, err);
  dirfd = mkpath_in_root (ctx->root_fd, dir, false, err);
  if (dirfd < 0)
    return dirfd;
  /* O_PATH dirfds cannot be used for mknodat in every kernel: use a real directory fd. */
  {
    char p[64];
    int real;
    fd_path (dirfd, p);
    real = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (real < 0)
      return zerr_sys (err, "open `%s` in the rootfs", dir);
    close (dirfd);
    dirfd = real;
  }
  if (fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if ((st.st_mode & S_IFMT) == type && st.st_rdev == makedev (d->major, d->minor))
        goto owner;
      if (S_ISDIR (st.st_mode))
        return zerr_set (err, EEXIST, "device `%s`: a directory is in the way", d->path);
      if (unlinkat (dirfd, base, 0) < 0)
        return zerr_sys (err, "replace `%s`", d->path);
    }
  if (mknodat (dirfd, base, type | mode, makedev (d->major, d->minor)) < 0)
    {
      if (errno == EPERM && d->type != 'p')
        return bind_host_device (ctx, d, err);
      return zerr_sys (err, "mknod `%s`", d->path);
    }
owner:
  if (fchmodat (dirfd, base, mode, 0) < 0)
    return zerr_sys (err, "chmod `%s`", d->path);
  if (fchownat (dirfd, base, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, AT_SYMLINK_NOFOLLOW) < 0)
    return zerr_sys (err, "chown `%s`", d->path);
  return 0;
}

static bool
dev_is_bound_from_host (const struct zone_config *c)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (strcmp (c->mounts[i].destination, "/dev") == 0 && c->mounts[i].type
        && strcmp (c->mounts[i].type, "bind") == 0)
      return true;
  return false;
}

int
rootfs_create_devices (struct rootfs_ctx *ctx, zerr **err)
{
  int ret;

  if (!dev_is_bound_from_host (ctx->config))
    {
      for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
        if ((ret = create_device (ctx, &default_devices[i], err)) < 0)
          return ret;
      for (size_t i = 0; i < sizeof default_links / sizeof default_links[0]; i++)
        {
          cleanup_close int devfd = mkpath_in_root (ctx->root_fd, "/dev", false, err);
          char p[64];
          int real;
          if (devfd < 0)
            return devfd;
          fd_path (devfd, p);
          real = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
          if (real < 0)
            return zerr_sys (err, "open /dev in the rootfs");
          if (symlinkat (default_links[i].target, real, default_links[i].link + 5) < 0 && errno != EEXIST)
            {
              ret = zerr_sys (err, "symlink `%s`", default_links[i].link);
              close (real);
              return ret;
            }
          close (real);
        }
    }
  for (size_t i = 0; i < ctx->config->n_devices; i++)
    if ((ret = create_device (ctx, &ctx->config->devices[i], err)) < 0)
      return zerr_wrap (err, "linux.devices[%zu]", i);
  return 0;
}
