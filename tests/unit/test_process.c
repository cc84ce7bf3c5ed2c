/* A passwd file -> HOME (the zone's), the name (the state's owner). */
#define _GNU_SOURCE
#include "unit.h"
#include "../../runtime/process.h"

#include <stdlib.h>

static int
home_is (const char *passwd, uid_t uid, const char *want)
{
  char *h = passwd_home (passwd, uid);
  int ok = want == NULL ? h == NULL : h != NULL && strcmp (h, want) == 0;
  if (!ok)
    fprintf (stderr, "uid %u: got %s, want %s\n", (unsigned) uid, h ? h : "(none)", want ? want : "(none)");
  free (h);
  return ok;
}

int
main (void)
{
  const char *pw = "root:x:0:0:root:/root:/bin/bash\n"
                   "# a comment line\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                   "broken\n"
                   "nohome:x:7:7:::/bin/sh\n"
                   "short:x:8:8\n"
                   "app:x:1000:1000:App,,,:/home/app:/bin/sh\n"
                   "big:x:4294967294:1:x:/big:/bin/sh";
  CHECK (home_is (pw, 0, "/root"));
  CHECK (home_is (pw, 1, "/usr/sbin"));
  CHECK (home_is (pw, 1000, "/home/app"));
  CHECK (home_is (pw, 4294967294u, "/big"));
  /* not listed, listed without a home, or a line too short: the caller falls back to "/" */
  CHECK (home_is (pw, 4242, NULL));
  CHECK (home_is (pw, 7, NULL));
  CHECK (home_is (pw, 8, NULL));
  CHECK (home_is ("", 0, NULL));
  /* a uid field that is not a number never matches */
  CHECK (home_is ("x:x:0abc:0::/nope:/bin/sh\n", 0, NULL));
  /* capability lists as the last stage takes them: bit masks; unknown names are left out (the
     config's validation refuses them first) */
  {
    char *bnd[] = { "CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", NULL }, *eff[] = { "CAP_KILL", NULL };
    char *amb[] = { "CAP_NET_BIND_SERVICE", "CAP_NOPE", NULL };
    struct zone_process p = { .caps = { .bounding = bnd, .effective = eff, .permitted = eff, .ambient = amb } };
    uint64_t m[5];
    process_cap_masks (&p, m);
    CHECK (m[0] == ((1ULL << 0) | (1ULL << 5) | (1ULL << 21)));
    CHECK (m[1] == (1ULL << 5) && m[2] == (1ULL << 5));
    CHECK (m[3] == 0);
    CHECK (m[4] == (1ULL << 10));
  }
  /* the state's owner: the name field */
  {
    char *n = passwd_field (pw, 1000, 0), *none = passwd_field (pw, 4242, 0);
    CHECK (n && strcmp (n, "app") == 0);
    CHECK (none == NULL);
    free (n);
  }
  UNIT_DONE ();
}
