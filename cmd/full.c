/* The static build's hand-over to zone-full (runtime/full.h): found beside this binary (the
   build tree, or an install that keeps both in one directory), else in ZONE_LIBEXECDIR. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ZONE_LIBEXECDIR
#define ZONE_LIBEXECDIR "/usr/local/libexec/zone"
#endif

/* Only a file of root's or ours that nobody else may write: it runs as us. */
static bool
trusted (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && (st.st_uid == 0 || st.st_uid == geteuid ())
         && !(st.st_mode & (S_IWGRP | S_IWOTH)) && access (path, X_OK) == 0;
}

int
exec_zone_full (char **argv, char **envp, zerr **err)
{
  char self[PATH_MAX], path[PATH_MAX + 16];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);

  if (n > 0)
    {
      self[n] = '\0';
      char *slash = strrchr (self, '/');
      if (slash)
        {
          *slash = '\0';
          snprintf (path, sizeof path, "%s/zone-full", self);
          if (trusted (path))
            {
              execve (path, argv, envp);
              return zerr_sys (err, "exec `%s`", path);
            }
        }
    }
  snprintf (path, sizeof path, "%s/zone-full", ZONE_LIBEXECDIR);
  if (!trusted (path))
    return zerr_set (err, ENOENT, "this needs zone-full (bridge networking, --systemd-cgroup, checkpoint), and "
                                  "neither %s/zone-full nor `%s` is there", self, path);
  execve (path, argv, envp);
  return zerr_sys (err, "exec `%s`", path);
}
