/* Helpers shared by the files of rootfs/ only. */
#ifndef ZONE_ROOTFS_INTERNAL_H
#define ZONE_ROOTFS_INTERNAL_H

#include <stdbool.h>

#include "../util/error.h"

/* Bind-remount path with flags; in a user namespace keep the flags the kernel has locked. */
int remount_bind (const char *path, unsigned long flags, bool keep_locked, zerr **err);

/* Copy the content of src_dir (the directory a new tmpfs covers) into dst_dir (the tmpfs). */
int copy_up (int src_dir, int dst_dir, zerr **err);

#endif
