/* Checkpoint and restore with CRIU.

   zone runs the `criu` command (Debian's package, or the CRIU scripts/install-criu builds) rather
   than speaking its RPC (`criu swrk`): the command line is CRIU's documented, stable interface,
   needs no protobuf code in zone, and each run leaves a log file a person can read. The mounts
   the zone has from the host (bind mounts, the cgroup hierarchies, masked files) are found by
   CRIU itself (`--ext-mount-map auto`); the zone's stdio, which is the caller's, is told to CRIU
   as external files and given back at restore (`--inherit-fd`), the way runc keeps
   descriptors.json. CRIU's log stays in the work path, and its error lines are quoted in zone's
   one-line error. */
#define _GNU_SOURCE
#include "checkpoint.h"
#include "internal.h"
#include "pid.h"
#include "store.h"
#include "../spec/config.h"
#include "../spec/state.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/argv.h"
#include "../util/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUILT_CRIU "/opt/zone/criu-4.1.1-1/sbin/criu"

static bool
criu_on_path (void)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = xstrdup (path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  char *save = NULL;

  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      char p[PATH_MAX];
      snprintf (p, sizeof p, "%s/criu", dir);
      if (access (p, X_OK) == 0)
        return true;
    }
  return false;
}

/* --criu, else criu on PATH, else the one scripts/install-criu builds. */
const char *
criu_path (const struct zone_runtime *rt)
{
  if (rt->criu)
    return rt->criu;
  if (!criu_on_path () && access (BUILT_CRIU, X_OK) == 0)
    return BUILT_CRIU;
  return "criu";
}

/* The first error line of CRIU's log (the cause; what follows are its consequences, such as
   "Restoring FAILED"), less the rlimit one it prints when root lacks CAP_SYS_RESOURCE (it goes
   on regardless). */
static void
first_error (const char *log, char *out, size_t size)
{
  cleanup_free char *text = NULL;
  char *save = NULL;

  snprintf (out, size, "no error line in the log");
  if (read_file_at (AT_FDCWD, log, &text, NULL, NULL) < 0)
    {
      snprintf (out, size, "no log was written");
      return;
    }
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *e = strstr (line, "Error (");
      if (e && strstr (e, "RLIMIT_NOFILE") == NULL)
        {
          snprintf (out, size, "%.300s", e);
          return;
        }
    }
}

/* Run criu with a; stdio stays ours when keep_stdio (restore hands it on), else /dev/null, or
   is tty (>= 0); inherit (>= 0) is an fd of ours criu is given by number. */
