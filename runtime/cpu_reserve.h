/* The host's CPU reservations (org.zone.cpu.reserve): one ledger for every runtime root, so that
   the sum of what zones are guaranteed never exceeds the cores the host has. */
#ifndef ZONE_RUNTIME_CPU_RESERVE_H
#define ZONE_RUNTIME_CPU_RESERVE_H

#include "../util/error.h"

#define ZONE_CPU_RESERVE_FILE "/run/zone-cpu/reservations"

/* Record `cores` for (root, id), or refuse naming what is free. A zone whose state is gone (a
   crash) no longer counts. */
int cpu_reserve_acquire (const char *root, const char *id, double cores, double host_cores, zerr **err);
/* Forget (root, id)'s reservation, if it has one. */
void cpu_reserve_release (const char *root, const char *id);

#endif
