/* The OCI runtime config (config.json), parsed and validated. */
#ifndef ZONE_SPEC_CONFIG_H
#define ZONE_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../util/error.h"

#define ZONE_OCI_VERSION "1.2.0"

struct zone_kv
{
  char *key, *value;
};

struct zone_mount
{
  char *destination, *type, *source;
  char **options;
};

struct zone_namespace
{
  int flag; /* CLONE_NEW* */
  char *path;
};

struct zone_idmap
{
  uint32_t container_id, host_id, size;
};

struct zone_device
{
  char *path;
  char type; /* c, u, b, p */
  int64_t major, minor;
  bool has_mode, has_uid, has_gid;
  uint32_t mode, uid, gid;
};

struct zone_rlimit
{
  int resource;
  const char *name;
  uint64_t soft, hard;
};

struct zone_caps
{
  bool present;
  char **bounding, **effective, **permitted, **inheritable, **ambient;
};

struct zone_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height, console_width;
  uint32_t uid, gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char **args, **env;
  char *cwd;
  struct zone_caps caps;
  struct zone_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile, *selinux_label;
  bool has_io_priority;
  int io_class, io_priority; /* IOPRIO_CLASS_* number, 0..7 */
  bool has_scheduler;
  struct zone_scheduler
  {
    int policy; /* SCHED_* number */
    int32_t nice;
    uint32_t priority;
    uint64_t flags; /* SCHED_FLAG_* bits */
    uint64_t runtime, deadline, period;
  } scheduler;
};

struct zone_hook
{
  char *path;
  char **args, **env;
  int timeout; /* seconds, 0 = none */
};

enum zone_hook_kind
{
  ZONE_HOOK_PRESTART,
  ZONE_HOOK_CREATE_RUNTIME,
  ZONE_HOOK_CREATE_CONTAINER,
  ZONE_HOOK_START_CONTAINER,
  ZONE_HOOK_POSTSTART,
  ZONE_HOOK_POSTSTOP,
  ZONE_HOOK_KINDS
};

struct zone_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct zone_config
{
  char *oci_version;
  char *root_path;
  bool root_readonly;
  char *hostname, *domainname;
  struct zone_mount *mounts;
  size_t n_mounts;
  struct zone_process *process;
  struct zone_kv *annotations;
  size_t n_annotations;
  struct zone_hook *hooks[ZONE_HOOK_KINDS];
  size_t n_hooks[ZONE_HOOK_KINDS];

  /* linux */
  struct zone_namespace *namespaces;
  size_t n_namespaces;
  struct zone_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct zone_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct zone_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths, **readonly_paths;
  unsigned long rootfs_propagation; /* MS_* flags, 0 = default */
  char *mount_label;
  struct zone_time_offset time_monotonic, time_boottime;
  yajl_val resources; /* borrowed from tree: parsed by cgroups/ */
  yajl_val seccomp;   /* borrowed from tree */
  bool has_personality;
  unsigned long personality; /* PER_LINUX or PER_LINUX32 */
  bool has_intel_rdt;

  yajl_val tree;
};

/* Parse config text; `file` names it in error messages (e.g. "config.json"). */
int zone_config_parse (const char *file, const char *text, struct zone_config **out, zerr **err);
int zone_config_load (const char *path, struct zone_config **out, zerr **err);
/* A process object on its own (exec --process FILE); errors name process.FIELD. */
int zone_process_parse (const char *file, const char *text, struct zone_process **out, zerr **err);
void zone_process_free (struct zone_process *p);
void zone_config_free (struct zone_config *c);
static inline void
cleanup_configp (struct zone_config **c)
{
  zone_config_free (*c);
}
#define cleanup_config __attribute__ ((cleanup (cleanup_configp)))

/* Lookups used by the runtime. */
const struct zone_namespace *zone_config_namespace (const struct zone_config *c, int flag);
const char *zone_config_annotation (const struct zone_config *c, const char *key);

/* Namespace names <-> CLONE_NEW* flags. */
int zone_namespace_flag (const char *name);
const char *zone_namespace_name (int flag);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -1. */
int zone_rlimit_resource (const char *name, const char **canonical);

#endif
