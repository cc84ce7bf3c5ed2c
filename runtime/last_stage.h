/* A zone's init hands over to zone's last stage (runtime/stage2/): a sealed memfd of a small
   static program that says the zone is ready, waits for `start` and execs the zone's process.
   So the runtime's own binary never runs where the zone's processes can see it, without zone
   re-executing itself from a sealed copy of its whole binary first. */
#ifndef ZONE_RUNTIME_LAST_STAGE_H
#define ZONE_RUNTIME_LAST_STAGE_H

#include <stdbool.h>

#include <seccomp.h>

#include "runtime.h"
#include "../spec/config.h"

/* Whether the init of a zone with this config must itself run from a sealed copy of zone
   (the last stage cannot protect it): it is born where other processes can see it during its
   setup (a pid namespace that exists already, or none of its own), it runs startContainer hooks
   after the wait, or an LSM label applies at the next exec (the last stage's, not the process's). */
bool last_stage_unfit (const struct zone_config *c);

/* Before anything of a create is made: re-exec from a sealed copy when the config needs it
   (rt->reexec_sealed; an error when there is none). */
int last_stage_or_sealed (const struct zone_runtime *rt, const struct zone_config *c, zerr **err);

struct last_stage
{
  int sync_fd, state_dir_fd, keep_from;
  scmp_filter_ctx seccomp; /* loaded by the last stage (noNewPrivileges), or NULL */
  const char *exe;
  char **args, **env;
};

/* Exec the last stage (init mode).  Returns only on failure. */
int last_stage_exec (const struct last_stage *s, zerr **err);

/* zone exec's child: in the zone's namespaces (its pid namespace for children), root, in the
   process's root and cwd, with its rlimits, additional gids and terminal on fds 0-2. */
struct last_stage_process
{
  int report_fd, keep_from; /* see stage2.h */
  const struct zone_process *process; /* identity, caps, labels, terminal, args */
  scmp_filter_ctx seccomp;            /* or NULL */
  const char *exe;
  char **env;
};

/* Exec the last stage (exec mode): it forks the process into the zone as a child of the
   runtime's and reports its pid on report_fd.  Returns only on failure. */
int last_stage_exec_process (const struct last_stage_process *s, zerr **err);

#endif
