#define _GNU_SOURCE
#include "slirp.h"
#include "../util/argv.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* slirp4netns' own MTU, the largest it takes: fewer, larger frames through user space. */
#define SLIRP_MTU 65520
#define SLIRP_SOCKET "slirp4netns.sock"

/* Whether pid has a user namespace other than ours: slirp4netns must join it to act in the
   zone's network namespace (which belongs to it). */
static bool
own_userns (pid_t pid)
{
  char path[64];
  struct stat theirs, ours;
  snprintf (path, sizeof path, "/proc/%d/ns/user", pid);
  return stat (path, &theirs) == 0 && stat ("/proc/self/ns/user", &ours) == 0 && theirs.st_ino != ours.st_ino;
}

/* Run in the forked child: become slirp4netns. Its stdio goes to /dev/null, but for the
   ready pipe (fd 3), which it writes "1" to once tap0 is up. */
__attribute__ ((noreturn)) static void
exec_slirp (pid_t pid, const struct zone_net *n, int dirfd, int ready)
{
  cleanup_argv struct argv a = { 0 };
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  /* Its own session: a terminal's ^C or the zone's process group never reach it. Its API
     socket in the zone's state directory, named relative to it (a socket path has 108 bytes). */
  setsid ();
  if (fchdir (dirfd) < 0)
    _exit (126);
  dup2 (null, 0);
  dup2 (null, 1);
  dup2 (null, 2);
  if (ready == 3)
    fcntl (3, F_SETFD, 0);
  else
    dup2 (ready, 3);
  close_range (4, ~0U, 0);
  argv_push (&a, "slirp4netns");
  argv_push (&a, "--configure");
  argv_push (&a, "--mtu=%u", n->mtu ? n->mtu : SLIRP_MTU);
  /* The host's own loopback services stay out of the zone's reach. */
  argv_push (&a, "--disable-host-loopback");
  argv_push (&a, "--ready-fd=3");
  argv_push (&a, "--api-socket=" SLIRP_SOCKET);
  if (own_userns (pid))
    argv_push (&a, "--userns-path=/proc/%d/ns/user", pid);
  argv_push (&a, "%d", pid);
  argv_push (&a, "tap0");
  execvp (a.v[0], a.v);
  _exit (127);
}

/* One request on the API socket: {"execute": "add_hostfwd", ...}; its answer has "error" when
   slirp4netns refused it (a port already taken on the host, say). */
static int
add_hostfwd (int dirfd, const struct zone_port *p, zerr **err)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  char req[256], resp[512], host[INET_ADDRSTRLEN];
  ssize_t n;
  int len;

  if (fd < 0)
    return zerr_sys (err, "slirp4netns: socket");
  snprintf (a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/" SLIRP_SOCKET, dirfd);
  if (connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    return zerr_sys (err, "slirp4netns: connect to its API socket");
  inet_ntop (AF_INET, &p->host_ip, host, sizeof host);
  len = snprintf (req, sizeof req,
                  "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": \"%s\", "
                  "\"host_port\": %u, \"guest_port\": %u}}",
                  p->proto == IPPROTO_UDP ? "udp" : "tcp", host, p->host_port, p->zone_port);
  if (write_all (fd, req, (size_t) len) < 0)
    return zerr_sys (err, "slirp4netns: send to its API socket");
  shutdown (fd, SHUT_WR);
  n = read (fd, resp, sizeof resp - 1);
  if (n <= 0)
    return zerr_set (err, EIO, "slirp4netns: no answer to publishing port %u", p->host_port);
  resp[n] = '\0';
  if (strstr (resp, "\"error\""))
    return zerr_set (err, EADDRINUSE, "annotations.org.zone.net.ports: slirp4netns cannot publish %s:%u: %s", host,
                     p->host_port, resp);
  return 0;
}

int
zone_slirp_start (pid_t pid, const struct zone_net *n, int dirfd, pid_t *slirp_pid, zerr **err)
{
  int ready[2];
  char c = 0;
  pid_t child;
  int ret = 0;

  /* It opens the tun device as us; a host that keeps it to root fails here, not somewhere in
     slirp4netns. */
  if (access ("/dev/net/tun", R_OK | W_OK) < 0)
    return zerr_set (err, EACCES, "annotations.org.zone.net.mode: slirp4netns needs /dev/net/tun, which uid %u may "
                                  "not open here (%s)", (unsigned) geteuid (), strerror (errno));
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return zerr_sys (err, "slirp4netns: pipe");
  unlinkat (dirfd, SLIRP_SOCKET, 0);
  child = fork ();
  if (child < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return zerr_sys (err, "slirp4netns: fork");
    }
  if (child == 0)
    exec_slirp (pid, n, dirfd, ready[1]);
  close (ready[1]);
  /* "1" once tap0 is configured; EOF if it failed (or is not installed); nothing for 10 s is a
     failure too. */
  if (poll (&(struct pollfd){ .fd = ready[0], .events = POLLIN }, 1, 10000) > 0)
    while (read (ready[0], &c, 1) < 0 && errno == EINTR)
      ;
  close (ready[0]);
  if (c != '1')
    {
      int status = 0;
      kill (child, SIGKILL);
      waitpid (child, &status, 0);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
        return zerr_set (err, ENOENT, "annotations.org.zone.net.mode: slirp4netns is not installed (package "
                                      "slirp4netns)");
      return zerr_set (err, EIO, "annotations.org.zone.net.mode: slirp4netns could not configure the zone's network");
    }
  for (size_t i = 0; i < n->n_ports && ret == 0; i++)
    ret = add_hostfwd (dirfd, &n->ports[i], err);
  if (ret < 0)
    {
      zone_slirp_stop (child);
      return ret;
    }
  *slirp_pid = child;
  return 0;
}

void
zone_slirp_stop (pid_t slirp_pid)
{
  cleanup_close int pidfd = -1;

  if (slirp_pid <= 0)
    return;
  pidfd = (int) syscall (SYS_pidfd_open, slirp_pid, 0);
  kill (slirp_pid, SIGTERM);
  /* Gone before we return (its port is free again): a second at most, then SIGKILL. */
  if (pidfd >= 0 && poll (&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 1000) == 0)
    {
      kill (slirp_pid, SIGKILL);
      poll (&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 1000);
    }
  /* Reaped when it is our child (the create that started it); else its adopter reaps it. */
  waitpid (slirp_pid, NULL, WNOHANG);
}
