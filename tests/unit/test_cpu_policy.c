/* The governor's pure parts: annotations, burst budget, demand and the allocation. */
#include "../../cgroups/cpu_policy.h"
#include "unit.h"

#include <math.h>

#define NEAR(a, b) (fabs ((a) - (b)) < 0.005)

static struct cpu_policy
policy (const char *const *kv)
{
  struct cpu_policy p;
  cpu_policy_init (&p);
  for (; kv && kv[0]; kv += 2)
    {
      zerr *err = NULL;
      CHECK (cpu_policy_set (&p, kv[0], kv[1], &err) == 1);
      zerr_free (&err);
    }
  return p;
}

static void
test_annotations (void)
{
  static const struct
  {
    const char *key, *value, *message;
  } bad[] = {
    { "org.zone.cpu.cap", "0", "annotations.org.zone.cpu.cap: must be a number of cores above 0" },
    { "org.zone.cpu.cap", "-1", "annotations.org.zone.cpu.cap: must be" },
    { "org.zone.cpu.cap", "1e3", "annotations.org.zone.cpu.cap: must be" },
    { "org.zone.cpu.cap", "nan", "annotations.org.zone.cpu.cap: must be" },
    { "org.zone.cpu.reserve", "", "annotations.org.zone.cpu.reserve: must be" },
    { "org.zone.cpu.weight", "1.5", "annotations.org.zone.cpu.weight: must be a whole number from 1 to 10000" },
    { "org.zone.cpu.weight", "0", "annotations.org.zone.cpu.weight: must be" },
    { "org.zone.cpu.weight", "10001", "annotations.org.zone.cpu.weight: must be" },
    { "org.zone.cpu.burst", "90000", "annotations.org.zone.cpu.burst: must be a number of seconds" },
    { "org.zone.cpu.caps", "1", "annotations.org.zone.cpu.caps: unknown" },
  };
  struct cpu_policy p;
  zerr *err = NULL;
  const char *good[] = { "org.zone.cpu.cap", "0.5", "org.zone.cpu.weight", "300", "org.zone.cpu.reserve", "0.25",
                         "org.zone.cpu.baseline", "0.3", "org.zone.cpu.burst", "2", "org.zone.cpu.cooldown", "3.5",
                         NULL };

  p = policy (good);
  CHECK (p.cap == 0.5 && p.weight == 300 && p.reserve == 0.25 && p.baseline == 0.3 && p.burst == 2
         && p.cooldown == 3.5);
  CHECK (cpu_policy_check (&p, 2, &err) == 0);
  CHECK (cpu_policy_needs_governor (&p));
  cpu_policy_init (&p);
  CHECK (p.weight == 100 && !cpu_policy_needs_governor (&p));
  /* not a cpu annotation: left alone */
  CHECK (cpu_policy_set (&p, "org.zone.net.mode", "bridge", &err) == 0 && err == NULL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      cpu_policy_init (&p);
      CHECK (cpu_policy_set (&p, bad[i].key, bad[i].value, &err) < 0);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, bad[i].message);
      zerr_free (&err);
    }
}

static void
test_check (void)
{
  static const struct
  {
    const char *kv[5], *message;
  } bad[] = {
    { { "org.zone.cpu.reserve", "3", NULL }, "org.zone.cpu.reserve: 3 cores is more than this host has (2)" },
    { { "org.zone.cpu.reserve", "1", "org.zone.cpu.cap", "0.5", NULL }, "above the zone's own cap" },
    { { "org.zone.cpu.baseline", "1", "org.zone.cpu.cap", "0.5", NULL }, "baseline: 1 cores is above" },
    { { "org.zone.cpu.burst", "2", NULL }, "org.zone.cpu.burst: needs org.zone.cpu.baseline" },
    { { "org.zone.cpu.cooldown", "2", NULL }, "org.zone.cpu.cooldown: needs org.zone.cpu.baseline" },
    { { "org.zone.cpu.reserve", "0.5", "org.zone.cpu.baseline", "0.2", NULL }, "above the zone's baseline" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct cpu_policy p = policy (bad[i].kv);
      zerr *err = NULL;
      CHECK (cpu_policy_check (&p, 2, &err) < 0);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, bad[i].message);
      zerr_free (&err);
    }
}

