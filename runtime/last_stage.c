#define _GNU_SOURCE
#include "last_stage.h"
#include "stage2/stage2.h"
#include "process.h"
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

  const struct zone_process *p = c->process;

  return pid == NULL || pid->path != NULL || c->n_hooks[ZONE_HOOK_START_CONTAINER] > 0
         || (p && ((p->apparmor_profile && *p->apparmor_profile) || (p->selinux_label && *p->selinux_label)));
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

/* Exec the stage (a sealed memfd) with argv; the fds in pass stay open across it. */
static int
exec_stage (char **argv, char **env, const int *pass, size_t n_pass, zerr **err)
{
  cleanup_close int stage = -1;
  char fdpath[64];

  stage = sealed_memfd ("zone-stage2", zone_stage2_start, (size_t) (zone_stage2_end - zone_stage2_start), err);
  if (stage < 0)
    return stage;
  for (size_t i = 0; i < n_pass; i++)
    if (pass[i] >= 0 && fcntl (pass[i], F_SETFD, 0) < 0)
      return zerr_sys (err, "pass fds to the last stage");
  syscall (SYS_execveat, stage, "", argv, env, AT_EMPTY_PATH);
  /* A seccomp filter loaded already (without noNewPrivileges) may allow execve only. */
  snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", stage);
  execve (fdpath, argv, env);
  return zerr_sys (err, "exec zone's last stage");
}

/* argv: the mode's n_fixed arguments (filled by the caller), then args. */
static char **
stage_argv (size_t n_fixed, char **args)
{
  size_t n = 0;
  char **argv;

  while (args[n])
    n++;
  argv = xmalloc0 ((n_fixed + n + 1) * sizeof *argv);
  memcpy (argv + n_fixed, args, n * sizeof *argv);
  return argv;
}

int
last_stage_exec (const struct last_stage *s, zerr **err)
{
  cleanup_close int filter = -1;
  char nums[5][16];
  unsigned flags = 0;
  cleanup_free char **argv = stage_argv (STAGE2_INIT_PROCESS, s->args);

  if (s->seccomp && (filter = export_filter (s->seccomp, &flags, err)) < 0)
    return filter;
  snprintf (nums[0], sizeof nums[0], "%d", s->sync_fd);
  snprintf (nums[1], sizeof nums[1], "%d", s->state_dir_fd);
  snprintf (nums[2], sizeof nums[2], "%d", s->keep_from);
  snprintf (nums[3], sizeof nums[3], "%d", filter);
  snprintf (nums[4], sizeof nums[4], "%u", flags);
  argv[0] = (char *) STAGE2_INIT;
  argv[STAGE2_INIT_SYNC_FD] = nums[0];
  argv[STAGE2_INIT_DIR_FD] = nums[1];
  argv[STAGE2_INIT_KEEP_FROM] = nums[2];
  argv[STAGE2_INIT_SECCOMP_FD] = nums[3];
  argv[STAGE2_INIT_SECCOMP_FLAGS] = nums[4];
  argv[STAGE2_INIT_EXE] = (char *) s->exe;
  {
    int pass[] = { s->sync_fd, s->state_dir_fd, filter };
    return exec_stage (argv, s->env, pass, 3, err);
  }
}

int
last_stage_exec_process (const struct last_stage_process *s, zerr **err)
{
  const struct zone_process *p = s->process;
  cleanup_close int filter = -1;
  cleanup_free char *apparmor = NULL, *caps = NULL;
  cleanup_free char **argv = stage_argv (STAGE2_EXEC_PROCESS, p->args);
  char nums[8][16];
  unsigned flags = 0;

  if (s->seccomp && (filter = export_filter (s->seccomp, &flags, err)) < 0)
    return filter;
  if (p->caps.present)
    {
      uint64_t m[5];
      process_cap_masks (p, m);
      if (asprintf (&caps, "%llx,%llx,%llx,%llx,%llx", (unsigned long long) m[0], (unsigned long long) m[1],
                    (unsigned long long) m[2], (unsigned long long) m[3], (unsigned long long) m[4]) < 0)
        abort ();
    }
  if (p->apparmor_profile && *p->apparmor_profile && asprintf (&apparmor, "exec %s", p->apparmor_profile) < 0)
    abort ();
  snprintf (nums[0], sizeof nums[0], "%d", s->report_fd);
  snprintf (nums[1], sizeof nums[1], "%d", s->keep_from);
  snprintf (nums[2], sizeof nums[2], "%d", filter);
  snprintf (nums[3], sizeof nums[3], "%u", flags);
  snprintf (nums[4], sizeof nums[4], "%u", p->uid);
  snprintf (nums[5], sizeof nums[5], "%u", p->gid);
  snprintf (nums[6], sizeof nums[6], "%d", p->has_umask ? (int) p->umask : -1);
  argv[0] = (char *) STAGE2_EXEC;
  argv[STAGE2_EXEC_REPORT_FD] = nums[0];
  argv[STAGE2_EXEC_KEEP_FROM] = nums[1];
  argv[STAGE2_EXEC_SECCOMP_FD] = nums[2];
  argv[STAGE2_EXEC_SECCOMP_FLAGS] = nums[3];
  argv[STAGE2_EXEC_NNP] = (char *) (p->no_new_privileges ? "1" : "0");
  argv[STAGE2_EXEC_TTY] = (char *) (p->terminal ? "1" : "0");
  argv[STAGE2_EXEC_UID] = nums[4];
  argv[STAGE2_EXEC_GID] = nums[5];
  argv[STAGE2_EXEC_CAPS] = caps ? caps : (char *) "";
  argv[STAGE2_EXEC_UMASK] = nums[6];
  argv[STAGE2_EXEC_APPARMOR] = apparmor ? apparmor : (char *) "";
  argv[STAGE2_EXEC_SELINUX] = p->selinux_label ? p->selinux_label : (char *) "";
  argv[STAGE2_EXEC_EXE] = (char *) s->exe;
  {
    int pass[] = { s->report_fd, filter };
    return exec_stage (argv, s->env, pass, 2, err);
  }
}
