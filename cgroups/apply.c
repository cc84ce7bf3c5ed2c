/* Writing the files of cgroup_resource_writes into a zone's cgroup directories. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "devices_bpf.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

static bool
is_v2_dir (const char *dir)
{
  struct statfs sf;
  return statfs (dir, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Whether the v1 hierarchy dir (".../cpu,cpuacct/zone/x") mounted at CGROUP_ROOT/NAME has ctrl. */
static bool
hierarchy_has (const char *dir, const char *ctrl)
{
  const char *name = dir + strlen (CGROUP_ROOT "/");
  size_t len = strcspn (name, "/"), clen = strlen (ctrl);
  for (const char *p = name; p < name + len;)
    {
      size_t n = strcspn (p, ",/");
      if (n == clen && strncmp (p, ctrl, n) == 0)
        return true;
      p += n + (p[n] == ',');
      if (p[-1] != ',')
        break;
    }
  return false;
}

/* Does a cgroup.controllers (or subtree_control) file list ctrl? */
static bool
file_lists (const char *file, const char *ctrl)
{
  cleanup_free char *text = NULL;
  size_t clen = strlen (ctrl);
  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0)
    return false;
  for (char *p = text; (p = strstr (p, ctrl)); p += clen)
    if ((p == text || p[-1] == ' ') && (p[clen] == ' ' || p[clen] == '\n' || p[clen] == '\0'))
      return true;
  return false;
}

const char *
cgroup_dir_for (char **paths, const char *ctrl, int version)
{
  /* The name test first: statfs walks the whole path, and `zone list` asks this of every zone. */
  for (size_t i = 0; paths && paths[i]; i++)
    {
      if (version == 1 && !hierarchy_has (paths[i], ctrl))
        continue;
      if ((version == 2) == is_v2_dir (paths[i]))
        return paths[i];
    }
  return NULL;
}

static int
host_version (const char *ctrl, void *data)
{
  (void) data;
  return cgroup_host_version (ctrl);
}

/* Whether a v1 hierarchy with ctrl is mounted: decided from the mount table, not from the names
   of directories under /sys/fs/cgroup (any program may make a stray `hugetlb` there). */
static bool
v1_mounted (const char *ctrl)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  size_t n = 0, clen = strlen (ctrl);

  while (f && clen && getline (&line, &n, f) > 0)
    {
      char *sep = strstr (line, " - "), *opts;
      if (sep == NULL || strncmp (sep + 3, "cgroup ", 7) != 0)
        continue;
      /* "cgroup SOURCE SUPER-OPTIONS": the controllers are words of the super options. */
      opts = strchr (sep + 10, ' ');
      for (char *p = opts; p && (p = strstr (p, ctrl)); p += clen)
        if ((p[-1] == ',' || p[-1] == ' ') && (p[clen] == ',' || p[clen] == '\n' || p[clen] == '\0'))
          return true;
    }
  return false;
}

int
cgroup_host_version (const char *ctrl)
{
  char unified[64];

  if (cgroup_host_mode () == CGROUP_MODE_UNIFIED)
    return *ctrl == '\0' || file_lists (CGROUP_ROOT "/cgroup.controllers", ctrl) ? 2 : 0;
  if (v1_mounted (ctrl))
    return 1;
  /* Hybrid: a controller may sit on the unified mount instead (hugetlb here, say). */
  snprintf (unified, sizeof unified, CGROUP_ROOT "/unified/cgroup.controllers");
  if (*ctrl && file_lists (unified, ctrl))
    return 2;
  return 0;
}

cgroup_version_fn
cgroup_host_version_fn (void)
{
  return host_version;
}

/* v2: a controller works in a cgroup only when every ancestor delegates it. */
int
cgroup_enable_controller (const char *dir, const char *ctrl, zerr **err)
{
  cleanup_free char *path = xstrdup (dir);
  const char *root = strncmp (dir, CGROUP_ROOT "/unified/", strlen (CGROUP_ROOT "/unified/")) == 0
                         ? CGROUP_ROOT "/unified"
                         : CGROUP_ROOT;
  size_t rootlen = strlen (root);
  char buf[64];

  snprintf (buf, sizeof buf, "+%s", ctrl);
  /* From the root down to the zone's parent. */
  for (char *p = path + rootlen; p && *p;)
    {
      cleanup_free char *sc = NULL;
      char saved = *p;
      *p = '\0';
      if (asprintf (&sc, "%s/cgroup.subtree_control", path) < 0)
        abort ();
      *p = saved;
      if (!file_lists (sc, ctrl) && write_file_at (AT_FDCWD, sc, buf, strlen (buf), 0644, err) < 0)
        return zerr_wrap (err, "enable the %s controller", ctrl);
      p = strchr (p + 1, '/');
    }
  return 0;
}

