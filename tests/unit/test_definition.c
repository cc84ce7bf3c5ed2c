/* create --template's options: each one's place in config.json, and one line naming the option
   for each bad value. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../spec/config.h"
#include "../../spec/definition.h"

#include <stdlib.h>

static const char *
annotation (const struct zone_config *c, const char *key)
{
  for (size_t i = 0; i < c->n_annotations; i++)
    if (strcmp (c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}

static const struct zone_mount *
mount_at (const struct zone_config *c, const char *dest)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (strcmp (c->mounts[i].destination, dest) == 0)
      return &c->mounts[i];
  return NULL;
}

static bool
has (char **v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

/* Every option, then the config they make, read back by zone's own parser. */
static void
test_every_option (void)
{
  static const char *const set[][2] = {
    { "net", "bridge" },          { "bridge", "zbr1" },       { "subnet", "10.50.0.0/24" },
    { "publish", "8080:80" },   { "publish", "127.0.0.1:5353:53/udp" },
    { "address", "10.77.0.9" },   { "memory", "64m" },        { "cpu-weight", "300" },
    { "cpu-cap", "0.5" },         { "cpu-reserve", "0.25" },  { "pids-limit", "50" },
    { "env", "A=1" },             { "env", "B=two words" },   { "volume", "/srv/data:/data" },
    { "volume", "/etc/x:/x:ro" }, { "hostname", "web-1" },    { "user", "1000:1001" },
    { "workdir", "/srv" },        { "read-only", NULL },      { "memory-merge", NULL },
    { "notify", "container" },
  };
  char *args[] = { "httpd", "-f", "-p", "80" };
  struct zone_definition d = { 0 };
  struct zone_config *c = NULL;
  zerr *err = NULL;
  char *json;

  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
    CHECK (zone_definition_set (&d, set[i][0], set[i][1], &err) == 0);
  zone_definition_set_args (&d, args, 4);
  CHECK (zone_definition_check (&d, &err) == 0);
  json = zone_definition_config (&d, "web1", "alpine");
  CHECK (zone_config_parse ("config.json", json, &c, &err) == 0);
  if (c == NULL)
    {
      fprintf (stderr, "%s\n%s\n", err ? err->msg : "", json);
      free (json);
      zone_definition_free (&d);
      return;
    }
  CHECK (strcmp (annotation (c, "org.zone.template"), "alpine") == 0);
  CHECK (strcmp (annotation (c, "org.zone.net.mode"), "bridge") == 0);
  CHECK (strcmp (annotation (c, "org.zone.net.ports"), "8080:80,127.0.0.1:5353:53/udp") == 0);
  CHECK (strcmp (annotation (c, "org.zone.net.address"), "10.77.0.9") == 0);
  CHECK (strcmp (annotation (c, "org.zone.net.bridge"), "zbr1") == 0);
  CHECK (strcmp (annotation (c, "org.zone.net.subnet"), "10.50.0.0/24") == 0);
  CHECK (strcmp (annotation (c, "org.zone.cpu.weight"), "300") == 0);
  CHECK (strcmp (annotation (c, "org.zone.cpu.cap"), "0.5") == 0);
  CHECK (strcmp (annotation (c, "org.zone.cpu.reserve"), "0.25") == 0);
  CHECK (strcmp (annotation (c, "org.zone.memory.merge"), "true") == 0);
  CHECK (strcmp (annotation (c, "org.zone.notify"), "container") == 0);
  CHECK (strstr (json, "\"memory\": { \"limit\": 67108864 }") != NULL);
  CHECK (strstr (json, "\"pids\": { \"limit\": 50 }") != NULL);
  CHECK (has (c->process->env, "A=1") && has (c->process->env, "B=two words"));
  CHECK (strcmp (c->process->args[0], "httpd") == 0 && strcmp (c->process->args[3], "80") == 0);
  CHECK (c->process->uid == 1000 && c->process->gid == 1001);
  CHECK (strcmp (c->process->cwd, "/srv") == 0);
  CHECK (strcmp (c->hostname, "web-1") == 0);
  CHECK (c->root_readonly);
  CHECK (strcmp (c->root_path, "rootfs") == 0);
  CHECK (!c->process->terminal);
  CHECK (c->process->no_new_privileges);
  {
    const struct zone_mount *m = mount_at (c, "/data"), *x = mount_at (c, "/x");
    CHECK (m && strcmp (m->source, "/srv/data") == 0 && has (m->options, "rbind") && has (m->options, "rw"));
    CHECK (x && strcmp (x->source, "/etc/x") == 0 && has (x->options, "ro"));
  }
  /* confined: Docker's capabilities, not CAP_SYS_ADMIN; the keyring and mount calls denied */
  CHECK (has (c->process->caps.bounding, "CAP_CHOWN") && has (c->process->caps.bounding, "CAP_NET_BIND_SERVICE"));
  CHECK (!has (c->process->caps.bounding, "CAP_SYS_ADMIN") && !has (c->process->caps.bounding, "CAP_SYS_PTRACE"));
  CHECK (strstr (json, "\"keyctl\"") && strstr (json, "\"add_key\"") && strstr (json, "\"mount\"")
         && strstr (json, "\"kexec_load\"") && strstr (json, "\"bpf\""));
  zone_config_free (c);
  free (json);
  zone_definition_free (&d);
}

