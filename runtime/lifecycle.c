#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "full.h"
#include "hooks.h"
#include "pid.h"
#include "store.h"
#include "cpu_reserve.h"
#include "../cgroups/cgroup.h"
#include "../netns/setup.h"
#include "../netns/slirp.h"
#include "../spec/config.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
set_status (struct zone_state *s, const char *status)
{
  free (s->status);
  s->status = xstrdup (status);
}

void
state_refresh_status (int dirfd, struct zone_state *s)
{
  unsigned long long start = 0;
  bool zombie = false;

  if (strcmp (s->status, "stopped") == 0)
    return;
  if (s->pid <= 0)
    {
      /* A create that never got as far as cloning: nothing runs. */
      if (strcmp (s->status, "creating") == 0)
        set_status (s, "stopped");
      return;
    }
  if (pid_stat (s->pid, &start, &zombie) < 0 || start != s->pid_start || zombie)
    {
      set_status (s, "stopped");
      return;
    }
  /* start removes the fifo once the init has gone past it. */
  if (strcmp (s->status, "created") == 0 && faccessat (dirfd, "exec.fifo", F_OK, 0) < 0)
    set_status (s, "running");
  /* Frozen by us (pause) or by anyone else: runc reports both as paused. */
  if (strcmp (s->status, "running") == 0 && s->cgroup_paths && cgroup_is_frozen (s->cgroup_paths))
    set_status (s, "paused");
  else if (strcmp (s->status, "paused") == 0 && s->cgroup_paths && !cgroup_is_frozen (s->cgroup_paths))
    set_status (s, "running");
}

static int
state_open_at (const struct zone_runtime *rt, int rootfd, const char *id, int *dirfd, struct zone_state **st,
               zerr **err)
{
  int fd = store_open_at (rootfd, rt->root, id, err);
  int ret;
  if (fd < 0)
    return fd;
  ret = store_read_state (fd, st, err);
  if (ret < 0)
    {
      close (fd);
      return ret;
    }
  state_refresh_status (fd, *st);
  *dirfd = fd;
  return 0;
}

int
state_open (const struct zone_runtime *rt, const char *id, int *dirfd, struct zone_state **st, zerr **err)
{
  return state_open_at (rt, -1, id, dirfd, st, err);
}

static int
get_state_at (const struct zone_runtime *rt, int rootfd, const char *id, struct zone_state **out, zerr **err)
{
  cleanup_close int fd = -1;
  int ret = state_open_at (rt, rootfd, id, &fd, out, err);
  /* As runc reports it: a stopped zone has no pid. */
  if (ret == 0 && strcmp ((*out)->status, "stopped") == 0)
    (*out)->pid = 0;
  return ret;
}

int
zone_get_state (const struct zone_runtime *rt, const char *id, struct zone_state **out, zerr **err)
{
  return get_state_at (rt, -1, id, out, err);
}

bool
zone_exists (const struct zone_runtime *rt, const char *id)
{
  cleanup_free char *dir = NULL;
  if (asprintf (&dir, "%s/%s", rt->root, id) < 0)
    abort ();
  return access (dir, F_OK) == 0;
}

