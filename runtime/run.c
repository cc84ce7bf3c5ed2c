/* `run` in the foreground: create, start, forward signals, relay the terminal, wait, delete. */
#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "pid.h"
#include "terminal.h"
#include "notify.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };

/* Copy what is readable from `from` to `to`.  Returns false at EOF or error of `from`. */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0)
    return false;
  write_all (to, buf, (size_t) n);
  return true;
}

static void
copy_window_size (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

int
wait_foreground (pid_t pid, int pidfd, int master, int notify_fd, bool hand_off, int *exit_code, zerr **err)
{
  cleanup_close int sfd = -1;
  struct termios saved;
  bool raw = false, stdin_open = master >= 0, handed_off = false;
  sigset_t set, old;
  int status;

  sigemptyset (&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset (&set, forwarded[i]);
  sigprocmask (SIG_BLOCK, &set, &old);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return zerr_sys (err, "signalfd");
  if (master >= 0)
    {
      fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
      if (isatty (STDIN_FILENO))
        {
          copy_window_size (STDIN_FILENO, master);
          raw = terminal_make_raw (STDIN_FILENO, &saved);
        }
    }
  for (;;)
    {
      struct pollfd pfd[5] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = pidfd, .events = POLLIN },
        { .fd = master, .events = POLLIN },
        { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
        { .fd = notify_fd, .events = POLLIN },
      };
      if (poll (pfd, 5, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (pfd[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) == sizeof si)
            {
              /* With our own tty relayed, a resize is passed on as the pty's new size. */
              if (si.ssi_signo == SIGWINCH && raw)
                copy_window_size (STDIN_FILENO, master);
              else
                pidfd_signal (pidfd, (int) si.ssi_signo);
            }
        }
      if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
        pump (master, STDOUT_FILENO);
      if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR) && !pump (STDIN_FILENO, master))
        {
          /* Our stdin ended: end the zone's too, as a terminal does with ^D. */
          stdin_open = false;
          if (!raw)
            write_all (master, "\x04", 1);
        }
      if (pfd[4].revents & POLLIN && notify_relay (notify_fd, pid) > 0 && hand_off)
        {
          handed_off = true;
          break;
        }
      if (pfd[1].revents & POLLIN)
        break;
    }
  /* What the zone wrote just before it exited. */
  if (master >= 0)
    while (pump (master, STDOUT_FILENO) && poll (&(struct pollfd){ .fd = master, .events = POLLIN }, 1, 0) > 0)
      ;
  if (raw)
    terminal_restore (STDIN_FILENO, &saved);
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (handed_off)
    return 1;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "wait for the zone's init");
  *exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  return 0;
}

/* The zone's sd_notify socket, in its state directory (bind-mounted into it at create). */
static int
listen_for_zone (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_free char *dir = NULL;
  if (asprintf (&dir, "%s/%s/notify", rt->root, id) < 0)
    abort ();
  return notify_listen (dir, err);
}

int
zone_run (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o, int *exit_code,
          zerr **err)
{
  struct create_result res = { .pid = -1, .pidfd = -1 };
  cleanup_close int pidfd = -1, master = -1, ours = -1, theirs = -1, notify_fd = -1;
  bool hand_off;
  int ret;

  *exit_code = 0;
  /* In the foreground without --console-socket, zone itself takes the terminal, if there is one. */
  if (!o->detach && o->console_socket == NULL)
    {
      int sv[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return zerr_sys (err, "socketpair");
      ours = sv[0];
      theirs = sv[1];
    }
  ret = zone_create_internal (rt, id, o, theirs, &res, err);
  if (ret < 0)
    return ret;
  pidfd = res.pidfd;
  /* With --console-socket the terminal went there; ours exists only when zone relays it. */
  if (res.terminal && ours >= 0 && (ret = terminal_recv_master (ours, &master, err)) < 0)
    {
      zone_delete (rt, id, true, NULL);
      return ret;
    }
  /* The zone's sd_notify socket listens before its process runs. */
  if (o->notify && (notify_fd = listen_for_zone (rt, id, err)) < 0)
    {
      zone_delete (rt, id, true, NULL);
      return notify_fd;
    }
  ret = zone_start (rt, id, err);
  if (ret < 0)
    {
      zone_delete (rt, id, true, NULL);
      return ret;
    }
  if (o->detach)
    return 0;
  /* Only a zone with our stdio is left to systemd: a relayed terminal needs us. */
  hand_off = o->hand_off && master < 0;
  if (o->notify_started)
    {
      char msg[64];
      snprintf (msg, sizeof msg, "READY=1\nMAINPID=%d", res.pid);
      notify_send_host (msg, strlen (msg));
    }
  if (hand_off && o->notify_started)
    ret = 1;
  else
    {
      ret = wait_foreground (res.pid, pidfd, master, notify_fd, hand_off, exit_code, err);
      if (ret != 1)
        zone_debug (rt, "%s: process ended", id);
    }
  if (ret == 1)
    {
      /* systemd must have MAINPID before it sees us exit. */
      notify_barrier (5000);
      return ZONE_HANDED_OFF;
    }
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
