/* pause and resume: all processes of the zone stop where they are, and go on later. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *
file_in (const char *dir, const char *name)
{
  char *p;
  if (asprintf (&p, "%s/%s", dir, name) < 0)
    abort ();
  return p;
}

/* v2: cgroup.events says "frozen 1" once every process has stopped. */
static bool
v2_frozen (const char *dir)
{
  cleanup_free char *events = file_in (dir, "cgroup.events"), *text = NULL;
  return read_file_at (AT_FDCWD, events, &text, NULL, NULL) == 0 && strstr (text, "frozen 1") != NULL;
}

static bool
v1_state_is (const char *dir, const char *want)
{
  cleanup_free char *state = file_in (dir, "freezer.state"), *text = NULL;
  return read_file_at (AT_FDCWD, state, &text, NULL, NULL) == 0 && strncmp (text, want, strlen (want)) == 0;
}

bool
cgroup_is_frozen (char **paths)
{
  const char *v1 = cgroup_dir_for (paths, "freezer", 1);
  if (v1)
    return v1_state_is (v1, "FROZEN");
  {
    const char *v2 = cgroup_dir_for (paths, "", 2);
    return v2 && cgroup_host_mode () == CGROUP_MODE_UNIFIED && v2_frozen (v2);
  }
}

int
cgroup_freeze (char **paths, bool frozen, zerr **err)
{
  const char *v1 = cgroup_dir_for (paths, "freezer", 1);
  const char *dir = v1 ? v1 : cgroup_host_mode () == CGROUP_MODE_UNIFIED ? cgroup_dir_for (paths, "", 2) : NULL;
  cleanup_free char *file = NULL;
  struct timespec pause = { 0, 1000 * 1000 };

  if (dir == NULL)
    return zerr_set (err, ENOTSUP, "this host has no cgroup freezer");
  file = file_in (dir, v1 ? "freezer.state" : "cgroup.freeze");
  for (int tries = 0; tries < 5000; tries++)
    {
      const char *value = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
      /* v1 may sit in FREEZING while a task is busy: writing again moves it on. */
      if (write_file_at (AT_FDCWD, file, value, strlen (value), 0644, err) < 0)
        return zerr_wrap (err, frozen ? "pause" : "resume");
      if (v1 ? v1_state_is (dir, value) : v2_frozen (dir) == frozen)
        return 0;
      nanosleep (&pause, NULL);
    }
  return zerr_set (err, ETIMEDOUT, "%s: the cgroup did not reach the state in 5 s", frozen ? "pause" : "resume");
}
