#define _GNU_SOURCE
#include "resources.h"
#include "../spec/json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors read "FILE: PATH.key: what". */
struct ctx
{
  const char *file;
  zerr **err;
};

static int
bad (struct ctx *c, const char *path, const char *what)
{
  return zerr_set (c->err, EINVAL, "%s: %s: %s", c->file, path, what);
}

static int
bad_at (struct ctx *c, const char *path, const char *key, const char *what)
{
  cleanup_free char *p = json_path_join (path, key);
  return bad (c, p, what);
}

static int
opt (struct ctx *c, yajl_val obj, const char *path, const char *key, struct opt_i64 *out)
{
  return json_get_i64 (c->file, obj, path, key, false, &out->v, &out->set, c->err);
}

static int
check_min (struct ctx *c, const char *path, const char *key, int64_t min, const struct opt_i64 *v)
{
  if (v->set && v->v < min)
    {
      cleanup_free char *p = json_path_join (path, key);
      char what[64];
      snprintf (what, sizeof what, "must be at least %lld", (long long) min);
      return bad (c, p, what);
    }
  return 0;
}

/* A value that must be >= min when given. */
static int
opt_min (struct ctx *c, yajl_val obj, const char *path, const char *key, int64_t min, struct opt_i64 *out)
{
  int ret = opt (c, obj, path, key, out);
  return ret < 0 ? ret : check_min (c, path, key, min, out);
}

/* Where 0 means "not set", as runc reads it and as engines write it (dockerd sends cpu.shares 0
   and blockIO.weight 0 for a container that set neither, and sends them again on update). */
static int
opt_unset0 (struct ctx *c, yajl_val obj, const char *path, const char *key, int64_t min, struct opt_i64 *out)
{
  int ret = opt (c, obj, path, key, out);
  if (ret == 0 && out->set && out->v == 0)
    out->set = false;
  return ret < 0 ? ret : check_min (c, path, key, min, out);
}

/* The spec calls access "a composition of r, w and m": any order, a letter twice is the same
   letter (runc reads it so). Stored in the kernel's order; anything else is refused, where runc
   silently drops it (see docs/config.md). */
static int
device_access (const char *access, char out[4])
{
  static const char letters[] = "rwm";
  bool has[3] = { false, false, false };
  size_t n = 0;

  for (const char *a = access; *a; a++)
    {
      const char *at = strchr (letters, *a);
      if (at == NULL)
        return -EINVAL;
      has[at - letters] = true;
    }
  for (int k = 0; k < 3; k++)
    if (has[k])
      out[n++] = letters[k];
  out[n] = '\0';
  return 0;
}

static int
parse_devices (struct ctx *c, yajl_val res, const char *base, struct zone_resources *r)
{
  cleanup_free char *path = json_path_join (base, "devices");
  yajl_val arr = NULL;
  int ret = json_get_array (c->file, res, base, "devices", false, &arr, c->err);
  if (ret < 0 || arr == NULL)
    return ret;
  r->devices = xmalloc0 (arr->u.array.len * sizeof *r->devices);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *p = json_path_index (path, i);
      cleanup_free char *type = NULL, *access = NULL;
      yajl_val e = arr->u.array.values[i];
      struct zone_device_rule *d = &r->devices[i];
      struct opt_i64 major = { 0 }, minor = { 0 };
      bool allow = false, has_allow = false;

      if (!YAJL_IS_OBJECT (e))
        return bad (c, p, "must be an object");
      if ((ret = json_get_bool (c->file, e, p, "allow", &allow, &has_allow, c->err)) < 0)
        return ret;
      if (!has_allow)
        {
          cleanup_free char *pa = json_path_join (p, "allow");
          return bad (c, pa, "required but missing");
        }
      if ((ret = json_get_string (c->file, e, p, "type", false, &type, c->err)) < 0
          || (ret = json_get_string (c->file, e, p, "access", false, &access, c->err)) < 0
          || (ret = opt (c, e, p, "major", &major)) < 0 || (ret = opt (c, e, p, "minor", &minor)) < 0)
        return ret;
      d->allow = allow;
      d->type = type ? type[0] : 'a';
      if (type && (strlen (type) != 1 || strchr ("acb", type[0]) == NULL))
        {
          cleanup_free char *pt = json_path_join (p, "type");
          return bad (c, pt, "must be \"a\", \"c\" or \"b\"");
        }
      d->major = major.set ? major.v : -1;
      d->minor = minor.set ? minor.v : -1;
      if ((major.set && major.v < 0) || (minor.set && minor.v < 0))
        return bad (c, p, "major and minor must not be negative");
      if (access == NULL || *access == '\0')
        strcpy (d->access, "rwm");
      else if (device_access (access, d->access) < 0)
        {
          cleanup_free char *pa = json_path_join (p, "access");
          return bad (c, pa, "must be made of the letters r, w and m");
        }
      r->n_devices++;
    }
  return 0;
}

