/* sd_notify passed through, as runc passes it: the zone gets a socket of zone's own (bound in
   its state directory, bind-mounted at /run/zone-notify), and what it sends there goes on to
   systemd's NOTIFY_SOCKET from zone, the unit's main process until the zone is ready; then
   MAINPID names the zone's init. */
#define _GNU_SOURCE
#include "notify.h"
#include "../util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* An address for path; "@name" is an abstract socket, as systemd may hand one out. */
static int
address_of (const char *path, struct sockaddr_un *a, socklen_t *len)
{
  size_t n = strlen (path);

  memset (a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof a->sun_path)
    return -ENAMETOOLONG;
  memcpy (a->sun_path, path, n);
  if (path[0] == '@')
    a->sun_path[0] = '\0';
  *len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
  return 0;
}

int
notify_send_host (const char *msg, size_t len)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un a;
  socklen_t alen;
  cleanup_close int fd = -1;

  if (path == NULL || address_of (path, &a, &alen) < 0)
    return 0;
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  return sendto (fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *) &a, alen) < 0 ? -errno : 0;
}

int
notify_listen (const char *dir, zerr **err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  struct sockaddr_un a;
  socklen_t alen;

  if (asprintf (&path, "%s/" NOTIFY_SOCKET_NAME, dir) < 0)
    abort ();
  if (address_of (path, &a, &alen) < 0)
    return zerr_set (err, ENAMETOOLONG, "sd_notify: socket path `%s` is too long", path);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return zerr_sys (err, "sd_notify: socket");
  unlink (path);
  if (bind (fd, (struct sockaddr *) &a, alen) < 0)
    return zerr_sys (err, "sd_notify: bind `%s`", path);
  /* Any user of the zone may be the one that says READY. */
  chmod (path, 0777);
  return steal_fd (&fd);
}

/* Whether one of msg's lines is READY=1. */
static bool
says_ready (const char *msg, size_t len)
{
  for (size_t i = 0; i + 7 <= len; i++)
    if ((i == 0 || msg[i - 1] == '\n') && memcmp (msg + i, "READY=1", 7) == 0 && (i + 7 == len || msg[i + 7] == '\n'))
      return true;
  return false;
}

int
notify_relay (int fd, pid_t main_pid)
{
  char buf[4096 + 32];
  bool ready = false;
  ssize_t n;

  while ((n = recv (fd, buf, 4096, 0)) >= 0 || errno == EINTR)
    {
      size_t len = (size_t) n;
      if (n < 0)
        continue;
      /* As runc does: READY=1 tells systemd which process is the service's main one. */
      if (says_ready (buf, len))
        {
          ready = true;
          if (main_pid > 0)
            len += (size_t) snprintf (buf + len, 32, "%sMAINPID=%d", len && buf[len - 1] == '\n' ? "" : "\n", main_pid);
        }
      notify_send_host (buf, len);
    }
  if (errno != EAGAIN)
    return -errno;
  return ready ? 1 : 0;
}

int
notify_barrier (int timeout_ms)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un a;
  socklen_t alen;
  cleanup_close int fd = -1, r = -1, w = -1;
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (char *) "BARRIER=1", .iov_len = 9 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  int p[2];

  if (path == NULL || address_of (path, &a, &alen) < 0)
    return 0;
  if ((fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 || pipe2 (p, O_CLOEXEC) < 0)
    return -errno;
  r = p[0];
  w = p[1];
  mh.msg_name = &a;
  mh.msg_namelen = alen;
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &w, sizeof (int));
  if (sendmsg (fd, &mh, MSG_NOSIGNAL) < 0)
    return -errno;
  close (w);
  w = -1;
  /* The receiver closes its copy once it has read everything sent before. */
  return poll (&(struct pollfd){ .fd = r, .events = POLLIN }, 1, timeout_ms) > 0 ? 0 : -ETIMEDOUT;
}
