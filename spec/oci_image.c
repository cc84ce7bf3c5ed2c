#define _GNU_SOURCE
#include "oci_image.h"
#include "json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define REF_NAME "org.opencontainers.image.ref.name"

int
oci_blob_path (const char *digest, char **out, zerr **err)
{
  const char *hex = strchr (digest, ':');
  size_t want;

  if (hex == NULL)
    return zerr_set (err, EINVAL, "image: `%s` is not a digest", digest);
  if (strncmp (digest, "sha256:", 7) == 0)
    want = 64;
  else if (strncmp (digest, "sha512:", 7) == 0)
    want = 128;
  else
    return zerr_set (err, ENOTSUP, "image: digest `%s`: only sha256 and sha512 are known", digest);
  hex++;
  if (strlen (hex) != want || strspn (hex, "0123456789abcdef") != want)
    return zerr_set (err, EINVAL, "image: `%s` is not a digest", digest);
  if (asprintf (out, "blobs/%.6s/%s", digest, hex) < 0)
    abort ();
  return 0;
}

static yajl_val
parse (const char *json, const char *what, zerr **err)
{
  char msg[256];
  yajl_val t = yajl_tree_parse (json, msg, sizeof msg);
  if (t == NULL || !YAJL_IS_OBJECT (t))
    {
      if (t)
        yajl_tree_free (t);
      zerr_set (err, EINVAL, "image: %s is not a JSON object", what);
      return NULL;
    }
  return t;
}

static const char *
str_member (yajl_val obj, const char *key)
{
  yajl_val v = json_member (obj, key);
  return v && YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
}

/* A manifest descriptor fits when no ref is asked (or its ref name is that one) and its
   platform, if it names one, is linux/amd64. */
static bool
fits (yajl_val d, const char *ref)
{
  yajl_val ann = json_member (d, "annotations"), plat = json_member (d, "platform");
  const char *name = ann ? str_member (ann, REF_NAME) : NULL;
  const char *os = plat ? str_member (plat, "os") : NULL, *arch = plat ? str_member (plat, "architecture") : NULL;

  if (ref && (name == NULL || strcmp (name, ref) != 0))
    return false;
  return (os == NULL || strcmp (os, "linux") == 0) && (arch == NULL || strcmp (arch, "amd64") == 0);
}

int
oci_index_pick (const char *json, const char *ref, char **digest, bool *is_index, zerr **err)
{
  yajl_val t = parse (json, "index.json", err), list;
  const char *d = NULL, *type = NULL;
  size_t n;

  if (t == NULL)
    return -EINVAL;
  list = json_member (t, "manifests");
  if (list == NULL || !YAJL_IS_ARRAY (list) || (n = list->u.array.len) == 0)
    {
      yajl_tree_free (t);
      return zerr_set (err, EINVAL, "image: index.json lists no manifests");
    }
  for (size_t i = 0; i < n && d == NULL; i++)
    {
      yajl_val m = list->u.array.values[i];
      if (YAJL_IS_OBJECT (m) && ((n == 1 && ref == NULL) || fits (m, ref)))
        {
          d = str_member (m, "digest");
          type = str_member (m, "mediaType");
        }
    }
  if (d == NULL)
    {
      yajl_tree_free (t);
      return ref ? zerr_set (err, ENOENT, "image: no manifest named `%s` in index.json", ref)
                 : zerr_set (err, ENOENT, "image: no linux/amd64 manifest in index.json (name one: NAME DIR:REF)");
    }
  *digest = xstrdup (d);
  *is_index = type && strcmp (type, INDEX_TYPE) == 0;
  yajl_tree_free (t);
  return 0;
}