/* baseline 0.2, burst 2 s, cooldown 3 s, ticks of 100 ms */
static void
test_burst (void)
{
  const char *kv[] = { "org.zone.cpu.baseline", "0.2", "org.zone.cpu.burst", "2", "org.zone.cpu.cooldown", "3", NULL };
  struct cpu_policy p = policy (kv);
  struct cpu_burst b;
  int ticks = 0;

  cpu_burst_init (&b, &p);
  CHECK (b.budget == 2 && !cpu_burst_cooling (&b));
  CHECK (cpu_bound (&p, &b, 2) == 2);
  /* drains at one second a second while above the baseline */
  while (!cpu_burst_cooling (&b) && ticks < 100)
    {
      cpu_burst_step (&b, &p, 1.0, 0.1);
      ticks++;
    }
  CHECK (ticks == 20);
  CHECK (NEAR (cpu_bound (&p, &b, 2), 0.2));
  /* held at the baseline for the cooldown, however hard it pushes, then full again */
  ticks = 0;
  while (cpu_burst_cooling (&b) && ticks < 100)
    {
      cpu_burst_step (&b, &p, 0.2, 0.1);
      ticks++;
    }
  CHECK (ticks == 30);
  CHECK (b.budget == 2 && cpu_bound (&p, &b, 2) == 2);
  /* one second of bursting, then quiet: refills at burst/cooldown = 2/3 s a second */
  for (int i = 0; i < 10; i++)
    cpu_burst_step (&b, &p, 1.0, 0.1);
  CHECK (NEAR (b.budget, 1.0));
  for (int i = 0; i < 9; i++)
    cpu_burst_step (&b, &p, 0.1, 0.1);
  CHECK (NEAR (b.budget, 1.6));
  for (int i = 0; i < 30; i++)
    cpu_burst_step (&b, &p, 0.0, 0.1);
  CHECK (b.budget == 2);
  /* running at the baseline spends nothing */
  for (int i = 0; i < 100; i++)
    cpu_burst_step (&b, &p, 0.2, 0.1);
  CHECK (b.budget == 2 && !cpu_burst_cooling (&b));
  /* without a baseline there is nothing to account */
  {
    struct cpu_policy q;
    struct cpu_burst c;
    cpu_policy_init (&q);
    cpu_burst_init (&c, &q);
    cpu_burst_step (&c, &q, 2.0, 100);
    CHECK (!cpu_burst_cooling (&c) && cpu_bound (&q, &c, 2) == 2);
  }
}

static void
test_demand (void)
{
  /* held at its ceiling: it may want all it may have */
  CHECK (cpu_demand (0.5, 0.5, 2, false) == 2);
  CHECK (cpu_demand (0.46, 0.5, 1.5, true) == 1.5);
  /* below it: room to grow, more on a full host */
  CHECK (NEAR (cpu_demand (0.4, 2, 2, false), 0.52));
  CHECK (NEAR (cpu_demand (0.4, 2, 2, true), 0.62));
  CHECK (NEAR (cpu_demand (0, 2, 2, false), 0.02));
  CHECK (cpu_demand (1.9, 2.5, 1.95, false) == 1.95);
}

static double
sum (const double *a, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += a[i];
  return s;
}

