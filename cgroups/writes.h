/* linux.resources -> the cgroup files to write, for a host whose controllers may sit on cgroup
   v1 hierarchies, on the v2 hierarchy, or some on each (hybrid).  Pure logic: no file is
   touched here, so the unit tests check every translation for v1 and v2. */
#ifndef ZONE_CGROUPS_WRITES_H
#define ZONE_CGROUPS_WRITES_H

#include <stdint.h>

#include "resources.h"

struct cgroup_write
{
  const char *controller; /* "cpu", "memory", ... (v1: the hierarchy; v2: to enable in parents) */
  int version;            /* 1 or 2 */
  char *file, *value;
};

struct cgroup_writes
{
  struct cgroup_write *w;
  size_t n;
};

/* Which cgroup version hosts a controller: 1, 2, or 0 when the host lacks it. */
typedef int (*cgroup_version_fn) (const char *controller, void *data);

/* cpu_weight: zone's annotation org.zone.cpu.weight (1..10000), 0 when not given; it takes the
   place of cpu.shares.  Errors name the JSON path under `base` (e.g. linux.resources). */
int cgroup_resource_writes (const struct zone_resources *r, int64_t cpu_weight, cgroup_version_fn version,
                            void *data, const char *base, struct cgroup_writes *out, zerr **err);
void cgroup_writes_free (struct cgroup_writes *w);
#define cleanup_writes __attribute__ ((cleanup (cgroup_writes_free)))

/* The device nodes every zone may use. */
const struct zone_device_rule *cgroup_default_device_rules (size_t *n);
/* The config's rules with the defaults put in (after the last deny-all); malloc'd. */
struct zone_device_rule *cgroup_effective_device_rules (const struct zone_device_rule *rules, size_t n,
                                                        size_t *out_n);

/* The conversions runc and crun use between v1 and v2 values. */
uint64_t cgroup_shares_to_weight (uint64_t shares);
uint64_t cgroup_weight_to_shares (uint64_t weight);
uint64_t cgroup_blkio_to_io_weight (uint64_t blkio_weight);
/* OCI memory.swap counts memory + swap; v2's memory.swap.max counts swap alone.  -1 is "max". */
int cgroup_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out);

#endif
