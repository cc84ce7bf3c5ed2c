/* `exec`: a new process in a running zone, in all its namespaces and its cgroup, with the same
   process security as the zone's own process unless the caller overrides it. */
#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "lsm.h"
#include "pid.h"
#include "last_stage.h"
#include "process.h"
#include "seccomp.h"
#include "terminal.h"
#include "../cgroups/cgroup.h"
#include "../spec/config.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  int flag;
  const char *name;
} ns_files[] = {
  { CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWUTS, "uts" },       { CLONE_NEWNET, "net" },
  { CLONE_NEWPID, "pid" },   { CLONE_NEWNS, "mnt" },  { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWTIME, "time" },
};

/* The namespaces of pid that differ from ours: exactly those to join (joining our own user
   namespace would be EINVAL). */
static int
zone_namespaces (pid_t pid)
{
  int flags = 0;
  for (size_t i = 0; i < sizeof ns_files / sizeof ns_files[0]; i++)
    {
      char path[64];
      struct stat theirs, ours;
      snprintf (path, sizeof path, "/proc/%d/ns/%s", pid, ns_files[i].name);
      if (stat (path, &theirs) < 0)
        continue;
      snprintf (path, sizeof path, "/proc/self/ns/%s", ns_files[i].name);
      if (stat (path, &ours) < 0 || theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
        flags |= ns_files[i].flag;
    }
  return flags;
}

/* --env K=V replaces K if the process has it, else adds it. */
static void
env_set (char ***env, const char *kv)
{
  size_t klen = strcspn (kv, "=");
  for (size_t i = 0; *env && (*env)[i]; i++)
    if (strncmp ((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  strv_append (env, kv);
}

/* The zone's process, or --process FILE, with the command line's overrides applied. */
static int
build_process (struct zone_config *c, const struct zone_exec_opts *o, zerr **err)
{
  struct zone_process *p;
  int ret;

  if (o->process_file)
    {
      cleanup_free char *text = NULL;
      struct zone_process *np = NULL;
      if ((ret = read_file_at (AT_FDCWD, o->process_file, &text, NULL, err)) < 0)
        return ret;
      if ((ret = zone_process_parse (o->process_file, text, &np, err)) < 0)
        return ret;
      zone_process_free (c->process);
      c->process = np;
    }
  else if (c->process == NULL || o->args == NULL || o->args[0] == NULL)
    return zerr_set (err, EINVAL, "exec: no command given (CMD ARGS... or --process FILE)");
  p = c->process;
  if (o->args && o->args[0])
    {
      strv_free (p->args);
      p->args = NULL;
      for (size_t i = 0; o->args[i]; i++)
        strv_append (&p->args, o->args[i]);
    }
  /* As runc: without --process, a terminal only with -t (the config's process.terminal is the
     zone's init's, not exec's). */
  if (o->process_file == NULL)
    p->terminal = false;
  if (o->tty)
    p->terminal = true;
  if (o->cwd)
    {
      if (o->cwd[0] != '/')
        return zerr_set (err, EINVAL, "--cwd `%s`: must be an absolute path", o->cwd);
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  for (size_t i = 0; o->env && o->env[i]; i++)
    {
      if (strchr (o->env[i], '=') == NULL || o->env[i][0] == '=')
        return zerr_set (err, EINVAL, "--env `%s`: must have the form KEY=VALUE", o->env[i]);
      env_set (&p->env, o->env[i]);
    }
  if (o->has_user)
    {
      p->uid = o->uid;
      p->gid = o->gid;
    }
  if (o->n_additional_gids)
    {
      free (p->additional_gids);
      p->additional_gids = xmalloc0 (o->n_additional_gids * sizeof (uint32_t));
      memcpy (p->additional_gids, o->additional_gids, o->n_additional_gids * sizeof (uint32_t));
      p->n_additional_gids = o->n_additional_gids;
    }
  for (size_t i = 0; o->caps && o->caps[i]; i++)
    {
      /* The flag's own error: config.json is not where this name came from. */
      if (!process_cap_known (o->caps[i]))
        return zerr_set (err, EINVAL, "--cap: unknown capability `%s`", o->caps[i]);
      /* As runc: the capability is added to every set that makes it usable. */
      strv_append (&p->caps.bounding, o->caps[i]);
      strv_append (&p->caps.effective, o->caps[i]);
      strv_append (&p->caps.permitted, o->caps[i]);
      p->caps.present = true;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  if ((ret = process_validate_caps (p, err)) < 0)
    return ret;
  return lsm_check (p, err);
}

struct exec_child
{
  const struct zone_config *config;
  const struct zone_exec_opts *opts;
  int zone_pidfd, root_fd, go_fd, report_fd, console_fd, ns_flags;
  bool in_userns; /* the runtime joined the zone's user namespace for us (an ordinary user's zone) */
  bool placed;    /* "p" has come: we are in the zone's cgroup (or will be, after our exec: paused) */
  scmp_filter_ctx seccomp;
};

static int
wait_placed (struct exec_child *x, zerr **err)
{
  char c;
  if (x->placed)
    return 0;
  if (read (x->go_fd, &c, 1) != 1 || c != 'p')
    return zerr_set (err, EPIPE, "the runtime went away");
  x->placed = true;
  return 0;
}

static int
setup_child (struct exec_child *x, char **exe, zerr **err)
{
  const struct zone_process *p = x->config->process;
  char c;
  int ret;

  /* "g": go on while the runtime moves us into the zone's cgroup; "p": placed there. Placed
     before we join a cgroup namespace (it must have us inside it) and before anything of the
     zone's runs (the seccomp filter may then deny even read). */
  if (read (x->go_fd, &c, 1) != 1)
    return zerr_set (err, EPIPE, "the runtime went away");
  if (x->ns_flags & CLONE_NEWCGROUP && (ret = wait_placed (x, err)) < 0)
    return ret;
  /* Through our own /proc: the zone's has no /proc/self for us, who are outside its pid
     namespace (the process, forked into it, inherits the value). */
  if ((ret = process_apply_oom_score_adj (p, err)) < 0)
    return ret;
  /* pid and time apply to our children: the process the last stage forks. */
  if (x->ns_flags && setns (x->zone_pidfd, x->ns_flags) < 0)
    return zerr_sys (err, "join the zone's namespaces");
  if ((x->ns_flags & CLONE_NEWUSER || x->in_userns) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return zerr_sys (err, "become root in the zone's user namespace");
  /* The zone's root as its init sees it: also right for zones made with --no-pivot. */
  if (fchdir (x->root_fd) < 0 || chroot (".") < 0)
    return zerr_sys (err, "enter the zone's root");
  close (x->root_fd);
  /* The pty on fds 0-2; the process makes it its controlling terminal (the last stage). */
  if (x->console_fd >= 0)
    {
      if ((ret = terminal_attach_in_zone (x->console_fd, p, err)) < 0)
        return ret;
      close (x->console_fd);
    }
  if ((ret = process_apply_rlimits (p, err)) < 0 || (ret = process_apply_scheduling (p, err)) < 0)
    return ret;
  if (x->config->has_personality && personality (x->config->personality) < 0)
    return zerr_sys (err, "linux.personality: personality");
  if ((ret = process_apply_memory_merge (x->config, err)) < 0)
    return ret;
  if ((ret = process_enter_cwd (p->cwd, "cwd", err)) < 0 || (ret = wait_placed (x, err)) < 0)
    return ret;
  /* The groups now (the process keeps them), so that the program is looked up with them. */
  if ((ret = process_apply_groups (p, err)) < 0)
    return ret;
  return process_find_executable_as_user (p, exe, err);
}

/* The child: set up in the zone outside its pid namespace, it execs zone's last stage, which
   forks the process into the zone (runtime/last_stage.h).  So nothing of the zone ever sees
   the runtime's binary.  Errors go to report_fd as "E<why>". */
__attribute__ ((noreturn)) static void
exec_child_main (struct exec_child *x)
{
  cleanup_free char *exe = NULL;
  zerr *err = NULL;

  if (setup_child (x, &exe, &err) == 0)
    {
      struct last_stage_process s = {
        .report_fd = x->report_fd,
        .keep_from = 3 + x->opts->preserve_fds,
        .process = x->config->process,
        .seccomp = x->seccomp,
        .exe = exe,
        .env = process_environment (x->config->process, 0),
      };
      last_stage_exec_process (&s, &err);
    }
  write_all (x->report_fd, "E", 1);
  write_all (x->report_fd, err->msg, strlen (err->msg));
  _exit (127);
}

/* The child's report: "P<pid>\n" once the process is forked, then EOF at its exec; "E<why>" from
   whichever failed.  *pid is the process's, or 0 when none was made. */
static int
wait_exec (int report_fd, pid_t child, pid_t *pid, zerr **err)
{
  char buf[4096];
  size_t len = 0;
  ssize_t n;
  char *e;

  *pid = 0;
  for (;;)
    {
      n = read (report_fd, buf + len, sizeof buf - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || (len += (size_t) n) == sizeof buf - 1)
        break;
    }
  buf[len] = '\0';
  waitpid (child, NULL, 0);
  if (buf[0] == 'P')
    *pid = (pid_t) strtol (buf + 1, NULL, 10);
  e = buf[0] == 'E' ? buf : strstr (buf, "\nE");
  if (e)
    {
      e += e[0] == 'E' ? 1 : 2;
      e[strcspn (e, "\n")] = '\0';
      if (*pid > 0)
        waitpid (*pid, NULL, 0);
      return zerr_set (err, EINVAL, "exec failed: %s", e);
    }
  if (*pid <= 0)
    return zerr_set (err, EPIPE, "exec failed: the process's setup ended without a word");
  return 0;
}

/* Our error ret, unless the child reported one of its own before it went (the reason ours
   followed from). */
static int
child_reason (int report_fd, pid_t child, int ret, zerr **err)
{
  zerr *said = NULL;
  pid_t pid;
  int r = wait_exec (report_fd, child, &pid, &said);

  if (r == 0 || said->code == EPIPE)
    {
      if (pid > 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
        }
      zerr_free (&said);
      return ret;
    }
  zerr_free (err);
  *err = said;
  return r;
}

int
zone_exec (const struct zone_runtime *rt, const char *id, const struct zone_exec_opts *o, int *exit_code,
           zerr **err)
{
  cleanup_close int dirfd = -1, zone_pidfd = -1, root_fd = -1, console_fd = -1, ours = -1, master = -1;
  cleanup_close int child_pidfd = -1, cgroup_fd = -1;
  cleanup_state struct zone_state *st = NULL;
  cleanup_config struct zone_config *config = NULL;
  cleanup_free char *text = NULL;
  scmp_filter_ctx filter = NULL;
  int go[2] = { -1, -1 }, report[2] = { -1, -1 }, ret, ns_flags;
  bool in_userns = false;
  char path[64];
  pid_t child, pid = 0;

  bool frozen;

  *exit_code = 0;
  if ((ret = state_open (rt, id, &dirfd, &st, err)) < 0)
    return ret;
  if (strcmp (st->status, "paused") == 0 && !o->ignore_paused)
    return zerr_set (err, EINVAL, "cannot exec in container `%s`: it is paused (--ignore-paused execs anyway)", id);
  if (strcmp (st->status, "created") != 0 && strcmp (st->status, "running") != 0
      && strcmp (st->status, "paused") != 0)
    return zerr_set (err, EINVAL, "cannot exec in container `%s`: it is %s", id, st->status);
  zone_pidfd = pid_open_verified (st->pid, st->pid_start);
  if (zone_pidfd < 0)
    return zerr_set (err, ESRCH, "cannot exec in container `%s`: its init has exited", id);
  if ((ret = read_file_at (dirfd, "config.json", &text, NULL, err)) < 0
      || (ret = zone_config_parse ("config.json", text, &config, err)) < 0)
    return ret;
  /* Others may use the zone while this process runs. */
  close (dirfd);
  dirfd = -1;
  if ((ret = build_process (config, o, err)) < 0)
    return ret;
  if (config->process->terminal && o->console_socket == NULL && o->detach)
    return zerr_set (err, EINVAL, "exec: a detached process with a terminal needs --console-socket");
  if (!config->process->terminal && o->console_socket)
    return zerr_set (err, EINVAL, "exec: --console-socket was given without --tty");
  if (config->process->terminal)
    {
      if (o->console_socket)
        console_fd = terminal_connect_socket (o->console_socket, err);
      else
        {
          int sv[2];
          if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return zerr_sys (err, "socketpair");
          ours = sv[0];
          console_fd = sv[1];
        }
      if (console_fd < 0)
        return console_fd;
    }
  snprintf (path, sizeof path, "/proc/%d/root", st->pid);
  root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return zerr_sys (err, "open the zone's root");
  ns_flags = zone_namespaces (st->pid);
  /* An ordinary user's zone: its pid namespace belongs to its user namespace, where we have
     capabilities only once we are in it (as its owner we may join it). The child then is too. */
  if (ns_flags & CLONE_NEWUSER && geteuid () != 0)
    {
      if (setns (zone_pidfd, CLONE_NEWUSER) < 0)
        return zerr_sys (err, "join the zone's user namespace");
      ns_flags &= ~CLONE_NEWUSER;
      in_userns = true;
    }
  if ((ret = seccomp_filter_build (config->seccomp, &filter, err)) < 0)
    return ret;
  /* go: a socket, so that telling a child that already failed and went is EPIPE, not SIGPIPE */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0 || pipe2 (report, O_CLOEXEC) < 0)
    {
      seccomp_release (filter);
      return zerr_sys (err, "pipe");
    }

  /* Pure v2: the child is born in the zone's cgroup (not a paused one: it would freeze there
     before it could exec and tell us). */
  if (strcmp (st->status, "paused") != 0)
    cgroup_fd = cgroup_clone_target (st->cgroup_paths);
  child = clone_pidfd (0, &child_pidfd, &cgroup_fd);
  if (child == 0)
    {
      close (go[1]);
      close (report[0]);
      struct exec_child x = {
        .config = config, .opts = o, .zone_pidfd = zone_pidfd, .root_fd = root_fd, .go_fd = go[0],
        .report_fd = report[1], .console_fd = console_fd, .ns_flags = ns_flags, .in_userns = in_userns,
        .seccomp = filter,
      };
      exec_child_main (&x);
    }
  close (go[0]);
  close (report[1]);
  seccomp_release (filter);
  if (child < 0)
    {
      ret = zerr_sys (err, "clone");
      goto out;
    }
  /* In a frozen cgroup the child would freeze before it could exec and tell us: with
     --ignore-paused it joins the zone's cgroup right after its exec (and stops there until
     resume); otherwise before it runs anything. */
  frozen = strcmp (st->status, "paused") == 0;
  /* From "g" on the child may fail and go at any moment: its report is then the reason. */
  if (send (go[1], "g", 1, MSG_NOSIGNAL) != 1)
    {
      ret = zerr_sys (err, "start the process");
      ret = child_reason (report[0], child, ret, err);
      goto out;
    }
  if (!frozen && cgroup_fd < 0 && (ret = cgroup_enter (st->cgroup_paths, child, err)) < 0)
    {
      kill (child, SIGKILL);
      ret = child_reason (report[0], child, ret, err);
      goto out;
    }
  /* Not sent when it has gone already: wait_exec reads why. */
  send (go[1], "p", 1, MSG_NOSIGNAL);
  if ((ret = wait_exec (report[0], child, &pid, err)) < 0)
    goto out;
  /* The process is our child (the last stage forked it with CLONE_PARENT). */
  cleanup_closep (&child_pidfd);
  child_pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (frozen && (ret = cgroup_enter (st->cgroup_paths, pid, err)) < 0)
    {
      kill (pid, SIGKILL);
      goto out;
    }
  if (o->pid_file)
    {
      char buf[32];
      int len = snprintf (buf, sizeof buf, "%d", pid);
      if ((ret = write_file_atomic (o->pid_file, buf, (size_t) len, 0644, err)) < 0)
        goto out;
    }
  if (ours >= 0 && (ret = terminal_recv_master (ours, &master, err)) < 0)
    goto out;
  if (o->detach)
    goto out;
  ret = wait_foreground (pid, child_pidfd, master, -1, false, exit_code, err);
out:
  close (go[1]);
  close (report[0]);
  return ret;
}
