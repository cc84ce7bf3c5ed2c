/* A small test harness: CHECK records a failure and goes on; each binary prints its tally. */
#ifndef ZONE_TESTS_UNIT_H
#define ZONE_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                                                                    \
  do                                                                                                                   \
    {                                                                                                                  \
      if (cond)                                                                                                        \
        unit_passed++;                                                                                                 \
      else                                                                                                             \
        {                                                                                                              \
          unit_failed++;                                                                                               \
          fprintf (stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                             \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                                                           \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *h_ = (haystack);                                                                                     \
      if (h_ && strstr (h_, (needle)))                                                                                 \
        unit_passed++;                                                                                                 \
      else                                                                                                             \
        {                                                                                                              \
          unit_failed++;                                                                                               \
          fprintf (stderr, "FAIL %s:%d: `%s` does not contain `%s`\n", __FILE__, __LINE__, h_ ? h_ : "(null)",         \
                   (needle));                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

/* The last line is read by tests/unit/run. */
#define UNIT_DONE()                                                                                                    \
  do                                                                                                                   \
    {                                                                                                                  \
      printf ("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed);                                       \
      return unit_failed ? 1 : 0;                                                                                      \
    }                                                                                                                  \
  while (0)

#endif
