/* Shared between the files of runtime/ only. */
#ifndef ZONE_RUNTIME_INTERNAL_H
#define ZONE_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "runtime.h"

struct create_result
{
  pid_t pid;
  int pidfd;
  bool terminal; /* the init sent a pty master over console_sock */
};
/* console_sock: a connected socket to send the terminal to, instead of --console-socket; -1 if none. */
int zone_create_internal (const struct zone_runtime *rt, const char *id, const struct zone_create_opts *o,
                          int console_sock, struct create_result *res, zerr **err);
char *now_rfc3339 (void);
/* The state's note of a zone's slirp4netns: "PID START" (start time as in /proc/PID/stat). */
#define SLIRP_ANNOTATION "org.zone.net.slirp4netns"
/* The zone's cgroup name below /zone when its config names none: ID under the default root,
   ID@HASH-OF-ROOT under any other, so that two roots never share one. */
char *default_cgroup_name (const char *root, const char *id);
/* Until pid exits: forward our signals to it and, with a pty master, relay it to our stdio, and
   what the zone says on notify_fd (or -1) to systemd.  *exit_code is its status, 128+signal when
   killed.  With hand_off, returns 1 as soon as the zone's READY=1 went on (pid still runs). */
int wait_foreground (pid_t pid, int pidfd, int master, int notify_fd, bool hand_off, int *exit_code, zerr **err);
/* Open and lock <root>/<id>, read its state and refresh its status; *dirfd keeps the lock. */
/* Tear down a bridged zone's network here (veth, lease, NAT) while its processes stand still: its
   address is about to be another host's (post-copy migration). */
int zone_release_network (const struct zone_runtime *rt, const char *id, zerr **err);
int state_open (const struct zone_runtime *rt, const char *id, int *dirfd, struct zone_state **st, zerr **err);
/* Replace s->status with what is true now (the init may have exited since it was written). */
void state_refresh_status (int dirfd, struct zone_state *s);

/* restore: CRIU makes the zone's processes (runtime/checkpoint.c) in what create made for them. */
struct restore_env
{
  const char *rootfs;
  const char *cgroup_root; /* the zone's cgroup below each hierarchy's root; NULL: where they were */
  int netns;               /* the network namespace the images leave out, or -1 */
  int tty;                 /* a terminal zone's new pty slave, or -1 */
};
int checkpoint_restore_processes (const struct zone_runtime *rt, const struct zone_restore_opts *r,
                                  const struct restore_env *env, pid_t *pid, zerr **err);
/* The address a bridged zone had when it was dumped: 1 if the images say, else 0. */
int checkpoint_saved_address (const struct zone_restore_opts *r, struct in_addr *addr);
/* Whether the zone whose state directory is dirfd was made with process.terminal. */
bool checkpoint_has_terminal (int dirfd);
/* A new network namespace, empty but for its loopback. */
int checkpoint_new_netns (int *fd, zerr **err);

#endif
