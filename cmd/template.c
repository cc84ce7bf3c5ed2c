/* zone template add|list|rm, and create ID --template NAME [options] [-- CMD ARGS...]. */
#define _GNU_SOURCE
#include "cmd.h"
#include "../spec/definition.h"
#include "../spec/oci_image.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <fcntl.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_template (int argc, char **argv)
{
  const char *sub = argc > 1 ? argv[1] : NULL;
  zerr *err = NULL;

  if (sub == NULL)
    return usage_error ("template: %s", "say add NAME SOURCE, list, or rm NAME");
  if (strcmp (sub, "add") == 0)
    {
      if (argc != 4)
        return usage_error ("template add: %s", "give NAME SOURCE (a directory, a tar archive, compressed or not, or an OCI image layout DIR[:REF])");
      return zone_template_add (&runtime, argv[2], argv[3], &err) < 0 ? fail (&err) : 0;
    }
  if (strcmp (sub, "list") == 0 || strcmp (sub, "ls") == 0)
    {
      char **names = NULL;
      size_t n = 0;
      if (argc != 2)
        return usage_error ("unexpected argument `%s`", argv[2]);
      if (zone_template_list (&runtime, &names, &n, &err) < 0)
        return fail (&err);
      for (size_t i = 0; i < n; i++)
        {
          printf ("%s\n", names[i]);
          free (names[i]);
        }
      free (names);
      return 0;
    }
  if (strcmp (sub, "rm") == 0 || strcmp (sub, "remove") == 0)
    {
      if (argc != 3)
        return usage_error ("template rm: %s", "give the template's NAME");
      return zone_template_remove (&runtime, argv[2], &err) < 0 ? fail (&err) : 0;
    }
  return usage_error ("template: unknown subcommand `%s` (add, list, rm)", sub);
}

/* Whether a create command line names a template (then it is a person's create, not runc's). */
bool
create_names_template (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--template") == 0 || strncmp (argv[i], "--template=", 11) == 0 || strcmp (argv[i], "-T") == 0)
      return true;
  return false;
}

int
cmd_create_template (int argc, char **argv)
{
  /* Long names as zone_definition_set takes them; short ones as docker and podman spell them. */
  static const struct option opts[] = {
    { "template", required_argument, NULL, 'T' },  { "net", required_argument, NULL, 'n' },
    { "bridge", required_argument, NULL, 'B' },    { "subnet", required_argument, NULL, 'N' },
    { "publish", required_argument, NULL, 'p' },   { "address", required_argument, NULL, 'a' },
    { "memory", required_argument, NULL, 'm' },    { "cpu-weight", required_argument, NULL, 'W' },
    { "cpu-cap", required_argument, NULL, 'C' },   { "cpu-reserve", required_argument, NULL, 'R' },
    { "pids-limit", required_argument, NULL, 'P' }, { "env", required_argument, NULL, 'e' },
    { "volume", required_argument, NULL, 'v' },    { "hostname", required_argument, NULL, 'h' },
    { "user", required_argument, NULL, 'u' },      { "workdir", required_argument, NULL, 'w' },
    { "read-only", no_argument, NULL, 'r' },       { "pid-file", required_argument, NULL, 'F' },
    { "memory-merge", no_argument, NULL, 'M' },    { "notify", required_argument, NULL, 'y' },
    { "seccomp", required_argument, NULL, 'S' },
    { NULL, 0, NULL, 0 },
  };
  struct zone_definition d = { 0 };
  struct zone_create_opts o = { 0 };
  cleanup_free char *config = NULL;
  const char *id = NULL, *tmpl = NULL;
  zerr *err = NULL;
  int c, idx, ret;

  while ((c = getopt_long (argc, argv, "T:p:e:v:u:w:m:", opts, &idx)) != -1)
    {
      const char *name = NULL;
      if (c == 'T')
        {
          tmpl = optarg;
          continue;
        }
      if (c == 'F')
        {
          o.pid_file = optarg;
          continue;
        }
      for (size_t i = 0; opts[i].name; i++)
        if (opts[i].val == c)
          name = opts[i].name;
      if (name == NULL)
        {
          zone_definition_free (&d);
          return bad_flag ("create", argv);
        }
      /* --seccomp FILE: the profile's text (unconfined is a word, not a file) */
      cleanup_free char *text = NULL;
      if (c == 'S' && strcmp (optarg, "unconfined") != 0
          && read_file_at (AT_FDCWD, optarg, &text, NULL, &err) < 0)
        {
          zone_definition_free (&d);
          zerr_wrap (&err, "--seccomp");
          return fail (&err);
        }
      if (zone_definition_set (&d, name, text ? text : optarg, &err) < 0)
        {
          zone_definition_free (&d);
          return fail (&err);
        }
    }
  if (need_id (argc, argv, "create", &id))
    {
      zone_definition_free (&d);
      return 1;
    }
  zone_definition_set_args (&d, argv + optind, (size_t) (argc - optind));
  {
    struct oci_image_defaults img = { 0 };
    if (tmpl && zone_template_defaults (&runtime, tmpl, &img, &err) < 0)
      {
        zone_definition_free (&d);
        return fail (&err);
      }
    zone_definition_apply_image (&d, img.args, img.env, img.cwd);
    oci_image_defaults_free (&img);
  }
  if (zone_definition_check (&d, &err) < 0)
    {
      zone_definition_free (&d);
      return fail (&err);
    }
  config = zone_definition_config (&d, id, tmpl);
  zone_definition_free (&d);
  ret = zone_create_from_template (&runtime, id, tmpl, config, &o, &err);
  return ret < 0 ? fail (&err) : 0;
}

int
cmd_export (int argc, char **argv)
{
  zerr *err = NULL;
  if (argc != 3 || argv[1][0] == '-')
    return usage_error ("export: %s", "give ID FILE (zone export ID FILE.tar.gz)");
  return zone_export (&runtime, argv[1], argv[2], &err) < 0 ? fail (&err) : 0;
}

int
cmd_import (int argc, char **argv)
{
  cleanup_free char *id = NULL;
  zerr *err = NULL;
  if (argc < 2 || argc > 3 || argv[1][0] == '-')
    return usage_error ("import: %s", "give FILE [ID]");
  if (zone_import (&runtime, argv[1], argc == 3 ? argv[2] : NULL, &id, &err) < 0)
    return fail (&err);
  printf ("%s\n", id);
  return 0;
}
