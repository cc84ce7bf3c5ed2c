#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "checkpoint.h"
#include "hooks.h"
#include "init.h"
#include "full.h"
#include "last_stage.h"
#include "lsm.h"
#include "notify.h"
#include "pid.h"
#include "process.h"
#include "seccomp.h"
#include "terminal.h"
#include "store.h"
#include "cpu_reserve.h"
#include "sync.h"
#include "../cgroups/cgroup.h"
#include "../cgroups/cpu_policy.h"
#include "../cgroups/systemd.h"
#include "../netns/setup.h"
#include "../netns/slirp.h"
#include "../rootfs/rootfs.h"
#include "../spec/config.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/strbuf.h"
#include "../util/run.h"
#include "../util/argv.h"
#include "../util/rootless.h"
#include "../util/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* What a create has made so far, undone in reverse when a later step fails. */
struct create_undo
{
  const struct zone_net *net; /* set once the network is made */
  const char *net_veth;
  const char *root, *id;
  bool dir_made, reserved;
  const struct zone_state *cgroups; /* set once its cgroup directories are made */
  pid_t pid;
  int pidfd;
  pid_t slirp_pid; /* a slirp4netns started for the zone, or 0 */
};

static void
undo_create (struct create_undo *u)
{
  zone_slirp_stop (u->slirp_pid);
  if (u->pidfd >= 0)
    {
      pidfd_signal (u->pidfd, SIGKILL);
      waitpid (u->pid, NULL, 0);
      close (u->pidfd);
      u->pidfd = -1;
    }
  if (u->cgroups)
    cgroup_destroy (u->cgroups->cgroup_paths, u->cgroups->cgroup_made, NULL);
  if (u->net)
    zone_net_teardown (u->root, u->id, u->net, u->net_veth, NULL);
  if (u->reserved)
    cpu_reserve_release (u->root, u->id);
  if (u->dir_made)
    store_remove (u->root, u->id, NULL);
}

char *
now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64], *r;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (asprintf (&r, "%s.%09ldZ", buf, ts.tv_nsec) < 0)
    abort ();
  return r;
}

static int
write_idmap (pid_t pid, const char *file, const struct zone_idmap *maps, size_t n, zerr **err)
{
  char path[64];
  struct strbuf sb = { 0 };
  int ret;

  for (size_t i = 0; i < n; i++)
    strbuf_appendf (&sb, "%u %u %u\n", maps[i].container_id, maps[i].host_id, maps[i].size);
  snprintf (path, sizeof path, "/proc/%d/%s", pid, file);
  ret = write_file_at (AT_FDCWD, path, sb.buf, sb.len, 0644, err);
  free (sb.buf);
  if (ret < 0)
    return zerr_wrap (err, "linux.%s", strcmp (file, "uid_map") == 0 ? "uidMappings" : "gidMappings");
  return 0;
}

static bool
own_id_only (const struct zone_idmap *m, size_t n, unsigned id)
{
  return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

/* newuidmap/newgidmap PID ID HOSTID SIZE...: the setuid helpers (package uidmap) that map the
   ranges /etc/subuid and /etc/subgid give an ordinary user. */
static int
run_idmap_helper (const char *tool, pid_t pid, const struct zone_idmap *maps, size_t n, zerr **err)
{
  cleanup_argv struct argv a = { 0 };
  const char *field = strcmp (tool, "newuidmap") == 0 ? "uidMappings" : "gidMappings";

  argv_push (&a, "%s", tool);
  argv_push (&a, "%d", pid);
  for (size_t i = 0; i < n; i++)
    {
      argv_push (&a, "%u", maps[i].container_id);
      argv_push (&a, "%u", maps[i].host_id);
      argv_push (&a, "%u", maps[i].size);
    }
  if (run_tool ("refused", &a, err) < 0)
    return zerr_wrap (err, "linux.%s: an ordinary user maps more than its own id through %s (package uidmap) "
                           "and its range in /etc/%s", field, tool, strcmp (tool, "newuidmap") == 0 ? "subuid" : "subgid");
  return 0;
}

/* The init's id maps. An ordinary user may write one line mapping its own ids, and gid_map only
   once setgroups is denied (which the kernel asks so that no one drops a group that denies them
   something); any other map goes through newuidmap/newgidmap. */
static int
map_ids (pid_t pid, const struct zone_config *c, zerr **err)
{
  int ret;

  if (geteuid () != 0)
    {
      if (own_id_only (c->uid_mappings, c->n_uid_mappings, geteuid ())
          && own_id_only (c->gid_mappings, c->n_gid_mappings, getegid ()))
        {
          char path[64];
          snprintf (path, sizeof path, "/proc/%d/setgroups", pid);
          if ((ret = write_file_at (AT_FDCWD, path, "deny", 4, 0644, err)) < 0)
            return ret;
        }
      else
        {
          if ((ret = run_idmap_helper ("newgidmap", pid, c->gid_mappings, c->n_gid_mappings, err)) < 0)
            return ret;
          return run_idmap_helper ("newuidmap", pid, c->uid_mappings, c->n_uid_mappings, err);
        }
    }
  if ((ret = write_idmap (pid, "gid_map", c->gid_mappings, c->n_gid_mappings, err)) < 0)
    return ret;
  return write_idmap (pid, "uid_map", c->uid_mappings, c->n_uid_mappings, err);
}

/* pid and time namespaces apply to children only: join or create them here, before clone. */
static int
prepare_child_namespaces (const struct zone_config *c, zerr **err)
{
  static const int flags[] = { CLONE_NEWPID, CLONE_NEWTIME };
  const struct zone_namespace *t;

  for (size_t i = 0; i < 2; i++)
    {
      const struct zone_namespace *ns = zone_config_namespace (c, flags[i]);
      cleanup_close int fd = -1;
      if (ns == NULL || ns->path == NULL)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return zerr_sys (err, "open %s namespace `%s`", zone_namespace_name (flags[i]), ns->path);
      if (setns (fd, flags[i]) < 0)
        return zerr_sys (err, "join %s namespace `%s`", zone_namespace_name (flags[i]), ns->path);
    }
  t = zone_config_namespace (c, CLONE_NEWTIME);
  if (t && t->path == NULL)
    {
      char buf[128];
      int len;
      if (unshare (CLONE_NEWTIME) < 0)
        return zerr_sys (err, "create the time namespace");
      len = snprintf (buf, sizeof buf, "monotonic %lld %u\nboottime %lld %u\n",
                      (long long) c->time_monotonic.secs, c->time_monotonic.nanosecs,
                      (long long) c->time_boottime.secs, c->time_boottime.nanosecs);
      if (write_file_at (AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t) len, 0644, err) < 0)
        return zerr_wrap (err, "linux.timeOffsets");
    }
  return 0;
}