static int
run_criu (const char *what, struct argv *a, const char *log, bool keep_stdio, int inherit, int tty, zerr **err)
{
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    return zerr_sys (err, "%s: fork", what);
  if (pid == 0)
    {
      if (inherit >= 0)
        fcntl (inherit, F_SETFD, 0);
      for (int fd = 0; fd < 3 && tty >= 0; fd++)
        dup2 (tty, fd);
      if (!keep_stdio)
        {
          int null = open ("/dev/null", O_RDWR);
          for (int fd = 0; fd < 3 && null >= 0; fd++)
            dup2 (null, fd);
        }
      execvp (a->v[0], a->v);
      fprintf (stderr, "zone: %s: exec `%s`: %s\n", what, a->v[0], strerror (errno));
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "%s: wait for criu", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return zerr_set (err, ENOENT, "%s: cannot run `%s` (install CRIU, or give --criu PATH)", what, a->v[0]);
  {
    char line[400];
    first_error (log, line, sizeof line);
    return zerr_set (err, EIO, "%s: criu failed: %s (log: %s)", what, line, log);
  }
}

int
checkpoint_lazy_daemon (const struct zone_runtime *rt, const char *images_dir, const char *work_dir,
                        const char *address, const char *port, pid_t *pid, zerr **err)
{
  cleanup_argv struct argv a = { 0 };

  argv_push (&a, "%s", criu_path (rt));
  argv_push (&a, "lazy-pages");
  argv_push (&a, "--page-server");
  argv_push (&a, "--address=%s", address);
  argv_push (&a, "--port=%s", port);
  argv_push (&a, "--images-dir=%s", images_dir);
  argv_push (&a, "--work-dir=%s", work_dir);
  argv_push (&a, "--log-file=lazy-pages.log");
  argv_push (&a, "-v4");
  *pid = fork ();
  if (*pid < 0)
    return zerr_sys (err, "lazy-pages: fork");
  if (*pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2 (null, fd);
      execvp (a.v[0], a.v);
      _exit (127);
    }
  /* The restore connects to the daemon's socket in the work directory: wait for it. */
  {
    cleanup_free char *sock = path_join (work_dir, "lazy-pages.socket");
    for (int i = 0; i < 500 && access (sock, F_OK) < 0; i++)
      {
        if (waitpid (*pid, NULL, WNOHANG) == *pid)
          return zerr_set (err, EIO, "lazy-pages: criu exited (log: %s/lazy-pages.log)", work_dir);
        nanosleep (&(struct timespec){ 0, 10000000 }, NULL);
      }
  }
  return 0;
}

bool
checkpoint_tracks_memory (const struct zone_runtime *rt)
{
  struct argv a = { 0 };
  bool ok;

  argv_push (&a, "%s", criu_path (rt));
  argv_push (&a, "check");
  argv_push (&a, "--feature");
  argv_push (&a, "mem_dirty_track");
  ok = run_criu ("criu check", &a, "/dev/null", false, -1, -1, NULL) == 0;
  argv_free (&a);
  return ok;
}

/* What the zone's fd n is, as CRIU names an external resource: file[MNT:INODE] (hex) for a file
   of a mount the zone does not have, pipe:[INODE] for a pipe; "" for anything else. */
static void
stdio_key (pid_t pid, int n, char *key, size_t size)
{
  char path[64], link[PATH_MAX] = "", buf[512];
  cleanup_close int fd = -1;
  struct stat st;
  unsigned mnt = 0;
  ssize_t len;

  key[0] = '\0';
  snprintf (path, sizeof path, "/proc/%d/fd/%d", pid, n);
  len = readlink (path, link, sizeof link - 1);
  if (len <= 0)
    return;
  link[len] = '\0';
  if (strncmp (link, "pipe:", 5) == 0)
    {
      snprintf (key, size, "%s", link);
      return;
    }
  if (link[0] != '/' || stat (path, &st) < 0)
    return;
  snprintf (path, sizeof path, "/proc/%d/fdinfo/%d", pid, n);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (len = read (fd, buf, sizeof buf - 1)) <= 0)
    return;
  buf[len] = '\0';
  if (strstr (buf, "mnt_id:") && sscanf (strstr (buf, "mnt_id:"), "mnt_id: %u", &mnt) == 1)
    snprintf (key, size, "file[%x:%lx]", mnt, (unsigned long) st.st_ino);
}

/* The n-th string of the array descriptors.json holds (its keys hold no quote). */
static bool
nth_string (const char *text, int n, char *out, size_t size)
{
  const char *p = text;
  for (int k = 0; k < 2 * n + 1; k++)
    if ((p = strchr (p, '"')) == NULL)
      return false;
    else
      p++;
  snprintf (out, size, "%.*s", (int) strcspn (p, "\""), p);
  return true;
}

/* What dump and restore are both told: where, the zone's root, its cgroup, the mounts it has
   from outside (found by CRIU itself), and runc's flags they share. */
static void
common_args (struct argv *a, const char *images, const char *work, const char *log, const char *root,
             const struct criu_flags *f)
{
  argv_push (a, "--images-dir=%s", images);
  argv_push (a, "--work-dir=%s", work);
  argv_push (a, "--log-file=%s", log);
  argv_push (a, "-v4");
  argv_push (a, "--root=%s", root);
  argv_push (a, "--manage-cgroups=%s", f->manage_cgroups_mode ? f->manage_cgroups_mode : "soft");
  argv_push (a, "--ext-mount-map=auto");
  argv_push (a, "--enable-external-sharing");
  argv_push (a, "--enable-external-masters");
  /* CRIU locks the zone's network while it works; its default does so with iptables-restore,
     which a host of nftables (zone's own NAT) need not have. */
  argv_push (a, "--network-lock=nftables");
  if (f->tcp_established)
    argv_push (a, "--tcp-established");
  if (f->tcp_close)
    argv_push (a, "--tcp-close");
  if (f->ext_unix_sk)
    argv_push (a, "--ext-unix-sk");
  if (f->shell_job)
    argv_push (a, "--shell-job");
  if (f->file_locks)
    argv_push (a, "--file-locks");
  if (f->lazy_pages)
    argv_push (a, "--lazy-pages");
  if (f->empty_netns)
    argv_push (a, "--empty-ns=net");
}

