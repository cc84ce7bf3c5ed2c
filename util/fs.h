/* File and fd helpers shared by every module. */
#ifndef ZONE_UTIL_FS_H
#define ZONE_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file (relative to dirfd, or AT_FDCWD) into a NUL-terminated buffer. */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, zerr **err);
/* Write buf to path, creating or truncating it. */
int write_file_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode, zerr **err);
/* Write through a temporary file and rename(2), so readers see the old or the new content. */
int write_file_atomic (const char *path, const void *buf, size_t len, mode_t mode, zerr **err);
/* mkdir -p */
int mkdir_p (const char *path, mode_t mode, zerr **err);
/* Open (creating it) the lock file at path and take an exclusive flock on it: the fd holds it. */
int lock_file (const char *path, zerr **err);
/* rm -rf of a directory tree that holds no mounts; missing is not an error. */
int remove_tree (const char *path, zerr **err);
/* path if it is absolute, else dir/path (newly allocated). */
char *path_join (const char *dir, const char *path);
/* Write all of buf, retrying on EINTR and short writes. */
int write_all (int fd, const void *buf, size_t len);
/* Close every fd >= from. */
void close_fds_from (int from);
/* Close every fd >= from but the (at most 16) fds in keep. */
void close_fds_except (int from, const int *keep, size_t n);
/* Mark every fd >= from close-on-exec. */
int cloexec_fds_from (int from);
void *xmalloc0 (size_t size);
char *xstrdup (const char *s);
/* Append a copy of s to the NULL-terminated *v (which may be NULL). */
void strv_append (char ***v, const char *s);

#endif
