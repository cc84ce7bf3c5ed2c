/* zone checkpoint and zone restore, with runc's flags; zone clone and zone migrate. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../runtime/checkpoint.h"
#include "../runtime/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --empty-ns: runc takes network only (CRIU can make only that one empty). */
static bool
empty_ns (const char *cmd, const char *arg, struct criu_flags *f)
{
  char fmt[128];

  if (strcmp (arg, "network") == 0)
    {
      f->empty_netns = true;
      return true;
    }
  snprintf (fmt, sizeof fmt, "%s: --empty-ns `%%s`: only network can be made empty", cmd);
  usage_error (fmt, arg);
  return false;
}

/* --manage-cgroups-mode: CRIU's modes; false (reported) for anything else. */
static bool
cgroups_mode (const char *cmd, const char *arg, const char **out)
{
  static const char *const modes[] = { "soft", "full", "strict", "ignore" };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp (arg, modes[i]) == 0)
      {
        *out = modes[i];
        return true;
      }
  {
    char fmt[128];
    snprintf (fmt, sizeof fmt, "%s: --manage-cgroups-mode `%%s`: soft, full, strict or ignore", cmd);
    usage_error (fmt, arg);
  }
  return false;
}

int
cmd_checkpoint (int argc, char **argv)
{
  enum { IMAGE = 256, WORK, PARENT, LEAVE, TCP, UNIX_SK, SHELL, LOCKS, PRE, CGMODE, EMPTY_NS, DEDUP, LAZY, STATUS, PAGES };
  static const struct option opts[] = {
    { "image-path", required_argument, NULL, IMAGE }, { "work-path", required_argument, NULL, WORK },
    { "parent-path", required_argument, NULL, PARENT }, { "leave-running", no_argument, NULL, LEAVE },
    { "tcp-established", no_argument, NULL, TCP }, { "ext-unix-sk", no_argument, NULL, UNIX_SK },
    { "shell-job", no_argument, NULL, SHELL }, { "file-locks", no_argument, NULL, LOCKS },
    { "pre-dump", no_argument, NULL, PRE }, { "manage-cgroups-mode", required_argument, NULL, CGMODE },
    { "empty-ns", required_argument, NULL, EMPTY_NS }, { "auto-dedup", no_argument, NULL, DEDUP },
    { "lazy-pages", no_argument, NULL, LAZY }, { "status-fd", required_argument, NULL, STATUS },
    { "page-server", required_argument, NULL, PAGES }, { NULL, 0, NULL, 0 },
  };
  struct zone_checkpoint_opts o = { .status_fd = -1 };
  const char *id = NULL;
  zerr *err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case IMAGE: o.image_path = optarg; break;
      case WORK: o.criu.work_path = optarg; break;
      case PARENT: o.parent_path = optarg; break;
      case LEAVE: o.leave_running = true; break;
      case TCP: o.criu.tcp_established = true; break;
      case UNIX_SK: o.criu.ext_unix_sk = true; break;
      case SHELL: o.criu.shell_job = true; break;
      case LOCKS: o.criu.file_locks = true; break;
      case PRE: o.pre_dump = true; break;
      case DEDUP: o.auto_dedup = true; break;
      case LAZY: o.criu.lazy_pages = true; break;
      case PAGES: o.page_server = optarg; break;
      case EMPTY_NS:
        if (!empty_ns ("checkpoint", optarg, &o.criu))
          return 1;
        break;
      case STATUS:
        o.status_fd = atoi (optarg);
        break;
      case CGMODE:
        if (!cgroups_mode ("checkpoint", optarg, &o.criu.manage_cgroups_mode))
          return 1;
        break;
      default:
        return bad_flag ("checkpoint", argv);
      }
  if (need_id (argc, argv, "checkpoint", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  return zone_checkpoint (&runtime, id, &o, &err) < 0 ? fail (&err) : 0;
}

int
cmd_restore (int argc, char **argv)
{
  enum { IMAGE = 256, WORK, PIDFILE, CONSOLE, TCP, UNIX_SK, SHELL, LOCKS, CGMODE, NO_SUBREAPER, NO_PIVOT, LAZY,
         EMPTY_NS, DEDUP, KEEP };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' }, { "detach", no_argument, NULL, 'd' },
    { "image-path", required_argument, NULL, IMAGE }, { "work-path", required_argument, NULL, WORK },
    { "pid-file", required_argument, NULL, PIDFILE }, { "console-socket", required_argument, NULL, CONSOLE },
    { "tcp-established", no_argument, NULL, TCP }, { "ext-unix-sk", no_argument, NULL, UNIX_SK },
    { "shell-job", no_argument, NULL, SHELL }, { "file-locks", no_argument, NULL, LOCKS },
    { "manage-cgroups-mode", required_argument, NULL, CGMODE }, { "no-subreaper", no_argument, NULL, NO_SUBREAPER },
    { "no-pivot", no_argument, NULL, NO_PIVOT }, { "lazy-pages", no_argument, NULL, LAZY },
    { "empty-ns", required_argument, NULL, EMPTY_NS }, { "auto-dedup", no_argument, NULL, DEDUP },
    { "keep", no_argument, NULL, KEEP }, { NULL, 0, NULL, 0 },
  };
  struct zone_create_opts o = { 0 };
  struct zone_restore_opts r = { 0 };
  const char *id = NULL;
  zerr *err = NULL;
  int c, code = 0;

  while ((c = getopt_long (argc, argv, "b:d", opts, NULL)) != -1)
    switch (c)
      {
      case 'b': o.bundle = optarg; break;
      case 'd': o.detach = true; break;
      case IMAGE: r.image_path = optarg; break;
      case WORK: r.criu.work_path = optarg; break;
      case PIDFILE: o.pid_file = optarg; break;
      case CONSOLE: o.console_socket = optarg; break;
      case TCP: r.criu.tcp_established = true; break;
      case UNIX_SK: r.criu.ext_unix_sk = true; break;
      case SHELL: r.criu.shell_job = true; break;
      case LOCKS: r.criu.file_locks = true; break;
      case NO_SUBREAPER: r.no_subreaper = true; break;
      case NO_PIVOT: o.no_pivot = true; break;
      case LAZY: r.criu.lazy_pages = true; break;
      case DEDUP: break;
      case KEEP: o.keep = true; break;
      case EMPTY_NS:
        if (!empty_ns ("restore", optarg, &r.criu))
          return 1;
        break;
      case CGMODE:
        if (!cgroups_mode ("restore", optarg, &r.criu.manage_cgroups_mode))
          return 1;
        break;
      default:
        return bad_flag ("restore", argv);
      }
  if (need_id (argc, argv, "restore", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (zone_restore (&runtime, id, &o, &r, &code, &err) < 0)
    return fail (&err);
  return o.detach ? 0 : code;
}

int
cmd_clone (int argc, char **argv)
{
  enum { IMAGE = 256 };
  static const struct option opts[] = { { "image-path", required_argument, NULL, IMAGE }, { NULL, 0, NULL, 0 } };
  const char *id = NULL, *image_path = NULL;
  zerr *err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case IMAGE: image_path = optarg; break;
      default:
        return bad_flag ("clone", argv);
      }
  if (need_id (argc, argv, "clone", &id))
    return 1;
  if (optind >= argc)
    return usage_error ("clone: missing the new zone's ID (%s)", "zone clone ID NEW-ID");
  if (optind + 1 < argc)
    return usage_error ("unexpected argument `%s`", argv[optind + 1]);
  return zone_clone (&runtime, id, argv[optind], image_path, &err) < 0 ? fail (&err) : 0;
}

int
cmd_migrate (int argc, char **argv)
{
  enum { ROOT = 256, BUNDLE, ZONE, PRE, TMP, LAZYM, PORT };
  static const struct option opts[] = {
    { "remote-root", required_argument, NULL, ROOT }, { "remote-bundle", required_argument, NULL, BUNDLE },
    { "remote-zone", required_argument, NULL, ZONE }, { "ssh-option", required_argument, NULL, 'o' },
    { "pre-dumps", required_argument, NULL, PRE }, { "tmp-dir", required_argument, NULL, TMP },
    { "lazy-pages", no_argument, NULL, LAZYM }, { "page-server-port", required_argument, NULL, PORT },
    { NULL, 0, NULL, 0 },
  };
  struct zone_migrate_opts o = { .pre_dumps = 2 };
  const char *id = NULL, *ssh_options[64];
  zerr *err = NULL;
  char *end;
  int c;

  o.ssh_options = ssh_options;
  while ((c = getopt_long (argc, argv, "o:", opts, NULL)) != -1)
    switch (c)
      {
      case ROOT: o.remote_root = optarg; break;
      case BUNDLE: o.remote_bundle = optarg; break;
      case ZONE: o.remote_zone = optarg; break;
      case TMP: o.tmp_dir = optarg; break;
      case LAZYM: o.lazy_pages = true; break;
      case PORT:
        if (strtol (optarg, &end, 10) < 1 || strtol (optarg, NULL, 10) > 65535 || *end)
          return usage_error ("migrate: --page-server-port `%s`: a port from 1 to 65535", optarg);
        o.page_server_port = optarg;
        break;
      case 'o':
        if (o.n_ssh_options == sizeof ssh_options / sizeof ssh_options[0])
          return usage_error ("migrate: too many --ssh-option (%s)", "64 at most");
        ssh_options[o.n_ssh_options++] = optarg;
        break;
      case PRE:
        o.pre_dumps = (int) strtol (optarg, &end, 10);
        if (*optarg == '\0' || *end || o.pre_dumps < 0 || o.pre_dumps > 20)
          return usage_error ("migrate: --pre-dumps `%s`: a number from 0 to 20", optarg);
        break;
      default:
        return bad_flag ("migrate", argv);
      }
  if (need_id (argc, argv, "migrate", &id))
    return 1;
  if (optind >= argc)
    return usage_error ("migrate: missing the destination (%s)", "zone migrate ID [USER@]HOST");
  if (optind + 1 < argc)
    return usage_error ("unexpected argument `%s`", argv[optind + 1]);
  return zone_migrate (&runtime, id, argv[optind], &o, &err) < 0 ? fail (&err) : 0;
}
