/* OCI mount options -> flags, propagation and data. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../rootfs/mountopts.h"

#include <stdlib.h>
#include <sys/mount.h>

static struct mount_opts
parse (const char *type, const char *csv)
{
  struct mount_opts o;
  char *copy = strdup (csv), *save = NULL, *opts[32] = { 0 };
  size_t n = 0;
  for (char *t = strtok_r (copy, ",", &save); t && n < 31; t = strtok_r (NULL, ",", &save))
    opts[n++] = t;
  mount_opts_parse (type, opts, &o, NULL);
  free (copy);
  return o;
}

int
main (void)
{
  struct mount_opts o;

  o = parse ("tmpfs", "nosuid,strictatime,mode=755,size=65536k");
  CHECK (o.flags == (MS_NOSUID | MS_STRICTATIME));
  CHECK (o.data && strcmp (o.data, "mode=755,size=65536k") == 0);
  CHECK (!o.bind && o.propagation == 0);
  mount_opts_clear (&o);

  o = parse ("none", "rbind,ro,rprivate");
  CHECK (o.bind && o.recursive);
  CHECK (o.flags == (MS_BIND | MS_REC | MS_RDONLY));
  CHECK (o.propagation == (MS_PRIVATE | MS_REC));
  CHECK (o.data == NULL);
  mount_opts_clear (&o);

  o = parse ("bind", "nodev");
  CHECK (o.bind && !o.recursive);
  CHECK (o.flags == (MS_BIND | MS_NODEV));
  mount_opts_clear (&o);

  /* A later option undoes an earlier one. */
  o = parse ("tmpfs", "ro,noexec,rw,exec,nosuid");
  CHECK (o.flags == MS_NOSUID);
  mount_opts_clear (&o);

  o = parse ("devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec");
  CHECK (o.flags == (MS_NOSUID | MS_NOEXEC));
  CHECK (o.data && strcmp (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0);
  mount_opts_clear (&o);

  o = parse ("proc", "rslave,defaults");
  CHECK (o.flags == 0 && o.propagation == (MS_SLAVE | MS_REC));
  mount_opts_clear (&o);

  /* The runtimes' extension options never reach the kernel as data. */
  o = parse ("tmpfs", "tmpcopyup,nosuid,mode=755");
  CHECK (o.copyup && o.flags == MS_NOSUID);
  CHECK (o.data && strcmp (o.data, "mode=755") == 0);
  mount_opts_clear (&o);
  o = parse ("tmpfs", "tmpcopyup,notmpcopyup");
  CHECK (!o.copyup && o.data == NULL);
  mount_opts_clear (&o);
  o = parse ("bind", "rbind,rro,rnosuid,rnoatime,rrw");
  CHECK (o.data == NULL && o.flags == (MS_BIND | MS_REC));
  CHECK (o.attr_set == (0x2 | 0x10) && (o.attr_clr & 0x1) && (o.attr_clr & 0x70) == 0x70);
  mount_opts_clear (&o);
  {
    static const char *const refused[] = { "idmap", "ridmap", "copy-symlink", "ratime" };
    for (size_t i = 0; i < 4; i++)
      {
        char *opts[] = { (char *) "rbind", (char *) refused[i], NULL };
        zerr *err = NULL;
        CHECK (mount_opts_parse ("bind", opts, &o, &err) < 0);
        CHECK_STR_CONTAINS (err ? err->msg : NULL, refused[i]);
        CHECK (o.data == NULL);
        zerr_free (&err);
      }
  }

  {
    char *opts[] = { (char *) "nosuid", (char *) "size=1m,ro", NULL };
    zerr *err = NULL;
    CHECK (mount_opts_parse ("tmpfs", opts, &o, &err) < 0);
    CHECK_STR_CONTAINS (err ? err->msg : NULL, "`size=1m,ro` is not one option");
    zerr_free (&err);
  }

  UNIT_DONE ();
}
