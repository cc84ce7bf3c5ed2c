/* Finding the zone's init again without being fooled by pid reuse. */
#ifndef ZONE_RUNTIME_PID_H
#define ZONE_RUNTIME_PID_H

#include <stdbool.h>
#include <sys/types.h>

/* starttime (field 22 of /proc/PID/stat) and whether the process is a zombie; -1 if gone. */
int pid_stat (pid_t pid, unsigned long long *start, bool *zombie);
/* A pidfd for pid if it is still the process that started at `start`; -1 (errno set) otherwise. */
int pid_open_verified (pid_t pid, unsigned long long start);
int pidfd_signal (int pidfd, int sig);
/* clone3 with CLONE_PIDFD and flags, the child born in the cgroup *cgroup_fd when it is >= 0
   (v2, CLONE_INTO_CGROUP: no migration, and so no wait for the RCU grace period one costs).
   Where that cannot be (a kernel before 5.7, or a cgroup whose pids limit refuses the birth,
   which a migration would not), *cgroup_fd is closed and set to -1 and the child is cloned
   where we are: the caller then moves it. Returns as fork does. */
pid_t clone_pidfd (unsigned long flags, int *pidfd, int *cgroup_fd);
/* Wait until the process behind pidfd exits, up to timeout_ms (-1: forever). 1 if exited, 0 on timeout. */
int pidfd_wait_exit (int pidfd, int timeout_ms);

#endif
