#define _GNU_SOURCE
#include "defaults.h"
#include "config.h"
#include "json.h"
#include "../util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static void
caps_array (struct strbuf *sb, const char *name, bool last)
{
  strbuf_appendf (sb, "      \"%s\": [", name);
  for (size_t i = 0; default_caps[i]; i++)
    strbuf_appendf (sb, "%s\"%s\"", i ? ", " : "", default_caps[i]);
  strbuf_appendf (sb, "]%s\n", last ? "" : ",");
}

char *
zone_default_config (bool rootless, uid_t uid, gid_t gid)
{
  struct strbuf sb = { 0 };

  strbuf_append (&sb, "{\n  \"ociVersion\": \"" ZONE_OCI_VERSION "\",\n"
                      "  \"process\": {\n"
                      "    \"terminal\": true,\n"
                      "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
                      "    \"args\": [\"sh\"],\n"
                      "    \"env\": [\n"
                      "      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
                      "      \"TERM=xterm\"\n"
                      "    ],\n"
                      "    \"cwd\": \"/\",\n"
                      "    \"capabilities\": {\n");
  caps_array (&sb, "bounding", false);
  caps_array (&sb, "effective", false);
  caps_array (&sb, "permitted", false);
  caps_array (&sb, "ambient", true);
  strbuf_append (&sb, "    },\n"
                      "    \"rlimits\": [{ \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 }],\n"
                      "    \"noNewPrivileges\": true\n"
                      "  },\n"
                      "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
                      "  \"hostname\": \"zone\",\n"
                      "  \"mounts\": [\n"
                      "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
                      "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
                      "      \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"] },\n"
                      "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n");
  if (rootless)
    strbuf_append (&sb, "      \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
                        "\"mode=0620\"] },\n");
  else
    strbuf_append (&sb, "      \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
                        "\"mode=0620\", \"gid=5\"] },\n");
  strbuf_append (&sb, "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
                      "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"] },\n"
                      "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
                      "      \"options\": [\"nosuid\", \"noexec\", \"nodev\"] },\n");
  /* A fresh sysfs also when rootless (runc binds the host's /sys there, having no network
     namespace): the zone's own network namespace, made in its user namespace, allows it, and
     /sys/class/net then shows the zone's interfaces, not the host's. */
  strbuf_append (&sb, "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
                      "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"] },\n");
  strbuf_append (&sb, "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
                      "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"] }\n");
  strbuf_append (&sb, "  ],\n  \"linux\": {\n");
  if (rootless)
    strbuf_appendf (&sb,
                    "    \"uidMappings\": [{ \"containerID\": 0, \"hostID\": %u, \"size\": 1 }],\n"
                    "    \"gidMappings\": [{ \"containerID\": 0, \"hostID\": %u, \"size\": 1 }],\n",
                    (unsigned) uid, (unsigned) gid);
  else
    strbuf_append (&sb, "    \"resources\": { \"devices\": [{ \"allow\": false, \"access\": \"rwm\" }] },\n");
  /* runc's list and order: tools that edit the default by index expect it. A rootless zone has
     a network namespace too (runc's has none): loopback only, not the host's network. */
  strbuf_append (&sb, "    \"namespaces\": [\n"
                      "      { \"type\": \"pid\" },\n"
                      "      { \"type\": \"network\" },\n");
  strbuf_append (&sb, "      { \"type\": \"ipc\" },\n"
                      "      { \"type\": \"uts\" },\n");
  strbuf_append (&sb, rootless ? "      { \"type\": \"mount\" },\n      { \"type\": \"user\" }\n"
                               : "      { \"type\": \"mount\" }\n");
  strbuf_append (&sb, "    ],\n"
                      "    \"maskedPaths\": [\n"
                      "      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\",\n"
                      "      \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\",\n"
                      "      \"/proc/scsi\"\n"
                      "    ],\n"
                      "    \"readonlyPaths\": [\n"
                      "      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"\n"
                      "    ]\n"
                      "  }\n"
                      "}\n");
  return sb.buf;
}
