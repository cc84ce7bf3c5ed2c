/* Templates and persistent zones (docs/templates.md).  Under the state directory (--state-dir,
   default /var/lib/zone):

     templates/NAME/        a template: a root filesystem, never written once added
     zones/ID/config.json   a zone defined from a template: its bundle
     zones/ID/rootfs        the overlay of the template (lower) and upper/ (the zone's writes)
     zones/ID/upper, work   the zone's own files, and overlayfs' work directory
     zones/ID/template      the template's name; zones/ID/root: the runtime root it belongs to

   A defined zone outlives its processes: start boots it again from its definition, delete
   removes it for good.  Zones made from plain bundles never come here. */
#define _GNU_SOURCE
#include "runtime.h"
#include "store.h"
#include "image.h"
#include "full.h"
#include "last_stage.h"
#include "../spec/oci_image.h"
#include "../cgroups/cgroup.h"
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *
state_dir (const struct zone_runtime *rt)
{
  return rt->state_dir ? rt->state_dir : ZONE_DEFAULT_STATE_DIR;
}

static char *
sub (const struct zone_runtime *rt, const char *kind, const char *name)
{
  char *p;
  if (asprintf (&p, "%s/%s%s%s", state_dir (rt), kind, name ? "/" : "", name ? name : "") < 0)
    abort ();
  return p;
}

/* One change to the state directory at a time (template add/rm against a zone defined from it). */
static int
lock_state_dir (const struct zone_runtime *rt, zerr **err)
{
  cleanup_free char *path = sub (rt, ".lock", NULL);
  int ret = mkdir_p (state_dir (rt), 0700, err);
  return ret < 0 ? ret : lock_file (path, err);
}

static int
validate_template_name (const char *name, zerr **err)
{
  zerr *e = NULL;
  if (store_validate_id (name, &e) < 0)
    {
      zerr_free (&e);
      return zerr_set (err, EINVAL, "invalid template name `%.100s`: 1 to 240 letters, digits and _+-.", name);
    }
  return 0;
}

/* Beside template NAME: the config of the image it came from, if it did. */
static char *
image_file (const struct zone_runtime *rt, const char *name)
{
  cleanup_free char *hidden = NULL;
  if (asprintf (&hidden, ".%s.image", name) < 0)
    abort ();
  return sub (rt, "templates", hidden);
}

/* The template's files in tmp: an OCI image layout's layers (its config beside, .NAME.image), a
   directory's copy or an archive's content. */
static int
fill_template (const struct zone_runtime *rt, const char *name, const char *source, const char *ref, bool is_dir,
               const char *tmp, zerr **err)
{
  cleanup_argv struct argv a = { 0 };

  if (is_dir && image_is_layout (source))
    {
      cleanup_free char *config = NULL, *cfile = image_file (rt, name);
      if (image_unpack (source, ref, tmp, &config, err) < 0
          || write_file_at (AT_FDCWD, cfile, config, strlen (config), 0644, err) < 0)
        return zerr_wrap (err, "template add: `%s`", source);
      return 0;
    }
  if (is_dir)
    {
      /* cp -a keeps owners, modes, links, devices, xattrs and hard links. */
      argv_push (&a, "cp");
      argv_push (&a, "-a");
      argv_push (&a, "%s/.", source);
      argv_push (&a, "%s", tmp);
    }
  else
    argv_tar_extract (&a, source, tmp);
  return run_tool ("template add", &a, err);
}

