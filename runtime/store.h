/* The state store: one directory per zone under the runtime root, guarded by a lock. */
#ifndef ZONE_RUNTIME_STORE_H
#define ZONE_RUNTIME_STORE_H

#include <stdbool.h>

#include "../spec/state.h"
#include "../util/error.h"

/* Room for the id in one file name (255) with what zone adds to it: "@HASH" in a cgroup name,
   "zone-" and ".scope" in a systemd unit. */
#define ZONE_ID_MAX 240

/* An id is 1..240 of [A-Za-z0-9_+.-] (runc's set), not "." or "..": safe as one path component. */
int store_validate_id (const char *id, zerr **err);
/* Create <root>/<id> (failing if it exists) and lock it.  Returns the locked dir fd. */
int store_create (const char *root, const char *id, zerr **err);
/* Open and lock an existing zone's dir; ENOENT gives "container `ID` does not exist". */
int store_open (const char *root, const char *id, zerr **err);
/* The same with root already open as rootfd (a listing opens it once, not once per zone). */
int store_open_at (int rootfd, const char *root, const char *id, zerr **err);
int store_read_state (int dirfd, struct zone_state **out, zerr **err);
int store_write_state (int dirfd, const struct zone_state *s, zerr **err);
/* Remove <root>/<id> and all it holds. */
int store_remove (const char *root, const char *id, zerr **err);
/* The ids under root, sorted. */
int store_list (const char *root, char ***ids, zerr **err);

#endif