/* blockIO.weightDevice and the throttle lists: objects with major and minor. */
static int
device_numbers (struct ctx *c, yajl_val e, const char *p, int64_t *major, int64_t *minor)
{
  int ret;
  if (!YAJL_IS_OBJECT (e))
    return bad (c, p, "must be an object");
  if ((ret = json_get_i64 (c->file, e, p, "major", true, major, NULL, c->err)) < 0
      || (ret = json_get_i64 (c->file, e, p, "minor", true, minor, NULL, c->err)) < 0)
    return ret;
  if (*major < 0 || *minor < 0)
    return bad (c, p, "major and minor must not be negative");
  return 0;
}

static int
parse_blkio (struct ctx *c, yajl_val res, const char *base, struct zone_resources *r)
{
  static const char *const throttle_keys[THROTTLE_KINDS] = {
    "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"
  };
  cleanup_free char *path = json_path_join (base, "blockIO");
  yajl_val blk = NULL, wd = NULL;
  int ret = json_get_object (c->file, res, base, "blockIO", false, &blk, c->err);

  if (ret < 0 || blk == NULL)
    return ret;
  if ((ret = opt_unset0 (c, blk, path, "weight", 10, &r->blkio_weight)) < 0
      || (ret = opt_unset0 (c, blk, path, "leafWeight", 10, &r->blkio_leaf_weight)) < 0)
    return ret;
  if (r->blkio_weight.set && r->blkio_weight.v > 1000)
    return bad_at (c, path, "weight", "must be between 10 and 1000");
  if (r->blkio_leaf_weight.set && r->blkio_leaf_weight.v > 1000)
    return bad_at (c, path, "leafWeight", "must be between 10 and 1000");
  if ((ret = json_get_array (c->file, blk, path, "weightDevice", false, &wd, c->err)) < 0)
    return ret;
  if (wd)
    {
      cleanup_free char *wpath = json_path_join (path, "weightDevice");
      r->weight_devices = xmalloc0 (wd->u.array.len * sizeof *r->weight_devices);
      for (size_t i = 0; i < wd->u.array.len; i++)
        {
          cleanup_free char *p = json_path_index (wpath, i);
          struct zone_weight_device *d = &r->weight_devices[i];
          if ((ret = device_numbers (c, wd->u.array.values[i], p, &d->major, &d->minor)) < 0
              || (ret = opt_unset0 (c, wd->u.array.values[i], p, "weight", 10, &d->weight)) < 0
              || (ret = opt_unset0 (c, wd->u.array.values[i], p, "leafWeight", 10, &d->leaf_weight)) < 0)
            return ret;
          if ((d->weight.set && d->weight.v > 1000) || (d->leaf_weight.set && d->leaf_weight.v > 1000))
            return bad (c, p, "weights must be between 10 and 1000");
          r->n_weight_devices++;
        }
    }
  for (int k = 0; k < THROTTLE_KINDS; k++)
    {
      cleanup_free char *tpath = json_path_join (path, throttle_keys[k]);
      yajl_val arr = NULL;
      if ((ret = json_get_array (c->file, blk, path, throttle_keys[k], false, &arr, c->err)) < 0)
        return ret;
      if (arr == NULL)
        continue;
      r->throttle[k] = xmalloc0 (arr->u.array.len * sizeof (struct zone_throttle_device));
      for (size_t i = 0; i < arr->u.array.len; i++)
        {
          cleanup_free char *p = json_path_index (tpath, i);
          struct zone_throttle_device *d = &r->throttle[k][i];
          if ((ret = device_numbers (c, arr->u.array.values[i], p, &d->major, &d->minor)) < 0
              || (ret = json_get_u64 (c->file, arr->u.array.values[i], p, "rate", true, &d->rate, NULL, c->err)) < 0)
            return ret;
          r->n_throttle[k]++;
        }
    }
  return 0;
}

