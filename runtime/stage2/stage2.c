/* zone's last stage: a tiny static program (no libc) that zone execs from a sealed memfd for
   the last steps before a zone's process runs.  Two modes (argv[0], see stage2.h):
   - init: a zone's init, once it is set up, tells the runtime the zone is ready, waits for
     `start` on exec.fifo, loads the seccomp filter where that comes last, and execs the process;
   - exec: `zone exec`'s child, set up outside the zone's pid namespace, forks the process into
     it (a child of zone's, CLONE_PARENT), which takes its terminal, LSM label, seccomp filter and
     identity and execs; the stage itself reports the process's pid and goes.

   Why it exists: a process of the runtime that runs in a zone must not run the runtime's own
   binary file when the zone's process could reach it (CVE-2019-5736: `#!/proc/self/exe`, then
   a write through /proc/PID/exe).  Running all of zone from a sealed copy costs a second exec
   of zone with its libraries; this program is what runs in the zone from the moment anything
   else of the zone could see it, and it is a sealed copy of a few kilobytes.

   argv: see stage2.h.  init: errors before the fifo is written end with exit 1 (the runtime
   reports the init's end); errors after it go to stderr as the zone's own, with exit 127, as the
   init's exec errors do.  exec: errors go to the report fd ('E' and a line), exit 127. */
#define STAGE2_PROGRAM
#include "stage2.h"

