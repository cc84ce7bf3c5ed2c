#define _GNU_SOURCE
#include "systemd.h"
#include "cgroup.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/rootless.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The few sd-bus calls zone makes, resolved from libsystemd.so.0 at run time. */
typedef struct sd_bus sd_bus;
typedef struct sd_bus_message sd_bus_message;
typedef struct
{
  const char *name, *message;
  int need_free;
} sd_bus_error;

struct sdbus
{
  void *lib;
  int (*open_system) (sd_bus **);
  int (*open_user) (sd_bus **);
  int (*new_method_call) (sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *);
  int (*append) (sd_bus_message *, const char *, ...);
  int (*open_container) (sd_bus_message *, char, const char *);
  int (*close_container) (sd_bus_message *);
  int (*call) (sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
  sd_bus_message *(*message_unref) (sd_bus_message *);
  sd_bus *(*bus_unref) (sd_bus *);
  void (*error_free) (sd_bus_error *);
};

static int
load_sdbus (struct sdbus *s, zerr **err)
{
  s->lib = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (s->lib == NULL)
    return zerr_set (err, ENOTSUP, "--systemd-cgroup: cannot load libsystemd.so.0: %s", dlerror ());
#define SYM(field, name)                                                                                               \
  if ((*(void **) &s->field = dlsym (s->lib, name)) == NULL)                                                           \
    return zerr_set (err, ENOTSUP, "--systemd-cgroup: libsystemd lacks %s", name);
  SYM (open_system, "sd_bus_open_system");
  SYM (open_user, "sd_bus_open_user");
  SYM (new_method_call, "sd_bus_message_new_method_call");
  SYM (append, "sd_bus_message_append");
  SYM (open_container, "sd_bus_message_open_container");
  SYM (close_container, "sd_bus_message_close_container");
  SYM (call, "sd_bus_call");
  SYM (message_unref, "sd_bus_message_unref");
  SYM (bus_unref, "sd_bus_flush_close_unref");
  SYM (error_free, "sd_bus_error_free");
#undef SYM
  return 0;
}

/* The v2 cgroup directory of pid. */
static char *
cgroup_of (pid_t pid)
{
  cleanup_free char *rel = cgroup_v2_path_of (pid);
  char *r;
  if (rel == NULL)
    return NULL;
  if (asprintf (&r, CGROUP_ROOT "%s", rel) < 0)
    abort ();
  return r;
}

/* One method call to systemd's manager: libsystemd loaded, the bus open, the message begun. */
struct manager_call
{
  struct sdbus s;
  sd_bus *bus;
  sd_bus_message *m;
};

static int
manager_call_begin (struct manager_call *c, const char *member, zerr **err)
{
  int ret = load_sdbus (&c->s, err);
  if (ret < 0)
    return ret;
  /* An ordinary user's zones are the user's systemd instance's (runc's systemdUser). */
  bool user = running_rootless ();
  if (user && (ret = c->s.open_user (&c->bus)) < 0)
    return zerr_set (err, -ret, "systemd: connect to your user manager's bus (a login session or `loginctl "
                                "enable-linger`, and $XDG_RUNTIME_DIR/bus): %s", strerror (-ret));
  if (!user && (ret = c->s.open_system (&c->bus)) < 0)
    return zerr_set (err, -ret, "systemd: connect to the system bus: %s", strerror (-ret));
  if ((ret = c->s.new_method_call (c->bus, &c->m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", member))
      < 0)
    return zerr_set (err, -ret, "systemd: build the %s call: %s", member, strerror (-ret));
  return 0;
}

static void
manager_call_end (struct manager_call *c)
{
  if (c->m)
    c->s.message_unref (c->m);
  if (c->bus)
    c->s.bus_unref (c->bus);
  if (c->s.lib)
    dlclose (c->s.lib);
}
#define cleanup_manager_call __attribute__ ((cleanup (manager_call_end)))

static int
call_manager (struct sdbus *s, sd_bus *bus, sd_bus_message *m, const char *what, zerr **err)
{
  sd_bus_error e = { NULL, NULL, 0 };
  sd_bus_message *reply = NULL;
  int ret = s->call (bus, m, 0, &e, &reply);
  if (ret < 0)
    ret = zerr_set (err, -ret, "systemd: %s: %s", what, e.message ? e.message : strerror (-ret));
  s->error_free (&e);
  if (reply)
    s->message_unref (reply);
  return ret < 0 ? ret : 0;
}

int
systemd_scope_start (const char *slice, const char *unit, const char *id, pid_t pid,
                     const struct zone_resources *r, char **dir, zerr **err)
{
  cleanup_manager_call struct manager_call c = { 0 };
  sd_bus_message *m;
  char desc[300];
  int ret;

  if (cgroup_host_mode () != CGROUP_MODE_UNIFIED)
    return zerr_set (err, ENOTSUP, "--systemd-cgroup: zone's systemd driver needs a pure cgroup v2 host");
  if ((ret = manager_call_begin (&c, "StartTransientUnit", err)) < 0)
    return ret;
  m = c.m;
  snprintf (desc, sizeof desc, "zone %s", id);
  if ((ret = c.s.append (m, "ss", unit, "fail")) < 0 || (ret = c.s.open_container (m, 'a', "(sv)")) < 0
      || (ret = c.s.append (m, "(sv)", "Description", "s", desc)) < 0
      || (ret = c.s.append (m, "(sv)", "Slice", "s", slice)) < 0
      || (ret = c.s.append (m, "(sv)", "Delegate", "b", 1)) < 0
      || (ret = c.s.append (m, "(sv)", "PIDs", "au", 1, (uint32_t) pid)) < 0
      || (ret = c.s.append (m, "(sv)", "MemoryAccounting", "b", 1)) < 0
      || (ret = c.s.append (m, "(sv)", "CPUAccounting", "b", 1)) < 0
      || (ret = c.s.append (m, "(sv)", "TasksAccounting", "b", 1)) < 0
      || (ret = c.s.append (m, "(sv)", "IOAccounting", "b", 1)) < 0)
    goto build_failed;
  /* The limits systemd has properties for: it then keeps them across daemon-reload too. */
  if (r && r->mem_limit.set && r->mem_limit.v > 0
      && (ret = c.s.append (m, "(sv)", "MemoryMax", "t", (uint64_t) r->mem_limit.v)) < 0)
    goto build_failed;
  if (r && r->pids_limit.set
      && (ret = c.s.append (m, "(sv)", "TasksMax", "t", r->pids_limit.v < 0 ? UINT64_MAX : (uint64_t) r->pids_limit.v)) < 0)
    goto build_failed;
  if (r && r->cpu_quota.set && r->cpu_quota.v > 0)
    {
      uint64_t period = r->cpu_period.set ? (uint64_t) r->cpu_period.v : 100000;
      if ((ret = c.s.append (m, "(sv)", "CPUQuotaPerSecUSec", "t", (uint64_t) r->cpu_quota.v * 1000000 / period)) < 0)
        goto build_failed;
    }
  if ((ret = c.s.close_container (m)) < 0 || (ret = c.s.append (m, "a(sa(sv))", 0)) < 0)
    goto build_failed;
  if ((ret = call_manager (&c.s, c.bus, m, "start the zone's scope", err)) < 0)
    return ret;
  /* The job moves pid into the scope: wait for it (a few ms). */
  for (int tries = 0; tries < 2000; tries++)
    {
      cleanup_free char *cg = cgroup_of (pid);
      const char *base = cg ? strrchr (cg, '/') : NULL;
      if (base && strcmp (base + 1, unit) == 0)
        {
          *dir = steal_pointer (&cg);
          return 0;
        }
      nanosleep (&(struct timespec){ 0, 1000000 }, NULL);
    }
  return zerr_set (err, ETIMEDOUT, "systemd: the zone's init did not reach scope %s", unit);

build_failed:
  return zerr_set (err, -ret, "systemd: build the StartTransientUnit call: %s", strerror (-ret));
}

int
systemd_scope_stop (const char *unit, zerr **err)
{
  cleanup_manager_call struct manager_call c = { 0 };
  zerr *e = NULL;
  int ret;

  if ((ret = manager_call_begin (&c, "StopUnit", err)) < 0)
    return ret;
  if ((ret = c.s.append (c.m, "ss", unit, "replace")) < 0)
    return zerr_set (err, -ret, "systemd: build the StopUnit call: %s", strerror (-ret));
  /* A scope whose processes are all gone has gone by itself: not an error. */
  ret = call_manager (&c.s, c.bus, c.m, "stop the zone's scope", &e);
  if (ret < 0 && strstr (e->msg, "not loaded"))
    ret = 0;
  else if (ret < 0)
    ret = zerr_set (err, -ret, "%s", e->msg);
  zerr_free (&e);
  return ret;
}
