/* The runtime's public face: what cmd/ calls.  Every function returns 0 or a negative errno and
   fills err with one line for the user. */
#ifndef ZONE_RUNTIME_RUNTIME_H
#define ZONE_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../spec/state.h"
#include "../util/error.h"

#define ZONE_DEFAULT_ROOT "/run/zone"
#define ZONE_DEFAULT_STATE_DIR "/var/lib/zone"

enum zone_cgroup_manager
{
  ZONE_CGROUP_CGROUPFS, /* the default: the files under /sys/fs/cgroup */
  ZONE_CGROUP_SYSTEMD,
  ZONE_CGROUP_DISABLED, /* no cgroup at all */
};

struct zone_runtime
{
  const char *root; /* state store, default /run/zone */
  enum zone_cgroup_manager cgroup_manager;
  bool debug;
  const char *state_dir; /* --state-dir: templates and defined zones; NULL: ZONE_DEFAULT_STATE_DIR */
  const char *criu; /* --criu: the criu binary; NULL: found (runtime/checkpoint.c) */
  /* Where --debug lines go (level "debug"); NULL: nowhere. */
  void (*log) (const char *level, const char *msg);
  /* Re-exec the command from its start out of a sealed copy of the runtime's binary (nothing
     has been changed yet when it is called); returns only on failure.  NULL: not possible. */
  int (*reexec_sealed) (zerr **err);
  /* The static build: re-exec the command from its start in zone-full (runtime/full.h);
     returns only on failure.  NULL: this is zone-full (or all of zone is here). */
  int (*reexec_full) (zerr **err);
};