/* A list of objects with a string key and a number or string value, e.g. hugepageLimits. */
static int
parse_named_list (struct ctx *c, yajl_val parent, const char *base, const char *key, const char *name_key,
                  const char *value_key, struct zone_named_value **out, size_t *n)
{
  cleanup_free char *path = json_path_join (base, key);
  yajl_val arr = NULL;
  int ret = json_get_array (c->file, parent, base, key, false, &arr, c->err);
  if (ret < 0 || arr == NULL)
    return ret;
  *out = xmalloc0 (arr->u.array.len * sizeof **out);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *p = json_path_index (path, i);
      yajl_val e = arr->u.array.values[i];
      uint64_t v = 0;
      if (!YAJL_IS_OBJECT (e))
        return bad (c, p, "must be an object");
      if ((ret = json_get_string (c->file, e, p, name_key, true, &(*out)[i].name, c->err)) < 0)
        return ret;
      (*n)++;
      if ((ret = json_get_u64 (c->file, e, p, value_key, true, &v, NULL, c->err)) < 0)
        return ret;
      if (asprintf (&(*out)[i].value, "%llu", (unsigned long long) v) < 0)
        abort ();
    }
  return 0;
}

static int
parse_rdma (struct ctx *c, yajl_val res, const char *base, struct zone_resources *r)
{
  cleanup_free char *path = json_path_join (base, "rdma");
  yajl_val obj = NULL;
  int ret = json_get_object (c->file, res, base, "rdma", false, &obj, c->err);
  if (ret < 0 || obj == NULL)
    return ret;
  r->rdma = xmalloc0 (obj->u.object.len * sizeof *r->rdma);
  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      cleanup_free char *p = json_path_join (path, obj->u.object.keys[i]);
      yajl_val e = obj->u.object.values[i];
      struct opt_i64 handles = { 0 }, objects = { 0 };
      char buf[96] = "";
      if (!YAJL_IS_OBJECT (e))
        return bad (c, p, "must be an object");
      if ((ret = opt (c, e, p, "hcaHandles", &handles)) < 0 || (ret = opt (c, e, p, "hcaObjects", &objects)) < 0)
        return ret;
      if (handles.set)
        snprintf (buf, sizeof buf, "hca_handle=%lld", (long long) handles.v);
      if (objects.set)
        snprintf (buf + strlen (buf), sizeof buf - strlen (buf), "%shca_object=%lld", handles.set ? " " : "",
                  (long long) objects.v);
      r->rdma[r->n_rdma].name = xstrdup (obj->u.object.keys[i]);
      r->rdma[r->n_rdma++].value = xstrdup (buf);
    }
  return 0;
}

static int
parse_unified (struct ctx *c, yajl_val res, const char *base, struct zone_resources *r)
{
  cleanup_free char *path = json_path_join (base, "unified");
  yajl_val obj = NULL;
  int ret = json_get_object (c->file, res, base, "unified", false, &obj, c->err);
  if (ret < 0 || obj == NULL)
    return ret;
  r->unified = xmalloc0 (obj->u.object.len * sizeof *r->unified);
  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      const char *key = obj->u.object.keys[i];
      cleanup_free char *p = json_path_join (path, key);
      if (!YAJL_IS_STRING (obj->u.object.values[i]))
        return bad (c, p, "must be a string");
      /* A file of the zone's own cgroup: no way out of it. */
      if (strchr (key, '/') || key[0] == '.' || key[0] == '\0')
        return bad (c, p, "is not a cgroup file name");
      r->unified[r->n_unified].name = xstrdup (key);
      r->unified[r->n_unified++].value = xstrdup (obj->u.object.values[i]->u.string);
    }
  return 0;
}