static void
dump_flags (struct argv *a, const struct zone_checkpoint_opts *o)
{
  if (o->leave_running)
    argv_push (a, "--leave-running");
  if (o->auto_dedup)
    argv_push (a, "--auto-dedup");
  /* Pages the parent has and that did not change since are not dumped again (runc's way). */
  if (o->parent_path)
    {
      argv_push (a, "--prev-images-dir=%s", o->parent_path);
      argv_push (a, "--track-mem");
    }
  /* A page server to send the pages to; with --lazy-pages (runc's meaning) the address the dump
     itself serves them on, until the restore has fetched them all. */
  if (o->page_server)
    {
      const char *colon = strrchr (o->page_server, ':');
      if (!o->criu.lazy_pages)
        argv_push (a, "--page-server");
      argv_push (a, "--address=%.*s", colon ? (int) (colon - o->page_server) : (int) strlen (o->page_server), o->page_server);
      if (colon)
        argv_push (a, "--port=%s", colon + 1);
    }
  if (o->status_fd >= 0)
    argv_push (a, "--status-fd=%d", o->status_fd);
}

/* The key CRIU knows the zone's network namespace by when the images leave it out. */
#define NETNS_KEY "zone-net"
/* Where the images keep a bridged zone's address. */
#define ADDRESS_FILE "zone-address"

/* A bridged zone's network namespace (its veth, address, routes; the NAT is the host's) is zone's
   to make again at restore, and one joined by path outlives the zone: both are told to CRIU as
   external, not dumped (runc does the latter). A namespace of the zone's own with loopback only
   is dumped with the rest. */
static int
netns_args (int dirfd, const struct zone_state *st, const char *images, struct argv *a, zerr **err)
{
  cleanup_free char *text = NULL;
  cleanup_config struct zone_config *c = NULL;
  const struct zone_namespace *ns;
  const char *address = NULL;
  char path[64];
  struct stat sb;

  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, "org.zone.net.address") == 0)
      address = st->annotations[i].value;
  if (read_file_at (dirfd, "config.json", &text, NULL, err) < 0
      || zone_config_parse ("config.json", text, &c, err) < 0)
    return zerr_wrap (err, "checkpoint: the zone's config");
  ns = zone_config_namespace (c, CLONE_NEWNET);
  if (ns == NULL || (ns->path == NULL && address == NULL))
    return 0;
  snprintf (path, sizeof path, "/proc/%d/ns/net", st->pid);
  if (stat (path, &sb) < 0)
    return zerr_sys (err, "checkpoint: the zone's network namespace");
  argv_push (a, "--external=net[%lu]:" NETNS_KEY, (unsigned long) sb.st_ino);
  if (address == NULL)
    return 0;
  {
    cleanup_free char *file = path_join (images, ADDRESS_FILE);
    return write_file_at (AT_FDCWD, file, address, strlen (address), 0600, err);
  }
}

/* Where the images keep the zone's cgroup mounts: "NAME HIERARCHY PATH" lines. */
#define CGROUPS_FILE "zone-cgroups"

/* The host directory the zone's mount at mountpoint mp shows, if it is one of its cgroup
   directories: its hierarchy's mount point and the cgroup's path in it (the mount's root). */
static bool
cgroup_mount_source (const struct zone_state *st, const char *mp, const char *root, char *hier, size_t size)
{
  char path[PATH_MAX + 32];
  struct stat in, out;

  snprintf (path, sizeof path, "/proc/%d/root%s", st->pid, mp);
  if (stat (path, &in) < 0)
    return false;
  for (size_t i = 0; st->cgroup_paths && st->cgroup_paths[i]; i++)
    {
      const char *dir = st->cgroup_paths[i];
      size_t dl = strlen (dir), rl = strlen (root);
      if (stat (dir, &out) == 0 && out.st_dev == in.st_dev && out.st_ino == in.st_ino && dl > rl
          && strcmp (dir + dl - rl, root) == 0)
        {
          snprintf (hier, size, "%.*s", (int) (dl - rl), dir);
          return true;
        }
    }
  return false;
}

