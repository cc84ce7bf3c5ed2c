/* sd-notify MESSAGE: send MESSAGE (READY=1, STATUS=...) to $NOTIFY_SOCKET, as systemd-notify
   does; static, for the busybox rootfs of the tests, which has no systemd-notify. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int
main (int argc, char **argv)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int fd;

  if (argc != 2 || path == NULL || strlen (path) >= sizeof a.sun_path)
    {
      fprintf (stderr, "usage: NOTIFY_SOCKET=PATH sd-notify MESSAGE\n");
      return 2;
    }
  strcpy (a.sun_path, path);
  if (a.sun_path[0] == '@')
    a.sun_path[0] = '\0';
  fd = socket (AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || sendto (fd, argv[1], strlen (argv[1]), 0, (struct sockaddr *) &a,
                        (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (path))) < 0)
    {
      perror ("sd-notify");
      return 1;
    }
  return 0;
}
