/* The CPU governor: one loop that keeps every zone of a runtime root to its promised share of the
   host's cores (org.zone.cpu.weight, cap, reserve, baseline/burst/cooldown) by writing the
   zones' quotas and weights. The arithmetic is cgroups/cpu_policy.c; this is the loop. */
#ifndef ZONE_RUNTIME_GOVERNOR_H
#define ZONE_RUNTIME_GOVERNOR_H

#include <stdbool.h>
#include <stdio.h>

#include "runtime.h"

/* Where the running governor says what it sees, about once a second, for `zone list`. */
#define GOVERNOR_STATUS_FILE "@governor"

struct governor_opts
{
  long interval_ms; /* a tick; default 100 */
  bool once;        /* measure over one interval, apply, report, exit */
  bool json;        /* the report of --once as JSON */
  FILE *out;        /* where --once reports */
};

/* Runs until killed (or one tick with once); a second governor for the same root is refused. */
int zone_governor (const struct zone_runtime *rt, const struct governor_opts *o, zerr **err);

/* What the running governor last said of each zone, for `zone list`. */
struct governor_view
{
  void *entries;
  size_t n;
  char *text;
};
/* -ENOENT when no governor has said anything lately. */
int governor_view_load (const char *root, struct governor_view *v);
/* A zone's use and ceiling in cores (ceiling 0: none). */
bool governor_view_find (const struct governor_view *v, const char *id, double *usage, double *ceiling);
void governor_view_free (struct governor_view *v);

#endif
