/* Scope-bound cleanup so that every error path unwinds. */
#ifndef ZONE_UTIL_CLEANUP_H
#define ZONE_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
}

static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

static inline void
cleanup_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

/* A NULL-terminated vector of strings. */
static inline void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **i = v; *i; i++)
    free (*i);
  free (v);
}

static inline void
cleanup_strvp (char ***v)
{
  strv_free (*v);
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_fclose __attribute__ ((cleanup (cleanup_fclosep)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_closedirp)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

/* Hand ownership out of a cleanup variable. */
#define steal_pointer(pp)                                                                                              \
  ({                                                                                                                   \
    __typeof__ (*(pp)) _p = *(pp);                                                                                     \
    *(pp) = NULL;                                                                                                      \
    _p;                                                                                                                \
  })
#define steal_fd(fdp)                                                                                                  \
  ({                                                                                                                   \
    int _fd = *(fdp);                                                                                                  \
    *(fdp) = -1;                                                                                                       \
    _fd;                                                                                                               \
  })

#endif
