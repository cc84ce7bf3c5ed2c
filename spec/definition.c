#define _GNU_SOURCE
#include "definition.h"
#include "config.h"
#include "../util/strbuf.h"
#include "../util/units.h"

#include <yajl/yajl_tree.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const zone_definition_options[] = {
  "net", "bridge", "subnet", "publish", "address", "memory", "cpu-weight", "cpu-cap", "cpu-reserve", "pids-limit", "env",
  "volume", "hostname", "user", "workdir", "read-only", "memory-merge", "notify", "seccomp", NULL,
};

/* The capabilities Docker and podman give a container: enough for ordinary services (their own
   files, users, ports below 1024, raw sockets for ping), nothing that reaches the host. */
static const char *const confined_caps[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
  "CAP_AUDIT_WRITE", NULL,
};

/* System calls a zone made from a template may not make (EPERM), grouped by why: what the
   engines' default profiles deny to a container without CAP_SYS_ADMIN and friends.  A deny list,
   so that new harmless calls keep working; docs/templates.md lists the same groups. */
static const char *const confined_denied[] = {
  /* the kernel keyring is not namespaced: keys would be the host root's */
  "add_key", "keyctl", "request_key",
  /* kernel modules and replacing the kernel */
  "init_module", "finit_module", "delete_module", "create_module", "kexec_load", "kexec_file_load",
  /* mounting (the zone's mounts are made by zone), new mount API included */
  "mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree",
  "move_mount", "mount_setattr",
  /* leaving or making namespaces */
  "unshare", "setns",
  /* the host's clock, swap, accounting, quotas, reboot, kernel log */
  "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex", "settimeofday", "stime",
  "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "reboot", "syslog", "vhangup",
  /* bpf, perf and userfaultfd: large kernel surfaces, and side channels */
  "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie",
  /* other processes' memory, and file handles that step outside the zone's root */
  "process_vm_readv", "process_vm_writev", "kcmp", "open_by_handle_at", "name_to_handle_at",
  /* raw I/O ports and old interfaces */
  "iopl", "ioperm", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "get_kernel_syms", "query_module",
  "fanotify_init", "io_uring_setup", "io_uring_enter", "io_uring_register",
  NULL,
};

static int
bad (zerr **err, const char *option, const char *value, const char *why)
{
  return zerr_set (err, EINVAL, "--%s: `%s` %s", option, value, why);
}

static void
push (char ***v, size_t *n, const char *s)
{
  *v = realloc (*v, (*n + 1) * sizeof (char *));
  if (*v == NULL)
    abort ();
  (*v)[(*n)++] = strdup (s);
}

/* Whether one of env's entries has the key kv begins with (klen bytes, "=" included). */
static bool
has_key (char *const *env, size_t n, const char *kv, size_t klen)
{
  for (size_t i = 0; i < n; i++)
    if (strncmp (env[i], kv, klen) == 0)
      return true;
  return false;
}

static char *
xstrdup_or_die (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

static void
replace (char **slot, const char *value)
{
  free (*slot);
  *slot = xstrdup_or_die (value);
}

/* A decimal number of cores above 0 (org.zone.cpu.cap and .reserve). */
static bool
is_cores (const char *s)
{
  char *end;
  double v;
  errno = 0;
  v = strtod (s, &end);
  return errno == 0 && end != s && *end == '\0' && v > 0 && v <= 4096 && isdigit ((unsigned char) s[0]);
}

static bool
is_port (const char *s, size_t len)
{
  long v = 0;
  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (!isdigit ((unsigned char) s[i]))
        return false;
      v = v * 10 + (s[i] - '0');
    }
  return v >= 1 && v <= 65535;
}

/* [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|/udp] */
static bool
is_publish (const char *s)
{
  char ip[INET_ADDRSTRLEN];
  struct in_addr a;
  const char *slash = strchr (s, '/'), *end = slash ? slash : s + strlen (s);
  const char *last = memrchr (s, ':', (size_t) (end - s)), *first;

  if (slash && strcmp (slash, "/tcp") != 0 && strcmp (slash, "/udp") != 0)
    return false;
  if (last == NULL || !is_port (last + 1, (size_t) (end - last - 1)))
    return false;
  first = memrchr (s, ':', (size_t) (last - s));
  if (first == NULL)
    return is_port (s, (size_t) (last - s));
  if (!is_port (first + 1, (size_t) (last - first - 1)) || (size_t) (first - s) >= sizeof ip)
    return false;
  memcpy (ip, s, (size_t) (first - s));
  ip[first - s] = '\0';
  return inet_pton (AF_INET, ip, &a) == 1;
}

