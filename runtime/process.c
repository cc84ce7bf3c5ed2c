#define _GNU_SOURCE
#include "process.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

static const char *
env_lookup (char **env, const char *key)
{
  size_t len = strlen (key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], key, len) == 0 && env[i][len] == '=')
      return env[i] + len + 1;
  return NULL;
}

/* 0, or why path cannot be executed (as execve would say it). */
static int
check_executable (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode))
    return -EISDIR;
  /* AT_EACCESS: as the effective (file system) ids, which process_find_executable_as_user sets. */
  if (!S_ISREG (st.st_mode) || faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    return -EACCES;
  return 0;
}

int
process_exec_error (zerr **err, const char *name, int errnum)
{
  char why[128];
  snprintf (why, sizeof why, "%s", strerror (errnum));
  why[0] = (char) tolower ((unsigned char) why[0]);
  return zerr_set (err, errnum, "exec: \"%s\": %s", name, why);
}

int
process_find_executable (const struct zone_process *p, char **out, zerr **err)
{
  const char *name = p->args[0];
  const char *path = env_lookup (p->env, "PATH");
  cleanup_free char *copy = NULL;
  char *dir, *save = NULL;

  if (strchr (name, '/'))
    {
      int why = check_executable (name);
      if (why < 0)
        return process_exec_error (err, name, -why);
      *out = xstrdup (name);
      return 0;
    }
  copy = xstrdup (path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      char *candidate;
      if (asprintf (&candidate, "%s/%s", *dir ? dir : ".", name) < 0)
        abort ();
      if (check_executable (candidate) == 0)
        {
          *out = candidate;
          return 0;
        }
      free (candidate);
    }
  /* runc's words, which engines look for (podman: exit 127). */
  return zerr_set (err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

int
process_apply_groups (const struct zone_process *p, zerr **err)
{
  cleanup_free gid_t *groups = NULL;

  if (p->n_additional_gids)
    {
      groups = xmalloc0 (p->n_additional_gids * sizeof (gid_t));
      for (size_t i = 0; i < p->n_additional_gids; i++)
        groups[i] = p->additional_gids[i];
    }
  /* EPERM: setgroups is denied in a user namespace whose gid_map an ordinary user wrote. */
  if (setgroups (p->n_additional_gids, groups) < 0 && errno != EPERM)
    return zerr_sys (err, "process.user.additionalGids: setgroups");
  return 0;
}

int
process_find_executable_as_user (const struct zone_process *p, char **out, zerr **err)
{
  int ret;

  /* uid and gid for file access only; the groups are the process's already. */
  setfsgid (p->gid);
  setfsuid (p->uid);
  ret = process_find_executable (p, out, err);
  setfsuid (0);
  setfsgid (0);
  return ret;
}

int
process_apply_rlimits (const struct zone_process *p, zerr **err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
      if (setrlimit (p->rlimits[i].resource, &rl) < 0)
        {
          struct rlimit cur = { 0 };
          getrlimit (p->rlimits[i].resource, &cur);
          if (errno == EPERM && rl.rlim_max > cur.rlim_max)
            return zerr_set (err, EPERM,
                             "process.rlimits[%zu]: %s hard limit %llu is above the runtime's own hard limit %llu "
                             "(raising it needs CAP_SYS_RESOURCE)",
                             i, p->rlimits[i].name, (unsigned long long) rl.rlim_max,
                             (unsigned long long) cur.rlim_max);
          return zerr_sys (err, "process.rlimits[%zu]: set %s", i, p->rlimits[i].name);
        }
    }
  return 0;
}

int
process_apply_oom_score_adj (const struct zone_process *p, zerr **err)
{
  char buf[16];
  int len;
  if (!p->has_oom_score_adj)
    return 0;
  len = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  if (write_file_at (AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t) len, 0644, err) < 0)
    return zerr_wrap (err, "process.oomScoreAdj");
  return 0;
}

#define CAP_LISTS(p)                                                                                                   \
  {                                                                                                                    \
    (p)->caps.bounding, (p)->caps.effective, (p)->caps.permitted, (p)->caps.inheritable, (p)->caps.ambient             \
  }
static const char *const cap_list_names[5] = { "bounding", "effective", "permitted", "inheritable", "ambient" };

bool
process_cap_known (const char *name)
{
  cap_value_t v;
  return strncasecmp (name, "CAP_", 4) == 0 && cap_from_name (name, &v) == 0;
}

int
process_validate_caps (const struct zone_process *p, zerr **err)
{
  char **lists[5] = CAP_LISTS (p);
  for (int l = 0; l < 5; l++)
    for (size_t i = 0; lists[l] && lists[l][i]; i++)
      {
        cap_value_t v;
        if (strncasecmp (lists[l][i], "CAP_", 4) != 0 || cap_from_name (lists[l][i], &v) < 0)
          return zerr_set (err, EINVAL, "config.json: process.capabilities.%s[%zu]: unknown capability `%s`",
                           cap_list_names[l], i, lists[l][i]);
      }
  return 0;
}

