/* Checkpoint and restore of a running zone with CRIU (the `criu` command: see checkpoint.c). */
#ifndef ZONE_RUNTIME_CHECKPOINT_H
#define ZONE_RUNTIME_CHECKPOINT_H

#include <stdbool.h>

#include "runtime.h"

/* runc's checkpoint flags. */
struct zone_checkpoint_opts
{
  const char *image_path; /* default ./checkpoint */
  const char *work_path;  /* CRIU's log and work files; default: the image path */
  const char *parent_path, *page_server, *manage_cgroups_mode;
  bool leave_running, tcp_established, ext_unix_sk, shell_job, file_locks, pre_dump, auto_dedup, lazy_pages;
  int status_fd; /* -1: none */
};

/* runc's restore flags beyond those of create. */
struct zone_restore_opts
{
  const char *image_path, *work_path, *manage_cgroups_mode;
  bool tcp_established, ext_unix_sk, shell_job, file_locks, no_subreaper, lazy_pages;
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

#endif
