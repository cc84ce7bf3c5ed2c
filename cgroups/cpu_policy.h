/* The CPU promises of zones (the org.zone.cpu.* annotations) and the pure parts of the governor
   that keeps them: a zone's burst budget, its demand, and the allocation of the host's cores.
   Nothing here reads or writes a file: the loop (runtime/governor.c) feeds it numbers. */
#ifndef ZONE_CGROUPS_CPU_POLICY_H
#define ZONE_CGROUPS_CPU_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/error.h"

#define CPU_WEIGHT_DEFAULT 100.0
#define CPU_BURST_DEFAULT 10.0    /* seconds, when a baseline is given without burst */
#define CPU_COOLDOWN_DEFAULT 10.0 /* seconds, likewise */

/* In cores and seconds; 0 means "not given" for cap, reserve and baseline. */
struct cpu_policy
{
  double weight;   /* relative share under contention, 1..10000 */
  double cap;      /* hard ceiling */
  double reserve;  /* guaranteed whenever the zone is runnable */
  double baseline; /* held to this once its burst is spent */
  double burst;    /* seconds it may run above its baseline */
  double cooldown; /* seconds held at the baseline after that */
};

void cpu_policy_init (struct cpu_policy *p);
/* The cores the governor shares out and reservations are counted against: the online CPUs. */
double cpu_host_cores (void);
/* One annotation: 1 when key is one of org.zone.cpu.*, 0 when it is not (nothing done), or a
   negative errno with err naming the annotation for a bad value. */
int cpu_policy_set (struct cpu_policy *p, const char *key, const char *value, zerr **err);
/* The annotations together, against a host of host_cores cores. */
int cpu_policy_check (const struct cpu_policy *p, double host_cores, zerr **err);
/* Whether only a running governor can keep the promise (reserve, baseline). */
bool cpu_policy_needs_governor (const struct cpu_policy *p);

/* SmartOS-style bursting: above its baseline a zone spends its budget (1 s a second); once it is
   spent the zone is held at the baseline for the cooldown; the budget refills at burst/cooldown
   a second whenever the zone is not above its baseline, and is full after a whole cooldown. */
struct cpu_burst
{
  double budget;        /* seconds of bursting left */
  double cooldown_left; /* seconds; > 0 while held at the baseline */
};

void cpu_burst_init (struct cpu_burst *b, const struct cpu_policy *p);
/* Account dt seconds during which the zone used `usage` cores. */
void cpu_burst_step (struct cpu_burst *b, const struct cpu_policy *p, double usage, double dt);
static inline bool
cpu_burst_cooling (const struct cpu_burst *b)
{
  return b->cooldown_left > 0;
}

/* The most a zone may have now: its cap (or the host), its baseline while cooling down. */
double cpu_bound (const struct cpu_policy *p, const struct cpu_burst *b, double host_cores);

/* What a zone would use next, from what it used under its last ceiling: a zone held at its
   ceiling may want all it may have; any other gets room to grow, more when the host is full
   (it may be held back by the others rather than by its ceiling). */
double cpu_demand (double usage, double ceiling, double bound, bool host_full);

struct cpu_alloc_zone
{
  double demand, weight, reserve, bound;
  bool active; /* ran last tick: only then does its reservation hold cores back from others */
};

/* Each zone's ceiling for the next tick, in cores. While the host has room, every zone may have
   its bound. When the wants exceed the host: reservations of active zones first, then the rest
   by weight (water-filling), never above a zone's want or bound, never below its reservation;
   the ceilings of wanting zones then add up to the host. A reserved zone's ceiling is at least
   its reservation (up to its bound) even when idle, so that it is not held back when it wakes. */
void cpu_allocate (const struct cpu_alloc_zone *z, size_t n, double host_cores, double *ceiling);

/* The kernel's weight for a ceiling (v2 cpu.weight 1..10000 and v1 cpu.shares 2..262144), so
   that the scheduler, when zones meet on one CPU, shares it as the governor allocated. */
unsigned long cpu_weight_for (double ceiling, bool v2);

#endif
