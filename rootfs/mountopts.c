#define _GNU_SOURCE
#include "mountopts.h"
#include "../util/fs.h"

#include <errno.h>
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

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* runc's and crun's recursive forms: the attribute on the mount and every mount below it. */
static const struct
{
  const char *name;
  bool clear;
  unsigned long long attr;
} rec_table[] = {
  { "rro", false, MOUNT_ATTR_RDONLY },          { "rrw", true, MOUNT_ATTR_RDONLY },
  { "rnosuid", false, MOUNT_ATTR_NOSUID },      { "rsuid", true, MOUNT_ATTR_NOSUID },
  { "rnodev", false, MOUNT_ATTR_NODEV },        { "rdev", true, MOUNT_ATTR_NODEV },
  { "rnoexec", false, MOUNT_ATTR_NOEXEC },      { "rexec", true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", false, MOUNT_ATTR_NODIRATIME }, { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW }, { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

/* The atime modes are one field of three bits: setting one clears the others. */
static const struct
{
  const char *name;
  unsigned long long mode;
} rec_atime_table[] = {
  { "rrelatime", MOUNT_ATTR_RELATIME },
  { "rnoatime", MOUNT_ATTR_NOATIME },
  { "rstrictatime", MOUNT_ATTR_STRICTATIME },
};

/* Extension options zone knows but does not do (yet): refused rather than passed on as data. */
static const struct
{
  const char *name, *what;
} refused_table[] = {
  { "idmap", "an idmapped mount" },
  { "ridmap", "a recursive idmapped mount" },
  { "copy-symlink", "copying a symlink in place of a bind mount" },
  { "src-nofollow", "not following a symlink bind source" },
  { "dest-nofollow", "not following a symlink destination" },
  { "rnorelatime", "rnorelatime (the kernel has no recursive form of it)" },
  { "ratime", "ratime (the kernel has no recursive form of it)" },
  { "rnostrictatime", "rnostrictatime (the kernel has no recursive form of it)" },
};

static bool
rec_option (const char *o, struct mount_opts *out)
{
  for (size_t j = 0; j < sizeof rec_table / sizeof rec_table[0]; j++)
    if (strcmp (rec_table[j].name, o) == 0)
      {
        if (rec_table[j].clear)
          {
            out->attr_clr |= rec_table[j].attr;
            out->attr_set &= ~rec_table[j].attr;
          }
        else
          {
            out->attr_set |= rec_table[j].attr;
            out->attr_clr &= ~rec_table[j].attr;
          }
        return true;
      }
  for (size_t j = 0; j < sizeof rec_atime_table / sizeof rec_atime_table[0]; j++)
    if (strcmp (rec_atime_table[j].name, o) == 0)
      {
        out->attr_set = (out->attr_set & ~(unsigned long long) MOUNT_ATTR__ATIME) | rec_atime_table[j].mode;
        out->attr_clr |= MOUNT_ATTR__ATIME;
        return true;
      }
  return false;
}

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
      /* One option each: a comma would smuggle several past this parser into the data. */
      if (strchr (o, ',') || *o == '\0')
        {
          mount_opts_clear (out);
          return zerr_set (err, EINVAL, "option `%s` is not one option", o);
        }
      if (strcmp (o, "tmpcopyup") == 0 || strcmp (o, "notmpcopyup") == 0)
        {
          out->copyup = o[0] == 't';
          continue;
        }
      if (rec_option (o, out))
        continue;
      for (size_t j = 0; j < sizeof refused_table / sizeof refused_table[0]; j++)
        if (strcmp (refused_table[j].name, o) == 0)
          {
            mount_opts_clear (out);
            return zerr_set (err, ENOTSUP, "option `%s` (%s) is not supported", o, refused_table[j].what);
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
