/* What `events` reports: the zone's usage counters, as runc prints them, and its OOM kills. */
#ifndef ZONE_CGROUPS_STATS_H
#define ZONE_CGROUPS_STATS_H

#include <stdint.h>

#include "../util/error.h"
#include "../util/strbuf.h"

/* Append runc's stats object ({"cpu":..., "memory":..., "pids":..., "blkio":..., "hugetlb":...}). */
void cgroup_stats_json (char **paths, struct strbuf *sb);
/* The cpu time the zone has used, in nanoseconds. */
uint64_t cgroup_cpu_usage_ns (char **paths);
/* An fd that becomes readable when the zone's OOM count may have changed (v1: an eventfd
   registered for memory.oom_control; v2: inotify on memory.events), or -1. */
int cgroup_oom_watch (char **paths, zerr **err);
/* How many times the OOM killer has killed in the zone. */
uint64_t cgroup_oom_kills (char **paths);

#endif
