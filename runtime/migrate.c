/* zone migrate: a running zone moves to another host that runs zone, over ssh.

   Pre-copy: the bundle is copied with rsync and the zone's memory with CRIU pre-dumps while it
   runs; then a final dump (only what changed since the last pre-dump), the bundle's changes and
   the last images go over, and the destination restores the zone with its address and open
   connections. The downtime is the time from the final dump's start to the zone running on
   the destination. One ssh connection (a control master) carries every step, so that no step
   pays for a new handshake. Until the final dump nothing has happened to the zone; a failure
   after it restores the zone here again from the same images. Whatever was made on the
   destination is removed on failure. */
#define _GNU_SOURCE
#include "migrate.h"
#include "checkpoint.h"
#include "internal.h"
#include "../util/argv.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct migration
{
  const struct zone_runtime *rt;
  const char *id, *dest;
  const struct zone_migrate_opts *o;
  char *bundle, *rootfs;  /* here */
  char *remote_bundle;    /* there */
  char *dir;              /* here: logs, the ssh control socket, images/ (pre-1, ..., final) */
  char *images;
  char *remote_dir;       /* there: the images */
  bool remote_bundle_made;
  bool master;            /* the ssh control master runs */
  pid_t dump;             /* post-copy: the final dump, serving the zone's memory; or 0 */
  pid_t local_daemon;     /* post-copy restored here again: our lazy-pages daemon; or 0 */
  bool keep;              /* the images are all there is of the zone now */
  int pre_dumps;          /* o->pre_dumps, or 0 where the kernel tracks no dirty pages */
};

static void
migration_release (struct migration *m)
{
  free (m->bundle);
  free (m->rootfs);
  free (m->remote_bundle);
  free (m->dir);
  free (m->images);
  free (m->remote_dir);
}

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The last non-empty line of file, trimmed; "" when there is none. */
static void
last_line (const char *file, char *out, size_t size)
{
  cleanup_free char *text = NULL;
  char *save = NULL;

  out[0] = '\0';
  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0)
    return;
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    if (*l)
      snprintf (out, size, "%.300s", l);
}

/* Run a with stdin from /dev/null, its stdout into out (NULL: /dev/null) and its stderr into
   DIR/log. 0 when it exits 0; otherwise an error naming what with the last line of its
   stderr. */
static int
run (struct migration *m, const char *what, struct argv *a, struct strbuf *out, const char *log, zerr **err)
{
  cleanup_free char *log_path = path_join (m->dir, log);
  int pipefd[2] = { -1, -1 }, status;
  pid_t pid;

  if (out && pipe2 (pipefd, O_CLOEXEC) < 0)
    return zerr_sys (err, "migrate: %s: pipe", what);
  pid = fork ();
  if (pid < 0)
    return zerr_sys (err, "migrate: %s: fork", what);
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      int logfd = open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2 (null, 0);
      dup2 (out ? pipefd[1] : null, 1);
      dup2 (logfd >= 0 ? logfd : null, 2);
      execvp (a->v[0], a->v);
      fprintf (stderr, "cannot run `%s`: %s\n", a->v[0], strerror (errno));
      _exit (127);
    }
  if (out)
    {
      char buf[4096];
      ssize_t n;
      close (pipefd[1]);
      while ((n = read (pipefd[0], buf, sizeof buf - 1)) != 0)
        if (n > 0)
          {
            buf[n] = '\0';
            strbuf_append (out, buf);
          }
        else if (errno != EINTR)
          break;
      close (pipefd[0]);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "migrate: %s: wait", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  {
    char line[400];
    last_line (log_path, line, sizeof line);
    return zerr_set (err, EIO, "migrate: %s failed: %s", what, line[0] ? line : "no message");
  }
}