/* One --debug line, when rt->debug is set. */
void zone_debug (const struct zone_runtime *rt, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

struct zone_restore_opts;

/* What zone_run returns when the running zone was left to systemd (zone_create_opts.hand_off). */
#define ZONE_HANDED_OFF 1

struct zone_create_opts
{
  const char *bundle; /* default: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot, no_new_keyring;
  int preserve_fds;
  int listen_fds; /* from LISTEN_FDS: systemd socket activation passed through */
  /* run only */
  bool detach, keep;
  /* sd_notify passed through: the zone gets NOTIFY_SOCKET, a socket in its state directory
     (runtime/notify.h) that whoever waits on the zone listens on */
  bool notify;
  /* run in the foreground: zone itself says READY=1 to systemd once the process runs */
  bool notify_started;
  /* A unit's main process: once the zone is ready, systemd is told MAINPID=<the init> and zone
     returns ZONE_HANDED_OFF, leaving the running zone to systemd (which adopts the init when
     zone exits, and so sees its exit status). */
  bool hand_off;
  /* In place of the config's linux.cgroupsPath (a zone run by a systemd unit: inside the unit) */
  const char *cgroups_path;
  /* restore: the zone's processes come from CRIU's images instead of a new init */
  const struct zone_restore_opts *restore;
};

int zone_create (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o, zerr **err);
int zone_start (const struct zone_runtime *rt, const char *id, zerr **err);
/* create + start; in the foreground, wait and set *exit_code (128+signal when killed). */
int zone_run (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o, int *exit_code,
              zerr **err);
int zone_kill (const struct zone_runtime *rt, const char *id, int sig, bool all, zerr **err);
int zone_delete (const struct zone_runtime *rt, const char *id, bool force, zerr **err);
/* SIGTERM, wait up to timeout seconds, then SIGKILL; the zone ends stopped (not deleted). */
int zone_stop (const struct zone_runtime *rt, const char *id, int timeout, zerr **err);
/* The zone's state with its status as it is now. */
/* Templates and the zones defined from them (runtime/persist.c, docs/templates.md). */
int zone_template_add (const struct zone_runtime *rt, const char *name, const char *source, zerr **err);
int zone_template_list (const struct zone_runtime *rt, char ***names, size_t *n, zerr **err);
int zone_template_remove (const struct zone_runtime *rt, const char *name, zerr **err);
int zone_create_from_template (const struct zone_runtime *rt, const char *id, const char *tmpl, const char *config_text,
                               const struct zone_create_opts *o, zerr **err);
/* Whether id is a zone defined from a template under this runtime root. */
bool zone_is_defined (const struct zone_runtime *rt, const char *id);
/* start, for a defined zone also when it stopped: made again from its definition. */
int zone_boot (const struct zone_runtime *rt, const char *id, zerr **err);
/* stop, for a defined zone: its processes end, then what it holds while it runs (runtime state,
   cgroup, network, rootfs mount) goes, as at a reboot; the definition and files stay. */
int zone_halt (const struct zone_runtime *rt, const char *id, int timeout, zerr **err);
/* start --foreground, for a defined zone (what zone@.service runs): made anew, started, waited
   for (signals forwarded), halted when its process ends; exit_code is the process's.  Under
   systemd its readiness goes to NOTIFY_SOCKET (notify: "container" or "started", NULL: the
   definition's org.zone.notify), and with --systemd-cgroup it runs in the unit's own cgroup. */
int zone_serve (const struct zone_runtime *rt, const char *id, const char *notify, int *exit_code, zerr **err);
/* A defined zone that does not run, as one archive (its definition and its own files; FILE's
   suffix picks the compression), and back on a host that has its template: *id is the zone
   (new_id, else the id it had; under a new id it leaves the pinned address behind). */
int zone_export (const struct zone_runtime *rt, const char *id, const char *file, zerr **err);
int zone_import (const struct zone_runtime *rt, const char *file, const char *new_id, char **id, zerr **err);
/* Remove a defined zone's definition, rootfs mount and (unless keep_data) its files. */
int zone_undefine (const struct zone_runtime *rt, const char *id, bool keep_data, zerr **err);
struct oci_image_defaults;
/* What template NAME's image runs by default (its command, environment, working directory);
   all NULL for a template that did not come from an OCI image. */
int zone_template_defaults (const struct zone_runtime *rt, const char *name, struct oci_image_defaults *d, zerr **err);
/* Append the defined zones that have no runtime state, as stopped, to what zone_list gave. */
int zone_list_defined (const struct zone_runtime *rt, struct zone_state ***states, size_t *n, zerr **err);

/* Whether id has a directory in the runtime root (a state, readable or not). */
bool zone_exists (const struct zone_runtime *rt, const char *id);
int zone_get_state (const struct zone_runtime *rt, const char *id, struct zone_state **out, zerr **err);
/* Every zone's state, sorted by id; zones that cannot be read are left out. */
int zone_list (const struct zone_runtime *rt, struct zone_state ***out, size_t *n, zerr **err);
struct zone_exec_opts
{
  const char *process_file; /* --process: an OCI process object; else args */
  char **args;
  const char *console_socket, *pid_file, *cwd, *apparmor, *process_label;
  char **env;  /* --env K=V, in order */
  char **caps; /* --cap */
  bool has_user;
  uint32_t uid, gid;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  bool tty, detach, no_new_privs;
  bool ignore_paused; /* exec into a paused zone (the process starts frozen, as with runc) */
  int preserve_fds;
};

/* Run a process in the zone; in the foreground, *exit_code is its exit status. */
int zone_exec (const struct zone_runtime *rt, const char *id, const struct zone_exec_opts *o, int *exit_code,
               zerr **err);

/* Freeze every process of a running zone (status paused), and thaw it again. */
int zone_pause (const struct zone_runtime *rt, const char *id, zerr **err);
int zone_resume (const struct zone_runtime *rt, const char *id, zerr **err);

/* New limits for a created, running or paused zone: resources_json is a linux.resources
   object (from --resources or built from runc's update flags). */
int zone_update (const struct zone_runtime *rt, const char *id, const char *resources_json, zerr **err);

/* The runc `events` stream on stdout: with stats_once, one stats event; else a stats event every
   interval_ms and an oom event whenever the zone hits its memory limit, until the zone stops. */
int zone_events (const struct zone_runtime *rt, const char *id, bool stats_once, int interval_ms, zerr **err);

/* The host pids of every process in the zone's cgroup, sorted. */
int zone_ps (const struct zone_runtime *rt, const char *id, pid_t **pids, size_t *n, zerr **err);

/* The runtime-spec features document: what this build does on this host. */
char *zone_features_json (void);

#endif
