#define _GNU_SOURCE
#include "rootfs.h"
#include "internal.h"
#include "../util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
rootfs_pivot (struct rootfs_ctx *ctx, bool no_pivot, zerr **err)
{
  if (fchdir (ctx->root_fd) < 0 && chdir (ctx->rootfs) < 0)
    return zerr_sys (err, "chdir to the rootfs");
  if (no_pivot)
    {
      if (mount (ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return zerr_sys (err, "move the rootfs to /");
      if (chroot (".") < 0)
        return zerr_sys (err, "chroot");
    }
  else
    {
      /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the new. */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return zerr_sys (err, "pivot_root");
      if (umount2 (".", MNT_DETACH) < 0)
        return zerr_sys (err, "detach the old root");
    }
  if (chdir ("/") < 0)
    return zerr_sys (err, "chdir /");
  close (ctx->root_fd);
  ctx->root_fd = -1;
  return 0;
}

int
rootfs_chroot (const char *rootfs, zerr **err)
{
  if (chdir (rootfs) < 0)
    return zerr_sys (err, "chdir to the rootfs `%s`", rootfs);
  if (chroot (".") < 0)
    return zerr_sys (err, "chroot to the rootfs");
  if (chdir ("/") < 0)
    return zerr_sys (err, "chdir /");
  return 0;
}

static int
mask_path (const char *path, zerr **err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : zerr_sys (err, "maskedPaths: `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      /* Empty and read-only, but listable, as runc masks a directory. */
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0)
        return zerr_sys (err, "maskedPaths: mask `%s`", path);
    }
  else if (mount ("/dev/null", path, NULL, MS_BIND, NULL) < 0)
    return zerr_sys (err, "maskedPaths: mask `%s`", path);
  return 0;
}

static int
readonly_path (const char *path, bool in_userns, zerr **err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : zerr_sys (err, "readonlyPaths: bind `%s`", path);
  /* Locked flags survive only if repeated; repeat them whether or not in a user namespace. */
  (void) in_userns;
  return remount_bind (path, MS_RDONLY, true, err);
}

int
rootfs_finalize (struct rootfs_ctx *ctx, zerr **err)
{
  const struct zone_config *c = ctx->config;
  int ret;

  for (size_t i = 0; c->masked_paths && c->masked_paths[i]; i++)
    if ((ret = mask_path (c->masked_paths[i], err)) < 0)
      return ret;
  for (size_t i = 0; c->readonly_paths && c->readonly_paths[i]; i++)
    if ((ret = readonly_path (c->readonly_paths[i], ctx->in_userns, err)) < 0)
      return ret;
  if (ctx->dev_readonly_flags && (ret = remount_bind ("/dev", ctx->dev_readonly_flags, ctx->in_userns, err)) < 0)
    return zerr_wrap (err, "a read-only /dev");
  if (c->root_readonly && (ret = remount_bind ("/", MS_RDONLY, true, err)) < 0)
    return zerr_wrap (err, "root.readonly");
  if (c->rootfs_propagation && mount (NULL, "/", NULL, c->rootfs_propagation, NULL) < 0)
    return zerr_sys (err, "linux.rootfsPropagation: set propagation of /");
  return 0;
}
