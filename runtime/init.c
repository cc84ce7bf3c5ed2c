#define _GNU_SOURCE
#include "init.h"
#include "hooks.h"
#include "last_stage.h"
#include "lsm.h"
#include "process.h"
#include "seccomp.h"
#include "terminal.h"
#include "sync.h"
#include "../rootfs/rootfs.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Join the namespaces that have a path; pid and time are joined by the runtime before clone,
   since setns on them only affects children. User first: it grants the rights for the others. */
static int
join_namespaces (const struct zone_config *c, zerr **err)
{
  static const int order[] = { CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWNS };
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      const struct zone_namespace *ns = zone_config_namespace (c, order[i]);
      cleanup_close int fd = -1;
      if (ns == NULL || ns->path == NULL)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return zerr_sys (err, "open %s namespace `%s`", zone_namespace_name (order[i]), ns->path);
      if (setns (fd, order[i]) < 0)
        return zerr_sys (err, "join %s namespace `%s`", zone_namespace_name (order[i]), ns->path);
    }
  return 0;
}

static int
apply_sysctl (const struct zone_config *c, zerr **err)
{
  for (size_t i = 0; i < c->n_sysctl; i++)
    {
      cleanup_free char *path = NULL;
      char *p;
      if (asprintf (&path, "/proc/sys/%s", c->sysctl[i].key) < 0)
        abort ();
      for (p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (write_file_at (AT_FDCWD, path, c->sysctl[i].value, strlen (c->sysctl[i].value), 0644, err) < 0)
        return zerr_wrap (err, "linux.sysctl.%s", c->sysctl[i].key);
    }
  return 0;
}

/* The runtime runs prestart and createRuntime now, then we run createContainer: all before
   pivot_root, as the runtime-spec orders them.  *start_state gets the state JSON for the
   startContainer hooks, run later. */
static int
create_hooks (struct init_args *a, char **start_state, zerr **err)
{
  struct sync_msg *m;
  int ret;

  if (!a->create_hooks)
    return 0;
  if (sync_send (a->sync_fd, SYNC_HOOKS, 0, NULL) < 0)
    return zerr_sys (err, "talk to the runtime");
  m = xmalloc0 (sizeof *m);
  ret = sync_expect (a->sync_fd, SYNC_HOOKS_DONE, m, err);
  if (ret == 0)
    {
      /* Take the runtime's second answer whatever the hook does: a socket closed with a message
         still unread makes the runtime read ECONNRESET instead of our error. */
      zerr *e = NULL;
      int hook = hooks_run (a->config, ZONE_HOOK_CREATE_CONTAINER, m->msg, NULL, &e);
      ret = sync_expect (a->sync_fd, SYNC_HOOKS_DONE, m, err);
      if (hook < 0)
        {
          zerr_free (err);
          *err = e;
          ret = hook;
        }
      else if (ret == 0)
        *start_state = xstrdup (m->msg);
    }
  free (m);
  return ret;
}

/* The runtime places us in the zone's cgroups while we make the rootfs (that overlaps the RCU
   grace period a cgroup v1 migration waits for); wait for it where the cgroups matter. */
static int
wait_placed (void *data, zerr **err)
{
  struct init_args *a = data;
  int ret;

  if (a->placed)
    return 0;
  if ((ret = sync_expect (a->sync_fd, SYNC_PLACED, NULL, err)) < 0)
    return ret;
  a->placed = true;
  return 0;
}

static int
setup (struct init_args *a, char **exe, char **state, zerr **err)
{
  const struct zone_config *c = a->config;
  struct rootfs_ctx rctx = {
    .config = c, .rootfs = a->rootfs, .bundle = a->bundle, .in_userns = a->new_userns, .root_fd = -1,
    .cgroupns = zone_config_namespace (c, CLONE_NEWCGROUP) != NULL,
    .before_cgroup_mount = wait_placed, .before_cgroup_mount_data = a,
  };
  const struct zone_namespace *cg = zone_config_namespace (c, CLONE_NEWCGROUP);
  bool own_mnt = zone_config_namespace (c, CLONE_NEWNS) != NULL;
  int ret;

  if ((ret = sync_expect (a->sync_fd, SYNC_GO, NULL, err)) < 0)
    return ret;
  if (a->new_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return zerr_sys (err, "become root in the user namespace (is 0 mapped in uidMappings and gidMappings?)");
  if ((ret = join_namespaces (c, err)) < 0)
    return ret;
  /* Unshared only now, so that the namespace's root is the zone's own cgroup. */
  if (cg && cg->path == NULL && ((ret = wait_placed (a, err)) < 0 || unshare (CLONE_NEWCGROUP) < 0))
    return ret < 0 ? ret : zerr_sys (err, "create the cgroup namespace");
  if (c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return zerr_sys (err, "hostname: sethostname");
  if (c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return zerr_sys (err, "domainname: setdomainname");
  if (!a->no_new_keyring && syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS
      && errno != EPERM)
    return zerr_sys (err, "create a session keyring");

  if (own_mnt && ((ret = rootfs_prepare (&rctx, err)) < 0 || (ret = rootfs_mount_all (&rctx, err)) < 0))
    return ret;
  /* Devices are made under the zone's device rules (v1: mknod needs `m`), as runc makes them. */
  if ((ret = wait_placed (a, err)) < 0)
    return ret;
  if (own_mnt && (ret = rootfs_create_devices (&rctx, err)) < 0)
    return ret;
  if ((ret = create_hooks (a, state, err)) < 0)
    return ret;
  if ((ret = own_mnt ? rootfs_pivot (&rctx, a->no_pivot, err) : rootfs_chroot (a->rootfs, err)) < 0)
    return ret;
  if ((ret = apply_sysctl (c, err)) < 0)
    return ret;
  if (own_mnt && (ret = rootfs_finalize (&rctx, err)) < 0)
    return ret;
  if (a->console_fd >= 0)
    {
      if ((ret = terminal_setup_in_zone (a->console_fd, c->process, err)) < 0)
        return ret;
      close (a->console_fd);
      a->console_fd = -1;
    }
  /* A session of its own, terminal or not, as runc's init has: the zone does not belong to the
     caller's session (or job control), and CRIU can checkpoint it (a session leader outside the
     zone's pid namespace cannot be dumped). */
  else if (setsid () < 0)
    return zerr_sys (err, "setsid");

  if ((ret = process_apply_rlimits (c->process, err)) < 0)
    return ret;
  if ((ret = process_apply_oom_score_adj (c->process, err)) < 0)
    return ret;
  if ((ret = process_apply_scheduling (c->process, err)) < 0)
    return ret;
  if (c->has_personality && personality (c->personality) < 0)
    return zerr_sys (err, "linux.personality: personality");
  if ((ret = process_apply_memory_merge (c, err)) < 0)
    return ret;
  if ((ret = lsm_set_exec_labels (c->process, err)) < 0)
    return ret;
  if ((ret = process_enter_cwd (c->process->cwd, "process.cwd", err)) < 0)
    return ret;
  /* Without no_new_privs only CAP_SYS_ADMIN allows a filter: load it before the caps go. */
  if (!c->process->no_new_privileges && (ret = seccomp_filter_load (a->seccomp, err)) < 0)
    return ret;
  if ((ret = process_apply_identity (c->process, err)) < 0)
    return ret;
  /* Looked up now, so that a missing program fails `create`, not `start`. */
  return process_find_executable (c->process, exe, err);
}

/* The first fd that is not the process's: stdio and the preserved or socket-activation fds are. */
static int
keep_from (const struct init_args *a)
{
  return 3 + (a->preserve_fds > a->listen_fds ? a->preserve_fds : a->listen_fds);
}

void
zone_init_main (struct init_args *a)
{
  cleanup_free char *exe = NULL, *state = NULL;
  cleanup_strv char **env = NULL;
  zerr *err = NULL;
  int fifo;

  /* Die with the runtime while it still drives the setup. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* Nothing of the runtime's stays open here but what the init needs: not the caller's fds
     beyond those passed on, not the runtime's own (its locked fd would hold the zone's lock for
     as long as we wait). */
  {
    int keep[] = { a->sync_fd, a->state_dir_fd, a->console_fd };
    close_fds_except (keep_from (a), keep, 3);
  }
  umask (0);
  if (setup (a, &exe, &state, &err) < 0)
    {
      sync_send (a->sync_fd, SYNC_ERROR, err->code, err->msg);
      _exit (1);
    }
  prctl (PR_SET_PDEATHSIG, 0);
  env = process_environment (a->config->process, a->listen_fds);
  if (a->last_stage)
    {
      struct last_stage s = {
        .sync_fd = a->sync_fd,
        .state_dir_fd = a->state_dir_fd,
        .keep_from = keep_from (a),
        .seccomp = a->config->process->no_new_privileges ? a->seccomp : NULL,
        .exe = exe,
        .args = a->config->process->args,
        .env = env,
      };
      last_stage_exec (&s, &err);
      sync_send (a->sync_fd, SYNC_ERROR, err->code, err->msg);
      _exit (1);
    }
  if (sync_send (a->sync_fd, SYNC_READY, 0, NULL) < 0)
    _exit (1);
  close (a->sync_fd);

  /* Blocks until `start` opens the fifo for reading. */
  fifo = openat (a->state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
  if (fifo < 0)
    _exit (1);
  close (a->state_dir_fd);
  if (a->config->n_hooks[ZONE_HOOK_START_CONTAINER])
    {
      /* As runc: a startContainer hook without its own env sees the process's. */
      if (hooks_run (a->config, ZONE_HOOK_START_CONTAINER, state ? state : "{}", env, &err) < 0)
        {
          /* `start` reads why from the fifo: one write below PIPE_BUF arrives whole. */
          char buf[1024];
          int len = snprintf (buf, sizeof buf, "1%s", err->msg);
          if (write (fifo, buf, (size_t) (len < (int) sizeof buf ? len : (int) sizeof buf - 1)) < 0)
            _exit (1);
          _exit (1);
        }
    }
  /* "0" tells `start` that everything before the exec went well. */
  if (write (fifo, "0", 1) != 1)
    _exit (1);
  close (fifo);

  /* Nothing of the runtime's reaches the zone but stdio and the preserved fds (CVE-2024-21626). */
  cloexec_fds_from (keep_from (a));
  if (a->config->process->no_new_privileges && seccomp_filter_load (a->seccomp, &err) < 0)
    {
      fprintf (stderr, "zone: %s\n", err->msg);
      _exit (127);
    }
  execve (exe, a->config->process->args, env);
  process_exec_error (&err, exe, errno);
  fprintf (stderr, "zone: %s\n", err->msg);
  _exit (127);
}
