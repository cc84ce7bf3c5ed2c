/* The config parser: a valid config parses into the right structs; each malformed one fails
   with one line naming the JSON path. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../spec/config.h"
#include "../../spec/defaults.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>

#define BASE_PROCESS "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], \"cwd\": \"/\"}"
#define BASE_ROOT "\"root\": {\"path\": \"rootfs\"}"
#define WITH(extra) "{\"ociVersion\": \"1.0.2\", " BASE_ROOT ", " BASE_PROCESS extra "}"

static void
test_valid (void)
{
  const char *text
      = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
        " \"hostname\": \"h\", \"unknownField\": {\"x\": [1, 2]},"
        " \"process\": {\"terminal\": false, \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18,"
        "   \"additionalGids\": [5, 6]}, \"args\": [\"sleep\", \"1\"], \"env\": [\"A=b\"], \"cwd\": \"/tmp\","
        "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 18446744073709551615}],"
        "   \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}, \"noNewPrivileges\": true, \"oomScoreAdj\": -5},"
        " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
        "   {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/tmp\", \"options\": [\"rbind\", \"ro\"]}],"
        " \"annotations\": {\"org.zone.x\": \"y\"},"
        " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"},"
        "   {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
        "   \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229, \"fileMode\": 438}],"
        "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"maskedPaths\": [\"/proc/kcore\"],"
        "   \"readonlyPaths\": [\"/proc/sys\"], \"rootfsPropagation\": \"rslave\", \"cgroupsPath\": \"/a/b\"}}";
  struct zone_config *c = NULL;
  zerr *err = NULL;

  CHECK (zone_config_parse ("config.json", text, &c, &err) == 0);
  CHECK (err == NULL);
  if (c == NULL)
    return;
  CHECK (strcmp (c->oci_version, "1.2.0") == 0);
  CHECK (c->root_readonly);
  CHECK (strcmp (c->hostname, "h") == 0);
  CHECK (c->process->uid == 1000 && c->process->gid == 100);
  CHECK (c->process->has_umask && c->process->umask == 18);
  CHECK (c->process->n_additional_gids == 2 && c->process->additional_gids[1] == 6);
  CHECK (strcmp (c->process->args[1], "1") == 0 && c->process->args[2] == NULL);
  CHECK (c->process->n_rlimits == 1 && c->process->rlimits[0].resource == RLIMIT_NOFILE);
  CHECK (c->process->rlimits[0].hard == UINT64_MAX);
  CHECK (c->process->caps.present && strcmp (c->process->caps.bounding[0], "CAP_KILL") == 0);
  CHECK (c->process->caps.effective == NULL);
  CHECK (c->process->no_new_privileges);
  CHECK (c->process->has_oom_score_adj && c->process->oom_score_adj == -5);
  CHECK (c->n_mounts == 2 && strcmp (c->mounts[1].options[1], "ro") == 0);
  CHECK (strcmp (zone_config_annotation (c, "org.zone.x"), "y") == 0);
  CHECK (zone_config_annotation (c, "nope") == NULL);
  CHECK (c->n_namespaces == 4);
  CHECK (zone_config_namespace (c, CLONE_NEWNET) && strcmp (zone_config_namespace (c, CLONE_NEWNET)->path,
                                                               "/proc/1/ns/net") == 0);
  CHECK (zone_config_namespace (c, CLONE_NEWUSER) == NULL);
  CHECK (c->n_devices == 1 && c->devices[0].type == 'c' && c->devices[0].minor == 229 && c->devices[0].mode == 438);
  CHECK (c->n_sysctl == 1 && strcmp (c->sysctl[0].value, "1") == 0);
  CHECK (c->rootfs_propagation == (MS_SLAVE | MS_REC));
  CHECK (strcmp (c->cgroups_path, "/a/b") == 0);
  zone_config_free (c);
}

static const struct
{
  const char *text, *message;
} bad_configs[] = {
  { "{not json", "config.json: not valid JSON" },
  { "[1, 2]", "the top level must be a JSON object" },
  { "{" BASE_ROOT ", " BASE_PROCESS "}", "config.json: ociVersion: required but missing" },
  { "{\"ociVersion\": 1, " BASE_ROOT ", " BASE_PROCESS "}", "config.json: ociVersion: must be a string" },
  { "{\"ociVersion\": \"2.0.0\", " BASE_ROOT ", " BASE_PROCESS "}", "ociVersion: unsupported version" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_PROCESS "}", "config.json: root: required but missing" },
  { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": 3}, " BASE_PROCESS "}", "config.json: root.path: must be a string" },
  { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\", \"readonly\": \"yes\"}, " BASE_PROCESS "}",
    "config.json: root.readonly: must be a boolean" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [],"
    " \"cwd\": \"/\"}}",
    "config.json: process.args: must be a non-empty array of strings" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\", 2],"
    " \"cwd\": \"/\"}}",
    "config.json: process.args[1]: must be a string" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"tmp\"}}",
    "config.json: process.cwd: must be an absolute path" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": -1, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\"}}",
    "config.json: process.user.uid: must be an integer" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\"}}",
    "config.json: process.user.uid: required but missing" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"env\": [\"NOEQUALS\"]}}",
    "config.json: process.env[0]: must have the form KEY=VALUE" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"terminal\": 1}}",
    "config.json: process.terminal: must be a boolean" },
  { WITH (", \"mounts\": {}"), "config.json: mounts: must be an array" },
  { WITH (", \"mounts\": [{\"type\": \"tmpfs\"}]"), "config.json: mounts[0].destination: required but missing" },
  { WITH (", \"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"rel\"}]"),
    "config.json: mounts[1].destination: must be an absolute path" },
  { WITH (", \"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", false]}]"),
    "config.json: mounts[0].options[1]: must be a string" },
  { WITH (", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"bogus\"}]}"),
    "config.json: linux.namespaces[1].type: unknown namespace type `bogus`" },
  { WITH (", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}"),
    "config.json: linux.namespaces[1].type: duplicate namespace `pid`" },
  { WITH (", \"linux\": {\"namespaces\": [{\"type\": \"net\"}]}"),
    "config.json: linux.namespaces[0].type: unknown namespace type `net`" },
  { WITH (", \"linux\": {\"namespaces\": [{\"type\": \"uts\", \"path\": \"relative\"}]}"),
    "config.json: linux.namespaces[0].path: must be an absolute path" },
  { WITH (", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}"),
    "config.json: linux.uidMappings: requires a new user namespace" },
  { WITH (", \"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1,"
          " \"size\": \"1\"}]}"),
    "config.json: linux.uidMappings[0].size: must be an integer" },
  { WITH (", \"hostname\": \"h\""), "config.json: hostname: requires a new uts namespace" },
  { WITH (", \"process2\": 1, \"linux\": {\"rootfsPropagation\": \"sideways\"}"),
    "config.json: linux.rootfsPropagation: unknown propagation `sideways`" },
  { WITH (", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"z\", \"major\": 1, \"minor\": 1}]}"),
    "config.json: linux.devices[0].type: must be one of c, u, b, p" },
  { WITH (", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]}"),
    "config.json: linux.devices[0].major: required but missing" },
  { WITH (", \"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": 1}}"),
    "config.json: linux.sysctl.net.ipv4.ip_forward: must be a string" },
  { WITH (", \"linux\": {\"maskedPaths\": [\"/ok\", \"proc/kcore\"]}"),
    "config.json: linux.maskedPaths[1]: must be an absolute path" },
  { WITH (", \"annotations\": {\"a\": \"b\", \"c\": 4}"), "config.json: annotations.c: must be a string" },
  { WITH (", \"linux\": {\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}}"),
    "config.json: linux.timeOffsets: requires a new time namespace" },
  { WITH (", \"hooks\": {\"prestart\": [{\"path\": \"hook\"}]}"),
    "config.json: hooks.prestart[0].path: must be an absolute path" },
  { WITH (", \"hooks\": {\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}"),
    "config.json: hooks.poststop[0].timeout: must be a positive number of seconds" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_BOGUS\", \"soft\": 1, \"hard\": 1}]}}",
    "config.json: process.rlimits[0].type: unknown rlimit `RLIMIT_BOGUS`" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 1}]}}",
    "config.json: process.rlimits[0]: soft limit is greater than the hard limit" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"oomScoreAdj\": 5000}}",
    "config.json: process.oomScoreAdj: must be between -1000 and 1000" },
  { "{\"ociVersion\": \"1.0.0\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"a\"],"
    " \"cwd\": \"/\", \"capabilities\": {\"bounding\": \"CAP_KILL\"}}}",
    "config.json: process.capabilities.bounding: must be an array of strings" },
  { WITH (", \"linux\": {\"personality\": {\"domain\": \"LINUX64\"}}"),
    "config.json: linux.personality.domain: unknown value `LINUX64`" },
  { WITH (", \"linux\": {\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"X\"]}}"),
    "config.json: linux.personality.flags: no flag is supported" },
};

/* The process fields that are not in BASE_PROCESS: appended inside "process". */
#define PROC(extra) "{\"ociVersion\": \"1.0.2\", " BASE_ROOT ", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, " \
                    "\"args\": [\"sh\"], \"cwd\": \"/\", " extra "}}"

