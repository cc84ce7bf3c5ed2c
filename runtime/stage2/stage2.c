/* zone's last stage: a tiny static program (no libc) that a zone's init execs from a sealed
   memfd once the zone is set up.  It tells the runtime the zone is ready, waits for `start` on
   exec.fifo, loads the seccomp filter where that comes last, and execs the zone's process.

   Why it exists: a process of the runtime that runs in a zone must not run the runtime's own
   binary file when the zone's process could reach it (CVE-2019-5736: `#!/proc/self/exe`, then
   a write through /proc/PID/exe).  Running all of zone from a sealed copy costs a second exec
   of zone with its libraries; this program is what runs in the zone from the moment anything
   else of the zone could see it, and it is a sealed copy of a few kilobytes.

   argv: see stage2.h.  Errors before the fifo is written end with exit 1 (the runtime reports
   the init's end); errors after it go to stderr as the zone's own, with exit 127, as the init's
   exec errors do. */
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

__attribute__ ((noreturn, used)) void
stage2_main (long *sp)
{
  int argc = (int) sp[0];
  char **argv = (char **) (sp + 1), **envp = argv + argc + 1;
  static const struct
  {
    int type, code;
    char nul;
  } __attribute__ ((packed)) ready = { STAGE2_SYNC_READY, 0, 0 };
  int sync_fd, dir_fd, keep_from, seccomp_fd, fifo;
  unsigned seccomp_flags;

  if (argc < STAGE2_ARGV_PROCESS + 1)
    {
      say ("zone-stage2: run by zone's init only\n");
      die (127);
    }
  sync_fd = parse_int (argv[STAGE2_ARGV_SYNC_FD]);
  dir_fd = parse_int (argv[STAGE2_ARGV_DIR_FD]);
  keep_from = parse_int (argv[STAGE2_ARGV_KEEP_FROM]);
  seccomp_fd = parse_int (argv[STAGE2_ARGV_SECCOMP_FD]);
  seccomp_flags = (unsigned) parse_int (argv[STAGE2_ARGV_SECCOMP_FLAGS]);

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
  if (seccomp_fd >= 0)
    {
      long ret = load_seccomp (seccomp_fd, seccomp_flags);
      if (ret < 0)
        {
          say ("zone: linux.seccomp: load the filter: ");
          say (why (-ret));
          say ("\n");
          die (127);
        }
    }
  long ret = SYS (execve, argv[STAGE2_ARGV_EXE], argv + STAGE2_ARGV_PROCESS, envp);
  say ("zone: exec: \"");
  say (argv[STAGE2_ARGV_EXE]);
  say ("\": ");
  say (why (-ret));
  say ("\n");
  die (127);
}
