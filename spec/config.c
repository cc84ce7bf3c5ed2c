#define _GNU_SOURCE
#include "config.h"
#include "json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  const char *name;
  int flag;
} namespaces[] = {
  { "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },
  { "uts", CLONE_NEWUTS },   { "user", CLONE_NEWUSER },   { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int
zone_namespace_flag (const char *name)
{
  for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
    if (strcmp (namespaces[i].name, name) == 0)
      return namespaces[i].flag;
  return -1;
}

const char *
zone_namespace_name (int flag)
{
  for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
    if (namespaces[i].flag == flag)
      return namespaces[i].name;
  return NULL;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },         { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },     { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },   { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
zone_rlimit_resource (const char *name, const char **canonical)
{
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcmp (rlimits[i].name, name) == 0)
      {
        if (canonical)
          *canonical = rlimits[i].name;
        return rlimits[i].resource;
      }
  return -1;
}

const struct zone_namespace *
zone_config_namespace (const struct zone_config *c, int flag)
{
  for (size_t i = 0; i < c->n_namespaces; i++)
    if (c->namespaces[i].flag == flag)
      return &c->namespaces[i];
  return NULL;
}

const char *
zone_config_annotation (const struct zone_config *c, const char *key)
{
  for (size_t i = 0; i < c->n_annotations; i++)
    if (strcmp (c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}

/* Everything below parses one part of the config; `F` is the file name for messages. */
#define F file

static int
bad (const char *file, const char *path, const char *what, zerr **err)
{
  return zerr_set (err, EINVAL, "%s: %s: %s", file, path, what);
}

static int
parse_string_map (const char *file, yajl_val obj, const char *path, struct zone_kv **out, size_t *n, zerr **err)
{
  if (obj == NULL)
    return 0;
  *out = xmalloc0 (obj->u.object.len * sizeof (struct zone_kv));
  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      yajl_val v = obj->u.object.values[i];
      if (!YAJL_IS_STRING (v))
        {
          cleanup_free char *p = json_path_join (path, obj->u.object.keys[i]);
          return bad (F, p, "must be a string", err);
        }
      (*out)[i].key = xstrdup (obj->u.object.keys[i]);
      (*out)[i].value = xstrdup (YAJL_GET_STRING (v));
      (*n)++;
    }
  return 0;
}

static int
check_absolute_paths (const char *file, char **v, const char *path, zerr **err)
{
  for (size_t i = 0; v && v[i]; i++)
    if (v[i][0] != '/')
      {
        cleanup_free char *p = json_path_index (path, i);
        return bad (F, p, "must be an absolute path", err);
      }
  return 0;
}

static int
parse_caps (const char *file, yajl_val proc, struct zone_caps *caps, zerr **err)
{
  yajl_val obj = NULL;
  int ret = json_get_object (F, proc, "process", "capabilities", false, &obj, err);
  if (ret < 0 || obj == NULL)
    return ret;
  caps->present = true;
  ret = json_get_strv (F, obj, "process.capabilities", "bounding", false, &caps->bounding, err);
  if (ret == 0)
    ret = json_get_strv (F, obj, "process.capabilities", "effective", false, &caps->effective, err);
  if (ret == 0)
    ret = json_get_strv (F, obj, "process.capabilities", "permitted", false, &caps->permitted, err);
  if (ret == 0)
    ret = json_get_strv (F, obj, "process.capabilities", "inheritable", false, &caps->inheritable, err);
  if (ret == 0)
    ret = json_get_strv (F, obj, "process.capabilities", "ambient", false, &caps->ambient, err);
  return ret;
}

static int
parse_rlimits (const char *file, yajl_val proc, struct zone_process *p, zerr **err)
{
  yajl_val arr = NULL;
  int ret = json_get_array (F, proc, "process", "rlimits", false, &arr, err);
  if (ret < 0 || arr == NULL)
    return ret;
  p->rlimits = xmalloc0 (arr->u.array.len * sizeof (struct zone_rlimit));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = json_path_index ("process.rlimits", i);
      cleanup_free char *type = NULL;
      yajl_val e = arr->u.array.values[i];
      struct zone_rlimit *r = &p->rlimits[i];

      if (!YAJL_IS_OBJECT (e))
        return bad (F, path, "must be an object", err);
      if ((ret = json_get_string (F, e, path, "type", true, &type, err)) < 0)
        return ret;
      r->resource = zone_rlimit_resource (type, &r->name);
      if (r->resource < 0)
        {
          cleanup_free char *tp = json_path_join (path, "type");
          return zerr_set (err, EINVAL, "%s: %s: unknown rlimit `%s`", F, tp, type);
        }
      for (size_t j = 0; j < i; j++)
        if (p->rlimits[j].resource == r->resource)
          {
            cleanup_free char *tp = json_path_join (path, "type");
            return zerr_set (err, EINVAL, "%s: %s: duplicate rlimit `%s`", F, tp, type);
          }
      if ((ret = json_get_u64 (F, e, path, "soft", true, &r->soft, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u64 (F, e, path, "hard", true, &r->hard, NULL, err)) < 0)
        return ret;
      if (r->soft > r->hard)
        return bad (F, path, "soft limit is greater than the hard limit", err);
      p->n_rlimits++;
    }
  return 0;
}

static int
lookup_name (const char *file, const char *path, const char *name, const char *const *names, const int *values,
             int *out, zerr **err)
{
  for (size_t i = 0; names[i]; i++)
    if (strcmp (names[i], name) == 0)
      {
        *out = values[i];
        return 0;
      }
  return zerr_set (err, EINVAL, "%s: %s: unknown value `%s`", file, path, name);
}

static int
parse_io_priority (const char *file, yajl_val proc, struct zone_process *p, zerr **err)
{
  static const char *const names[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };
  static const int values[] = { 1, 2, 3 };
  cleanup_free char *cls = NULL;
  yajl_val io = NULL;
  int64_t prio = 0;
  int ret = json_get_object (F, proc, "process", "ioPriority", false, &io, err);

  if (ret < 0 || io == NULL)
    return ret;
  p->has_io_priority = true;
  if ((ret = json_get_string (F, io, "process.ioPriority", "class", true, &cls, err)) < 0)
    return ret;
  if ((ret = lookup_name (F, "process.ioPriority.class", cls, names, values, &p->io_class, err)) < 0)
    return ret;
  if ((ret = json_get_i64 (F, io, "process.ioPriority", "priority", false, &prio, NULL, err)) < 0)
    return ret;
  if (prio < 0 || prio > 7)
    return bad (F, "process.ioPriority.priority", "must be between 0 and 7", err);
  p->io_priority = (int) prio;
  return 0;
}

static int
parse_scheduler (const char *file, yajl_val proc, struct zone_process *p, zerr **err)
{
  static const char *const policies[] = { "SCHED_OTHER", "SCHED_FIFO",  "SCHED_RR", "SCHED_BATCH",
                                          "SCHED_IDLE",  "SCHED_DEADLINE", NULL };
  static const int policy_values[] = { 0, 1, 2, 3, 5, 6 };
  static const char *const flags[] = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
                                       "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
                                       "SCHED_FLAG_UTIL_CLAMP_MAX", NULL };
  static const int flag_values[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40 };
  struct zone_scheduler *s = &p->scheduler;
  cleanup_free char *policy = NULL;
  cleanup_strv char **fl = NULL;
  yajl_val sch = NULL;
  int64_t nice = 0;
  int ret = json_get_object (F, proc, "process", "scheduler", false, &sch, err);

  if (ret < 0 || sch == NULL)
    return ret;
  p->has_scheduler = true;
  if ((ret = json_get_string (F, sch, "process.scheduler", "policy", true, &policy, err)) < 0)
    return ret;
  if ((ret = lookup_name (F, "process.scheduler.policy", policy, policies, policy_values, &s->policy, err)) < 0)
    return ret;
  if ((ret = json_get_i64 (F, sch, "process.scheduler", "nice", false, &nice, NULL, err)) < 0)
    return ret;
  if (nice < -20 || nice > 19)
    return bad (F, "process.scheduler.nice", "must be between -20 and 19", err);
  s->nice = (int32_t) nice;
  if ((ret = json_get_u32 (F, sch, "process.scheduler", "priority", false, &s->priority, NULL, err)) < 0
      || (ret = json_get_u64 (F, sch, "process.scheduler", "runtime", false, &s->runtime, NULL, err)) < 0
      || (ret = json_get_u64 (F, sch, "process.scheduler", "deadline", false, &s->deadline, NULL, err)) < 0
      || (ret = json_get_u64 (F, sch, "process.scheduler", "period", false, &s->period, NULL, err)) < 0
      || (ret = json_get_strv (F, sch, "process.scheduler", "flags", false, &fl, err)) < 0)
    return ret;
  for (size_t i = 0; fl && fl[i]; i++)
    {
      cleanup_free char *path = json_path_index ("process.scheduler.flags", i);
      int v = 0;
      if ((ret = lookup_name (F, path, fl[i], flags, flag_values, &v, err)) < 0)
        return ret;
      s->flags |= (uint64_t) v;
    }
  return 0;
}

static int
parse_process (const char *file, yajl_val root, bool exec, struct zone_process **out, zerr **err)
{
  yajl_val proc = NULL, user = NULL, console = NULL, gids = NULL;
  struct zone_process *p;
  int ret;

  ret = json_get_object (F, root, "", "process", false, &proc, err);
  if (ret < 0 || proc == NULL)
    return ret;
  p = *out = xmalloc0 (sizeof *p);

  if ((ret = json_get_bool (F, proc, "process", "terminal", &p->terminal, NULL, err)) < 0)
    return ret;
  if ((ret = json_get_object (F, proc, "process", "consoleSize", false, &console, err)) < 0)
    return ret;
  if (console)
    {
      p->has_console_size = true;
      if ((ret = json_get_u32 (F, console, "process.consoleSize", "height", true, &p->console_height, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, console, "process.consoleSize", "width", true, &p->console_width, NULL, err)) < 0)
        return ret;
    }
  /* The spec asks a config for user.uid and gid; runc's exec --process defaults them to 0. */
  if ((ret = json_get_object (F, proc, "process", "user", !exec, &user, err)) < 0)
    return ret;
  if ((ret = json_get_u32 (F, user, "process.user", "uid", !exec, &p->uid, NULL, err)) < 0)
    return ret;
  if ((ret = json_get_u32 (F, user, "process.user", "gid", !exec, &p->gid, NULL, err)) < 0)
    return ret;
  if ((ret = json_get_u32 (F, user, "process.user", "umask", false, &p->umask, &p->has_umask, err)) < 0)
    return ret;
  if (p->has_umask && p->umask > 0777)
    return bad (F, "process.user.umask", "must be between 0 and 0777", err);
  if ((ret = json_get_array (F, user, "process.user", "additionalGids", false, &gids, err)) < 0)
    return ret;
  if (gids)
    {
      p->additional_gids = xmalloc0 (gids->u.array.len * sizeof (uint32_t));
      for (size_t i = 0; i < gids->u.array.len; i++)
        {
          uint64_t g = 0;
          if (!json_value_u64 (gids->u.array.values[i], &g) || g > UINT32_MAX)
            {
              cleanup_free char *path = json_path_index ("process.user.additionalGids", i);
              return bad (F, path, "must be an integer from 0 to 4294967295", err);
            }
          p->additional_gids[i] = (uint32_t) g;
          p->n_additional_gids++;
        }
    }

  if ((ret = json_get_strv (F, proc, "process", "args", true, &p->args, err)) < 0)
    return ret;
  if (p->args[0] == NULL || p->args[0][0] == '\0')
    return bad (F, "process.args", "must be a non-empty array of strings", err);
  if ((ret = json_get_strv (F, proc, "process", "env", false, &p->env, err)) < 0)
    return ret;
  for (size_t i = 0; p->env && p->env[i]; i++)
    if (strchr (p->env[i], '=') == NULL || p->env[i][0] == '=')
      {
        cleanup_free char *path = json_path_index ("process.env", i);
        return bad (F, path, "must have the form KEY=VALUE", err);
      }
  if ((ret = json_get_string (F, proc, "process", "cwd", true, &p->cwd, err)) < 0)
    return ret;
  if (p->cwd[0] != '/')
    return bad (F, "process.cwd", "must be an absolute path", err);
  if ((ret = parse_caps (F, proc, &p->caps, err)) < 0)
    return ret;
  if ((ret = parse_rlimits (F, proc, p, err)) < 0)
    return ret;
  if ((ret = json_get_bool (F, proc, "process", "noNewPrivileges", &p->no_new_privileges, NULL, err)) < 0)
    return ret;
  {
    int64_t adj = 0;
    if ((ret = json_get_i64 (F, proc, "process", "oomScoreAdj", false, &adj, &p->has_oom_score_adj, err)) < 0)
      return ret;
    if (adj < -1000 || adj > 1000)
      return bad (F, "process.oomScoreAdj", "must be between -1000 and 1000", err);
    p->oom_score_adj = (int) adj;
  }
  if ((ret = json_get_string (F, proc, "process", "apparmorProfile", false, &p->apparmor_profile, err)) < 0)
    return ret;
  if ((ret = json_get_string (F, proc, "process", "selinuxLabel", false, &p->selinux_label, err)) < 0)
    return ret;
  if ((ret = parse_io_priority (F, proc, p, err)) < 0)
    return ret;
  return parse_scheduler (F, proc, p, err);
}

static int
parse_mounts (const char *file, yajl_val root, struct zone_config *c, zerr **err)
{
  yajl_val arr = NULL;
  int ret = json_get_array (F, root, "", "mounts", false, &arr, err);
  if (ret < 0 || arr == NULL)
    return ret;
  c->mounts = xmalloc0 (arr->u.array.len * sizeof (struct zone_mount));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = json_path_index ("mounts", i);
      yajl_val e = arr->u.array.values[i];
      struct zone_mount *m = &c->mounts[i];

      if (!YAJL_IS_OBJECT (e))
        return bad (F, path, "must be an object", err);
      c->n_mounts++;
      if ((ret = json_get_string (F, e, path, "destination", true, &m->destination, err)) < 0)
        return ret;
      if (m->destination[0] != '/')
        {
          cleanup_free char *dp = json_path_join (path, "destination");
          return bad (F, dp, "must be an absolute path", err);
        }
      if ((ret = json_get_string (F, e, path, "type", false, &m->type, err)) < 0)
        return ret;
      if ((ret = json_get_string (F, e, path, "source", false, &m->source, err)) < 0)
        return ret;
      if ((ret = json_get_strv (F, e, path, "options", false, &m->options, err)) < 0)
        return ret;
    }
  return 0;
}

static int
parse_idmaps (const char *file, yajl_val linux_, const char *key, struct zone_idmap **out, size_t *n, zerr **err)
{
  yajl_val arr = NULL;
  int ret = json_get_array (F, linux_, "linux", key, false, &arr, err);
  cleanup_free char *base = json_path_join ("linux", key);
  if (ret < 0 || arr == NULL)
    return ret;
  *out = xmalloc0 (arr->u.array.len * sizeof (struct zone_idmap));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = json_path_index (base, i);
      yajl_val e = arr->u.array.values[i];
      struct zone_idmap *m = &(*out)[i];
      if (!YAJL_IS_OBJECT (e))
        return bad (F, path, "must be an object", err);
      if ((ret = json_get_u32 (F, e, path, "containerID", true, &m->container_id, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, e, path, "hostID", true, &m->host_id, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, e, path, "size", true, &m->size, NULL, err)) < 0)
        return ret;
      if (m->size == 0)
        {
          cleanup_free char *sp = json_path_join (path, "size");
          return bad (F, sp, "must be greater than 0", err);
        }
      (*n)++;
    }
  return 0;
}

static int
parse_namespaces (const char *file, yajl_val linux_, struct zone_config *c, zerr **err)
{
  yajl_val arr = NULL;
  int ret = json_get_array (F, linux_, "linux", "namespaces", false, &arr, err);
  if (ret < 0 || arr == NULL)
    return ret;
  c->namespaces = xmalloc0 (arr->u.array.len * sizeof (struct zone_namespace));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = json_path_index ("linux.namespaces", i);
      cleanup_free char *type = NULL;
      yajl_val e = arr->u.array.values[i];
      struct zone_namespace *ns = &c->namespaces[i];
      int flag;

      if (!YAJL_IS_OBJECT (e))
        return bad (F, path, "must be an object", err);
      if ((ret = json_get_string (F, e, path, "type", true, &type, err)) < 0)
        return ret;
      flag = zone_namespace_flag (type);
      if (flag < 0)
        {
          cleanup_free char *tp = json_path_join (path, "type");
          return zerr_set (err, EINVAL, "%s: %s: unknown namespace type `%s`", F, tp, type);
        }
      if (zone_config_namespace (c, flag))
        {
          cleanup_free char *tp = json_path_join (path, "type");
          return zerr_set (err, EINVAL, "%s: %s: duplicate namespace `%s`", F, tp, type);
        }
      ns->flag = flag;
      c->n_namespaces++;
      if ((ret = json_get_string (F, e, path, "path", false, &ns->path, err)) < 0)
        return ret;
      if (ns->path && ns->path[0] != '/')
        {
          cleanup_free char *pp = json_path_join (path, "path");
          return bad (F, pp, "must be an absolute path", err);
        }
    }
  return 0;
}

