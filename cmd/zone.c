/* zone's command line: runc's commands and flags, plus a few for people (stop).  Only parses
   arguments, reports errors and calls the library. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../runtime/governor.h"
#include "../runtime/runtime.h"
#include "../spec/config.h"
#include "../spec/defaults.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/sealed_exe.h"
#include "../util/strbuf.h"
#include "../util/rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The global options: the only mutable globals, as they live for the whole command. */
static const char *log_path;
static bool log_json;
static struct timespec started; /* --debug lines say how long after it they come */
static char **main_argv;         /* for a re-exec from a sealed copy (runtime.reexec_sealed) */
static void log_line (const char *level, const char *msg);
struct zone_runtime runtime = { .root = ZONE_DEFAULT_ROOT, .log = log_line };

/* A line of the given level: to --log when given (runc's text or json lines), and errors also
   to stderr; debug lines go to stderr only when there is no --log, as with runc. */
static void
log_line (const char *level, const char *msg)
{
  bool error = strcmp (level, "error") == 0;

  if (error)
    fprintf (stderr, "zone: %s\n", msg);
  else if (log_path == NULL && strcmp (level, "debug") == 0)
    {
      struct timespec now;
      clock_gettime (CLOCK_MONOTONIC, &now);
      fprintf (stderr, "zone: debug: %s (+%.3f ms)\n", msg,
               (double) (now.tv_sec - started.tv_sec) * 1e3 + (double) (now.tv_nsec - started.tv_nsec) / 1e6);
    }
  else if (log_path == NULL)
    fprintf (stderr, "zone: %s: %s\n", level, msg);
  if (log_path)
    {
      FILE *f = fopen (log_path, "ae");
      if (f == NULL)
        return;
      {
        struct timespec ts;
        struct tm tm;
        char when[64];
        clock_gettime (CLOCK_REALTIME, &ts);
        gmtime_r (&ts.tv_sec, &tm);
        strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (log_json)
          {
            struct strbuf sb = { 0 };
            strbuf_appendf (&sb, "{\"level\":\"%s\",\"msg\":", level);
            strbuf_append_json_string (&sb, msg);
            strbuf_appendf (&sb, ",\"time\":\"%s\"}\n", when);
            fputs (sb.buf, f);
            free (sb.buf);
          }
        else
          fprintf (f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
      }
      fclose (f);
    }
}

void
log_error (const char *msg)
{
  log_line ("error", msg);
}

int
fail (zerr **err)
{
  log_error (*err ? (*err)->msg : "unknown error");
  zerr_free (err);
  return 1;
}

int
bad_flag (const char *cmd, char **argv)
{
  const char *arg = argv[optind - 1];
  char flag[128], buf[512];

  /* getopt's own message is off (opterr = 0): this is the one line. */
  if (optopt && arg[0] == '-' && arg[1] != '-')
    snprintf (flag, sizeof flag, "-%c", optopt);
  else
    snprintf (flag, sizeof flag, "%.*s", (int) strcspn (arg, "="), arg);
  snprintf (buf, sizeof buf, "%s%sbad flag `%s`: unknown, or missing its value (see zone --help)", cmd ? cmd : "",
            cmd ? ": " : "", flag);
  log_error (buf);
  return 1;
}

int
usage_error (const char *fmt, const char *arg)
{
  char buf[512];
  snprintf (buf, sizeof buf, fmt, arg);
  log_error (buf);
  return 1;
}

static void
print_help (void)
{
  fputs ("zone: run and protect many small applications on one host (an OCI runtime)\n\n"
         "usage: zone [global options] COMMAND [options] [ARGS]\n\n"
         "commands:\n"
         "  create ID     create a zone from an OCI bundle (waits for start)\n"
         "  start ID      start the process of a created zone\n"
         "  create ID --template NAME [--net bridge] [-p PORTS] [--memory N] ... [-- CMD ARGS...]\n"
         "                define a persistent zone from a template (docs/templates.md)\n"
         "  run ID        create and start a zone, wait for it unless --detach\n"
         "  state ID      print the OCI state of a zone as JSON\n"
         "  kill ID [SIG] send a signal to the zone's init (SIGTERM by default)\n"
         "  stop ID       SIGTERM, wait --timeout seconds (10), then SIGKILL\n"
         "  delete ID     remove a stopped zone (--force: also a running one)\n"
         "  list          list zones (--format table|json, --quiet)\n"
         "  exec ID CMD   run a process in a zone (--tty, --detach, --env, --user, --process FILE...)\n"
         "  ps ID         list the host pids of a zone's processes (--format table|json)\n"
         "  pause ID      freeze every process of a zone; resume ID thaws them\n"
         "  update ID     change a zone's limits (--memory, --cpu-quota, ..., or -r resources.json)\n"
         "  events ID     stream a zone's usage and OOM events as JSON (--stats: once; --interval 5s)\n"
         "  checkpoint ID dump a running zone's processes with CRIU (--image-path DIR, --leave-running...)\n"
         "  restore ID    make a zone from a bundle with its processes restored (--image-path, -d...)\n"
         "  clone ID NEW  a running copy of a running zone, with its own address and cgroup\n"
         "  migrate ID [USER@]HOST  move a running zone to another host over ssh (--remote-root...)\n"
         "  governor      keep every zone to its CPU share: weight, cap, reserve, baseline/burst\n"
         "                (--interval 100ms; --once [--json]: one tick and a report)\n"
         "  template add NAME SOURCE | list | rm NAME   root filesystems zones are made from\n"
         "  export ID FILE, import FILE [ID]   a defined zone (stopped) as one archive, and back\n"
         "  spec          write a default config.json (--bundle DIR, --rootless)\n"
         "  features      print what this runtime supports (runtime-spec features.md)\n\n"
         "global options:\n"
         "  --root DIR            state directory (default " ZONE_DEFAULT_ROOT ", $XDG_RUNTIME_DIR/zone for\n"
         "                        an ordinary user)\n"
         "  --state-dir DIR       templates and defined zones (default " ZONE_DEFAULT_STATE_DIR ")\n"
         "  --log FILE            also write errors to FILE\n"
         "  --log-format FORMAT   text or json\n"
         "  --debug               more output\n"
         "  --systemd-cgroup      manage cgroups through systemd\n"
         "  --cgroup-manager M    cgroupfs (default), systemd or disabled\n"
         "  --version, --help\n",
         stdout);
}

/* `zone COMMAND --help`: the command's usage, exit status 0, as runc answers it.  A command zone
   does not have yet is not in the table: its --help fails (podman decides checkpoint support by
   that exit status). */
static bool
print_command_help (const char *cmd)
{
  static const char *const usage[][2] = {
    { "create", "create ID [--bundle|-b DIR] [--pid-file F] [--console-socket S] [--no-pivot] [--no-new-keyring] "
                "[--preserve-fds N]" },
    { "run", "run ID [create's flags] [--detach|-d] [--keep]" },
    { "start", "start ID | start --foreground|-F [--notify container|started] ID (a defined zone, as "
               "zone@.service runs it)" },
    { "state", "state ID" },
    { "kill", "kill ID [SIGNAL] [--all|-a]" },
    { "stop", "stop ID [--timeout|-t SECONDS]" },
    { "delete", "delete ID [--force|-f] [--keep-data]" },
    { "template", "template add NAME DIR|ARCHIVE|OCI-LAYOUT[:REF] | template list | template rm NAME" },
    { "export", "export ID FILE (a defined zone that does not run: its definition and files)" },
    { "import", "import FILE [ID] (a zone export, on a host with its template)" },
    { "list", "list [--format|-f table|json] [--quiet|-q]" },
    { "spec", "spec [--bundle|-b DIR] [--rootless]" },
    { "features", "features" },
    { "exec", "exec ID [CMD ARGS... | --process|-p FILE] [--tty|-t] [--detach|-d] [--env|-e K=V] [--user|-u "
              "UID[:GID]] [--additional-gids|-g G] [--cwd DIR] [--cap|-c CAP] [--no-new-privs] [--console-socket "
              "S] [--pid-file F] [--preserve-fds N] [--ignore-paused] [--apparmor P] [--process-label L]" },
    { "ps", "ps ID [--format|-f table|json] [--] [PS ARGS...]" },
    { "pause", "pause ID" },
    { "resume", "resume ID" },
    { "update", "update ID [--memory N] [--memory-swap N] [--memory-reservation N] [--kernel-memory N] "
                "[--cpu-share N] [--cpu-quota N] [--cpu-period N] [--cpu-burst N] [--cpu-rt-runtime N] "
                "[--cpu-rt-period N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] "
                "[--resources|-r FILE|-]" },
    { "events", "events ID [--stats] [--interval DURATION]" },
    { "governor", "governor [--root DIR] [--interval 100ms] [--once [--json]]" },
    { "checkpoint", "checkpoint ID [--image-path DIR] [--work-path DIR] [--parent-path DIR] [--leave-running] "
                    "[--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] [--pre-dump] "
                    "[--manage-cgroups-mode soft|full|strict|ignore] [--empty-ns network] [--auto-dedup] [--lazy-pages] "
                    "[--status-fd FD] "
                    "[--page-server ADDRESS:PORT]" },
    { "restore", "restore ID [--bundle|-b DIR] [--image-path DIR] [--work-path DIR] [--detach|-d] [--pid-file FILE] "
                 "[--console-socket PATH] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] "
                 "[--manage-cgroups-mode MODE] [--empty-ns network] [--no-subreaper] [--no-pivot] [--lazy-pages]" },
    { "clone", "clone ID NEW-ID [--image-path DIR]" },
    { "migrate", "migrate ID [USER@]HOST [--remote-root DIR] [--remote-bundle DIR] [--remote-zone PATH] "
                 "[--ssh-option|-o OPTION]... [--pre-dumps N] [--tmp-dir DIR] [--lazy-pages [--page-server-port P]]" },
  };
  for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
    if (strcmp (usage[i][0], cmd) == 0)
      {
        printf ("usage: zone [global options] %s\n(zone(1) and README.md describe each flag)\n", usage[i][1]);
        return true;
      }
  return false;
}

static int
parse_signal (const char *s)
{
  static const struct
  {
    const char *name;
    int sig;
  } table[] = {
    { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT },   { "ILL", SIGILL },     { "TRAP", SIGTRAP },
    { "ABRT", SIGABRT }, { "IOT", SIGIOT },     { "BUS", SIGBUS },     { "FPE", SIGFPE },     { "KILL", SIGKILL },
    { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
    { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },   { "URG", SIGURG },     { "XCPU", SIGXCPU },
    { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
    { "POLL", SIGPOLL }, { "PWR", SIGPWR },     { "SYS", SIGSYS },
  };
  char *end;
  long n = strtol (s, &end, 10);

  if (*s && *end == '\0')
    return n >= 0 && n <= SIGRTMAX ? (int) n : -1; /* 0: a liveness check, as with runc */
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcasecmp (table[i].name, s) == 0)
      return table[i].sig;
  if (strncasecmp (s, "RTMIN", 5) == 0 || strncasecmp (s, "RTMAX", 5) == 0)
    {
      int base = strncasecmp (s, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX;
      long off = s[5] ? strtol (s + 5, &end, 10) : 0;
      if (s[5] && *end)
        return -1;
      base += (int) off;
      return base >= SIGRTMIN && base <= SIGRTMAX ? base : -1;
    }
  return -1;
}

int
parse_preserve_fds (const char *arg, int *out)
{
  char *end;
  long n = strtol (arg, &end, 10);
  if (*arg == '\0' || *end || n < 0 || n > 65536)
    {
      usage_error ("--preserve-fds: `%s` is not a number of fds", arg);
      return -1;
    }
  *out = (int) n;
  return 0;
}

/* One positional argument, the id. */
int
need_id (int argc, char **argv, const char *cmd, const char **id)
{
  if (optind >= argc)
    return usage_error ("%s: missing container id", cmd);
  *id = argv[optind++];
  return 0;
}

static int
cmd_create_or_run (int argc, char **argv, bool run)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "pid-file", required_argument, NULL, 'p' },
    { "console-socket", required_argument, NULL, 'c' },
    { "no-pivot", no_argument, NULL, 'P' },
    { "no-new-keyring", no_argument, NULL, 'K' },
    { "preserve-fds", required_argument, NULL, 'f' },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, 'k' },
    { "no-subreaper", no_argument, NULL, 'S' },
    { NULL, 0, NULL, 0 },
  };
  struct zone_create_opts o = { 0 };
  const char *id = NULL;
  zerr *err = NULL;
  int c, code = 0;

  while ((c = getopt_long (argc, argv, run ? "b:d" : "b:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
          o.bundle = optarg;
          break;
        case 'p':
          o.pid_file = optarg;
          break;
        case 'c':
          o.console_socket = optarg;
          break;
        case 'P':
          o.no_pivot = true;
          break;
        case 'K':
          o.no_new_keyring = true;
          break;
        case 'f':
          if (parse_preserve_fds (optarg, &o.preserve_fds) < 0)
            return 1;
          break;
        case 'd':
          if (!run)
            return usage_error ("create: unknown flag %s", "--detach");
          o.detach = true;
          break;
        case 'k':
          if (!run)
            return usage_error ("create: unknown flag %s", "--keep");
          o.keep = true;
          break;
        case 'S':
          break;
        default:
          return bad_flag (run ? "run" : "create", argv);
        }
    }
  if (need_id (argc, argv, run ? "run" : "create", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (o.detach && o.keep)
    return usage_error ("run: %s cannot be used together", "--detach and --keep");
  /* Socket activation, as runc passes it on: systemd's fds follow stdio. */
  if (getenv ("LISTEN_FDS"))
    {
      char *end;
      long n = strtol (getenv ("LISTEN_FDS"), &end, 10);
      if (*end == '\0' && n > 0 && n < 65536)
        o.listen_fds = (int) n;
    }
  if (!run)
    return zone_create (&runtime, id, &o, &err) < 0 ? fail (&err) : 0;
  /* Under a Type=notify unit, the zone's own sd_notify reaches systemd through zone (runc's way). */
  o.notify = !o.detach && getenv ("NOTIFY_SOCKET") != NULL;
  if (zone_run (&runtime, id, &o, &code, &err) < 0)
    return fail (&err);
  return code;
}

static int
cmd_simple (int argc, char **argv, const char *name, int (*fn) (const struct zone_runtime *, const char *, zerr **))
{
  const char *id;
  zerr *err = NULL;
  optind = 1;
  if (argc > 1 && argv[1][0] == '-' && strcmp (argv[1], "--") != 0)
    {
      char buf[128];
      snprintf (buf, sizeof buf, "%s: unknown flag `%%s`", name);
      return usage_error (buf, argv[1]);
    }
  if (argc > 1 && strcmp (argv[1], "--") == 0)
    optind = 2;
  if (need_id (argc, argv, name, &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  return fn (&runtime, id, &err) < 0 ? fail (&err) : 0;
}

static int
cmd_start (int argc, char **argv)
{
  static const struct option opts[] = {
    { "foreground", no_argument, NULL, 'F' },
    { "notify", required_argument, NULL, 'n' },
    { NULL, 0, NULL, 0 },
  };
  const char *id, *notify = NULL;
  bool foreground = false;
  zerr *err = NULL;
  int c, code = 0;

  while ((c = getopt_long (argc, argv, "F", opts, NULL)) != -1)
    {
      if (c == 'F')
        foreground = true;
      else if (c == 'n')
        notify = optarg;
      else
        return bad_flag ("start", argv);
    }
  if (need_id (argc, argv, "start", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (notify && !foreground)
    return usage_error ("start: %s", "--notify goes with --foreground");
  if (!foreground)
    return zone_boot (&runtime, id, &err) < 0 ? fail (&err) : 0;
  if (zone_serve (&runtime, id, notify, &code, &err) < 0)
    return fail (&err);
  return code;
}

static int
print_state (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_state struct zone_state *st = NULL;
  cleanup_free char *json = NULL;
  int ret = zone_get_state (rt, id, &st, err);
  if (ret < 0)
    return ret;
  json = zone_state_to_json (st, true);
  printf ("%s\n", json);
  return 0;
}

static int
cmd_kill (int argc, char **argv)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  const char *id;
  bool all = false;
  int c, sig = SIGTERM;
  zerr *err = NULL;

  while ((c = getopt_long (argc, argv, "a", opts, NULL)) != -1)
    {
      if (c != 'a')
        return bad_flag ("kill", argv);
      all = true;
    }
  if (need_id (argc, argv, "kill", &id))
    return 1;
  if (optind < argc)
    {
      sig = parse_signal (argv[optind]);
      if (sig < 0)
        return usage_error ("kill: unknown signal `%s`", argv[optind]);
      optind++;
    }
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  return zone_kill (&runtime, id, sig, all, &err) < 0 ? fail (&err) : 0;
}

static int
cmd_delete (int argc, char **argv)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { "keep-data", no_argument, NULL, 'k' },
    { NULL, 0, NULL, 0 },
  };
  bool force = false, keep_data = false, defined;
  const char *id;
  zerr *err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "f", opts, NULL)) != -1)
    {
      if (c == 'f')
        force = true;
      else if (c == 'k')
        keep_data = true;
      else
        return bad_flag ("delete", argv);
    }
  if (need_id (argc, argv, "delete", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  /* A defined zone goes for good: its runtime state (if it has one now), then its definition. */
  defined = zone_is_defined (&runtime, id);
  if (!(defined && !zone_exists (&runtime, id)) && zone_delete (&runtime, id, force, &err) < 0)
    return fail (&err);
  return defined && zone_undefine (&runtime, id, keep_data, &err) < 0 ? fail (&err) : 0;
}

static int
cmd_stop (int argc, char **argv)
{
  static const struct option opts[] = { { "timeout", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
  const char *id;
  zerr *err = NULL;
  int c, timeout = 10;

  while ((c = getopt_long (argc, argv, "t:", opts, NULL)) != -1)
    {
      char *end;
      long n;
      if (c != 't')
        return bad_flag ("stop", argv);
      n = strtol (optarg, &end, 10);
      if (*end || n < 0 || n > 86400)
        return usage_error ("stop: --timeout `%s` is not a number of seconds", optarg);
      timeout = (int) n;
    }
  if (need_id (argc, argv, "stop", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (zone_is_defined (&runtime, id))
    return zone_halt (&runtime, id, timeout, &err) < 0 ? fail (&err) : 0;
  return zone_stop (&runtime, id, timeout, &err) < 0 ? fail (&err) : 0;
}

static int
cmd_list (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { NULL, 0, NULL, 0 },
  };
  struct zone_state **states = NULL;
  bool quiet = false, json = false;
  size_t n = 0, w_id = 2, w_bundle = 6;
  zerr *err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "f:q", opts, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
        json = optarg[0] == 'j';
      else if (c == 'f')
        return usage_error ("list: unknown format `%s` (table or json)", optarg);
      else
        return bad_flag ("list", argv);
    }
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (zone_list (&runtime, &states, &n, &err) < 0 || zone_list_defined (&runtime, &states, &n, &err) < 0)
    return fail (&err);
  if (json)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        {
          cleanup_free char *s = zone_state_to_json_line (states[i]);
          printf ("%s%s", i ? "," : "", s);
        }
      printf ("]\n");
    }
  else if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", states[i]->id);
  else
    {
      for (size_t i = 0; i < n; i++)
        {
          w_id = strlen (states[i]->id) > w_id ? strlen (states[i]->id) : w_id;
          w_bundle = strlen (states[i]->bundle) > w_bundle ? strlen (states[i]->bundle) : w_bundle;
        }
      struct governor_view gv;
      governor_view_load (runtime.root, &gv);
      /* runc's columns, then zone's own: CPU use and ceiling as the governor sees them, the
         zone's address when it has one. */
      printf ("%-*s   %-7s   %-8s   %-*s   %-30s   %-8s   %-5s   %-5s   %s\n", (int) w_id, "ID", "PID", "STATUS",
              (int) w_bundle, "BUNDLE", "CREATED", "OWNER", "CPU", "ALLOC", "ADDRESS");
      for (size_t i = 0; i < n; i++)
        {
          struct zone_state *s = states[i];
          int pid = strcmp (s->status, "stopped") == 0 ? 0 : s->pid;
          const char *addr = "";
          for (size_t k = 0; k < s->n_annotations; k++)
            if (strcmp (s->annotations[k].key, "org.zone.net.address") == 0
                || strcmp (s->annotations[k].key, "org.zone.error") == 0)
              addr = s->annotations[k].value;
          char cpu[16] = "-", alloc[16] = "-";
          double use, ceiling;
          if (governor_view_find (&gv, s->id, &use, &ceiling))
            {
              snprintf (cpu, sizeof cpu, "%.0f%%", use * 100);
              if (ceiling > 0)
                snprintf (alloc, sizeof alloc, "%.2f", ceiling);
              else
                snprintf (alloc, sizeof alloc, "all");
            }
          printf ("%-*s   %-7d   %-8s   %-*s   %-30s   %-8s   %-5s   %-5s   %s\n", (int) w_id, s->id, pid, s->status,
                  (int) w_bundle, s->bundle, s->created, s->owner, cpu, alloc, addr);
        }
      governor_view_free (&gv);
    }
  for (size_t i = 0; i < n; i++)
    zone_state_free (states[i]);
  free (states);
  return 0;
}

static int
cmd_spec (int argc, char **argv)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  cleanup_free char *path = NULL, *text = NULL;
  bool rootless = false;
  zerr *err = NULL;
  int c, fd;

  while ((c = getopt_long (argc, argv, "b:", opts, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == 'r')
        rootless = true;
      else
        return bad_flag ("spec", argv);
    }
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (asprintf (&path, "%s/config.json", bundle) < 0)
    abort ();
  text = zone_default_config (rootless, getuid (), getgid ());
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return usage_error ("spec: `%s` exists: remove it first", path);
      zerr_sys (&err, "spec: create `%s`", path);
      return fail (&err);
    }
  if (write_all (fd, text, strlen (text)) < 0)
    {
      zerr_sys (&err, "spec: write `%s`", path);
      close (fd);
      return fail (&err);
    }
  close (fd);
  return 0;
}

static int
cmd_features (int argc, char **argv)
{
  cleanup_free char *json = NULL;
  (void) argv;
  if (argc > 1)
    return usage_error ("unexpected argument `%s`", argv[1]);
  json = zone_features_json ();
  fputs (json, stdout);
  return 0;
}

static int
reexec_sealed (zerr **err)
{
  return reexec_from_sealed_copy (main_argv, environ, err);
}

#ifdef ZONE_CORE
static int
reexec_full (zerr **err)
{
  return exec_zone_full (main_argv, environ, err);
}
#endif

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, 'r' },
    { "log", required_argument, NULL, 'l' },
    { "log-format", required_argument, NULL, 'F' },
    { "log-level", required_argument, NULL, 'L' },
    { "debug", no_argument, NULL, 'D' },
    { "systemd-cgroup", no_argument, NULL, 's' },
    { "cgroup-manager", required_argument, NULL, 'M' },
    { "rootless", required_argument, NULL, 'R' },
    { "criu", required_argument, NULL, 'C' },
    { "state-dir", required_argument, NULL, 'S' },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *cmd;
  int c;

  clock_gettime (CLOCK_MONOTONIC, &started);
  main_argv = argv;
  runtime.reexec_sealed = reexec_sealed;
#ifdef ZONE_CORE
  runtime.reexec_full = reexec_full;
#endif
  /* An ordinary user's zones live in their runtime directory, as runc's do ($XDG_RUNTIME_DIR/runc);
     so do those of root in somebody's user namespace (rootless podman's), unless USER says root. */
  if ((geteuid () != 0 || (in_user_namespace () && !(getenv ("USER") && strcmp (getenv ("USER"), "root") == 0)))
      && getenv ("XDG_RUNTIME_DIR") && *getenv ("XDG_RUNTIME_DIR") == '/')
    {
      static char user_root[4096];
      snprintf (user_root, sizeof user_root, "%s/zone", getenv ("XDG_RUNTIME_DIR"));
      runtime.root = user_root;
    }
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+vh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'r':
          runtime.root = optarg;
          break;
        case 'l':
          log_path = optarg;
          break;
        case 'F':
          if (strcmp (optarg, "json") != 0 && strcmp (optarg, "text") != 0)
            return usage_error ("--log-format: unknown format `%s` (text or json)", optarg);
          log_json = optarg[0] == 'j';
          break;
        case 'D':
          runtime.debug = true;
          break;
        case 'C':
          runtime.criu = optarg;
          break;
        case 'S':
          runtime.state_dir = optarg;
          break;
        case 'L':
        case 'R':
          break;
        case 's':
          runtime.cgroup_manager = ZONE_CGROUP_SYSTEMD;
          break;
        case 'M':
          if (strcmp (optarg, "cgroupfs") == 0)
            runtime.cgroup_manager = ZONE_CGROUP_CGROUPFS;
          else if (strcmp (optarg, "systemd") == 0)
            runtime.cgroup_manager = ZONE_CGROUP_SYSTEMD;
          else if (strcmp (optarg, "disabled") == 0)
            runtime.cgroup_manager = ZONE_CGROUP_DISABLED;
          else
            return usage_error ("--cgroup-manager: unknown manager `%s` (cgroupfs, systemd or disabled)", optarg);
          break;
        case 'v':
          {
            const struct scmp_version *v = seccomp_version ();
            printf ("zone version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", ZONE_VERSION, ZONE_OCI_VERSION, v->major,
                    v->minor, v->micro);
          }
          return 0;
        case 'h':
          print_help ();
          return 0;
        default:
          return bad_flag (NULL, argv);
        }
    }
  if (optind >= argc)
    {
      print_help ();
      return 1;
    }
  cmd = argv[optind];
  argc -= optind;
  argv += optind;
  /* 0, not 1: glibc's getopt starts afresh only then, so that each command's flags may also come
     after its arguments (`update ID --memory 64m`, as runc takes them), where its optstring lets
     them. */
  optind = 0;

  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) && print_command_help (cmd))
    return 0;

  if (strcmp (cmd, "create") == 0 && create_names_template (argc, argv))
    return cmd_create_template (argc, argv);
  if (strcmp (cmd, "create") == 0)
    return cmd_create_or_run (argc, argv, false);
  if (strcmp (cmd, "run") == 0)
    return cmd_create_or_run (argc, argv, true);
  if (strcmp (cmd, "start") == 0)
    return cmd_start (argc, argv);
  if (strcmp (cmd, "state") == 0)
    return cmd_simple (argc, argv, "state", print_state);
  if (strcmp (cmd, "kill") == 0)
    return cmd_kill (argc, argv);
  if (strcmp (cmd, "delete") == 0 || strcmp (cmd, "rm") == 0)
    return cmd_delete (argc, argv);
  if (strcmp (cmd, "stop") == 0)
    return cmd_stop (argc, argv);
  if (strcmp (cmd, "list") == 0 || strcmp (cmd, "ls") == 0)
    return cmd_list (argc, argv);
  if (strcmp (cmd, "spec") == 0)
    return cmd_spec (argc, argv);
  if (strcmp (cmd, "features") == 0)
    return cmd_features (argc, argv);
  if (strcmp (cmd, "exec") == 0)
    return cmd_exec (argc, argv);
  if (strcmp (cmd, "ps") == 0)
    return cmd_ps (argc, argv);
  if (strcmp (cmd, "pause") == 0)
    return cmd_simple (argc, argv, "pause", zone_pause);
  if (strcmp (cmd, "resume") == 0)
    return cmd_simple (argc, argv, "resume", zone_resume);
  if (strcmp (cmd, "update") == 0)
    return cmd_update (argc, argv);
  if (strcmp (cmd, "events") == 0)
    return cmd_events (argc, argv);
  if (strcmp (cmd, "governor") == 0)
    return cmd_governor (argc, argv);
  /* CRIU's commands move networks: zone-full's. */
  if (runtime.reexec_full
      && (strcmp (cmd, "checkpoint") == 0 || strcmp (cmd, "restore") == 0 || strcmp (cmd, "clone") == 0
          || strcmp (cmd, "migrate") == 0))
    {
      zerr *err = NULL;
      runtime.reexec_full (&err);
      return fail (&err);
    }
  if (strcmp (cmd, "checkpoint") == 0)
    return cmd_checkpoint (argc, argv);
  if (strcmp (cmd, "restore") == 0)
    return cmd_restore (argc, argv);
  if (strcmp (cmd, "clone") == 0)
    return cmd_clone (argc, argv);
  if (strcmp (cmd, "migrate") == 0)
    return cmd_migrate (argc, argv);
  if (strcmp (cmd, "template") == 0)
    return cmd_template (argc, argv);
  if (strcmp (cmd, "export") == 0)
    return cmd_export (argc, argv);
  if (strcmp (cmd, "import") == 0)
    return cmd_import (argc, argv);
  if (strcmp (cmd, "help") == 0)
    {
      print_help ();
      return 0;
    }
  return usage_error ("unknown command `%s` (see zone --help)", cmd);
}