/* ssh with the control socket and the user's options; the destination comes next. */
static void
ssh_args (const struct migration *m, struct argv *a)
{
  argv_push (a, "ssh");
  argv_push (a, "-o");
  argv_push (a, "ControlPath=%s/ssh.sock", m->dir);
  argv_push (a, "-o");
  argv_push (a, "BatchMode=yes");
  for (size_t i = 0; i < m->o->n_ssh_options; i++)
    {
      argv_push (a, "-o");
      argv_push (a, "%s", m->o->ssh_options[i]);
    }
}

/* Run a shell script on the destination. */
static int
remote (struct migration *m, const char *what, const char *script, struct strbuf *out, zerr **err)
{
  cleanup_argv struct argv a = { 0 };

  ssh_args (m, &a);
  argv_push (&a, "%s", m->dest);
  argv_push (&a, "%s", script);
  return run (m, what, &a, out, "remote.log", err);
}

/* The one ssh connection every later step goes through: in the background (-f) once
   connected, with no command of its own (-N). */
static int
start_master (struct migration *m, zerr **err)
{
  cleanup_argv struct argv a = { 0 };
  int ret;

  ssh_args (m, &a);
  argv_push (&a, "-o");
  argv_push (&a, "ControlMaster=yes");
  argv_push (&a, "-fN");
  argv_push (&a, "%s", m->dest);
  if ((ret = run (m, "ssh", &a, NULL, "ssh.log", err)) < 0)
    return ret;
  m->master = true;
  return 0;
}

static void
stop_master (struct migration *m)
{
  cleanup_argv struct argv a = { 0 };

  if (!m->master)
    return;
  ssh_args (m, &a);
  argv_push (&a, "-O");
  argv_push (&a, "exit");
  argv_push (&a, "%s", m->dest);
  run (m, "ssh -O exit", &a, NULL, "ssh-exit.log", NULL);
  m->master = false;
}

/* rsync local_dir's content into remote_dir there: numeric ids, hard links, xattrs, and what
   is gone here goes there too. */
static int
copy (struct migration *m, const char *what, const char *local_dir, const char *remote_dir, zerr **err)
{
  cleanup_argv struct argv a = { 0 }, ssh = { 0 };
  struct strbuf e = { 0 };

  ssh_args (m, &ssh);
  for (size_t i = 0; i < ssh.n; i++)
    strbuf_appendf (&e, "%s%s", i ? " " : "", ssh.v[i]);
  argv_push (&a, "rsync");
  argv_push (&a, "-aHX");
  argv_push (&a, "--numeric-ids");
  argv_push (&a, "--delete");
  argv_push (&a, "--protect-args");
  argv_push (&a, "-e");
  argv_push (&a, "%s", e.buf);
  argv_push (&a, "%s/", local_dir);
  argv_push (&a, "%s:%s/", m->dest, remote_dir);
  free (e.buf);
  return run (m, what, &a, NULL, "rsync.log", err);
}

/* Where the images go, on both sides. */
static const char *
tmp_dir (const struct migration *m)
{
  return m->o->tmp_dir ? m->o->tmp_dir : "/var/tmp";
}

/* On the destination: no zone of that id, the bundle directory new or empty, a directory for
   the images. */
