#define _GNU_SOURCE
#include "writes.h"
#include "../spec/json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t
cgroup_shares_to_weight (uint64_t shares)
{
  if (shares < 2)
    return 0;
  if (shares > 262144)
    shares = 262144;
  /* [2, 262144] onto [1, 10000], as runc and crun map them. */
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cgroup_weight_to_shares (uint64_t weight)
{
  if (weight < 1)
    return 0;
  if (weight > 10000)
    weight = 10000;
  return 2 + ((weight - 1) * 262142) / 9999;
}

uint64_t
cgroup_blkio_to_io_weight (uint64_t w)
{
  if (w < 10)
    return 0;
  /* [10, 1000] onto [1, 10000]. */
  return 1 + ((w - 10) * 9999) / 990;
}

int
cgroup_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out)
{
  if (swap == -1)
    {
      *out = -1;
      return 0;
    }
  if (limit < 0 || swap < limit)
    return -EINVAL;
  *out = swap - limit;
  return 0;
}

struct gen
{
  struct cgroup_writes *out;
  cgroup_version_fn version;
  void *data;
  const char *base;
  zerr **err;
};

static void __attribute__ ((format (printf, 5, 6)))
add (struct gen *g, const char *ctrl, int version, const char *file, const char *fmt, ...)
{
  struct cgroup_write *w;
  va_list ap;

  g->out->w = realloc (g->out->w, (g->out->n + 1) * sizeof *g->out->w);
  if (g->out->w == NULL)
    abort ();
  w = &g->out->w[g->out->n++];
  w->controller = ctrl;
  w->version = version;
  w->file = xstrdup (file);
  va_start (ap, fmt);
  if (vasprintf (&w->value, fmt, ap) < 0)
    abort ();
  va_end (ap);
}

static int
fail (struct gen *g, const char *key, const char *what)
{
  cleanup_free char *p = json_path_join (g->base, key);
  return zerr_set (g->err, ENOTSUP, "config.json: %s: %s", p, what);
}

/* The version hosting ctrl; 0 with an error naming key when the host lacks it. */
static int
need (struct gen *g, const char *ctrl, const char *key)
{
  int v = g->version (ctrl, g->data);
  if (v == 0)
    {
      char what[128];
      snprintf (what, sizeof what, "the %s cgroup controller is not available on this host", ctrl);
      fail (g, key, what);
    }
  return v;
}

/* "max" for the values that mean no limit. */
static void
limit_value (char *buf, size_t size, int64_t v)
{
  if (v < 0)
    snprintf (buf, size, "max");
  else
    snprintf (buf, size, "%lld", (long long) v);
}

