/* The zone's init: the cloned child that builds the zone from the inside, waits for start, execs. */
#ifndef ZONE_RUNTIME_INIT_H
#define ZONE_RUNTIME_INIT_H

#include <stdbool.h>

#include <seccomp.h>

#include "../spec/config.h"

struct init_args
{
  const struct zone_config *config;
  const char *rootfs, *bundle;
  int sync_fd;      /* our end of the socketpair */
  int state_dir_fd; /* <root>/<id>, where exec.fifo is */
  int lock_fd;      /* the runtime's locked fd of the same dir: closed at once */
  bool new_userns;
  bool no_pivot, no_new_keyring;
  int preserve_fds;
  int listen_fds;            /* LISTEN_FDS of socket activation: fds 3.. kept, env set */
  int console_fd;           /* where to send the pty master; -1 without a terminal */
  scmp_filter_ctx seccomp;  /* NULL without linux.seccomp */
  bool create_hooks;        /* stop before pivot_root for the runtime's create hooks */
  bool placed;              /* SYNC_PLACED has come: we are in the zone's cgroups */
  bool last_stage;          /* hand over to zone's last stage (runtime/last_stage.h) once set up */
};

/* Never returns: execs the zone's process or exits non-zero after reporting over sync_fd. */
__attribute__ ((noreturn)) void zone_init_main (struct init_args *a);

#endif