static int
prepare_remote (struct migration *m, zerr **err)
{
  struct strbuf s = { 0 }, out = { 0 };
  const char *root = m->o->remote_root ? m->o->remote_root : m->rt->root;
  char *dir;
  int ret;

  strbuf_append (&s, "set -e; root=");
  strbuf_append_shell_word (&s, root);
  strbuf_append (&s, "; id=");
  strbuf_append_shell_word (&s, m->id);
  strbuf_append (&s, "; b=");
  strbuf_append_shell_word (&s, m->remote_bundle);
  strbuf_append (&s, "; z=");
  strbuf_append_shell_word (&s, m->o->remote_zone ? m->o->remote_zone : "zone");
  strbuf_append (&s, "; t=");
  strbuf_append_shell_word (&s, tmp_dir (m));
  strbuf_append (&s, "\n"
                     "\"$z\" --version > /dev/null 2>&1 || { echo \"no zone runs as \\`$z\\` there\" >&2; exit 1; }\n"
                     "[ ! -e \"$root/$id\" ] || { echo \"\\`$id\\`: container with given ID already exists there\" >&2; exit 1; }\n"
                     "if [ -e \"$b\" ]; then\n"
                     "  [ -z \"$(ls -A \"$b\")\" ] || { echo \"bundle directory $b exists there and is not empty\" >&2; exit 1; }\n"
                     "else mkdir -p \"$b\"; echo made; fi\n"
                     "mktemp -d \"$t/zone-migrate.XXXXXX\"\n");
  ret = remote (m, "prepare the destination", s.buf, &out, err);
  free (s.buf);
  if (ret == 0)
    {
      /* "made" if it made the bundle directory, then the images' directory. */
      m->remote_bundle_made = out.buf && strncmp (out.buf, "made\n", 5) == 0;
      dir = out.buf ? strstr (out.buf, "/zone-migrate.") : NULL;
      if (dir == NULL)
        ret = zerr_set (err, EIO, "migrate: the destination made no directory for the images");
      else
        {
          while (dir > out.buf && dir[-1] != '\n')
            dir--;
          dir[strcspn (dir, "\n")] = '\0';
          m->remote_dir = xstrdup (dir);
        }
    }
  free (out.buf);
  return ret;
}

/* Remove what prepare_remote made there: the images; after a failure the bundle if it made it,
   after a success the restore's log. */
static void
clean_remote (struct migration *m, bool failed)
{
  struct strbuf s = { 0 };
  bool bundle = failed && m->remote_bundle_made;

  if (!m->master || (m->remote_dir == NULL && !bundle))
    return;
  /* A lazy-pages daemon whose restore failed waits for it forever. */
  if (failed && m->remote_dir && m->o->lazy_pages)
    {
      strbuf_append (&s, "p=");
      strbuf_append_shell_word (&s, m->remote_dir);
      strbuf_append (&s, ".log/lazy-pages.pid; [ ! -f \"$p\" ] || kill \"$(cat \"$p\")\" 2> /dev/null; ");
    }
  strbuf_append (&s, "rm -rf --one-file-system");
  if (m->remote_dir)
    {
      strbuf_append (&s, " ");
      strbuf_append_shell_word (&s, m->remote_dir);
      if (!failed)
        {
          strbuf_append (&s, " ");
          strbuf_append_shell_word (&s, m->remote_dir);
          strbuf_append (&s, ".log");
        }
    }
  if (bundle)
    {
      strbuf_append (&s, " ");
      strbuf_append_shell_word (&s, m->remote_bundle);
    }
  remote (m, "clean up the destination", s.buf, NULL, NULL);
  free (s.buf);
}

static const char *
lazy_port (const struct migration *m)
{
  return m->o->page_server_port ? m->o->page_server_port : "27700";
}

/* Restore the zone there from the final images, detached, its stdio /dev/null (the caller's
   cannot follow it); the error line is zone's own, from its log. */