int
zone_template_add (const struct zone_runtime *rt, const char *name, const char *source, zerr **err)
{
  cleanup_free char *dir = NULL, *tmp = NULL, *parent = sub (rt, "templates", NULL), *layout = NULL;
  cleanup_close int lock = -1;
  const char *ref = NULL;
  struct stat st;
  int ret;

  if ((ret = validate_template_name (name, err)) < 0)
    return ret;
  /* DIR:REF names one image of an OCI layout that holds several. */
  if (stat (source, &st) < 0 && strrchr (source, ':'))
    {
      layout = xstrdup (source);
      *strrchr (layout, ':') = '\0';
      ref = strrchr (source, ':') + 1;
      if (!image_is_layout (layout))
        return zerr_sys (err, "template add: `%s`", source);
      source = layout;
    }
  if (stat (source, &st) < 0)
    return zerr_sys (err, "template add: `%s`", source);
  if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
    return zerr_set (err, EINVAL, "template add: `%s` is neither a directory nor an archive", source);
  if ((lock = lock_state_dir (rt, err)) < 0 || (ret = mkdir_p (parent, 0700, err)) < 0)
    return lock < 0 ? lock : ret;
  dir = sub (rt, "templates", name);
  if (access (dir, F_OK) == 0)
    return zerr_set (err, EEXIST, "template add: template `%s` exists (zone template rm %s first)", name, name);
  /* Filled under a temporary name, renamed when whole: a failed add leaves nothing. */
  if (asprintf (&tmp, "%s/.%s.XXXXXX", parent, name) < 0)
    abort ();
  if (mkdtemp (tmp) == NULL)
    return zerr_sys (err, "template add: make `%s`", tmp);
  chmod (tmp, 0755);
  if ((ret = fill_template (rt, name, source, ref, S_ISDIR (st.st_mode), tmp, err)) < 0
      || (rename (tmp, dir) < 0 && (ret = zerr_sys (err, "template add: rename")) < 0))
    {
      cleanup_free char *cfile = image_file (rt, name);
      remove_tree (tmp, NULL);
      unlink (cfile);
      return ret;
    }
  return 0;
}

