/* The CPU governor's loop: see governor.h.

   Cost per tick is what matters at 2,000 zones, and it is the reads of usage counters. A zone
   that has been idle for IDLE_READS reads is read only every SLOW_WATCHED ticks (staggered): each
   group of zones under one parent cgroup is watched through the parent's own usage counter, and
   when the parent used more than the zones read this tick account for, one of its idle zones woke
   and the idle zones of that group are read at once. A parent that other programs use too cannot
   tell that: its idle zones are read every SLOW_EVERY ticks instead. Idle zones are never
   written to: their ceiling matters only once they run. */
#define _GNU_SOURCE
#include "governor.h"
#include "../util/units.h"
#include "internal.h"
#include "store.h"
#include "../cgroups/cgroup.h"
#include "../cgroups/cpu_files.h"
#include "../cgroups/cpu_policy.h"
#include "../cgroups/resources.h"
#include "../spec/config.h"
#include "../spec/state.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IDLE_CORES 0.005   /* below this a zone is not running */
#define IDLE_READS 10      /* reads in a row below IDLE_CORES make a zone idle */
#define SLOW_EVERY 10      /* an idle zone is read every this many ticks... */
#define SLOW_WATCHED 100   /* ...or this many, when its parent's counter tells when it wakes */
#define WAKE_CORES 0.02    /* a parent using this much more than its read zones: one woke */
#define QUIET_TICKS 50     /* a parent with other users is not watched for this long */
#define STATUS_TICKS 10    /* the status file is rewritten every this many ticks */

struct gzone
{
  char *id;
  struct cpu_files f;
  struct cpu_policy policy;
  struct cpu_burst burst;
  size_t group;
  uint64_t usage_ns, read_at; /* the counter and the clock at the last read */
  double usage;               /* cores over the last read's interval */
  double ceiling;             /* cores as last written; 0: no quota */
  unsigned long weight;       /* as last written; 0: not yet */
  unsigned idle_reads;
  bool read_now;
  double demand, alloc; /* this tick's, for the report */
};

struct ggroup
{
  char *dir;
  int fd; /* the parent's usage counter, -1 when it has none */
  bool v2;
  uint64_t usage_ns;
  unsigned long quiet_until;
};

struct governor
{
  const struct zone_runtime *rt;
  double host;
  int root_fd; /* the root cgroup's usage: is the host full, whoever fills it */
  bool root_v2;
  uint64_t root_ns, root_at;
  unsigned long tick;
  struct gzone *z;
  size_t n;
  struct ggroup *g;
  size_t ng;
  char **pending;
  size_t npending;
  int inotify_fd, lock_fd;
};

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/* Start a group's parent count afresh when its zones change: a zone that came (or went) used CPU
   before its own first (or after its last) read, which would look like an idle zone waking. */
static void
group_rebase (struct ggroup *g)
{
  if (g->fd >= 0)
    cpu_usage_read (g->fd, g->v2, &g->usage_ns);
}

static size_t
group_for (struct governor *gov, const char *usage_dir, bool v2)
{
  cleanup_free char *parent = xstrdup (usage_dir);
  char *slash = strrchr (parent, '/');

  if (slash && slash != parent)
    *slash = '\0';
  for (size_t i = 0; i < gov->ng; i++)
    if (strcmp (gov->g[i].dir, parent) == 0)
      {
        group_rebase (&gov->g[i]);
        return i;
      }
  gov->g = realloc (gov->g, (gov->ng + 1) * sizeof *gov->g);
  if (gov->g == NULL)
    abort ();
  gov->g[gov->ng] = (struct ggroup) { .dir = steal_pointer (&parent), .v2 = v2 };
  gov->g[gov->ng].fd = cpu_usage_open (gov->g[gov->ng].dir, v2);
  group_rebase (&gov->g[gov->ng]);
  return gov->ng++;
}

/* The zone's own ceiling and weight from its config (linux.resources.cpu), under its annotations. */
static void
policy_from_config (int dirfd, struct cpu_policy *p, bool weight_given)
{
  cleanup_free char *text = NULL;
  cleanup_config struct zone_config *c = NULL;
  struct zone_resources *r = NULL;

  if (read_file_at (dirfd, "config.json", &text, NULL, NULL) < 0 || zone_config_parse ("config.json", text, &c, NULL) < 0
      || zone_resources_parse ("config.json", "linux.resources", c->resources, &r, NULL) < 0 || r == NULL)
    return;
  if (r->cpu_quota.set && r->cpu_quota.v > 0)
    {
      double period = r->cpu_period.set && r->cpu_period.v > 0 ? (double) r->cpu_period.v : 100000;
      double cap = (double) r->cpu_quota.v / period;
      p->cap = p->cap > 0 ? dmin (p->cap, cap) : cap;
    }
  if (!weight_given && r->cpu_shares.set && r->cpu_shares.v > 0)
    p->weight = (double) cgroup_shares_to_weight ((uint64_t) r->cpu_shares.v);
  zone_resources_free (r);
}

