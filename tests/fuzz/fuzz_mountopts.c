/* Mount options: the first line is the type, the rest one option per line. */
#include "../../rootfs/mountopts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), *save = NULL, *type, *opts[64];
  size_t n = 0;
  struct mount_opts o;
  zerr *err = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  type = strtok_r (text, "\n", &save);
  for (char *t = strtok_r (NULL, "\n", &save); t && n < 63; t = strtok_r (NULL, "\n", &save))
    opts[n++] = t;
  opts[n] = NULL;
  if (mount_opts_parse (type, opts, &o, &err) == 0)
    {
      /* no extension option reaches the kernel as data */
      static const char *const ext[] = { "tmpcopyup", "notmpcopyup", "bind", "rbind", "idmap", "ridmap", "rro", "ro" };
      char *copy = o.data ? strdup (o.data) : NULL, *s2 = NULL;
      for (char *w = copy ? strtok_r (copy, ",", &s2) : NULL; w; w = strtok_r (NULL, ",", &s2))
        for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
          if (strcmp (w, ext[i]) == 0)
            abort ();
      free (copy);
      mount_opts_clear (&o);
    }
  zerr_free (&err);
  free (text);
  return 0;
}
