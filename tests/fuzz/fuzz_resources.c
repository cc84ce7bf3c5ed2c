/* linux.resources: parsed, then turned into the files written for a v1 and for a v2 host. */
#include "../../cgroups/resources.h"
#include "../../cgroups/writes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static int
v1 (const char *ctrl, void *data)
{
  (void) data;
  return *ctrl && strcmp (ctrl, "io") != 0 ? 1 : 0;
}

static int
v2 (const char *ctrl, void *data)
{
  (void) data;
  return strcmp (ctrl, "blkio") == 0 || strcmp (ctrl, "net_cls") == 0 ? 0 : 2;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), errbuf[128];
  yajl_val tree;

  memcpy (text, data, size);
  text[size] = '\0';
  tree = yajl_tree_parse (text, errbuf, sizeof errbuf);
  if (tree)
    {
      struct zone_resources *r = NULL;
      zerr *err = NULL;
      if (zone_resources_parse ("config.json", "linux.resources", tree, &r, &err) == 0 && r)
        {
          cgroup_version_fn fns[] = { v1, v2 };
          for (int i = 0; i < 2; i++)
            {
              struct cgroup_writes w = { 0 };
              zerr *e = NULL;
              cgroup_resource_writes (r, 0, fns[i], NULL, "linux.resources", &w, &e);
              cgroup_writes_free (&w);
              zerr_free (&e);
            }
          zone_resources_free (r);
        }
      zerr_free (&err);
      yajl_tree_free (tree);
    }
  free (text);
  return 0;
}