static int
restore_remote (struct migration *m, zerr **err)
{
  struct strbuf s = { 0 };
  int ret;

  strbuf_append (&s, "d=");
  strbuf_append_shell_word (&s, m->remote_dir);
  strbuf_append (&s, "; c=");
  strbuf_append_shell_word (&s, criu_path (m->rt));
  /* The same criu there as here when it has it (then zone there is told so), else its own. */
  strbuf_append (&s, "; if command -v \"$c\" > /dev/null; then set -- --criu \"$c\"; else c=criu; set --; fi\n");
  if (m->o->lazy_pages)
    {
      /* The pages come from the source's page server (the address ssh came from) as the zone
         touches them, through a lazy-pages daemon beside the restore (the same work dir). */
      strbuf_append (&s, "mkdir -p \"$d.log\"; setsid \"$c\" lazy-pages --page-server --address \"${SSH_CLIENT%% *}\" --port ");
      strbuf_append_shell_word (&s, lazy_port (m));
      strbuf_append (&s, " --images-dir \"$d/final\" --work-dir \"$d.log\" --log-file lazy-pages.log -v4"
                         " < /dev/null > /dev/null 2>&1 &\n"
                         "echo $! > \"$d.log/lazy-pages.pid\"\n"
                         "for i in $(seq 500); do [ -S \"$d.log/lazy-pages.socket\" ] && break; sleep 0.01; done\n");
    }
  strbuf_append_shell_word (&s, m->o->remote_zone ? m->o->remote_zone : "zone");
  strbuf_append (&s, " \"$@\" --root ");
  strbuf_append_shell_word (&s, m->o->remote_root ? m->o->remote_root : m->rt->root);
  strbuf_append (&s, m->o->lazy_pages ? " --log \"$d/zone.log\" restore -d --tcp-established --lazy-pages --bundle "
                                      : " --log \"$d/zone.log\" restore -d --tcp-established --bundle ");
  strbuf_append_shell_word (&s, m->remote_bundle);
  /* CRIU's log beside the images, not with them: it stays there when the restore fails. */
  strbuf_append (&s, " --image-path \"$d/final\" --work-path \"$d.log\" ");
  strbuf_append_shell_word (&s, m->id);
  strbuf_append (&s, " < /dev/null > /dev/null 2>&1 || {\n"
                     "  sed -n 's/.*level=error msg=\"\\(.*\\)\"$/\\1/p' \"$d/zone.log\" | tail -n 1 >&2; exit 1; }\n");
  ret = remote (m, "restore on the destination", s.buf, NULL, err);
  free (s.buf);
  return ret;
}

/* Pre-copy: the bundle, then pre-dumps, each holding only what changed since the one before. */
static int
pre_copy (struct migration *m, zerr **err)
{
  int ret;

  if ((ret = copy (m, "copy the bundle", m->bundle, m->remote_bundle, err)) < 0)
    return ret;
  for (int i = 1; i <= m->pre_dumps; i++)
    {
      char name[32], parent[40];
      struct zone_checkpoint_opts pre = { .pre_dump = true, .status_fd = -1 };
      cleanup_free char *images = NULL;

      snprintf (name, sizeof name, "pre-%d", i);
      snprintf (parent, sizeof parent, "../pre-%d", i - 1);
      images = path_join (m->images, name);
      pre.image_path = images;
      pre.parent_path = i > 1 ? parent : NULL;
      if ((ret = zone_checkpoint (m->rt, m->id, &pre, err)) < 0)
        return zerr_wrap (err, "migrate: pre-dump %d", i);
    }
  return m->pre_dumps > 0 ? copy (m, "copy the pre-dumps", m->images, m->remote_dir, err) : 0;
}

static int
check_zone (struct migration *m, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  size_t len;
  int ret = state_open (m->rt, m->id, &dirfd, &st, err);

  if (ret < 0)
    return ret;
  if (strcmp (st->status, "running") != 0)
    return zerr_set (err, EINVAL, "cannot migrate `%s`: container not running (%s)", m->id, st->status);
  /* Its terminal's other end (an engine's, a person's) stays here. */
  if (checkpoint_has_terminal (dirfd))
    return zerr_set (err, ENOTSUP, "cannot migrate `%s`: it has a terminal, whose other end stays on this host", m->id);
  m->bundle = xstrdup (st->bundle);
  m->rootfs = xstrdup (st->rootfs);
  len = strlen (m->bundle);
  /* The bundle is what goes over: a rootfs elsewhere would not. */
  if (strncmp (m->rootfs, m->bundle, len) != 0 || m->rootfs[len] != '/')
    return zerr_set (err, EINVAL, "cannot migrate `%s`: its rootfs %s is not inside its bundle %s", m->id, m->rootfs,
                     m->bundle);
  m->remote_bundle = xstrdup (m->o->remote_bundle ? m->o->remote_bundle : m->bundle);
  return 0;
}

static const char *
pre_copy_note (const struct migration *m)
{
  static const char *const counts[] = { "no pre-dump", "1 pre-dump", "2 pre-dumps", "3 pre-dumps" };

  if (m->pre_dumps == 0 && m->o->pre_dumps > 0)
    return "no pre-dump (this kernel tracks no dirty memory)";
  return m->pre_dumps < 4 ? counts[m->pre_dumps] : "pre-dumps";
}

