/* Typed access to a yajl tree that reports errors with the JSON path. */
#ifndef ZONE_SPEC_JSON_H
#define ZONE_SPEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../util/error.h"
#include "../util/strbuf.h"

/* The member `key` of object `obj`, or NULL. */
yajl_val json_member (yajl_val obj, const char *key);

/* Each getter: a missing or null member leaves *out untouched and returns 0 unless required;
   a member of the wrong type is an error naming `path.key`.  `file` prefixes the message. */
int json_get_string (const char *file, yajl_val obj, const char *path, const char *key, bool required, char **out,
                     zerr **err);
int json_get_bool (const char *file, yajl_val obj, const char *path, const char *key, bool *out, bool *present,
                   zerr **err);
int json_get_u32 (const char *file, yajl_val obj, const char *path, const char *key, bool required, uint32_t *out,
                  bool *present, zerr **err);
int json_get_i64 (const char *file, yajl_val obj, const char *path, const char *key, bool required, int64_t *out,
                  bool *present, zerr **err);
int json_get_u64 (const char *file, yajl_val obj, const char *path, const char *key, bool required, uint64_t *out,
                  bool *present, zerr **err);
/* An array of strings, NULL-terminated; absent gives NULL. */
int json_get_strv (const char *file, yajl_val obj, const char *path, const char *key, bool required, char ***out,
                   zerr **err);
/* The member as array/object, type-checked; absent or null gives NULL. */
int json_get_array (const char *file, yajl_val obj, const char *path, const char *key, bool required,
                    yajl_val *out, zerr **err);
int json_get_object (const char *file, yajl_val obj, const char *path, const char *key, bool required,
                     yajl_val *out, zerr **err);
/* A non-negative integer value, exactly as written. */
bool json_value_u64 (yajl_val v, uint64_t *out);

/* "a.b" + "c" -> "a.b.c"; "a" + index 2 -> "a[2]". Caller frees. */
char *json_path_join (const char *path, const char *key);
char *json_path_index (const char *path, size_t index);

#endif