static unsigned long
clone_flags (const struct zone_config *c)
{
  static const int cloned[] = { CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER };
  unsigned long flags = 0;
  for (size_t i = 0; i < sizeof cloned / sizeof cloned[0]; i++)
    {
      const struct zone_namespace *ns = zone_config_namespace (c, cloned[i]);
      if (ns && ns->path == NULL)
        flags |= (unsigned long) cloned[i];
    }
  return flags;
}

/* Without a mount namespace the zone shares the runtime's: what would have to be mounted there
   would change the host's own mount table, so it is refused rather than done. */
static int
check_without_mount_ns (const struct zone_config *c, zerr **err)
{
  const char *field = c->n_mounts               ? "mounts"
                      : c->masked_paths && c->masked_paths[0] ? "linux.maskedPaths"
                      : c->readonly_paths && c->readonly_paths[0] ? "linux.readonlyPaths"
                      : c->root_readonly        ? "root.readonly"
                      : c->rootfs_propagation   ? "linux.rootfsPropagation"
                      : c->n_devices            ? "linux.devices"
                                                : NULL;
  if (field)
    return zerr_set (err, EINVAL, "config.json: %s: needs a mount namespace of the zone's own (linux.namespaces has "
                                  "none, and zone does not mount in the host's)", field);
  return 0;
}

/* Only sysctls the kernel keeps per namespace, and only in a namespace of the zone's own: any
   other would change the host (runc's rule). */
static int
check_sysctls (const struct zone_config *c, zerr **err)
{
  static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                     "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < c->n_sysctl; i++)
    {
      const char *k = c->sysctl[i].key;
      int need = 0;
      const struct zone_namespace *ns;
      for (size_t j = 0; j < sizeof ipc / sizeof ipc[0]; j++)
        if (strcmp (k, ipc[j]) == 0)
          need = CLONE_NEWIPC;
      if (strncmp (k, "fs.mqueue.", 10) == 0)
        need = CLONE_NEWIPC;
      else if (strncmp (k, "net.", 4) == 0)
        need = CLONE_NEWNET;
      else if (strcmp (k, "kernel.domainname") == 0)
        need = CLONE_NEWUTS;
      if (need == 0)
        return zerr_set (err, EINVAL, "config.json: linux.sysctl.%s: not allowed for a zone: the kernel does not "
                                      "keep it per namespace, so it would change the host", k);
      ns = zone_config_namespace (c, need);
      if (ns == NULL)
        return zerr_set (err, EINVAL, "config.json: linux.sysctl.%s: needs a %s namespace of the zone's own", k,
                         zone_namespace_name (need));
    }
  return 0;
}

/* A namespace to join must be one of the kind it is listed as: setns would say only EINVAL or
   EPERM, far from the cause. */
static int
check_namespace_paths (const struct zone_config *c, zerr **err)
{
  for (size_t i = 0; i < c->n_namespaces; i++)
    {
      const struct zone_namespace *ns = &c->namespaces[i];
      cleanup_close int fd = -1;
      int type;
      if (ns->path == NULL)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return zerr_sys (err, "config.json: linux.namespaces[%zu].path: `%s`", i, ns->path);
      type = ioctl (fd, NS_GET_NSTYPE);
      if (type >= 0 && type != ns->flag)
        return zerr_set (err, EINVAL, "config.json: linux.namespaces[%zu].path: `%s` is not a %s namespace", i,
                         ns->path, zone_namespace_name (ns->flag));
      if (type < 0)
        return zerr_set (err, EINVAL, "config.json: linux.namespaces[%zu].path: `%s` is not a namespace", i,
                         ns->path);
    }
  return 0;
}

static int
check_config (const struct zone_config *c, const char *rootfs, const struct zone_create_opts *o, bool console,
              zerr **err)
{
  struct stat st;
  if (c->process == NULL)
    return zerr_set (err, EINVAL, "config.json: process: required but missing");
  if (zone_config_namespace (c, CLONE_NEWNS) == NULL && check_without_mount_ns (c, err) < 0)
    return -EINVAL;
  if (stat (rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    return zerr_set (err, ENOENT, "config.json: root.path: rootfs `%s` does not exist or is not a directory", rootfs);
  if (strcmp (rootfs, "/") == 0)
    return zerr_set (err, EINVAL, "config.json: root.path: it is the host's root directory");
  if (check_namespace_paths (c, err) < 0 || check_sysctls (c, err) < 0)
    return -EINVAL;
  if (c->process->terminal && !console)
    return zerr_set (err, EINVAL, "config.json: process.terminal: a terminal needs --console-socket (or `run` in "
                                  "the foreground)");
  if (!c->process->terminal && o->console_socket)
    return zerr_set (err, EINVAL, "--console-socket was given but process.terminal is false");
  if (c->has_intel_rdt)
    return zerr_set (err, ENOTSUP, "config.json: linux.intelRdt: Intel RDT is not supported");
  if (lsm_check (c->process, err) < 0)
    return -ENOTSUP;
  if (o->preserve_fds < 0)
    return zerr_set (err, EINVAL, "--preserve-fds must not be negative");
  return process_validate_caps (c->process, err);
}

/* Set (or replace) an annotation of the state: zone reports what it chose there. */
static void
state_set_annotation (struct zone_state *st, const char *key, const char *value)
{
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, key) == 0)
      {
        free (st->annotations[i].value);
        st->annotations[i].value = xstrdup (value);
        return;
      }
  st->annotations = realloc (st->annotations, (st->n_annotations + 1) * sizeof (struct zone_kv));
  if (st->annotations == NULL)
    abort ();
  st->annotations[st->n_annotations].key = xstrdup (key);
  st->annotations[st->n_annotations++].value = xstrdup (value);
}

