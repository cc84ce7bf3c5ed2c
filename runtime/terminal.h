/* process.terminal: a pty made inside the zone, its master handed out over a unix socket as runc
   does (--console-socket), or relayed by zone itself for a foreground run. */
#ifndef ZONE_RUNTIME_TERMINAL_H
#define ZONE_RUNTIME_TERMINAL_H

#include <stdbool.h>

#include "../spec/config.h"
#include "../util/error.h"

/* Runtime side: connect to the --console-socket path. */
int terminal_connect_socket (const char *path, zerr **err);
/* Zone side: open a pty from the zone's /dev/ptmx, send the master over console_fd, and make the
   slave the controlling terminal and stdio of the calling process. */
int terminal_setup_in_zone (int console_fd, const struct zone_process *p, zerr **err);
/* The same, without making it the controlling terminal (exec: the process it forks does). */
int terminal_attach_in_zone (int console_fd, const struct zone_process *p, zerr **err);
/* Runtime side of a restore: a pty of the host's, its master sent over console_fd; *slave is
   what CRIU gives the restored zone in place of the terminal it had. */
int terminal_for_restore (int console_fd, const struct zone_process *p, int *slave, zerr **err);
/* Runtime side of a foreground run: receive the master sent over sock. */
int terminal_recv_master (int sock, int *master, zerr **err);
/* Put the runtime's own terminal (if stdin is one) into raw mode; restore with the saved state. */
struct termios;
bool terminal_make_raw (int fd, struct termios *saved);
void terminal_restore (int fd, const struct termios *saved);

#endif
