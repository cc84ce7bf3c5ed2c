/* The governor's pure parts. Lines KEY=VALUE before a line "--" are annotations below
   org.zone.cpu.; the bytes after it are zones (5 bytes each) for cpu_allocate, whose ceilings
   must be finite, never negative and never above a zone's bound. */
#include "../../cgroups/cpu_policy.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
annotations (char *text)
{
  struct cpu_policy p;
  struct cpu_burst b;
  zerr *err = NULL;
  char *save = NULL;

  cpu_policy_init (&p);
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char key[128];
      char *eq = strchr (line, '=');
      if (eq == NULL || eq - line > 100)
        continue;
      *eq = '\0';
      snprintf (key, sizeof key, "org.zone.cpu.%s", line);
      if (cpu_policy_set (&p, key, eq + 1, &err) < 0 && (err == NULL || strchr (err->msg, '\n')))
        abort ();
      zerr_free (&err);
    }
  if (cpu_policy_check (&p, 2, &err) < 0 && (err == NULL || strchr (err->msg, '\n')))
    abort ();
  zerr_free (&err);
  cpu_burst_init (&b, &p);
  for (int i = 0; i < 100; i++)
    {
      cpu_burst_step (&b, &p, (i % 7) * 0.3, 0.1);
      if (!(b.budget >= 0) || b.cooldown_left < 0 || cpu_bound (&p, &b, 2) > 2)
        abort ();
    }
}

static void
zones (const uint8_t *d, size_t size)
{
  size_t n = size / 5;
  struct cpu_alloc_zone *z = calloc (n + 1, sizeof *z);
  double *c = calloc (n + 1, sizeof (double));

  for (size_t i = 0; i < n; i++, d += 5)
    z[i] = (struct cpu_alloc_zone) { .demand = d[0] / 64.0,
                                     .weight = 1 + d[1] * 39,
                                     .reserve = (d[2] & 0x7f) / 64.0,
                                     .bound = (d[3] + 1) / 128.0,
                                     .active = d[4] & 1 };
  cpu_allocate (z, n, 2, c);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (c[i]) || c[i] < 0 || c[i] > z[i].bound + 1e-9)
      abort ();
  free (z);
  free (c);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1), *sep;

  memcpy (text, data, size);
  text[size] = '\0';
  sep = strstr (text, "\n--\n");
  if (sep)
    {
      size_t head = (size_t) (sep - text);
      *sep = '\0';
      zones (data + head + 4, size - head - 4);
    }
  annotations (text);
  free (text);
  return 0;
}