/* The zone's cgroup mounts are binds of its own cgroup directories. CRIU would find them by
   themselves and bind the same directories at restore; zone names them instead
   (--external mnt[MOUNTPOINT]:NAME) and keeps each one's hierarchy, so that restore binds the
   directories of the cgroup it made for the zone (another one under another id or root, as
   runc does). */
static int
cgroup_mount_args (const struct zone_state *st, const char *images, struct argv *a, zerr **err)
{
  cleanup_free char *text = NULL, *file = path_join (images, CGROUPS_FILE);
  struct strbuf lines = { 0 };
  char path[64], *save = NULL;
  int ret;

  snprintf (path, sizeof path, "/proc/%d/mountinfo", st->pid);
  if (read_file_at (AT_FDCWD, path, &text, NULL, err) < 0)
    return zerr_wrap (err, "checkpoint: the zone's mounts");
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char root[PATH_MAX], mp[PATH_MAX], hier[PATH_MAX];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || (strncmp (sep, " - cgroup ", 10) != 0 && strncmp (sep, " - cgroup2 ", 11) != 0)
          || sscanf (line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 || !cgroup_mount_source (st, mp, root, hier, sizeof hier))
        continue;
      argv_push (a, "--external=mnt[%s]:zcg%s", mp, mp);
      strbuf_appendf (&lines, "zcg%s %s %s\n", mp, hier, root);
    }
  ret = write_file_at (AT_FDCWD, file, lines.buf ? lines.buf : "", lines.len, 0600, err);
  free (lines.buf);
  return ret;
}

/* At restore: each cgroup mount from the cgroup create made (cgroup_root), else from the one
   the zone had. */
static void
cgroup_restore_args (const char *images, const char *cgroup_root, struct argv *a)
{
  cleanup_free char *text = NULL, *file = path_join (images, CGROUPS_FILE);
  char *save = NULL;

  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0)
    return;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char name[PATH_MAX], hier[PATH_MAX], old[PATH_MAX];
      if (sscanf (line, "%4095s %4095s %4095s", name, hier, old) == 3)
        argv_push (a, "--external=mnt[%s]:%s%s", name, hier, cgroup_root ? cgroup_root : old);
    }
}

int
checkpoint_saved_address (const struct zone_restore_opts *r, struct in_addr *addr)
{
  cleanup_free char *file = path_join (r->image_path ? r->image_path : "checkpoint", ADDRESS_FILE), *text = NULL;

  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0)
    return 0;
  text[strcspn (text, "\n")] = '\0';
  return inet_pton (AF_INET, text, addr) == 1 ? 1 : 0;
}

int
checkpoint_new_netns (int *fd, zerr **err)
{
  cleanup_close int own = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

  /* Made by moving ourselves into it and back: no helper process to reap. */
  if (own < 0 || unshare (CLONE_NEWNET) < 0)
    return zerr_sys (err, "restore: make a network namespace");
  *fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (setns (own, CLONE_NEWNET) < 0)
    abort (); /* we would go on in the wrong namespace */
  return *fd < 0 ? zerr_sys (err, "restore: open the new network namespace") : 0;
}

bool
checkpoint_has_terminal (int dirfd)
{
  cleanup_free char *text = NULL;
  cleanup_config struct zone_config *c = NULL;
  zerr *e = NULL;
  bool yes;

  if (read_file_at (dirfd, "config.json", &text, NULL, NULL) < 0 || zone_config_parse ("config.json", text, &c, &e) < 0)
    {
      zerr_free (&e);
      return false;
    }
  yes = c->process->terminal;
  return yes;
}