/* 0 when loaded, -EAGAIN while it is being created, another error when it is not to be governed. */
static int
load_zone (struct governor *gov, const char *id)
{
  cleanup_free char *dir = NULL, *text = NULL;
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  struct gzone z = { 0 };
  bool weight_given = false;
  const char *usage_dir;
  int ret;

  if (asprintf (&dir, "%s/%s", gov->rt->root, id) < 0)
    abort ();
  /* No lock: a create holds it for as long as it runs; the state is replaced whole by rename. */
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return -errno;
  if (read_file_at (dirfd, "state.json", &text, NULL, NULL) < 0 || zone_state_parse (text, &st, NULL) < 0)
    return -EAGAIN;
  if (strcmp (st->status, "creating") == 0)
    return -EAGAIN;
  cpu_policy_init (&z.policy);
  for (size_t i = 0; i < st->n_annotations; i++)
    if (cpu_policy_set (&z.policy, st->annotations[i].key, st->annotations[i].value, NULL) > 0
        && strcmp (st->annotations[i].key, "org.zone.cpu.weight") == 0)
      weight_given = true;
  policy_from_config (dirfd, &z.policy, weight_given);
  cpu_burst_init (&z.burst, &z.policy);
  if ((ret = cpu_files_open (st->cgroup_paths, &z.f, NULL)) == -ENOTSUP && cgroup_host_mode () == CGROUP_MODE_UNIFIED)
    {
      /* On v2 a zone without cpu limits has no cpu files until its parents delegate the cpu
         controller: a governed zone needs them. */
      for (size_t i = 0; st->cgroup_paths && st->cgroup_paths[i]; i++)
        cgroup_enable_controller (st->cgroup_paths[i], "cpu", NULL);
      ret = cpu_files_open (st->cgroup_paths, &z.f, NULL);
    }
  if (ret < 0)
    return ret;
  usage_dir = cpu_usage_dir (st->cgroup_paths);
  z.group = group_for (gov, usage_dir ? usage_dir : "/", z.f.v2);
  z.id = xstrdup (id);
  z.read_at = now_ns ();
  cpu_usage_read (z.f.usage_fd, z.f.v2, &z.usage_ns);
  cpu_files_quota (&z.f, &z.ceiling);
  /* A reserved zone gets a kernel weight worth its reservation at once: starved by heavier
     zones it would use nothing, look idle, and never be allocated its cores. */
  if (z.policy.reserve > 0 && cpu_files_set_weight (&z.f, cpu_weight_for (z.policy.reserve, z.f.v2)) == 0)
    z.weight = cpu_weight_for (z.policy.reserve, z.f.v2);
  gov->z = realloc (gov->z, (gov->n + 1) * sizeof *gov->z);
  if (gov->z == NULL)
    abort ();
  gov->z[gov->n++] = z;
  return 0;
}

static void
zone_release (struct gzone *z)
{
  cpu_files_close (&z->f);
  free (z->id);
}

/* A zone that went: its group's count starts afresh (see group_rebase). */
static void
drop_zone (struct governor *gov, size_t i)
{
  group_rebase (&gov->g[gov->z[i].group]);
  zone_release (&gov->z[i]);
  gov->z[i] = gov->z[--gov->n];
}

static void
add_pending (struct governor *gov, const char *id)
{
  if (store_validate_id (id, NULL) < 0)
    return;
  for (size_t i = 0; i < gov->npending; i++)
    if (strcmp (gov->pending[i], id) == 0)
      return;
  gov->pending = realloc (gov->pending, (gov->npending + 1) * sizeof (char *));
  if (gov->pending == NULL)
    abort ();
  gov->pending[gov->npending++] = xstrdup (id);
}

static void
forget (struct governor *gov, const char *id)
{
  for (size_t i = 0; i < gov->n; i++)
    if (strcmp (gov->z[i].id, id) == 0)
      {
        drop_zone (gov, i);
        break;
      }
  for (size_t i = 0; i < gov->npending; i++)
    if (strcmp (gov->pending[i], id) == 0)
      {
        free (gov->pending[i]);
        gov->pending[i] = gov->pending[--gov->npending];
        break;
      }
}

