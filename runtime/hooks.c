#define _GNU_SOURCE
#include "hooks.h"
#include "pid.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const kind_names[ZONE_HOOK_KINDS]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

const char *
hooks_kind_name (enum zone_hook_kind kind)
{
  return kind_names[kind];
}

/* The last line a failed hook wrote to stderr, made fit for the one line of the error: at most
   200 characters, control characters as spaces; "" when it wrote nothing. */
static void
last_stderr_line (int fd, char out[256])
{
  char buf[4096];
  off_t size = lseek (fd, 0, SEEK_END), from = size > (off_t) sizeof buf - 1 ? size - (off_t) sizeof buf + 1 : 0;
  ssize_t n = size > 0 ? pread (fd, buf, (size_t) (size - from), from) : 0;
  char *end, *start;

  out[0] = '\0';
  if (n <= 0)
    return;
  buf[n] = '\0';
  for (end = buf + n; end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '); end--)
    ;
  *end = '\0';
  start = strrchr (buf, '\n');
  start = start ? start + 1 : buf;
  snprintf (out, 256, ": %.200s", start);
  for (char *c = out; *c; c++)
    if ((unsigned char) *c < 0x20)
      *c = ' ';
}

static int
run_one (const struct zone_hook *h, const char *what, const char *state_json, char *const *default_env,
         zerr **err)
{
  static char *const empty_env[] = { NULL };
  char *default_args[] = { h->path, NULL };
  cleanup_close int pidfd = -1, report = -1, errlog = memfd_create ("zone-hook-stderr", MFD_CLOEXEC);
  char said[256] = "";
  int in[2], rep[2], status = 0, exec_errno = 0;
  pid_t pid;

  if (pipe2 (in, O_CLOEXEC) < 0)
    return zerr_sys (err, "%s: pipe", what);
  if (pipe2 (rep, O_CLOEXEC) < 0)
    {
      close (in[0]);
      close (in[1]);
      return zerr_sys (err, "%s: pipe", what);
    }
  pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      close (rep[0]);
      close (rep[1]);
      return zerr_sys (err, "%s: fork", what);
    }
  if (pid == 0)
    {
      /* A failed exec is told to the runtime through fd 3 (closed by a successful exec), which
         makes it the one line of the error, instead of a line of our own on stderr. */
      dup2 (in[0], 0);
      /* stderr is kept, as runc keeps it, so that a failure can say why. */
      if (errlog >= 0)
        dup2 (errlog, 2);
      dup2 (rep[1], 3);
      fcntl (3, F_SETFD, FD_CLOEXEC);
      close_fds_from (4);
      signal (SIGPIPE, SIG_DFL);
      execve (h->path, h->args ? h->args : default_args, h->env ? h->env : default_env ? default_env : empty_env);
      exec_errno = errno;
      if (write (3, &exec_errno, sizeof exec_errno) < 0)
        _exit (127);
      _exit (127);
    }
  close (in[0]);
  close (rep[1]);
  report = rep[0];
  pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  /* A hook need not read its stdin: ignore EPIPE. */
  {
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigaction (SIGPIPE, &ign, &old);
    write_all (in[1], state_json, strlen (state_json));
    sigaction (SIGPIPE, &old, NULL);
  }
  close (in[1]);
  if (h->timeout > 0 && pidfd >= 0 && !pidfd_wait_exit (pidfd, h->timeout * 1000))
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return zerr_set (err, ETIMEDOUT, "%s: `%s` timed out after %d s", what, h->path, h->timeout);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "%s: wait", what);
  if (read (report, &exec_errno, sizeof exec_errno) == sizeof exec_errno)
    {
      errno = exec_errno;
      return zerr_sys (err, "%s: exec `%s`", what, h->path);
    }
  if (errlog >= 0)
    last_stderr_line (errlog, said);
  if (WIFSIGNALED (status))
    return zerr_set (err, EIO, "%s: `%s` was killed by signal %d%s", what, h->path, WTERMSIG (status), said);
  if (WEXITSTATUS (status) != 0)
    return zerr_set (err, EIO, "%s: `%s` exited with status %d%s", what, h->path, WEXITSTATUS (status), said);
  return 0;
}

int
hooks_run (const struct zone_config *c, enum zone_hook_kind kind, const char *state_json,
           char *const *default_env, zerr **err)
{
  for (size_t i = 0; i < c->n_hooks[kind]; i++)
    {
      char what[64];
      int ret;
      snprintf (what, sizeof what, "hooks.%s[%zu]", kind_names[kind], i);
      ret = run_one (&c->hooks[kind][i], what, state_json, default_env, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

void
hooks_run_warn (const struct zone_config *c, enum zone_hook_kind kind, const char *state_json)
{
  for (size_t i = 0; i < c->n_hooks[kind]; i++)
    {
      char what[64];
      zerr *err = NULL;
      snprintf (what, sizeof what, "hooks.%s[%zu]", kind_names[kind], i);
      if (run_one (&c->hooks[kind][i], what, state_json, NULL, &err) < 0)
        fprintf (stderr, "zone: warning: %s\n", err->msg);
      zerr_free (&err);
    }
}
