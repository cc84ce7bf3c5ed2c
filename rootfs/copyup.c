/* tmpcopyup: a tmpfs mounted over a directory of the image starts with that directory's content,
   so that `podman run --read-only` keeps what the image has in /run, /tmp and /var/tmp. */
#define _GNU_SOURCE
#include "internal.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int copy_dir (int src, int dst, int depth, zerr **err);

static int
copy_file (int src_dir, int dst_dir, const char *name, const struct stat *st, zerr **err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  off_t left = st->st_size;

  if (in < 0)
    return zerr_sys (err, "tmpcopyup: open `%s`", name);
  out = openat (dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0)
    return zerr_sys (err, "tmpcopyup: create `%s`", name);
  while (left > 0)
    {
      ssize_t n = sendfile (out, in, NULL, (size_t) left);
      if (n <= 0)
        {
          if (n < 0 && errno == EINTR)
            continue;
          if (n == 0)
            break;
          return zerr_sys (err, "tmpcopyup: copy `%s`", name);
        }
      left -= n;
    }
  return 0;
}

/* One entry of src_dir as the same kind of entry in dst_dir, with its owner and mode. */
static int
copy_entry (int src_dir, int dst_dir, const char *name, int depth, zerr **err)
{
  struct stat st;
  int ret = 0;

  if (fstatat (src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return zerr_sys (err, "tmpcopyup: stat `%s`", name);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int s = -1, d = -1;
      if (mkdirat (dst_dir, name, st.st_mode & 07777) < 0)
        return zerr_sys (err, "tmpcopyup: mkdir `%s`", name);
      s = openat (src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      d = openat (dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return zerr_sys (err, "tmpcopyup: open `%s`", name);
      ret = copy_dir (s, d, depth + 1, err);
    }
  else if (S_ISREG (st.st_mode))
    ret = copy_file (src_dir, dst_dir, name, &st, err);
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (src_dir, name, target, sizeof target - 1);
      if (n < 0)
        return zerr_sys (err, "tmpcopyup: readlink `%s`", name);
      target[n] = '\0';
      if (symlinkat (target, dst_dir, name) < 0)
        return zerr_sys (err, "tmpcopyup: symlink `%s`", name);
    }
  else if (mknodat (dst_dir, name, st.st_mode, st.st_rdev) < 0)
    return zerr_sys (err, "tmpcopyup: mknod `%s`", name);
  if (ret < 0)
    return ret;
  if (fchownat (dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return zerr_sys (err, "tmpcopyup: chown `%s`", name);
  /* chown clears setuid and setgid: give the mode back (symlinks have none). */
  if (!S_ISLNK (st.st_mode) && fchmodat (dst_dir, name, st.st_mode & 07777, 0) < 0)
    return zerr_sys (err, "tmpcopyup: chmod `%s`", name);
  return 0;
}

static int
copy_dir (int src, int dst, int depth, zerr **err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd;

  /* Deep trees are a sign of a loop or an attack, not of an image. */
  if (depth > 64)
    return zerr_set (err, ELOOP, "tmpcopyup: directories nested deeper than 64");
  fd = openat (src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return zerr_sys (err, "tmpcopyup: read the directory");
    }
  while ((de = readdir (d)) != NULL)
    {
      int ret;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if ((ret = copy_entry (src, dst, de->d_name, depth, err)) < 0)
        return ret;
    }
  return 0;
}

int
copy_up (int src_dir, int dst_dir, zerr **err)
{
  cleanup_close int dst = openat (dst_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  int ret;

  if (dst < 0)
    return zerr_sys (err, "tmpcopyup: open the new mount");
  if ((ret = copy_dir (src_dir, dst, 0, err)) < 0)
    return ret;
  /* The new mount's root takes the owner of the directory it covers (its mode comes from mode=). */
  if (fstat (src_dir, &st) == 0 && fchown (dst, st.st_uid, st.st_gid) < 0)
    return zerr_sys (err, "tmpcopyup: set the owner of the mount");
  return 0;
}
