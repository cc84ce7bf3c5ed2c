/* The default config.json that `zone spec` writes. */
#ifndef ZONE_SPEC_DEFAULTS_H
#define ZONE_SPEC_DEFAULTS_H

#include <stdbool.h>
#include <sys/types.h>

/* The config.json that `zone spec` writes; rootless maps the caller's uid/gid to root. */
char *zone_default_config (bool rootless, uid_t uid, gid_t gid);

#endif
