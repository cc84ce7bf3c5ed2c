/* Paths inside a rootfs, resolved as if the rootfs were "/": a symlink can never lead out of it. */
#ifndef ZONE_ROOTFS_RESOLVE_H
#define ZONE_ROOTFS_RESOLVE_H

#include <stdbool.h>

#include "../util/error.h"

/* An O_PATH fd for path inside root_fd, or -errno (no error object: ENOENT is often expected). */
int open_in_root (int root_fd, const char *path, int extra_flags);
/* Like open_in_root, but create what is missing: directories, and the last component as an
   empty file when last_is_file.  Returns an O_PATH fd or a negative errno with err set. */
int mkpath_in_root (int root_fd, const char *path, bool last_is_file, zerr **err);
/* "/proc/self/fd/N": the path that mount(2) takes for an fd. */
void fd_path (int fd, char buf[64]);

#endif