static int
list_dir (const char *path, bool dirs_only, char ***out, size_t *n, zerr **err)
{
  DIR *d = opendir (path);
  struct dirent *e;

  *out = xmalloc0 (sizeof (char *));
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : zerr_sys (err, "read `%s`", path);
  while ((e = readdir (d)))
    {
      if (e->d_name[0] == '.' || (dirs_only && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
        continue;
      *out = realloc (*out, (*n + 2) * sizeof (char *));
      if (*out == NULL)
        abort ();
      (*out)[(*n)++] = xstrdup (e->d_name);
      (*out)[*n] = NULL;
    }
  closedir (d);
  return 0;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
zone_template_list (const struct zone_runtime *rt, char ***names, size_t *n, zerr **err)
{
  cleanup_free char *dir = sub (rt, "templates", NULL);
  int ret = list_dir (dir, true, names, n, err);
  if (ret == 0)
    qsort (*names, *n, sizeof (char *), compare_names);
  return ret;
}

/* The definitions' file of zone id: NULL when id has no definition. */
static char *
def_file (const struct zone_runtime *rt, const char *id, const char *file)
{
  cleanup_free char *dir = sub (rt, "zones", id);
  return path_join (dir, file);
}

/* The template zone id was made from, when id is defined for this runtime root. */
static char *
defined_template (const struct zone_runtime *rt, const char *id)
{
  cleanup_free char *root_file = def_file (rt, id, "root"), *tmpl_file = def_file (rt, id, "template");
  cleanup_free char *root = NULL, *mine = NULL, *tmpl = NULL;

  /* Asked at every start, stop and delete, of engines' zones too: one failed open for them. */
  if (read_file_at (AT_FDCWD, root_file, &root, NULL, NULL) < 0
      || read_file_at (AT_FDCWD, tmpl_file, &tmpl, NULL, NULL) < 0)
    return NULL;
  mine = realpath (rt->root, NULL);
  root[strcspn (root, "\n")] = '\0';
  tmpl[strcspn (tmpl, "\n")] = '\0';
  /* A root that does not exist yet (after a reboot, /run is new) is compared by its name. */
  if (strcmp (root, mine ? mine : rt->root) != 0)
    return NULL;
  return steal_pointer (&tmpl);
}

bool
zone_is_defined (const struct zone_runtime *rt, const char *id)
{
  zerr *e = NULL;
  cleanup_free char *t = NULL;
  if (store_validate_id (id, &e) < 0)
    {
      zerr_free (&e);
      return false;
    }
  t = defined_template (rt, id);
  return t != NULL;
}

int
zone_template_remove (const struct zone_runtime *rt, const char *name, zerr **err)
{
  cleanup_free char *dir = NULL, *zones = sub (rt, "zones", NULL);
  cleanup_strv char **ids = NULL;
  cleanup_close int lock = -1;
  size_t n = 0;
  int ret;

  if ((ret = validate_template_name (name, err)) < 0)
    return ret;
  if ((lock = lock_state_dir (rt, err)) < 0)
    return lock;
  dir = sub (rt, "templates", name);
  if (access (dir, F_OK) < 0)
    return zerr_set (err, ENOENT, "template rm: no template `%s`", name);
  if ((ret = list_dir (zones, true, &ids, &n, err)) < 0)
    return ret;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *f = def_file (rt, ids[i], "template"), *t = NULL;
      if (read_file_at (AT_FDCWD, f, &t, NULL, NULL) == 0 && strcmp (t, name) == 0)
        return zerr_set (err, EBUSY, "template rm: zone `%s` uses template `%s` (zone delete %s first)", ids[i],
                         name, ids[i]);
    }
  {
    cleanup_free char *cfile = image_file (rt, name);
    unlink (cfile);
  }
  return remove_tree (dir, err);
}

int
zone_template_defaults (const struct zone_runtime *rt, const char *name, struct oci_image_defaults *d, zerr **err)
{
  cleanup_free char *cfile = image_file (rt, name), *json = NULL;

  memset (d, 0, sizeof *d);
  if (read_file_at (AT_FDCWD, cfile, &json, NULL, NULL) < 0)
    return 0; /* not from an image: no defaults */
  return oci_image_config (json, d, err);
}

/* The overlay of the template and the zone's own upper directory, on zones/ID/rootfs (once). */
static int
mount_rootfs (const struct zone_runtime *rt, const char *id, const char *tmpl, zerr **err)
{
  cleanup_free char *dir = sub (rt, "zones", id), *lower = sub (rt, "templates", tmpl), *data = NULL;
  cleanup_free char *rootfs = path_join (dir, "rootfs"), *real = NULL;
  struct stat a, b;

  if (stat (rootfs, &a) == 0 && stat (dir, &b) == 0 && a.st_dev != b.st_dev)
    return 0; /* mounted already (a zone booted again) */
  real = realpath (state_dir (rt), NULL);
  if (real == NULL)
    return zerr_sys (err, "state directory `%s`", state_dir (rt));
  if (strpbrk (real, ",:"))
    return zerr_set (err, EINVAL, "state directory `%s`: overlayfs cannot take a path with `,` or `:`", real);
  if (access (lower, F_OK) < 0)
    return zerr_set (err, ENOENT, "template `%s` is gone (zone template list)", tmpl);
  if (asprintf (&data, "lowerdir=%s/templates/%s,upperdir=%s/zones/%s/upper,workdir=%s/zones/%s/work", real, tmpl,
                real, id, real, id)
      < 0)
    abort ();
  if (mount ("overlay", rootfs, "overlay", 0, data) < 0)
    return zerr_sys (err, "mount the overlay of template `%s` on `%s`", tmpl, rootfs);
  return 0;
}

static void
unmount_rootfs (const struct zone_runtime *rt, const char *id)
{
  cleanup_free char *rootfs = def_file (rt, id, "rootfs");
  while (umount2 (rootfs, MNT_DETACH) == 0)
    ;
}

int
zone_undefine (const struct zone_runtime *rt, const char *id, bool keep_data, zerr **err)
{
  cleanup_free char *dir = sub (rt, "zones", id);
  cleanup_close int lock = lock_state_dir (rt, err);

  if (lock < 0)
    return lock;
  unmount_rootfs (rt, id);
  if (keep_data)
    {
      /* What stays is the zone's files and its definition, no longer bound to the root. */
      cleanup_free char *root = path_join (dir, "root");
      unlink (root);
      return 0;
    }
  return remove_tree (dir, err);
}

/* The address a bridged zone got at its first create, written into its definition so that it
   boots again with it (org.zone.net.address goes first in the annotations zone wrote). */
static void
pin_address (const struct zone_runtime *rt, const char *id)
{
  cleanup_state struct zone_state *st = NULL;
  cleanup_free char *file = def_file (rt, id, "config.json"), *text = NULL, *out = NULL;
  const char *addr = NULL, *at;
  zerr *e = NULL;

  if (zone_get_state (rt, id, &st, &e) < 0)
    {
      zerr_free (&e);
      return;
    }
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, "org.zone.net.address") == 0)
      addr = st->annotations[i].value;
  if (addr == NULL || read_file_at (AT_FDCWD, file, &text, NULL, NULL) < 0
      || strstr (text, "\"org.zone.net.address\"") || (at = strstr (text, "\"annotations\": {")) == NULL)
    return;
  at += strlen ("\"annotations\": {");
  if (asprintf (&out, "%.*s\n    \"org.zone.net.address\": \"%s\",%s", (int) (at - text), text, addr, at) < 0)
    abort ();
  write_file_atomic (file, out, strlen (out), 0600, NULL);
}

