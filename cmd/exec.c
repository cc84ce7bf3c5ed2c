/* zone exec and zone ps: runc's flags, parsed here, done by the runtime library. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
push (char ***v, size_t *n, const char *s)
{
  *v = realloc (*v, (*n + 2) * sizeof (char *));
  if (*v == NULL)
    abort ();
  (*v)[(*n)++] = xstrdup (s);
  (*v)[*n] = NULL;
}

static bool
parse_u32 (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
    return false;
  *out = (uint32_t) v;
  return true;
}

/* --user UID[:GID] (numeric, as runc takes them) */
static bool
parse_user (const char *s, struct zone_exec_opts *o)
{
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (!parse_u32 (copy, &o->uid))
    return false;
  o->gid = 0;
  if (colon && !parse_u32 (colon + 1, &o->gid))
    return false;
  o->has_user = true;
  return true;
}

/* --additional-gids G (repeatable; each may also be a comma list) */
static bool
parse_gids (const char *s, struct zone_exec_opts *o)
{
  cleanup_free char *copy = xstrdup (s);
  char *save = NULL;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      uint32_t g;
      if (!parse_u32 (t, &g))
        return false;
      o->additional_gids = realloc (o->additional_gids, (o->n_additional_gids + 1) * sizeof (uint32_t));
      if (o->additional_gids == NULL)
        abort ();
      o->additional_gids[o->n_additional_gids++] = g;
    }
  return true;
}

int
cmd_exec (int argc, char **argv)
{
  static const struct option opts[] = {
    { "console-socket", required_argument, NULL, 'C' },
    { "cwd", required_argument, NULL, 'w' },
    { "env", required_argument, NULL, 'e' },
    { "tty", no_argument, NULL, 't' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "process", required_argument, NULL, 'p' },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, 'P' },
    { "process-label", required_argument, NULL, 'l' },
    { "apparmor", required_argument, NULL, 'a' },
    { "no-new-privs", no_argument, NULL, 'n' },
    { "cap", required_argument, NULL, 'c' },
    { "preserve-fds", required_argument, NULL, 'f' },
    { "ignore-paused", no_argument, NULL, 'I' },
    { NULL, 0, NULL, 0 },
  };
  struct zone_exec_opts o = { 0 };
  cleanup_strv char **env = NULL, **caps = NULL, **args = NULL;
  cleanup_free char *pid_file = NULL;
  cleanup_free uint32_t *gids = NULL;
  size_t n_env = 0, n_caps = 0, n_args = 0;
  const char *id = NULL;
  zerr *err = NULL;
  int c, code = 0, ret;

  while ((c = getopt_long (argc, argv, "+e:tu:g:p:dc:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'C':
          o.console_socket = optarg;
          break;
        case 'w':
          o.cwd = optarg;
          break;
        case 'e':
          push (&env, &n_env, optarg);
          break;
        case 't':
          o.tty = true;
          break;
        case 'u':
          if (!parse_user (optarg, &o))
            return usage_error ("--user: `%s` is not UID[:GID] (numbers)", optarg);
          break;
        case 'g':
          if (!parse_gids (optarg, &o))
            return usage_error ("--additional-gids: `%s` is not a list of numbers", optarg);
          gids = o.additional_gids;
          break;
        case 'p':
          o.process_file = optarg;
          break;
        case 'd':
          o.detach = true;
          break;
        case 'P':
          /* Absolute now: the file is written after we have moved around. */
          if (optarg[0] == '/')
            pid_file = xstrdup (optarg);
          else
            {
              cleanup_free char *cwd = getcwd (NULL, 0);
              if (asprintf (&pid_file, "%s/%s", cwd ? cwd : "", optarg) < 0)
                abort ();
            }
          o.pid_file = pid_file;
          break;
        case 'l':
          o.process_label = optarg;
          break;
        case 'a':
          o.apparmor = optarg;
          break;
        case 'n':
          o.no_new_privs = true;
          break;
        case 'c':
          push (&caps, &n_caps, optarg);
          break;
        case 'f':
          if (parse_preserve_fds (optarg, &o.preserve_fds) < 0)
            return 1;
          break;
        case 'I':
          o.ignore_paused = true;
          break;
        default:
          return bad_flag ("exec", argv);
        }
    }
  if (need_id (argc, argv, "exec", &id))
    return 1;
  for (; optind < argc; optind++)
    push (&args, &n_args, argv[optind]);
  if (o.process_file == NULL && n_args == 0)
    return usage_error ("exec: %s", "give a command (CMD ARGS...) or --process FILE");
  o.args = args;
  o.env = env;
  o.caps = caps;
  ret = zone_exec (&runtime, id, &o, &code, &err);
  /* As runc: 255 when the runtime failed, so that it is not taken for the process's status. */
  if (ret < 0)
    {
      fail (&err);
      return 255;
    }
  return code;
}