/* Zones made since the last tick that are ready now. */
static void
load_pending (struct governor *gov)
{
  for (size_t i = 0; i < gov->npending;)
    {
      int ret = load_zone (gov, gov->pending[i]);
      if (ret == -EAGAIN)
        {
          i++;
          continue;
        }
      zone_debug (gov->rt, "governor: zone %s %s", gov->pending[i], ret == 0 ? "governed" : strerror (-ret));
      free (gov->pending[i]);
      gov->pending[i] = gov->pending[--gov->npending];
    }
}

static bool
governed (const struct governor *gov, const char *id)
{
  for (size_t i = 0; i < gov->n; i++)
    if (strcmp (gov->z[i].id, id) == 0)
      return true;
  return false;
}

/* When inotify's queue overflowed, what it would have said is found by listing the root: new
   zones are taken on, zones gone are dropped when their counters can no longer be read. */
static void
rescan (struct governor *gov)
{
  cleanup_strv char **ids = NULL;

  if (store_list (gov->rt->root, &ids, NULL) < 0)
    return;
  for (size_t i = 0; ids[i]; i++)
    if (!governed (gov, ids[i]))
      add_pending (gov, ids[i]);
}

static void
read_events (struct governor *gov)
{
  char buf[16384] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t len;

  while ((len = read (gov->inotify_fd, buf, sizeof buf)) > 0)
    for (char *p = buf; p < buf + len;)
      {
        const struct inotify_event *ev = (const struct inotify_event *) p;
        if (ev->mask & IN_Q_OVERFLOW)
          rescan (gov);
        if (ev->len && (ev->mask & IN_ISDIR))
          {
            if (ev->mask & (IN_CREATE | IN_MOVED_TO))
              add_pending (gov, ev->name);
            else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
              forget (gov, ev->name);
          }
        p += sizeof *ev + ev->len;
      }
}

/* A governor killed while it wrote its status leaves the temporary file: remove it. */
static void
remove_stale_status (const char *root)
{
  cleanup_dir DIR *d = opendir (root);
  struct dirent *de;

  while (d && (de = readdir (d)))
    if (strncmp (de->d_name, GOVERNOR_STATUS_FILE ".tmp.", strlen (GOVERNOR_STATUS_FILE ".tmp.")) == 0)
      unlinkat (dirfd (d), de->d_name, 0);
}

