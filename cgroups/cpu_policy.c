/* The CPU promises of zones and the pure arithmetic of the governor: see cpu_policy.h. */
#include "cpu_policy.h"
#include "../util/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "org.zone.cpu."
#define MAX_CORES 4096.0
#define MAX_SECONDS 86400.0

void
cpu_policy_init (struct cpu_policy *p)
{
  *p = (struct cpu_policy) { .weight = CPU_WEIGHT_DEFAULT };
}

double
cpu_host_cores (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (double) n : 1;
}

/* A plain decimal number (no sign, exponent, hex, inf or nan) in (min, max]. */
static bool
parse_decimal (const char *s, double min, double max, double *out)
{
  char *end;
  double v;

  if (s == NULL || *s == '\0' || strspn (s, "0123456789.") != strlen (s))
    return false;
  errno = 0;
  v = strtod (s, &end);
  if (errno || *end || !(v > min) || v > max)
    return false;
  *out = v;
  return true;
}

int
cpu_policy_set (struct cpu_policy *p, const char *key, const char *value, zerr **err)
{
  static const struct
  {
    const char *name;
    size_t offset;
    double min, max;
    const char *what;
  } keys[] = {
    { "weight", offsetof (struct cpu_policy, weight), 0.999, 10000, "a whole number from 1 to 10000" },
    { "cap", offsetof (struct cpu_policy, cap), 0, MAX_CORES, "a number of cores above 0, such as 0.5 or 2" },
    { "reserve", offsetof (struct cpu_policy, reserve), 0, MAX_CORES, "a number of cores above 0, such as 0.5 or 2" },
    { "baseline", offsetof (struct cpu_policy, baseline), 0, MAX_CORES, "a number of cores above 0, such as 0.2" },
    { "burst", offsetof (struct cpu_policy, burst), 0, MAX_SECONDS, "a number of seconds above 0, at most 86400" },
    { "cooldown", offsetof (struct cpu_policy, cooldown), 0, MAX_SECONDS, "a number of seconds above 0, at most 86400" },
  };

  if (strncmp (key, PREFIX, strlen (PREFIX)) != 0)
    return 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    {
      double v;
      if (strcmp (key + strlen (PREFIX), keys[i].name) != 0)
        continue;
      if (!parse_decimal (value, keys[i].min, keys[i].max, &v)
          || (strcmp (keys[i].name, "weight") == 0 && v != (double) (long long) v))
        return zerr_set (err, EINVAL, "config.json: annotations.%s: must be %s, not `%s`", key, keys[i].what, value);
      *(double *) ((char *) p + keys[i].offset) = v;
      return 1;
    }
  return zerr_set (err, EINVAL, "config.json: annotations.%s: unknown; zone knows org.zone.cpu.weight, cap, reserve, "
                                "baseline, burst and cooldown", key);
}

int
cpu_policy_check (const struct cpu_policy *p, double host_cores, zerr **err)
{
  if (p->reserve > host_cores)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.reserve: %g cores is more than this host "
                                  "has (%g)", p->reserve, host_cores);
  if (p->cap && p->reserve > p->cap)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.reserve: %g cores is above the zone's own "
                                  "cap (org.zone.cpu.cap %g)", p->reserve, p->cap);
  if (p->cap && p->baseline > p->cap)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.baseline: %g cores is above the zone's "
                                  "own cap (org.zone.cpu.cap %g)", p->baseline, p->cap);
  if (p->baseline && p->reserve > p->baseline)
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.reserve: %g cores is above the zone's "
                                  "baseline (%g): a zone held at its baseline cannot be guaranteed more",
                     p->reserve, p->baseline);
  if (!p->baseline && (p->burst || p->cooldown))
    return zerr_set (err, EINVAL, "config.json: annotations.org.zone.cpu.%s: needs org.zone.cpu.baseline, the "
                                  "level the zone bursts above", p->burst ? "burst" : "cooldown");
  return 0;
}

bool
cpu_policy_needs_governor (const struct cpu_policy *p)
{
  return p->reserve > 0 || p->baseline > 0;
}

static double
burst_seconds (const struct cpu_policy *p)
{
  return p->burst > 0 ? p->burst : CPU_BURST_DEFAULT;
}

static double
cooldown_seconds (const struct cpu_policy *p)
{
  return p->cooldown > 0 ? p->cooldown : CPU_COOLDOWN_DEFAULT;
}