static bool
is_subnet (const char *s)
{
  char ip[INET_ADDRSTRLEN];
  const char *slash = strchr (s, '/');
  struct in_addr a;
  long long prefix;

  if (slash == NULL || (size_t) (slash - s) >= sizeof ip || !parse_int (slash + 1, &prefix) || prefix < 8 || prefix > 30)
    return false;
  memcpy (ip, s, (size_t) (slash - s));
  ip[slash - s] = '\0';
  return inet_pton (AF_INET, ip, &a) == 1;
}

static int
set_volume (struct zone_definition *d, const char *value, zerr **err)
{
  char *copy = xstrdup_or_die (value), *src = copy, *dst, *mode;
  struct zone_volume v = { 0 };

  dst = strchr (src, ':');
  if (dst == NULL)
    {
      free (copy);
      return bad (err, "volume", value, "is not SOURCE:DESTINATION[:ro|:rw]");
    }
  *dst++ = '\0';
  mode = strchr (dst, ':');
  if (mode)
    *mode++ = '\0';
  if (src[0] != '/' || dst[0] != '/' || strchr (value, ',') || (mode && strcmp (mode, "ro") && strcmp (mode, "rw")))
    {
      free (copy);
      return bad (err, "volume", value, "is not SOURCE:DESTINATION[:ro|:rw] with absolute paths");
    }
  v.source = xstrdup_or_die (src);
  v.destination = xstrdup_or_die (dst);
  v.readonly = mode && strcmp (mode, "ro") == 0;
  free (copy);
  d->volumes = realloc (d->volumes, (d->n_volumes + 1) * sizeof *d->volumes);
  if (d->volumes == NULL)
    abort ();
  d->volumes[d->n_volumes++] = v;
  return 0;
}

static int
set_user (struct zone_definition *d, const char *value, zerr **err)
{
  char *end;
  unsigned long uid, gid;

  errno = 0;
  uid = strtoul (value, &end, 10);
  if (errno || end == value || !isdigit ((unsigned char) value[0]) || uid > UINT32_MAX - 1)
    return bad (err, "user", value, "is not UID[:GID] (numbers)");
  gid = uid;
  if (*end == ':')
    {
      const char *g = end + 1;
      gid = strtoul (g, &end, 10);
      if (errno || end == g || !isdigit ((unsigned char) g[0]) || gid > UINT32_MAX - 1)
        return bad (err, "user", value, "is not UID[:GID] (numbers)");
    }
  if (*end)
    return bad (err, "user", value, "is not UID[:GID] (numbers)");
  d->uid = (uint32_t) uid;
  d->gid = (uint32_t) gid;
  d->user_set = true;
  return 0;
}

static bool
is_hostname (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char) s[i]) && s[i] != '-' && s[i] != '.')
      return false;
  return true;
}

