/* Setting up the zone's process: run in the zone's init (or an exec'd process) just before execve. */
#ifndef ZONE_RUNTIME_PROCESS_H
#define ZONE_RUNTIME_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../spec/config.h"
#include "../util/error.h"

/* Find args[0] along the PATH of env (inside the current root), as execvp would. */
/* runc's text for a process that cannot be executed: exec: "NAME": reason. Returns -errnum. */
int process_exec_error (zerr **err, const char *name, int errnum);
int process_find_executable (const struct zone_process *p, char **out, zerr **err);
/* The same, looked up with the process's uid and gid as file system ids (by a caller that is
   root and has set the process's groups: process_apply_groups). */
/* process.user.additionalGids (setgroups; denied in some user namespaces, which is no error). */
int process_apply_groups (const struct zone_process *p, zerr **err);
int process_find_executable_as_user (const struct zone_process *p, char **out, zerr **err);
int process_apply_rlimits (const struct zone_process *p, zerr **err);
int process_apply_oom_score_adj (const struct zone_process *p, zerr **err);
/* Supplementary groups, gid, uid, then the capability sets and no_new_privs. */
int process_apply_identity (const struct zone_process *p, zerr **err);
/* chdir to cwd resolved inside the current root: a magic link such as /proc/self/fd/N, which
   could name a directory of the runtime's on the host, is refused (CVE-2024-21626), and so is a
   result outside the root.  field names cwd in errors. */
int process_enter_cwd (const char *cwd, const char *field, zerr **err);
/* The home directory of uid in the text of a passwd file, or NULL when uid is not listed. */
char *passwd_home (const char *passwd, uid_t uid);
/* Field `field` (0 the name ... 6 the shell; 0 to 6) of uid's line in passwd's text, or NULL. */
char *passwd_field (const char *passwd, uid_t uid, int field);
/* The environment to exec with: env plus HOME when it is missing (from the zone's /etc/passwd,
   "/" when the user is not there, as runc does), and LISTEN_FDS/LISTEN_PID
   when listen_fds systemd sockets are passed on. */
char **process_environment (const struct zone_process *p, int listen_fds);
/* Whether name (CAP_...) is a capability this host knows. */
bool process_cap_known (const char *name);
/* Check that every capability name is known: error names the JSON path. */
int process_validate_caps (const struct zone_process *p, zerr **err);
/* The five capability lists (bounding, effective, permitted, inheritable, ambient) as bit masks. */
void process_cap_masks (const struct zone_process *p, uint64_t masks[5]);
/* process.scheduler and process.ioPriority for the calling process. */
int process_apply_scheduling (const struct zone_process *p, zerr **err);

/* org.zone.memory.merge: 1 when "true", 0 when absent or "false", -1 for anything else. */
int process_memory_merge (const struct zone_config *c);
/* Check org.zone.memory.merge at create: the kernel must have PR_SET_MEMORY_MERGE (6.4), and
   KSM is started when it is off (/sys/kernel/mm/ksm/run). */
int process_check_memory_merge (const struct zone_config *c, zerr **err);
/* With org.zone.memory.merge=true: KSM may merge every page of the calling process and of what
   it forks and execs. */
int process_apply_memory_merge (const struct zone_config *c, zerr **err);

#endif
