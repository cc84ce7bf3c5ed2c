/* zone migrate: a running zone moves to another host running zone, over ssh (migrate.c). */
#ifndef ZONE_RUNTIME_MIGRATE_H
#define ZONE_RUNTIME_MIGRATE_H

#include <stddef.h>

#include "runtime.h"

struct zone_migrate_opts
{
  const char *remote_root;   /* zone's --root there; default: ours */
  const char *remote_bundle; /* where the bundle goes there; default: the same path */
  const char *remote_zone;   /* the zone binary there; default `zone` on its PATH */
  const char **ssh_options;  /* each given to ssh as -o OPTION */
  size_t n_ssh_options;
  const char *tmp_dir;       /* the images' directory on both sides; default /var/tmp */
  int pre_dumps;             /* rounds of pre-copy before the final dump */
  bool lazy_pages;           /* post-copy: the final dump serves the memory from here */
  const char *page_server_port; /* where it serves it (default 27700) */
};

/* Move running zone id to dest (what ssh takes: [user@]host): it runs there when this returns
   0, and has printed its downtime; on failure it runs here (as before, or restored again) and
   nothing of it is left there. */
int zone_migrate (const struct zone_runtime *rt, const char *id, const char *dest, const struct zone_migrate_opts *o,
                  zerr **err);

#endif
