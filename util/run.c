#define _GNU_SOURCE
#include "run.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* The last non-empty line of what fd holds (its stderr), at most size - 1 characters. */
static void
last_line_of (int fd, char *out, size_t size)
{
  char buf[8192];
  off_t end = lseek (fd, 0, SEEK_END), from = end > (off_t) sizeof buf - 1 ? end - (off_t) sizeof buf + 1 : 0;
  ssize_t n = pread (fd, buf, sizeof buf - 1, from);
  char *line;

  out[0] = '\0';
  if (n <= 0)
    return;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  line = strrchr (buf, '\n');
  snprintf (out, size, "%.300s", line ? line + 1 : buf);
}

int
run_tool (const char *what, const struct argv *a, zerr **err)
{
  cleanup_close int errfd = memfd_create ("zone-tool-stderr", MFD_CLOEXEC);
  int status;
  pid_t pid;

  if (errfd < 0)
    return zerr_sys (err, "%s", what);
  pid = fork ();
  if (pid < 0)
    return zerr_sys (err, "%s: fork", what);
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (errfd, 2);
      execvp (a->v[0], a->v);
      fprintf (stderr, "cannot run `%s`: %s\n", a->v[0], strerror (errno));
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "%s: wait", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  {
    char line[400];
    last_line_of (errfd, line, sizeof line);
    return zerr_set (err, EIO, "%s: %s", what, line[0] ? line : "failed");
  }
}

void
argv_tar_extract (struct argv *a, const char *archive, const char *dir)
{
  argv_push (a, "tar");
  argv_push (a, "-x");
  argv_push (a, "--numeric-owner");
  argv_push (a, "--xattrs");
  argv_push (a, "-C");
  argv_push (a, "%s", dir);
  argv_push (a, "-f");
  argv_push (a, "%s", archive);
}
