/* FNV-1a, 32 bits: short, stable names derived from strings (a root's tag, a veth's name). */
#ifndef ZONE_UTIL_HASH_H
#define ZONE_UTIL_HASH_H

#include <stdint.h>

#define FNV1A_INIT 2166136261u

static inline uint32_t
fnv1a_byte (uint32_t h, uint8_t b)
{
  return (h ^ b) * 16777619u;
}

/* A whole 32-bit word folded in at once (not byte by byte, so not FNV proper: for mixing only). */
static inline uint32_t
fnv1a_word (uint32_t h, uint32_t w)
{
  return (h ^ w) * 16777619u;
}

static inline uint32_t
fnv1a_str (uint32_t h, const char *s)
{
  for (; *s; s++)
    h = fnv1a_byte (h, (uint8_t) *s);
  return h;
}

#endif