static int
parse_devices (const char *file, yajl_val linux_, struct zone_config *c, zerr **err)
{
  yajl_val arr = NULL;
  int ret = json_get_array (F, linux_, "linux", "devices", false, &arr, err);
  if (ret < 0 || arr == NULL)
    return ret;
  c->devices = xmalloc0 (arr->u.array.len * sizeof (struct zone_device));
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *path = json_path_index ("linux.devices", i);
      cleanup_free char *type = NULL;
      yajl_val e = arr->u.array.values[i];
      struct zone_device *d = &c->devices[i];

      if (!YAJL_IS_OBJECT (e))
        return bad (F, path, "must be an object", err);
      c->n_devices++;
      if ((ret = json_get_string (F, e, path, "path", true, &d->path, err)) < 0)
        return ret;
      if (d->path[0] != '/')
        {
          cleanup_free char *pp = json_path_join (path, "path");
          return bad (F, pp, "must be an absolute path", err);
        }
      /* A node is made in the rootfs itself: below /dev it goes with the zone's /dev tmpfs, anywhere
         else it would stay in the bundle's files after delete. */
      if (strncmp (d->path, "/dev/", 5) != 0 || strstr (d->path, "/../") || strcmp (d->path + strlen (d->path) - 3, "/..") == 0)
        {
          cleanup_free char *pp = json_path_join (path, "path");
          return bad (F, pp, "must be a path below /dev, without `..`", err);
        }
      if ((ret = json_get_string (F, e, path, "type", true, &type, err)) < 0)
        return ret;
      if (strlen (type) != 1 || strchr ("cubp", type[0]) == NULL)
        {
          cleanup_free char *tp = json_path_join (path, "type");
          return bad (F, tp, "must be one of c, u, b, p", err);
        }
      d->type = type[0];
      if ((ret = json_get_i64 (F, e, path, "major", d->type != 'p', &d->major, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_i64 (F, e, path, "minor", d->type != 'p', &d->minor, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, e, path, "fileMode", false, &d->mode, &d->has_mode, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, e, path, "uid", false, &d->uid, &d->has_uid, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, e, path, "gid", false, &d->gid, &d->has_gid, err)) < 0)
        return ret;
    }
  return 0;
}