static const struct
{
  const char *text, *message;
} bad_process[] = {
  { PROC ("\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\"}"),
    "config.json: process.ioPriority.class: unknown value `IOPRIO_CLASS_NONE`" },
  { PROC ("\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 9}"),
    "config.json: process.ioPriority.priority: must be between 0 and 7" },
  { PROC ("\"ioPriority\": {\"priority\": 1}"), "config.json: process.ioPriority.class: required but missing" },
  { PROC ("\"scheduler\": {\"policy\": \"SCHED_ISO\"}"),
    "config.json: process.scheduler.policy: unknown value `SCHED_ISO`" },
  { PROC ("\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 40}"),
    "config.json: process.scheduler.nice: must be between -20 and 19" },
  { PROC ("\"scheduler\": {\"policy\": \"SCHED_RR\", \"flags\": [\"SCHED_FLAG_RECLAIM\", \"SCHED_FLAG_X\"]}"),
    "config.json: process.scheduler.flags[1]: unknown value `SCHED_FLAG_X`" },
};

static void
test_process_fields (void)
{
  struct zone_config *c = NULL;
  zerr *err = NULL;

  CHECK (zone_config_parse ("config.json",
                            PROC ("\"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 4}, "
                                  "\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5, "
                                  "\"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"]}"),
                            &c, &err)
         == 0);
  CHECK (c && c->process->has_io_priority && c->process->io_class == 3 && c->process->io_priority == 4);
  CHECK (c && c->process->has_scheduler && c->process->scheduler.policy == 3 && c->process->scheduler.nice == 5
         && c->process->scheduler.flags == 1);
  zone_config_free (c);
  zerr_free (&err);
  for (size_t i = 0; i < sizeof bad_process / sizeof bad_process[0]; i++)
    {
      c = NULL;
      CHECK (zone_config_parse ("config.json", bad_process[i].text, &c, &err) < 0);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, bad_process[i].message);
      zone_config_free (c);
      zerr_free (&err);
    }
}

