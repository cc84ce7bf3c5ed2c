/* The contract between zone and its last stage (runtime/stage2/stage2.c), which zone execs from
   a sealed memfd: the two modes' argv, and the messages the stage sends. */
#ifndef ZONE_RUNTIME_STAGE2_H
#define ZONE_RUNTIME_STAGE2_H

/* argv[0] names the mode; numbers are decimal unless said; the zone's process's args follow the
   mode's fixed ones, and the stage's environment is the process's. */

/* init: a zone's init, set up; READY goes to the sync socket, then the wait on exec.fifo. */
#define STAGE2_INIT "zone-stage2"
#define STAGE2_INIT_SYNC_FD 1       /* the init's end of the sync socket */
#define STAGE2_INIT_DIR_FD 2        /* the zone's state directory, where exec.fifo is */
#define STAGE2_INIT_KEEP_FROM 3     /* fds from this one on are closed at the final exec */
#define STAGE2_INIT_SECCOMP_FD 4    /* a filter (struct sock_filter[]) to load last, or -1 */
#define STAGE2_INIT_SECCOMP_FLAGS 5 /* seccomp(2) flags for it */
#define STAGE2_INIT_EXE 6           /* the program, as the init found it */
#define STAGE2_INIT_PROCESS 7       /* process.args[0] */

/* exec: zone exec's child, in the zone's namespaces (its pid namespace for children only), root,
   its root and cwd the process's.  The report fd gets "P<pid>\n" once the process is forked,
   and "E<why>\n" from whichever fails; it closes at the process's exec. */
#define STAGE2_EXEC "zone-stage2-exec"
#define STAGE2_EXEC_REPORT_FD 1
#define STAGE2_EXEC_KEEP_FROM 2
#define STAGE2_EXEC_SECCOMP_FD 3
#define STAGE2_EXEC_SECCOMP_FLAGS 4
#define STAGE2_EXEC_NNP 5      /* 1: noNewPrivileges, and the filter loads last; 0: before the identity */
#define STAGE2_EXEC_TTY 6      /* 1: fd 0 becomes the controlling terminal of a new session */
#define STAGE2_EXEC_UID 7
#define STAGE2_EXEC_GID 8      /* (the additional gids are set before: the stage keeps them) */
#define STAGE2_EXEC_CAPS 9     /* "" to leave them, else five hex masks: bounding,effective,permitted,inheritable,ambient */
#define STAGE2_EXEC_UMASK 10   /* -1: 022 */
#define STAGE2_EXEC_APPARMOR 11 /* "exec PROFILE" for attr/apparmor/exec, or "" */
#define STAGE2_EXEC_SELINUX 12  /* the label for attr/exec, or "" */
#define STAGE2_EXEC_EXE 13
#define STAGE2_EXEC_PROCESS 14

/* sync.h's SYNC_READY (checked where both are seen). */
#define STAGE2_SYNC_READY 2

#ifndef STAGE2_PROGRAM
/* The program itself, linked into zone (runtime/stage2/blob.S). */
extern const unsigned char zone_stage2_start[], zone_stage2_end[];
#endif

#endif
