#define _GNU_SOURCE
#include "stats.h"
#include "cgroup.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The text of dir/name, or NULL. */
static char *
read_in (const char *dir, const char *name)
{
  char *text = NULL, path[4096];
  if (dir == NULL)
    return NULL;
  snprintf (path, sizeof path, "%s/%s", dir, name);
  if (read_file_at (AT_FDCWD, path, &text, NULL, NULL) < 0)
    return NULL;
  return text;
}

/* A number file ("max" reads as UINT64_MAX, as runc reports no limit). */
static uint64_t
read_u64 (const char *dir, const char *name)
{
  cleanup_free char *t = read_in (dir, name);
  if (t == NULL)
    return 0;
  if (strncmp (t, "max", 3) == 0)
    return UINT64_MAX;
  return strtoull (t, NULL, 10);
}

/* The value of "key N" in a flat keyed file (cpu.stat, memory.stat, memory.events). */
static uint64_t
keyed (const char *text, const char *key)
{
  size_t klen = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, klen) == 0 && p[klen] == ' ')
      return strtoull (p + klen + 1, NULL, 10);
  return 0;
}

static const char *
v2_dir (char **paths)
{
  return cgroup_host_mode () == CGROUP_MODE_UNIFIED ? cgroup_dir_for (paths, "", 2) : NULL;
}

uint64_t
cgroup_cpu_usage_ns (char **paths)
{
  const char *v1 = cgroup_dir_for (paths, "cpuacct", 1);
  const char *v2 = v2_dir (paths);
  if (v1)
    return read_u64 (v1, "cpuacct.usage");
  if (v2)
    {
      cleanup_free char *t = read_in (v2, "cpu.stat");
      return t ? keyed (t, "usage_usec") * 1000 : 0;
    }
  return 0;
}

static void
append_raw (struct strbuf *sb, const char *text)
{
  bool first = true;
  strbuf_append (sb, "\"raw\":{");
  for (const char *p = text; p && *p;)
    {
      const char *sp = strchr (p, ' '), *nl = strchr (p, '\n');
      if (sp == NULL || (nl && nl < sp))
        break;
      strbuf_appendf (sb, "%s\"%.*s\":%" PRIu64, first ? "" : ",", (int) (sp - p), p, (uint64_t) strtoull (sp + 1, NULL, 10));
      first = false;
      p = nl ? nl + 1 : NULL;
    }
  strbuf_append (sb, "}");
}

static void
cpu_stats (char **paths, struct strbuf *sb)
{
  const char *acct = cgroup_dir_for (paths, "cpuacct", 1), *cpu = cgroup_dir_for (paths, "cpu", 1);
  const char *v2 = v2_dir (paths);
  cleanup_free char *stat = read_in (v2 ? v2 : cpu, "cpu.stat");
  uint64_t total = cgroup_cpu_usage_ns (paths), user = 0, kernel = 0, periods = 0, throttled = 0, ttime = 0;

  if (v2 && stat)
    {
      user = keyed (stat, "user_usec") * 1000;
      kernel = keyed (stat, "system_usec") * 1000;
      throttled = keyed (stat, "nr_throttled");
      ttime = keyed (stat, "throttled_usec") * 1000;
    }
  else if (acct)
    {
      /* cpuacct.stat counts USER_HZ ticks. */
      cleanup_free char *ticks = read_in (acct, "cpuacct.stat");
      long hz = sysconf (_SC_CLK_TCK);
      if (ticks && hz > 0)
        {
          user = keyed (ticks, "user") * (1000000000ull / (uint64_t) hz);
          kernel = keyed (ticks, "system") * (1000000000ull / (uint64_t) hz);
        }
      if (stat)
        {
          throttled = keyed (stat, "nr_throttled");
          ttime = keyed (stat, "throttled_time");
        }
    }
  if (stat)
    periods = keyed (stat, "nr_periods");
  strbuf_appendf (sb, "\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"percpu\":[", total);
  {
    cleanup_free char *percpu = acct ? read_in (acct, "cpuacct.usage_percpu") : NULL;
    char *save = NULL;
    bool first = true;
    for (char *t = percpu ? strtok_r (percpu, " \n", &save) : NULL; t; t = strtok_r (NULL, " \n", &save))
      {
        strbuf_appendf (sb, "%s%s", first ? "" : ",", t);
        first = false;
      }
  }
  strbuf_appendf (sb,
                  "],\"kernel\":%" PRIu64 ",\"user\":%" PRIu64 "},\"throttling\":{\"periods\":%" PRIu64
                  ",\"throttledPeriods\":%" PRIu64 ",\"throttledTime\":%" PRIu64 "}}",
                  kernel, user, periods, throttled, ttime);
}

