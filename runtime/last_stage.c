#define _GNU_SOURCE
#include "last_stage.h"
#include "stage2/stage2.h"
#include "sync.h"
#include "../util/cleanup.h"
#include "../util/sealed_exe.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert (STAGE2_SYNC_READY == SYNC_READY, "stage2.h and sync.h disagree on READY");

bool
last_stage_unfit (const struct zone_config *c)
{
  const struct zone_namespace *pid = zone_config_namespace (c, CLONE_NEWPID);

  return pid == NULL || pid->path != NULL || c->n_hooks[ZONE_HOOK_START_CONTAINER] > 0
         || (c->process && (c->process->apparmor_profile || c->process->selinux_label));
}

int
last_stage_or_sealed (const struct zone_runtime *rt, const struct zone_config *c, zerr **err)
{
  if (!last_stage_unfit (c) || running_from_sealed_copy ())
    return 0;
  if (rt->reexec_sealed == NULL)
    return zerr_set (err, EPERM, "this zone's init must run from a sealed copy of the runtime, which cannot be made here");
  return rt->reexec_sealed (err);
}

/* The filter as the kernel takes it, in a memfd the last stage maps. */
static int
export_filter (scmp_filter_ctx ctx, unsigned *flags, zerr **err)
{
  static const struct
  {
    enum scmp_filter_attr attr;
    unsigned flag;
  } attrs[] = {
    { SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC },
    { SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG },
    { SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  };
  cleanup_close int fd = memfd_create ("zone-seccomp", 0);
  int ret;

  *flags = 0;
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
    {
      uint32_t v = 0;
      if (seccomp_attr_get (ctx, attrs[i].attr, &v) == 0 && v)
        *flags |= attrs[i].flag;
    }
  if (fd < 0)
    return zerr_sys (err, "memfd_create for the seccomp filter");
  if ((ret = seccomp_export_bpf (ctx, fd)) < 0)
    {
      errno = -ret;
      return zerr_sys (err, "linux.seccomp: export the filter");
    }
  return steal_fd (&fd);
}

static void
fmt_int (char *buf, size_t size, long v)
{
  snprintf (buf, size, "%ld", v);
}

int
last_stage_exec (const struct last_stage *s, zerr **err)
{
  cleanup_close int stage = -1, filter = -1;
  char nums[5][16], fdpath[64];
  unsigned flags = 0;
  size_t n = 0;
  cleanup_free char **argv = NULL;

  stage = sealed_memfd ("zone-stage2", zone_stage2_start, (size_t) (zone_stage2_end - zone_stage2_start), err);
  if (stage < 0)
    return stage;
  if (s->seccomp && (filter = export_filter (s->seccomp, &flags, err)) < 0)
    return filter;
  fmt_int (nums[0], sizeof nums[0], s->sync_fd);
  fmt_int (nums[1], sizeof nums[1], s->state_dir_fd);
  fmt_int (nums[2], sizeof nums[2], s->keep_from);
  fmt_int (nums[3], sizeof nums[3], filter);
  fmt_int (nums[4], sizeof nums[4], flags);
  while (s->args[n])
    n++;
  argv = xmalloc0 ((STAGE2_ARGV_PROCESS + n + 1) * sizeof *argv);
  argv[0] = (char *) "zone-stage2";
  argv[STAGE2_ARGV_SYNC_FD] = nums[0];
  argv[STAGE2_ARGV_DIR_FD] = nums[1];
  argv[STAGE2_ARGV_KEEP_FROM] = nums[2];
  argv[STAGE2_ARGV_SECCOMP_FD] = nums[3];
  argv[STAGE2_ARGV_SECCOMP_FLAGS] = nums[4];
  argv[STAGE2_ARGV_EXE] = (char *) s->exe;
  memcpy (argv + STAGE2_ARGV_PROCESS, s->args, n * sizeof *argv);
  /* What the stage uses stays open across its exec; it closes them itself. */
  if (fcntl (s->sync_fd, F_SETFD, 0) < 0 || fcntl (s->state_dir_fd, F_SETFD, 0) < 0
      || (filter >= 0 && fcntl (filter, F_SETFD, 0) < 0))
    return zerr_sys (err, "pass fds to the last stage");
  syscall (SYS_execveat, stage, "", argv, s->env, AT_EMPTY_PATH);
  /* A seccomp filter loaded already (without noNewPrivileges) may allow execve only. */
  snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", stage);
  execve (fdpath, argv, s->env);
  return zerr_sys (err, "exec zone's last stage");
}
