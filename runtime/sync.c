#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int
sync_send (int fd, int type, int code, const char *msg)
{
  struct sync_msg m = { .type = type, .code = code };
  if (msg)
    strncpy (m.msg, msg, sizeof m.msg - 1);
  while (send (fd, &m, sizeof m, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

int
sync_recv (int fd, struct sync_msg *m)
{
  ssize_t n;
  do
    n = recv (fd, m, sizeof *m, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  if (n == 0)
    return -EPIPE;
  m->msg[sizeof m->msg - 1] = '\0';
  return 0;
}

int
sync_expect (int fd, int want, zerr **err)
{
  struct sync_msg m;
  int ret = sync_recv (fd, &m);
  if (ret == -EPIPE)
    return zerr_set (err, EPIPE, "the zone's init exited during setup");
  if (ret < 0)
    {
      errno = -ret;
      return zerr_sys (err, "read from the zone's init");
    }
  if (m.type == SYNC_ERROR)
    return zerr_set (err, m.code, "%s", m.msg);
  if (m.type != want)
    return zerr_set (err, EPROTO, "unexpected message %d from the zone's init", m.type);
  return 0;
}
