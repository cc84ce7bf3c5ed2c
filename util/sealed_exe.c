#define _GNU_SOURCE
#include "sealed_exe.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool
running_from_sealed_copy (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals = fd >= 0 ? fcntl (fd, F_GET_SEALS) : -1;
  return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

/* F_SEAL_WRITE fails with EBUSY while a page of the copy still has a reference the kernel
   has not let go of (a per-CPU batch of the CPU that copied it, on a busy host: seen once in
   2,000 creates); such references go within milliseconds, so try again a few times. */
static int
add_seals (int fd)
{
  for (int attempt = 0;; attempt++)
    {
      if (fcntl (fd, F_ADD_SEALS, REQUIRED_SEALS) == 0)
        return 0;
      if (errno != EBUSY || attempt == 5)
        return -1;
      usleep (5000u << attempt);
    }
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* A memfd that may be executed: with vm.memfd_noexec set, one made without MFD_EXEC could not
   be (kernels before 6.3 refuse the flag: made without it there). */
static int
exec_memfd (const char *name)
{
  int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

int
sealed_memfd (const char *name, const void *data, size_t len, zerr **err)
{
  cleanup_close int fd = exec_memfd (name);
  size_t off = 0;

  if (fd < 0)
    return zerr_sys (err, "memfd_create for a sealed %s", name);
  while (off < len)
    {
      ssize_t n = write (fd, (const char *) data + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return zerr_sys (err, "fill the sealed %s", name);
      off += (size_t) n;
    }
  if (add_seals (fd) < 0)
    return zerr_sys (err, "seal the %s", name);
  return steal_fd (&fd);
}

int
reexec_from_sealed_copy (char **argv, char **envp, zerr **err)
{
  cleanup_close int self = -1, copy = -1;
  struct stat st;
  off_t off = 0;

  if (running_from_sealed_copy ())
    return 0;
  self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0 || fstat (self, &st) < 0)
    return zerr_sys (err, "open the runtime's own binary");
  copy = exec_memfd ("zone");
  if (copy < 0)
    return zerr_sys (err, "memfd_create for a sealed copy of the runtime");
  while (off < st.st_size)
    {
      ssize_t n = sendfile (copy, self, &off, (size_t) (st.st_size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return zerr_sys (err, "copy the runtime's binary");
    }
  if (add_seals (copy) < 0)
    return zerr_sys (err, "seal the copy of the runtime's binary");
  fexecve (copy, argv, envp);
  return zerr_sys (err, "re-exec the sealed copy of the runtime");
}
