/* The contract between a zone's init and zone's last stage (runtime/stage2/stage2.c), which
   the init execs from a sealed memfd: its argv, and the one message it sends. */
#ifndef ZONE_RUNTIME_STAGE2_H
#define ZONE_RUNTIME_STAGE2_H

/* argv[0] is a name only; the numbers are decimal; the zone's process is argv[STAGE2_ARGV_PROCESS] onward and
   its environment is the stage's own. */
#define STAGE2_ARGV_SYNC_FD 1       /* the init's end of the sync socket: READY goes there */
#define STAGE2_ARGV_DIR_FD 2        /* the zone's state directory, where exec.fifo is */
#define STAGE2_ARGV_KEEP_FROM 3     /* fds from this one on are closed at the final exec */
#define STAGE2_ARGV_SECCOMP_FD 4    /* a filter (struct sock_filter[]) to load last, or -1 */
#define STAGE2_ARGV_SECCOMP_FLAGS 5 /* seccomp(2) flags for it */
#define STAGE2_ARGV_EXE 6           /* the program, as the init found it */
#define STAGE2_ARGV_PROCESS 7       /* process.args[0] */

/* sync.h's SYNC_READY (checked where both are seen). */
#define STAGE2_SYNC_READY 2

#ifndef STAGE2_PROGRAM
/* The program itself, linked into zone (runtime/stage2/blob.S). */
extern const unsigned char zone_stage2_start[], zone_stage2_end[];
#endif

#endif
