/* state.json round trip, and id validation. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../runtime/store.h"
#include "../../spec/state.h"

#include <stdlib.h>

int
main (void)
{
  struct zone_kv ann[] = { { "org.zone.a", "b \"quoted\"" } };
  char *paths[] = { "/sys/fs/cgroup/cpu/zone/x", NULL };
  char *made[] = { "/sys/fs/cgroup/cpu/zone", "/sys/fs/cgroup/cpu/zone/x", NULL };
  struct zone_state s = {
    .oci_version = "1.2.0", .id = "x", .status = "running", .pid = 42, .pid_start = 123456789012ULL,
    .bundle = "/b", .rootfs = "/b/rootfs", .created = "2026-01-01T00:00:00.000000000Z", .owner = "root",
    .annotations = ann, .n_annotations = 1, .cgroup_paths = paths, .cgroup_made = made,
    .cgroup_owned = true,
  };
  struct zone_state *back = NULL;
  zerr *err = NULL;
  char *full = zone_state_to_json (&s, false), *pub = zone_state_to_json (&s, true);

  CHECK (zone_state_parse (full, &back, &err) == 0);
  if (back)
    {
      CHECK (strcmp (back->id, "x") == 0 && strcmp (back->status, "running") == 0);
      CHECK (back->pid == 42 && back->pid_start == 123456789012ULL);
      CHECK (back->n_annotations == 1 && strcmp (back->annotations[0].value, "b \"quoted\"") == 0);
      CHECK (back->cgroup_owned && strcmp (back->cgroup_paths[0], paths[0]) == 0);
      CHECK (back->cgroup_made && strcmp (back->cgroup_made[1], made[1]) == 0 && back->cgroup_made[2] == NULL);
    }
  /* The public state carries the OCI fields only. */
  CHECK_STR_CONTAINS (pub, "\"ociVersion\": \"1.2.0\"");
  CHECK_STR_CONTAINS (pub, "\"annotations\"");
  CHECK (strstr (pub, "pidStart") == NULL && strstr (pub, "cgroupPaths") == NULL && strstr (pub, "cgroupMade") == NULL);
  zone_state_free (back);
  free (full);
  free (pub);

  /* A pidStart above LLONG_MAX (found by fuzz_state) survives a write and a second read. */
  {
    struct zone_state big = { .id = "w", .status = "running", .pid_start = 17777777777701749526ULL };
    char *json = zone_state_to_json (&big, false);
    struct zone_state *again = NULL;
    CHECK (zone_state_parse (json, &again, &err) == 0);
    CHECK (again && again->pid_start == 17777777777701749526ULL);
    zone_state_free (again);
    free (json);
    zerr_free (&err);
  }

  CHECK (zone_state_parse ("{\"id\": 3}", &back, &err) < 0);
  zerr_free (&err);

  CHECK (store_validate_id ("web-1.example_2+x", NULL) == 0);
  CHECK (store_validate_id ("", NULL) < 0);
  CHECK (store_validate_id (".", NULL) < 0);
  CHECK (store_validate_id ("..", NULL) < 0);
  CHECK (store_validate_id ("a/b", NULL) < 0);
  CHECK (store_validate_id ("../etc", NULL) < 0);
  CHECK (store_validate_id ("a b", NULL) < 0);
  {
    char longid[1100];
    memset (longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    CHECK (store_validate_id (longid, NULL) < 0);
  }
  UNIT_DONE ();
}
