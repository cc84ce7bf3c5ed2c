/* linux.seccomp -> a libseccomp filter, built (and so validated) by the runtime before anything
   is created, loaded by the zone's process just before execve. */
#ifndef ZONE_RUNTIME_SECCOMP_H
#define ZONE_RUNTIME_SECCOMP_H

#include <seccomp.h>
#include <yajl/yajl_tree.h>

#include "../util/error.h"

/* NULL *out when node is NULL.  Errors name the JSON path under linux.seccomp. */
int seccomp_filter_build (yajl_val node, scmp_filter_ctx *out, zerr **err);
int seccomp_filter_load (scmp_filter_ctx ctx, zerr **err);

/* For `features`: the names zone accepts. */
extern const char *const zone_seccomp_actions[];
extern const char *const zone_seccomp_operators[];
extern const char *const zone_seccomp_archs[];
extern const char *const zone_seccomp_flags[];

#endif