static void
test_allocate (void)
{
  double c[4];

  {
    /* room for everyone: each may have its bound */
    struct cpu_alloc_zone z[] = { { 0.3, 100, 0, 2, true }, { 0.5, 100, 0, 0.7, true }, { 0.02, 100, 0, 2, false } };
    cpu_allocate (z, 3, 2, c);
    CHECK (c[0] == 2 && c[1] == 0.7 && c[2] == 2);
  }
  {
    /* 3 busy zones, weights 1:2:1, 2 cores: 0.5, 1, 0.5 */
    struct cpu_alloc_zone z[] = { { 2, 1, 0, 2, true }, { 2, 2, 0, 2, true }, { 2, 1, 0, 2, true } };
    cpu_allocate (z, 3, 2, c);
    CHECK (NEAR (c[0], 0.5) && NEAR (c[1], 1.0) && NEAR (c[2], 0.5));
    CHECK (NEAR (sum (c, 3), 2));
  }
  {
    /* a reservation holds under overload, whatever the weights of the others */
    struct cpu_alloc_zone z[] = { { 2, 1, 1, 2, true }, { 2, 1000, 0, 2, true }, { 2, 1000, 0, 2, true } };
    cpu_allocate (z, 3, 2, c);
    CHECK (c[0] >= 1.0 && NEAR (c[1], 0.5) && NEAR (c[2], 0.5));
    CHECK (NEAR (sum (c, 3), 2));
    /* weights rule within the rest: a reserved zone with a high weight gets more than its reservation */
    z[0].weight = 2000;
    cpu_allocate (z, 3, 2, c);
    CHECK (NEAR (c[0], 1.0) && NEAR (c[1], 0.5));
    z[0].weight = 6000;
    cpu_allocate (z, 3, 2, c);
    CHECK (NEAR (c[0], 1.5) && NEAR (c[1], 0.25) && NEAR (c[2], 0.25));
  }
  {
    /* an idle reserved zone holds nothing back from the others, but keeps its reservation as
       its own ceiling for when it wakes */
    struct cpu_alloc_zone z[] = { { 0.02, 1, 1, 2, false }, { 2, 1, 0, 2, true }, { 2, 1, 0, 2, true } };
    cpu_allocate (z, 3, 2, c);
    CHECK (c[0] >= 1.0 && NEAR (c[1], 0.99) && NEAR (c[2], 0.99));
  }
  {
    /* caps are never exceeded, and what a capped zone cannot take goes to the others
       (work-conserving): cap 0.3 and two busy zones of equal weight */
    struct cpu_alloc_zone z[] = { { 0.3, 100, 0, 0.3, true }, { 2, 100, 0, 2, true }, { 2, 100, 0, 2, true } };
    cpu_allocate (z, 3, 2, c);
    CHECK (c[0] <= 0.3 + 1e-9 && NEAR (c[1], 0.85) && NEAR (c[2], 0.85));
    CHECK (NEAR (sum (c, 3), 2));
  }
  {
    /* a zone wanting less than its share gets what it wants; the rest goes by weight */
    struct cpu_alloc_zone z[] = { { 0.2, 100, 0, 2, true }, { 2, 100, 0, 2, true }, { 2, 300, 0, 2, true } };
    cpu_allocate (z, 3, 2, c);
    CHECK (NEAR (c[0], 0.2) && NEAR (c[1], 0.45) && NEAR (c[2], 1.35));
  }
  {
    /* a host that lost cores under its reservations shrinks them alike */
    struct cpu_alloc_zone z[] = { { 2, 100, 1.5, 2, true }, { 2, 100, 1.5, 2, true } };
    cpu_allocate (z, 2, 2, c);
    CHECK (c[0] >= 1.0 && c[1] >= 1.0);
  }
  cpu_allocate (NULL, 0, 2, c);
}

static void
test_weight (void)
{
  CHECK (cpu_weight_for (1.0, true) == 100);
  CHECK (cpu_weight_for (0.001, true) == 1);
  CHECK (cpu_weight_for (500, true) == 10000);
  CHECK (cpu_weight_for (0.5, false) == 512);
  CHECK (cpu_weight_for (0, false) == 2);
}

int
main (void)
{
  test_annotations ();
  test_check ();
  test_burst ();
  test_demand ();
  test_allocate ();
  test_weight ();
  UNIT_DONE ();
}