/* The zone is gone here, its images in DIR/final: restore it there, or here again. */
static int
switch_over (struct migration *m, double t0, zerr **err)
{
  cleanup_free char *final = path_join (m->images, "final");
  double t1, t2;
  int ret;

  t1 = now_ms ();
  zone_debug (m->rt, "%s: dumped in %.0f ms", m->id, t1 - t0);
  if ((ret = copy (m, "copy the bundle's changes", m->bundle, m->remote_bundle, err)) == 0)
    {
      zone_debug (m->rt, "%s: bundle's changes copied at +%.0f ms", m->id, now_ms () - t0);
      if ((ret = copy (m, "copy the final images", m->images, m->remote_dir, err)) == 0)
        {
          zone_debug (m->rt, "%s: images copied at +%.0f ms", m->id, now_ms () - t0);
          ret = restore_remote (m, err);
        }
    }
  t2 = now_ms ();
  if (ret == 0)
    {
      printf ("migrate: `%s` runs at %s: downtime %.0f ms (dump %.0f, copy and restore %.0f), %s\n", m->id, m->dest,
              t2 - t0, t1 - t0, t2 - t1, pre_copy_note (m));
      fflush (stdout);
      return 0;
    }
  {
    /* Back here, from the same images: the zone runs on where it was (after a post-copy dump,
       its pages come from our own page server, as they would have gone there). */
    struct zone_create_opts create = { .bundle = m->bundle, .detach = true };
    struct zone_restore_opts restore = { .image_path = final,
                                         .criu = { .tcp_established = true, .lazy_pages = m->o->lazy_pages } };
    zerr *again = NULL;
    cleanup_free char *why = xstrdup ((*err)->msg);
    int code = (*err)->code, r = 0;

    zerr_free (err);
    if (m->o->lazy_pages)
      {
        zone_delete (m->rt, m->id, true, NULL);
        r = checkpoint_lazy_daemon (m->rt, final, final, "127.0.0.1", lazy_port (m), &m->local_daemon, &again);
      }
    if (r == 0 && zone_restore (m->rt, m->id, &create, &restore, NULL, &again) == 0)
      return zerr_set (err, code, "%s; `%s` runs here again", why, m->id);
    ret = zerr_set (err, code, "%s; restoring `%s` here failed too (%s): its images are kept in %s", why, m->id,
                    again->msg, m->images);
    zerr_free (&again);
    m->keep = true;
    return ret;
  }
}

/* Post-copy's final dump, in a child of ours: it dumps the zone without its memory, which it
   then serves on the page server port until the restore has fetched all of it (CRIU's lazy
   pages). Returns once the dump says it serves (its status fd), the zone's processes gone. */
static int
lazy_dump (struct migration *m, struct zone_checkpoint_opts *final, zerr **err)
{
  cleanup_free char *server = NULL, *errfile = path_join (m->dir, "lazy-dump.err");
  int p[2];
  char byte;
  ssize_t n;

  if (asprintf (&server, "0.0.0.0:%s", lazy_port (m)) < 0)
    abort ();
  if (pipe (p) < 0)
    return zerr_sys (err, "migrate: pipe");
  final->criu.lazy_pages = true;
  final->page_server = server;
  final->status_fd = p[1];
  final->keep_state = true;
  m->dump = fork ();
  if (m->dump < 0)
    return zerr_sys (err, "migrate: fork");
  if (m->dump == 0)
    {
      zerr *e = NULL;
      close (p[0]);
      if (zone_checkpoint (m->rt, m->id, final, &e) < 0)
        {
          write_file_at (AT_FDCWD, errfile, e->msg, strlen (e->msg), 0600, NULL);
          _exit (1);
        }
      _exit (0);
    }
  close (p[1]);
  do
    n = read (p[0], &byte, 1);
  while (n < 0 && errno == EINTR);
  close (p[0]);
  if (n == 1)
    return 0;
  /* The dump ended without serving: its error. */
  waitpid (m->dump, NULL, 0);
  m->dump = 0;
  {
    cleanup_free char *msg = NULL;
    if (read_file_at (AT_FDCWD, errfile, &msg, NULL, NULL) == 0)
      return zerr_set (err, EIO, "migrate: final dump: %s", msg);
  }
  return zerr_set (err, EIO, "migrate: the final dump did not start serving the zone's memory");
}