static void
memory_stats (char **paths, struct strbuf *sb)
{
  const char *v1 = cgroup_dir_for (paths, "memory", 1), *v2 = v2_dir (paths);
  cleanup_free char *stat = read_in (v1 ? v1 : v2, "memory.stat");
  uint64_t usage, max, limit, failcnt, swap_usage, swap_limit;

  if (v1)
    {
      usage = read_u64 (v1, "memory.usage_in_bytes");
      max = read_u64 (v1, "memory.max_usage_in_bytes");
      limit = read_u64 (v1, "memory.limit_in_bytes");
      failcnt = read_u64 (v1, "memory.failcnt");
      swap_usage = read_u64 (v1, "memory.memsw.usage_in_bytes");
      swap_limit = read_u64 (v1, "memory.memsw.limit_in_bytes");
    }
  else
    {
      cleanup_free char *events = read_in (v2, "memory.events");
      usage = read_u64 (v2, "memory.current");
      max = read_u64 (v2, "memory.peak");
      limit = read_u64 (v2, "memory.max");
      failcnt = events ? keyed (events, "max") : 0;
      /* runc reports v2 swap as memory + swap, as v1's memsw. */
      swap_usage = read_u64 (v2, "memory.swap.current") + usage;
      swap_limit = read_u64 (v2, "memory.swap.max");
    }
  strbuf_appendf (sb,
                  "\"memory\":{\"usage\":{\"limit\":%" PRIu64 ",\"usage\":%" PRIu64 ",\"max\":%" PRIu64
                  ",\"failcnt\":%" PRIu64 "},\"swap\":{\"limit\":%" PRIu64 ",\"usage\":%" PRIu64 "},",
                  limit, usage, max, failcnt, swap_limit, swap_usage);
  append_raw (sb, stat);
  strbuf_append (sb, "}");
}

void
cgroup_stats_json (char **paths, struct strbuf *sb)
{
  const char *pids = cgroup_dir_for (paths, "pids", 1);
  if (pids == NULL)
    pids = v2_dir (paths);
  strbuf_append (sb, "{");
  cpu_stats (paths, sb);
  strbuf_append (sb, ",");
  memory_stats (paths, sb);
  {
    uint64_t limit = read_u64 (pids, "pids.max");
    strbuf_appendf (sb, ",\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "}", read_u64 (pids, "pids.current"),
                    limit == UINT64_MAX ? 0 : limit);
  }
  strbuf_append (sb, ",\"blkio\":{},\"hugetlb\":{}}");
}

uint64_t
cgroup_oom_kills (char **paths)
{
  const char *v1 = cgroup_dir_for (paths, "memory", 1), *v2 = v2_dir (paths);
  cleanup_free char *text = read_in (v1 ? v1 : v2, v1 ? "memory.oom_control" : "memory.events");
  return text ? keyed (text, "oom_kill") : 0;
}

int
cgroup_oom_watch (char **paths, zerr **err)
{
  const char *v1 = cgroup_dir_for (paths, "memory", 1), *v2 = v2_dir (paths);
  char path[4096], buf[64];

  if (v1)
    {
      cleanup_close int efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK), ofd = -1;
      snprintf (path, sizeof path, "%s/memory.oom_control", v1);
      ofd = open (path, O_RDONLY | O_CLOEXEC);
      if (efd < 0 || ofd < 0)
        return zerr_sys (err, "watch for OOM: open memory.oom_control");
      snprintf (path, sizeof path, "%s/cgroup.event_control", v1);
      snprintf (buf, sizeof buf, "%d %d", efd, ofd);
      if (write_file_at (AT_FDCWD, path, buf, strlen (buf), 0644, err) < 0)
        return zerr_wrap (err, "watch for OOM");
      /* The registration holds ofd's file: ours may go. */
      return steal_fd (&efd);
    }
  if (v2)
    {
      cleanup_close int ifd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
      snprintf (path, sizeof path, "%s/memory.events", v2);
      if (ifd < 0 || inotify_add_watch (ifd, path, IN_MODIFY) < 0)
        return zerr_sys (err, "watch for OOM: inotify on memory.events");
      return steal_fd (&ifd);
    }
  return -1;
}