void
cpu_burst_init (struct cpu_burst *b, const struct cpu_policy *p)
{
  b->budget = p->baseline > 0 ? burst_seconds (p) : 0;
  b->cooldown_left = 0;
}

void
cpu_burst_step (struct cpu_burst *b, const struct cpu_policy *p, double usage, double dt)
{
  double full, refill;
  /* Above the baseline by a little more than measuring noise. */
  double slack = 0.01 + 0.05 * p->baseline;

  if (p->baseline <= 0 || dt <= 0)
    return;
  full = burst_seconds (p);
  refill = dt * full / cooldown_seconds (p);
  if (b->cooldown_left > 0)
    {
      b->cooldown_left -= dt;
      b->budget = b->cooldown_left > 0 ? dmin (full, b->budget + refill) : full;
      if (b->cooldown_left < 0)
        b->cooldown_left = 0;
      return;
    }
  if (usage > p->baseline + slack)
    {
      b->budget -= dt;
      if (b->budget <= 0)
        {
          b->budget = 0;
          b->cooldown_left = cooldown_seconds (p);
        }
      return;
    }
  b->budget = dmin (full, b->budget + refill);
}

double
cpu_bound (const struct cpu_policy *p, const struct cpu_burst *b, double host_cores)
{
  double bound = p->cap > 0 ? dmin (p->cap, host_cores) : host_cores;
  if (p->baseline > 0 && cpu_burst_cooling (b))
    bound = dmin (bound, p->baseline);
  return bound;
}

double
cpu_demand (double usage, double ceiling, double bound, bool host_full)
{
  if (usage >= 0.9 * ceiling)
    return bound;
  return dmin (bound, usage * (host_full ? 1.5 : 1.25) + 0.02);
}

/* Ceilings a[i] in [floor[i], want[i]] with sum = total, each zone at level * weight where the
   bounds allow (the weighted water level). Needs sum(floor) <= total <= sum(want). */
static void
water_fill (const double *want, const double *floor_, const double *weight, size_t n, double total, double *a)
{
  double lo = 0, hi = 0;

  for (size_t i = 0; i < n; i++)
    if (weight[i] > 0 && want[i] / weight[i] > hi)
      hi = want[i] / weight[i];
  /* The sum is monotone in the level: bisect it; 60 halvings reach a double's precision. */
  for (int it = 0; it < 60; it++)
    {
      double mid = (lo + hi) / 2, sum = 0;
      for (size_t i = 0; i < n; i++)
        sum += dmin (want[i], dmax (floor_[i], mid * weight[i]));
      if (sum < total)
        lo = mid;
      else
        hi = mid;
    }
  for (size_t i = 0; i < n; i++)
    a[i] = dmin (want[i], dmax (floor_[i], hi * weight[i]));
}

void
cpu_allocate (const struct cpu_alloc_zone *z, size_t n, double host_cores, double *ceiling)
{
  double *want = calloc (n ? n : 1, 3 * sizeof (double));
  double *floor_, *weight, sum_want = 0, sum_floor = 0;

  if (want == NULL)
    abort ();
  floor_ = want + n;
  weight = want + 2 * n;
  for (size_t i = 0; i < n; i++)
    {
      want[i] = dmax (0, dmin (z[i].demand, z[i].bound));
      floor_[i] = z[i].active ? dmin (z[i].reserve, want[i]) : 0;
      weight[i] = z[i].weight > 0 ? z[i].weight : CPU_WEIGHT_DEFAULT;
      sum_want += want[i];
      sum_floor += floor_[i];
    }
  if (sum_want <= host_cores)
    for (size_t i = 0; i < n; i++)
      ceiling[i] = z[i].bound;
  else if (sum_floor >= host_cores)
    /* Only when the host lost cores since the reservations were made: shrink them alike. */
    for (size_t i = 0; i < n; i++)
      ceiling[i] = floor_[i] * host_cores / sum_floor;
  else
    water_fill (want, floor_, weight, n, host_cores, ceiling);
  for (size_t i = 0; i < n; i++)
    ceiling[i] = dmax (ceiling[i], dmin (z[i].reserve, z[i].bound));
  free (want);
}

unsigned long
cpu_weight_for (double ceiling, bool v2)
{
  double w = v2 ? ceiling * 100 : ceiling * 1024;
  double lo = v2 ? 1 : 2, hi = v2 ? 10000 : 262144;
  return (unsigned long) round_nearest (dmin (hi, dmax (lo, w)));
}