#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <linux/unistd.h>
#include <stddef.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#if defined(__x86_64__)
static long
sys6 (long n, long a, long b, long c, long d, long e, long f)
{
  long ret;
  register long r10 __asm__ ("r10") = d;
  register long r8 __asm__ ("r8") = e;
  register long r9 __asm__ ("r9") = f;
  __asm__ volatile ("syscall"
                    : "=a"(ret)
                    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                    : "rcx", "r11", "memory");
  return ret;
}
__asm__ (".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call stage2_main\n hlt\n");
#elif defined(__aarch64__)
static long
sys6 (long n, long a, long b, long c, long d, long e, long f)
{
  register long x8 __asm__ ("x8") = n;
  register long x0 __asm__ ("x0") = a;
  register long x1 __asm__ ("x1") = b;
  register long x2 __asm__ ("x2") = c;
  register long x3 __asm__ ("x3") = d;
  register long x4 __asm__ ("x4") = e;
  register long x5 __asm__ ("x5") = f;
  __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
__asm__ (".text\n.global _start\n_start:\n mov x0, sp\n bl stage2_main\n");
#else
#error "zone's last stage: add this architecture's system call convention"
#endif

#define SYS(n, ...) sys_n (__NR_##n, __VA_ARGS__)
#define sys_n(n, ...) sys6_pad (n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys6_pad(n, a, b, c, d, e, f, ...) sys6 ((n), (long) (a), (long) (b), (long) (c), (long) (d), (long) (e), (long) (f))

static size_t
str_len (const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static int
str_eq (const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

static int
parse_int (const char *s)
{
  int v = 0, neg = *s == '-';
  for (s += neg; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (*s - '0');
  return neg ? -v : v;
}

__attribute__ ((noreturn)) static void
die (int code)
{
  for (;;)
    SYS (exit_group, code);
}

static void
say (const char *s)
{
  SYS (write, 2, s, str_len (s));
}

/* The words the init's own exec error would use (strerror, lower case), for the usual ones. */
static const char *
why (long e)
{
  switch (e)
    {
    case 2: return "no such file or directory";
    case 13: return "permission denied";
    case 8: return "exec format error";
    case 20: return "not a directory";
    case 40: return "too many levels of symbolic links";
    case 26: return "text file busy";
    case 7: return "argument list too long";
    case 12: return "cannot allocate memory";
    case 1: return "operation not permitted";
    case 22: return "invalid argument";
    case 36: return "file name too long";
    case 21: return "is a directory";
    default: return "error";
    }
}

static int
load_seccomp (int fd, unsigned flags)
{
  struct sock_fprog prog;
  void *mem;
  /* lseek, not fstat: no struct stat layout to carry per architecture. */
  long size = SYS (lseek, fd, 0, 2 /* SEEK_END */);
  if (size <= 0 || size % (long) sizeof (struct sock_filter) != 0)
    return -22;
  mem = (void *) SYS (mmap, 0, size, 1 /* PROT_READ */, 2 /* MAP_PRIVATE */, fd, 0);
  if ((unsigned long) mem > -4096UL)
    return (int) (long) mem;
  SYS (close, fd);
  prog.len = (unsigned short) (size / (long) sizeof (struct sock_filter));
  prog.filter = mem;
  long ret = SYS (seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (ret == -38 /* ENOSYS: before seccomp(2) */ && flags == 0)
    ret = SYS (prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
  return (int) ret;
}

/* A line built in a buffer, written whole. */
struct line
{
  char buf[512];
  size_t len;
};

static void
put (struct line *l, const char *s)
{
  while (*s && l->len < sizeof l->buf - 1)
    l->buf[l->len++] = *s++;
}

static void
put_uint (struct line *l, unsigned long v)
{
  char d[24];
  int n = 0;
  do
    d[n++] = (char) ('0' + v % 10);
  while ((v /= 10) && n < 24);
  while (n && l->len < sizeof l->buf - 1)
    l->buf[l->len++] = d[--n];
}

static unsigned long long
parse_hex (const char **s)
{
  unsigned long long v = 0;
  for (;; (*s)++)
    {
      char c = **s;
      if (c >= '0' && c <= '9')
        v = v * 16 + (unsigned) (c - '0');
      else if (c >= 'a' && c <= 'f')
        v = v * 16 + (unsigned) (c - 'a' + 10);
      else
        return v;
    }
}

static int
write_file (const char *path, const char *s)
{
  int fd = (int) SYS (openat, -100 /* AT_FDCWD */, path, O_WRONLY | O_CLOEXEC);
  long n;
  if (fd < 0)
    return fd;
  n = SYS (write, fd, s, str_len (s));
  SYS (close, fd);
  return n < 0 ? (int) n : 0;
}

/* ---- init mode ---- */

__attribute__ ((noreturn)) static void
init_mode (char **argv, char **envp)
{
  static const struct
  {
    int type, code;
    char nul;
  } __attribute__ ((packed)) ready = { STAGE2_SYNC_READY, 0, 0 };
  int sync_fd = parse_int (argv[STAGE2_INIT_SYNC_FD]), dir_fd = parse_int (argv[STAGE2_INIT_DIR_FD]);
  int keep_from = parse_int (argv[STAGE2_INIT_KEEP_FROM]), seccomp_fd = parse_int (argv[STAGE2_INIT_SECCOMP_FD]);
  unsigned seccomp_flags = (unsigned) parse_int (argv[STAGE2_INIT_SECCOMP_FLAGS]);
  int fifo;
  long ret;

  /* From here on the zone may be used (exec): nothing of it sees the runtime's binary. */
  if (SYS (sendto, sync_fd, &ready, sizeof ready, 0x4000 /* MSG_NOSIGNAL */, 0, 0) < 0)
    die (1);
  SYS (close, sync_fd);
  /* Blocks until `start` opens the fifo for reading. */
  do
    fifo = (int) SYS (openat, dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
  while (fifo == -4 /* EINTR */);
  if (fifo < 0)
    die (1);
  SYS (close, dir_fd);
  /* "0" tells `start` that everything before the exec went well. */
  if (SYS (write, fifo, "0", 1) != 1)
    die (1);
  SYS (close, fifo);

  /* Nothing of the runtime's reaches the zone but stdio and the preserved fds (CVE-2024-21626). */
  if (SYS (close_range, keep_from, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = keep_from; fd < 65536; fd++)
      SYS (fcntl, fd, F_SETFD, FD_CLOEXEC);
  if (seccomp_fd >= 0 && (ret = load_seccomp (seccomp_fd, seccomp_flags)) < 0)
    {
      say ("zone: linux.seccomp: load the filter: ");
      say (why (-ret));
      say ("\n");
      die (127);
    }
  ret = SYS (execve, argv[STAGE2_INIT_EXE], argv + STAGE2_INIT_PROCESS, envp);
  say ("zone: exec: \"");
  say (argv[STAGE2_INIT_EXE]);
  say ("\": ");
  say (why (-ret));
  say ("\n");
  die (127);
}

/* ---- exec mode ---- */

struct exec_args
{
  char **argv, **envp;
  int report_fd, keep_from, seccomp_fd, tty;
  unsigned seccomp_flags;
  int nnp; /* noNewPrivileges: the filter comes last, after the identity */
};

__attribute__ ((noreturn)) static void
report_fail (const struct exec_args *x, struct line *l, long err)
{
  if (err)
    {
      put (l, ": ");
      put (l, why (-err));
    }
  l->buf[l->len++] = '\n';
  SYS (write, x->report_fd, l->buf, l->len);
  die (127);
}

#define FAIL_IF(cond, what, err)                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      long e_ = (err);                                                                                                 \
      if (cond)                                                                                                        \
        {                                                                                                              \
          struct line l = { .buf = "E", .len = 1 };                                                                    \
          put (&l, what);                                                                                              \
          report_fail (x, &l, e_);                                                                                     \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static void
apply_identity (const struct exec_args *x)
{
  char **argv = x->argv;
  unsigned uid = (unsigned) parse_int (argv[STAGE2_EXEC_UID]), gid = (unsigned) parse_int (argv[STAGE2_EXEC_GID]);
  const char *caps = argv[STAGE2_EXEC_CAPS];
  unsigned long long set[5] = { 0 }; /* bounding effective permitted inheritable ambient */
  int um = parse_int (argv[STAGE2_EXEC_UMASK]);
  long r;

  for (int i = 0; *caps && i < 5; i++)
    {
      set[i] = parse_hex (&caps);
      if (*caps == ',')
        caps++;
    }
  if (*argv[STAGE2_EXEC_CAPS])
    for (int c = 0; c < 64; c++)
      if (!(set[0] >> c & 1))
        {
          r = SYS (prctl, PR_CAPBSET_DROP, c, 0, 0, 0);
          if (r == -22 /* EINVAL: past the last capability */)
            break;
          FAIL_IF (r < 0, "process.capabilities.bounding: drop a capability", r);
        }
  /* Keep the permitted set across the uid change; the configured sets are applied right after. */
  SYS (prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
  r = SYS (setresgid, gid, gid, gid);
  FAIL_IF (r < 0, "process.user.gid: setgid", r);
  r = SYS (setresuid, uid, uid, uid);
  FAIL_IF (r < 0, "process.user.uid: setuid", r);
  SYS (prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0);
  if (*argv[STAGE2_EXEC_CAPS])
    {
      struct
      {
        unsigned version;
        int pid;
      } hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
      struct
      {
        unsigned effective, permitted, inheritable;
      } data[2] = {
        { (unsigned) set[1], (unsigned) set[2], (unsigned) set[3] },
        { (unsigned) (set[1] >> 32), (unsigned) (set[2] >> 32), (unsigned) (set[3] >> 32) },
      };
      r = SYS (capset, &hdr, data);
      FAIL_IF (r < 0, "process.capabilities: set the capability sets", r);
      SYS (prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
      for (int c = 0; c < 64; c++)
        if (set[4] >> c & 1)
          {
            /* As runc: an ambient capability that is not also permitted and inheritable is skipped. */
            r = SYS (prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
            FAIL_IF (r < 0 && r != -1, "process.capabilities.ambient: raise a capability", r);
          }
    }
  if (x->nnp)
    {
      r = SYS (prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      FAIL_IF (r < 0, "process.noNewPrivileges", r);
    }
  SYS (umask, um >= 0 ? um : 022);
}

/* The zone's process: born in the zone's pid namespace, a child of zone's. */
__attribute__ ((noreturn)) static void
exec_process (const struct exec_args *x)
{
  char **argv = x->argv;
  long r;

  SYS (fcntl, x->report_fd, F_SETFD, FD_CLOEXEC);
  if (x->tty)
    {
      r = SYS (setsid, 0);
      FAIL_IF (r < 0, "process.terminal: setsid", r);
      r = SYS (ioctl, 0, 0x540E /* TIOCSCTTY */, 0);
      FAIL_IF (r < 0, "process.terminal: make the pty the controlling terminal", r);
    }
  if (*argv[STAGE2_EXEC_APPARMOR])
    {
      r = write_file ("/proc/thread-self/attr/apparmor/exec", argv[STAGE2_EXEC_APPARMOR]);
      FAIL_IF (r < 0, "process.apparmorProfile", r);
    }
  if (*argv[STAGE2_EXEC_SELINUX])
    {
      r = write_file ("/proc/thread-self/attr/exec", argv[STAGE2_EXEC_SELINUX]);
      FAIL_IF (r < 0, "process.selinuxLabel", r);
    }
  /* Without noNewPrivileges only CAP_SYS_ADMIN allows a filter: loaded before the caps go. */
  if (x->seccomp_fd >= 0 && !x->nnp)
    {
      r = load_seccomp (x->seccomp_fd, x->seccomp_flags);
      FAIL_IF (r < 0, "linux.seccomp: load the filter", r);
    }
  apply_identity (x);
  /* Nothing of the runtime's reaches the zone but stdio and the preserved fds (CVE-2024-21626). */
  if (SYS (close_range, x->keep_from, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = x->keep_from; fd < 65536; fd++)
      SYS (fcntl, fd, F_SETFD, FD_CLOEXEC);
  if (x->seccomp_fd >= 0 && x->nnp)
    {
      r = load_seccomp (x->seccomp_fd, x->seccomp_flags);
      FAIL_IF (r < 0, "linux.seccomp: load the filter", r);
    }
  r = SYS (execve, argv[STAGE2_EXEC_EXE], argv + STAGE2_EXEC_PROCESS, x->envp);
  {
    struct line l = { .buf = "E", .len = 1 };
    put (&l, "exec: \"");
    put (&l, argv[STAGE2_EXEC_EXE]);
    put (&l, "\"");
    report_fail (x, &l, r);
  }
}

__attribute__ ((noreturn)) static void
exec_mode (char **argv, char **envp)
{
  struct exec_args args = {
    .argv = argv,
    .envp = envp,
    .report_fd = parse_int (argv[STAGE2_EXEC_REPORT_FD]),
    .keep_from = parse_int (argv[STAGE2_EXEC_KEEP_FROM]),
    .seccomp_fd = parse_int (argv[STAGE2_EXEC_SECCOMP_FD]),
    .seccomp_flags = (unsigned) parse_int (argv[STAGE2_EXEC_SECCOMP_FLAGS]),
    .nnp = parse_int (argv[STAGE2_EXEC_NNP]),
    .tty = parse_int (argv[STAGE2_EXEC_TTY]),
  };
  const struct exec_args *x = &args;
  struct line l = { .buf = "P", .len = 1 };
  /* Plain clone (clone3 is ENOSYS under Docker's default filter); the process is zone's child. */
  long pid = SYS (clone, 0x00008000 /* CLONE_PARENT */ | 17 /* SIGCHLD */, 0, 0, 0, 0);

  if (pid == 0)
    exec_process (x);
  FAIL_IF (pid < 0, "fork the process into the zone", pid);
  put_uint (&l, (unsigned long) pid);
  l.buf[l.len++] = '\n';
  SYS (write, x->report_fd, l.buf, l.len);
  die (0);
}

__attribute__ ((noreturn, used)) void
stage2_main (long *sp)
{
  int argc = (int) sp[0];
  char **argv = (char **) (sp + 1), **envp = argv + argc + 1;
  const char *mode = argc > 0 ? argv[0] : "";

  if (str_eq (mode, STAGE2_INIT) && argc > STAGE2_INIT_PROCESS)
    init_mode (argv, envp);
  if (str_eq (mode, STAGE2_EXEC) && argc > STAGE2_EXEC_PROCESS)
    exec_mode (argv, envp);
  say ("zone-stage2: run by zone only\n");
  die (127);
}