static int
write_definition (const struct zone_runtime *rt, const char *dir, const char *tmpl, const char *config_text,
                  zerr **err)
{
  cleanup_free char *root = realpath (rt->root, NULL);
  static const char *const subdirs[] = { "rootfs", "upper", "work" };
  int ret;

  {
    cleanup_free char *f = path_join (dir, "config.json");
    if ((ret = write_file_at (AT_FDCWD, f, config_text, strlen (config_text), 0600, err)) < 0)
      return ret;
  }
  {
    cleanup_free char *f = path_join (dir, "template");
    if ((ret = write_file_at (AT_FDCWD, f, tmpl, strlen (tmpl), 0600, err)) < 0)
      return ret;
  }
  {
    cleanup_free char *f = path_join (dir, "root");
    const char *r = root ? root : rt->root;
    if ((ret = write_file_at (AT_FDCWD, f, r, strlen (r), 0600, err)) < 0)
      return ret;
  }
  for (size_t i = 0; i < 3; i++)
    {
      cleanup_free char *d = path_join (dir, subdirs[i]);
      if (mkdir (d, 0755) < 0)
        return zerr_sys (err, "make `%s`", d);
    }
  return 0;
}

/* Before anything of a defined zone is touched: the re-exec its config may need (zone-full, a
   sealed copy) starts the command again, so it must come first. */
static int
prepare_for_definition (const struct zone_runtime *rt, const char *dir, const char *config_text, zerr **err)
{
  cleanup_free char *text = NULL, *path = NULL;
  cleanup_config struct zone_config *c = NULL;
  int ret;

  if (config_text == NULL)
    {
      path = path_join (dir, "config.json");
      if ((ret = read_file_at (AT_FDCWD, path, &text, NULL, err)) < 0)
        return ret;
      config_text = text;
    }
  if ((ret = zone_config_parse ("config.json", config_text, &c, err)) < 0)
    return ret;
  if ((ret = zone_full_if (rt, zone_config_needs_full (rt, c), err)) < 0)
    return ret;
  return last_stage_or_sealed (rt, c, err);
}

/* Define zone id from template tmpl with config_text, mount its rootfs and create it; a failure
   at any step leaves nothing. */