static int
gen_cpu (struct gen *g, const struct zone_resources *r, int64_t weight)
{
  bool any = weight > 0 || r->cpu_shares.set || r->cpu_quota.set || r->cpu_period.set || r->cpu_burst.set
             || r->cpu_idle.set || r->cpu_rt_runtime.set || r->cpu_rt_period.set;
  int v;

  if (!any)
    return 0;
  if ((v = need (g, "cpu", "cpu")) == 0)
    return -ENOTSUP;
  if (v == 1)
    {
      if (weight > 0)
        add (g, "cpu", 1, "cpu.shares", "%llu", (unsigned long long) cgroup_weight_to_shares ((uint64_t) weight));
      else if (r->cpu_shares.set)
        add (g, "cpu", 1, "cpu.shares", "%lld", (long long) r->cpu_shares.v);
      /* The period first: a quota is checked against it. */
      if (r->cpu_period.set)
        add (g, "cpu", 1, "cpu.cfs_period_us", "%lld", (long long) r->cpu_period.v);
      if (r->cpu_quota.set)
        add (g, "cpu", 1, "cpu.cfs_quota_us", "%lld", (long long) (r->cpu_quota.v > 0 ? r->cpu_quota.v : -1));
      if (r->cpu_burst.set)
        add (g, "cpu", 1, "cpu.cfs_burst_us", "%lld", (long long) r->cpu_burst.v);
      if (r->cpu_rt_period.set)
        add (g, "cpu", 1, "cpu.rt_period_us", "%lld", (long long) r->cpu_rt_period.v);
      if (r->cpu_rt_runtime.set)
        add (g, "cpu", 1, "cpu.rt_runtime_us", "%lld", (long long) r->cpu_rt_runtime.v);
      if (r->cpu_idle.set)
        add (g, "cpu", 1, "cpu.idle", "%lld", (long long) r->cpu_idle.v);
      return 0;
    }
  if (r->cpu_rt_runtime.set || r->cpu_rt_period.set)
    return fail (g, "cpu.realtimeRuntime", "realtime scheduling needs cgroup v1; this host's cpu controller is v2");
  if (weight > 0)
    add (g, "cpu", 2, "cpu.weight", "%lld", (long long) weight);
  else if (r->cpu_shares.set)
    add (g, "cpu", 2, "cpu.weight", "%llu", (unsigned long long) cgroup_shares_to_weight ((uint64_t) r->cpu_shares.v));
  if (r->cpu_quota.set || r->cpu_period.set)
    {
      char quota[32] = "max";
      if (r->cpu_quota.set && r->cpu_quota.v > 0)
        snprintf (quota, sizeof quota, "%lld", (long long) r->cpu_quota.v);
      if (r->cpu_period.set)
        add (g, "cpu", 2, "cpu.max", "%s %lld", quota, (long long) r->cpu_period.v);
      else
        add (g, "cpu", 2, "cpu.max", "%s", quota);
    }
  if (r->cpu_burst.set)
    add (g, "cpu", 2, "cpu.max.burst", "%lld", (long long) r->cpu_burst.v);
  if (r->cpu_idle.set)
    add (g, "cpu", 2, "cpu.idle", "%lld", (long long) r->cpu_idle.v);
  return 0;
}

static int
gen_cpuset (struct gen *g, const struct zone_resources *r)
{
  int v;
  if (r->cpus == NULL && r->mems == NULL)
    return 0;
  if ((v = need (g, "cpuset", r->cpus ? "cpu.cpus" : "cpu.mems")) == 0)
    return -ENOTSUP;
  if (r->cpus)
    add (g, "cpuset", v, "cpuset.cpus", "%s", r->cpus);
  if (r->mems)
    add (g, "cpuset", v, "cpuset.mems", "%s", r->mems);
  return 0;
}

static int
gen_memory (struct gen *g, const struct zone_resources *r)
{
  char buf[32];
  int v;

  if (!r->mem_limit.set && !r->mem_reservation.set && !r->mem_swap.set && !r->mem_swappiness.set
      && !r->disable_oom_killer)
    return 0;
  if ((v = need (g, "memory", "memory")) == 0)
    return -ENOTSUP;
  if (v == 1)
    {
      if (r->mem_limit.set)
        add (g, "memory", 1, "memory.limit_in_bytes", "%lld", (long long) (r->mem_limit.v < 0 ? -1 : r->mem_limit.v));
      if (r->mem_reservation.set)
        add (g, "memory", 1, "memory.soft_limit_in_bytes", "%lld",
             (long long) (r->mem_reservation.v < 0 ? -1 : r->mem_reservation.v));
      if (r->mem_swap.set && r->mem_swap.v != 0)
        add (g, "memory", 1, "memory.memsw.limit_in_bytes", "%lld", (long long) (r->mem_swap.v < 0 ? -1 : r->mem_swap.v));
      /* No memory limit and nothing said of swap: no memory + swap limit either, as runc does. */
      else if (r->mem_limit.set && r->mem_limit.v < 0 && !r->mem_swap.set && g->version ("memory", g->data) == 1)
        add (g, "memory", 1, "memory.memsw.limit_in_bytes", "-1");
      if (r->mem_swappiness.set)
        add (g, "memory", 1, "memory.swappiness", "%lld", (long long) r->mem_swappiness.v);
      if (r->disable_oom_killer)
        add (g, "memory", 1, "memory.oom_control", "1");
      return 0;
    }
  if (r->mem_swappiness.set)
    return fail (g, "memory.swappiness", "cgroup v2 has no swappiness");
  if (r->mem_limit.set)
    {
      limit_value (buf, sizeof buf, r->mem_limit.v);
      add (g, "memory", 2, "memory.max", "%s", buf);
    }
  if (r->mem_reservation.set)
    {
      limit_value (buf, sizeof buf, r->mem_reservation.v);
      add (g, "memory", 2, "memory.low", "%s", buf);
    }
  if (r->mem_swap.set && r->mem_swap.v != 0)
    {
      int64_t swap;
      if (cgroup_swap_to_v2 (r->mem_swap.v, r->mem_limit.set ? r->mem_limit.v : -1, &swap) < 0)
        return fail (g, "memory.swap", "on cgroup v2 it needs memory.limit, and must be at least that (memory + swap)");
      limit_value (buf, sizeof buf, swap);
      add (g, "memory", 2, "memory.swap.max", "%s", buf);
    }
  /* disableOOMKiller has no v2 file: the kernel always may kill; ignored as runc does. */
  return 0;
}

