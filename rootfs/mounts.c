#define _GNU_SOURCE
#include "rootfs.h"
#include "mountopts.h"
#include "resolve.h"
#include "internal.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <unistd.h>

int
rootfs_prepare (struct rootfs_ctx *ctx, zerr **err)
{
  /* Nothing mounted from here on may reach the host: everything below / becomes a slave. */
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return zerr_sys (err, "make / a recursive slave mount");
  /* pivot_root needs the new root to be a mount point. */
  if (mount (ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return zerr_sys (err, "bind mount the rootfs `%s`", ctx->rootfs);
  if (mount (NULL, ctx->rootfs, NULL, MS_PRIVATE, NULL) < 0)
    return zerr_sys (err, "make the rootfs mount private");
  ctx->root_fd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd < 0)
    return zerr_sys (err, "open the rootfs `%s`", ctx->rootfs);
  return 0;
}

/* Flags the kernel keeps locked on a mount made in a user namespace: a remount must repeat them. */
static unsigned long
locked_flags (const char *path)
{
  struct statvfs sv;
  unsigned long r = 0;
  if (statvfs (path, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    r |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    r |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    r |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME)
    r |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    r |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    r |= MS_RELATIME;
  return r;
}

int
remount_bind (const char *path, unsigned long flags, bool keep_locked, zerr **err)
{
  flags &= ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (keep_locked)
    flags |= locked_flags (path);
  if (mount (NULL, path, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
    return zerr_sys (err, "remount `%s`", path);
  return 0;
}

static bool
host_is_cgroup2 (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Whether every comma-separated word of want is a word of have. */
static bool
words_in (const char *want, const char *have)
{
  cleanup_free char *w = xstrdup (want);
  char *save = NULL;
  size_t n = 0;

  for (char *t = strtok_r (w, ",", &save); t; t = strtok_r (NULL, ",", &save), n++)
    {
      size_t len = strlen (t);
      const char *h = have;
      bool found = false;
      while (!found && (h = strstr (h, t)) != NULL)
        {
          found = (h == have || h[-1] == ',') && (h[len] == ',' || h[len] == '\0');
          h += len;
        }
      if (!found)
        return false;
    }
  return n > 0;
}

/* The init's own directory in a hierarchy, from /proc/self/cgroup ("ID:CONTROLLERS:PATH"):
   the v2 one (ID 0, no controllers) or the v1 one whose controllers are in super_opts. */
static char *
own_cgroup_dir (const char *proc_cgroup, const char *super_opts, bool v2)
{
  cleanup_free char *copy = xstrdup (proc_cgroup);
  char *save = NULL;

  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrls = strchr (line, ':'), *path;
      if (ctrls == NULL || (path = strchr (++ctrls, ':')) == NULL)
        continue;
      *path++ = '\0';
      if (v2 ? *ctrls == '\0' && strncmp (line, "0:", 2) == 0 : *ctrls != '\0' && words_in (ctrls, super_opts))
        return xstrdup (path);
    }
  return NULL;
}

/* One hierarchy at target.  In a cgroup namespace of the zone's own, a fresh mount (its root is
   the zone's cgroup); without one, a fresh mount would show the host's whole tree (and is refused
   in a user namespace), so bind the zone's own directory, as runc does. */
static int
mount_hierarchy (struct rootfs_ctx *ctx, const char *mnt, const char *super_opts, bool v2, const char *target,
                 const char *dest, unsigned long flags, const char *proc_cgroup, zerr **err)
{
  cleanup_free char *own = NULL, *source = NULL;

  if (ctx->cgroupns)
    {
      if (mount ("cgroup", target, v2 ? "cgroup2" : "cgroup", flags & ~MS_REMOUNT, v2 ? NULL : super_opts) < 0)
        return zerr_sys (err, "mount cgroup hierarchy on `%s`", dest);
      return 0;
    }
  own = own_cgroup_dir (proc_cgroup, super_opts ? super_opts : "", v2);
  if (asprintf (&source, "%s%s", mnt, own && strcmp (own, "/") != 0 ? own : "") < 0)
    abort ();
  if (mount (source, target, NULL, MS_BIND, NULL) < 0)
    return zerr_sys (err, "bind the zone's cgroup `%s` on `%s`", source, dest);
  {
    /* target names the directory under the new mount: reopen to reach the mount itself. */
    cleanup_close int fd = open_in_root (ctx->root_fd, dest, 0);
    char p[64];
    if (fd < 0)
      {
        errno = -fd;
        return zerr_sys (err, "reopen `%s`", dest);
      }
    fd_path (fd, p);
    return remount_bind (p, (flags & ~MS_REMOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC, ctx->in_userns, err);
  }
}

/* On a v1 or hybrid host: a tmpfs holding one mount per v1 hierarchy, as the host has them.
   The unified hierarchy of a hybrid host is left out, as runc leaves it out. */
static int
mount_cgroup_v1_tree (struct rootfs_ctx *ctx, const char *dest, const struct mount_opts *o, zerr **err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL, *proc_cgroup = NULL;
  size_t n = 0;
  char target[64];
  int ret;

  if (read_file_at (AT_FDCWD, "/proc/self/cgroup", &proc_cgroup, NULL, err) < 0)
    return zerr_wrap (err, "mount cgroup hierarchies on `%s`", dest);

  {
    cleanup_close int fd = mkpath_in_root (ctx->root_fd, dest, false, err);
    if (fd < 0)
      return fd;
    fd_path (fd, target);
    if (mount ("cgroup", target, "tmpfs", (o->flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "mode=755") < 0)
      return zerr_sys (err, "mount tmpfs on `%s`", dest);
  }
  if (f == NULL)
    return zerr_sys (err, "open /proc/self/mountinfo");
  while (getline (&line, &n, f) > 0)
    {
      char *sep = strstr (line, " - "), *fields[3] = { 0 }, *save = NULL, *mnt, *name, *opts;
      cleanup_free char *sub = NULL;
      cleanup_close int fd = -1;

      if (sep == NULL)
        continue;
      fields[0] = strtok_r (sep + 3, " ", &save); /* fstype */
      fields[1] = strtok_r (NULL, " ", &save);    /* source */
      fields[2] = strtok_r (NULL, " \n", &save);  /* super options */
      if (!fields[0] || !fields[2] || strcmp (fields[0], "cgroup") != 0)
        continue;
      /* Field 5 is the mount point. */
      strtok_r (line, " ", &save);
      for (int i = 0; i < 3; i++)
        strtok_r (NULL, " ", &save);
      mnt = strtok_r (NULL, " ", &save);
      if (mnt == NULL || strncmp (mnt, "/sys/fs/cgroup/", 15) != 0)
        continue;
      name = mnt + 15;
      if (strchr (name, '/'))
        continue;
      if (asprintf (&sub, "%s/%s", dest, name) < 0)
        return zerr_set (err, ENOMEM, "out of memory");
      fd = mkpath_in_root (ctx->root_fd, sub, false, err);
      if (fd < 0)
        return fd;
      fd_path (fd, target);
      /* Keep only the hierarchy's identity (controllers, name=) from the super options. */
      opts = fields[2];
      if (strncmp (opts, "rw,", 3) == 0 || strncmp (opts, "ro,", 3) == 0)
        opts += 3;
      else if (strcmp (opts, "rw") == 0 || strcmp (opts, "ro") == 0)
        opts = NULL;
      if ((ret = mount_hierarchy (ctx, mnt, opts, false, target, sub, o->flags, proc_cgroup, err)) < 0)
        return ret;
    }
  if (o->flags & MS_RDONLY)
    {
      cleanup_close int fd = open_in_root (ctx->root_fd, dest, 0);
      if (fd < 0)
        {
          errno = -fd;
          return zerr_sys (err, "reopen `%s`", dest);
        }
      fd_path (fd, target);
      if (mount (NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
        return zerr_sys (err, "remount `%s` read-only", dest);
    }
  return 0;
}

/* What a mount needs once it is in place: tmpcopyup's content (from covered, the directory
   under it) and the recursive attributes (rro, rnosuid...). */
static int
after_mount (struct rootfs_ctx *ctx, const struct zone_mount *m, const struct mount_opts *o, int covered,
             zerr **err)
{
  cleanup_close int fd = open_in_root (ctx->root_fd, m->destination, 0);
  char p[64];

  if (fd < 0)
    {
      errno = -fd;
      return zerr_sys (err, "reopen `%s`", m->destination);
    }
  if (o->copyup && m->type && strcmp (m->type, "tmpfs") == 0)
    {
      int ret = copy_up (covered, fd, err);
      if (ret < 0)
        return ret;
    }
  if (o->attr_set || o->attr_clr)
    {
      struct mount_attr attr = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
      fd_path (fd, p);
      if (syscall (SYS_mount_setattr, AT_FDCWD, p, AT_RECURSIVE, &attr, sizeof attr) < 0)
        return zerr_sys (err, "set recursive mount attributes on `%s`", m->destination);
    }
  return 0;
}

/* "/dev", also spelt "/dev/" or "//dev". */
static bool
is_dev (const char *dest)
{
  while (*dest == '/')
    dest++;
  return strncmp (dest, "dev", 3) == 0 && strspn (dest + 3, "/") == strlen (dest + 3);
}

static bool
has_mode_option (const char *data)
{
  return data && (strncmp (data, "mode=", 5) == 0 || strstr (data, ",mode=") != NULL);
}

/* A tmpfs without mode= over a directory the rootfs has takes that directory's mode, as runc and
   crun do (a tmpfs on /var/lib/app stays 0750); on a directory zone makes, the kernel's 1777. NULL
   when the data stays as it is. */
static char *
tmpfs_data_with_mode (int root_fd, const char *dest, const char *data)
{
  cleanup_close int fd = -1;
  struct stat st;
  char *r;

  if (has_mode_option (data))
    return NULL;
  fd = open_in_root (root_fd, dest, 0);
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    return NULL;
  if (asprintf (&r, "mode=%o%s%s", (unsigned) (st.st_mode & 07777), data && *data ? "," : "", data ? data : "") < 0)
    abort ();
  return r;
}

static int
mount_one (struct rootfs_ctx *ctx, const struct zone_mount *m, size_t index, zerr **err)
{
  struct mount_opts o;
  cleanup_free char *source = NULL, *tmpfs_data = NULL;
  cleanup_close int target_fd = -1;
  const char *type = m->type ? m->type : "none";
  char target[64];
  bool is_file = false;
  int ret;

  ret = mount_opts_parse (m->type, m->options, &o, err);
  if (ret < 0)
    return zerr_wrap (err, "config.json: mounts[%zu].options", index);

  if (o.bind)
    {
      struct stat st;
      if (m->source == NULL)
        {
          mount_opts_clear (&o);
          return zerr_set (err, EINVAL, "config.json: mounts[%zu].source: a bind mount needs a source", index);
        }
      if (m->source[0] == '/')
        source = xstrdup (m->source);
      else if (asprintf (&source, "%s/%s", ctx->bundle, m->source) < 0)
        abort ();
      if (stat (source, &st) < 0)
        {
          ret = zerr_sys (err, "mounts[%zu]: bind source `%s`", index, source);
          mount_opts_clear (&o);
          return ret;
        }
      is_file = !S_ISDIR (st.st_mode);
    }
  else if (strcmp (type, "cgroup") == 0)
    {
      if (ctx->before_cgroup_mount && (ret = ctx->before_cgroup_mount (ctx->before_cgroup_mount_data, err)) < 0)
        {
          mount_opts_clear (&o);
          return ret;
        }
      if (!host_is_cgroup2 ())
        ret = mount_cgroup_v1_tree (ctx, m->destination, &o, err);
      else if ((target_fd = mkpath_in_root (ctx->root_fd, m->destination, false, err)) < 0)
        ret = target_fd;
      else
        {
          cleanup_free char *proc_cgroup = NULL;
          fd_path (target_fd, target);
          ret = read_file_at (AT_FDCWD, "/proc/self/cgroup", &proc_cgroup, NULL, err) < 0
                    ? zerr_wrap (err, "mount cgroup hierarchy on `%s`", m->destination)
                    : mount_hierarchy (ctx, "/sys/fs/cgroup", NULL, true, target, m->destination, o.flags, proc_cgroup, err);
        }
      mount_opts_clear (&o);
      return ret;
    }

  if (strcmp (type, "tmpfs") == 0)
    tmpfs_data = tmpfs_data_with_mode (ctx->root_fd, m->destination, o.data);
  if (!o.bind && (o.flags & MS_RDONLY) && is_dev (m->destination))
    {
      ctx->dev_readonly_flags = o.flags;
      o.flags &= ~(unsigned long) MS_RDONLY;
    }
  /* procfs and sysfs go on a directory of the rootfs, never where a symlink of it points (runc's
     rule: a symlink there is an image trying to move /proc or /sys). */
  if (strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0)
    {
      cleanup_close int l = open_in_root (ctx->root_fd, m->destination, O_NOFOLLOW);
      struct stat st;
      if (l >= 0 && fstat (l, &st) == 0 && S_ISLNK (st.st_mode))
        {
          mount_opts_clear (&o);
          return zerr_set (err, EINVAL, "mounts[%zu]: `%s` is a symlink in the rootfs: %s is mounted only on a "
                                        "directory", index, m->destination, type);
        }
    }
  target_fd = mkpath_in_root (ctx->root_fd, m->destination, is_file, err);
  if (target_fd < 0)
    {
      mount_opts_clear (&o);
      return target_fd;
    }
  fd_path (target_fd, target);

  if (o.bind)
    {
      ret = mount (source, target, NULL, MS_BIND | (o.flags & MS_REC), NULL);
      if (ret == 0 && (o.flags & ~(MS_BIND | MS_REC)))
        {
          /* The fd names the directory under the new mount: reopen to reach the mount itself. */
          cleanup_close int fd = open_in_root (ctx->root_fd, m->destination, 0);
          char p[64];
          if (fd < 0)
            ret = -1, errno = -fd;
          else
            {
              fd_path (fd, p);
              ret = remount_bind (p, o.flags, ctx->in_userns, err);
              if (ret < 0)
                {
                  mount_opts_clear (&o);
                  return zerr_wrap (err, "mounts[%zu]", index);
                }
            }
        }
    }
  else
    {
      ret = mount (m->source ? m->source : type, target, type, o.flags, tmpfs_data ? tmpfs_data : o.data);
    }
  if (ret < 0)
    {
      ret = zerr_sys (err, "mounts[%zu]: mount `%s` (type %s) on `%s`", index, m->source ? m->source : type, type,
                      m->destination);
      mount_opts_clear (&o);
      return ret;
    }
  if ((o.copyup && strcmp (type, "tmpfs") == 0) || o.attr_set || o.attr_clr)
    {
      ret = after_mount (ctx, m, &o, target_fd, err);
      if (ret < 0)
        {
          mount_opts_clear (&o);
          return zerr_wrap (err, "mounts[%zu]", index);
        }
    }
  if (o.propagation)
    {
      cleanup_close int fd = open_in_root (ctx->root_fd, m->destination, 0);
      char p[64];
      if (fd >= 0)
        {
          fd_path (fd, p);
          if (mount (NULL, p, NULL, o.propagation, NULL) < 0)
            {
              ret = zerr_sys (err, "mounts[%zu]: set propagation of `%s`", index, m->destination);
              mount_opts_clear (&o);
              return ret;
            }
        }
    }
  mount_opts_clear (&o);
  return 0;
}

int
rootfs_mount_all (struct rootfs_ctx *ctx, zerr **err)
{
  for (size_t i = 0; i < ctx->config->n_mounts; i++)
    {
      int ret = mount_one (ctx, &ctx->config->mounts[i], i, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* Whether dest is the destination of a tmpfs mount of the config, or below one. */
static bool
under_tmpfs (const struct zone_config *c, const char *dest)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct zone_mount *m = &c->mounts[i];
      size_t len = strlen (m->destination);
      if (m->type && strcmp (m->type, "tmpfs") == 0 && strncmp (dest, m->destination, len) == 0
          && (dest[len] == '\0' || dest[len] == '/' || (len == 1 && m->destination[0] == '/')))
        return true;
    }
  return false;
}

int
rootfs_make_mountpoints (const struct zone_config *c, const char *rootfs, const char *bundle, zerr **err)
{
  cleanup_close int root_fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (root_fd < 0)
    return zerr_sys (err, "open the rootfs `%s`", rootfs);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct zone_mount *m = &c->mounts[i];
      cleanup_free char *source = NULL;
      struct mount_opts o;
      bool is_file = false;
      struct stat st;
      int fd;

      /* CRIU brings a tmpfs back with its content, and mounts a cgroup tree itself. */
      if ((m->type && strcmp (m->type, "cgroup") == 0) || under_tmpfs (c, m->destination))
        continue;
      if (mount_opts_parse (m->type, m->options, &o, err) < 0)
        return zerr_wrap (err, "config.json: mounts[%zu].options", i);
      if (o.bind && m->source)
        {
          if (m->source[0] == '/')
            source = xstrdup (m->source);
          else if (asprintf (&source, "%s/%s", bundle, m->source) < 0)
            abort ();
          is_file = stat (source, &st) == 0 && !S_ISDIR (st.st_mode);
        }
      mount_opts_clear (&o);
      if ((fd = mkpath_in_root (root_fd, m->destination, is_file, err)) < 0)
        return zerr_wrap (err, "mounts[%zu]", i);
      close (fd);
    }
  return 0;
}
