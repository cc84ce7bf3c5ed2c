/* OCI mount options -> mount(2) flags, propagation and fs data. */
#ifndef ZONE_ROOTFS_MOUNTOPTS_H
#define ZONE_ROOTFS_MOUNTOPTS_H

#include <stdbool.h>

#include "../util/error.h"

struct mount_opts
{
  unsigned long flags;       /* MS_* to set */
  unsigned long propagation; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC), applied separately */
  bool bind, recursive;
  bool copyup;               /* tmpcopyup: a tmpfs starts with what the image has at its place */
  unsigned long long attr_set, attr_clr; /* rro, rnosuid...: mount_setattr(AT_RECURSIVE) */
  char *data; /* options the filesystem interprets, comma-joined; NULL if none */
};

/* Parse options (NULL-terminated, may be NULL).  The type decides whether it is a bind mount too.
   The runtimes' own extension options are taken here, or refused with one line naming them:
   none reaches the kernel as filesystem data. */
int mount_opts_parse (const char *type, char **options, struct mount_opts *out, zerr **err);
void mount_opts_clear (struct mount_opts *o);

#endif