static int
governor_open (struct governor *gov, zerr **err)
{
  cleanup_free char *lock = NULL;
  cleanup_strv char **ids = NULL;
  int ret;

  if ((ret = mkdir_p (gov->rt->root, 0700, err)) < 0)
    return ret;
  if (asprintf (&lock, "%s/" GOVERNOR_STATUS_FILE ".lock", gov->rt->root) < 0)
    abort ();
  gov->lock_fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (gov->lock_fd < 0)
    return zerr_sys (err, "open `%s`", lock);
  if (flock (gov->lock_fd, LOCK_EX | LOCK_NB) < 0)
    return zerr_set (err, EBUSY, "a governor runs already for `%s`", gov->rt->root);
  /* Watch before listing, so that no zone made in between is missed. */
  gov->inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (gov->inotify_fd < 0
      || inotify_add_watch (gov->inotify_fd, gov->rt->root, IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
             < 0)
    return zerr_sys (err, "watch `%s`", gov->rt->root);
  remove_stale_status (gov->rt->root);
  if ((ret = store_list (gov->rt->root, &ids, err)) < 0)
    return ret;
  for (size_t i = 0; ids[i]; i++)
    add_pending (gov, ids[i]);
  load_pending (gov);
  return 0;
}

static void
governor_close (struct governor *gov)
{
  for (size_t i = 0; i < gov->n; i++)
    zone_release (&gov->z[i]);
  for (size_t i = 0; i < gov->ng; i++)
    {
      cleanup_closep (&gov->g[i].fd);
      free (gov->g[i].dir);
    }
  for (size_t i = 0; i < gov->npending; i++)
    free (gov->pending[i]);
  free (gov->z);
  free (gov->g);
  free (gov->pending);
  cleanup_closep (&gov->inotify_fd);
  cleanup_closep (&gov->lock_fd);
  cleanup_closep (&gov->root_fd);
}

/* One read of a zone's counter: its use since the last read, and its burst budget for that time.
   False when its cgroup is gone. */
static bool
read_zone (struct gzone *z, uint64_t now, uint64_t *delta)
{
  uint64_t ns;
  double dt;

  if (cpu_usage_read (z->f.usage_fd, z->f.v2, &ns) < 0)
    return false;
  dt = (double) (now - z->read_at) / 1e9;
  *delta = ns > z->usage_ns ? ns - z->usage_ns : 0;
  z->usage = dt > 0 ? (double) *delta / 1e9 / dt : 0;
  z->usage_ns = ns;
  z->read_at = now;
  z->read_now = true;
  z->idle_reads = z->usage < IDLE_CORES ? z->idle_reads + 1 : 0;
  cpu_burst_step (&z->burst, &z->policy, z->usage, dt);
  return true;
}

static bool
is_idle (const struct gzone *z)
{
  return z->idle_reads >= IDLE_READS;
}

/* How often an idle zone is read: rarely when its parent's counter is watched (a wake shows
   there within a tick), more often when it is not. The reads are most of the governor's cost. */
static unsigned long
slow_round (const struct governor *gov, const struct gzone *z)
{
  const struct ggroup *g = &gov->g[z->group];
  return g->fd >= 0 && gov->tick >= g->quiet_until ? SLOW_WATCHED : SLOW_EVERY;
}

/* Read the zones due this tick (all of them with all), then wake the idle zones of any group whose
   parent used more than its read zones did. */
static void
sample (struct governor *gov, bool all, double dt)
{
  uint64_t now = now_ns ();
  double *seen = xmalloc0 ((gov->ng + 1) * sizeof (double));

  for (size_t i = 0; i < gov->n;)
    {
      struct gzone *z = &gov->z[i];
      uint64_t delta = 0;
      z->read_now = false;
      if ((all || !is_idle (z) || (gov->tick + i) % slow_round (gov, z) == 0) && !read_zone (z, now, &delta))
        {
          drop_zone (gov, i);
          continue;
        }
      seen[z->group] += (double) delta;
      i++;
    }
  for (size_t k = 0; k < gov->ng; k++)
    {
      struct ggroup *g = &gov->g[k];
      uint64_t ns;
      double unaccounted;
      if (g->fd < 0 || cpu_usage_read (g->fd, g->v2, &ns) < 0)
        continue;
      unaccounted = (double) (ns > g->usage_ns ? ns - g->usage_ns : 0) - seen[k];
      g->usage_ns = ns;
      if (all || gov->tick < g->quiet_until || unaccounted < WAKE_CORES * dt * 1e9)
        continue;
      zone_debug (gov->rt, "governor: %s used %.3f cores more than its zones read: reading its idle zones",
                  g->dir, unaccounted / 1e9 / dt);
      for (size_t i = 0; i < gov->n; i++)
        {
          uint64_t delta = 0;
          if (gov->z[i].group == k && !gov->z[i].read_now && read_zone (&gov->z[i], now, &delta))
            unaccounted -= (double) delta;
        }
      /* Still unexplained: the parent has users other than zones; its idle zones are read on the
         slow round only, for a while. */
      if (unaccounted >= WAKE_CORES * dt * 1e9)
        {
          g->quiet_until = gov->tick + QUIET_TICKS;
          zone_debug (gov->rt, "governor: %s has users other than its zones (%.3f cores): slow round only for %d ticks",
                      g->dir, unaccounted / 1e9 / dt, QUIET_TICKS);
        }
    }
  free (seen);
}

/* Whether the host's CPUs were nearly all busy since the last tick, with zones or anything else:
   then a zone below its ceiling may be held back by the others, not by its ceiling. Read from the
   root cgroup's usage counter, which costs a fraction of /proc/stat. */
static bool
host_full (struct governor *gov)
{
  uint64_t ns, t = now_ns ();
  bool full;

  if (gov->root_fd < 0 || cpu_usage_read (gov->root_fd, gov->root_v2, &ns) < 0)
    return false;
  full = t > gov->root_at && (double) (ns - gov->root_ns) >= 0.9 * gov->host * (double) (t - gov->root_at);
  gov->root_ns = ns;
  gov->root_at = t;
  return full;
}

/* Allocate the host among the zones and write the ceilings and weights that changed. The
   kernel's weights follow each running zone's fair share (what it would get if every running
   zone wanted all it may have), so that zones meeting on one CPU share it as the governor means:
   by weight, with reservations first. */
static void
allocate_and_apply (struct governor *gov)
{
  /* Only running zones take part: an idle zone wants nothing, and its ceiling is left as it is
     until it runs again (within a tick of waking, it is in here). This keeps a tick's work to
     the zones that run, however many there are. */
  struct cpu_alloc_zone *in = xmalloc0 ((gov->n + 1) * sizeof *in);
  size_t *at = xmalloc0 ((gov->n + 1) * sizeof (size_t)), m = 0;
  double *ceiling = xmalloc0 ((gov->n + 1) * 2 * sizeof (double)), *fair = ceiling + gov->n + 1;
  bool full = host_full (gov);

  for (size_t i = 0; i < gov->n; i++)
    {
      struct gzone *z = &gov->z[i];
      double bound = cpu_bound (&z->policy, &z->burst, gov->host);
      z->demand = z->idle_reads ? 0 : cpu_demand (z->usage, z->ceiling > 0 ? z->ceiling : gov->host, bound, full);
      z->alloc = bound;
      if (z->idle_reads == 0)
        {
          in[m] = (struct cpu_alloc_zone) { z->demand, z->policy.weight, z->policy.reserve, bound, true };
          at[m++] = i;
        }
    }
  cpu_allocate (in, m, gov->host, ceiling);
  for (size_t k = 0; k < m; k++)
    in[k].demand = in[k].bound;
  cpu_allocate (in, m, gov->host, fair);
  for (size_t k = 0; k < m; k++)
    {
      struct gzone *z = &gov->z[at[k]];
      double want = ceiling[k] >= gov->host - 1e-6 ? 0 : ceiling[k];
      unsigned long w = cpu_weight_for (fair[k], z->f.v2);
      z->alloc = ceiling[k];
      if ((want == 0) != (z->ceiling == 0) || fabs (want - z->ceiling) > 0.01 + 0.02 * z->ceiling)
        if (cpu_files_set_quota (&z->f, want) == 0)
          z->ceiling = want;
      if (z->weight == 0 || fabs ((double) w - (double) z->weight) > 0.1 * (double) z->weight)
        if (cpu_files_set_weight (&z->f, w) == 0)
          z->weight = w;
    }
  free (in);
  free (at);
  free (ceiling);
}

static void
write_status (struct governor *gov)
{
  struct strbuf sb = { 0 };
  cleanup_free char *path = NULL;

  if (asprintf (&path, "%s/" GOVERNOR_STATUS_FILE, gov->rt->root) < 0)
    abort ();
  strbuf_append (&sb, "");
  for (size_t i = 0; i < gov->n; i++)
    strbuf_appendf (&sb, "%s\t%.3f\t%.3f\n", gov->z[i].id, gov->z[i].usage, gov->z[i].ceiling);
  write_file_atomic (path, sb.buf, sb.len, 0644, NULL);
  free (sb.buf);
}

static void
report (struct governor *gov, const struct governor_opts *o)
{
  FILE *out = o->out ? o->out : stdout;

  if (o->json)
    {
      struct strbuf sb = { 0 };
      strbuf_appendf (&sb, "{\"host\": %g, \"intervalMs\": %ld, \"zones\": [", gov->host, o->interval_ms);
      for (size_t i = 0; i < gov->n; i++)
        {
          const struct gzone *z = &gov->z[i];
          strbuf_append (&sb, i ? ", {\"id\": " : "{\"id\": ");
          strbuf_append_json_string (&sb, z->id);
          strbuf_appendf (&sb, ", \"usage\": %.3f, \"demand\": %.3f, \"allocation\": %.3f, \"quota\": %.3f, "
                               "\"weight\": %g, \"cap\": %g, \"reserve\": %g, \"baseline\": %g, "
                               "\"burst\": {\"budget\": %.2f, \"cooling\": %s, \"cooldownLeft\": %.2f}}",
                          z->usage, z->demand, z->alloc, z->ceiling, z->policy.weight, z->policy.cap,
                          z->policy.reserve, z->policy.baseline, z->burst.budget,
                          cpu_burst_cooling (&z->burst) ? "true" : "false", z->burst.cooldown_left);
        }
      strbuf_append (&sb, "]}\n");
      fputs (sb.buf, out);
      free (sb.buf);
      return;
    }
  fprintf (out, "%-20s %7s %7s %7s %7s %s\n", "ID", "USAGE", "DEMAND", "ALLOC", "QUOTA", "BURST");
  for (size_t i = 0; i < gov->n; i++)
    {
      const struct gzone *z = &gov->z[i];
      char burst[48] = "-";
      if (z->policy.baseline > 0)
        snprintf (burst, sizeof burst, cpu_burst_cooling (&z->burst) ? "cooldown %.1fs" : "budget %.1fs",
                  cpu_burst_cooling (&z->burst) ? z->burst.cooldown_left : z->burst.budget);
      fprintf (out, "%-20s %7.3f %7.3f %7.3f %7.3f %s\n", z->id, z->usage, z->demand, z->alloc, z->ceiling, burst);
    }
}

static void
wait_until (struct governor *gov, uint64_t deadline)
{
  for (;;)
    {
      uint64_t now = now_ns ();
      struct pollfd p = { .fd = gov->inotify_fd, .events = POLLIN };
      if (now >= deadline)
        return;
      if (poll (&p, 1, (int) ((deadline - now + 999999) / 1000000)) > 0)
        read_events (gov);
    }
}

int
zone_governor (const struct zone_runtime *rt, const struct governor_opts *o, zerr **err)
{
  struct governor gov = { .rt = rt, .host = cpu_host_cores (), .inotify_fd = -1, .lock_fd = -1, .root_fd = -1 };
  long interval = o->interval_ms > 0 ? o->interval_ms : 100;
  double dt = (double) interval / 1000;
  uint64_t next;
  int ret;

  if (cgroup_host_version ("cpu") == 0)
    return zerr_set (err, ENOTSUP, "governor: the cpu cgroup controller is not available to zone here");
  gov.root_v2 = cgroup_host_version ("cpuacct") == 0;
  gov.root_fd = cpu_usage_open (gov.root_v2 ? CGROUP_ROOT : CGROUP_ROOT "/cpuacct", gov.root_v2);
  if (gov.root_fd < 0 && !gov.root_v2)
    gov.root_fd = cpu_usage_open (CGROUP_ROOT "/cpu,cpuacct", false);
  host_full (&gov);
  if ((ret = governor_open (&gov, err)) < 0)
    {
      governor_close (&gov);
      return ret;
    }
  next = now_ns () + (uint64_t) interval * 1000000;
  for (;;)
    {
      wait_until (&gov, next);
      next += (uint64_t) interval * 1000000;
      gov.tick++;
      load_pending (&gov);
      sample (&gov, o->once, dt);
      allocate_and_apply (&gov);
      if (o->once)
        break;
      if (gov.tick % STATUS_TICKS == 0)
        write_status (&gov);
    }
  report (&gov, o);
  governor_close (&gov);
  return 0;
}

struct view_entry
{
  const char *id;
  double usage, ceiling;
};

static int
cmp_entry (const void *a, const void *b)
{
  return strcmp (((const struct view_entry *) a)->id, ((const struct view_entry *) b)->id);
}

int
governor_view_load (const char *root, struct governor_view *v)
{
  cleanup_free char *path = NULL;
  struct view_entry *e = NULL;
  char *save = NULL;
  struct stat st;
  size_t n = 0;

  *v = (struct governor_view) { 0 };
  if (asprintf (&path, "%s/" GOVERNOR_STATUS_FILE, root) < 0)
    abort ();
  /* A governor that stopped saying anything is not there any more. */
  if (stat (path, &st) < 0 || time (NULL) - st.st_mtime > 5 || read_file_at (AT_FDCWD, path, &v->text, NULL, NULL) < 0)
    return -ENOENT;
  for (char *line = strtok_r (v->text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *tab = strchr (line, '\t');
      struct view_entry x;
      if (tab == NULL)
        continue;
      *tab = '\0';
      x.id = line;
      if (sscanf (tab + 1, "%lf\t%lf", &x.usage, &x.ceiling) != 2)
        continue;
      e = realloc (e, (n + 1) * sizeof *e);
      if (e == NULL)
        abort ();
      e[n++] = x;
    }
  qsort (e, n, sizeof *e, cmp_entry);
  v->entries = e;
  v->n = n;
  return 0;
}

bool
governor_view_find (const struct governor_view *v, const char *id, double *usage, double *ceiling)
{
  struct view_entry key = { .id = id }, *found;

  if (v->n == 0)
    return false;
  found = bsearch (&key, v->entries, v->n, sizeof key, cmp_entry);
  if (found == NULL)
    return false;
  *usage = found->usage;
  *ceiling = found->ceiling;
  return true;
}

void
governor_view_free (struct governor_view *v)
{
  free (v->entries);
  free (v->text);
  *v = (struct governor_view) { 0 };
}
