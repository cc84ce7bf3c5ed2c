/* Shared between the files of runtime/ only. */
#ifndef ZONE_RUNTIME_INTERNAL_H
#define ZONE_RUNTIME_INTERNAL_H

#include <sys/types.h>

#include "runtime.h"

int zone_create_internal (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o,
                          int *pidfd_out, pid_t *pid_out, zerr **err);
char *now_rfc3339 (void);
/* Replace s->status with what is true now (the init may have exited since it was written). */
void state_refresh_status (int dirfd, struct zone_state *s);

#endif
