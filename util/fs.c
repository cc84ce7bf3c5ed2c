#define _GNU_SOURCE
#include "fs.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void *
xmalloc0 (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *p;
  if (s == NULL)
    return NULL;
  p = strdup (s);
  if (p == NULL)
    abort ();
  return p;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, zerr **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t size = 0, alloc = 0;

  if (fd < 0)
    return zerr_sys (err, "open `%s`", path);
  for (;;)
    {
      ssize_t n;
      if (alloc - size < 4096)
        {
          char *nbuf;
          alloc = alloc ? alloc * 2 : 8192;
          nbuf = realloc (buf, alloc + 1);
          if (nbuf == NULL)
            return zerr_set (err, ENOMEM, "read `%s`: out of memory", path);
          buf = nbuf;
        }
      n = read (fd, buf + size, alloc - size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return zerr_sys (err, "read `%s`", path);
      if (n == 0)
        break;
      size += (size_t) n;
    }
  if (buf == NULL)
    buf = xmalloc0 (1);
  buf[size] = '\0';
  if (len)
    *len = size;
  *out = steal_pointer (&buf);
  return 0;
}

int
write_file_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode, zerr **err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  int ret;

  if (fd < 0)
    return zerr_sys (err, "open `%s`", path);
  ret = write_all (fd, buf, len);
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "write `%s`", path);
    }
  return 0;
}

int
write_file_atomic (const char *path, const void *buf, size_t len, mode_t mode, zerr **err)
{
  cleanup_free char *tmp = NULL;
  int ret;

  if (asprintf (&tmp, "%s.tmp.%d", path, getpid ()) < 0)
    return zerr_set (err, ENOMEM, "out of memory");
  ret = write_file_at (AT_FDCWD, tmp, buf, len, mode, err);
  if (ret < 0)
    {
      unlink (tmp);
      return ret;
    }
  if (rename (tmp, path) < 0)
    {
      ret = zerr_sys (err, "rename `%s`", tmp);
      unlink (tmp);
      return ret;
    }
  return 0;
}

int
lock_file (const char *path, zerr **err)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return zerr_sys (err, "open `%s`", path);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        close (fd);
        return zerr_sys (err, "lock `%s`", path);
      }
  return fd;
}

int
mkdir_p (const char *path, mode_t mode, zerr **err)
{
  cleanup_free char *copy = xstrdup (path);
  char *p;

  for (p = copy + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (copy, mode) < 0 && errno != EEXIST)
        return zerr_sys (err, "mkdir `%s`", copy);
      *p = '/';
    }
  if (mkdir (copy, mode) < 0 && errno != EEXIST)
    return zerr_sys (err, "mkdir `%s`", copy);
  return 0;
}

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) ftw;
  if (flag == FTW_DP)
    return rmdir (path) < 0 && errno != ENOENT ? -1 : 0;
  return unlink (path) < 0 && errno != ENOENT ? -1 : 0;
}

int
remove_tree (const char *path, zerr **err)
{
  if (nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
    return zerr_sys (err, "remove `%s`", path);
  return 0;
}

void
close_fds_from (int from)
{
  if (syscall (SYS_close_range, (unsigned) from, ~0U, 0) == 0)
    return;
  for (int fd = from; fd < 65536; fd++)
    close (fd);
}

static int
compare_int (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

void
close_fds_except (int from, const int *keep, size_t n)
{
  int sorted[16], next = from;
  size_t k = 0;

  for (size_t i = 0; i < n && k < 16; i++)
    if (keep[i] >= from)
      sorted[k++] = keep[i];
  qsort (sorted, k, sizeof (int), compare_int);
  for (size_t i = 0; i < k; i++)
    {
      if (sorted[i] > next)
        syscall (SYS_close_range, (unsigned) next, (unsigned) sorted[i] - 1, 0);
      next = sorted[i] + 1;
    }
  close_fds_from (next);
}

int
cloexec_fds_from (int from)
{
  if (syscall (SYS_close_range, (unsigned) from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  for (int fd = from; fd < 65536; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
  return 0;
}

char *
path_join (const char *dir, const char *path)
{
  char *r;
  if (path[0] == '/')
    return xstrdup (path);
  if (asprintf (&r, "%s/%s", dir, path) < 0)
    abort ();
  return r;
}

void
strv_append (char ***v, const char *s)
{
  size_t n = 0;
  for (; *v && (*v)[n]; n++)
    ;
  *v = realloc (*v, (n + 2) * sizeof (char *));
  if (*v == NULL)
    abort ();
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}