int
zone_checkpoint (const struct zone_runtime *rt, const char *id, const struct zone_checkpoint_opts *o, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  cleanup_free char *images = NULL, *work = NULL, *log = NULL, *desc = NULL;
  struct argv a = { 0 };
  struct strbuf keys = { 0 };
  const char *image_path = o->image_path ? o->image_path : "checkpoint";
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (strcmp (st->status, "running") != 0)
    return zerr_set (err, EINVAL, "cannot checkpoint `%s`: container not running (%s)", id, st->status);
  /* Its tap device is served by a process outside the zone, which CRIU cannot take along. */
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, SLIRP_ANNOTATION) == 0)
      return zerr_set (err, ENOTSUP, "cannot checkpoint `%s`: a zone with org.zone.net.mode=slirp4netns is not "
                                     "checkpointed (yet)", id);
  if ((ret = mkdir_p (image_path, 0700, err)) < 0)
    return ret;
  images = realpath (image_path, NULL);
  if (images == NULL)
    return zerr_sys (err, "checkpoint: image path `%s`", image_path);
  work = xstrdup (o->criu.work_path ? o->criu.work_path : images);
  if ((ret = mkdir_p (work, 0700, err)) < 0)
    return ret;
  log = path_join (work, o->pre_dump ? "pre-dump.log" : "dump.log");

  argv_push (&a, "%s", criu_path (rt));
  argv_push (&a, o->pre_dump ? "pre-dump" : "dump");
  argv_push (&a, "--tree=%d", st->pid);
  common_args (&a, images, work, log, st->rootfs, &o->criu);
  dump_flags (&a, o);
  /* A terminal zone's pty has its master outside (the engine's): CRIU takes the slave as a
     shell job's terminal, given back at restore. */
  if (!o->criu.shell_job && checkpoint_has_terminal (dirfd))
    argv_push (&a, "--shell-job");
  if ((ret = netns_args (dirfd, st, images, &a, err)) < 0 || (ret = cgroup_mount_args (st, images, &a, err)) < 0)
    {
      argv_free (&a);
      return ret;
    }
  /* The zone's stdio is the caller's: external to the zone, handed back at restore. */
  strbuf_append (&keys, "[");
  for (int n = 0; n < 3; n++)
    {
      char key[128];
      stdio_key (st->pid, n, key, sizeof key);
      if (strncmp (key, "file[", 5) == 0)
        argv_push (&a, "--external=%s", key);
      strbuf_append (&keys, n ? ", " : "");
      strbuf_append_json_string (&keys, key);
    }
  strbuf_append (&keys, "]\n");
  desc = path_join (images, "descriptors.json");
  ret = write_file_at (AT_FDCWD, desc, keys.buf, keys.len, 0600, err);
  free (keys.buf);
  /* A lazy dump serves the memory until a restore elsewhere has fetched it all: the zone's
     state is not held meanwhile (migrate gives up its network, or deletes it, then). */
  if (o->criu.lazy_pages)
    {
      close (dirfd);
      dirfd = -1;
    }
  if (ret == 0)
    ret = run_criu ("checkpoint", &a, log, false, -1, -1, err);
  argv_free (&a);
  if (ret < 0 || o->leave_running || o->pre_dump || o->keep_state)
    return ret;
  /* The processes are gone: the zone goes too, as with runc (restore makes it again). */
  close (dirfd);
  dirfd = -1;
  return zone_delete (rt, id, true, err);
}

/* Called by create in place of cloning the init: CRIU makes the zone's processes, in their
   namespaces, in the zone's cgroup (made by create, with its limits); *pid is the zone's init. */
int
checkpoint_restore_processes (const struct zone_runtime *rt, const struct zone_restore_opts *r,
                              const struct restore_env *env, pid_t *pid, zerr **err)
{
  cleanup_free char *images = NULL, *work = NULL, *log = NULL, *pidfile = NULL, *desc = NULL, *text = NULL;
  struct argv a = { 0 };
  int ret;

  images = realpath (r->image_path ? r->image_path : "checkpoint", NULL);
  if (images == NULL)
    return zerr_sys (err, "restore: image path `%s`", r->image_path ? r->image_path : "checkpoint");
  work = xstrdup (r->criu.work_path ? r->criu.work_path : images);
  if ((ret = mkdir_p (work, 0700, err)) < 0)
    return ret;
  log = path_join (work, "restore.log");
  pidfile = path_join (work, "restore.pid");
  unlink (pidfile);
  argv_push (&a, "%s", criu_path (rt));
  argv_push (&a, "restore");
  argv_push (&a, "--restore-detached");
  argv_push (&a, "--pidfile=%s", pidfile);
  common_args (&a, images, work, log, env->rootfs, &r->criu);
  /* Into the cgroup create made, whatever the images say (a clone's differs from its original's). */
  if (env->cgroup_root)
    argv_push (&a, "--cgroup-root=%s", env->cgroup_root);
  cgroup_restore_args (images, env->cgroup_root, &a);
  if (env->netns >= 0)
    argv_push (&a, "--inherit-fd=fd[%d]:" NETNS_KEY, env->netns);
  /* A terminal zone's pty takes the place of criu's stdin, which CRIU hands on to the zone
     (--shell-job); other zones get our stdio in place of what they had (descriptors.json). */
  desc = path_join (images, "descriptors.json");
  if (env->tty >= 0)
    argv_push (&a, "--shell-job");
  else if (read_file_at (AT_FDCWD, desc, &text, NULL, NULL) == 0)
    for (int n = 0; n < 3; n++)
      {
        char key[128];
        if (nth_string (text, n, key, sizeof key) && key[0])
          argv_push (&a, "--inherit-fd=fd[%d]:%s", n, key);
      }
  /* The restored init is our child when we are a subreaper (runc's default): we can wait for it. */
  if (!r->no_subreaper)
    prctl (PR_SET_CHILD_SUBREAPER, 1);
  ret = run_criu ("restore", &a, log, true, env->netns, env->tty, err);
  argv_free (&a);
  if (ret < 0)
    return ret;
  {
    cleanup_free char *p = NULL;
    if (read_file_at (AT_FDCWD, pidfile, &p, NULL, err) < 0)
      return zerr_wrap (err, "restore");
    *pid = (pid_t) strtol (p, NULL, 10);
  }
  return *pid > 0 ? 0 : zerr_set (err, EIO, "restore: criu wrote no pid (log: %s)", log);
}

