#define _GNU_SOURCE
#include "resolve.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void
fd_path (int fd, char buf[64])
{
  snprintf (buf, 64, "/proc/self/fd/%d", fd);
}

int
open_in_root (int root_fd, const char *path, int extra_flags)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC | (unsigned) extra_flags,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd;

  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  do
    fd = (int) syscall (SYS_openat2, root_fd, path, &how, sizeof how);
  while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  return fd < 0 ? -errno : fd;
}

static int mkpath_depth (int root_fd, const char *path, bool last_is_file, int depth, zerr **err);

/* comp (in parent, reached by prefix) is a symlink whose target does not exist yet: continue
   with the target, resolved as the kernel would but inside the root, plus what follows. */
static int
follow_dangling (int root_fd, int parent, const char *prefix, const char *comp, const char *rest, bool last_is_file,
                 int depth, zerr **err)
{
  char target[4096];
  cleanup_free char *next = NULL, *dir = xstrdup (prefix);
  ssize_t n = readlinkat (parent, comp, target, sizeof target - 1);
  char *slash;

  if (n < 0)
    return zerr_sys (err, "resolve `%s` in the rootfs", prefix);
  target[n] = '\0';
  slash = strrchr (dir, '/');
  if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
  if (asprintf (&next, "%s/%s%s%s", target[0] == '/' ? "" : dir, target, rest ? "/" : "", rest ? rest : "") < 0)
    abort ();
  return mkpath_depth (root_fd, next, last_is_file, depth + 1, err);
}

int
mkpath_in_root (int root_fd, const char *path, bool last_is_file, zerr **err)
{
  return mkpath_depth (root_fd, path, last_is_file, 0, err);
}

static int
mkpath_depth (int root_fd, const char *path, bool last_is_file, int depth, zerr **err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int parent = -1;
  char *p, *comp;
  int fd;

  if (depth > 40)
    return zerr_set (err, ELOOP, "resolve `%s` in the rootfs: too many symlinks", path);
  fd = open_in_root (root_fd, path, 0);
  if (fd >= 0 || fd != -ENOENT)
    {
      if (fd < 0)
        {
          errno = -fd;
          return zerr_sys (err, "resolve `%s` in the rootfs", path);
        }
      return fd;
    }

  parent = open_in_root (root_fd, "/", 0);
  if (parent < 0)
    {
      errno = -parent;
      return zerr_sys (err, "open the rootfs");
    }
  p = copy;
  while (*p == '/')
    p++;
  for (comp = p; comp && *comp;)
    {
      char *slash = strchr (comp, '/');
      bool last;
      int next;

      if (slash)
        *slash = '\0';
      last = slash == NULL || slash[strspn (slash + 1, "/") + 1] == '\0';
      next = open_in_root (root_fd, copy, 0);
      if (next == -ENOENT && *comp)
        {
          int r;
          if (last && last_is_file)
            {
              r = openat (parent, comp, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
              if (r >= 0)
                close (r);
            }
          else
            r = mkdirat (parent, comp, 0755);
          if (r < 0 && errno != EEXIST)
            return zerr_sys (err, "create `%s` in the rootfs", copy);
          next = open_in_root (root_fd, copy, 0);
          if (next == -ENOENT)
            {
              struct stat st;
              if (fstatat (parent, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
                return follow_dangling (root_fd, parent, copy, comp, slash ? slash + 1 : NULL, last_is_file, depth,
                                        err);
            }
        }
      if (next < 0)
        {
          errno = -next;
          return zerr_sys (err, "resolve `%s` in the rootfs", copy);
        }
      close (parent);
      parent = next;
      if (slash == NULL)
        break;
      *slash = '/';
      comp = slash + 1;
      while (*comp == '/')
        comp++;
    }
  return steal_fd (&parent);
}
