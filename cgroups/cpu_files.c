/* The governor's cgroup files: see cpu_files.h. */
#define _GNU_SOURCE
#include "cpu_files.h"
#include "../util/cleanup.h"
#include "../util/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool
has_file (const char *dir, const char *file)
{
  char p[4096];
  snprintf (p, sizeof p, "%s/%s", dir, file);
  return access (p, F_OK) == 0;
}

static int
open_in (const char *dir, const char *file, int flags)
{
  char p[4096];
  snprintf (p, sizeof p, "%s/%s", dir, file);
  return open (p, flags | O_CLOEXEC);
}

const char *
cpu_usage_dir (char **paths)
{
  for (size_t i = 0; paths && paths[i]; i++)
    if (has_file (paths[i], "cpuacct.usage"))
      return paths[i];
  for (size_t i = 0; paths && paths[i]; i++)
    if (has_file (paths[i], "cpu.max"))
      return paths[i];
  return NULL;
}

int
cpu_usage_open (const char *dir, bool v2)
{
  return open_in (dir, v2 ? "cpu.stat" : "cpuacct.usage", O_RDONLY);
}

int
cpu_usage_read (int fd, bool v2, uint64_t *ns)
{
  char buf[512];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  unsigned long long v;

  if (n <= 0)
    return n < 0 ? -errno : -EIO;
  buf[n] = '\0';
  /* v2: "usage_usec N" is cpu.stat's first line. */
  if (v2 ? sscanf (buf, "usage_usec %llu", &v) != 1 : sscanf (buf, "%llu", &v) != 1)
    return -EIO;
  *ns = v2 ? v * 1000 : v;
  return 0;
}

static long
read_long (const char *dir, const char *file, long fallback)
{
  char buf[64];
  cleanup_close int fd = open_in (dir, file, O_RDONLY);
  ssize_t n;
  if (fd < 0 || (n = read (fd, buf, sizeof buf - 1)) <= 0)
    return fallback;
  buf[n] = '\0';
  return strtol (buf, NULL, 10);
}

int
cpu_files_open (char **paths, struct cpu_files *f, zerr **err)
{
  const char *cpu = NULL, *acct = NULL;

  *f = (struct cpu_files) CPU_FILES_INIT;
  for (size_t i = 0; paths && paths[i]; i++)
    {
      if (has_file (paths[i], "cpu.max"))
        cpu = paths[i], f->v2 = true;
      else if (has_file (paths[i], "cpu.cfs_quota_us"))
        cpu = paths[i];
      if (has_file (paths[i], "cpuacct.usage"))
        acct = paths[i];
    }
  if (cpu == NULL)
    return zerr_set (err, ENOTSUP, "no cpu controller in the zone's cgroup");
  if (!f->v2 && acct == NULL)
    return zerr_set (err, ENOTSUP, "no cpuacct controller in the zone's cgroup");
  f->usage_fd = cpu_usage_open (f->v2 ? cpu : acct, f->v2);
  f->quota_fd = open_in (cpu, f->v2 ? "cpu.max" : "cpu.cfs_quota_us", O_RDWR);
  f->weight_fd = open_in (cpu, f->v2 ? "cpu.weight" : "cpu.shares", O_RDWR);
  if (f->usage_fd < 0 || f->quota_fd < 0 || f->weight_fd < 0)
    {
      int ret = zerr_sys (err, "open the cpu files of `%s`", cpu);
      cpu_files_close (f);
      return ret;
    }
  if (f->v2)
    {
      char buf[64];
      ssize_t n = pread (f->quota_fd, buf, sizeof buf - 1, 0);
      long q, p = 100000;
      buf[n > 0 ? n : 0] = '\0';
      if (sscanf (buf, "%ld %ld", &q, &p) == 2 || sscanf (buf, "max %ld", &p) == 1)
        f->period_us = p;
      else
        f->period_us = 100000;
    }
  else
    f->period_us = read_long (cpu, "cpu.cfs_period_us", 100000);
  return 0;
}

void
cpu_files_close (struct cpu_files *f)
{
  cleanup_closep (&f->usage_fd);
  cleanup_closep (&f->quota_fd);
  cleanup_closep (&f->weight_fd);
}

int
cpu_files_quota (const struct cpu_files *f, double *cores)
{
  char buf[64];
  ssize_t n = pread (f->quota_fd, buf, sizeof buf - 1, 0);
  long q;

  if (n <= 0)
    return n < 0 ? -errno : -EIO;
  buf[n] = '\0';
  if (strncmp (buf, "max", 3) == 0 || sscanf (buf, "%ld", &q) != 1 || q < 0)
    *cores = 0;
  else
    *cores = (double) q / (double) f->period_us;
  return 0;
}

int
cpu_files_set_quota (const struct cpu_files *f, double cores)
{
  char buf[64];
  int len;

  if (cores <= 0)
    len = f->v2 ? snprintf (buf, sizeof buf, "max %ld", f->period_us) : snprintf (buf, sizeof buf, "-1");
  else
    {
      long q = (long) round_nearest (cores * (double) f->period_us);
      if (q < 1000)
        q = 1000; /* the kernel's least quota */
      len = f->v2 ? snprintf (buf, sizeof buf, "%ld %ld", q, f->period_us) : snprintf (buf, sizeof buf, "%ld", q);
    }
  return pwrite (f->quota_fd, buf, (size_t) len, 0) == len ? 0 : -errno;
}

int
cpu_files_set_weight (const struct cpu_files *f, unsigned long weight)
{
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%lu", weight);
  return pwrite (f->weight_fd, buf, (size_t) len, 0) == len ? 0 : -errno;
}
