#define _GNU_SOURCE
#include "json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yajl_val
json_member (yajl_val obj, const char *key)
{
  if (obj == NULL || !YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      return obj->u.object.values[i];
  return NULL;
}

char *
json_path_join (const char *path, const char *key)
{
  char *r;
  if (path == NULL || *path == '\0')
    return xstrdup (key);
  if (asprintf (&r, "%s.%s", path, key) < 0)
    abort ();
  return r;
}

char *
json_path_index (const char *path, size_t index)
{
  char *r;
  if (asprintf (&r, "%s[%zu]", path, index) < 0)
    abort ();
  return r;
}

static int
type_error (const char *file, const char *path, const char *key, const char *what, zerr **err)
{
  cleanup_free char *full = json_path_join (path, key);
  return zerr_set (err, EINVAL, "%s: %s: %s", file, full, what);
}

/* Fetch a member; 1 if present and not null, 0 if absent (error if required). */
static int
fetch (const char *file, yajl_val obj, const char *path, const char *key, bool required, yajl_val *out, zerr **err)
{
  yajl_val v = json_member (obj, key);
  if (v == NULL || YAJL_IS_NULL (v))
    {
      if (required)
        return type_error (file, path, key, "required but missing", err);
      return 0;
    }
  *out = v;
  return 1;
}

int
json_get_string (const char *file, yajl_val obj, const char *path, const char *key, bool required, char **out,
                 zerr **err)
{
  yajl_val v = NULL;
  int ret = fetch (file, obj, path, key, required, &v, err);
  if (ret <= 0)
    return ret;
  if (!YAJL_IS_STRING (v))
    return type_error (file, path, key, "must be a string", err);
  free (*out);
  *out = xstrdup (YAJL_GET_STRING (v));
  return 0;
}

int
json_get_bool (const char *file, yajl_val obj, const char *path, const char *key, bool *out, bool *present,
               zerr **err)
{
  yajl_val v = NULL;
  int ret = fetch (file, obj, path, key, false, &v, err);
  if (ret <= 0)
    return ret;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return type_error (file, path, key, "must be a boolean", err);
  *out = YAJL_IS_TRUE (v);
  if (present)
    *present = true;
  return 0;
}

/* Integers are parsed from the literal text so that the full uint64 range survives. */
static int
parse_integer (yajl_val v, bool is_signed, int64_t *s, uint64_t *u)
{
  const char *text;
  char *end = NULL;

  if (!YAJL_IS_NUMBER (v))
    return -1;
  text = v->u.number.r;
  if (text == NULL || strpbrk (text, ".eE"))
    return -1;
  errno = 0;
  if (is_signed)
    *s = strtoll (text, &end, 10);
  else
    {
      if (*text == '-')
        return -1;
      *u = strtoull (text, &end, 10);
    }
  if (errno || end == text || *end)
    return -1;
  return 0;
}

bool
json_value_u64 (yajl_val v, uint64_t *out)
{
  return parse_integer (v, false, NULL, out) == 0;
}

int
json_get_u32 (const char *file, yajl_val obj, const char *path, const char *key, bool required, uint32_t *out,
              bool *present, zerr **err)
{
  yajl_val v = NULL;
  uint64_t u = 0;
  int ret = fetch (file, obj, path, key, required, &v, err);
  if (ret <= 0)
    return ret;
  if (parse_integer (v, false, NULL, &u) < 0 || u > UINT32_MAX)
    return type_error (file, path, key, "must be an integer from 0 to 4294967295", err);
  *out = (uint32_t) u;
  if (present)
    *present = true;
  return 0;
}

int
json_get_i64 (const char *file, yajl_val obj, const char *path, const char *key, bool required, int64_t *out,
              bool *present, zerr **err)
{
  yajl_val v = NULL;
  int64_t s = 0;
  int ret = fetch (file, obj, path, key, required, &v, err);
  if (ret <= 0)
    return ret;
  if (parse_integer (v, true, &s, NULL) < 0)
    return type_error (file, path, key, "must be an integer", err);
  *out = s;
  if (present)
    *present = true;
  return 0;
}

int
json_get_u64 (const char *file, yajl_val obj, const char *path, const char *key, bool required, uint64_t *out,
              bool *present, zerr **err)
{
  yajl_val v = NULL;
  uint64_t u = 0;
  int ret = fetch (file, obj, path, key, required, &v, err);
  if (ret <= 0)
    return ret;
  if (parse_integer (v, false, NULL, &u) < 0)
    return type_error (file, path, key, "must be a non-negative integer", err);
  *out = u;
  if (present)
    *present = true;
  return 0;
}

int
json_get_strv (const char *file, yajl_val obj, const char *path, const char *key, bool required, char ***out,
               zerr **err)
{
  yajl_val v = NULL;
  char **r;
  int ret = fetch (file, obj, path, key, required, &v, err);
  if (ret <= 0)
    return ret;
  if (!YAJL_IS_ARRAY (v))
    return type_error (file, path, key, "must be an array of strings", err);
  r = xmalloc0 ((v->u.array.len + 1) * sizeof (char *));
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      yajl_val e = v->u.array.values[i];
      if (!YAJL_IS_STRING (e))
        {
          cleanup_free char *p = json_path_join (path, key);
          cleanup_free char *pi = json_path_index (p, i);
          strv_free (r);
          return zerr_set (err, EINVAL, "%s: %s: must be a string", file, pi);
        }
      r[i] = xstrdup (YAJL_GET_STRING (e));
    }
  strv_free (*out);
  *out = r;
  return 0;
}

static int
get_typed (const char *file, yajl_val obj, const char *path, const char *key, bool required, bool want_array,
           yajl_val *out, zerr **err)
{
  yajl_val v = NULL;
  int ret = fetch (file, obj, path, key, required, &v, err);
  *out = NULL;
  if (ret <= 0)
    return ret;
  if (want_array ? !YAJL_IS_ARRAY (v) : !YAJL_IS_OBJECT (v))
    return type_error (file, path, key, want_array ? "must be an array" : "must be an object", err);
  *out = v;
  return 0;
}

int
json_get_array (const char *file, yajl_val obj, const char *path, const char *key, bool required, yajl_val *out,
                zerr **err)
{
  return get_typed (file, obj, path, key, required, true, out, err);
}

int
json_get_object (const char *file, yajl_val obj, const char *path, const char *key, bool required, yajl_val *out,
                 zerr **err)
{
  return get_typed (file, obj, path, key, required, false, out, err);
}