static int
gen_pids (struct gen *g, const struct zone_resources *r)
{
  char buf[32];
  int v;
  if (!r->pids_limit.set)
    return 0;
  if ((v = need (g, "pids", "pids.limit")) == 0)
    return -ENOTSUP;
  /* runtime-spec 1.3 (and runc 1.4): 0 is a limit of 0, a negative value is no limit. */
  limit_value (buf, sizeof buf, r->pids_limit.v);
  add (g, "pids", v, "pids.max", "%s", buf);
  return 0;
}

static int
gen_blkio (struct gen *g, const struct zone_resources *r)
{
  static const char *const v1_files[THROTTLE_KINDS]
      = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
          "blkio.throttle.write_iops_device" };
  static const char *const v2_keys[THROTTLE_KINDS] = { "rbps", "wbps", "riops", "wiops" };
  bool any = r->blkio_weight.set || r->blkio_leaf_weight.set || r->n_weight_devices;
  int v;

  for (int k = 0; k < THROTTLE_KINDS; k++)
    any = any || r->n_throttle[k];
  if (!any)
    return 0;
  /* v1 calls the controller blkio, v2 io. */
  if ((v = g->version ("blkio", g->data)) == 0 && (v = need (g, "io", "blockIO")) == 0)
    return -ENOTSUP;
  if (v == 1)
    {
      if (r->blkio_weight.set)
        add (g, "blkio", 1, "blkio.weight", "%lld", (long long) r->blkio_weight.v);
      if (r->blkio_leaf_weight.set)
        add (g, "blkio", 1, "blkio.leaf_weight", "%lld", (long long) r->blkio_leaf_weight.v);
      for (size_t i = 0; i < r->n_weight_devices; i++)
        {
          const struct zone_weight_device *d = &r->weight_devices[i];
          if (d->weight.set)
            add (g, "blkio", 1, "blkio.weight_device", "%lld:%lld %lld", (long long) d->major, (long long) d->minor,
                 (long long) d->weight.v);
          if (d->leaf_weight.set)
            add (g, "blkio", 1, "blkio.leaf_weight_device", "%lld:%lld %lld", (long long) d->major,
                 (long long) d->minor, (long long) d->leaf_weight.v);
        }
      for (int k = 0; k < THROTTLE_KINDS; k++)
        for (size_t i = 0; i < r->n_throttle[k]; i++)
          add (g, "blkio", 1, v1_files[k], "%lld:%lld %llu", (long long) r->throttle[k][i].major,
               (long long) r->throttle[k][i].minor, (unsigned long long) r->throttle[k][i].rate);
      return 0;
    }
  if (r->blkio_leaf_weight.set)
    return fail (g, "blockIO.leafWeight", "cgroup v2 has no leaf weight");
  if (r->blkio_weight.set)
    add (g, "io", 2, "io.weight", "default %llu",
         (unsigned long long) cgroup_blkio_to_io_weight ((uint64_t) r->blkio_weight.v));
  for (size_t i = 0; i < r->n_weight_devices; i++)
    {
      const struct zone_weight_device *d = &r->weight_devices[i];
      if (d->weight.set)
        add (g, "io", 2, "io.weight", "%lld:%lld %llu", (long long) d->major, (long long) d->minor,
             (unsigned long long) cgroup_blkio_to_io_weight ((uint64_t) d->weight.v));
    }
  for (int k = 0; k < THROTTLE_KINDS; k++)
    for (size_t i = 0; i < r->n_throttle[k]; i++)
      add (g, "io", 2, "io.max", "%lld:%lld %s=%llu", (long long) r->throttle[k][i].major,
           (long long) r->throttle[k][i].minor, v2_keys[k], (unsigned long long) r->throttle[k][i].rate);
  return 0;
}

