/* The runtime's public face: what cmd/ calls.  Every function returns 0 or a negative errno and
   fills err with one line for the user. */
#ifndef ZONE_RUNTIME_RUNTIME_H
#define ZONE_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "../spec/state.h"
#include "../util/error.h"

#define ZONE_DEFAULT_ROOT "/run/zone"

struct zone_runtime
{
  const char *root; /* state store, default /run/zone */
  bool systemd_cgroup;
  bool debug;
};

struct zone_create_opts
{
  const char *bundle; /* default: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot, no_new_keyring;
  int preserve_fds;
  /* run only */
  bool detach, keep;
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
int zone_get_state (const struct zone_runtime *rt, const char *id, struct zone_state **out, zerr **err);
/* Every zone's state, sorted by id; zones that cannot be read are left out. */
int zone_list (const struct zone_runtime *rt, struct zone_state ***out, size_t *n, zerr **err);
/* The runtime-spec features document: what this build does on this host. */
char *zone_features_json (void);

#endif
