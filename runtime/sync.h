/* Messages between the runtime and the zone's init over a SOCK_SEQPACKET socketpair. */
#ifndef ZONE_RUNTIME_SYNC_H
#define ZONE_RUNTIME_SYNC_H

#include "../util/error.h"

enum sync_type
{
  SYNC_GO = 1, /* runtime -> init: ids mapped: go on (its rootfs, while we place it) */
  SYNC_READY,  /* init -> runtime: set up, about to wait for start */
  SYNC_ERROR,  /* init -> runtime: setup failed, msg says why */
  SYNC_HOOKS,  /* init -> runtime: mounts are made, run prestart and createRuntime now */
  SYNC_HOOKS_DONE, /* runtime -> init: done; sent twice, msg the state JSON for createContainer, then
                      the one for startContainer */
  SYNC_PLACED, /* runtime -> init: it is in its cgroups (awaited before anything that depends on
                  them: a cgroup namespace or mount, devices, hooks, the process) */
};

struct sync_msg
{
  int type;
  int code;
  char msg[65536]; /* only the used part is sent */
};

int sync_send (int fd, int type, int code, const char *msg);
/* Receive one message; EOF is -EPIPE. */
int sync_recv (int fd, struct sync_msg *m);
/* Wait for `want`; an ERROR becomes err with the init's message.  m may be NULL. */
int sync_expect (int fd, int want, struct sync_msg *m, zerr **err);

#endif
