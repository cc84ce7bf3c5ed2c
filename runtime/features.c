/* `zone features`: only what this build really does on this host. */
#define _GNU_SOURCE
#include "runtime.h"
#include "../cgroups/cgroup.h"
#include "../util/cleanup.h"
#include "../util/rootless.h"
#include "hooks.h"
#include "lsm.h"
#include "seccomp.h"
#include "../cgroups/systemd.h"
#include "../spec/state.h"
#include "../util/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <sys/capability.h>

static const char *const mount_options[]
    = { "async",    "atime",   "bind",       "defaults",    "dev",         "diratime",   "dirsync",
        "exec",     "iversion", "lazytime",  "loud",        "mand",        "noatime",    "nodev",
        "nodiratime", "noexec", "noiversion", "nolazytime", "nomand",      "norelatime", "nostrictatime",
        "nosuid",   "nosymfollow", "private", "rbind",      "relatime",    "remount",    "ro",
        "rprivate", "rshared", "rslave",     "runbindable", "rw",          "shared",     "silent",
        "slave",    "strictatime", "suid",   "symfollow",   "sync",        "unbindable", NULL };

static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };

static void
append_list (struct strbuf *sb, const char *key, const char *const *items)
{
  strbuf_appendf (sb, "\"%s\": [", key);
  for (size_t i = 0; items[i]; i++)
    {
      strbuf_append (sb, i ? ", " : "");
      strbuf_append_json_string (sb, items[i]);
    }
  strbuf_append (sb, "]");
}

/* Every capability libcap and this kernel know, as CAP_NAME. */
static void
append_capabilities (struct strbuf *sb)
{
  strbuf_append (sb, "\"capabilities\": [");
  for (int c = 0; c < (int) cap_max_bits (); c++)
    {
      char *name = cap_to_name ((cap_value_t) c);
      if (name == NULL)
        continue;
      strbuf_append (sb, c ? ", \"" : "\"");
      for (char *p = name; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
      strbuf_append (sb, name);
      strbuf_append (sb, "\"");
      cap_free (name);
    }
  strbuf_append (sb, "]");
}

char *
zone_features_json (void)
{
  const char *hooks[ZONE_HOOK_KINDS + 1] = { NULL };
  struct strbuf sb = { 0 };
  const struct scmp_version *v = seccomp_version ();

  for (int k = 0; k < ZONE_HOOK_KINDS; k++)
    hooks[k] = hooks_kind_name ((enum zone_hook_kind) k);

  strbuf_append (&sb, "{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"" ZONE_OCI_VERSION "\",\n  ");
  append_list (&sb, "hooks", hooks);
  strbuf_append (&sb, ",\n  ");
  append_list (&sb, "mountOptions", mount_options);
  strbuf_append (&sb, ",\n  \"linux\": {\n    ");
  append_list (&sb, "namespaces", namespaces);
  strbuf_append (&sb, ",\n    ");
  append_capabilities (&sb);
  /* cgroupfs on v1 and v2; systemd (system instance, v2) where systemd is PID 1. */
  strbuf_appendf (&sb, ",\n    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": %s, \"systemdUser\": false, "
                       "\"rdma\": true },\n",
                  systemd_is_running () ? "true" : "false");
  strbuf_append (&sb, "    \"seccomp\": {\n      \"enabled\": true,\n      ");
  append_list (&sb, "actions", zone_seccomp_actions);
  strbuf_append (&sb, ",\n      ");
  append_list (&sb, "operators", zone_seccomp_operators);
  strbuf_append (&sb, ",\n      ");
  append_list (&sb, "archs", zone_seccomp_archs);
  strbuf_append (&sb, ",\n      ");
  append_list (&sb, "knownFlags", zone_seccomp_flags);
  strbuf_append (&sb, ",\n      ");
  append_list (&sb, "supportedFlags", zone_seccomp_flags);
  strbuf_append (&sb, "\n    },\n");
  strbuf_appendf (&sb, "    \"apparmor\": { \"enabled\": %s },\n", lsm_apparmor_enabled () ? "true" : "false");
  strbuf_appendf (&sb, "    \"selinux\": { \"enabled\": %s },\n", lsm_selinux_enabled () ? "true" : "false");
  strbuf_append (&sb, "    \"intelRdt\": { \"enabled\": false },\n"
                      "    \"mountExtensions\": { \"idmap\": { \"enabled\": false } }\n  },\n"
                      "  \"annotations\": {\n");
  strbuf_appendf (&sb, "    \"io.github.seccomp.libseccomp.version\": \"%u.%u.%u\",\n", v->major, v->minor, v->micro);
  /* The governor and the cpu annotations need a cpu controller for zone's cgroups. */
  strbuf_appendf (&sb, "    \"org.zone.cpu.governor\": \"%s\",\n",
                  cgroup_host_version ("cpu") ? "available" : "unavailable: no cpu cgroup controller");
  /* Where an ordinary user's zones get their cgroup (README: rootless). */
  if (running_rootless ())
    {
      cleanup_free char *own = cgroup_own_delegated ();
      if (own)
        strbuf_appendf (&sb, "    \"org.zone.rootless.cgroup\": \"delegated: %s\",\n", own);
      else
        strbuf_append (&sb, "    \"org.zone.rootless.cgroup\": \"none: nothing is delegated to this user here; zones "
                            "without limits run in the user's own cgroup, limits are refused (--systemd-cgroup uses "
                            "the user's systemd)\",\n");
    }
  strbuf_append (&sb, "    \"org.zone.seccomp.listenerPath\": \"unsupported\",\n"
                      "    \"org.zone.personality\": \"LINUX, LINUX32\",\n"
                      "    \"org.zone.version\": \"" ZONE_VERSION "\"\n  }\n}\n");
  return sb.buf;
}
