/* devices-bpf-check CGROUP2_DIR: the cgroup v2 device filter, tested on any host with a cgroup2
   mount (also hybrid ones, where zones use the v1 devices controller instead).  Makes a child
   cgroup, attaches the filter for [deny all, deny read of c 1:3] to it, moves itself in, and
   prints what it may open: "null-read=EPERM null-write=ok zero-read=ok". */
#define _GNU_SOURCE
#include "../../cgroups/devices_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
try_open (const char *path, int flags)
{
  int fd = open (path, flags | O_CLOEXEC);
  if (fd < 0)
    return errno == EPERM ? "EPERM" : strerror (errno);
  close (fd);
  return "ok";
}

static int
move_to (const char *dir)
{
  char path[4096], pid[32];
  int fd, n = snprintf (pid, sizeof pid, "%d", getpid ());
  snprintf (path, sizeof path, "%s/cgroup.procs", dir);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, pid, (size_t) n) != n)
    return -1;
  return close (fd);
}

int
main (int argc, char **argv)
{
  struct zone_device_rule rules[] = { { false, 'a', -1, -1, "rwm" }, { false, 'c', 1, 3, "r" } };
  char dir[4096];
  zerr *err = NULL;
  const char *r1, *r2, *r3;

  if (argc != 2)
    return 2;
  snprintf (dir, sizeof dir, "%s/zone-devices-bpf-%d", argv[1], getpid ());
  if (mkdir (dir, 0755) < 0)
    {
      perror ("mkdir");
      return 1;
    }
  if (devices_bpf_attach (dir, rules, 2, &err) < 0 || move_to (dir) < 0)
    {
      fprintf (stderr, "devices-bpf-check: %s\n", err ? err->msg : strerror (errno));
      rmdir (dir);
      return 1;
    }
  r1 = try_open ("/dev/null", O_RDONLY);
  r2 = try_open ("/dev/null", O_WRONLY);
  r3 = try_open ("/dev/zero", O_RDONLY);
  move_to (argv[1]);
  rmdir (dir);
  printf ("null-read=%s null-write=%s zero-read=%s\n", r1, r2, r3);
  return 0;
}