int
zone_create_from_template (const struct zone_runtime *rt, const char *id, const char *tmpl, const char *config_text,
                           const struct zone_create_opts *o, zerr **err)
{
  cleanup_free char *dir = NULL, *tdir = NULL, *zones = sub (rt, "zones", NULL), *state = NULL;
  struct zone_create_opts c = *o;
  int ret, lock;

  if ((ret = store_validate_id (id, err)) < 0 || (ret = validate_template_name (tmpl, err)) < 0
      || (ret = prepare_for_definition (rt, NULL, config_text, err)) < 0)
    return ret;
  state = path_join (rt->root, id);
  if (access (state, F_OK) == 0)
    return zerr_set (err, EEXIST, "create: `%s`: container with given ID already exists", id);
  if ((lock = lock_state_dir (rt, err)) < 0)
    return lock;
  tdir = sub (rt, "templates", tmpl);
  dir = sub (rt, "zones", id);
  if (access (tdir, F_OK) < 0)
    ret = zerr_set (err, ENOENT, "create: no template `%s` (zone template list)", tmpl);
  else if ((ret = mkdir_p (zones, 0700, err)) == 0 && mkdir (dir, 0700) < 0)
    ret = errno == EEXIST ? zerr_set (err, EEXIST, "create: zone `%s` is defined already (in %s)", id, dir)
                          : zerr_sys (err, "create: make `%s`", dir);
  if (ret == 0 && (ret = write_definition (rt, dir, tmpl, config_text, err)) < 0)
    remove_tree (dir, NULL);
  close (lock);
  if (ret < 0)
    return ret;
  c.bundle = dir;
  if ((ret = mount_rootfs (rt, id, tmpl, err)) < 0 || (ret = zone_create (rt, id, &c, err)) < 0)
    {
      zone_undefine (rt, id, false, NULL);
      return ret;
    }
  pin_address (rt, id);
  return 0;
}

/* start for a defined zone: a created one starts; a stopped one (or one whose state went with a
   reboot) is made again from its definition, on the same files and address, and starts. */
int
zone_boot (const struct zone_runtime *rt, const char *id, zerr **err)
{
  cleanup_free char *tmpl = defined_template (rt, id), *dir = sub (rt, "zones", id);
  cleanup_state struct zone_state *st = NULL;
  struct zone_create_opts o = { .bundle = dir };
  zerr *e = NULL;
  int ret;

  if (tmpl == NULL)
    return zone_start (rt, id, err);
  if (zone_get_state (rt, id, &st, &e) == 0)
    {
      if (strcmp (st->status, "created") == 0)
        return zone_start (rt, id, err);
      if (strcmp (st->status, "stopped") != 0)
        return zerr_set (err, EBUSY, "start: `%s` is %s already", id, st->status);
    }
  zerr_free (&e);
  if ((ret = prepare_for_definition (rt, dir, NULL, err)) < 0 || (st && (ret = zone_delete (rt, id, false, err)) < 0))
    return ret;
  if ((ret = mount_rootfs (rt, id, tmpl, err)) < 0 || (ret = zone_create (rt, id, &o, err)) < 0)
    return ret;
  return zone_start (rt, id, err);
}

int
zone_halt (const struct zone_runtime *rt, const char *id, int timeout, zerr **err)
{
  cleanup_state struct zone_state *st = NULL;
  zerr *e = NULL;
  int ret;

  if (zone_get_state (rt, id, &st, &e) < 0)
    {
      /* Halted already (no runtime state): nothing runs. */
      zerr_free (&e);
      return 0;
    }
  /* A created zone has run nothing: delete ends its waiting init at once (a SIGTERM would
     only wait out the timeout, as the init of a pid namespace has no handler for it). */
  if (strcmp (st->status, "stopped") != 0 && strcmp (st->status, "created") != 0
      && (ret = zone_stop (rt, id, timeout, err)) < 0)
    return ret;
  if ((ret = zone_delete (rt, id, false, err)) < 0)
    return ret;
  unmount_rootfs (rt, id);
  return 0;
}

/* The cgroup (v2) of the systemd service we run in, below /sys/fs/cgroup ("/system.slice/...
   /zone@web.service"); NULL when we are not a service's process. */