static void
state_drop_annotation (struct zone_state *st, const char *key)
{
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, key) == 0)
      {
        free (st->annotations[i].key);
        free (st->annotations[i].value);
        st->annotations[i] = st->annotations[--st->n_annotations];
        return;
      }
}

/* org.zone.cpu.*: each value, then the set against this host's cores. */
static int
parse_cpu_policy (const struct zone_config *c, struct cpu_policy *cpu, bool *weight_given, zerr **err)
{
  int ret;

  cpu_policy_init (cpu);
  *weight_given = false;
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      if ((ret = cpu_policy_set (cpu, c->annotations[i].key, c->annotations[i].value, err)) < 0)
        return ret;
      if (ret > 0 && strcmp (c->annotations[i].key, "org.zone.cpu.weight") == 0)
        *weight_given = true;
    }
  return cpu_policy_check (cpu, cpu_host_cores (), err);
}

/* org.zone.cpu.cap is the zone's quota, written at create like linux.resources.cpu.quota (which
   it may not contradict). */
static int
apply_cpu_cap (const struct cpu_policy *cpu, struct zone_resources **res, zerr **err)
{
  struct zone_resources *r;
  int64_t period;

  if (cpu->cap <= 0)
    return 0;
  /* A config without linux.resources has none to add the quota to. */
  if (*res == NULL)
    *res = xmalloc0 (sizeof **res);
  r = *res;
  if (r->cpu_quota.set && r->cpu_quota.v > 0)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.cap: linux.resources.cpu.quota sets a "
                                  "ceiling too; give one of them");
  period = r->cpu_period.set && r->cpu_period.v > 0 ? r->cpu_period.v : 100000;
  r->cpu_period.set = r->cpu_quota.set = true;
  r->cpu_period.v = period;
  r->cpu_quota.v = (int64_t) round_nearest (cpu->cap * (double) period);
  if (r->cpu_quota.v < 1000)
    r->cpu_quota.v = 1000; /* the kernel's least quota */
  return 0;
}

static void
drop_device_writes (struct cgroup_writes *w)
{
  size_t k = 0;
  for (size_t i = 0; i < w->n; i++)
    {
      if (w->w[i].controller && strcmp (w->w[i].controller, "devices") == 0)
        {
          free (w->w[i].file);
          free (w->w[i].value);
          continue;
        }
      w->w[k++] = w->w[i];
    }
  w->n = k;
}

/* linux.resources and zone's cpu annotations, checked against this host before anything is
   made: a limit the host cannot enforce is an error now, not a surprise later. */
static int
plan_limits (const struct zone_runtime *rt, const struct zone_config *c, struct cpu_policy *cpu,
             struct zone_resources **res, struct cgroup_writes *w, zerr **err)
{
  bool weight_given;
  int ret;

