/* update and events: changing a zone's limits while it runs, and watching its usage. */
#define _GNU_SOURCE
#include "runtime.h"
#include "internal.h"
#include "pid.h"
#include "../cgroups/cgroup.h"
#include "../cgroups/stats.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int
open_live (const struct zone_runtime *rt, const char *id, int *dirfd, struct zone_state **st, const char *what,
           zerr **err)
{
  int ret = state_open (rt, id, dirfd, st, err);
  if (ret < 0)
    return ret;
  if (strcmp ((*st)->status, "stopped") == 0)
    return zerr_set (err, EINVAL, "cannot %s container `%s`: it is stopped", what, id);
  if ((*st)->cgroup_paths == NULL)
    return zerr_set (err, ENOTSUP, "cannot %s container `%s`: it has no cgroup (--cgroup-manager disabled)", what,
                     id);
  return 0;
}

int
zone_update (const struct zone_runtime *rt, const char *id, const char *resources_json, zerr **err)
{
  cleanup_close int dirfd = -1;
  cleanup_state struct zone_state *st = NULL;
  cleanup_resources struct zone_resources *r = NULL;
  cleanup_writes struct cgroup_writes w = { 0 };
  char errbuf[256] = "";
  yajl_val tree;
  int ret;

  if ((ret = open_live (rt, id, &dirfd, &st, "update", err)) < 0)
    return ret;
  tree = yajl_tree_parse (resources_json, errbuf, sizeof errbuf);
  if (tree == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return zerr_set (err, EINVAL, "resources: not valid JSON: %s", errbuf);
    }
  ret = zone_resources_parse ("resources", "linux.resources", tree, &r, err);
  yajl_tree_free (tree);
  if (ret < 0)
    return ret;
  if (r && r->check_before_update && r->mem_limit.set && r->mem_limit.v > 0)
    {
      const char *mem = cgroup_dir_for (st->cgroup_paths, "memory", 1);
      cleanup_free char *usage = NULL;
      char path[4096];
      snprintf (path, sizeof path, "%s/%s", mem ? mem : cgroup_dir_for (st->cgroup_paths, "", 2),
                mem ? "memory.usage_in_bytes" : "memory.current");
      if (read_file_at (AT_FDCWD, path, &usage, NULL, NULL) == 0 && strtoll (usage, NULL, 10) > r->mem_limit.v)
        return zerr_set (err, EBUSY, "memory.checkBeforeUpdate: the zone uses %lld bytes, more than the new limit %lld",
                         strtoll (usage, NULL, 10), (long long) r->mem_limit.v);
    }
  if ((ret = cgroup_resource_writes (r, 0, cgroup_host_version_fn (), NULL, "linux.resources", &w, err)) < 0)
    return ret;
  return cgroup_apply (st->cgroup_paths, r, &w, err);
}

static void
print_event (const char *type, const char *id, char **paths)
{
  struct strbuf sb = { 0 };
  strbuf_appendf (&sb, "{\"type\":\"%s\",\"id\":", type);
  strbuf_append_json_string (&sb, id);
  if (paths)
    {
      strbuf_append (&sb, ",\"data\":");
      cgroup_stats_json (paths, &sb);
    }
  strbuf_append (&sb, "}\n");
  fputs (sb.buf, stdout);
  fflush (stdout);
  free (sb.buf);
}

int
zone_events (const struct zone_runtime *rt, const char *id, bool stats_once, int interval_ms, zerr **err)
{
  cleanup_close int dirfd = -1, pidfd = -1, oomfd = -1, timer = -1;
  cleanup_state struct zone_state *st = NULL;
  uint64_t ooms;
  bool v1_memory;
  int ret;

  if ((ret = open_live (rt, id, &dirfd, &st, "get events of", err)) < 0)
    return ret;
  if (stats_once)
    {
      print_event ("stats", id, st->cgroup_paths);
      return 0;
    }
  pidfd = pid_open_verified (st->pid, st->pid_start);
  if (pidfd < 0)
    return zerr_set (err, ESRCH, "cannot update `%s`: container not running", id);
  /* Others may use the zone while we watch. */
  close (dirfd);
  dirfd = -1;
  if ((oomfd = cgroup_oom_watch (st->cgroup_paths, err)) < 0 && *err)
    return oomfd;
  ooms = cgroup_oom_kills (st->cgroup_paths);
  v1_memory = cgroup_dir_for (st->cgroup_paths, "memory", 1) != NULL;
  timer = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (timer < 0)
    return zerr_sys (err, "timerfd");
  {
    struct itimerspec its = { .it_interval = { interval_ms / 1000, (interval_ms % 1000) * 1000000L } };
    its.it_value = its.it_interval;
    timerfd_settime (timer, 0, &its, NULL);
  }
  for (;;)
    {
      struct pollfd pfd[3] = {
        { .fd = pidfd, .events = POLLIN }, { .fd = timer, .events = POLLIN }, { .fd = oomfd, .events = POLLIN }
      };
      char buf[4096];
      if (poll (pfd, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return zerr_sys (err, "poll");
        }
      if (pfd[2].revents & POLLIN)
        {
          uint64_t now;
          bool fired = false;
          while (read (oomfd, buf, sizeof buf) > 0)
            fired = true;
          /* v1's eventfd fires for the OOM itself, before the kill is counted; v2's
             memory.events changes for many reasons, so there the kill count decides. */
          now = cgroup_oom_kills (st->cgroup_paths);
          if (v1_memory ? fired : now > ooms)
            print_event ("oom", id, NULL);
          ooms = now > ooms ? now : ooms + (v1_memory && fired);
        }
      if (pfd[0].revents & POLLIN)
        {
          /* A kill just before the end is reported before we go. */
          if (cgroup_oom_kills (st->cgroup_paths) > ooms)
            print_event ("oom", id, NULL);
          return 0;
        }
      if (pfd[1].revents & POLLIN)
        {
          uint64_t ticks;
          if (read (timer, &ticks, sizeof ticks) == sizeof ticks)
            print_event ("stats", id, st->cgroup_paths);
        }
    }
}