static char *
own_service_cgroup (void)
{
  char *own = cgroup_host_mode () == CGROUP_MODE_UNIFIED ? cgroup_v2_path_of (0) : NULL;
  size_t len = own ? strlen (own) : 0;

  if (len < 9 || strcmp (own + len - 8, ".service") != 0)
    {
      free (own);
      return NULL;
    }
  return own;
}

/* Inside the unit's own (delegated) cgroup: we move to SERVICE/supervisor, the zone gets
   SERVICE/zone (cgroup v2 allows processes only in leaves of a tree with controllers). */
static int
enter_service_cgroup (const char *service, char **zone_cgroup, zerr **err)
{
  if (asprintf (zone_cgroup, "%s/zone", service) < 0)
    abort ();
  return cgroup_leave_for_leaf (service, err);
}

/* How the zone's readiness reaches systemd: "container" (the zone's process sends READY=1 on
   the socket it is given) or "started" (zone sends it once the process runs); the definition's
   org.zone.notify, else "started". */
static const char *
notify_mode (const struct zone_runtime *rt, const char *id, const char *given)
{
  cleanup_free char *file = def_file (rt, id, "config.json"), *text = NULL;

  if (given)
    return given;
  if (read_file_at (AT_FDCWD, file, &text, NULL, NULL) == 0 && strstr (text, "\"org.zone.notify\": \"container\""))
    return "container";
  return "started";
}

int
zone_serve (const struct zone_runtime *rt, const char *id, const char *notify, int *exit_code, zerr **err)
{
  cleanup_free char *tmpl = defined_template (rt, id), *dir = sub (rt, "zones", id), *service = NULL;
  cleanup_free char *cgroup = NULL;
  cleanup_state struct zone_state *st = NULL;
  struct zone_runtime r = *rt;
  struct zone_create_opts o = { .bundle = dir };
  const char *mode = notify_mode (rt, id, notify);
  bool systemd = getenv ("NOTIFY_SOCKET") != NULL;
  zerr *e = NULL;
  int ret;

  if (tmpl == NULL)
    return zerr_set (err, ENOENT, "start --foreground: `%s` is not a zone defined from a template here", id);
  if (strcmp (mode, "container") != 0 && strcmp (mode, "started") != 0)
    return zerr_set (err, EINVAL, "--notify: `%s` is not container or started", mode);
  if ((ret = prepare_for_definition (rt, dir, NULL, err)) < 0)
    return ret;
  /* What a create --template or a crash left is made anew here, so that its init is our child. */
  if (zone_get_state (rt, id, &st, &e) == 0)
    {
      if (strcmp (st->status, "running") == 0 || strcmp (st->status, "paused") == 0)
        return zerr_set (err, EBUSY, "start: `%s` is %s already", id, st->status);
      if ((ret = zone_delete (rt, id, true, err)) < 0)
        return ret;
    }
  zerr_free (&e);
  o.notify = systemd && strcmp (mode, "container") == 0;
  o.notify_started = systemd && strcmp (mode, "started") == 0;
  o.hand_off = systemd;
  /* Under a unit with --systemd-cgroup the zone lives in the unit's own cgroup. */
  if (rt->cgroup_manager == ZONE_CGROUP_SYSTEMD && (service = own_service_cgroup ()))
    {
      if ((ret = enter_service_cgroup (service, &cgroup, err)) < 0)
        return ret;
      r.cgroup_manager = ZONE_CGROUP_CGROUPFS;
      o.cgroups_path = cgroup;
    }
  if ((ret = mount_rootfs (rt, id, tmpl, err)) < 0)
    return ret;
  ret = zone_run (&r, id, &o, exit_code, err);
  /* Left running to systemd: `zone stop` (the unit's ExecStop/ExecStopPost) halts it. */
  if (ret == ZONE_HANDED_OFF)
    return 0;
  unmount_rootfs (rt, id);
  return ret;
}