int
oci_manifest_layers (const char *json, char ***digests, char ***media_types, zerr **err)
{
  yajl_val t = parse (json, "the manifest", err), layers;
  const char *type;
  size_t n;

  if (t == NULL)
    return -EINVAL;
  type = str_member (t, "mediaType");
  if (type && strcmp (type, MANIFEST_TYPE) != 0 && strcmp (type, "application/vnd.docker.distribution.manifest.v2+json") != 0)
    {
      int ret = zerr_set (err, ENOTSUP, "image: manifest of type `%s` is not an image manifest", type);
      yajl_tree_free (t);
      return ret;
    }
  layers = json_member (t, "layers");
  if (layers == NULL || !YAJL_IS_ARRAY (layers))
    {
      yajl_tree_free (t);
      return zerr_set (err, EINVAL, "image: the manifest has no layers");
    }
  n = layers->u.array.len;
  *digests = xmalloc0 ((n + 1) * sizeof (char *));
  *media_types = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      yajl_val l = layers->u.array.values[i];
      const char *d = YAJL_IS_OBJECT (l) ? str_member (l, "digest") : NULL;
      const char *mt = YAJL_IS_OBJECT (l) ? str_member (l, "mediaType") : NULL;
      if (d == NULL)
        {
          yajl_tree_free (t);
          strv_free (*digests);
          strv_free (*media_types);
          *digests = *media_types = NULL;
          return zerr_set (err, EINVAL, "image: manifest layers[%zu] has no digest", i);
        }
      (*digests)[i] = xstrdup (d);
      (*media_types)[i] = xstrdup (mt ? mt : "");
    }
  yajl_tree_free (t);
  return 0;
}

int
oci_manifest_config (const char *json, char **digest, zerr **err)
{
  yajl_val t = parse (json, "the manifest", err), c;
  const char *d;

  if (t == NULL)
    return -EINVAL;
  c = json_member (t, "config");
  d = c && YAJL_IS_OBJECT (c) ? str_member (c, "digest") : NULL;
  if (d == NULL)
    {
      yajl_tree_free (t);
      return zerr_set (err, EINVAL, "image: the manifest names no config");
    }
  *digest = xstrdup (d);
  yajl_tree_free (t);
  return 0;
}

/* The strings of array v appended to *out (a NULL-terminated vector); false if v holds
   anything else. */
static bool
append_strings (yajl_val v, char ***out)
{
  size_t n = 0;
  if (v == NULL || YAJL_IS_NULL (v))
    return true;
  if (!YAJL_IS_ARRAY (v))
    return false;
  for (; *out && (*out)[n]; n++)
    ;
  *out = realloc (*out, (n + v->u.array.len + 1) * sizeof (char *));
  if (*out == NULL)
    abort ();
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      if (!YAJL_IS_STRING (v->u.array.values[i]))
        {
          (*out)[n] = NULL;
          return false;
        }
      (*out)[n++] = xstrdup (YAJL_GET_STRING (v->u.array.values[i]));
    }
  (*out)[n] = NULL;
  return true;
}

int
oci_image_config (const char *json, struct oci_image_defaults *out, zerr **err)
{
  yajl_val t = parse (json, "the image config", err), c;
  const char *cwd;

  memset (out, 0, sizeof *out);
  if (t == NULL)
    return -EINVAL;
  c = json_member (t, "config");
  if (c && YAJL_IS_OBJECT (c))
    {
      if (!append_strings (json_member (c, "Entrypoint"), &out->args) || !append_strings (json_member (c, "Cmd"), &out->args)
          || !append_strings (json_member (c, "Env"), &out->env))
        {
          yajl_tree_free (t);
          oci_image_defaults_free (out);
          return zerr_set (err, EINVAL, "image: config.Entrypoint, Cmd and Env must be arrays of strings");
        }
      if ((cwd = str_member (c, "WorkingDir")) && *cwd)
        out->cwd = xstrdup (cwd);
    }
  yajl_tree_free (t);
  return 0;
}

void
oci_image_defaults_free (struct oci_image_defaults *d)
{
  strv_free (d->args);
  strv_free (d->env);
  free (d->cwd);
  memset (d, 0, sizeof *d);
}
