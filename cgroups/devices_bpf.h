/* cgroup v2 has no devices files: the device rules become an eBPF program of type
   BPF_PROG_TYPE_CGROUP_DEVICE attached to the zone's cgroup. */
#ifndef ZONE_CGROUPS_DEVICES_BPF_H
#define ZONE_CGROUPS_DEVICES_BPF_H

#include <linux/bpf.h>
#include <stddef.h>

#include "resources.h"

/* The program for rules with the default devices put in (the last matching rule decides;
   nothing matching is denied).  *out is malloc'd. */
void devices_bpf_program (const struct zone_device_rule *rules, size_t n, struct bpf_insn **out, size_t *len);
/* Build, load and attach the program to the cgroup2 directory dir. */
int devices_bpf_attach (const char *dir, const struct zone_device_rule *rules, size_t n, zerr **err);

#endif
