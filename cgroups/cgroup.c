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

/* Components of path without empty and `.` ones, joined with `/`; -EINVAL on `..`. */
static int
normalize (const char *path, char **out)
{
  cleanup_free char *copy = xstrdup (path);
  char *r = xmalloc0 (strlen (path) + 2), *save = NULL;
  size_t len = 0;

  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          free (r);
          return -EINVAL;
        }
      len += (size_t) sprintf (r + len, "/%s", c);
    }
  *out = r;
  return 0;
}

int
cgroup_zone_path (const char *cgroups_path, const char *default_name, char **out, zerr **err)
{
  cleanup_free char *joined = NULL;
  char *r = NULL;

  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      if (asprintf (&joined, ZONE_PARENT "/%s", default_name) < 0)
        abort ();
    }
  else if (asprintf (&joined, "%s%s", cgroups_path[0] == '/' ? "" : ZONE_PARENT "/", cgroups_path) < 0)
    abort ();
  if (normalize (joined, &r) < 0)
    return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` must not contain `..`", cgroups_path);
  /* The hierarchy's root holds every process of the host, and /zone every zone. */
  if (r[0] == '\0' || strcmp (r, ZONE_PARENT) == 0)
    {
      const char *what = r[0] ? "the parent of all zones" : "the root of the host's cgroups";
      free (r);
      return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` is %s, not a cgroup of the zone's own",
                       cgroups_path ? cgroups_path : "", what);
    }
  *out = r;
  return 0;
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