int
zone_definition_set (struct zone_definition *d, const char *option, const char *value, zerr **err)
{
  long long n;
  struct in_addr a;

  if (strcmp (option, "read-only") == 0 || strcmp (option, "memory-merge") == 0)
    {
      *(option[0] == 'r' ? &d->read_only : &d->memory_merge) = true;
      return 0;
    }
  if (value == NULL)
    return zerr_set (err, EINVAL, "--%s needs a value", option);
  if (strcmp (option, "net") == 0)
    {
      if (strcmp (value, "bridge") && strcmp (value, "none"))
        return bad (err, option, value, "is not a network mode (bridge or none)");
      replace (&d->net, value);
    }
  else if (strcmp (option, "publish") == 0)
    {
      if (!is_publish (value))
        return bad (err, option, value, "is not [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|/udp]");
      if (d->ports)
        {
          char *joined;
          if (asprintf (&joined, "%s,%s", d->ports, value) < 0)
            abort ();
          free (d->ports);
          d->ports = joined;
        }
      else
        d->ports = xstrdup_or_die (value);
    }
  else if (strcmp (option, "bridge") == 0)
    {
      if (strlen (value) == 0 || strlen (value) > 15 || strpbrk (value, "/ :,"))
        return bad (err, option, value, "is not an interface name (at most 15 characters)");
      replace (&d->bridge, value);
    }
  else if (strcmp (option, "subnet") == 0)
    {
      if (!is_subnet (value))
        return bad (err, option, value, "is not an IPv4 subnet (ADDRESS/PREFIX, prefix 8 to 30)");
      replace (&d->subnet, value);
    }
  else if (strcmp (option, "seccomp") == 0)
    {
      /* "unconfined", or the text of a linux.seccomp object (cmd/ reads the file) */
      if (strcmp (value, "unconfined") != 0)
        {
          char msg[256];
          yajl_val v = yajl_tree_parse (value, msg, sizeof msg);
          bool object = v && YAJL_IS_OBJECT (v);
          yajl_tree_free (v);
          if (!object)
            return zerr_set (err, EINVAL, "--seccomp: not a JSON object (a linux.seccomp profile, or unconfined)");
        }
      replace (&d->seccomp, value);
    }
  else if (strcmp (option, "notify") == 0)
    {
      if (strcmp (value, "container") && strcmp (value, "started"))
        return bad (err, option, value, "is not container or started");
      replace (&d->notify, value);
    }
  else if (strcmp (option, "address") == 0)
    {
      if (inet_pton (AF_INET, value, &a) != 1)
        return bad (err, option, value, "is not an IPv4 address");
      replace (&d->address, value);
    }
  else if (strcmp (option, "memory") == 0)
    {
      if (!parse_size (value, &n) || n == 0 || (n > 0 && n < 4096))
        return bad (err, option, value, "is not a size (bytes, or with k, m, g; at least 4k; -1: no limit)");
      d->memory = n;
      d->memory_set = n > 0;
    }
  else if (strcmp (option, "pids-limit") == 0)
    {
      if (!parse_int (value, &n) || n < -1)
        return bad (err, option, value, "is not a number of processes (-1: no limit)");
      d->pids_limit = n;
      d->pids_set = n >= 0;
    }
  else if (strcmp (option, "cpu-weight") == 0)
    {
      if (!parse_int (value, &n) || n < 1 || n > 10000)
        return bad (err, option, value, "is not a weight (a whole number from 1 to 10000)");
      replace (&d->cpu_weight, value);
    }
  else if (strcmp (option, "cpu-cap") == 0 || strcmp (option, "cpu-reserve") == 0)
    {
      if (!is_cores (value))
        return bad (err, option, value, "is not a number of cores above 0 (0.5, 2)");
      replace (option[4] == 'c' ? &d->cpu_cap : &d->cpu_reserve, value);
    }
  else if (strcmp (option, "env") == 0)
    {
      if (value[0] == '=' || strchr (value, '=') == NULL)
        return bad (err, option, value, "is not NAME=VALUE");
      push (&d->env, &d->n_env, value);
    }
  else if (strcmp (option, "volume") == 0)
    return set_volume (d, value, err);
  else if (strcmp (option, "hostname") == 0)
    {
      if (!is_hostname (value))
        return bad (err, option, value, "is not a host name (letters, digits, - and ., at most 64)");
      replace (&d->hostname, value);
    }
  else if (strcmp (option, "user") == 0)
    return set_user (d, value, err);
  else if (strcmp (option, "workdir") == 0)
    {
      if (value[0] != '/')
        return bad (err, option, value, "is not an absolute path");
      replace (&d->workdir, value);
    }
  else
    return zerr_set (err, EINVAL, "--%s: unknown option", option);
  return 0;
}

void
zone_definition_set_args (struct zone_definition *d, char **args, size_t n)
{
  for (size_t i = 0; i < n; i++)
    push (&d->args, &d->n_args, args[i]);
}

int
zone_definition_check (const struct zone_definition *d, zerr **err)
{
  bool bridge = d->net && strcmp (d->net, "bridge") == 0;

  if (d->n_args == 0)
    return zerr_set (err, EINVAL, "create --template: the zone needs a command: zone create ID --template NAME -- CMD [ARGS...]");
  if (d->address && !bridge)
    return zerr_set (err, EINVAL, "--address needs --net bridge");
  if (d->ports && !bridge)
    return zerr_set (err, EINVAL, "--publish needs --net bridge");
  if ((d->bridge || d->subnet) && !bridge)
    return zerr_set (err, EINVAL, "--bridge and --subnet need --net bridge");
  return 0;
}

