/* linux.resources of the runtime-spec, parsed and validated before anything is made.  Each
   field remembers whether it was given: only given fields are written to the cgroup. */
#ifndef ZONE_CGROUPS_RESOURCES_H
#define ZONE_CGROUPS_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../util/error.h"

struct opt_i64
{
  bool set;
  int64_t v;
};

struct zone_device_rule
{
  bool allow;
  char type;            /* 'a', 'c' or 'b' */
  int64_t major, minor; /* -1: any */
  char access[4];       /* a subset of "rwm" */
};

struct zone_weight_device
{
  int64_t major, minor;
  struct opt_i64 weight, leaf_weight;
};

struct zone_throttle_device
{
  int64_t major, minor;
  uint64_t rate;
};

enum zone_throttle_kind
{
  THROTTLE_READ_BPS,
  THROTTLE_WRITE_BPS,
  THROTTLE_READ_IOPS,
  THROTTLE_WRITE_IOPS,
  THROTTLE_KINDS
};

struct zone_named_value
{
  char *name, *value;
};

struct zone_resources
{
  /* cpu */
  struct opt_i64 cpu_shares, cpu_quota, cpu_period, cpu_burst, cpu_rt_runtime, cpu_rt_period, cpu_idle;
  char *cpus, *mems;
  /* memory: -1 is "no limit" */
  struct opt_i64 mem_limit, mem_reservation, mem_swap, mem_swappiness;
  bool disable_oom_killer, check_before_update;
  /* pids */
  struct opt_i64 pids_limit;
  /* blockIO */
  struct opt_i64 blkio_weight, blkio_leaf_weight;
  struct zone_weight_device *weight_devices;
  size_t n_weight_devices;
  struct zone_throttle_device *throttle[THROTTLE_KINDS];
  size_t n_throttle[THROTTLE_KINDS];
  /* hugepageLimits: name is the page size ("2MB"), value the limit */
  struct zone_named_value *hugepages;
  size_t n_hugepages;
  /* devices, in order */
  struct zone_device_rule *devices;
  size_t n_devices;
  /* network (v1 only) */
  struct opt_i64 net_class_id;
  struct zone_named_value *net_priorities; /* value: the priority as text */
  size_t n_net_priorities;
  /* rdma: name is the device, value "hca_handle=N hca_object=M" */
  struct zone_named_value *rdma;
  size_t n_rdma;
  /* unified: raw cgroup v2 files */
  struct zone_named_value *unified;
  size_t n_unified;
};

/* node is linux.resources (NULL: no resources); `file` and `path` prefix errors,
   e.g. "config.json" and "linux.resources". */
int zone_resources_parse (const char *file, const char *path, yajl_val node, struct zone_resources **out,
                          zerr **err);
void zone_resources_free (struct zone_resources *r);

static inline void
cleanup_resourcesp (struct zone_resources **r)
{
  zone_resources_free (*r);
}
#define cleanup_resources __attribute__ ((cleanup (cleanup_resourcesp)))

#endif