static int
cap_list_has (char **list, cap_value_t cap)
{
  for (size_t i = 0; list && list[i]; i++)
    {
      cap_value_t v;
      if (cap_from_name (list[i], &v) == 0 && v == cap)
        return 1;
    }
  return 0;
}

void
process_cap_masks (const struct zone_process *p, uint64_t masks[5])
{
  char **lists[5] = CAP_LISTS (p);
  for (int l = 0; l < 5; l++)
    {
      masks[l] = 0;
      for (size_t i = 0; lists[l] && lists[l][i]; i++)
        {
          cap_value_t v;
          if (cap_from_name (lists[l][i], &v) == 0 && v >= 0 && v < 64)
            masks[l] |= 1ULL << v;
        }
    }
}

/* Needs CAP_SETPCAP in the effective set: done while still root. */
static int
drop_bounding (const struct zone_process *p, zerr **err)
{
  cap_value_t last = (cap_value_t) cap_max_bits () - 1;
  for (cap_value_t c = 0; c <= last; c++)
    if (!cap_list_has (p->caps.bounding, c) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return zerr_sys (err, "process.capabilities.bounding: drop capability %d", c);
  return 0;
}

static int
apply_caps (const struct zone_process *p, zerr **err)
{
  cap_value_t last = (cap_value_t) cap_max_bits () - 1;
  cap_t caps;
  int ret = 0;

  caps = cap_init ();
  for (cap_value_t c = 0; c <= last; c++)
    {
      if (cap_list_has (p->caps.effective, c))
        cap_set_flag (caps, CAP_EFFECTIVE, 1, &c, CAP_SET);
      if (cap_list_has (p->caps.permitted, c))
        cap_set_flag (caps, CAP_PERMITTED, 1, &c, CAP_SET);
      if (cap_list_has (p->caps.inheritable, c))
        cap_set_flag (caps, CAP_INHERITABLE, 1, &c, CAP_SET);
    }
  if (cap_set_proc (caps) < 0)
    ret = zerr_sys (err, "process.capabilities: set the capability sets");
  cap_free (caps);
  if (ret < 0)
    return ret;
  prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (size_t i = 0; p->caps.ambient && p->caps.ambient[i]; i++)
    {
      cap_value_t v;
      if (cap_from_name (p->caps.ambient[i], &v) < 0)
        continue;
      /* As runc: an ambient capability that is not also permitted and inheritable is skipped. */
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0 && errno != EPERM)
        return zerr_sys (err, "process.capabilities.ambient: raise `%s`", p->caps.ambient[i]);
    }
  return 0;
}

int
process_apply_identity (const struct zone_process *p, zerr **err)
{
  int ret;

  if (p->caps.present && (ret = drop_bounding (p, err)) < 0)
    return ret;
  if ((ret = process_apply_groups (p, err)) < 0)
    return ret;
  /* Keep the permitted set across the uid change; the configured sets are applied right after. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return zerr_sys (err, "prctl PR_SET_KEEPCAPS");
  if (setresgid (p->gid, p->gid, p->gid) < 0)
    return zerr_sys (err, "process.user.gid: setgid %u", p->gid);
  if (setresuid (p->uid, p->uid, p->uid) < 0)
    return zerr_sys (err, "process.user.uid: setuid %u", p->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return zerr_sys (err, "prctl PR_SET_KEEPCAPS");
  if (p->caps.present && (ret = apply_caps (p, err)) < 0)
    return ret;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return zerr_sys (err, "process.noNewPrivileges");
  if (p->has_umask)
    umask (p->umask);
  else
    umask (0022);
  return 0;
}

int
process_enter_cwd (const char *cwd, const char *field, zerr **err)
{
  struct open_how how = {
    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC), dir = -1;
  cleanup_free char *now = NULL;
  const char *rel = cwd + strspn (cwd, "/");

  if (root < 0)
    return zerr_sys (err, "%s: open the root", field);
  dir = (int) syscall (SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
  if (dir < 0 && errno == ELOOP && strncmp (cwd, "/proc/", 6) == 0)
    return zerr_set (err, EPERM, "%s: `%s` goes through a /proc magic link: not allowed for a working directory",
                     field, cwd);
  if (dir < 0 || fchdir (dir) < 0)
    return zerr_sys (err, "%s: chdir `%s`", field, cwd);
  /* The kernel marks a directory that is not below our root: never start the process there. */
  now = getcwd (NULL, 0);
  if (now == NULL || now[0] != '/')
    return zerr_set (err, EPERM, "%s: `%s` is outside the zone's root", field, cwd);
  return 0;
}

char *
passwd_home (const char *passwd, uid_t uid)
{
  return passwd_field (passwd, uid, 5);
}

