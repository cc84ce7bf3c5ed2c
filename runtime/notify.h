/* sd_notify passthrough for zones run by systemd units (Type=notify). */
#ifndef ZONE_RUNTIME_NOTIFY_H
#define ZONE_RUNTIME_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/error.h"

/* Where the zone finds its socket (the state's notify/ directory is bind-mounted there). */
#define NOTIFY_ZONE_DIR "/run/zone-notify"
#define NOTIFY_SOCKET_NAME "notify.sock"

/* Send msg to $NOTIFY_SOCKET (nothing when it is unset); 0 or -errno. */
int notify_send_host (const char *msg, size_t len);
/* A datagram socket bound at DIR/notify.sock, writable by anyone (non-blocking). */
int notify_listen (const char *dir, zerr **err);
/* Pass on to systemd every message waiting on fd, READY=1 with MAINPID=main_pid (when > 0).
   1 when READY=1 went, 0 when not, or -errno. */
int notify_relay (int fd, pid_t main_pid);
/* Wait (at most timeout_ms) until systemd has read what we sent it (sd_notify's BARRIER=1). */
int notify_barrier (int timeout_ms);

#endif
