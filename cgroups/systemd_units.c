/* systemd's unit names for a zone, and whether systemd runs: no bus (cgroups/systemd.c talks
   to systemd). */
#define _GNU_SOURCE
#include "systemd.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/rootless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool
systemd_is_running (void)
{
  return access ("/run/systemd/system", F_OK) == 0;
}

/* system.slice for root; user.slice in an ordinary user's manager, as runc's rootless driver. */
static const char *
default_slice (void)
{
  return running_rootless () ? "user.slice" : "system.slice";
}

int
systemd_unit_names (const char *cgroups_path, const char *id, char **slice, char **unit, zerr **err)
{
  if (cgroups_path && strchr (cgroups_path, ':'))
    {
      /* runc's form: SLICE:PREFIX:NAME -> unit PREFIX-NAME.scope in SLICE. */
      cleanup_free char *copy = xstrdup (cgroups_path);
      char *a = copy, *b = strchr (a, ':'), *c;
      *b++ = '\0';
      c = strchr (b, ':');
      if (c == NULL || strchr (c + 1, ':') || c[1] == '\0' || strchr (copy, '/') || strchr (b, '/'))
        return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: `%s` is not SLICE:PREFIX:NAME", cgroups_path);
      *c++ = '\0';
      *slice = xstrdup (*a ? a : default_slice ());
      if (asprintf (unit, "%s%s%s.scope", b, *b ? "-" : "", c) < 0)
        abort ();
      return 0;
    }
  if (cgroups_path && *cgroups_path)
    return zerr_set (err, EINVAL, "config.json: linux.cgroupsPath: with --systemd-cgroup it must be SLICE:PREFIX:NAME, "
                                  "not `%s`", cgroups_path);
  *slice = xstrdup (default_slice ());
  if (asprintf (unit, "zone-%s.scope", id) < 0)
    abort ();
  return 0;
}