static void
test_defaults (void)
{
  char *args[] = { "sleep", "1000" };
  struct zone_definition d = { 0 };
  struct zone_config *c = NULL;
  zerr *err = NULL;
  char *json;

  zone_definition_set_args (&d, args, 2);
  CHECK (zone_definition_check (&d, &err) == 0);
  json = zone_definition_config (&d, "db", "base");
  CHECK (zone_config_parse ("config.json", json, &c, &err) == 0);
  if (c)
    {
      CHECK (strcmp (c->hostname, "db") == 0);
      CHECK (!c->root_readonly);
      CHECK (annotation (c, "org.zone.net.mode") == NULL);
      CHECK (annotation (c, "org.zone.memory.merge") == NULL);
      CHECK (c->process->uid == 0 && c->process->gid == 0);
      CHECK (strcmp (c->process->cwd, "/") == 0);
      CHECK (strstr (json, "\"memory\"") == NULL && strstr (json, "\"pids\"") == NULL);
      zone_config_free (c);
    }
  free (json);
  zone_definition_free (&d);
}

/* Each bad value: refused, in one line naming the option and the value. */
static void
test_bad_values (void)
{
  static const char *const bad[][2] = {
    { "net", "host" },           { "publish", "80" },          { "publish", "x:80:80" },
    { "publish", "1.2.3:80:80" }, { "publish", "80:70000" },    { "publish", "80:80/sctp" },
    { "address", "10.1" },       { "memory", "lots" },         { "memory", "0" },
    { "memory", "12" },          { "cpu-weight", "0" },        { "cpu-weight", "10001" },
    { "cpu-weight", "1.5" },     { "cpu-cap", "0" },           { "cpu-cap", "-1" },
    { "cpu-reserve", "half" },   { "pids-limit", "-2" },       { "pids-limit", "ten" },
    { "env", "NOVALUE" },        { "env", "=x" },              { "volume", "/a" },
    { "volume", "rel:/b" },      { "volume", "/a:b" },         { "volume", "/a:/b:rx" },
    { "volume", "/a,b:/c" },     { "hostname", "-x" },         { "hostname", "a b" },
    { "user", "root" },          { "user", "1:" },             { "user", "1:g" },
    { "workdir", "srv" },        { "nosuch", "1" },
    { "bridge", "a/b" },         { "bridge", "waytoolongbridgename" }, { "subnet", "10.0.0.0" },
    { "subnet", "10.0.0.0/31" }, { "subnet", "10.0.0/24" },  { "notify", "ready" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct zone_definition d = { 0 };
      zerr *err = NULL;
      char flag[64];
      snprintf (flag, sizeof flag, "--%s", bad[i][0]);
      CHECK (zone_definition_set (&d, bad[i][0], bad[i][1], &err) < 0);
      CHECK (err && strchr (err->msg, '\n') == NULL);
      CHECK_STR_CONTAINS (err ? err->msg : NULL, flag);
      if (strcmp (bad[i][0], "nosuch") != 0)
        CHECK_STR_CONTAINS (err ? err->msg : NULL, bad[i][1]);
      zerr_free (&err);
      zone_definition_free (&d);
    }
}

static void
test_seccomp (void)
{
  char *args[] = { "true" };
  const char *profiles[] = { "unconfined", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}" };
  zerr *err = NULL;

  for (size_t i = 0; i < 2; i++)
    {
      struct zone_definition d = { 0 };
      struct zone_config *c = NULL;
      char *json;
      zone_definition_set_args (&d, args, 1);
      CHECK (zone_definition_set (&d, "seccomp", profiles[i], &err) == 0);
      json = zone_definition_config (&d, "s", "t");
      CHECK (zone_config_parse ("config.json", json, &c, &err) == 0);
      CHECK (strstr (json, "keyctl") == NULL);
      CHECK ((strstr (json, "SCMP_ACT_ERRNO") != NULL) == (i == 1));
      if (c)
        zone_config_free (c);
      free (json);
      zone_definition_free (&d);
    }
  {
    struct zone_definition d = { 0 };
    CHECK (zone_definition_set (&d, "seccomp", "[1, 2]", &err) < 0);
    CHECK_STR_CONTAINS (err ? err->msg : NULL, "--seccomp: not a JSON object");
    zerr_free (&err);
    zone_definition_free (&d);
  }
}

static void
test_combinations (void)
{
  struct zone_definition d = { 0 };
  char *args[] = { "true" };
  zerr *err = NULL;

  CHECK (zone_definition_check (&d, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "needs a command");
  zerr_free (&err);
  zone_definition_set_args (&d, args, 1);
  CHECK (zone_definition_set (&d, "publish", "8080:80", &err) == 0);
  CHECK (zone_definition_check (&d, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "--publish needs --net bridge");
  zerr_free (&err);
  CHECK (zone_definition_set (&d, "net", "none", &err) == 0);
  CHECK (zone_definition_set (&d, "address", "10.77.0.3", &err) == 0);
  CHECK (zone_definition_check (&d, &err) < 0);
  CHECK_STR_CONTAINS (err ? err->msg : NULL, "--address needs --net bridge");
  zerr_free (&err);
  CHECK (zone_definition_set (&d, "net", "bridge", &err) == 0);
  CHECK (zone_definition_check (&d, &err) == 0);
  /* memory -1 and pids-limit -1: no limit */
  CHECK (zone_definition_set (&d, "memory", "-1", &err) == 0 && !d.memory_set);
  CHECK (zone_definition_set (&d, "pids-limit", "-1", &err) == 0 && !d.pids_set);
  zone_definition_free (&d);
}

/* A template from an OCI image: its command, environment and working directory where the
   options say nothing; -e's keys replace the image's; a PATH given is the only PATH. */
static void
test_image_defaults (void)
{
  char *img_args[] = { "sh", "-c", "run", NULL }, *img_env[] = { "A=image", "B=image", "PATH=/img/bin", NULL };
  char *own_args[] = { "true" };
  struct zone_definition d = { 0 };
  struct zone_config *c = NULL;
  zerr *err = NULL;
  char *json;

  CHECK (zone_definition_set (&d, "env", "B=mine", &err) == 0);
  zone_definition_apply_image (&d, img_args, img_env, "/srv");
  CHECK (zone_definition_check (&d, &err) == 0);
  json = zone_definition_config (&d, "i1", "img");
  CHECK (zone_config_parse ("config.json", json, &c, &err) == 0);
  if (c)
    {
      char **e = c->process->env;
      size_t n = 0;
      for (; e && e[n]; n++)
        ;
      CHECK (c->process->args && strcmp (c->process->args[0], "sh") == 0 && strcmp (c->process->args[2], "run") == 0);
      CHECK (strcmp (c->process->cwd, "/srv") == 0);
      CHECK (n == 3);
      CHECK (n == 3 && strcmp (e[0], "A=image") == 0 && strcmp (e[1], "PATH=/img/bin") == 0 && strcmp (e[2], "B=mine") == 0);
      zone_config_free (c);
    }
  free (json);
  zone_definition_free (&d);
  /* a command and a workdir given win */
  memset (&d, 0, sizeof d);
  zone_definition_set_args (&d, own_args, 1);
  CHECK (zone_definition_set (&d, "workdir", "/w", &err) == 0);
  zone_definition_apply_image (&d, img_args, NULL, "/srv");
  CHECK (d.n_args == 1 && strcmp (d.args[0], "true") == 0);
  CHECK (strcmp (d.workdir, "/w") == 0);
  zone_definition_free (&d);
}

int
main (void)
{
  test_every_option ();
  test_defaults ();
  test_bad_values ();
  test_seccomp ();
  test_combinations ();
  test_image_defaults ();
  UNIT_DONE ();
}
