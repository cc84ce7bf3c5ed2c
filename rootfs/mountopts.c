#define _GNU_SOURCE
#include "mountopts.h"
#include "../util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} flag_table[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "suid", true, MS_NOSUID },
  { "nosuid", false, MS_NOSUID },
  { "dev", true, MS_NODEV },
  { "nodev", false, MS_NODEV },
  { "exec", true, MS_NOEXEC },
  { "noexec", false, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
};

static const struct
{
  const char *name;
  unsigned long flags;
} propagation_table[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },       { "shared", MS_SHARED },
  { "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE },                   { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static void
append_data (char **data, const char *opt)
{
  char *n;
  if (*data == NULL)
    {
      *data = xstrdup (opt);
      return;
    }
  n = xmalloc0 (strlen (*data) + strlen (opt) + 2);
  strcpy (n, *data);
  strcat (n, ",");
  strcat (n, opt);
  free (*data);
  *data = n;
}

int
mount_opts_parse (const char *type, char **options, struct mount_opts *out, zerr **err)
{
  (void) err;
  memset (out, 0, sizeof *out);
  if (type && strcmp (type, "bind") == 0)
    out->bind = true;
  for (size_t i = 0; options && options[i]; i++)
    {
      const char *o = options[i];
      bool known = false;

      if (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0)
        {
          out->bind = true;
          out->recursive |= o[0] == 'r';
          continue;
        }
      for (size_t j = 0; j < sizeof flag_table / sizeof flag_table[0] && !known; j++)
        if (strcmp (flag_table[j].name, o) == 0)
          {
            known = true;
            if (flag_table[j].clear)
              out->flags &= ~flag_table[j].flag;
            else
              out->flags |= flag_table[j].flag;
          }
      for (size_t j = 0; j < sizeof propagation_table / sizeof propagation_table[0] && !known; j++)
        if (strcmp (propagation_table[j].name, o) == 0)
          {
            known = true;
            out->propagation = propagation_table[j].flags;
          }
      if (!known)
        append_data (&out->data, o);
    }
  /* A bind mount is recursive unless "bind" alone was asked: runc's "bind" is not recursive. */
  if (out->bind)
    out->flags |= MS_BIND | (out->recursive ? MS_REC : 0);
  return 0;
}

void
mount_opts_clear (struct mount_opts *o)
{
  free (o->data);
  o->data = NULL;
}
