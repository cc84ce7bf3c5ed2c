/* Shared by the files of cmd/: the global options and how errors reach the user. */
#ifndef ZONE_CMD_CMD_H
#define ZONE_CMD_CMD_H

#include "../runtime/runtime.h"
#include "../util/error.h"

#include <stdbool.h>

extern struct zone_runtime runtime;

/* "zone: MSG" on stderr, and to --log in its format. */
void log_error (const char *msg);
/* Report err and return the exit status 1. */
int fail (zerr **err);
/* Report the flag getopt refused at argv[optind - 1], for cmd (NULL: a global flag), and return 1. */
int bad_flag (const char *cmd, char **argv);
/* Report fmt (with one %s for arg) and return 1. */
int usage_error (const char *fmt, const char *arg);
/* --preserve-fds N: 0 or -1 after reporting. */
int parse_preserve_fds (const char *arg, int *out);
/* Exec zone-full (runtime/full.h) with argv.  Returns only on failure. */
int exec_zone_full (char **argv, char **envp, zerr **err);
/* Take the id from argv[optind]. */
int need_id (int argc, char **argv, const char *cmd, const char **id);

int cmd_exec (int argc, char **argv);
int cmd_ps (int argc, char **argv);
int cmd_update (int argc, char **argv);
int cmd_events (int argc, char **argv);
int cmd_governor (int argc, char **argv);
int cmd_checkpoint (int argc, char **argv);
int cmd_restore (int argc, char **argv);
int cmd_clone (int argc, char **argv);
int cmd_migrate (int argc, char **argv);
int cmd_template (int argc, char **argv);
int cmd_create_template (int argc, char **argv);
int cmd_export (int argc, char **argv);
int cmd_import (int argc, char **argv);
/* Whether create's arguments name --template (a person's zone, runtime/persist.c). */
bool create_names_template (int argc, char **argv);

#endif
