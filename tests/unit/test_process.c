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
  /* the state's owner: the name field */
  {
    char *n = passwd_field (pw, 1000, 0), *none = passwd_field (pw, 4242, 0);
    CHECK (n && strcmp (n, "app") == 0);
    CHECK (none == NULL);
    free (n);
  }
  UNIT_DONE ();
}
