#define _GNU_SOURCE
#include "cgroup.h"
#include "systemd.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define ZONE_PARENT "/zone"

enum cgroup_mode
cgroup_host_mode (void)
{
  struct statfs sf;
  if (statfs (CGROUP_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return CGROUP_MODE_UNIFIED;
  return CGROUP_MODE_V1;
}

char *
cgroup_zone_path (const char *cgroups_path, const char *id)
{
  char *r;
  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      if (asprintf (&r, ZONE_PARENT "/%s", id) < 0)
        abort ();
    }
  else if (cgroups_path[0] == '/')
    r = xstrdup (cgroups_path);
  else if (asprintf (&r, ZONE_PARENT "/%s", cgroups_path) < 0)
    abort ();
  return r;
}

/* The mount points of the hierarchies a zone joins. */
static char **
hierarchies (void)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char **v;
  size_t n = 0;

  if (cgroup_host_mode () == CGROUP_MODE_UNIFIED)
    {
      v = xmalloc0 (2 * sizeof (char *));
      v[0] = xstrdup (CGROUP_ROOT);
      return v;
    }
  v = xmalloc0 (64 * sizeof (char *));
  d = opendir (CGROUP_ROOT);
  while (d && (de = readdir (d)) && n < 63)
    {
      struct statfs sf;
      char *p;
      if (de->d_name[0] == '.')
        continue;
      if (asprintf (&p, CGROUP_ROOT "/%s", de->d_name) < 0)
        abort ();
      /* Skip symlinks such as cpu,cpuacct -> cpu and anything that is not a hierarchy. */
      if (statfs (p, &sf) < 0 || (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC))
        {
          free (p);
          continue;
        }
      {
        struct stat st;
        if (lstat (p, &st) < 0 || !S_ISDIR (st.st_mode))
          {
            free (p);
            continue;
          }
      }
      v[n++] = p;
    }
  return v;
}

/* v1 cpuset refuses tasks until cpus and mems are set: copy them from the parent. */
static void
cpuset_inherit (const char *dir)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  cleanup_free char *parent = xstrdup (dir);
  char *slash = strrchr (parent, '/');
  if (slash == NULL)
    return;
  *slash = '\0';
  for (int i = 0; i < 2; i++)
    {
      cleanup_free char *pf = NULL, *cf = NULL, *cur = NULL, *val = NULL;
      zerr *e = NULL;
      if (asprintf (&pf, "%s/%s", parent, files[i]) < 0 || asprintf (&cf, "%s/%s", dir, files[i]) < 0)
        abort ();
      if (read_file_at (AT_FDCWD, cf, &cur, NULL, &e) == 0 && cur[0] != '\n' && cur[0] != '\0')
        continue;
      zerr_free (&e);
      if (read_file_at (AT_FDCWD, pf, &val, NULL, &e) == 0)
        write_file_at (AT_FDCWD, cf, val, strlen (val), 0644, &e);
      zerr_free (&e);
    }
}

static int
mkdir_cgroup (const char *hierarchy, const char *path, zerr **err)
{
  cleanup_free char *full = NULL;
  bool cpuset = strstr (hierarchy, "cpuset") != NULL;
  char *p;

  if (asprintf (&full, "%s%s", hierarchy, path) < 0)
    abort ();
  for (p = full + strlen (hierarchy) + 1;; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      {
        char saved = *p;
        *p = '\0';
        if (mkdir (full, 0755) < 0 && errno != EEXIST)
          return zerr_sys (err, "create cgroup `%s`", full);
        if (cpuset)
          cpuset_inherit (full);
        *p = saved;
      }
      if (*p == '\0')
        break;
    }
  return 0;
}

char **
cgroup_paths_for (const char *path)
{
  cleanup_strv char **h = hierarchies ();
  size_t n = 0;
  char **v;
  for (; h[n]; n++)
    ;
  v = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    if (asprintf (&v[i], "%s%s", h[i], path) < 0)
      abort ();
  return v;
}