static bool
is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static void
strv_push (char ***v, size_t *n, char *s)
{
  *v = realloc (*v, (*n + 2) * sizeof (char *));
  if (*v == NULL)
    abort ();
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

static bool
strv_has (char **v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

/* The first process in dir, or 0; -1 if dir has a child cgroup (it is somebody's parent). */
static pid_t
cgroup_busy (const char *dir)
{
  cleanup_free char *procs = NULL, *text = NULL;
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;

  while (d && (de = readdir (d)))
    if (de->d_name[0] != '.' && de->d_type == DT_DIR)
      return -1;
  if (asprintf (&procs, "%s/cgroup.procs", dir) < 0)
    abort ();
  if (read_file_at (AT_FDCWD, procs, &text, NULL, NULL) < 0)
    return 0;
  return (pid_t) atoi (text);
}

static bool
dir_frozen (const char *dir)
{
  static const char *const files[][2] = { { "freezer.state", "FROZEN" }, { "cgroup.freeze", "1" } };
  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *f = NULL, *text = NULL;
      if (asprintf (&f, "%s/%s", dir, files[i][0]) < 0)
        abort ();
      if (read_file_at (AT_FDCWD, f, &text, NULL, NULL) == 0 && strncmp (text, files[i][1], strlen (files[i][1])) == 0)
        return true;
    }
  return false;
}

/* An existing cgroup is joined only when nothing else can be hurt by it: not frozen (the init
   would hang), and empty unless the config says the zone shares it. */
static int
check_existing (const char *dir, const char *path, bool shared, zerr **err)
{
  pid_t busy;
  if (dir_frozen (dir))
    return zerr_set (err, EBUSY, "config.json: linux.cgroupsPath: the existing cgroup `%s` is frozen", path);
  if (shared || (busy = cgroup_busy (dir)) == 0)
    return 0;
  if (busy < 0)
    return zerr_set (err, EBUSY, "config.json: linux.cgroupsPath: cgroup `%s` already exists and has cgroups below "
                                 "it: a zone needs a cgroup of its own", path);
  return zerr_set (err, EBUSY, "config.json: linux.cgroupsPath: cgroup `%s` already exists and holds process %d: a "
                               "zone joins an existing cgroup only when it is empty (or with annotation "
                               "org.zone.cgroup.shared=true)", path, busy);
}

int
cgroup_plan (const char *path, bool shared, struct cgroup_plan *p, zerr **err)
{
  cleanup_strv char **h = hierarchies ();
  size_t np = 0, nm = 0;
  int ret;

  *p = (struct cgroup_plan){ .owned = true };
  if (path[0] != '/' || path[1] == '\0' || strstr (path, "/..") || strstr (path, "//"))
    return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` is not a valid cgroup path", path);
  for (size_t i = 0; h[i]; i++)
    {
      char *full;
      if (asprintf (&full, "%s%s", h[i], path) < 0)
        abort ();
      strv_push (&p->paths, &np, full);
      if (is_dir (full))
        {
          p->owned = false;
          if ((ret = check_existing (full, path, shared, err)) < 0)
            {
              cgroup_plan_release (p);
              return ret;
            }
          continue;
        }
      /* Every missing directory from the top down: those are the zone's to make and remove. The
         shared /zone parent is made when missing but is no zone's: it stays, as a slice does
         (making it again for every zone that comes and goes alone costs a kernfs directory per
         hierarchy: 0.5 ms of a `run`). */
      for (char *c = full + strlen (h[i]) + 1;; c++)
        if (*c == '/' || *c == '\0')
          {
            cleanup_free char *prefix = strndup (full, (size_t) (c - full));
            bool shared_parent = strcmp (prefix + strlen (h[i]), ZONE_PARENT) == 0;
            if (*c == '\0' || (!is_dir (prefix) && !shared_parent))
              strv_push (&p->made, &nm, steal_pointer (&prefix));
            if (*c == '\0')
              break;
          }
    }
  return 0;
}

char *
cgroup_v2_path_of (pid_t pid)
{
  cleanup_free char *text = NULL;
  char file[64], *line, *nl;

  snprintf (file, sizeof file, pid > 0 ? "/proc/%d/cgroup" : "/proc/self/cgroup", pid);
  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0)
    return NULL;
  /* The v2 line is "0::PATH": at the start of the text or of a line of it. */
  for (line = text; line; line = (nl = strchr (line, '\n')) ? nl + 1 : NULL)
    if (strncmp (line, "0::/", 4) == 0)
      {
        line[3 + strcspn (line + 3, "\n")] = '\0';
        return xstrdup (line + 3);
      }
  return NULL;
}

char *
cgroup_own_delegated (void)
{
  cleanup_free char *own = NULL, *dir = NULL, *procs = NULL;

  if (cgroup_host_mode () != CGROUP_MODE_UNIFIED || (own = cgroup_v2_path_of (0)) == NULL)
    return NULL;
  if (asprintf (&dir, CGROUP_ROOT "%s", own) < 0 || asprintf (&procs, "%s/cgroup.procs", dir) < 0)
    abort ();
  /* Delegated: the directory and its cgroup.procs are ours to write. */
  if (access (dir, W_OK) < 0 || access (procs, W_OK) < 0)
    return NULL;
  return steal_pointer (&own);
}

int
cgroup_leave_for_leaf (const char *own, zerr **err)
{
  cleanup_free char *sup = NULL, *procs = NULL;
  char pid[32];

  if (asprintf (&sup, CGROUP_ROOT "%s/supervisor", own) < 0 || asprintf (&procs, "%s/cgroup.procs", sup) < 0)
    abort ();
  if (mkdir (sup, 0755) < 0 && errno != EEXIST)
    return zerr_sys (err, "make `%s` (is the cgroup delegated, Delegate=yes?)", sup);
  snprintf (pid, sizeof pid, "%d", getpid ());
  return write_file_at (AT_FDCWD, procs, pid, strlen (pid), 0644, err);
}

bool
cgroup_plan_writable (const struct cgroup_plan *p)
{
  for (size_t i = 0; p->paths && p->paths[i]; i++)
    {
      const char *dir = p->paths[i];
      cleanup_free char *probe = NULL;
      /* A directory to make needs its parent writable; an existing one, its cgroup.procs. */
      if (strv_has (p->made, dir) || !is_dir (dir))
        {
          cleanup_free char *parent = xstrdup (dir);
          char *slash;
          /* the deepest ancestor that exists */
          while ((slash = strrchr (parent, '/')) && slash != parent && !is_dir (parent))
            *slash = '\0';
          probe = steal_pointer (&parent);
        }
      else if (asprintf (&probe, "%s/cgroup.procs", dir) < 0)
        abort ();
      if (access (probe, W_OK) < 0)
        return false;
    }
  return true;
}

char **
cgroup_existing (const char *path)
{
  cleanup_strv char **h = hierarchies ();
  char **v = xmalloc0 (sizeof (char *));
  size_t n = 0;

  for (size_t i = 0; h[i]; i++)
    {
      char *full;
      if (asprintf (&full, "%s%s", h[i], path) < 0)
        abort ();
      if (is_dir (full))
        strv_push (&v, &n, full);
      else
        free (full);
    }
  return v;
}

void
cgroup_plan_release (struct cgroup_plan *p)
{
  strv_free (p->paths);
  strv_free (p->made);
  *p = (struct cgroup_plan){ 0 };
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

/* The shared /zone parent is made with the first zone (or again, should an operator have removed
   it between plan and mkdir). */
static int
mkdir_again (const char *dir)
{
  if (mkdir (dir, 0755) == 0)
    return 0;
  if (errno == ENOENT)
    {
      cleanup_free char *parent = xstrdup (dir);
      char *slash = strrchr (parent, '/');
      if (slash && slash != parent)
        {
          *slash = '\0';
          if (mkdir (parent, 0755) < 0 && errno != EEXIST)
            return -1;
          return mkdir (dir, 0755);
        }
    }
  return -1;
}

int
cgroup_create (const struct cgroup_plan *p, zerr **err)
{
  for (size_t i = 0; p->made && p->made[i]; i++)
    {
      const char *dir = p->made[i];
      if (mkdir_again (dir) < 0)
        {
          /* A leaf that appeared since the plan was made is somebody else's. */
          int ret = errno == EEXIST && !strv_has (p->paths, dir) ? 0 : zerr_sys (err, "create cgroup `%s`", dir);
          if (ret < 0)
            {
              cgroup_destroy (p->paths, p->made, NULL);
              return ret;
            }
        }
    }
  /* v1 cpuset: every directory from the hierarchy's root down to the leaf needs cpus and mems,
     also a shared parent that a concurrent create made a moment ago and has not filled yet. */
  for (size_t i = 0; p->paths && p->paths[i]; i++)
    if (strncmp (p->paths[i], CGROUP_ROOT "/cpuset/", strlen (CGROUP_ROOT "/cpuset/")) == 0)
      {
        cleanup_free char *dir = xstrdup (p->paths[i]);
        for (char *c = dir + strlen (CGROUP_ROOT "/cpuset/");; c++)
          if (*c == '/' || *c == '\0')
            {
              char saved = *c;
              *c = '\0';
              cpuset_inherit (dir);
              *c = saved;
              if (saved == '\0')
                break;
            }
      }
  return 0;
}

int
cgroup_clone_target (char **paths)
{
  if (cgroup_host_mode () != CGROUP_MODE_UNIFIED || paths == NULL || paths[0] == NULL || paths[1] != NULL)
    return -1;
  return open (paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

bool
cgroup_has_pid (char **paths, pid_t pid)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cgroup_pids (paths, &pids, &n, NULL) < 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
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

/* Empty the leaf dir (it is the zone's own) and remove it. */
static int
remove_leaf (char *dir, zerr **err)
{
  struct timespec pause = { 0, 1000 * 1000 };

  /* Usually empty by now (the init has been reaped): then one rmdir is all it takes. */
  for (int tries = 0; tries < 2000; tries++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        return zerr_sys (err, "remove cgroup `%s`", dir);
      /* Kill what is left (cgroup.kill where v2 has it), and wait for the reaping. */
      if (tries == 0)
        {
          cleanup_free char *kill_file = NULL;
          cleanup_close int kfd = -1;
          if (asprintf (&kill_file, "%s/cgroup.kill", dir) < 0)
            abort ();
          kfd = open (kill_file, O_WRONLY | O_CLOEXEC);
          if (kfd >= 0 && write (kfd, "1", 1) == 1)
            {
              nanosleep (&pause, NULL);
              continue;
            }
        }
      {
        char *one[] = { dir, NULL };
        cgroup_signal_all (one, SIGKILL, NULL);
      }
      nanosleep (&pause, NULL);
    }
  return zerr_set (err, EBUSY, "remove cgroup `%s`: processes are still in it", dir);
}

int
cgroup_destroy (char **paths, char **made, zerr **err)
{
  size_t n = 0, nm = 0;
  cleanup_free char **own = NULL;

  /* Only the leaves zone made are signalled and removed: a cgroup it joined is somebody else's. */
  for (; paths && paths[n]; n++)
    ;
  own = xmalloc0 ((n + 1) * sizeof (char *));
  n = 0;
  for (size_t i = 0; paths && paths[i]; i++)
    if (strv_has (made, paths[i]))
      own[n++] = paths[i];
  /* A systemd scope (the systemd driver): systemd removes its cgroup once it is stopped. */
  for (size_t i = 0; i < n; i++)
    {
      const char *base = strrchr (own[i], '/');
      size_t len = base ? strlen (base) : 0;
      if (len > 6 && strcmp (base + len - 6, ".scope") == 0 && access (own[i], F_OK) == 0)
        {
          char *one[] = { own[i], NULL };
          cgroup_signal_all (one, SIGKILL, NULL);
          systemd_scope_stop (base + 1, NULL);
        }
    }
  /* Frozen tasks of a v1 freezer die only once thawed. */
  if (n && cgroup_is_frozen (own))
    {
      cgroup_signal_all (own, SIGKILL, NULL);
      cgroup_freeze (own, false, NULL);
    }
  for (size_t i = 0; i < n; i++)
    {
      int ret = remove_leaf (own[i], err);
      if (ret < 0)
        return ret;
    }
  /* Then the parents zone made for them, deepest first; one still in use stays. */
  for (; made && made[nm]; nm++)
    ;
  while (nm-- > 0)
    rmdir (made[nm]);
  return 0;
}
