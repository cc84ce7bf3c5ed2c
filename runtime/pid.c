#define _GNU_SOURCE
#include "pid.h"
#include "../util/cleanup.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
pid_stat (pid_t pid, unsigned long long *start, bool *zombie)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p, state;
  unsigned long long st = 0;

  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may hold spaces and parens: the fields start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || sscanf (p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                           &state, &st)
                       != 2)
    return -1;
  if (start)
    *start = st;
  if (zombie)
    *zombie = state == 'Z' || state == 'X';
  return 0;
}

int
pid_open_verified (pid_t pid, unsigned long long start)
{
  unsigned long long now = 0;
  bool zombie = false;
  int fd;

  if (pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -1;
  /* Checked after opening: the pidfd pins the process the check saw. */
  if (pid_stat (pid, &now, &zombie) < 0 || now != start || zombie)
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}

int
pidfd_signal (int pidfd, int sig)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
pidfd_wait_exit (int pidfd, int timeout_ms)
{
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0 ? 1 : 0;
}

static pid_t
clone3_pidfd (unsigned long flags, int *pidfd, int cgroup_fd)
{
  struct clone_args args = {
    .flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
    .pidfd = (unsigned long) pidfd,
    .exit_signal = SIGCHLD,
    .cgroup = (unsigned long) (cgroup_fd >= 0 ? cgroup_fd : 0),
  };
  return (pid_t) syscall (SYS_clone3, &args, sizeof args);
}

pid_t
clone_pidfd (unsigned long flags, int *pidfd, int *cgroup_fd)
{
  pid_t pid = clone3_pidfd (flags, pidfd, *cgroup_fd);
  if (pid < 0 && *cgroup_fd >= 0 && (errno == EINVAL || errno == E2BIG || errno == ENOSYS || errno == EAGAIN))
    {
      close (*cgroup_fd);
      *cgroup_fd = -1;
      pid = clone3_pidfd (flags, pidfd, -1);
    }
  return pid;
}
