/* The host's CPU reservations: see cpu_reserve.h. One line a zone, "MILLICORES<TAB>ID<TAB>ROOT"
   (the root last: it may hold tabs), rewritten whole under a lock. */
#define _GNU_SOURCE
#include "cpu_reserve.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "../util/units.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define LEDGER_DIR "/run/zone-cpu"

static int
lock_ledger (zerr **err)
{
  int ret = mkdir_p (LEDGER_DIR, 0700, err);
  return ret < 0 ? ret : lock_file (LEDGER_DIR "/.lock", err);
}

static bool
zone_exists (const char *root, const char *id)
{
  char path[PATH_MAX + 300];
  snprintf (path, sizeof path, "%s/%s/state.json", root, id);
  return access (path, F_OK) == 0;
}

/* The ledger without (root, id) and without zones that are gone; *used: their sum. */
static void
read_ledger (const char *root, const char *id, struct strbuf *kept, long *used)
{
  cleanup_free char *text = NULL;
  char *save = NULL;

  *used = 0;
  strbuf_append (kept, "");
  if (read_file_at (AT_FDCWD, ZONE_CPU_RESERVE_FILE, &text, NULL, NULL) < 0)
    return;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *tab1 = strchr (line, '\t'), *tab2 = tab1 ? strchr (tab1 + 1, '\t') : NULL, *end;
      long milli;
      if (tab2 == NULL)
        continue;
      *tab1 = *tab2 = '\0';
      milli = strtol (line, &end, 10);
      if (*end || milli <= 0 || (strcmp (tab1 + 1, id) == 0 && strcmp (tab2 + 1, root) == 0)
          || !zone_exists (tab2 + 1, tab1 + 1))
        continue;
      *used += milli;
      strbuf_appendf (kept, "%ld\t%s\t%s\n", milli, tab1 + 1, tab2 + 1);
    }
}

static int
write_ledger (const struct strbuf *sb, zerr **err)
{
  if (sb->len == 0)
    {
      unlink (ZONE_CPU_RESERVE_FILE);
      return 0;
    }
  return write_file_atomic (ZONE_CPU_RESERVE_FILE, sb->buf, sb->len, 0600, err);
}

int
cpu_reserve_acquire (const char *root, const char *id, double cores, double host_cores, zerr **err)
{
  cleanup_free char *real = realpath (root, NULL);
  struct strbuf sb = { 0 };
  long used, want = (long) round_nearest (cores * 1000), host = (long) round_nearest (host_cores * 1000);
  int lock = lock_ledger (err), ret;

  if (lock < 0)
    return lock;
  read_ledger (real ? real : root, id, &sb, &used);
  if (used + want > host)
    ret = zerr_set (err, ENOSPC, "config.json: annotations.org.zone.cpu.reserve: %g cores asked, but only %g of the "
                                 "host's %g cores are free of reservations", cores, (double) (host - used) / 1000,
                    host_cores);
  else
    {
      strbuf_appendf (&sb, "%ld\t%s\t%s\n", want, id, real ? real : root);
      ret = write_ledger (&sb, err);
    }
  free (sb.buf);
  close (lock);
  return ret;
}

void
cpu_reserve_release (const char *root, const char *id)
{
  cleanup_free char *real = realpath (root, NULL);
  struct strbuf sb = { 0 };
  long used;
  int lock = lock_ledger (NULL);

  if (lock < 0)
    return;
  read_ledger (real ? real : root, id, &sb, &used);
  write_ledger (&sb, NULL);
  free (sb.buf);
  close (lock);
}