static void
json_strings (struct strbuf *sb, const char *const *v, size_t n)
{
  strbuf_append (sb, "[");
  for (size_t i = 0; i < n; i++)
    {
      strbuf_append (sb, i ? ", " : "");
      strbuf_append_json_string (sb, v[i]);
    }
  strbuf_append (sb, "]");
}

static size_t
count (const char *const *v)
{
  size_t n = 0;
  while (v[n])
    n++;
  return n;
}

static void
annotation (struct strbuf *sb, bool *first, const char *key, const char *value)
{
  if (value == NULL)
    return;
  strbuf_append (sb, *first ? "\n    " : ",\n    ");
  *first = false;
  strbuf_append_json_string (sb, key);
  strbuf_append (sb, ": ");
  strbuf_append_json_string (sb, value);
}

static void
process_json (struct strbuf *sb, const struct zone_definition *d)
{
  size_t n_caps = count (confined_caps);
  const char *const sets[] = { "bounding", "effective", "permitted" };

  strbuf_appendf (sb, "  \"process\": {\n    \"terminal\": false,\n    \"user\": { \"uid\": %u, \"gid\": %u },\n",
                  d->user_set ? d->uid : 0, d->user_set ? d->gid : 0);
  strbuf_append (sb, "    \"args\": ");
  json_strings (sb, (const char *const *) d->args, d->n_args);
  /* A default PATH unless one is given (the first of two would win in the zone: getenv). */
  strbuf_append (sb, ",\n    \"env\": [");
  bool path_given = has_key (d->env, d->n_env, "PATH=", 5);
  if (!path_given)
    strbuf_append (sb, "\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"");
  for (size_t i = 0; i < d->n_env; i++)
    {
      if (i > 0 || !path_given)
        strbuf_append (sb, ", ");
      strbuf_append_json_string (sb, d->env[i]);
    }
  strbuf_append (sb, "],\n    \"cwd\": ");
  strbuf_append_json_string (sb, d->workdir ? d->workdir : "/");
  strbuf_append (sb, ",\n    \"capabilities\": {");
  for (size_t s = 0; s < 3; s++)
    {
      strbuf_appendf (sb, "%s\n      \"%s\": ", s ? "," : "", sets[s]);
      json_strings (sb, confined_caps, n_caps);
    }
  strbuf_append (sb, "\n    },\n    \"noNewPrivileges\": true\n  },\n");
}

static void
mounts_json (struct strbuf *sb, const struct zone_definition *d)
{
  strbuf_append (sb, "  \"mounts\": [\n"
                     "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
                     "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
                     "      \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"] },\n"
                     "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
                     "      \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"] },\n"
                     "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
                     "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"] },\n"
                     "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
                     "      \"options\": [\"nosuid\", \"noexec\", \"nodev\"] },\n"
                     "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
                     "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"] },\n"
                     "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
                     "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"] }");
  for (size_t i = 0; i < d->n_volumes; i++)
    {
      strbuf_append (sb, ",\n    { \"destination\": ");
      strbuf_append_json_string (sb, d->volumes[i].destination);
      strbuf_append (sb, ", \"type\": \"bind\", \"source\": ");
      strbuf_append_json_string (sb, d->volumes[i].source);
      strbuf_appendf (sb, ", \"options\": [\"rbind\", \"%s\"] }", d->volumes[i].readonly ? "ro" : "rw");
    }
  strbuf_append (sb, "\n  ],\n");
}