static int
gen_hugetlb (struct gen *g, const struct zone_resources *r)
{
  int v;
  if (r->n_hugepages == 0)
    return 0;
  if ((v = need (g, "hugetlb", "hugepageLimits")) == 0)
    return -ENOTSUP;
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      cleanup_free char *file = NULL;
      const char *size = r->hugepages[i].name;
      /* A page size is a number and a unit ("2MB", "1GB"): nothing that could leave the cgroup. */
      if (strspn (size, "0123456789") == 0 || strchr (size, '/') || strchr (size, '.'))
        return fail (g, "hugepageLimits", "pageSize must look like 2MB or 1GB");
      if (asprintf (&file, v == 1 ? "hugetlb.%s.limit_in_bytes" : "hugetlb.%s.max", size) < 0)
        abort ();
      add (g, "hugetlb", v, file, "%s", r->hugepages[i].value);
    }
  return 0;
}

/* Device nodes every zone gets (rootfs/devices.c makes them). */
static const struct zone_device_rule default_allowed[] = {
  { true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },   { true, 'c', 1, 3, "rwm" },   { true, 'c', 1, 5, "rwm" },
  { true, 'c', 1, 7, "rwm" },  { true, 'c', 1, 8, "rwm" },   { true, 'c', 1, 9, "rwm" },   { true, 'c', 5, 0, "rwm" },
  { true, 'c', 5, 2, "rwm" },  { true, 'c', 136, -1, "rwm" },
};

const struct zone_device_rule *
cgroup_default_device_rules (size_t *n)
{
  *n = sizeof default_allowed / sizeof default_allowed[0];
  return default_allowed;
}

/* The config's rules usually begin by denying everything: the default devices go right after the
   last such rule (so that it cannot take them away), and before the rules that follow it (so
   that those still can). */
struct zone_device_rule *
cgroup_effective_device_rules (const struct zone_device_rule *rules, size_t n, size_t *out_n)
{
  const size_t nd = sizeof default_allowed / sizeof default_allowed[0];
  struct zone_device_rule *out = xmalloc0 ((n + nd + 1) * sizeof *out);
  size_t at = 0, k = 0;

  for (size_t i = 0; i < n; i++)
    if (!rules[i].allow && rules[i].type == 'a')
      at = i + 1;
  for (size_t i = 0; i < at; i++)
    out[k++] = rules[i];
  for (size_t i = 0; i < nd; i++)
    out[k++] = default_allowed[i];
  for (size_t i = at; i < n; i++)
    out[k++] = rules[i];
  *out_n = k;
  return out;
}

static void
device_rule_text (char *buf, size_t size, const struct zone_device_rule *d)
{
  char major[24] = "*", minor[24] = "*";
  if (d->type == 'a')
    {
      snprintf (buf, size, "a");
      return;
    }
  if (d->major >= 0)
    snprintf (major, sizeof major, "%lld", (long long) d->major);
  if (d->minor >= 0)
    snprintf (minor, sizeof minor, "%lld", (long long) d->minor);
  snprintf (buf, size, "%c %s:%s %s", d->type, major, minor, d->access);
}

static int
gen_devices (struct gen *g, const struct zone_resources *r)
{
  const struct zone_device_rule deny_all = { false, 'a', -1, -1, "rwm" };
  char buf[96];
  int v;

  if (r->devices == NULL)
    return 0;
  /* v2 has no devices controller: a v2 hierarchy is enough for the eBPF filter. */
  if ((v = g->version ("devices", g->data)) == 0 && g->version ("", g->data) == 2)
    v = 2;
  if (v == 0)
    {
      need (g, "devices", "devices");
      return -ENOTSUP;
    }
  if (v == 2)
    {
      /* On v2 the rules become an eBPF program (cgroups/devices_bpf.c): one pseudo-write
         carries nothing; the driver attaches the program built from r->devices. */
      add (g, "devices", 2, "", "%s", "");
      return 0;
    }
  /* Nothing is allowed but what the rules allow: start from a clean deny-all. */
  device_rule_text (buf, sizeof buf, &deny_all);
  add (g, "devices", 1, "devices.deny", "%s", buf);
  {
    size_t n = 0;
    cleanup_free struct zone_device_rule *rules = cgroup_effective_device_rules (r->devices, r->n_devices, &n);
    for (size_t i = 0; i < n; i++)
      {
        device_rule_text (buf, sizeof buf, &rules[i]);
        add (g, "devices", 1, rules[i].allow ? "devices.allow" : "devices.deny", "%s", buf);
      }
  }
  return 0;
}

