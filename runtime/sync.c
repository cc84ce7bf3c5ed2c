#define _GNU_SOURCE
#include "sync.h"
#include "../util/fs.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int
sync_send (int fd, int type, int code, const char *msg)
{
  size_t len = msg ? strnlen (msg, sizeof ((struct sync_msg *) 0)->msg - 1) : 0;
  size_t size = offsetof (struct sync_msg, msg) + len + 1;
  struct sync_msg *m = xmalloc0 (size);
  int ret = 0;

  m->type = type;
  m->code = code;
  memcpy (m->msg, msg ? msg : "", len);
  while (send (fd, m, size, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      {
        ret = -errno;
        break;
      }
  free (m);
  return ret;
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
  if ((size_t) n < offsetof (struct sync_msg, msg) + 1)
    return -EPROTO;
  m->msg[(size_t) n - offsetof (struct sync_msg, msg) - 1] = '\0';
  return 0;
}

int
sync_expect (int fd, int want, struct sync_msg *out, zerr **err)
{
  struct sync_msg *m = out ? out : xmalloc0 (sizeof *m);
  int ret = sync_recv (fd, m);

  if (ret == -EPIPE)
    ret = zerr_set (err, EPIPE, "the zone's init exited during setup");
  else if (ret < 0)
    {
      errno = -ret;
      ret = zerr_sys (err, "read from the zone's init");
    }
  else if (m->type == SYNC_ERROR)
    ret = zerr_set (err, m->code, "%s", m->msg);
  else if (m->type != want)
    ret = zerr_set (err, EPROTO, "unexpected message %d from the zone's init", m->type);
  if (out == NULL)
    free (m);
  return ret;
}
