/* Checkpoint and restore of a running zone with CRIU (the `criu` command: see checkpoint.c). */
#ifndef ZONE_RUNTIME_CHECKPOINT_H
#define ZONE_RUNTIME_CHECKPOINT_H

#include <stdbool.h>

#include "runtime.h"

/* The flags dump and restore share (runc's), as CRIU takes them. */
struct criu_flags
{
  const char *work_path;           /* CRIU's log and work files; default: the image path */
  const char *manage_cgroups_mode; /* default soft */
  bool tcp_established, ext_unix_sk, shell_job, file_locks, lazy_pages;
  bool tcp_close; /* connections are not kept: restored closed (clone) */
  bool empty_netns; /* --empty-ns network: the network namespace is made, not dumped or restored */
};

/* runc's checkpoint flags. */
struct zone_checkpoint_opts
{
  const char *image_path; /* default ./checkpoint */
  const char *parent_path, *page_server;
  struct criu_flags criu;
  bool leave_running, pre_dump, auto_dedup;
  bool keep_state; /* the processes go, the zone's state stays for the caller (migrate) */
  int status_fd;   /* -1: none */
};

/* runc's restore flags beyond those of create. */
struct zone_restore_opts
{
  const char *image_path;
  struct criu_flags criu;
  bool no_subreaper;
  bool clone; /* zone clone: a new address, and a cgroup of the new id's */
};

/* Dump the zone's processes into image_path. Unless leave_running (or pre_dump) they are gone
   afterwards and the zone is deleted, as runc does; on failure the zone runs on as before and the
   error quotes CRIU's log, which stays in the work path. */
int zone_checkpoint (const struct zone_runtime *rt, const char *id, const struct zone_checkpoint_opts *o,
                     zerr **err);

/* Create zone id from the bundle of o (as `create`) with its processes restored from the images;
   it is running when this returns. In the foreground (!o->detach), wait for it and set
   *exit_code. A failed restore leaves nothing behind. */
int zone_restore (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o,
                  const struct zone_restore_opts *r, int *exit_code, zerr **err);

/* The criu command zone runs: --criu, else criu on the PATH, else the one install-criu built. */
const char *criu_path (const struct zone_runtime *rt);

/* Start `criu lazy-pages` in the background: it fetches the pages of the images in images_dir
   from the page server at address:port for a `restore --lazy-pages` with the same work_dir;
   *pid is the daemon. */
int checkpoint_lazy_daemon (const struct zone_runtime *rt, const char *images_dir, const char *work_dir,
                            const char *address, const char *port, pid_t *pid, zerr **err);

/* Whether the kernel tracks the pages a process dirties (soft-dirty bits), which pre-dumps and
   dumps on top of them need. */
bool checkpoint_tracks_memory (const struct zone_runtime *rt);

/* Checkpoint id with --leave-running and restore it as new_id (the same bundle, a new address
   and cgroup): both run on. The images go to image_path if given (kept), else to a directory
   removed afterwards. */
int zone_clone (const struct zone_runtime *rt, const char *id, const char *new_id, const char *image_path,
                zerr **err);

#endif
