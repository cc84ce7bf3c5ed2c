/* linux.resources: parsing with JSON-path errors, and the files written for v1 and v2 hosts,
   including the shares<->weight, blkio->io weight and swap conversions. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../cgroups/devices_bpf.h"
#include "../../cgroups/resources.h"
#include "../../cgroups/writes.h"

#include <stdlib.h>

static int
all_v1 (const char *ctrl, void *data)
{
  (void) data;
  /* A v1 host: no io (that is blkio) and no unified files. */
  return strcmp (ctrl, "io") == 0 || *ctrl == '\0' ? 0 : 1;
}

static int
all_v2 (const char *ctrl, void *data)
{
  (void) data;
  return strcmp (ctrl, "blkio") == 0 || strcmp (ctrl, "net_cls") == 0 || strcmp (ctrl, "devices") == 0 ? 0 : 2;
}

static int
v1_no_hugetlb (const char *ctrl, void *data)
{
  return strcmp (ctrl, "hugetlb") == 0 ? 0 : all_v1 (ctrl, data);
}

static struct zone_resources *
parse (const char *json, zerr **err)
{
  char errbuf[128];
  yajl_val tree = yajl_tree_parse (json, errbuf, sizeof errbuf);
  struct zone_resources *r = NULL;
  if (tree == NULL)
    {
      fprintf (stderr, "bad test JSON: %s\n", json);
      abort ();
    }
  zone_resources_parse ("config.json", "linux.resources", tree, &r, err);
  yajl_tree_free (tree);
  return r;
}

/* The value written to file, or NULL; with several writes to one file, the nth (0-based). */
static const char *
written (const struct cgroup_writes *w, const char *file, int nth)
{
  for (size_t i = 0; i < w->n; i++)
    if (strcmp (w->w[i].file, file) == 0 && nth-- == 0)
      return w->w[i].value;
  return NULL;
}

#define CHECK_WRITE(w, file, nth, value) CHECK_STR_CONTAINS (written (w, file, nth) ? written (w, file, nth) : "(none)", value)

static void
test_conversions (void)
{
  CHECK (cgroup_shares_to_weight (2) == 1);
  CHECK (cgroup_shares_to_weight (1024) == 39);
  CHECK (cgroup_shares_to_weight (262144) == 10000);
  CHECK (cgroup_weight_to_shares (1) == 2);
  CHECK (cgroup_weight_to_shares (10000) == 262144);
  /* A round trip lands close to where it started. */
  CHECK (cgroup_shares_to_weight (cgroup_weight_to_shares (100)) >= 99
         && cgroup_shares_to_weight (cgroup_weight_to_shares (100)) <= 100);
  CHECK (cgroup_blkio_to_io_weight (10) == 1);
  CHECK (cgroup_blkio_to_io_weight (500) == 4950);
  CHECK (cgroup_blkio_to_io_weight (1000) == 10000);
  {
    int64_t out = 0;
    CHECK (cgroup_swap_to_v2 (-1, 100, &out) == 0 && out == -1);
    CHECK (cgroup_swap_to_v2 (300, 100, &out) == 0 && out == 200);
    CHECK (cgroup_swap_to_v2 (100, 100, &out) == 0 && out == 0);
    CHECK (cgroup_swap_to_v2 (50, 100, &out) < 0);
    CHECK (cgroup_swap_to_v2 (50, -1, &out) < 0);
  }
}

static const char *full = "{\"cpu\": {\"shares\": 1024, \"quota\": 20000, \"period\": 100000, \"cpus\": \"0-1\", "
                          "\"mems\": \"0\", \"burst\": 1000, \"idle\": 0},"
                          " \"memory\": {\"limit\": 33554432, \"reservation\": 16777216, \"swap\": 67108864},"
                          " \"pids\": {\"limit\": 16},"
                          " \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, "
                          "\"rate\": 1048576}]},"
                          " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
                          " \"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"c\", "
                          "\"major\": 10, \"minor\": 229, \"access\": \"rw\"}]}";