static void
linux_json (struct strbuf *sb, const struct zone_definition *d)
{
  strbuf_append (sb, "  \"linux\": {\n    \"resources\": {\n"
                     "      \"devices\": [{ \"allow\": false, \"access\": \"rwm\" }]");
  if (d->memory_set)
    strbuf_appendf (sb, ",\n      \"memory\": { \"limit\": %lld }", d->memory);
  if (d->pids_set)
    strbuf_appendf (sb, ",\n      \"pids\": { \"limit\": %lld }", d->pids_limit);
  strbuf_append (sb, "\n    },\n    \"namespaces\": [\n"
                     "      { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" },\n"
                     "      { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" }\n    ],\n");
  if (d->seccomp && strcmp (d->seccomp, "unconfined") != 0)
    {
      strbuf_append (sb, "    \"seccomp\": ");
      strbuf_append (sb, d->seccomp);
      strbuf_append (sb, ",\n");
    }
  else if (d->seccomp == NULL)
    {
      strbuf_append (sb, "    \"seccomp\": {\n      \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
                         "      \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", "
                         "\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"],\n"
                         "      \"syscalls\": [{ \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"names\": ");
      json_strings (sb, confined_denied, count (confined_denied));
      strbuf_append (sb, " }]\n    },\n");
    }
  strbuf_append (sb, "    \"maskedPaths\": [\n"
                     "      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\",\n"
                     "      \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\",\n"
                     "      \"/proc/scsi\", \"/sys/devices/virtual/powercap\"\n"
                     "    ],\n"
                     "    \"readonlyPaths\": [\n"
                     "      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"\n"
                     "    ]\n  }\n");
}

char *
zone_definition_config (const struct zone_definition *d, const char *id, const char *template_name)
{
  struct strbuf sb = { 0 };
  bool first = true;

  strbuf_append (&sb, "{\n  \"ociVersion\": \"" ZONE_OCI_VERSION "\",\n");
  process_json (&sb, d);
  strbuf_appendf (&sb, "  \"root\": { \"path\": \"rootfs\", \"readonly\": %s },\n  \"hostname\": ",
                  d->read_only ? "true" : "false");
  strbuf_append_json_string (&sb, d->hostname ? d->hostname : id);
  strbuf_append (&sb, ",\n");
  mounts_json (&sb, d);
  strbuf_append (&sb, "  \"annotations\": {");
  annotation (&sb, &first, "org.zone.template", template_name);
  if (d->net && strcmp (d->net, "bridge") == 0)
    annotation (&sb, &first, "org.zone.net.mode", "bridge");
  annotation (&sb, &first, "org.zone.net.bridge", d->bridge);
  annotation (&sb, &first, "org.zone.net.subnet", d->subnet);
  annotation (&sb, &first, "org.zone.net.address", d->address);
  annotation (&sb, &first, "org.zone.net.ports", d->ports);
  annotation (&sb, &first, "org.zone.cpu.weight", d->cpu_weight);
  annotation (&sb, &first, "org.zone.cpu.cap", d->cpu_cap);
  annotation (&sb, &first, "org.zone.cpu.reserve", d->cpu_reserve);
  annotation (&sb, &first, "org.zone.memory.merge", d->memory_merge ? "true" : NULL);
  annotation (&sb, &first, "org.zone.notify", d->notify);
  strbuf_append (&sb, "\n  },\n");
  linux_json (&sb, d);
  strbuf_append (&sb, "}\n");
  return sb.buf;
}

static void
free_strv (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

void
zone_definition_free (struct zone_definition *d)
{
  free (d->net);
  free (d->address);
  free (d->bridge);
  free (d->notify);
  free (d->seccomp);
  free (d->subnet);
  free (d->ports);
  free (d->cpu_weight);
  free (d->cpu_cap);
  free (d->cpu_reserve);
  free_strv (d->env, d->n_env);
  for (size_t i = 0; i < d->n_volumes; i++)
    {
      free (d->volumes[i].source);
      free (d->volumes[i].destination);
    }
  free (d->volumes);
  free (d->hostname);
  free (d->workdir);
  free_strv (d->args, d->n_args);
  memset (d, 0, sizeof *d);
}

void
zone_definition_apply_image (struct zone_definition *d, char *const *args, char *const *env, const char *cwd)
{
  char **merged = NULL;
  size_t n = 0;

  if (d->n_args == 0)
    for (size_t i = 0; args && args[i]; i++)
      push (&d->args, &d->n_args, args[i]);
  /* The image's environment, then -e's; a key -e gives is -e's alone. */
  for (size_t i = 0; env && env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');
      if (eq && !has_key (d->env, d->n_env, env[i], (size_t) (eq - env[i]) + 1))
        push (&merged, &n, env[i]);
    }
  for (size_t i = 0; i < d->n_env; i++)
    push (&merged, &n, d->env[i]);
  free_strv (d->env, d->n_env);
  d->env = merged;
  d->n_env = n;
  if (d->workdir == NULL && cwd)
    d->workdir = xstrdup_or_die (cwd);
}