static int
gen_network (struct gen *g, const struct zone_resources *r)
{
  if (r->net_class_id.set)
    {
      int v = need (g, "net_cls", "network.classID");
      if (v == 0)
        return -ENOTSUP;
      if (v == 2)
        return fail (g, "network.classID", "net_cls exists on cgroup v1 only");
      add (g, "net_cls", 1, "net_cls.classid", "%lld", (long long) r->net_class_id.v);
    }
  for (size_t i = 0; i < r->n_net_priorities; i++)
    {
      int v = need (g, "net_prio", "network.priorities");
      if (v == 0)
        return -ENOTSUP;
      if (v == 2)
        return fail (g, "network.priorities", "net_prio exists on cgroup v1 only");
      add (g, "net_prio", 1, "net_prio.ifpriomap", "%s %s", r->net_priorities[i].name, r->net_priorities[i].value);
    }
  return 0;
}

static int
gen_rdma_unified (struct gen *g, const struct zone_resources *r)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      int v = need (g, "rdma", "rdma");
      if (v == 0)
        return -ENOTSUP;
      add (g, "rdma", v, "rdma.max", "%s %s", r->rdma[i].name, r->rdma[i].value);
    }
  for (size_t i = 0; i < r->n_unified; i++)
    {
      /* The controller is the file's prefix ("memory.high" -> memory); cgroup.* files have none. */
      const char *name = r->unified[i].name, *dot = strchr (name, '.');
      cleanup_free char *ctrl = dot ? strndup (name, (size_t) (dot - name)) : xstrdup (name);
      const char *known[] = { "cpu", "cpuset", "memory", "pids", "io", "hugetlb", "rdma", "misc", NULL };
      const char *controller = NULL;
      for (size_t k = 0; known[k]; k++)
        if (strcmp (known[k], ctrl) == 0)
          controller = known[k];
      if (controller == NULL && strcmp (ctrl, "cgroup") != 0)
        return fail (g, "unified", "a file of an unknown controller");
      if (controller ? g->version (controller, g->data) != 2 : g->version ("", g->data) != 2)
        return fail (g, "unified", controller ? "its controller is not on cgroup v2 on this host"
                                              : "needs cgroup v2; this host's controllers are on v1");
      add (g, controller, 2, name, "%s", r->unified[i].value);
    }
  return 0;
}

int
cgroup_resource_writes (const struct zone_resources *r, int64_t cpu_weight, cgroup_version_fn version, void *data,
                        const char *base, struct cgroup_writes *out, zerr **err)
{
  struct gen g = { .out = out, .version = version, .data = data, .base = base, .err = err };
  static const struct zone_resources none = { 0 };
  int ret;

  out->w = NULL;
  out->n = 0;
  if (r == NULL)
    r = &none;
  if ((ret = gen_cpu (&g, r, cpu_weight)) < 0 || (ret = gen_cpuset (&g, r)) < 0 || (ret = gen_memory (&g, r)) < 0
      || (ret = gen_pids (&g, r)) < 0 || (ret = gen_blkio (&g, r)) < 0 || (ret = gen_hugetlb (&g, r)) < 0
      || (ret = gen_devices (&g, r)) < 0 || (ret = gen_network (&g, r)) < 0 || (ret = gen_rdma_unified (&g, r)) < 0)
    {
      cgroup_writes_free (out);
      return ret;
    }
  return 0;
}

void
cgroup_writes_free (struct cgroup_writes *w)
{
  for (size_t i = 0; i < w->n; i++)
    {
      free (w->w[i].file);
      free (w->w[i].value);
    }
  free (w->w);
  w->w = NULL;
  w->n = 0;
}
