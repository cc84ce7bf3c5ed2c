/* notify-recv SOCKET: stand in for systemd's NOTIFY_SOCKET: bind a datagram socket at SOCKET and
   print each message received on a line of its own (flushed), until killed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  char buf[4096];
  ssize_t n;
  int fd;

  if (argc != 2 || strlen (argv[1]) >= sizeof a.sun_path)
    {
      fprintf (stderr, "usage: notify-recv SOCKET\n");
      return 2;
    }
  strcpy (a.sun_path, argv[1]);
  fd = socket (AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      perror ("notify-recv");
      return 1;
    }
  while ((n = recv (fd, buf, sizeof buf - 1, 0)) >= 0)
    {
      buf[n] = '\0';
      for (char *p = buf; *p; p++)
        if (*p == '\n')
          *p = ' ';
      printf ("%s\n", buf);
      fflush (stdout);
    }
  return 1;
}
