/* sd_notify passed through, as runc passes it: the zone gets a socket of zone's own (bound in
   its state directory, bind-mounted at /run/zone-notify), and what it sends there goes on to
   systemd's NOTIFY_SOCKET from zone, the unit's main process. */
#define _GNU_SOURCE
#include "notify.h"
#include "../util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
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

int
notify_relay (int fd)
{
  char buf[4096];
  ssize_t n;

  while ((n = recv (fd, buf, sizeof buf, 0)) >= 0 || errno == EINTR)
    {
      if (n < 0)
        continue;
      notify_send_host (buf, (size_t) n);
    }
  return errno == EAGAIN ? 0 : -errno;
}
