#define _GNU_SOURCE
#include "terminal.h"
#include "../util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int
terminal_connect_socket (const char *path, zerr **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;

  if (strlen (path) >= sizeof addr.sun_path)
    return zerr_set (err, ENAMETOOLONG, "--console-socket: path `%s` is too long", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return zerr_sys (err, "--console-socket: socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return zerr_sys (err, "--console-socket: connect to `%s`", path);
  return steal_fd (&fd);
}

static int
send_fd (int sock, int fd, const char *name)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (void *) name, .iov_len = strlen (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);

  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof (int));
  while (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

/* A pty from ptmx, set up as runc sets it up, its master sent over console_fd; *slave is kept. */
static int
open_and_send_pty (const char *ptmx, int console_fd, const struct zone_process *p, int *slave_out, zerr **err)
{
  cleanup_close int master = -1, slave = -1;
  char name[64];
  int ret;

  master = open (ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return zerr_sys (err, "process.terminal: open %s (is devpts mounted on /dev/pts?)", ptmx);
  if (unlockpt (master) < 0 || ptsname_r (master, name, sizeof name) != 0)
    return zerr_sys (err, "process.terminal: unlock the pty");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return zerr_sys (err, "process.terminal: open `%s`", name);
  /* As runc: \n stays \n on the way out (no ONLCR), and the pty is the process's own. */
  {
    struct termios t;
    if (tcgetattr (slave, &t) == 0)
      {
        t.c_oflag &= ~(tcflag_t) ONLCR;
        tcsetattr (slave, TCSANOW, &t);
      }
  }
  if (fchown (slave, p->uid, p->gid) < 0 && errno != EINVAL)
    return zerr_sys (err, "process.terminal: give `%s` to the process's user", name);
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_height, .ws_col = (unsigned short) p->console_width };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  ret = send_fd (console_fd, master, name);
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "process.terminal: send the pty to the console socket");
    }
  *slave_out = steal_fd (&slave);
  return 0;
}

int
terminal_attach_in_zone (int console_fd, const struct zone_process *p, zerr **err)
{
  cleanup_close int slave = -1;
  int ret;

  if ((ret = open_and_send_pty ("/dev/ptmx", console_fd, p, &slave, err)) < 0)
    return ret;
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return zerr_sys (err, "process.terminal: dup2");
  return 0;
}

int
terminal_setup_in_zone (int console_fd, const struct zone_process *p, zerr **err)
{
  int ret;

  if ((ret = terminal_attach_in_zone (console_fd, p, err)) < 0)
    return ret;
  if (setsid () < 0)
    return zerr_sys (err, "process.terminal: setsid");
  if (ioctl (0, TIOCSCTTY, 0) < 0)
    return zerr_sys (err, "process.terminal: make the pty the controlling terminal");
  return 0;
}

int
terminal_for_restore (int console_fd, const struct zone_process *p, int *slave, zerr **err)
{
  return open_and_send_pty ("/dev/ptmx", console_fd, p, slave, err);
}

int
terminal_recv_master (int sock, int *master, zerr **err)
{
  char buf[256], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  ssize_t n;

  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return zerr_sys (err, "receive the zone's terminal");
  cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
    return zerr_set (err, EPROTO, "receive the zone's terminal: no fd was sent");
  memcpy (master, CMSG_DATA (cm), sizeof (int));
  return 0;
}

bool
terminal_make_raw (int fd, struct termios *saved)
{
  struct termios raw;
  if (!isatty (fd) || tcgetattr (fd, saved) < 0)
    return false;
  raw = *saved;
  cfmakeraw (&raw);
  return tcsetattr (fd, TCSANOW, &raw) == 0;
}

void
terminal_restore (int fd, const struct termios *saved)
{
  tcsetattr (fd, TCSANOW, saved);
}
