/* zone pause, resume, update and events (runc's flags, parsed here), and zone governor. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../util/units.h"
#include "../runtime/governor.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The update flags, each to its place in linux.resources. */
static const struct
{
  const char *flag, *section, *key;
  bool size, string;
} update_flags[] = {
  { "blkio-weight", "blockIO", "weight", false, false },
  { "cpu-period", "cpu", "period", false, false },
  { "cpu-quota", "cpu", "quota", false, false },
  { "cpu-burst", "cpu", "burst", false, false },
  { "cpu-share", "cpu", "shares", false, false },
  { "cpu-rt-period", "cpu", "realtimePeriod", false, false },
  { "cpu-rt-runtime", "cpu", "realtimeRuntime", false, false },
  { "cpu-idle", "cpu", "idle", false, false },
  { "cpuset-cpus", "cpu", "cpus", false, true },
  { "cpuset-mems", "cpu", "mems", false, true },
  { "memory", "memory", "limit", true, false },
  { "memory-reservation", "memory", "reservation", true, false },
  { "memory-swap", "memory", "swap", true, false },
  { "pids-limit", "pids", "limit", false, false },
};
#define N_UPDATE_FLAGS (sizeof update_flags / sizeof update_flags[0])

int
cmd_update (int argc, char **argv)
{
  struct option opts[N_UPDATE_FLAGS + 6];
  const char *values[N_UPDATE_FLAGS] = { NULL };
  const char *resources_file = NULL, *id = NULL;
  cleanup_free char *json = NULL;
  zerr *err = NULL;
  int c, idx;

  for (size_t i = 0; i < N_UPDATE_FLAGS; i++)
    opts[i] = (struct option){ update_flags[i].flag, required_argument, NULL, 1000 + (int) i };
  opts[N_UPDATE_FLAGS] = (struct option){ "resources", required_argument, NULL, 'r' };
  opts[N_UPDATE_FLAGS + 1] = (struct option){ "kernel-memory", required_argument, NULL, 'K' };
  opts[N_UPDATE_FLAGS + 2] = (struct option){ "kernel-memory-tcp", required_argument, NULL, 'K' };
  opts[N_UPDATE_FLAGS + 3] = (struct option){ "l3-cache-schema", required_argument, NULL, 'L' };
  opts[N_UPDATE_FLAGS + 4] = (struct option){ "mem-bw-schema", required_argument, NULL, 'L' };
  opts[N_UPDATE_FLAGS + 5] = (struct option){ NULL, 0, NULL, 0 };
  while ((c = getopt_long (argc, argv, "r:", opts, &idx)) != -1)
    {
      if (c >= 1000)
        values[c - 1000] = optarg;
      else if (c == 'r')
        resources_file = optarg;
      else if (c == 'K')
        ; /* kernel memory limits are gone from the kernel; runc ignores them too */
      else if (c == 'L')
        return usage_error ("update: %s: Intel RDT is not supported", "--l3-cache-schema/--mem-bw-schema");
      else
        return bad_flag ("update", argv);
    }
  if (need_id (argc, argv, "update", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);

  if (resources_file)
    {
      const char *path = strcmp (resources_file, "-") == 0 ? "/dev/stdin" : resources_file;
      if (read_file_at (AT_FDCWD, path, &json, NULL, &err) < 0)
        return fail (&err);
    }
  else
    {
      static const char *const sections[] = { "cpu", "memory", "pids", "blockIO" };
      struct strbuf sb = { 0 };
      bool any = false;
      strbuf_append (&sb, "{");
      for (size_t s = 0; s < 4; s++)
        {
          bool open = false;
          for (size_t i = 0; i < N_UPDATE_FLAGS; i++)
            {
              long long v;
              if (values[i] == NULL || strcmp (update_flags[i].section, sections[s]) != 0)
                continue;
              strbuf_appendf (&sb, "%s%s", open ? "," : any ? ",\"" : "\"", open ? "" : sections[s]);
              if (!open)
                strbuf_append (&sb, "\":{");
              open = any = true;
              strbuf_appendf (&sb, "\"%s\":", update_flags[i].key);
              if (update_flags[i].string)
                strbuf_append_json_string (&sb, values[i]);
              else if (update_flags[i].size ? parse_size (values[i], &v) : parse_int (values[i], &v))
                strbuf_appendf (&sb, "%lld", v);
              else
                {
                  free (sb.buf);
                  return usage_error (update_flags[i].size ? "update: `%s` is not a size (bytes, or with k, m, g)"
                                                           : "update: `%s` is not a number",
                                      values[i]);
                }
            }
          if (open)
            strbuf_append (&sb, "}");
        }
      strbuf_append (&sb, "}");
      json = sb.buf;
      if (!any)
        return usage_error ("update: %s", "nothing to update (give a flag such as --memory, or -r FILE)");
    }
  return zone_update (&runtime, id, json, &err) < 0 ? fail (&err) : 0;
}

/* A Go duration as runc takes it: 5s, 100ms, 1m, 1.5s. */
static bool
parse_duration_ms (const char *s, int *ms)
{
  char *end;
  double v;
  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s || v <= 0)
    return false;
  if (strcmp (end, "ms") == 0)
    ;
  else if (strcmp (end, "s") == 0)
    v *= 1000;
  else if (strcmp (end, "m") == 0)
    v *= 60000;
  else if (strcmp (end, "h") == 0)
    v *= 3600000;
  else
    return false;
  if (v < 1 || v > 86400000)
    return false;
  *ms = (int) v;
  return true;
}

int
cmd_events (int argc, char **argv)
{
  static const struct option opts[] = {
    { "stats", no_argument, NULL, 's' },
    { "interval", required_argument, NULL, 'i' },
    { NULL, 0, NULL, 0 },
  };
  const char *id = NULL;
  bool stats = false;
  int interval = 5000, c;
  zerr *err = NULL;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    {
      if (c == 's')
        stats = true;
      else if (c == 'i')
        {
          if (!parse_duration_ms (optarg, &interval))
            return usage_error ("events: --interval `%s` is not a duration such as 5s or 100ms", optarg);
        }
      else
        return bad_flag ("events", argv);
    }
  if (need_id (argc, argv, "events", &id))
    return 1;
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  return zone_events (&runtime, id, stats, interval, &err) < 0 ? fail (&err) : 0;
}

int
cmd_governor (int argc, char **argv)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, 'r' },
    { "interval", required_argument, NULL, 'i' },
    { "once", no_argument, NULL, 'o' },
    { "json", no_argument, NULL, 'j' },
    { NULL, 0, NULL, 0 },
  };
  struct governor_opts o = { .interval_ms = 100 };
  int interval = 100, c;
  zerr *err = NULL;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    {
      if (c == 'r')
        runtime.root = optarg;
      else if (c == 'i')
        {
          if (!parse_duration_ms (optarg, &interval) || interval < 10)
            return usage_error ("governor: --interval `%s` is not a duration of 10ms or more, such as 100ms", optarg);
          o.interval_ms = interval;
        }
      else if (c == 'o')
        o.once = true;
      else if (c == 'j')
        o.json = true;
      else
        return bad_flag ("governor", argv);
    }
  if (optind < argc)
    return usage_error ("unexpected argument `%s`", argv[optind]);
  if (o.json && !o.once)
    return usage_error ("governor: %s", "--json goes with --once (a running governor reports in ROOT/@governor)");
  return zone_governor (&runtime, &o, &err) < 0 ? fail (&err) : 0;
}