static void
test_v1 (void)
{
  zerr *err = NULL;
  struct zone_resources *r = parse (full, &err);
  struct cgroup_writes w = { 0 };

  CHECK (r != NULL);
  CHECK (cgroup_resource_writes (r, 0, all_v1, NULL, "linux.resources", &w, &err) == 0);
  CHECK_WRITE (&w, "cpu.shares", 0, "1024");
  CHECK_WRITE (&w, "cpu.cfs_quota_us", 0, "20000");
  CHECK_WRITE (&w, "cpu.cfs_period_us", 0, "100000");
  CHECK_WRITE (&w, "cpu.cfs_burst_us", 0, "1000");
  CHECK_WRITE (&w, "cpuset.cpus", 0, "0-1");
  CHECK_WRITE (&w, "memory.limit_in_bytes", 0, "33554432");
  CHECK_WRITE (&w, "memory.soft_limit_in_bytes", 0, "16777216");
  /* v1 memsw counts memory + swap, as OCI does: unchanged */
  CHECK_WRITE (&w, "memory.memsw.limit_in_bytes", 0, "67108864");
  CHECK_WRITE (&w, "pids.max", 0, "16");
  CHECK_WRITE (&w, "blkio.weight", 0, "500");
  CHECK_WRITE (&w, "blkio.throttle.read_bps_device", 0, "8:0 1048576");
  CHECK_WRITE (&w, "hugetlb.2MB.limit_in_bytes", 0, "4194304");
  /* deny everything, the config's deny-all, the default devices after it, then the rest in order */
  CHECK_WRITE (&w, "devices.deny", 0, "a");
  CHECK_WRITE (&w, "devices.deny", 1, "a");
  CHECK_WRITE (&w, "devices.allow", 2, "c 1:3 rwm");
  CHECK_WRITE (&w, "devices.allow", 10, "c 10:229 rw");
  {
    /* the devices.* writes keep this order: the default allows come after the config's deny-all */
    size_t deny1 = 0, null_allow = 0, last = 0;
    int denies = 0;
    for (size_t i = 0; i < w.n; i++)
      {
        if (strcmp (w.w[i].file, "devices.deny") == 0 && ++denies == 2)
          deny1 = i;
        if (strcmp (w.w[i].value, "c 1:3 rwm") == 0)
          null_allow = i;
        if (strcmp (w.w[i].value, "c 10:229 rw") == 0)
          last = i;
      }
    CHECK (deny1 < null_allow && null_allow < last);
  }
  cgroup_writes_free (&w);

  /* the weight annotation takes the place of shares */
  CHECK (cgroup_resource_writes (r, 100, all_v1, NULL, "linux.resources", &w, &err) == 0);
  CHECK_WRITE (&w, "cpu.shares", 0, "2597");
  cgroup_writes_free (&w);

  /* a controller the host lacks is an error naming the JSON path */
  CHECK (cgroup_resource_writes (r, 0, v1_no_hugetlb, NULL, "linux.resources", &w, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "linux.resources.hugepageLimits: the hugetlb cgroup controller");
  zerr_free (&err);
  zone_resources_free (r);
}

static void
test_v2 (void)
{
  zerr *err = NULL;
  struct zone_resources *r = parse (full, &err);
  struct cgroup_writes w = { 0 };

  CHECK (cgroup_resource_writes (r, 0, all_v2, NULL, "linux.resources", &w, &err) == 0);
  CHECK_WRITE (&w, "cpu.weight", 0, "39");
  CHECK_WRITE (&w, "cpu.max", 0, "20000 100000");
  CHECK_WRITE (&w, "cpu.max.burst", 0, "1000");
  CHECK_WRITE (&w, "memory.max", 0, "33554432");
  CHECK_WRITE (&w, "memory.low", 0, "16777216");
  /* 64 MiB of memory + swap with a 32 MiB limit: 32 MiB of swap */
  CHECK_WRITE (&w, "memory.swap.max", 0, "33554432");
  CHECK_WRITE (&w, "pids.max", 0, "16");
  CHECK_WRITE (&w, "io.weight", 0, "default 4950");
  CHECK_WRITE (&w, "io.max", 0, "8:0 rbps=1048576");
  CHECK_WRITE (&w, "hugetlb.2MB.max", 0, "4194304");
  /* devices become an eBPF program: one marker write for the v2 hierarchy */
  CHECK (written (&w, "", 0) != NULL);
  CHECK (written (&w, "devices.deny", 0) == NULL);
  cgroup_writes_free (&w);
  zone_resources_free (r);

  r = parse ("{\"cpu\": {\"quota\": -1}, \"memory\": {\"limit\": -1, \"swap\": -1}, \"pids\": {\"limit\": -1}}", &err);
  CHECK (cgroup_resource_writes (r, 0, all_v2, NULL, "linux.resources", &w, &err) == 0);
  CHECK_WRITE (&w, "cpu.max", 0, "max");
  CHECK_WRITE (&w, "memory.max", 0, "max");
  CHECK_WRITE (&w, "memory.swap.max", 0, "max");
  CHECK_WRITE (&w, "pids.max", 0, "max");
  cgroup_writes_free (&w);
  zone_resources_free (r);

  r = parse ("{\"cpu\": {\"realtimeRuntime\": 950000}}", &err);
  CHECK (cgroup_resource_writes (r, 0, all_v2, NULL, "linux.resources", &w, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "linux.resources.cpu.realtimeRuntime");
  zerr_free (&err);
  zone_resources_free (r);

  r = parse ("{\"unified\": {\"memory.high\": \"1000000\"}}", &err);
  CHECK (cgroup_resource_writes (r, 0, all_v2, NULL, "linux.resources", &w, &err) == 0);
  CHECK_WRITE (&w, "memory.high", 0, "1000000");
  cgroup_writes_free (&w);
  CHECK (cgroup_resource_writes (r, 0, all_v1, NULL, "linux.resources", &w, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "linux.resources.unified");
  zerr_free (&err);
  zone_resources_free (r);
}

static const struct
{
  const char *json, *message;
} bad[] = {
  { "{\"cpu\": {\"shares\": 1}}", "linux.resources.cpu.shares: must be at least 2" },
  { "{\"cpu\": {\"shares\": \"many\"}}", "linux.resources.cpu.shares: must be an integer" },
  { "{\"cpu\": {\"period\": 10}}", "linux.resources.cpu.period: must be at least 1000" },
  { "{\"memory\": {\"limit\": 100, \"swap\": 50}}", "linux.resources.memory.swap: must be at least memory.limit" },
  { "{\"memory\": {\"swappiness\": 101}}", "linux.resources.memory.swappiness: must be between 0 and 100" },
  { "{\"blockIO\": {\"leafWeight\": 1001}}", "linux.resources.blockIO.leafWeight: must be between 10 and 1000" },
  { "{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 1}]}}",
    "linux.resources.blockIO.weightDevice[0].weight: must be at least 10" },
  { "{\"memory\": {\"swappiness\": -2}}", "linux.resources.memory.swappiness: must be at least -1" },
  { "{\"blockIO\": {\"weight\": 5}}", "linux.resources.blockIO.weight: must be at least 10" },
  { "{\"blockIO\": {\"weight\": 1}}", "linux.resources.blockIO.weight: must be at least 10" },
  { "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"rate\": 1}]}}",
    "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required but missing" },
  { "{\"devices\": [{\"access\": \"r\"}]}", "linux.resources.devices[0].allow: required but missing" },
  { "{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", "linux.resources.devices[0].type: must be" },
  { "{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}", "linux.resources.devices[0].access: must be made of the letters r, w and m" },
  { "{\"devices\": [{\"allow\": true, \"access\": \"rwa\"}]}", "linux.resources.devices[0].access: must be made" },
  { "{\"unified\": {\"../../escape\": \"1\"}}", "is not a cgroup file name" },
  { "{\"hugepageLimits\": [{\"limit\": 1}]}", "linux.resources.hugepageLimits[0].pageSize: required but missing" },
};

static void
test_bad (void)
{
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      zerr *err = NULL;
      struct zone_resources *r = parse (bad[i].json, &err);
      CHECK (r == NULL);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, bad[i].message);
      zerr_free (&err);
    }
}

/* What dockerd writes for a container that set no limit (and sends again on `update`): runc
   reads every 0 here as "not set", so nothing may be written, on v1 or v2. */
static void
test_zero_is_unset (void)
{
  static const char *docker = "{\"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0, \"realtimePeriod\": 0, "
                              "\"realtimeRuntime\": 0, \"cpus\": \"\", \"mems\": \"\"},"
                              " \"memory\": {\"limit\": 0, \"reservation\": 0, \"swap\": 0, \"swappiness\": -1},"
                              " \"blockIO\": {\"weight\": 0, \"leafWeight\": 0, \"weightDevice\": [{\"major\": 8, "
                              "\"minor\": 0, \"weight\": 0, \"leafWeight\": 0}]},"
                              " \"network\": {\"classID\": 0}}";
  cgroup_version_fn versions[] = { all_v1, all_v2 };

  for (size_t i = 0; i < 2; i++)
    {
      zerr *err = NULL;
      struct zone_resources *r = parse (docker, &err);
      struct cgroup_writes w = { 0 };
      CHECK (r != NULL);
      CHECK (r && cgroup_resource_writes (r, 0, versions[i], NULL, "linux.resources", &w, &err) == 0);
      for (size_t k = 0; k < w.n; k++)
        fprintf (stderr, "written although unset: %s = %s\n", w.w[k].file, w.w[k].value);
      CHECK (w.n == 0);
      cgroup_writes_free (&w);
      zerr_free (&err);
      zone_resources_free (r);
    }
  /* 1 stays refused, and a negative pids limit is "max" as with runc */
  {
    zerr *err = NULL;
    struct zone_resources *r = parse ("{\"pids\": {\"limit\": -5}}", &err);
    struct cgroup_writes w = { 0 };
    CHECK (r && cgroup_resource_writes (r, 0, all_v1, NULL, "linux.resources", &w, &err) == 0);
    CHECK_WRITE (&w, "pids.max", 0, "max");
    cgroup_writes_free (&w);
    zone_resources_free (r);
  }
  /* runtime-spec 1.3: pids.limit 0 is a real 0 */
  {
    zerr *err = NULL;
    struct zone_resources *r = parse ("{\"pids\": {\"limit\": 0}}", &err);
    struct cgroup_writes w = { 0 };
    CHECK (r && cgroup_resource_writes (r, 0, all_v1, NULL, "linux.resources", &w, &err) == 0);
    CHECK_WRITE (&w, "pids.max", 0, "0");
    cgroup_writes_free (&w);
    zone_resources_free (r);
  }
}

static void
test_bpf_program (void)
{
  struct zone_device_rule rules[] = { { false, 'a', -1, -1, "rwm" }, { true, 'c', 10, 229, "rw" } };
  struct bpf_insn *insns = NULL;
  size_t len = 0;
  devices_bpf_program (rules, 2, &insns, &len);
  CHECK (len > 10);
  /* It ends by denying what no rule matched. */
  CHECK (insns[len - 1].code == (BPF_JMP | BPF_EXIT));
  CHECK (insns[len - 2].imm == 0);
  /* Every jump stays inside the program. */
  for (size_t i = 0; i < len; i++)
    if (BPF_CLASS (insns[i].code) == BPF_JMP && BPF_OP (insns[i].code) != BPF_EXIT)
      CHECK (i + 1 + (size_t) insns[i].off < len);
  free (insns);
}

/* access is a composition of r, w, m: any order and repeats, stored in the kernel's order */
static void
test_device_access (void)
{
  static const struct
  {
    const char *given, *kept;
  } cases[] = { { "wr", "rw" }, { "rr", "r" }, { "mwr", "rwm" }, { "m", "m" }, { "", "rwm" }, { "wmw", "wm" } };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char json[128];
      zerr *err = NULL;
      struct zone_resources *r;
      snprintf (json, sizeof json, "{\"devices\": [{\"allow\": true, \"access\": \"%s\"}]}", cases[i].given);
      r = parse (json, &err);
      CHECK (r != NULL && r->n_devices == 1);
      if (r)
        CHECK (strcmp (r->devices[0].access, cases[i].kept) == 0);
      zone_resources_free (r);
      zerr_free (&err);
    }
}

int
main (void)
{
  test_conversions ();
  test_v1 ();
  test_v2 ();
  test_bad ();
  test_device_access ();
  test_zero_is_unset ();
  test_bpf_program ();
  UNIT_DONE ();
}
