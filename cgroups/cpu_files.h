/* The cgroup files of a zone that the CPU governor reads and writes every tick, kept open: one
   pread for the usage, one pwrite for a new quota. */
#ifndef ZONE_CGROUPS_CPU_FILES_H
#define ZONE_CGROUPS_CPU_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/error.h"

struct cpu_files
{
  int usage_fd;  /* v2 cpu.stat (usage_usec), v1 cpuacct.usage (ns) */
  int quota_fd;  /* v2 cpu.max, v1 cpu.cfs_quota_us */
  int weight_fd; /* v2 cpu.weight, v1 cpu.shares */
  bool v2;
  long period_us; /* the zone's cfs period */
};

#define CPU_FILES_INIT { .usage_fd = -1, .quota_fd = -1, .weight_fd = -1 }

/* The files of the zone whose directories (one per hierarchy) are paths. */
int cpu_files_open (char **paths, struct cpu_files *f, zerr **err);
void cpu_files_close (struct cpu_files *f);
/* The usage counter of the directory holding dir's usage (dir: any cgroup; for the parent of a
   group of zones). */
int cpu_usage_open (const char *dir, bool v2);
/* CPU time used so far by everything in the cgroup of fd, in ns. */
int cpu_usage_read (int fd, bool v2, uint64_t *ns);
/* The quota now in force, in cores (<= 0: none). */
int cpu_files_quota (const struct cpu_files *f, double *cores);
/* cores <= 0: no quota ("max"). */
int cpu_files_set_quota (const struct cpu_files *f, double cores);
int cpu_files_set_weight (const struct cpu_files *f, unsigned long weight);
/* The usage directory of paths (where cpu_files_open found the counter), for grouping. */
const char *cpu_usage_dir (char **paths);

#endif
