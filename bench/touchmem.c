/* touchmem MB [READY-FILE]: a workload for bench/checkpoint. Touches MB MiB of anonymous memory,
   creates READY-FILE, then goes on dirtying 256 KiB of it every 100 ms, as a live service
   would: what a pre-copy has to send again at the final dump. Built static, to run in a busybox
   rootfs. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  size_t size = (size_t) (argc > 1 ? atol (argv[1]) : 64) << 20, step = 256 << 10, at = 0;
  struct timespec tick = { 0, 100 * 1000 * 1000 };
  char *mem = malloc (size);

  if (mem == NULL)
    return 1;
  for (size_t i = 0; i < size; i += 4096)
    mem[i] = (char) i;
  if (argc > 2)
    close (open (argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644));
  for (;;)
    {
      memset (mem + at, (int) at, step);
      at = (at + step) % size;
      nanosleep (&tick, NULL);
    }
}