/* tar in dir, keeping ids as numbers and every xattr (overlayfs' opaque marks among them). */
static void
tar_in (struct argv *a, const char *dir)
{
  argv_push (a, "tar");
  argv_push (a, "-C");
  argv_push (a, "%s", dir);
  argv_push (a, "--numeric-owner");
  argv_push (a, "--xattrs");
  argv_push (a, "--xattrs-include=*");
}

int
zone_export (const struct zone_runtime *rt, const char *id, const char *file, zerr **err)
{
  cleanup_free char *dir = sub (rt, "zones", id), *tmpl = defined_template (rt, id);
  cleanup_state struct zone_state *st = NULL;
  cleanup_argv struct argv a = { 0 };
  zerr *e = NULL;

  if (tmpl == NULL)
    return zerr_set (err, ENOENT, "export: `%s` is not a zone defined from a template here", id);
  if (zone_get_state (rt, id, &st, &e) == 0 && strcmp (st->status, "stopped") != 0 && strcmp (st->status, "created") != 0)
    return zerr_set (err, EBUSY, "export: `%s` is %s: stop it first", id, st->status);
  zerr_free (&e);
  {
    cleanup_free char *idf = path_join (dir, "id");
    int ret = write_file_at (AT_FDCWD, idf, id, strlen (id), 0600, err);
    if (ret < 0)
      return ret;
  }
  /* The definition and the zone's own files (whiteouts and overlay xattrs included); tar
     compresses as FILE's suffix says. */
  tar_in (&a, dir);
  argv_push (&a, "-caf");
  argv_push (&a, "%s", file);
  argv_push (&a, "id");
  argv_push (&a, "config.json");
  argv_push (&a, "template");
  argv_push (&a, "upper");
  return run_tool ("export", &a, err);
}

/* A copy under another id gets an address of its own: the pinned one is the original's. */
static void
unpin_address (const char *config)
{
  static const char key_text[] = "\"org.zone.net.address\"";
  cleanup_free char *text = NULL;
  char *key, *value, *end, *from, *to;

  if (read_file_at (AT_FDCWD, config, &text, NULL, NULL) < 0 || (key = strstr (text, key_text)) == NULL
      || (value = strchr (key + strlen (key_text), '"')) == NULL || (end = strchr (value + 1, '"')) == NULL)
    return;
  from = key;
  to = end + 1;
  while (*to == ' ' || *to == '\n')
    to++;
  if (*to == ',')
    to++; /* "key": "value", */
  else
    {
      /* the last member: the comma before it goes */
      while (from > text && (from[-1] == ' ' || from[-1] == '\n'))
        from--;
      if (from > text && from[-1] == ',')
        from--;
    }
  memmove (from, to, strlen (to) + 1);
  write_file_atomic (config, text, strlen (text), 0600, NULL);
}