static int
parse_time_offsets (const char *file, yajl_val linux_, struct zone_config *c, zerr **err)
{
  yajl_val obj = NULL;
  static const char *const names[] = { "monotonic", "boottime" };
  struct zone_time_offset *dst[] = { &c->time_monotonic, &c->time_boottime };
  int ret = json_get_object (F, linux_, "linux", "timeOffsets", false, &obj, err);
  if (ret < 0 || obj == NULL)
    return ret;
  for (size_t i = 0; i < 2; i++)
    {
      yajl_val o = NULL;
      cleanup_free char *path = json_path_join ("linux.timeOffsets", names[i]);
      if ((ret = json_get_object (F, obj, "linux.timeOffsets", names[i], false, &o, err)) < 0)
        return ret;
      if (o == NULL)
        continue;
      dst[i]->present = true;
      if ((ret = json_get_i64 (F, o, path, "secs", false, &dst[i]->secs, NULL, err)) < 0)
        return ret;
      if ((ret = json_get_u32 (F, o, path, "nanosecs", false, &dst[i]->nanosecs, NULL, err)) < 0)
        return ret;
      if (dst[i]->nanosecs >= 1000000000U)
        return bad (F, path, "nanosecs must be below 1000000000", err);
    }
  return 0;
}

static int
parse_propagation (const char *file, yajl_val linux_, struct zone_config *c, zerr **err)
{
  cleanup_free char *s = NULL;
  static const struct
  {
    const char *name;
    unsigned long flags;
  } table[] = {
    { "private", MS_PRIVATE },          { "rprivate", MS_PRIVATE | MS_REC },       { "shared", MS_SHARED },
    { "rshared", MS_SHARED | MS_REC },  { "slave", MS_SLAVE },                     { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE },    { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  int ret = json_get_string (F, linux_, "linux", "rootfsPropagation", false, &s, err);
  if (ret < 0 || s == NULL || *s == '\0')
    return ret;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp (table[i].name, s) == 0)
      {
        c->rootfs_propagation = table[i].flags;
        return 0;
      }
  return zerr_set (err, EINVAL, "%s: linux.rootfsPropagation: unknown propagation `%s`", F, s);
}

static int
parse_personality (const char *file, yajl_val linux_, struct zone_config *c, zerr **err)
{
  static const char *const domains[] = { "LINUX", "LINUX32", NULL };
  static const int values[] = { 0x0000 /* PER_LINUX */, 0x0008 /* PER_LINUX32 */ };
  cleanup_free char *domain = NULL;
  cleanup_strv char **flags = NULL;
  yajl_val obj = NULL;
  int v = 0;
  int ret = json_get_object (F, linux_, "linux", "personality", false, &obj, err);

  if (ret < 0 || obj == NULL)
    return ret;
  if ((ret = json_get_string (F, obj, "linux.personality", "domain", true, &domain, err)) < 0)
    return ret;
  if ((ret = lookup_name (F, "linux.personality.domain", domain, domains, values, &v, err)) < 0)
    return ret;
  if ((ret = json_get_strv (F, obj, "linux.personality", "flags", false, &flags, err)) < 0)
    return ret;
  if (flags && flags[0])
    return zerr_set (err, ENOTSUP, "%s: linux.personality.flags: no flag is supported (`%s`)", F, flags[0]);
  c->has_personality = true;
  c->personality = (unsigned long) v;
  return 0;
}

static int
parse_linux (const char *file, yajl_val root, struct zone_config *c, zerr **err)
{
  yajl_val linux_ = NULL, sysctl = NULL;
  int ret = json_get_object (F, root, "", "linux", false, &linux_, err);
  if (ret < 0 || linux_ == NULL)
    return ret;
  if ((ret = parse_namespaces (F, linux_, c, err)) < 0)
    return ret;
  if ((ret = parse_idmaps (F, linux_, "uidMappings", &c->uid_mappings, &c->n_uid_mappings, err)) < 0)
    return ret;
  if ((ret = parse_idmaps (F, linux_, "gidMappings", &c->gid_mappings, &c->n_gid_mappings, err)) < 0)
    return ret;
  if ((ret = parse_devices (F, linux_, c, err)) < 0)
    return ret;
  if ((ret = json_get_string (F, linux_, "linux", "cgroupsPath", false, &c->cgroups_path, err)) < 0)
    return ret;
  if ((ret = json_get_object (F, linux_, "linux", "sysctl", false, &sysctl, err)) < 0)
    return ret;
  if ((ret = parse_string_map (F, sysctl, "linux.sysctl", &c->sysctl, &c->n_sysctl, err)) < 0)
    return ret;
  if ((ret = json_get_strv (F, linux_, "linux", "maskedPaths", false, &c->masked_paths, err)) < 0)
    return ret;
  if ((ret = check_absolute_paths (F, c->masked_paths, "linux.maskedPaths", err)) < 0)
    return ret;
  if ((ret = json_get_strv (F, linux_, "linux", "readonlyPaths", false, &c->readonly_paths, err)) < 0)
    return ret;
  if ((ret = check_absolute_paths (F, c->readonly_paths, "linux.readonlyPaths", err)) < 0)
    return ret;
  if ((ret = parse_propagation (F, linux_, c, err)) < 0)
    return ret;
  if ((ret = json_get_string (F, linux_, "linux", "mountLabel", false, &c->mount_label, err)) < 0)
    return ret;
  if ((ret = parse_time_offsets (F, linux_, c, err)) < 0)
    return ret;
  if ((ret = json_get_object (F, linux_, "linux", "resources", false, &c->resources, err)) < 0)
    return ret;
  if ((ret = json_get_object (F, linux_, "linux", "seccomp", false, &c->seccomp, err)) < 0)
    return ret;
  {
    yajl_val rdt = NULL;
    if ((ret = json_get_object (F, linux_, "linux", "intelRdt", false, &rdt, err)) < 0)
      return ret;
    c->has_intel_rdt = rdt != NULL;
  }
  return parse_personality (F, linux_, c, err);
}

static const char *const hook_keys[ZONE_HOOK_KINDS]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static int
parse_hooks (const char *file, yajl_val root, struct zone_config *c, zerr **err)
{
  yajl_val hooks = NULL;
  int ret = json_get_object (F, root, "", "hooks", false, &hooks, err);
  if (ret < 0 || hooks == NULL)
    return ret;
  for (int k = 0; k < ZONE_HOOK_KINDS; k++)
    {
      yajl_val arr = NULL;
      cleanup_free char *base = json_path_join ("hooks", hook_keys[k]);
      if ((ret = json_get_array (F, hooks, "hooks", hook_keys[k], false, &arr, err)) < 0)
        return ret;
      if (arr == NULL)
        continue;
      c->hooks[k] = xmalloc0 (arr->u.array.len * sizeof (struct zone_hook));
      for (size_t i = 0; i < arr->u.array.len; i++)
        {
          cleanup_free char *path = json_path_index (base, i);
          yajl_val e = arr->u.array.values[i];
          struct zone_hook *h = &c->hooks[k][i];
          int64_t timeout = 0;
          bool has_timeout = false;

          if (!YAJL_IS_OBJECT (e))
            return bad (F, path, "must be an object", err);
          c->n_hooks[k]++;
          if ((ret = json_get_string (F, e, path, "path", true, &h->path, err)) < 0)
            return ret;
          if (h->path[0] != '/')
            {
              cleanup_free char *pp = json_path_join (path, "path");
              return bad (F, pp, "must be an absolute path", err);
            }
          if ((ret = json_get_strv (F, e, path, "args", false, &h->args, err)) < 0)
            return ret;
          if ((ret = json_get_strv (F, e, path, "env", false, &h->env, err)) < 0)
            return ret;
          if ((ret = json_get_i64 (F, e, path, "timeout", false, &timeout, &has_timeout, err)) < 0)
            return ret;
          if (has_timeout && (timeout <= 0 || timeout > 86400))
            {
              cleanup_free char *tp = json_path_join (path, "timeout");
              return bad (F, tp, "must be a positive number of seconds", err);
            }
          h->timeout = (int) timeout;
        }
    }
  return 0;
}

/* Rules of the spec that tie several fields together. */
static int
validate (const char *file, struct zone_config *c, zerr **err)
{
  const struct zone_namespace *uts = zone_config_namespace (c, CLONE_NEWUTS);
  const struct zone_namespace *user = zone_config_namespace (c, CLONE_NEWUSER);
  const struct zone_namespace *timens = zone_config_namespace (c, CLONE_NEWTIME);

  if (c->hostname && *c->hostname && uts == NULL)
    return bad (F, "hostname", "requires a new uts namespace in linux.namespaces", err);
  if (c->domainname && *c->domainname && uts == NULL)
    return bad (F, "domainname", "requires a new uts namespace in linux.namespaces", err);
  if ((c->n_uid_mappings || c->n_gid_mappings) && (user == NULL || user->path))
    return bad (F, "linux.uidMappings", "requires a new user namespace in linux.namespaces", err);
  if (user && user->path == NULL && (c->n_uid_mappings == 0 || c->n_gid_mappings == 0))
    return bad (F, "linux.uidMappings", "a new user namespace needs uidMappings and gidMappings", err);
  if ((c->time_monotonic.present || c->time_boottime.present) && (timens == NULL || timens->path))
    return bad (F, "linux.timeOffsets", "requires a new time namespace in linux.namespaces", err);
  if (c->n_sysctl)
    for (size_t i = 0; i < c->n_sysctl; i++)
      if (strstr (c->sysctl[i].key, "..") || strchr (c->sysctl[i].key, '/') == c->sysctl[i].key)
        {
          cleanup_free char *p = json_path_join ("linux.sysctl", c->sysctl[i].key);
          return bad (F, p, "not a valid sysctl name", err);
        }
  return 0;
}

int
zone_config_parse (const char *file, const char *text, struct zone_config **out, zerr **err)
{
  cleanup_config struct zone_config *c = xmalloc0 (sizeof *c);
  yajl_val root = NULL;
  char errbuf[256] = "";
  int ret;

  c->tree = yajl_tree_parse (text, errbuf, sizeof errbuf);
  if (c->tree == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return zerr_set (err, EINVAL, "%s: not valid JSON: %s", F, *errbuf ? errbuf : "parse error");
    }
  root = c->tree;
  if (!YAJL_IS_OBJECT (root))
    return zerr_set (err, EINVAL, "%s: the top level must be a JSON object", F);

  if ((ret = json_get_string (F, root, "", "ociVersion", true, &c->oci_version, err)) < 0)
    return ret;
  if (strncmp (c->oci_version, "1.", 2) != 0)
    return zerr_set (err, EINVAL, "%s: ociVersion: unsupported version `%s` (zone supports 1.x)", F,
                     c->oci_version);
  {
    yajl_val r = NULL;
    if ((ret = json_get_object (F, root, "", "root", true, &r, err)) < 0)
      return ret;
    if ((ret = json_get_string (F, r, "root", "path", true, &c->root_path, err)) < 0)
      return ret;
    if (c->root_path[0] == '\0')
      return bad (F, "root.path", "must not be empty", err);
    if ((ret = json_get_bool (F, r, "root", "readonly", &c->root_readonly, NULL, err)) < 0)
      return ret;
  }
  if ((ret = json_get_string (F, root, "", "hostname", false, &c->hostname, err)) < 0)
    return ret;
  if ((ret = json_get_string (F, root, "", "domainname", false, &c->domainname, err)) < 0)
    return ret;
  if ((ret = parse_mounts (F, root, c, err)) < 0)
    return ret;
  if ((ret = parse_process (F, root, false, &c->process, err)) < 0)
    return ret;
  {
    yajl_val ann = NULL;
    if ((ret = json_get_object (F, root, "", "annotations", false, &ann, err)) < 0)
      return ret;
    if ((ret = parse_string_map (F, ann, "annotations", &c->annotations, &c->n_annotations, err)) < 0)
      return ret;
  }
  if ((ret = parse_hooks (F, root, c, err)) < 0)
    return ret;
  if ((ret = parse_linux (F, root, c, err)) < 0)
    return ret;
  if ((ret = validate (F, c, err)) < 0)
    return ret;
  *out = steal_pointer (&c);
  return 0;
}

int
zone_config_load (const char *path, struct zone_config **out, zerr **err)
{
  cleanup_free char *text = NULL;
  const char *name = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  int ret = read_file_at (AT_FDCWD, path, &text, NULL, err);
  if (ret < 0)
    return ret;
  return zone_config_parse (name, text, out, err);
}

static void
free_kv (struct zone_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

void
zone_process_free (struct zone_process *p)
{
  if (p == NULL)
    return;
  free (p->additional_gids);
  strv_free (p->args);
  strv_free (p->env);
  free (p->cwd);
  strv_free (p->caps.bounding);
  strv_free (p->caps.effective);
  strv_free (p->caps.permitted);
  strv_free (p->caps.inheritable);
  strv_free (p->caps.ambient);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  free (p);
}

void
zone_config_free (struct zone_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  free (c->root_path);
  free (c->hostname);
  free (c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      free (c->mounts[i].destination);
      free (c->mounts[i].type);
      free (c->mounts[i].source);
      strv_free (c->mounts[i].options);
    }
  free (c->mounts);
  zone_process_free (c->process);
  free_kv (c->annotations, c->n_annotations);
  for (int k = 0; k < ZONE_HOOK_KINDS; k++)
    {
      for (size_t i = 0; i < c->n_hooks[k]; i++)
        {
          free (c->hooks[k][i].path);
          strv_free (c->hooks[k][i].args);
          strv_free (c->hooks[k][i].env);
        }
      free (c->hooks[k]);
    }
  for (size_t i = 0; i < c->n_namespaces; i++)
    free (c->namespaces[i].path);
  free (c->namespaces);
  free (c->uid_mappings);
  free (c->gid_mappings);
  for (size_t i = 0; i < c->n_devices; i++)
    free (c->devices[i].path);
  free (c->devices);
  free (c->cgroups_path);
  free_kv (c->sysctl, c->n_sysctl);
  strv_free (c->masked_paths);
  strv_free (c->readonly_paths);
  free (c->mount_label);
  if (c->tree)
    yajl_tree_free (c->tree);
  free (c);
}

int
zone_process_parse (const char *file, const char *text, struct zone_process **out, zerr **err)
{
  char errbuf[256] = "";
  yajl_val tree = yajl_tree_parse (text, errbuf, sizeof errbuf);
  const char *keys[] = { "process" };
  yajl_val values[1] = { tree };
  struct yajl_val_s wrapper = { .type = yajl_t_object };
  int ret;

  if (tree == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return zerr_set (err, EINVAL, "%s: not valid JSON: %s", F, *errbuf ? errbuf : "parse error");
    }
  /* The object is parsed as the "process" of a config, so errors name process.FIELD. */
  wrapper.u.object.keys = keys;
  wrapper.u.object.values = values;
  wrapper.u.object.len = 1;
  *out = NULL;
  ret = YAJL_IS_OBJECT (tree) ? parse_process (F, &wrapper, true, out, err)
                              : zerr_set (err, EINVAL, "%s: the top level must be a JSON object", F);
  if (ret < 0)
    {
      zone_process_free (*out);
      *out = NULL;
    }
  yajl_tree_free (tree);
  return ret;
}
