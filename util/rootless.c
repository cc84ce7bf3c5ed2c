#define _GNU_SOURCE
#include "rootless.h"
#include "cleanup.h"
#include "fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

bool
in_user_namespace (void)
{
  cleanup_free char *map = NULL;
  unsigned long inside, outside, count;

  if (read_file_at (AT_FDCWD, "/proc/self/uid_map", &map, NULL, NULL) < 0)
    return false;
  /* The initial namespace maps all of 0..2^32-2 onto itself, in one line. */
  return !(sscanf (map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0
           && count == 4294967295UL);
}

bool
running_rootless (void)
{
  return geteuid () != 0 || in_user_namespace ();
}
