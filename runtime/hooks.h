/* OCI hooks: each runs with the zone's state JSON on stdin, its own args and env, and a timeout. */
#ifndef ZONE_RUNTIME_HOOKS_H
#define ZONE_RUNTIME_HOOKS_H

#include "../spec/config.h"
#include "../util/error.h"

/* Run every hook of `kind` in order; the first that fails (exit != 0, signal, timeout) stops
   the rest and fills err naming it (e.g. hooks.prestart[1]). A hook without `env` gets
   default_env (NULL: an empty environment). */
int hooks_run (const struct zone_config *c, enum zone_hook_kind kind, const char *state_json,
               char *const *default_env, zerr **err);
/* For hooks whose failure only warns (poststart, poststop): run all, print warnings to stderr. */
void hooks_run_warn (const struct zone_config *c, enum zone_hook_kind kind, const char *state_json);
const char *hooks_kind_name (enum zone_hook_kind kind);

#endif