int
zone_restore (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o,
              const struct zone_restore_opts *r, int *exit_code, zerr **err)
{
  struct zone_create_opts c = *o;
  struct create_result res = { .pid = -1, .pidfd = -1 };
  int ret;

  c.restore = r;
  if ((ret = zone_create_internal (rt, id, &c, -1, &res, err)) < 0)
    return ret;
  if (o->detach || exit_code == NULL)
    {
      if (res.pidfd >= 0)
        close (res.pidfd);
      return 0;
    }
  ret = wait_foreground (res.pid, res.pidfd, -1, -1, false, exit_code, err);
  if (res.pidfd >= 0)
    close (res.pidfd);
  if (ret < 0)
    return ret;
  return o->keep ? 0 : zone_delete (rt, id, true, err);
}

/* The bundle of zone id, from its state. */
static int
zone_bundle (const struct zone_runtime *rt, const char *id, char **bundle, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  int ret = state_open (rt, id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  *bundle = xstrdup (st->bundle);
  return 0;
}

int
zone_clone (const struct zone_runtime *rt, const char *id, const char *new_id, const char *image_path, zerr **err)
{
  /* Connections cannot be in two places: the clone's are restored closed, the original's are
     not touched. */
  struct zone_checkpoint_opts dump = { .leave_running = true, .criu = { .tcp_close = true }, .status_fd = -1 };
  struct zone_restore_opts restore = { .criu = { .tcp_close = true }, .clone = true };
  struct zone_create_opts create = { .detach = true };
  cleanup_free char *bundle = NULL, *tmp = NULL;
  int ret;

  if ((ret = store_validate_id (new_id, err)) < 0 || (ret = zone_bundle (rt, id, &bundle, err)) < 0)
    return ret;
  {
    cleanup_close int dirfd = -1;
    cleanup_state struct zone_state *st = NULL;
    if ((ret = state_open (rt, id, &dirfd, &st, err)) < 0)
      return ret;
    if (checkpoint_has_terminal (dirfd))
      return zerr_set (err, ENOTSUP, "clone: `%s` has a terminal, and a copy would have no one at its other end", id);
  }
  tmp = path_join (rt->root, new_id);
  if (access (tmp, F_OK) == 0)
    return zerr_set (err, EEXIST, "clone: `%s`: container with given ID already exists", new_id);
  free (steal_pointer (&tmp));
  if (image_path == NULL)
    {
      const char *dir = getenv ("TMPDIR");
      if (asprintf (&tmp, "%s/zone-clone.XXXXXX", dir && *dir ? dir : "/var/tmp") < 0)
        abort ();
      if (mkdtemp (tmp) == NULL)
        return zerr_sys (err, "clone: make `%s`", tmp);
    }
  dump.image_path = restore.image_path = image_path ? image_path : tmp;
  create.bundle = bundle;
  if ((ret = zone_checkpoint (rt, id, &dump, err)) == 0)
    ret = zone_restore (rt, new_id, &create, &restore, NULL, err);
  if (tmp)
    remove_tree (tmp, NULL);
  return ret < 0 ? zerr_wrap (err, "clone `%s` as `%s`", id, new_id) : 0;
}