int
zone_import (const struct zone_runtime *rt, const char *file, const char *new_id, char **id_out, zerr **err)
{
  cleanup_free char *zones = sub (rt, "zones", NULL), *tmp = NULL, *tmpl = NULL, *f = NULL, *dir = NULL;
  cleanup_free char *old_id = NULL;
  cleanup_argv struct argv a = { 0 };
  const char *id;
  int ret, lock;

  if ((ret = mkdir_p (zones, 0700, err)) < 0)
    return ret;
  if (asprintf (&tmp, "%s/.import.XXXXXX", zones) < 0)
    abort ();
  if (mkdtemp (tmp) == NULL)
    return zerr_sys (err, "import: make `%s`", tmp);
  tar_in (&a, tmp);
  argv_push (&a, "-xf");
  argv_push (&a, "%s", file);
  f = path_join (tmp, "template");
  if ((ret = run_tool ("import", &a, err)) < 0)
    goto fail;
  if (read_file_at (AT_FDCWD, f, &tmpl, NULL, NULL) < 0 || validate_template_name (tmpl, NULL) < 0)
    {
      ret = zerr_set (err, EINVAL, "import: `%s` is not an archive of zone export", file);
      goto fail;
    }
  free (f);
  f = sub (rt, "templates", tmpl);
  if (access (f, F_OK) < 0)
    {
      ret = zerr_set (err, ENOENT, "import: the zone needs template `%s`, which this host does not have (zone template add %s ...)",
                      tmpl, tmpl);
      goto fail;
    }
  /* The id: the one given, else the one it was exported as. */
  id = new_id;
  if (id == NULL)
    {
      cleanup_free char *idf = path_join (tmp, "id");
      if (read_file_at (AT_FDCWD, idf, &old_id, NULL, NULL) == 0)
        old_id[strcspn (old_id, "\n")] = '\0';
      id = old_id;
    }
  if (id == NULL || (ret = store_validate_id (id, err)) < 0)
    {
      ret = id ? ret : zerr_set (err, EINVAL, "import: give the zone's id: zone import FILE ID");
      goto fail;
    }
  if (new_id)
    {
      cleanup_free char *cfg = path_join (tmp, "config.json");
      unpin_address (cfg);
    }
  {
    cleanup_free char *root = realpath (rt->root, NULL), *rf = path_join (tmp, "root");
    const char *r = root ? root : rt->root;
    if ((ret = write_file_at (AT_FDCWD, rf, r, strlen (r), 0600, err)) < 0)
      goto fail;
  }
  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *d = path_join (tmp, i ? "work" : "rootfs");
      mkdir (d, 0755);
    }
  if ((lock = lock_state_dir (rt, err)) < 0)
    {
      ret = lock;
      goto fail;
    }
  dir = sub (rt, "zones", id);
  if (zone_exists (rt, id) || rename (tmp, dir) < 0)
    ret = zerr_set (err, EEXIST, "import: zone `%s` exists here already (zone import FILE NEW-ID)", id);
  close (lock);
  if (ret < 0)
    goto fail;
  *id_out = xstrdup (id);
  return 0;
fail:
  remove_tree (tmp, NULL);
  return ret;
}

static char *
mtime_rfc3339 (const char *path)
{
  struct stat s;
  struct tm tm;
  char buf[64], *r;
  if (stat (path, &s) < 0)
    return xstrdup ("");
  gmtime_r (&s.st_mtim.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (asprintf (&r, "%s.%09ldZ", buf, s.st_mtim.tv_nsec) < 0)
    abort ();
  return r;
}

/* Whether id is among the n states zone_list gave, which are sorted by id. */
static bool
listed (struct zone_state **states, size_t n, const char *id)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      int c = strcmp (states[mid]->id, id);
      if (c == 0)
        return true;
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return false;
}

int
zone_list_defined (const struct zone_runtime *rt, struct zone_state ***states, size_t *n, zerr **err)
{
  cleanup_free char *zones = sub (rt, "zones", NULL);
  cleanup_strv char **ids = NULL;
  size_t count = 0;
  size_t listed_n = *n;
  int ret = list_dir (zones, true, &ids, &count, err);

  if (ret < 0)
    return ret;
  for (size_t i = 0; i < count; i++)
    {
      /* Listed already when it has a runtime state (a look-up, not a scan: 2,000 zones). */
      if (listed (*states, listed_n, ids[i]) || !zone_is_defined (rt, ids[i]))
        continue;
      /* Defined, with no process and no runtime state: stopped, as after a reboot. */
      struct zone_state *s = xmalloc0 (sizeof *s);
      cleanup_free char *config = def_file (rt, ids[i], "config.json");
      s->id = xstrdup (ids[i]);
      s->status = xstrdup ("stopped");
      s->bundle = sub (rt, "zones", ids[i]);
      s->created = mtime_rfc3339 (config);
      s->owner = xstrdup ("root");
      *states = realloc (*states, (*n + 2) * sizeof (struct zone_state *));
      if (*states == NULL)
        abort ();
      (*states)[(*n)++] = s;
      (*states)[*n] = NULL;
    }
  return 0;
}
