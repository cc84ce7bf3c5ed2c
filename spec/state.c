#define _GNU_SOURCE
#include "state.h"
#include "json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static void
gen_string (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static void
gen_kv (yajl_gen g, const char *k, const char *v)
{
  gen_string (g, k);
  gen_string (g, v ? v : "");
}

/* Unsigned 64-bit fields are written as their exact decimal digits: yajl_gen_integer takes a
   long long, and a value above LLONG_MAX would come back negative and be refused on the next read. */
static void
gen_u64 (yajl_gen g, unsigned long long v)
{
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%llu", v);

  yajl_gen_number (g, buf, (size_t) n);
}

/* runc's field order (its containerState): annotations before owner. */
static char *
state_json (const struct zone_state *s, bool public_only, bool pretty)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  char *r;

  if (pretty)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "  ");
    }
  yajl_gen_map_open (g);
  gen_kv (g, "ociVersion", s->oci_version);
  gen_kv (g, "id", s->id);
  gen_string (g, "pid");
  yajl_gen_integer (g, s->pid);
  gen_kv (g, "status", s->status);
  gen_kv (g, "bundle", s->bundle);
  gen_kv (g, "rootfs", s->rootfs);
  gen_kv (g, "created", s->created);
  if (s->n_annotations)
    {
      gen_string (g, "annotations");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < s->n_annotations; i++)
        gen_kv (g, s->annotations[i].key, s->annotations[i].value);
      yajl_gen_map_close (g);
    }
  gen_kv (g, "owner", s->owner);
  if (!public_only)
    {
      gen_string (g, "pidStart");
      gen_u64 (g, s->pid_start);
      gen_string (g, "cgroupOwned");
      yajl_gen_bool (g, s->cgroup_owned);
      gen_string (g, "hooks");
      yajl_gen_integer (g, (long long) s->hooks);
      gen_string (g, "cgroupPaths");
      yajl_gen_array_open (g);
      for (size_t i = 0; s->cgroup_paths && s->cgroup_paths[i]; i++)
        gen_string (g, s->cgroup_paths[i]);
      yajl_gen_array_close (g);
      if (s->net_veth)
        gen_kv (g, "netVeth", s->net_veth);
      gen_string (g, "cgroupMade");
      yajl_gen_array_open (g);
      for (size_t i = 0; s->cgroup_made && s->cgroup_made[i]; i++)
        gen_string (g, s->cgroup_made[i]);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  r = xmalloc0 (len + 1);
  memcpy (r, buf, len);
  yajl_gen_free (g);
  return r;
}

char *
zone_state_to_json (const struct zone_state *s, bool public_only)
{
  return state_json (s, public_only, true);
}

char *
zone_state_to_json_line (const struct zone_state *s)
{
  return state_json (s, true, false);
}

int
zone_state_parse (const char *text, struct zone_state **out, zerr **err)
{
  const char *F = "state.json";
  struct zone_state *s = xmalloc0 (sizeof *s);
  char errbuf[128];
  yajl_val tree = yajl_tree_parse (text, errbuf, sizeof errbuf), ann = NULL;
  int64_t pid = 0;
  uint64_t start = 0;
  int ret;

  if (tree == NULL || !YAJL_IS_OBJECT (tree))
    {
      ret = zerr_set (err, EINVAL, "%s: corrupt state file", F);
      goto out;
    }
  if ((ret = json_get_string (F, tree, "", "ociVersion", false, &s->oci_version, err)) < 0
      || (ret = json_get_string (F, tree, "", "id", true, &s->id, err)) < 0
      || (ret = json_get_string (F, tree, "", "status", true, &s->status, err)) < 0
      || (ret = json_get_i64 (F, tree, "", "pid", false, &pid, NULL, err)) < 0
      || (ret = json_get_string (F, tree, "", "bundle", false, &s->bundle, err)) < 0
      || (ret = json_get_string (F, tree, "", "rootfs", false, &s->rootfs, err)) < 0
      || (ret = json_get_string (F, tree, "", "created", false, &s->created, err)) < 0
      || (ret = json_get_string (F, tree, "", "owner", false, &s->owner, err)) < 0
      || (ret = json_get_u64 (F, tree, "", "pidStart", false, &start, NULL, err)) < 0
      || (ret = json_get_bool (F, tree, "", "cgroupOwned", &s->cgroup_owned, NULL, err)) < 0
      || (ret = json_get_u32 (F, tree, "", "hooks", false, &s->hooks, NULL, err)) < 0
      || (ret = json_get_strv (F, tree, "", "cgroupPaths", false, &s->cgroup_paths, err)) < 0
      || (ret = json_get_strv (F, tree, "", "cgroupMade", false, &s->cgroup_made, err)) < 0
      || (ret = json_get_string (F, tree, "", "netVeth", false, &s->net_veth, err)) < 0
      || (ret = json_get_object (F, tree, "", "annotations", false, &ann, err)) < 0)
    goto out;
  s->pid = (pid_t) pid;
  s->pid_start = start;
  if (ann)
    {
      s->annotations = xmalloc0 (ann->u.object.len * sizeof (struct zone_kv));
      for (size_t i = 0; i < ann->u.object.len; i++)
        if (YAJL_IS_STRING (ann->u.object.values[i]))
          {
            s->annotations[s->n_annotations].key = xstrdup (ann->u.object.keys[i]);
            s->annotations[s->n_annotations].value = xstrdup (YAJL_GET_STRING (ann->u.object.values[i]));
            s->n_annotations++;
          }
    }
  *out = s;
  s = NULL;
  ret = 0;
out:
  if (tree)
    yajl_tree_free (tree);
  zone_state_free (s);
  return ret;
}

void
zone_state_free (struct zone_state *s)
{
  if (s == NULL)
    return;
  free (s->oci_version);
  free (s->id);
  free (s->status);
  free (s->bundle);
  free (s->rootfs);
  free (s->created);
  free (s->owner);
  for (size_t i = 0; i < s->n_annotations; i++)
    {
      free (s->annotations[i].key);
      free (s->annotations[i].value);
    }
  free (s->annotations);
  strv_free (s->cgroup_paths);
  strv_free (s->cgroup_made);
  free (s->net_veth);
  free (s);
}