int
zone_list (const struct zone_runtime *rt, struct zone_state ***out, size_t *n, zerr **err)
{
  cleanup_strv char **ids = NULL;
  cleanup_close int rootfd = -1;
  size_t count = 0;
  int ret = store_list (rt->root, &ids, err);
  if (ret < 0)
    return ret;
  rootfd = open (rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (; ids[count]; count++)
    ;
  *out = xmalloc0 ((count + 1) * sizeof (struct zone_state *));
  *n = 0;
  for (size_t i = 0; i < count; i++)
    {
      zerr *e = NULL;
      if (get_state_at (rt, rootfd, ids[i], &(*out)[*n], &e) < 0 && e && zone_exists (rt, ids[i]))
        {
          /* An unreadable state (torn, emptied) is listed, not hidden: its zone may still run. */
          struct zone_state *u = xmalloc0 (sizeof *u);
          u->id = xstrdup (ids[i]);
          u->status = xstrdup ("unknown");
          u->bundle = xstrdup ("");
          u->created = xstrdup ("");
          u->owner = xstrdup ("");
          u->annotations = xmalloc0 (sizeof (struct zone_kv));
          u->annotations[0].key = xstrdup ("org.zone.error");
          u->annotations[0].value = xstrdup (e->msg);
          u->n_annotations = 1;
          (*out)[*n] = u;
        }
      if ((*out)[*n])
        (*n)++;
      zerr_free (&e);
    }
  return 0;
}

/* poststart and poststop only warn when they fail; they see the config as it was at create. */
static void
run_hooks_warn (int dirfd, const struct zone_state *st, enum zone_hook_kind kind)
{
  cleanup_config struct zone_config *c = NULL;
  cleanup_free char *text = NULL, *json = NULL;

  if (!(st->hooks & (1u << kind)))
    return;
  if (read_file_at (dirfd, "config.json", &text, NULL, NULL) < 0
      || zone_config_parse ("config.json", text, &c, NULL) < 0 || c->n_hooks[kind] == 0)
    return;
  json = zone_state_to_json (st, true);
  hooks_run_warn (c, kind, json);
}

int
zone_start (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_close int dirfd = -1, fifo = -1, pidfd = -1;
  cleanup_state struct zone_state *st = NULL;
  struct pollfd pfd[2];
  char buf[1024];
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (strcmp (st->status, "created") != 0)
    return zerr_set (err, EINVAL, "cannot start container `%s`: it is %s, not created", id, st->status);
  pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd < 0)
    return zerr_set (err, ESRCH, "cannot start container `%s`: its init has exited", id);
  /* Non-blocking, so that an init that died cannot leave us waiting for a writer forever. */
  fifo = openat (dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return zerr_sys (err, "open exec.fifo");
  pfd[0] = (struct pollfd){ .fd = fifo, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  for (;;)
    {
      ssize_t n;
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return zerr_sys (err, "wait for the zone's init");
        }
      n = read (fifo, buf, sizeof buf - 1);
      if (n > 0)
        {
          buf[n] = '\0';
          break;
        }
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return zerr_sys (err, "read exec.fifo");
      /* EOF after a writer came and went, or the init died: it will not exec. */
      if ((n == 0 && (pfd[0].revents & POLLHUP)) || (pfd[1].revents & POLLIN))
        return zerr_set (err, ESRCH, "cannot start container `%s`: its init exited", id);
    }
  if (buf[0] != '0')
    {
      /* A startContainer hook failed: the init exits, the zone is stopped. */
      pidfd_wait_exit (pidfd, 10000);
      unlinkat (dirfd, "exec.fifo", 0);
      return zerr_set (err, EIO, "cannot start container `%s`: %s", id, buf + 1);
    }
  /* Without the fifo, the state reads as running (state_refresh_status): no write needed. */
  unlinkat (dirfd, "exec.fifo", 0);
  set_status (st, "running");
  zone_debug (rt, "%s: started, process %d running", id, st->pid);
  run_hooks_warn (dirfd, st, ZONE_HOOK_POSTSTART);
  return 0;
}

/* The zone's slirp4netns ("PID START"), if that process is still the one create started. */
static void
stop_slirp (const char *note)
{
  unsigned long long start = 0, now = 0;
  bool zombie = false;
  int pid = 0;

  if (sscanf (note, "%d %llu", &pid, &start) == 2 && pid > 0 && pid_stat (pid, &now, &zombie) == 0 && now == start)
    zone_slirp_stop (pid);
}

/* The pid namespace inode of pid, or 0. */
static ino_t
pid_ns_of (pid_t pid)
{
  char path[64];
  struct stat sb;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", pid);
  return stat (path, &sb) == 0 ? sb.st_ino : 0;
}

/* The processes of pid namespace ns, found in /proc: a zone without a cgroup of its own. */
static int
pids_in_namespace (ino_t ns, pid_t **pids, size_t *n)
{
  cleanup_dir DIR *d = opendir ("/proc");
  struct dirent *de;
  size_t alloc = 0;

  *pids = NULL;
  *n = 0;
  while (d && (de = readdir (d)))
    {
      pid_t pid = (pid_t) atoi (de->d_name);
      if (pid <= 0 || pid_ns_of (pid) != ns)
        continue;
      if (*n + 1 >= alloc)
        {
          alloc = alloc ? alloc * 2 : 16;
          *pids = realloc (*pids, alloc * sizeof (pid_t));
          if (*pids == NULL)
            abort ();
        }
      (*pids)[(*n)++] = pid;
    }
  return 0;
}

/* The zone's processes: its cgroup's, or, without one, those of its own pid namespace. */
static int
zone_pids (const struct zone_state *st, pid_t **pids, size_t *n, zerr **err)
{
  ino_t ns;

  if (st->cgroup_paths && st->cgroup_paths[0])
    return cgroup_pids (st->cgroup_paths, pids, n, err);
  ns = pid_ns_of (st->pid);
  if (ns == 0 || ns == pid_ns_of (getpid ()))
    {
      *pids = xmalloc0 (2 * sizeof (pid_t));
      (*pids)[0] = st->pid;
      *n = 1;
      return 0;
    }
  return pids_in_namespace (ns, pids, n);
}

/* Signal every process of a live zone.  Through its cgroup only when zone made that cgroup and
   the init is in it; in a cgroup the zone joined, only the init and the processes of the zone's
   own pid namespace (with none of its own, only the init): nothing that merely shares the
   cgroup is ever hit. */
static int
signal_zone (const struct zone_state *st, int pidfd, int sig, zerr **err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  ino_t ns;

  if (pidfd_signal (pidfd, sig) < 0 && errno != ESRCH)
    return zerr_sys (err, "signal container `%s`", st->id);
  if (st->cgroup_owned && cgroup_has_pid (st->cgroup_paths, st->pid))
    return cgroup_signal_all (st->cgroup_paths, sig, err);
  ns = pid_ns_of (st->pid);
  if (ns == 0 || ns == pid_ns_of (getpid ()) || zone_pids (st, &pids, &n, err) < 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (pids[i] != st->pid && pid_ns_of (pids[i]) == ns)
      kill (pids[i], sig);
  return 0;
}

static bool
is_active (const struct zone_state *st)
{
  return strcmp (st->status, "created") == 0 || strcmp (st->status, "running") == 0
         || strcmp (st->status, "paused") == 0;
}

int
zone_kill (const struct zone_runtime *rt, const char *id, int sig, bool all, zerr **err)
{
  cleanup_close int dirfd = -1, pidfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (!is_active (st))
    return zerr_set (err, ESRCH, "cannot kill `%s`: container not running", id);
  pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd < 0)
    return zerr_set (err, ESRCH, "cannot kill `%s`: container not running", id);
  zone_debug (rt, "%s: signal %d to %s", id, sig, all ? "every process of the zone" : "its init");
  if (all)
    return signal_zone (st, pidfd, sig, err);
  if (pidfd_signal (pidfd, sig) < 0)
    return zerr_sys (err, "signal container `%s`", id);
  return 0;
}

/* Kill the init and everything in the zone's cgroup, and wait until the init is gone. */
static int
kill_and_wait (struct zone_state *st, zerr **err)
{
  cleanup_close int pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd >= 0)
    {
      signal_zone (st, pidfd, SIGKILL, NULL);
      /* Frozen tasks of a v1 freezer die only once thawed. */
      if (st->cgroup_paths && cgroup_is_frozen (st->cgroup_paths))
        cgroup_freeze (st->cgroup_paths, false, NULL);
      if (!pidfd_wait_exit (pidfd, 10000))
        return zerr_set (err, ETIMEDOUT, "container `%s`: the init did not exit after SIGKILL", st->id);
    }
  return 0;
}

