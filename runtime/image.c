/* A template from an OCI image layout: the manifest's layers, each checked against its digest,
   applied in order with the image spec's whiteouts. */
#define _GNU_SOURCE
#include "image.h"
#include "../spec/oci_image.h"
#include "../util/argv.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

bool
image_is_layout (const char *dir)
{
  cleanup_free char *marker = path_join (dir, "oci-layout"), *index = path_join (dir, "index.json");
  return access (marker, F_OK) == 0 && access (index, F_OK) == 0;
}

/* The blob digest names, read whole after its content is checked against the digest. */
static int
read_blob (const char *layout, const char *digest, char **path_out, char **text, zerr **err)
{
  cleanup_free char *rel = NULL, *path = NULL, *check = NULL, *line = NULL;
  cleanup_argv struct argv a = { 0 };
  cleanup_close int fd = -1;
  int ret;

  if ((ret = oci_blob_path (digest, &rel, err)) < 0)
    return ret;
  path = path_join (layout, rel);
  /* sha256sum -c reads "HEX  FILE" lines: a file of one line, beside nothing of the layout's. */
  check = xstrdup ("/tmp/zone-digest.XXXXXX");
  if ((fd = mkstemp (check)) < 0)
    return zerr_sys (err, "image: check file");
  if (asprintf (&line, "%s  %s\n", strchr (digest, ':') + 1, path) < 0)
    abort ();
  ret = write_all (fd, line, strlen (line));
  argv_push (&a, strncmp (digest, "sha512:", 7) == 0 ? "sha512sum" : "sha256sum");
  argv_push (&a, "--quiet");
  argv_push (&a, "--strict");
  argv_push (&a, "-c");
  argv_push (&a, "%s", check);
  if (ret == 0)
    ret = run_tool ("image: a blob does not match its digest", &a, err);
  unlink (check);
  if (ret < 0)
    return ret;
  if (text && (ret = read_file_at (AT_FDCWD, path, text, NULL, err)) < 0)
    return ret;
  if (path_out)
    *path_out = steal_pointer (&path);
  return 0;
}

static bool
is_real_dir (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

/* Remove what dir holds, not dir itself. */
static int
clear_dir (const char *dir, zerr **err)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    {
      cleanup_free char *p = NULL;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      p = path_join (dir, e->d_name);
      if (remove_tree (p, err) < 0)
        return -EIO;
    }
  return 0;
}

/* One layer, unpacked in from, onto to: an opaque marker empties the directory first, a
   whiteout removes what it names, a directory over a directory is merged, anything else
   replaces what was there. from is left empty. */
static int
merge_layer (const char *from, const char *to, zerr **err)
{
  cleanup_free char *opaque = path_join (from, OPAQUE);
  cleanup_dir DIR *d = NULL;
  struct dirent *e;

  if (access (opaque, F_OK) == 0)
    {
      if (clear_dir (to, err) < 0)
        return -EIO;
      unlink (opaque);
    }
  if ((d = opendir (from)) == NULL)
    return zerr_sys (err, "image: read `%s`", from);
  while ((e = readdir (d)))
    {
      cleanup_free char *src = NULL, *dst = NULL;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      src = path_join (from, e->d_name);
      if (strncmp (e->d_name, WHITEOUT, strlen (WHITEOUT)) == 0)
        {
          const char *name = e->d_name + strlen (WHITEOUT);
          cleanup_free char *gone = NULL;
          /* ".wh.", ".wh.." and ".wh..." would name the directory or its parent, not a file in it. */
          if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
            return zerr_set (err, EINVAL, "image: whiteout `%s` names no file", e->d_name);
          gone = path_join (to, name);
          if (remove_tree (gone, err) < 0 || unlink (src) < 0)
            return zerr_sys (err, "image: whiteout `%s`", e->d_name);
          continue;
        }
      dst = path_join (to, e->d_name);
      if (is_real_dir (src) && is_real_dir (dst))
        {
          struct stat st;
          int ret;
          if ((ret = merge_layer (src, dst, err)) < 0)
            return ret;
          /* The upper layer's directory's owner and mode win. */
          if (lstat (src, &st) == 0)
            {
              lchown (dst, st.st_uid, st.st_gid);
              chmod (dst, st.st_mode & 07777);
            }
          rmdir (src);
          continue;
        }
      /* What the layer replaces goes first, a dangling symlink too (remove_tree: lstat, and
         nothing to do when there is nothing). */
      if (remove_tree (dst, err) < 0)
        return -EIO;
      if (rename (src, dst) < 0)
        return zerr_sys (err, "image: move `%s`", e->d_name);
    }
  return 0;
}

static int
apply_layer (const char *blob, const char *dest, const char *staging, zerr **err)
{
  cleanup_argv struct argv a = { 0 };
  int ret;

  if (mkdir (staging, 0755) < 0)
    return zerr_sys (err, "image: make `%s`", staging);
  argv_tar_extract (&a, blob, staging);
  ret = run_tool ("image: unpack a layer", &a, err);
  if (ret == 0)
    ret = merge_layer (staging, dest, err);
  remove_tree (staging, NULL);
  return ret;
}

/* The manifest ref names (as image_unpack picks it), its digest checked. */
static int
read_manifest (const char *layout, const char *ref, char **manifest, zerr **err)
{
  cleanup_free char *index = NULL, *digest = NULL, *index_path = path_join (layout, "index.json");
  bool nested = true;
  int ret;

  if ((ret = read_file_at (AT_FDCWD, index_path, &index, NULL, err)) < 0)
    return ret;
  /* An index may name another index (one per platform): follow it to a manifest. */
  for (int depth = 0; nested; depth++)
    {
      free (digest);
      digest = NULL;
      if (depth > 4)
        return zerr_set (err, ELOOP, "image: indexes nested too deep");
      if ((ret = oci_index_pick (index, depth ? NULL : ref, &digest, &nested, err)) < 0)
        return ret;
      if (nested)
        {
          free (index);
          index = NULL;
          if ((ret = read_blob (layout, digest, NULL, &index, err)) < 0)
            return ret;
        }
    }
  return read_blob (layout, digest, NULL, manifest, err);
}

int
image_unpack (const char *layout, const char *ref, const char *dest, char **config, zerr **err)
{
  cleanup_free char *manifest = NULL, *staging = NULL, *config_digest = NULL;
  cleanup_strv char **layers = NULL, **types = NULL;
  int ret;

  if ((ret = read_manifest (layout, ref, &manifest, err)) < 0
      || (ret = oci_manifest_layers (manifest, &layers, &types, err)) < 0
      || (ret = oci_manifest_config (manifest, &config_digest, err)) < 0
      || (ret = read_blob (layout, config_digest, NULL, config, err)) < 0)
    return ret;
  if (asprintf (&staging, "%s.layer", dest) < 0)
    abort ();
  for (size_t i = 0; layers[i]; i++)
    {
      cleanup_free char *blob = NULL;
      if (strstr (types[i], "nondistributable") == NULL && strstr (types[i], "tar") == NULL && *types[i])
        return zerr_set (err, ENOTSUP, "image: layer %zu has media type `%s`, not a tar archive", i, types[i]);
      if ((ret = read_blob (layout, layers[i], &blob, NULL, err)) < 0 || (ret = apply_layer (blob, dest, staging, err)) < 0)
        return ret;
    }
  return 0;
}
