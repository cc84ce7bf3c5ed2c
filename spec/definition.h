/* A zone defined by a person (`zone create ID --template NAME [options] [-- CMD ARGS...]`): the
   options as typed, checked one by one, and the config.json they make.  Pure: no file is read or
   written here. */
#ifndef ZONE_SPEC_DEFINITION_H
#define ZONE_SPEC_DEFINITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

struct zone_volume
{
  char *source, *destination;
  bool readonly;
};

struct zone_definition
{
  char *net;     /* "bridge" or "none"; NULL: none */
  char *address; /* IPv4, with --net bridge */
  char *bridge, *subnet; /* org.zone.net.bridge and .subnet */
  char *notify;          /* org.zone.notify: container or started (zone@.service) */
  char *seccomp;         /* NULL: zone's confined profile; "unconfined"; or a linux.seccomp object */
  char *ports;   /* org.zone.net.ports: the --publish values joined by commas */
  bool memory_set, pids_set, user_set, read_only, memory_merge;
  long long memory, pids_limit;
  char *cpu_weight, *cpu_cap, *cpu_reserve; /* org.zone.cpu.* as given (checked here) */
  char **env;
  size_t n_env;
  struct zone_volume *volumes;
  size_t n_volumes;
  char *hostname, *workdir;
  uint32_t uid, gid;
  char **args;
  size_t n_args;
};

/* The options create --template takes, by long name (each needs a value but read-only). */
extern const char *const zone_definition_options[];

/* Take one option (its long name without dashes, and its value); a bad value is one line that
   names the option. */
int zone_definition_set (struct zone_definition *d, const char *option, const char *value, zerr **err);
/* The command the zone runs. */
void zone_definition_set_args (struct zone_definition *d, char **args, size_t n);
/* What the options cannot say one at a time (a command is there; --address and --publish need
   --net bridge). */
int zone_definition_check (const struct zone_definition *d, zerr **err);
/* The config.json of the zone: zone's confined defaults (docs/templates.md) with the options
   applied; the rootfs is the bundle's `rootfs` (the overlay of the template), annotated with
   the template's name. */
char *zone_definition_config (const struct zone_definition *d, const char *id, const char *template_name);
/* What the template's image runs by default, where the options say nothing: its command (args,
   when no `-- CMD`), its environment (before -e's, a key -e gives being -e's alone), its
   working directory (without --workdir). */
void zone_definition_apply_image (struct zone_definition *d, char *const *args, char *const *env, const char *cwd);
void zone_definition_free (struct zone_definition *d);

#endif