/* Without a state file: the zone's default cgroup (its processes with it; the default name
   under /zone is zone's own), its NAT rules by their `zone:ID` tag, its lease by root and id
   (and the bridge with its subnet's last lease).  A zone with its own cgroupsPath cannot be
   found this way. */
static int
delete_without_state (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_free char *name = default_cgroup_name (rt->root, id), *path = NULL;
  cleanup_strv char **dirs = NULL;
  int ret;

  /* Its NAT rules, lease and bridge may be left: netlink and nftables. */
  if ((ret = zone_full_if (rt, true, err)) < 0)
    return ret;
  if (rt->cgroup_manager == ZONE_CGROUP_CGROUPFS && cgroup_zone_path (NULL, name, &path, NULL) == 0)
    {
      dirs = cgroup_existing (path);
      if ((ret = cgroup_destroy (dirs, dirs, err)) < 0)
        return ret;
    }
  cpu_reserve_release (rt->root, id);
  if ((ret = zone_net_forget (rt->root, id, err)) < 0)
    return ret;
  return store_remove (rt->root, id, err);
}

/* Whether the zone's cgroup is a systemd scope it made (cgroup_destroy stops it). */
static bool
made_scope (const struct zone_state *st)
{
  for (size_t i = 0; st->cgroup_made && st->cgroup_made[i]; i++)
    {
      size_t len = strlen (st->cgroup_made[i]);
      if (len > 6 && strcmp (st->cgroup_made[i] + len - 6, ".scope") == 0)
        return true;
    }
  return false;
}

