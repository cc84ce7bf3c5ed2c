/* process.apparmorProfile and process.selinuxLabel: applied to the exec when the host has the LSM. */
#ifndef ZONE_RUNTIME_LSM_H
#define ZONE_RUNTIME_LSM_H

#include <stdbool.h>

#include "../spec/config.h"
#include "../util/error.h"

bool lsm_apparmor_enabled (void);
bool lsm_selinux_enabled (void);
/* Run by the runtime before anything is made: a label for an LSM the host lacks is an error. */
int lsm_check (const struct zone_process *p, zerr **err);
/* In the process about to exec: the labels take effect at execve. */
int lsm_set_exec_labels (const struct zone_process *p, zerr **err);

#endif
