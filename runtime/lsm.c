#define _GNU_SOURCE
#include "lsm.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

bool
lsm_apparmor_enabled (void)
{
  cleanup_free char *v = NULL;
  if (read_file_at (AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &v, NULL, NULL) < 0)
    return false;
  return v[0] == 'Y' && access ("/proc/self/attr/apparmor/exec", W_OK) == 0;
}

bool
lsm_selinux_enabled (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/selinux", &sf) == 0 && (unsigned long) sf.f_type == SELINUX_MAGIC;
}

static bool
set (const char *s)
{
  return s != NULL && *s != '\0';
}

int
lsm_check (const struct zone_process *p, zerr **err)
{
  if (set (p->apparmor_profile) && !lsm_apparmor_enabled ())
    return zerr_set (err, ENOTSUP, "config.json: process.apparmorProfile: AppArmor is not enabled on this host");
  if (set (p->selinux_label) && !lsm_selinux_enabled ())
    return zerr_set (err, ENOTSUP, "config.json: process.selinuxLabel: SELinux is not enabled on this host");
  return 0;
}

int
lsm_set_exec_labels (const struct zone_process *p, zerr **err)
{
  if (set (p->apparmor_profile))
    {
      cleanup_free char *cmd = NULL;
      if (asprintf (&cmd, "exec %s", p->apparmor_profile) < 0)
        abort ();
      if (write_file_at (AT_FDCWD, "/proc/thread-self/attr/apparmor/exec", cmd, strlen (cmd), 0, err) < 0)
        return zerr_wrap (err, "process.apparmorProfile `%s`", p->apparmor_profile);
    }
  if (set (p->selinux_label)
      && write_file_at (AT_FDCWD, "/proc/thread-self/attr/exec", p->selinux_label, strlen (p->selinux_label), 0, err)
             < 0)
    return zerr_wrap (err, "process.selinuxLabel `%s`", p->selinux_label);
  return 0;
}
