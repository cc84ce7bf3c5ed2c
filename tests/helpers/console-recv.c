/* console-recv SOCKET: listen on a unix socket as an engine does for --console-socket, accept
   one connection, receive the pty master (SCM_RIGHTS), print the name sent with it, then copy
   everything the zone writes to the pty to stdout until the zone closes it.  With -i TEXT,
   TEXT is typed into the pty first. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *input = NULL, *path;
  char name[256], cbuf[CMSG_SPACE (sizeof (int))], buf[4096];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  int lfd, conn, master;
  ssize_t n;

  if (argc == 4 && strcmp (argv[1], "-i") == 0)
    {
      input = argv[2];
      argv += 2;
    }
  else if (argc != 2)
    {
      fprintf (stderr, "usage: console-recv [-i TEXT] SOCKET\n");
      return 2;
    }
  path = argv[1];
  if (strlen (path) >= sizeof addr.sun_path)
    return 2;
  strcpy (addr.sun_path, path);
  lfd = socket (AF_UNIX, SOCK_STREAM, 0);
  if (lfd < 0 || bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (lfd, 1) < 0)
    {
      perror ("console-recv: listen");
      return 1;
    }
  conn = accept (lfd, NULL, NULL);
  if (conn < 0)
    {
      perror ("console-recv: accept");
      return 1;
    }
  n = recvmsg (conn, &msg, 0);
  cm = n > 0 ? CMSG_FIRSTHDR (&msg) : NULL;
  if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
    {
      fprintf (stderr, "console-recv: no fd received\n");
      return 1;
    }
  memcpy (&master, CMSG_DATA (cm), sizeof master);
  name[n] = '\0';
  printf ("name: %s\n", name);
  fflush (stdout);
  close (conn);
  close (lfd);
  unlink (path);
  if (input && write (master, input, strlen (input)) < 0)
    perror ("console-recv: write");
  /* EIO once the last holder of the pty's other side has gone. */
  while ((n = read (master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && fwrite (buf, 1, (size_t) n, stdout) != (size_t) n)
      return 1;
  return 0;
}