int
zone_delete (const struct zone_runtime *rt, const char *id, bool force, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = store_validate_id (id, err);

  if (ret < 0)
    return ret;
  dirfd = store_open (rt->root, id, err);
  if (dirfd < 0)
    return force && dirfd == -ENOENT ? (zerr_free (err), 0) : dirfd;
  ret = store_read_state (dirfd, &st, err);
  if (ret < 0)
    {
      /* No readable state (a create killed before its first write, a torn or emptied file): what
         the zone owns is found by its id. */
      if (force)
        {
          zerr_free (err);
          return delete_without_state (rt, id, err);
        }
      return ret;
    }
  state_refresh_status (dirfd, st);
  {
    /* Its bridge networking goes with it (netlink, nftables), and a systemd scope it made is
       stopped (sd-bus): zone-full's. */
    cleanup_net struct zone_net net = { 0 };
    bool bridge = zone_net_parse_annotations (st->annotations, st->n_annotations, true, &net, NULL) == 0 && net.bridge;
    if ((ret = zone_full_if (rt, bridge || made_scope (st), err)) < 0)
      return ret;
  }
  if (strcmp (st->status, "stopped") != 0)
    {
      if (!force && strcmp (st->status, "created") != 0)
        return zerr_set (err, EBUSY, "cannot delete container `%s` that is not stopped: %s", id, st->status);
      zone_debug (rt, "%s: %s, killing its processes", id, st->status);
      if ((ret = kill_and_wait (st, err)) < 0)
        return ret;
    }
  zone_debug (rt, "%s: removing its cgroup, network and state", id);
  if ((ret = cgroup_destroy (st->cgroup_paths, st->cgroup_made, err)) < 0)
    return ret;
  zone_debug (rt, "%s: cgroup removed", id);
  {
    cleanup_net struct zone_net net = { 0 };
    if (zone_net_parse_annotations (st->annotations, st->n_annotations, true, &net, NULL) == 0 && net.bridge
        && (ret = zone_net_teardown (rt->root, id, &net, st->net_veth, err)) < 0)
      return ret;
  }
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, "org.zone.cpu.reserve") == 0)
      cpu_reserve_release (rt->root, id);
    else if (strcmp (st->annotations[i].key, SLIRP_ANNOTATION) == 0)
      stop_slirp (st->annotations[i].value);
  /* A create that failed before its init ran has nothing to run poststop for. */
  if (st->pid > 0)
    {
      st->pid = 0;
      run_hooks_warn (dirfd, st, ZONE_HOOK_POSTSTOP);
    }
  ret = store_remove (rt->root, id, err);
  zone_debug (rt, "%s: deleted", id);
  return ret;
}