char *
passwd_field (const char *passwd, uid_t uid, int field)
{
  cleanup_free char *copy = xstrdup (passwd);
  char *save = NULL;

  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* name:password:uid:gid:gecos:home:shell */
      char *f[7] = { 0 }, *rest = line, *end;
      size_t n = 0;
      unsigned long v;
      while (n < 7 && rest)
        {
          f[n++] = rest;
          rest = strchr (rest, ':');
          if (rest)
            *rest++ = '\0';
        }
      if (n < 6 || f[2][0] == '\0')
        continue;
      errno = 0;
      v = strtoul (f[2], &end, 10);
      if (errno == 0 && *end == '\0' && v == (unsigned long) uid && f[field][0] != '\0')
        return xstrdup (f[field]);
    }
  return NULL;
}

/* HOME for uid as the zone's own /etc/passwd has it (we are inside the zone's root by now), or
   "/" as runc falls back to.  Only a regular file of sane size is read: the zone's image is not
   trusted to hold no FIFO or device there. */
static char *
zone_home (uid_t uid)
{
  cleanup_close int fd = open ("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  cleanup_free char *text = NULL;
  struct stat st;
  size_t len = 0;
  char *home;

  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size > (1 << 20))
    return xstrdup ("/");
  text = xmalloc0 ((size_t) st.st_size + 1);
  while (len < (size_t) st.st_size)
    {
      ssize_t n = read (fd, text + len, (size_t) st.st_size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (size_t) n;
    }
  text[len] = '\0';
  home = passwd_home (text, uid);
  return home ? home : xstrdup ("/");
}

char **
process_environment (const struct zone_process *p, int listen_fds)
{
  size_t n = 0, k;
  char **env;
  for (; p->env && p->env[n]; n++)
    ;
  env = xmalloc0 ((n + 4) * sizeof (char *));
  for (k = 0; k < n; k++)
    env[k] = xstrdup (p->env[k]);
  if (env_lookup (p->env, "HOME") == NULL)
    {
      cleanup_free char *home = zone_home (p->uid);
      if (asprintf (&env[k++], "HOME=%s", home) < 0)
        abort ();
    }
  /* Socket activation: the fds follow stdio, and sd_listen_fds checks LISTEN_PID is its own. */
  if (listen_fds > 0 && (asprintf (&env[k], "LISTEN_FDS=%d", listen_fds) < 0
                         || asprintf (&env[k + 1], "LISTEN_PID=%d", (int) getpid ()) < 0))
    abort ();
  return env;
}

/* The kernel's struct sched_attr (sched_setattr(2)); glibc 2.36 has no wrapper. */
struct kernel_sched_attr
{
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

int
process_apply_scheduling (const struct zone_process *p, zerr **err)
{
  if (p->has_scheduler)
    {
      struct kernel_sched_attr a = {
        .size = sizeof a,
        .sched_policy = (uint32_t) p->scheduler.policy,
        .sched_flags = p->scheduler.flags,
        .sched_nice = p->scheduler.nice,
        .sched_priority = p->scheduler.priority,
        .sched_runtime = p->scheduler.runtime,
        .sched_deadline = p->scheduler.deadline,
        .sched_period = p->scheduler.period,
      };
      if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
        return zerr_sys (err, "process.scheduler: sched_setattr");
    }
  if (p->has_io_priority)
    {
      /* IOPRIO_PRIO_VALUE (class, data): the class sits above 13 bits of data. */
      int value = (p->io_class << 13) | p->io_priority;
      if (syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value) < 0)
        return zerr_sys (err, "process.ioPriority: ioprio_set");
    }
  return 0;
}

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif
#define KSM_RUN "/sys/kernel/mm/ksm/run"

int
process_memory_merge (const struct zone_config *c)
{
  for (size_t i = 0; i < c->n_annotations; i++)
    if (strcmp (c->annotations[i].key, "org.zone.memory.merge") == 0)
      return strcmp (c->annotations[i].value, "true") == 0 ? 1 : strcmp (c->annotations[i].value, "false") == 0 ? 0 : -1;
  return 0;
}

int
process_check_memory_merge (const struct zone_config *c, zerr **err)
{
  cleanup_free char *run = NULL;
  int merge = process_memory_merge (c);

  if (merge < 0)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.memory.merge: must be true or false");
  if (merge == 0)
    return 0;
  if (prctl (PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0)
    return zerr_set (err, ENOTSUP, "org.zone.memory.merge: this kernel cannot merge a process's memory "
                                   "(PR_SET_MEMORY_MERGE needs Linux 6.4 with KSM)");
  if (read_file_at (AT_FDCWD, KSM_RUN, &run, NULL, err) < 0)
    return zerr_wrap (err, "org.zone.memory.merge: KSM");
  /* 0: stopped. 1 runs; 2 is an operator's "unmerge everything", left alone. */
  if (run[0] == '0' && write_file_at (AT_FDCWD, KSM_RUN, "1", 1, 0644, err) < 0)
    return zerr_wrap (err, "org.zone.memory.merge: start KSM");
  return 0;
}

int
process_apply_memory_merge (const struct zone_config *c, zerr **err)
{
  if (process_memory_merge (c) == 1 && prctl (PR_SET_MEMORY_MERGE, 1, 0, 0, 0) < 0)
    return zerr_sys (err, "org.zone.memory.merge: prctl(PR_SET_MEMORY_MERGE)");
  return 0;
}