int
zone_resources_parse (const char *file, const char *base, yajl_val res, struct zone_resources **out, zerr **err)
{
  cleanup_resources struct zone_resources *r = xmalloc0 (sizeof *r);
  struct ctx c = { .file = file, .err = err };
  yajl_val cpu = NULL, mem = NULL, pids = NULL, net = NULL;
  int ret;

  *out = NULL;
  if (res == NULL)
    return 0;
  if (!YAJL_IS_OBJECT (res))
    return bad (&c, base, "must be an object");
  if ((ret = json_get_object (file, res, base, "cpu", false, &cpu, err)) < 0)
    return ret;
  if (cpu)
    {
      cleanup_free char *p = json_path_join (base, "cpu");
      if ((ret = opt_unset0 (&c, cpu, p, "shares", 2, &r->cpu_shares)) < 0
          || (ret = opt_unset0 (&c, cpu, p, "quota", -1, &r->cpu_quota)) < 0
          || (ret = opt_unset0 (&c, cpu, p, "period", 1000, &r->cpu_period)) < 0
          || (ret = opt_min (&c, cpu, p, "burst", 0, &r->cpu_burst)) < 0
          || (ret = opt_unset0 (&c, cpu, p, "realtimeRuntime", INT64_MIN, &r->cpu_rt_runtime)) < 0
          || (ret = opt_unset0 (&c, cpu, p, "realtimePeriod", 1, &r->cpu_rt_period)) < 0
          || (ret = opt (&c, cpu, p, "idle", &r->cpu_idle)) < 0
          || (ret = json_get_string (file, cpu, p, "cpus", false, &r->cpus, err)) < 0
          || (ret = json_get_string (file, cpu, p, "mems", false, &r->mems, err)) < 0)
        return ret;
      /* An empty list is "not set" too (cpuset.cpus "" would leave the zone no cpu to run on). */
      if (r->cpus && r->cpus[0] == '\0')
        free (steal_pointer (&r->cpus));
      if (r->mems && r->mems[0] == '\0')
        free (steal_pointer (&r->mems));
      if (r->cpu_shares.set && r->cpu_shares.v > 262144)
        return bad_at (&c, p, "shares", "must be between 2 and 262144");
      if (r->cpu_idle.set && r->cpu_idle.v != 0 && r->cpu_idle.v != 1)
        return bad_at (&c, p, "idle", "must be 0 or 1");
    }
  if ((ret = json_get_object (file, res, base, "memory", false, &mem, err)) < 0)
    return ret;
  if (mem)
    {
      cleanup_free char *p = json_path_join (base, "memory");
      if ((ret = opt_unset0 (&c, mem, p, "limit", -1, &r->mem_limit)) < 0
          || (ret = opt_unset0 (&c, mem, p, "reservation", -1, &r->mem_reservation)) < 0
          || (ret = opt_unset0 (&c, mem, p, "swap", -1, &r->mem_swap)) < 0
          || (ret = opt_min (&c, mem, p, "swappiness", -1, &r->mem_swappiness)) < 0
          || (ret = json_get_bool (file, mem, p, "disableOOMKiller", &r->disable_oom_killer, NULL, err)) < 0
          || (ret = json_get_bool (file, mem, p, "checkBeforeUpdate", &r->check_before_update, NULL, err)) < 0)
        return ret;
      /* -1 is how engines say "the kernel's default". */
      if (r->mem_swappiness.set && r->mem_swappiness.v == -1)
        r->mem_swappiness.set = false;
      if (r->mem_swappiness.set && r->mem_swappiness.v > 100)
        return bad_at (&c, p, "swappiness", "must be between 0 and 100");
      /* swap is memory+swap: below the memory limit it makes no sense. */
      if (r->mem_swap.set && r->mem_swap.v >= 0 && r->mem_limit.set && r->mem_limit.v >= 0
          && r->mem_swap.v < r->mem_limit.v)
        return bad_at (&c, p, "swap", "must be at least memory.limit (it counts memory + swap)");
    }
  if ((ret = json_get_object (file, res, base, "pids", false, &pids, err)) < 0)
    return ret;
  if (pids)
    {
      cleanup_free char *p = json_path_join (base, "pids");
      /* 0 is a limit of 0, a negative value "max" (runtime-spec 1.3); see docs/config.md. */
      if ((ret = opt (&c, pids, p, "limit", &r->pids_limit)) < 0)
        return ret;
    }
  if ((ret = parse_blkio (&c, res, base, r)) < 0)
    return ret;
  if ((ret = parse_named_list (&c, res, base, "hugepageLimits", "pageSize", "limit", &r->hugepages,
                               &r->n_hugepages))
      < 0)
    return ret;
  if ((ret = parse_devices (&c, res, base, r)) < 0)
    return ret;
  if ((ret = json_get_object (file, res, base, "network", false, &net, err)) < 0)
    return ret;
  if (net)
    {
      cleanup_free char *p = json_path_join (base, "network");
      if ((ret = opt_unset0 (&c, net, p, "classID", 0, &r->net_class_id)) < 0
          || (ret = parse_named_list (&c, net, p, "priorities", "name", "priority", &r->net_priorities,
                                      &r->n_net_priorities))
                 < 0)
        return ret;
    }
  if ((ret = parse_rdma (&c, res, base, r)) < 0 || (ret = parse_unified (&c, res, base, r)) < 0)
    return ret;
  *out = steal_pointer (&r);
  return 0;
}

static void
free_named (struct zone_named_value *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (v[i].name);
      free (v[i].value);
    }
  free (v);
}

void
zone_resources_free (struct zone_resources *r)
{
  if (r == NULL)
    return;
  free (r->cpus);
  free (r->mems);
  free (r->weight_devices);
  for (int k = 0; k < THROTTLE_KINDS; k++)
    free (r->throttle[k]);
  free_named (r->hugepages, r->n_hugepages);
  free (r->devices);
  free_named (r->net_priorities, r->n_net_priorities);
  free_named (r->rdma, r->n_rdma);
  free_named (r->unified, r->n_unified);
  free (r);
}
