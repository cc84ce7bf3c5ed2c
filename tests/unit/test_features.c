/* `zone features`: valid JSON that says what this build supports. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../runtime/runtime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <yajl/yajl_tree.h>

static yajl_val
get (yajl_val root, const char **path, yajl_type type)
{
  return yajl_tree_get (root, path, type);
}

static bool
array_has (yajl_val arr, const char *s)
{
  for (size_t i = 0; arr && i < arr->u.array.len; i++)
    {
      const char *v = YAJL_IS_STRING (arr->u.array.values[i]) ? arr->u.array.values[i]->u.string : NULL;
      if (v && strcmp (v, s) == 0)
        return true;
    }
  return false;
}

int
main (void)
{
  char *text = zone_features_json ();
  char errbuf[256];
  yajl_val root = yajl_tree_parse (text, errbuf, sizeof errbuf);
  const char *hooks[] = { "hooks", NULL };
  const char *caps[] = { "linux", "capabilities", NULL };
  const char *sec_enabled[] = { "linux", "seccomp", "enabled", NULL };
  const char *sec_actions[] = { "linux", "seccomp", "actions", NULL };
  const char *sec_ops[] = { "linux", "seccomp", "operators", NULL };
  const char *rdt[] = { "linux", "intelRdt", "enabled", NULL };

  CHECK (root != NULL);
  CHECK (get (root, hooks, yajl_t_array) && get (root, hooks, yajl_t_array)->u.array.len == 6);
  CHECK (array_has (get (root, hooks, yajl_t_array), "createContainer"));
  CHECK (array_has (get (root, caps, yajl_t_array), "CAP_SYS_ADMIN"));
  CHECK (array_has (get (root, caps, yajl_t_array), "CAP_CHOWN"));
  CHECK (YAJL_IS_TRUE (get (root, sec_enabled, yajl_t_any)));
  CHECK (array_has (get (root, sec_actions, yajl_t_array), "SCMP_ACT_ERRNO"));
  /* Not implemented: must not be claimed. */
  CHECK (!array_has (get (root, sec_actions, yajl_t_array), "SCMP_ACT_NOTIFY"));
  CHECK (array_has (get (root, sec_ops, yajl_t_array), "SCMP_CMP_MASKED_EQ"));
  CHECK (YAJL_IS_FALSE (get (root, rdt, yajl_t_any)));
  yajl_tree_free (root);
  free (text);
  UNIT_DONE ();
}