static void
test_invalid (void)
{
  for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++)
    {
      struct zone_config *c = NULL;
      zerr *err = NULL;
      int ret = zone_config_parse ("config.json", bad_configs[i].text, &c, &err);
      CHECK (ret < 0);
      CHECK (c == NULL);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, bad_configs[i].message);
      /* One line: a message with a newline would break runc-style logs. */
      CHECK (err == NULL || strchr (err->msg, '\n') == NULL);
      zone_config_free (c);
      zerr_free (&err);
    }
}

static void
test_default_spec_parses (void)
{
  for (int rootless = 0; rootless < 2; rootless++)
    {
      char *text = zone_default_config (rootless, 1000, 1000);
      struct zone_config *c = NULL;
      zerr *err = NULL;
      CHECK (zone_config_parse ("config.json", text, &c, &err) == 0);
      CHECK_STR_CONTAINS (err ? err->msg : "ok", "ok");
      if (c)
        {
          CHECK (zone_config_namespace (c, CLONE_NEWNS) != NULL);
          CHECK ((zone_config_namespace (c, CLONE_NEWUSER) != NULL) == rootless);
          CHECK (zone_config_namespace (c, CLONE_NEWNET) != NULL);
          CHECK (c->root_readonly);
        }
      zone_config_free (c);
      zerr_free (&err);
      free (text);
    }
}

int
main (void)
{
  test_valid ();
  test_invalid ();
  test_default_spec_parses ();
  test_process_fields ();
  UNIT_DONE ();
}
