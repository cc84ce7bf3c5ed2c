#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "pid.h"
#include "store.h"
#include "../cgroups/cgroup.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

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
}

static int
open_state (const struct zone_runtime *rt, const char *id, int *dirfd, struct zone_state **st, zerr **err)
{
  int fd = store_open (rt->root, id, err);
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
zone_get_state (const struct zone_runtime *rt, const char *id, struct zone_state **out, zerr **err)
{
  cleanup_close int fd = -1;
  return open_state (rt, id, &fd, out, err);
}

int
zone_list (const struct zone_runtime *rt, struct zone_state ***out, size_t *n, zerr **err)
{
  cleanup_strv char **ids = NULL;
  size_t count = 0;
  int ret = store_list (rt->root, &ids, err);
  if (ret < 0)
    return ret;
  for (; ids[count]; count++)
    ;
  *out = xmalloc0 ((count + 1) * sizeof (struct zone_state *));
  *n = 0;
  for (size_t i = 0; i < count; i++)
    {
      zerr *e = NULL;
      if (zone_get_state (rt, ids[i], &(*out)[*n], &e) == 0)
        (*n)++;
      zerr_free (&e);
    }
  return 0;
}

int
zone_start (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_close int dirfd = -1, fifo = -1, pidfd = -1;
  cleanup_state struct zone_state *st = NULL;
  struct pollfd pfd[2];
  char c;
  int ret = open_state (rt, id, &dirfd, &st, err);

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
      n = read (fifo, &c, 1);
      if (n == 1)
        break;
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return zerr_sys (err, "read exec.fifo");
      if (pfd[1].revents & POLLIN)
        return zerr_set (err, ESRCH, "cannot start container `%s`: its init exited", id);
    }
  unlinkat (dirfd, "exec.fifo", 0);
  set_status (st, "running");
  return store_write_state (dirfd, st, err);
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
  int ret = open_state (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (!is_active (st))
    return zerr_set (err, ESRCH, "container `%s` is not running", id);
  if (all)
    return cgroup_signal_all (st->cgroup_paths, sig, err);
  pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd < 0 || pidfd_signal (pidfd, sig) < 0)
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
      pidfd_signal (pidfd, SIGKILL);
      cgroup_signal_all (st->cgroup_paths, SIGKILL, NULL);
      if (!pidfd_wait_exit (pidfd, 10000))
        return zerr_set (err, ETIMEDOUT, "container `%s`: the init did not exit after SIGKILL", st->id);
    }
  return 0;
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
      /* A create killed before its first state write: nothing else can exist yet. */
      if (force)
        {
          zerr_free (err);
          return store_remove (rt->root, id, err);
        }
      return ret;
    }
  state_refresh_status (dirfd, st);
  if (strcmp (st->status, "stopped") != 0)
    {
      if (!force && strcmp (st->status, "created") != 0)
        return zerr_set (err, EBUSY, "cannot delete container `%s` that is not stopped: %s", id, st->status);
      if ((ret = kill_and_wait (st, err)) < 0)
        return ret;
    }
  if (st->cgroup_owned && (ret = cgroup_destroy (st->cgroup_paths, err)) < 0)
    return ret;
  return store_remove (rt->root, id, err);
}

int
zone_stop (const struct zone_runtime *rt, const char *id, int timeout, zerr **err)
{
  cleanup_close int dirfd = -1, pidfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = open_state (rt, id, &dirfd, &st, err);

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
  pidfd_signal (pidfd, SIGKILL);
  cgroup_signal_all (st->cgroup_paths, SIGKILL, NULL);
  if (!pidfd_wait_exit (pidfd, 10000))
    return zerr_set (err, ETIMEDOUT, "container `%s` did not stop after SIGKILL", id);
  return 0;
}

/* Forward the signals a foreground `run` receives to the zone, until the init exits. */
static int
wait_foreground (pid_t pid, int pidfd, int *exit_code, zerr **err)
{
  static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };
  cleanup_close int sfd = -1;
  sigset_t set, old;
  int status;

  sigemptyset (&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset (&set, forwarded[i]);
  sigprocmask (SIG_BLOCK, &set, &old);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return zerr_sys (err, "signalfd");
  for (;;)
    {
      struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return zerr_sys (err, "poll");
        }
      if (pfd[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) == sizeof si)
            pidfd_signal (pidfd, (int) si.ssi_signo);
        }
      if (pfd[1].revents & POLLIN)
        break;
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "wait for the zone's init");
  *exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  return 0;
}

int
zone_run (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o, int *exit_code,
          zerr **err)
{
  cleanup_close int pidfd = -1;
  pid_t pid = -1;
  int ret = zone_create_internal (rt, id, o, &pidfd, &pid, err);

  *exit_code = 0;
  if (ret < 0)
    return ret;
  ret = zone_start (rt, id, err);
  if (ret < 0)
    {
      zone_delete (rt, id, true, NULL);
      return ret;
    }
  if (o->detach)
    return 0;
  ret = wait_foreground (pid, pidfd, exit_code, err);
  if (!o->keep)
    {
      zerr *e = NULL;
      int r = zone_delete (rt, id, true, ret < 0 ? &e : err);
      zerr_free (&e);
      if (ret == 0)
        ret = r;
    }
  return ret;
}