int
cgroup_create (const char *path, char ***paths, zerr **err)
{
  cleanup_strv char **h = hierarchies ();
  char **made = xmalloc0 ((sizeof (char *)) * 65);
  size_t n = 0;
  int ret;

  if (strstr (path, "..") || path[0] != '/')
    {
      free (made);
      return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` is not a valid cgroup path", path);
    }
  for (size_t i = 0; h[i]; i++)
    {
      /* A concurrent delete may remove a shared parent between our mkdirs: retry once. */
      ret = mkdir_cgroup (h[i], path, err);
      if (ret == -ENOENT)
        {
          zerr_free (err);
          ret = mkdir_cgroup (h[i], path, err);
        }
      if (ret < 0)
        {
          cgroup_destroy (made, NULL);
          strv_free (made);
          return ret;
        }
      if (asprintf (&made[n++], "%s%s", h[i], path) < 0)
        abort ();
    }
  *paths = made;
  return 0;
}

int
cgroup_enter (char **paths, pid_t pid, zerr **err)
{
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", pid);
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_free char *procs = NULL;
      if (asprintf (&procs, "%s/cgroup.procs", paths[i]) < 0)
        abort ();
      if (write_file_at (AT_FDCWD, procs, buf, (size_t) len, 0644, err) < 0)
        return zerr_wrap (err, "join cgroup");
    }
  return 0;
}

int
cgroup_pids (char **paths, pid_t **pids, size_t *n, zerr **err)
{
  *pids = NULL;
  *n = 0;
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_free char *procs = NULL, *text = NULL;
      zerr *e = NULL;
      size_t count = 0;
      char *line, *save = NULL;

      if (asprintf (&procs, "%s/cgroup.procs", paths[i]) < 0)
        abort ();
      if (read_file_at (AT_FDCWD, procs, &text, NULL, &e) < 0)
        {
          zerr_free (&e);
          continue;
        }
      for (char *c = text; *c; c++)
        count += *c == '\n';
      *pids = xmalloc0 ((count + 1) * sizeof (pid_t));
      for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        (*pids)[(*n)++] = (pid_t) atoi (line);
      return 0;
    }
  (void) err;
  return 0;
}

int
cgroup_signal_all (char **paths, int sig, zerr **err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int ret = cgroup_pids (paths, &pids, &n, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return zerr_sys (err, "signal pid %d", pids[i]);
  return 0;
}

int
cgroup_destroy (char **paths, zerr **err)
{
  /* A systemd scope (the systemd driver): systemd removes its cgroup once it is stopped. */
  for (size_t i = 0; paths && paths[i]; i++)
    {
      const char *base = strrchr (paths[i], '/');
      size_t len = base ? strlen (base) : 0;
      if (len > 6 && strcmp (base + len - 6, ".scope") == 0 && access (paths[i], F_OK) == 0)
        {
          cgroup_signal_all (&paths[i], SIGKILL, NULL);
          systemd_scope_stop (base + 1, NULL);
        }
    }
  /* Frozen tasks of a v1 freezer die only once thawed. */
  if (paths && cgroup_is_frozen (paths))
    {
      cgroup_signal_all (paths, SIGKILL, NULL);
      cgroup_freeze (paths, false, NULL);
    }
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_free char *kill_file = NULL;
      struct timespec pause = { 0, 1000 * 1000 };
      int tries;

      /* Usually empty by now (the init has been reaped): then one rmdir is all it takes. */
      for (tries = 0; tries < 2000; tries++)
        {
          if (rmdir (paths[i]) == 0 || errno == ENOENT)
            break;
          if (errno != EBUSY)
            return zerr_sys (err, "remove cgroup `%s`", paths[i]);
          /* Kill what is left (cgroup.kill where v2 has it), and wait for the reaping. */
          if (tries == 0)
            {
              cleanup_close int kfd = -1;
              if (asprintf (&kill_file, "%s/cgroup.kill", paths[i]) < 0)
                abort ();
              kfd = open (kill_file, O_WRONLY | O_CLOEXEC);
              if (kfd < 0 || write (kfd, "1", 1) != 1)
                cgroup_signal_all (&paths[i], SIGKILL, NULL);
            }
          else
            cgroup_signal_all (&paths[i], SIGKILL, NULL);
          nanosleep (&pause, NULL);
        }
      if (tries == 2000)
        return zerr_set (err, EBUSY, "remove cgroup `%s`: processes are still in it", paths[i]);
      /* The shared /zone parent goes with its last zone; EBUSY means another zone still uses it. */
      {
        cleanup_free char *parent = xstrdup (paths[i]);
        char *slash = strrchr (parent, '/');
        if (slash)
          {
            *slash = '\0';
            slash = strrchr (parent, '/');
            if (slash && strcmp (slash, ZONE_PARENT) == 0)
              rmdir (parent);
          }
      }
    }
  return 0;
}
