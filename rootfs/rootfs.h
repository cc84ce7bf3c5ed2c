/* Building a zone's filesystem view, run by the zone's init inside its new mount namespace. */
#ifndef ZONE_ROOTFS_ROOTFS_H
#define ZONE_ROOTFS_ROOTFS_H

#include <stdbool.h>

#include "../spec/config.h"
#include "../util/error.h"

struct rootfs_ctx
{
  const struct zone_config *config;
  const char *rootfs; /* absolute host path */
  const char *bundle; /* absolute host path, base of relative bind sources */
  bool in_userns;     /* device nodes cannot be made: bind them from the host */
  bool cgroupns;      /* the zone has a cgroup namespace: cgroupfs may be mounted afresh */
  int root_fd;        /* O_PATH fd of rootfs, set by rootfs_prepare */
  /* A read-only /dev is mounted writable, for /dev/pts and the devices to be made in it, and
     made read-only by rootfs_finalize (runc does the same): its mount flags, 0 if none. */
  unsigned long dev_readonly_flags;
  /* Called before a cgroup mount, which shows the caller's own cgroups (NULL: nothing to do). */
  int (*before_cgroup_mount) (void *data, zerr **err);
  void *before_cgroup_mount_data;
};

/* Stop mount events from leaking to the host and make rootfs a mount point. */
int rootfs_prepare (struct rootfs_ctx *ctx, zerr **err);
/* Every entry of config->mounts, in order. */
int rootfs_mount_all (struct rootfs_ctx *ctx, zerr **err);
/* Default devices, linux.devices and the /dev symlinks. */
int rootfs_create_devices (struct rootfs_ctx *ctx, zerr **err);
/* Switch root: pivot_root, or MS_MOVE + chroot when no_pivot. */
int rootfs_pivot (struct rootfs_ctx *ctx, bool no_pivot, zerr **err);
/* Without a mount namespace of the zone's own it shares the runtime's: nothing is mounted and
   pivot_root (which would move the host's root) is not used; only chroot. */
int rootfs_chroot (const char *rootfs, zerr **err);
/* restore: CRIU mounts the zone's mounts on the rootfs as they were, and needs their mount
   points there; a rootfs made anew (podman restore --import) does not have the files and
   directories create made. Make them, as create would, but mount nothing. */
int rootfs_make_mountpoints (const struct zone_config *c, const char *rootfs, const char *bundle, zerr **err);
/* After the switch: maskedPaths, readonlyPaths, root.readonly, rootfsPropagation. */
int rootfs_finalize (struct rootfs_ctx *ctx, zerr **err);

#endif