  if (c->cgroups_path && strchr (c->cgroups_path, ':') && rt->cgroup_manager != ZONE_CGROUP_SYSTEMD)
    return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` is a systemd slice:prefix:name path: use "
                                  "--systemd-cgroup", c->cgroups_path);
  if (rt->cgroup_manager == ZONE_CGROUP_SYSTEMD && !systemd_is_running ())
    return zerr_set (err, ENOTSUP, "--systemd-cgroup: systemd is not running as PID 1 on this host; use the "
                                   "cgroupfs driver");
  if ((ret = parse_cpu_policy (c, cpu, &weight_given, err)) < 0)
    return ret;
  if ((ret = zone_resources_parse ("config.json", "linux.resources", c->resources, res, err)) < 0
      || (ret = apply_cpu_cap (cpu, res, err)) < 0)
    return ret;
  if (rt->cgroup_manager == ZONE_CGROUP_DISABLED)
    {
      if (cpu->cap > 0 || cpu_policy_needs_governor (cpu))
        return zerr_set (err, ENOTSUP, "config.json: annotations.org.zone.cpu.%s: needs the zone's cgroup, and "
                                       "--cgroup-manager is disabled", cpu->cap > 0 ? "cap" : cpu->reserve > 0
                                                                                          ? "reserve" : "baseline");
      return 0;
    }
  if (cpu_policy_needs_governor (cpu) && cgroup_host_version ("cpu") == 0)
    return zerr_set (err, ENOTSUP, "config.json: annotations.org.zone.cpu.%s: the cpu cgroup controller is not "
                                   "available to zone here", cpu->reserve > 0 ? "reserve" : "baseline");
  if ((ret = cgroup_resource_writes (*res, weight_given ? (int64_t) cpu->weight : 0, cgroup_host_version_fn (), NULL,
                                     "linux.resources", w, err)) < 0)
    return ret;
  /* An ordinary user's zone has no device rules, as with runc: in its user namespace no device
     node can be made (only the host's bound, with their own permissions), and the rules' v1
     files and v2 eBPF filter are root's to write. */
  if (running_rootless ())
    drop_device_writes (w);
  return 0;
}

/* Zones of one id under two roots (engines keep their own) must not share a cgroup: outside
   the default root the default name carries a hash of the root. */
char *
default_cgroup_name (const char *root, const char *id)
{
  cleanup_free char *real = realpath (root, NULL);
  char *r;

  if (real == NULL || strcmp (real, ZONE_DEFAULT_ROOT) == 0)
    return xstrdup (id);
  if (asprintf (&r, "%s@%08x", id, fnv1a_str (FNV1A_INIT, real)) < 0)
    abort ();
  return r;
}

/* An ordinary user to whom no cgroup is delegated: the zone runs in the user's own cgroup, as
   runc runs it, unless the config asks for a limit, which could not hold there. */
static int
without_cgroup (const struct zone_runtime *rt, const char *id, const struct cgroup_writes *writes, const char *where,
                zerr **err)
{
  for (size_t i = 0; i < writes->n; i++)
    if (writes->w[i].file)
      return zerr_set (err, EPERM, "config.json: linux.resources.%s: an ordinary user's zone is limited only in a "
                                   "cgroup delegated to the user (systemd-run --user -p Delegate=yes, or "
                                   "--systemd-cgroup), and `%s` is not",
                       cgroup_resource_field (writes->w[i].file), where);
  zone_debug (rt, "%s: no cgroup of its own: nothing is delegated to uid %u at `%s` and the config asks for no limits",
              id, (unsigned) geteuid (), where);
  return 0;
}

/* Where the zone's cgroup goes and which of its directories zone makes, recorded in the state
   before anything is made, so that `delete --force` finds them after a crash at any later step
   and never removes or signals a cgroup that was there before. */
static int
plan_cgroup (const struct zone_runtime *rt, const struct zone_config *c, const char *cgroups_path, const char *id,
             const struct cgroup_writes *writes, struct zone_state *st, char **sd_slice, char **sd_unit, char **rel,
             zerr **err)
{
  const char *shared = zone_config_annotation (c, "org.zone.cgroup.shared");
  cleanup_free char *name = NULL, *path = NULL;
  struct cgroup_plan plan;
  int ret;

  if (rt->cgroup_manager == ZONE_CGROUP_SYSTEMD)
    return systemd_unit_names (cgroups_path, id, sd_slice, sd_unit, err);
  if (rt->cgroup_manager != ZONE_CGROUP_CGROUPFS)
    return 0;
  if (shared && strcmp (shared, "true") != 0 && strcmp (shared, "false") != 0)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cgroup.shared: must be `true` or `false`, not "
                                  "`%s`", shared);
  name = default_cgroup_name (rt->root, id);
  /* An ordinary user in a cgroup delegated to it (systemd-run --user --scope -p Delegate=yes):
     the zone's cgroup is made there, beside ours. */
  if (running_rootless () && (cgroups_path == NULL || *cgroups_path == '\0'))
    {
      cleanup_free char *own = cgroup_own_delegated ();
      if (own && (ret = cgroup_leave_for_leaf (own, err)) < 0)
        return ret;
      if (own)
        {
          free (name);
          if (asprintf (&name, "%s/zone-%s", own, id) < 0)
            abort ();
          cgroups_path = name;
          zone_debug (rt, "%s: in the cgroup delegated to uid %u: `%s`", id, (unsigned) geteuid (), name);
        }
    }
  if ((ret = cgroup_zone_path (cgroups_path, name, &path, err)) < 0
      || (ret = cgroup_plan (path, shared && strcmp (shared, "true") == 0, &plan, err)) < 0)
    return ret;
  if (running_rootless () && !cgroup_plan_writable (&plan))
    {
      ret = without_cgroup (rt, id, writes, plan.paths[0], err);
      cgroup_plan_release (&plan);
      return ret;
    }
  st->cgroup_paths = plan.paths;
  st->cgroup_made = plan.made;
  st->cgroup_owned = plan.owned;
  *rel = steal_pointer (&path);
  return 0;
}

/* Build the zone up to `created`.  On success *pidfd_out (if not NULL) keeps a pidfd of the init. */
static bool
has_create_hooks (const struct zone_config *c)
{
  return c->n_hooks[ZONE_HOOK_PRESTART] || c->n_hooks[ZONE_HOOK_CREATE_RUNTIME]
         || c->n_hooks[ZONE_HOOK_CREATE_CONTAINER] || c->n_hooks[ZONE_HOOK_START_CONTAINER];
}

/* Between GO and READY the init may ask for the create hooks: run prestart and createRuntime
   in our namespaces, with the state as it is now. */
static int
serve_init (int sock, const struct zone_config *c, const struct zone_state *st, zerr **err)
{
  struct sync_msg *m = xmalloc0 (sizeof *m);
  int ret;

  for (;;)
    {
      ret = sync_recv (sock, m);
      if (ret < 0)
        {
          ret = ret == -EPIPE ? zerr_set (err, EPIPE, "the zone's init exited during setup")
                              : (errno = -ret, zerr_sys (err, "read from the zone's init"));
          break;
        }
      if (m->type == SYNC_ERROR)
        {
          ret = zerr_set (err, m->code, "%s", m->msg);
          break;
        }
      if (m->type == SYNC_READY)
        {
          ret = 0;
          break;
        }
      if (m->type != SYNC_HOOKS)
        {
          ret = zerr_set (err, EPROTO, "unexpected message %d from the zone's init", m->type);
          break;
        }
      {
        cleanup_free char *json = zone_state_to_json (st, true), *started = NULL;
        struct zone_state as_created = *st;
        if ((ret = hooks_run (c, ZONE_HOOK_PRESTART, json, NULL, err)) < 0
            || (ret = hooks_run (c, ZONE_HOOK_CREATE_RUNTIME, json, NULL, err)) < 0)
          break;
        /* Two answers: the state for createContainer (now), then the one startContainer sees,
           once `start` has found the zone created. */
        as_created.status = (char *) "created";
        started = zone_state_to_json (&as_created, true);
        if (sync_send (sock, SYNC_HOOKS_DONE, 0, json) < 0 || sync_send (sock, SYNC_HOOKS_DONE, 0, started) < 0)
          {
            /* The init may have failed (a createContainer hook) and gone before our second answer:
               its reason is still in the socket. */
            if (sync_recv (sock, m) == 0 && m->type == SYNC_ERROR)
              ret = zerr_set (err, m->code, "%s", m->msg);
            else
              ret = zerr_set (err, EPIPE, "the zone's init exited during setup");
            break;
          }
      }
    }
  free (m);
  return ret;
}

/* Everything one create holds; released by create_release whatever step it ended at. */
struct create
{
  const struct zone_runtime *rt;
  const char *id;
  const struct zone_create_opts *o;
  int console_sock; /* run's own terminal socket, or -1 */
  struct zone_config *config;
  char *bundle, *config_text, *rootfs, *sd_slice, *sd_unit;
  char *cgroup_rel; /* the zone's cgroup below each hierarchy's root (cgroupfs) */
  int lock_fd, state_fd, sock_parent, sock_child, console_fd, own_pid_ns, own_time_ns;
  int cgroup_fd; /* the zone's cgroup, to clone the init into (pure v2), or -1 */
  int restore_netns; /* restore: the network namespace CRIU puts the zone in, or -1 */
  scmp_filter_ctx filter;
  struct zone_state *st;
  struct zone_resources *resources;
  struct zone_net net;
  struct cgroup_writes writes;
  struct cpu_policy cpu;
  struct create_undo undo;
};

static void
create_release (struct create *c)
{
  cleanup_configp (&c->config);
  free (c->bundle);
  free (c->config_text);
  free (c->rootfs);
  free (c->sd_slice);
  free (c->sd_unit);
  free (c->cgroup_rel);
  cleanup_closep (&c->restore_netns);
  cleanup_closep (&c->lock_fd);
  cleanup_closep (&c->state_fd);
  cleanup_closep (&c->sock_parent);
  cleanup_closep (&c->sock_child);
  cleanup_closep (&c->console_fd);
  cleanup_closep (&c->own_pid_ns);
  cleanup_closep (&c->own_time_ns);
  cleanup_closep (&c->cgroup_fd);
  if (c->filter)
    seccomp_release (c->filter);
  cleanup_statep (&c->st);
  cleanup_resourcesp (&c->resources);
  zone_net_free (&c->net);
  cgroup_writes_free (&c->writes);
}

/* The bundle's config.json, parsed, and the rootfs it names. */
static int
read_bundle (struct create *c, zerr **err)
{
  cleanup_free char *config_path = NULL, *r = NULL;
  int ret;

  if ((ret = store_validate_id (c->id, err)) < 0)
    return ret;
  c->bundle = realpath (c->o->bundle ? c->o->bundle : ".", NULL);
  if (c->bundle == NULL)
    return zerr_sys (err, "bundle `%s`", c->o->bundle ? c->o->bundle : ".");
  config_path = path_join (c->bundle, "config.json");
  if ((ret = read_file_at (AT_FDCWD, config_path, &c->config_text, NULL, err)) < 0)
    return ret;
  if ((ret = zone_config_parse ("config.json", c->config_text, &c->config, err)) < 0)
    return ret;
  r = path_join (c->bundle, c->config->root_path);
  c->rootfs = realpath (r, NULL);
  if (c->rootfs == NULL)
    c->rootfs = steal_pointer (&r);
  return 0;
}

/* Everything that can be refused is refused here, before anything is made. */
static int
check_and_plan (struct create *c, zerr **err)
{
  const struct zone_create_opts *o = c->o;
  int ret;

  if ((ret = check_config (c->config, c->rootfs, o, c->console_sock >= 0 || o->console_socket, err)) < 0
      || (ret = plan_limits (c->rt, c->config, &c->cpu, &c->resources, &c->writes, err)) < 0
      || (ret = zone_net_parse (c->config, &c->net, err)) < 0
      || (ret = seccomp_filter_build (c->config->seccomp, &c->filter, err)) < 0
      || (ret = process_check_memory_merge (c->config, err)) < 0)
    return ret;
  /* A bridge, its NAT and a veth in the host's namespace are the host's to change. */
  if (c->net.bridge && running_rootless ())
    return zerr_set (err, EPERM, "config.json: annotations.org.zone.net.mode: bridge needs root; an ordinary "
                                 "user's zone has loopback only (mode none) or slirp4netns");
  if (c->config->process->terminal)
    {
      c->console_fd = c->console_sock >= 0 ? dup (c->console_sock) : terminal_connect_socket (o->console_socket, err);
      if (c->console_fd < 0)
        return c->console_sock >= 0 ? zerr_sys (err, "dup") : c->console_fd;
    }
  return 0;
}

static struct zone_state *
new_state (const struct create *c)
{
  const struct zone_config *config = c->config;
  struct zone_state *st = xmalloc0 (sizeof *st);
  cleanup_free char *passwd = NULL, *owner = NULL;

  st->oci_version = xstrdup (ZONE_OCI_VERSION);
  st->id = xstrdup (c->id);
  st->status = xstrdup ("creating");
  st->bundle = xstrdup (c->bundle);
  st->rootfs = xstrdup (c->rootfs);
  st->created = now_rfc3339 ();
  /* The owner's name as /etc/passwd has it (as runc looks it up), without NSS. */
  if (read_file_at (AT_FDCWD, "/etc/passwd", &passwd, NULL, NULL) == 0)
    owner = passwd_field (passwd, geteuid (), 0);
  st->owner = xstrdup (owner ? owner : "");
  if (config->n_annotations)
    {
      st->annotations = xmalloc0 (config->n_annotations * sizeof (struct zone_kv));
      for (size_t i = 0; i < config->n_annotations; i++)
        {
          st->annotations[i].key = xstrdup (config->annotations[i].key);
          st->annotations[i].value = xstrdup (config->annotations[i].value);
        }
      st->n_annotations = config->n_annotations;
    }
  for (int k = 0; k < ZONE_HOOK_KINDS; k++)
    if (config->n_hooks[k])
      st->hooks |= 1u << k;
  return st;
}

/* sd_notify: the state's notify/ directory, where the socket will be bound, is mounted at
   NOTIFY_ZONE_DIR in the zone, and the process is told NOTIFY_SOCKET. */
static int
add_notify_socket (struct create *c, zerr **err)
{
  cleanup_free char *root = realpath (c->rt->root, NULL), *dir = NULL;
  struct zone_config *cfg = c->config;
  struct zone_mount *m;

  if (root == NULL)
    return zerr_sys (err, "--root `%s`", c->rt->root);
  if (mkdirat (c->lock_fd, "notify", 0755) < 0)
    return zerr_sys (err, "sd_notify: make the socket's directory");
  dir = path_join (root, c->id);
  cfg->mounts = realloc (cfg->mounts, (cfg->n_mounts + 1) * sizeof *cfg->mounts);
  if (cfg->mounts == NULL)
    abort ();
  m = &cfg->mounts[cfg->n_mounts++];
  memset (m, 0, sizeof *m);
  m->destination = xstrdup (NOTIFY_ZONE_DIR);
  m->type = xstrdup ("bind");
  m->source = path_join (dir, "notify");
  strv_append (&m->options, "bind");
  strv_append (&m->options, "nosuid");
  strv_append (&m->options, "nodev");
  strv_append (&cfg->process->env, "NOTIFY_SOCKET=" NOTIFY_ZONE_DIR "/" NOTIFY_SOCKET_NAME);
  return 0;
}

/* The zone's directory in the store, its state (status creating), its config and exec.fifo:
   recorded before anything else is made, so that `delete --force` finds it after a crash. */
static int
record_zone (struct create *c, zerr **err)
{
  int ret;

  c->lock_fd = store_create (c->rt->root, c->id, err);
  if (c->lock_fd < 0)
    return c->lock_fd;
  c->undo.dir_made = true;
  c->st = new_state (c);
  /* A clone has a cgroup of its own id: the one its config names is its original's. */
  const char *cgroups_path = c->o->restore && c->o->restore->clone ? NULL : c->config->cgroups_path;

  if (c->o->cgroups_path)
    cgroups_path = c->o->cgroups_path;

  if ((ret = plan_cgroup (c->rt, c->config, cgroups_path, c->id, &c->writes, c->st, &c->sd_slice, &c->sd_unit,
                          &c->cgroup_rel, err)) < 0
      || (ret = store_write_state (c->lock_fd, c->st, err)) < 0)
    return ret;
  /* exec and the poststop hooks need the config as it was at create time. */
  if ((ret = write_file_at (c->lock_fd, "config.json", c->config_text, strlen (c->config_text), 0600, err)) < 0)
    return ret;
  if (mkfifoat (c->lock_fd, "exec.fifo", 0622) < 0)
    return zerr_sys (err, "create exec.fifo");
  /* Chmod, as the umask may have taken bits the zone's user needs to write it. */
  fchmodat (c->lock_fd, "exec.fifo", 0622, 0);
  return c->o->notify ? add_notify_socket (c, err) : 0;
}

/* org.zone.cpu.reserve: taken from the host's ledger once the zone's state exists (a ledger line
   without a state is a crash's, and free again). */
static int
reserve_cpu (struct create *c, zerr **err)
{
  int ret;

  if (c->cpu.reserve <= 0)
    return 0;
  if ((ret = cpu_reserve_acquire (c->rt->root, c->id, c->cpu.reserve, cpu_host_cores (), err)) < 0)
    return ret;
  c->undo.reserved = true;
  return 0;
}

/* Limits are in place before the init joins: the zone never runs without them. (systemd makes
   its scope once the init exists: place_init.) */
static int
make_cgroups (struct create *c, zerr **err)
{
  struct cgroup_plan plan = { c->st->cgroup_paths, c->st->cgroup_made, c->st->cgroup_owned };
  int ret;

  if (c->rt->cgroup_manager != ZONE_CGROUP_CGROUPFS || c->st->cgroup_paths == NULL)
    return 0;
  if ((ret = cgroup_create (&plan, err)) < 0)
    return ret;
  c->undo.cgroups = c->st;
  return cgroup_apply (c->st->cgroup_paths, c->resources, &c->writes, err);
}

/* Clone the init into its new namespaces (and, with c->cgroup_fd, into its cgroup); it waits on
   the socket for GO. Never returns in the child. */
static int
clone_zone_init (struct create *c, zerr **err)
{
  int sv[2], ret;

  c->state_fd = openat (c->lock_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->state_fd < 0 || socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return zerr_sys (err, "prepare the zone's init");
  c->sock_parent = sv[0];
  c->sock_child = sv[1];
  /* Our own pid and time namespaces for children, to go back to once the init is cloned:
     the hooks we run must not land in the zone's. */
  c->own_pid_ns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  c->own_time_ns = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
  if ((ret = prepare_child_namespaces (c->config, err)) < 0)
    return ret;

  c->undo.pid = clone_pidfd (clone_flags (c->config), &c->undo.pidfd, &c->cgroup_fd);
  if (c->undo.pid < 0)
    {
      c->undo.pidfd = -1;
      return zerr_sys (err, "clone the zone's init");
    }
  if (c->undo.pid == 0)
    {
      struct init_args a = {
        .config = c->config,
        .rootfs = c->rootfs,
        .bundle = c->bundle,
        .sync_fd = c->sock_child,
        .state_dir_fd = c->state_fd,
        .lock_fd = c->lock_fd,
        .new_userns = (clone_flags (c->config) & CLONE_NEWUSER) != 0,
        .no_pivot = c->o->no_pivot,
        .no_new_keyring = c->o->no_new_keyring,
        .preserve_fds = c->o->preserve_fds,
        .listen_fds = c->o->listen_fds,
        .console_fd = c->console_fd,
        .seccomp = c->filter,
        .create_hooks = has_create_hooks (c->config),
        .last_stage = !last_stage_unfit (c->config),
      };
      close (c->sock_parent);
      zone_init_main (&a);
    }
  if (c->own_pid_ns >= 0)
    setns (c->own_pid_ns, CLONE_NEWPID);
  if (c->own_time_ns >= 0)
    setns (c->own_time_ns, CLONE_NEWTIME);
  cleanup_closep (&c->sock_child);
  cleanup_closep (&c->console_fd);
  return 0;
}

/* systemd makes the zone's cgroup, with pid in it, as a delegated transient scope; the limits
   it has no property for are written into it. */
static int
start_scope (struct create *c, pid_t pid, zerr **err)
{
  struct zone_state *st = c->st;
  char *dir = NULL;
  int ret;

  if ((ret = systemd_scope_start (c->sd_slice, c->sd_unit, c->id, pid, c->resources, &dir, err)) < 0)
    return ret;
  st->cgroup_paths = xmalloc0 (2 * sizeof (char *));
  st->cgroup_paths[0] = dir;
  st->cgroup_made = xmalloc0 (2 * sizeof (char *));
  st->cgroup_made[0] = xstrdup (dir);
  st->cgroup_owned = true;
  c->undo.cgroups = st;
  return cgroup_apply (st->cgroup_paths, c->resources, &c->writes, err);
}

/* Id maps, then GO: the init builds its rootfs from here on, while we make and join its cgroups
   (place_init); it waits for PLACED wherever they matter. */
static int
let_init_go (struct create *c, zerr **err)
{
  struct zone_state *st = c->st;
  pid_t pid = c->undo.pid;
  int ret;

  if ((clone_flags (c->config) & CLONE_NEWUSER) && (ret = map_ids (pid, c->config, err)) < 0)
    return ret;
  /* Not written yet: until `created`, the init dies with us (PDEATHSIG, or EOF on the socket),
     and what is left is found through the cgroup paths already recorded. */
  st->pid = pid;
  pid_stat (pid, &st->pid_start, NULL);
  if (sync_send (c->sock_parent, SYNC_GO, 0, NULL) < 0)
    return zerr_set (err, EPIPE, "the zone's init exited during setup");
  return 0;
}

/* What the init said when it failed while we were placing it, in place of our own error
   (joining the cgroups of an init that has exited fails too, for a reason that says nothing). */
static int
init_reason (struct create *c, int ret, zerr **err)
{
  struct sync_msg *m;

  if (poll (&(struct pollfd){ .fd = c->sock_parent, .events = POLLIN }, 1, 0) <= 0)
    return ret;
  m = xmalloc0 (sizeof *m);
  if (sync_recv (c->sock_parent, m) == 0 && m->type == SYNC_ERROR)
    {
      zerr_free (err);
      ret = zerr_set (err, m->code, "%s", m->msg);
    }
  free (m);
  return ret;
}

/* The init into the cgroups make_cgroups made (or a systemd scope), then PLACED. */
static int
place_init (struct create *c, zerr **err)
{
  int ret;

  if (c->cgroup_fd >= 0)
    ret = 0; /* born there */
  else if (c->rt->cgroup_manager == ZONE_CGROUP_SYSTEMD)
    ret = start_scope (c, c->undo.pid, err);
  else
    ret = cgroup_enter (c->st->cgroup_paths, c->undo.pid, err);
  if (ret == 0 && sync_send (c->sock_parent, SYNC_PLACED, 0, NULL) < 0)
    ret = zerr_set (err, EPIPE, "the zone's init exited during setup");
  return ret < 0 ? init_reason (c, ret, err) : 0;
}

/* The init cloned, going, in its cgroups. On pure v2 with cgroupfs it is cloned into its cgroup,
   made first; elsewhere its cgroups are made and joined while it makes its rootfs. */
static int
start_init (struct create *c, zerr **err)
{
  const struct zone_runtime *rt = c->rt;
  bool made_first = rt->cgroup_manager == ZONE_CGROUP_CGROUPFS && cgroup_host_mode () == CGROUP_MODE_UNIFIED;
  bool has_cgroup = c->st->cgroup_paths && c->st->cgroup_paths[0];
  int ret;

  if (made_first)
    {
      if ((ret = make_cgroups (c, err)) < 0)
        return ret;
      c->cgroup_fd = cgroup_clone_target (c->st->cgroup_paths);
    }
  if ((ret = clone_zone_init (c, err)) < 0 || (ret = let_init_go (c, err)) < 0)
    return ret;
  zone_debug (rt, "%s: init %d cloned%s, making its rootfs", c->id, c->undo.pid,
              c->cgroup_fd >= 0 ? " into its cgroup" : "");
  if (!made_first && (ret = make_cgroups (c, err)) < 0)
    return init_reason (c, ret, err);
  if (has_cgroup)
    zone_debug (rt, "%s: cgroup %s made", c->id, c->st->cgroup_paths[0]);
  if ((ret = place_init (c, err)) < 0)
    return ret;
  if (has_cgroup)
    zone_debug (rt, "%s: init placed in its cgroup", c->id);
  return 0;
}

/* The zone's end of the network in netns, its lease and the host's end (bridge). */
static int
wire_network (struct create *c, int netns, zerr **err)
{
  struct in_addr addr;
  char text[INET_ADDRSTRLEN], host[16];
  int ret;

  if ((ret = zone_net_setup (c->rt->root, c->id, &c->net, netns, &addr, host, err)) < 0)
    return ret;
  c->st->net_veth = xstrdup (host);
  c->undo.net = &c->net;
  c->undo.net_veth = c->st->net_veth;
  inet_ntop (AF_INET, &addr, text, sizeof text);
  state_set_annotation (c->st, "org.zone.net.address", text);
  return 0;
}

/* slirp4netns serves the zone's network namespace from outside; its pid and start time are
   kept in the state, for delete to stop it (and only it). */
static int
start_slirp (struct create *c, zerr **err)
{
  unsigned long long start = 0;
  char text[64];
  pid_t pid;
  int ret;

  if ((ret = zone_slirp_start (c->undo.pid, &c->net, c->lock_fd, &pid, err)) < 0)
    return ret;
  c->undo.slirp_pid = pid;
  pid_stat (pid, &start, NULL);
  snprintf (text, sizeof text, "%d %llu", pid, start);
  state_set_annotation (c->st, SLIRP_ANNOTATION, text);
  return 0;
}

/* While the init builds its rootfs: the network is ready before any hook or the process. */
static int
connect_network (struct create *c, zerr **err)
{
  char path[64];
  cleanup_close int netns = -1;

  if (c->net.slirp)
    return start_slirp (c, err);
  if (!c->net.bridge)
    return 0;
  snprintf (path, sizeof path, "/proc/%d/ns/net", c->undo.pid);
  netns = open (path, O_RDONLY | O_CLOEXEC);
  if (netns < 0)
    return zerr_sys (err, "open the zone's network namespace");
  return wire_network (c, netns, err);
}

/* restore: the network namespace the images leave out (checkpoint.c), for CRIU to put the zone
   in. A bridged zone's is made and wired here as create wires a new zone's, with the address the
   zone had (a clone gets a new one); one the config names by path is that one. */
static int
restore_network (struct create *c, zerr **err)
{
  const struct zone_namespace *ns = zone_config_namespace (c->config, CLONE_NEWNET);
  int ret;

  if (ns && ns->path)
    {
      c->restore_netns = open (ns->path, O_RDONLY | O_CLOEXEC);
      return c->restore_netns < 0 ? zerr_sys (err, "restore: network namespace `%s`", ns->path) : 0;
    }
  if (!c->net.bridge)
    return 0;
  if (c->o->restore->clone)
    {
      /* Its host ports are its original's: it publishes none, and says so. */
      c->net.n_ports = 0;
      c->net.has_address = false;
      state_drop_annotation (c->st, "org.zone.net.ports");
    }
  else if (!c->net.has_address && checkpoint_saved_address (c->o->restore, &c->net.address) > 0)
    c->net.has_address = true;
  if ((ret = checkpoint_new_netns (&c->restore_netns, err)) < 0)
    return ret;
  return wire_network (c, c->restore_netns, err);
}

static int
write_pid_file (const char *pid_file, pid_t pid, zerr **err)
{
  cleanup_free char *abs = NULL;
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", pid);

  if (pid_file[0] != '/')
    {
      cleanup_free char *cwd = getcwd (NULL, 0);
      abs = path_join (cwd ? cwd : "/", pid_file);
    }
  return write_file_atomic (abs ? abs : pid_file, buf, (size_t) len, 0644, err);
}

/* A child that only waits to be killed (and dies with us). */
static int
start_holder (pid_t *holder, zerr **err)
{
  *holder = fork ();
  if (*holder < 0)
    return zerr_sys (err, "restore: fork");
  if (*holder == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      for (;;)
        pause ();
    }
  return 0;
}

static void
stop_holder (pid_t *holder)
{
  if (*holder > 0)
    {
      kill (*holder, SIGKILL);
      waitpid (*holder, NULL, 0);
    }
}
#define cleanup_holder __attribute__ ((cleanup (stop_holder)))

/* restore: CRIU brings the zone's processes back in place of a new init, into the cgroup made
   above (CRIU puts them where they were; the init is moved if that was elsewhere). */
static int
restore_processes (struct create *c, zerr **err)
{
  pid_t pid;
  int ret;

  struct restore_env env = {
    .rootfs = c->rootfs,
    .cgroup_root = c->rt->cgroup_manager == ZONE_CGROUP_CGROUPFS ? c->cgroup_rel : NULL,
    .netns = c->restore_netns,
    .tty = -1,
  };
  cleanup_holder pid_t holder = -1;
  cleanup_close int tty = -1;

  /* A terminal zone gets a new pty, its master sent as for a created zone (--console-socket). */
  if (c->config->process->terminal && (ret = terminal_for_restore (c->console_fd, c->config->process, &tty, err)) < 0)
    return ret;
  env.tty = tty;

  if (c->rt->cgroup_manager == ZONE_CGROUP_SYSTEMD)
    {
      /* A scope needs a process to start with: a placeholder holds it until CRIU has put the
         zone's processes in, so that the zone gets its unit and limits as a created one does. */
      if ((ret = start_holder (&holder, err)) < 0 || (ret = start_scope (c, holder, err)) < 0)
        return ret;
      env.cgroup_root = c->st->cgroup_paths[0] + strlen (CGROUP_ROOT);
    }
  if ((ret = rootfs_make_mountpoints (c->config, c->rootfs, c->bundle, err)) < 0
      || (ret = checkpoint_restore_processes (c->rt, c->o->restore, &env, &pid, err)) < 0)
    return ret;
  c->undo.pid = pid;
  c->undo.pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  c->st->pid = pid;
  pid_stat (pid, &c->st->pid_start, NULL);
  if (c->rt->cgroup_manager == ZONE_CGROUP_CGROUPFS && !cgroup_has_pid (c->st->cgroup_paths, pid)
      && (ret = cgroup_enter (c->st->cgroup_paths, pid, err)) < 0)
    return ret;
  /* Running from the start: no exec.fifo to wait on. */
  unlinkat (c->lock_fd, "exec.fifo", 0);
  return 0;
}

static int
mark_created (struct create *c, zerr **err)
{
  int ret;

  free (c->st->status);
  c->st->status = xstrdup (c->o->restore ? "running" : "created");
  if ((ret = store_write_state (c->lock_fd, c->st, err)) < 0)
    return ret;
  return c->o->pid_file ? write_pid_file (c->o->pid_file, c->undo.pid, err) : 0;
}

/* The life of a zone up to `created`, step by step; a failed step undoes what the steps before
   it made (create_undo), so that a failed create leaves nothing behind. */
int
zone_create_internal (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o,
                      int console_sock, struct create_result *res, zerr **err)
{
  struct create c = {
    .rt = rt, .id = id, .o = o, .console_sock = console_sock,
    .lock_fd = -1, .state_fd = -1, .sock_parent = -1, .sock_child = -1, .console_fd = -1,
    .own_pid_ns = -1, .own_time_ns = -1, .restore_netns = -1, .cgroup_fd = -1,
    .undo = { .root = rt->root, .id = id, .pid = -1, .pidfd = -1 },
  };
  int ret;

  if ((ret = read_bundle (&c, err)) < 0 || (ret = zone_full_if (rt, zone_config_needs_full (rt, c.config), err)) < 0
      || (!o->restore && (ret = last_stage_or_sealed (rt, c.config, err)) < 0) || (ret = check_and_plan (&c, err)) < 0)
    goto out;
  zone_debug (rt, "%s: config checked, bundle %s", id, c.bundle);
  if ((ret = record_zone (&c, err)) < 0 || (ret = reserve_cpu (&c, err)) < 0)
    goto fail;
  zone_debug (rt, "%s: state recorded", id);
  if (o->restore)
    {
      if ((ret = make_cgroups (&c, err)) < 0 || (ret = restore_network (&c, err)) < 0
          || (ret = restore_processes (&c, err)) < 0 || (ret = mark_created (&c, err)) < 0)
        goto fail;
    }
  else
    {
      if ((ret = start_init (&c, err)) < 0 || (ret = connect_network (&c, err)) < 0
          || (ret = serve_init (c.sock_parent, c.config, c.st, err)) < 0)
        goto fail;
      zone_debug (rt, "%s: init ready (rootfs, mounts, pivot_root done)", id);
      if ((ret = mark_created (&c, err)) < 0)
        goto fail;
    }
  zone_debug (rt, "%s: created, init %d", id, c.undo.pid);
  if (res)
    {
      res->pid = c.undo.pid;
      res->pidfd = c.undo.pidfd;
      res->terminal = c.config->process->terminal;
    }
  else
    close (c.undo.pidfd);
  goto out;

fail:
  undo_create (&c.undo);
out:
  create_release (&c);
  return ret;
}

int
zone_create (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o, zerr **err)
{
  return zone_create_internal (rt, id, o, -1, NULL, err);
}