/* Wait for the post-copy dump to have served every page (and our own lazy-pages daemon, if the
   zone was restored here again). */
static int
lazy_dump_end (struct migration *m, zerr **err)
{
  int status = 0;

  if (m->dump > 0)
    {
      while (waitpid (m->dump, &status, 0) < 0 && errno == EINTR)
        ;
      m->dump = 0;
      if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0) && err)
        return zerr_set (err, EIO, "migrate: the page server ended before every page went over (log: %s/images/final/dump.log)",
                         m->dir);
    }
  if (m->local_daemon > 0)
    {
      waitpid (m->local_daemon, NULL, 0);
      m->local_daemon = 0;
    }
  return 0;
}

int
zone_migrate (const struct zone_runtime *rt, const char *id, const char *dest, const struct zone_migrate_opts *o,
              zerr **err)
{
  struct migration m = { .rt = rt, .id = id, .dest = dest, .o = o };
  struct zone_checkpoint_opts final = { .criu = { .tcp_established = true }, .status_fd = -1 };
  cleanup_free char *final_dir = NULL;
  char parent[40];
  double t0;
  int ret;

  if ((ret = check_zone (&m, err)) < 0)
    goto out;
  if (asprintf (&m.dir, "%s/zone-migrate.XXXXXX", tmp_dir (&m)) < 0)
    abort ();
  if (mkdtemp (m.dir) == NULL)
    {
      ret = zerr_sys (err, "migrate: make %s", m.dir);
      m.keep = true;
      goto out;
    }
  m.images = path_join (m.dir, "images");
  if (mkdir (m.images, 0700) < 0)
    {
      ret = zerr_sys (err, "migrate: make %s", m.images);
      goto out;
    }
  /* Pre-dumps need the kernel's dirty-page tracking (soft-dirty): without it, one full dump. */
  m.pre_dumps = o->pre_dumps > 0 && checkpoint_tracks_memory (rt) ? o->pre_dumps : 0;
  if ((ret = start_master (&m, err)) < 0 || (ret = prepare_remote (&m, err)) < 0 || (ret = pre_copy (&m, err)) < 0)
    goto fail;

  /* From here the zone stands still until it runs again, there or here. */
  final_dir = path_join (m.images, "final");
  snprintf (parent, sizeof parent, "../pre-%d", m.pre_dumps);
  final.image_path = final_dir;
  final.parent_path = m.pre_dumps > 0 ? parent : NULL;
  t0 = now_ms ();
  /* Post-copy: the processes stand still here while their memory is served; their address is
     given up at once, for the destination. */
  if (o->lazy_pages)
    {
      if ((ret = lazy_dump (&m, &final, err)) == 0)
        ret = zone_release_network (rt, id, err);
    }
  else
    ret = zone_checkpoint (rt, id, &final, err);
  if (ret < 0)
    goto fail;
  if ((ret = switch_over (&m, t0, err)) < 0)
    goto fail;
  /* Post-copy: here only once every page has gone over; then the zone is no longer ours. */
  if ((ret = lazy_dump_end (&m, err)) < 0)
    goto fail;
  if (o->lazy_pages)
    zone_delete (rt, id, true, NULL);
  clean_remote (&m, false);
  goto out;

fail:
  lazy_dump_end (&m, NULL);
  clean_remote (&m, true);
out:
  stop_master (&m);
  if (m.dir && !m.keep)
    remove_tree (m.dir, NULL);
  migration_release (&m);
  return ret;
}