/* runc prints `ps -ef` (or the ps arguments given after the id) filtered to the zone's pids. */
static int
ps_table (pid_t *pids, size_t n, char **ps_args)
{
  cleanup_free char *line = NULL;
  size_t cap = 0;
  int pid_col = -1, status;
  bool header = true;
  FILE *f;
  struct strbuf cmd = { 0 };

  strbuf_append (&cmd, "ps");
  for (size_t i = 0; ps_args && ps_args[i]; i++)
    {
      strbuf_append (&cmd, " '");
      for (const char *p = ps_args[i]; *p; p++)
        strbuf_append (&cmd, *p == '\'' ? "'\\''" : (char[]){ *p, 0 });
      strbuf_append (&cmd, "'");
    }
  if (ps_args == NULL || ps_args[0] == NULL)
    strbuf_append (&cmd, " -ef");
  f = popen (cmd.buf, "re");
  free (cmd.buf);
  if (f == NULL)
    return usage_error ("ps: cannot run %s", "ps");
  while (getline (&line, &cap, f) > 0)
    {
      if (header)
        {
          /* The column titled PID. */
          char *save = NULL, *copy = xstrdup (line);
          int col = 0;
          for (char *t = strtok_r (copy, " \t\n", &save); t; t = strtok_r (NULL, " \t\n", &save), col++)
            if (strcmp (t, "PID") == 0)
              pid_col = col;
          free (copy);
          fputs (line, stdout);
          header = false;
          if (pid_col < 0)
            {
              pclose (f);
              return usage_error ("ps: %s", "the ps output has no PID column");
            }
          continue;
        }
      {
        char *save = NULL, *copy = xstrdup (line), *t = strtok_r (copy, " \t\n", &save);
        for (int col = 0; t && col < pid_col; col++)
          t = strtok_r (NULL, " \t\n", &save);
        if (t)
          for (size_t i = 0; i < n; i++)
            if (atol (t) == (long) pids[i])
              {
                fputs (line, stdout);
                break;
              }
        free (copy);
      }
    }
  status = pclose (f);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : 1;
}

int
cmd_ps (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  cleanup_free pid_t *pids = NULL;
  const char *id = NULL;
  bool json = false;
  size_t n = 0;
  zerr *err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "+f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return bad_flag ("ps", argv);
      if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
        return usage_error ("ps: unknown format `%s` (table or json)", optarg);
      json = optarg[0] == 'j';
    }
  if (need_id (argc, argv, "ps", &id))
    return 1;
  /* runc's form: `ps ID -- PS ARGS`; the `--` is ours, not ps's. */
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  if (json && optind < argc)
    return usage_error ("ps: %s", "ps arguments cannot be used with --format json");
  if (zone_ps (&runtime, id, &pids, &n, &err) < 0)
    return fail (&err);
  if (!json)
    return ps_table (pids, n, argv + optind);
  fputs ("[", stdout);
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int) pids[i]);
  fputs ("]\n", stdout);
  return 0;
}