int
zone_release_network (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  cleanup_net struct zone_net net = { 0 };
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (zone_net_parse_annotations (st->annotations, st->n_annotations, true, &net, NULL) < 0 || !net.bridge)
    return 0;
  if ((ret = zone_full_if (rt, true, err)) < 0 || (ret = zone_net_teardown (rt->root, id, &net, st->net_veth, err)) < 0)
    return ret;
  /* Told to the state, so that delete does not tear it down a second time. */
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, "org.zone.net.mode") == 0)
      {
        free (st->annotations[i].value);
        st->annotations[i].value = xstrdup ("none");
      }
  free (st->net_veth);
  st->net_veth = NULL;
  return store_write_state (dirfd, st, err);
}

int
zone_stop (const struct zone_runtime *rt, const char *id, int timeout, zerr **err)
{
  cleanup_close int dirfd = -1, pidfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (!is_active (st))
    return 0;
  pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd < 0)
    return 0;
  /* Not under the lock while waiting: others may read the state meanwhile. */
  close (dirfd);
  dirfd = -1;
  pidfd_signal (pidfd, SIGTERM);
  if (pidfd_wait_exit (pidfd, timeout * 1000))
    return 0;
  signal_zone (st, pidfd, SIGKILL, NULL);
  if (st->cgroup_paths && cgroup_is_frozen (st->cgroup_paths))
    cgroup_freeze (st->cgroup_paths, false, NULL);
  if (!pidfd_wait_exit (pidfd, 10000))
    return zerr_set (err, ETIMEDOUT, "container `%s` did not stop after SIGKILL", id);
  return 0;
}


static int
compare_pids (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

int
zone_ps (const struct zone_runtime *rt, const char *id, pid_t **pids, size_t *n, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  *pids = NULL;
  *n = 0;
  if (strcmp (st->status, "stopped") == 0)
    return 0;
  if ((ret = zone_pids (st, pids, n, err)) < 0)
    return ret;
  qsort (*pids, *n, sizeof (pid_t), compare_pids);
  return 0;
}

static int
set_frozen (const struct zone_runtime *rt, const char *id, bool frozen, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (frozen && strcmp (st->status, "running") != 0)
    return zerr_set (err, EINVAL, "cannot pause container `%s`: it is %s, not running", id, st->status);
  if (!frozen && strcmp (st->status, "paused") != 0)
    return zerr_set (err, EINVAL, "cannot resume container `%s`: it is %s, not paused", id, st->status);
  if (st->cgroup_paths == NULL || st->cgroup_paths[0] == NULL)
    return zerr_set (err, ENOTSUP, "container `%s` has no cgroup of its own to freeze (--cgroup-manager disabled, or "
                                   "an ordinary user to whom no cgroup is delegated)", id);
  if ((ret = cgroup_freeze (st->cgroup_paths, frozen, err)) < 0)
    return ret;
  set_status (st, frozen ? "paused" : "running");
  return store_write_state (dirfd, st, err);
}

int
zone_pause (const struct zone_runtime *rt, const char *id, zerr **err)
{
  return set_frozen (rt, id, true, err);
}

int
zone_resume (const struct zone_runtime *rt, const char *id, zerr **err)
{
  return set_frozen (rt, id, false, err);
}
