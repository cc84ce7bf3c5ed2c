#define _GNU_SOURCE
#include "store.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The id as it may be shown: at most 40 characters, anything but printable ASCII as \xNN, so that
   a bad id can neither break the one-line error nor forge a line of a log. */
static void
quote_id (const char *id, char out[200])
{
  size_t n = 0, i = 0;
  for (; id[i] && i < 40 && n < 190; i++)
    {
      unsigned char c = (unsigned char) id[i];
      n += (size_t) snprintf (out + n, 200 - n, c >= 0x20 && c < 0x7f && c != '`' ? "%c" : "\\x%02x", c);
    }
  snprintf (out + n, 200 - n, "%s", id[i] ? "..." : "");
}

int
store_validate_id (const char *id, zerr **err)
{
  size_t len = strlen (id);
  char shown[200];

  if (len == 0 || len > ZONE_ID_MAX)
    return zerr_set (err, EINVAL, "invalid container id: must be 1 to %d characters", ZONE_ID_MAX);
  quote_id (id, shown);
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return zerr_set (err, EINVAL, "invalid container id `%s`", shown);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("_+-.", *p)))
      return zerr_set (err, EINVAL, "invalid container id `%s`: only letters, digits and _+-. are allowed", shown);
  return 0;
}

/* Where a denied root sends an ordinary user. */
#define ROOTLESS_ROOT_HINT "an ordinary user's zones live in $XDG_RUNTIME_DIR/zone, or give --root"

static int
lock_dir (int fd, zerr **err)
{
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return zerr_sys (err, "lock the container state");
  return 0;
}

int
store_create (const char *root, const char *id, zerr **err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int fd = -1;
  int ret;

  ret = store_validate_id (id, err);
  if (ret < 0)
    return ret;
  ret = mkdir_p (root, 0700, err);
  if (ret == -EACCES && running_rootless ())
    return zerr_wrap (err, ROOTLESS_ROOT_HINT);
  if (ret < 0)
    return ret;
  if (asprintf (&dir, "%s/%s", root, id) < 0)
    abort ();
  if (mkdir (dir, 0711) < 0)
    {
      if (errno == EEXIST)
        return zerr_set (err, EEXIST, "`%s`: container with given ID already exists", id);
      if (errno == EACCES && running_rootless ())
        return zerr_sys (err, "create `%s` (" ROOTLESS_ROOT_HINT ")", dir);
      return zerr_sys (err, "create `%s`", dir);
    }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return zerr_sys (err, "open `%s`", dir);
  ret = lock_dir (fd, err);
  if (ret < 0)
    return ret;
  return steal_fd (&fd);
}

int
store_open_at (int rootfd, const char *root, const char *id, zerr **err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int fd = -1;
  int ret = store_validate_id (id, err);
  if (ret < 0)
    return ret;
  if (asprintf (&dir, "%s/%s", root, id) < 0)
    abort ();
  fd = rootfd >= 0 ? openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return zerr_set (err, ENOENT, "`%s`: container does not exist", id);
      return zerr_sys (err, "open `%s`", dir);
    }
  ret = lock_dir (fd, err);
  if (ret < 0)
    return ret;
  /* A delete may have removed the directory while we waited for the lock. */
  {
    struct stat st;
    if (fstat (fd, &st) == 0 && st.st_nlink == 0)
      return zerr_set (err, ENOENT, "`%s`: container does not exist", id);
  }
  return steal_fd (&fd);
}

int
store_open (const char *root, const char *id, zerr **err)
{
  return store_open_at (-1, root, id, err);
}

int
store_read_state (int dirfd, struct zone_state **out, zerr **err)
{
  cleanup_free char *text = NULL;
  int ret = read_file_at (dirfd, "state.json", &text, NULL, err);
  if (ret < 0)
    return ret;
  return zone_state_parse (text, out, err);
}

int
store_write_state (int dirfd, const struct zone_state *s, zerr **err)
{
  cleanup_free char *json = zone_state_to_json (s, false);
  char tmp[64];
  int ret;

  /* A temporary file renamed over the old one: readers, a crash of zone and a full disk all see
     the old state whole or the new one whole, never a torn one. No fdatasync: the state
     describes processes, which a crash of the host ends too (the state root is a tmpfs in real
     use); it cost ~0.5 ms a write on a disk-backed root, two writes per create. */
  snprintf (tmp, sizeof tmp, "state.json.%d", getpid ());
  {
    cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      return zerr_sys (err, "write state.json");
    if (write_all (fd, json, strlen (json)) < 0)
      {
        ret = zerr_sys (err, "write state.json");
        unlinkat (dirfd, tmp, 0);
        return ret;
      }
  }
  if (renameat (dirfd, tmp, dirfd, "state.json") < 0)
    {
      ret = zerr_sys (err, "write state.json");
      unlinkat (dirfd, tmp, 0);
      return ret;
    }
  return 0;
}

int
store_remove (const char *root, const char *id, zerr **err)
{
  cleanup_free char *dir = NULL;
  if (asprintf (&dir, "%s/%s", root, id) < 0)
    abort ();
  return remove_tree (dir, err);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
store_list (const char *root, char ***ids, zerr **err)
{
  cleanup_dir DIR *d = opendir (root);
  struct dirent *de;
  size_t n = 0, alloc = 16;
  char **v;

  if (d == NULL)
    {
      if (errno != ENOENT)
        return zerr_sys (err, "open `%s`", root);
      *ids = xmalloc0 (sizeof (char *));
      return 0;
    }
  v = xmalloc0 (alloc * sizeof (char *));
  while ((de = readdir (d)))
    {
      if (de->d_type != DT_DIR || store_validate_id (de->d_name, NULL) < 0)
        continue;
      if (n + 1 >= alloc)
        {
          alloc *= 2;
          v = realloc (v, alloc * sizeof (char *));
          if (v == NULL)
            abort ();
        }
      v[n++] = xstrdup (de->d_name);
      v[n] = NULL;
    }
  qsort (v, n, sizeof (char *), cmp_str);
  *ids = v;
  return 0;
}