const char *
cgroup_resource_field (const char *file)
{
  static const char *const map[][2] = {
    { "cpuset.cpus", "cpu.cpus" },
    { "cpuset.mems", "cpu.mems" },
    { "cpu.shares", "cpu.shares" },
    { "cpu.weight", "cpu.shares" },
    { "cpu.cfs_quota_us", "cpu.quota" },
    { "cpu.cfs_period_us", "cpu.period" },
    { "cpu.max.burst", "cpu.burst" },
    { "cpu.max", "cpu.quota" },
    { "cpu.cfs_burst_us", "cpu.burst" },
    { "cpu.rt_runtime_us", "cpu.realtimeRuntime" },
    { "cpu.rt_period_us", "cpu.realtimePeriod" },
    { "cpu.idle", "cpu.idle" },
    { "memory.limit_in_bytes", "memory.limit" },
    { "memory.max", "memory.limit" },
    { "memory.soft_limit_in_bytes", "memory.reservation" },
    { "memory.low", "memory.reservation" },
    { "memory.memsw.limit_in_bytes", "memory.swap" },
    { "memory.swap.max", "memory.swap" },
    { "memory.swappiness", "memory.swappiness" },
    { "memory.oom_control", "memory.disableOOMKiller" },
    { "pids.max", "pids.limit" },
    { "blkio.weight_device", "blockIO.weightDevice" },
    { "blkio.leaf_weight_device", "blockIO.weightDevice" },
    { "blkio.weight", "blockIO.weight" },
    { "blkio.leaf_weight", "blockIO.leafWeight" },
    { "io.weight", "blockIO.weight" },
    { "blkio.throttle.", "blockIO.throttle" },
    { "io.max", "blockIO.throttle" },
    { "hugetlb.", "hugepageLimits" },
    { "devices.", "devices" },
    { "net_cls.", "network.classID" },
    { "net_prio.", "network.priorities" },
    { "rdma.", "rdma" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strncmp (file, map[i][0], strlen (map[i][0])) == 0)
      return map[i][1];
  return "unified";
}

static int
write_existing (int dfd, const char *file, const char *value)
{
  cleanup_close int fd = dfd >= 0 ? openat (dfd, file, O_WRONLY | O_CLOEXEC) : -1;
  if (fd < 0)
    return -errno;
  if (write (fd, value, strlen (value)) < 0)
    return -errno;
  return 0;
}

static bool
streq_null (const char *a, const char *b)
{
  return a == b || (a && b && strcmp (a, b) == 0);
}

int
cgroup_apply (char **paths, const struct zone_resources *r, const struct cgroup_writes *w, zerr **err)
{
  bool *failed = xmalloc0 ((w->n + 1) * sizeof (bool));
  /* The directory of the write before: the writes of one controller (a devices list) follow each
     other, and each look-up walks the path in sysfs again. */
  const char *last_ctrl = NULL, *dir = NULL;
  int last_version = 0, dfd = -1;
  int ret = 0;

  /* Two passes: a write can depend on another (memory.limit_in_bytes above memsw must wait for
     memsw to grow), so what fails once is tried again after the rest. */
  for (int pass = 0; pass < 2 && ret == 0; pass++)
    for (size_t i = 0; i < w->n; i++)
      {
        const struct cgroup_write *x = &w->w[i];
        int r2;

        if (pass == 1 && !failed[i])
          continue;
        if (dir == NULL || x->version != last_version || !streq_null (x->controller, last_ctrl))
          {
            if (dfd >= 0)
              close (dfd);
            dfd = -1;
            last_ctrl = x->controller;
            last_version = x->version;
            dir = cgroup_dir_for (paths, x->controller, x->version);
            if (dir)
              dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
          }
        if (dir == NULL)
          {
            ret = zerr_set (err, ENOENT, "cgroup: the zone has no %s cgroup (v%d)", x->controller, x->version);
            break;
          }
        if (pass == 0 && x->version == 2 && x->controller && strcmp (x->controller, "devices") != 0
            && (r2 = cgroup_enable_controller (dir, x->controller, err)) < 0)
          {
            ret = r2;
            break;
          }
        if (x->version == 2 && strcmp (x->controller ? x->controller : "", "devices") == 0)
          {
            if ((r2 = devices_bpf_attach (dir, r->devices, r->n_devices, err)) < 0)
              {
                ret = r2;
                break;
              }
            continue;
          }
        r2 = write_existing (dfd, x->file, x->value);
        /* "No limit" in a file this kernel lacks (memsw without swap accounting) is no limit. */
        if (r2 == -ENOENT && strcmp (x->value, "-1") == 0)
          r2 = 0;
        failed[i] = r2 < 0;
        if (r2 < 0 && pass == 1)
          {
            errno = -r2;
            ret = r2 == -ENOENT ? zerr_set (err, ENOTSUP, "cgroup: this host's kernel has no `%s` file in the %s "
                                                          "controller", x->file, x->controller)
                : r2 == -EINVAL && strcmp (x->file, "memory.limit_in_bytes") == 0
                    ? zerr_set (err, EINVAL, "cgroup: memory limit %s is above the zone's memory + swap limit: set "
                                             "the swap limit too (memory.swap, --memory-swap)", x->value)
                    : zerr_sys (err, "linux.resources.%s: the kernel refused `%s` for %s", cgroup_resource_field (x->file),
                                x->value, x->file);
          }
      }
  if (dfd >= 0)
    close (dfd);
  free (failed);
  return ret;
}
