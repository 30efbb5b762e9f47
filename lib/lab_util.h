/* lab_util.h: small helpers shared by implementations and the harness: the
 * clock, cache-line alignment, a 64-bit mixer, simulated work. Blocking and
 * yielding are not here: variants use lab_prim.h. */
#ifndef LAB_UTIL_H
#define LAB_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define LAB_CACHELINE 64
#define LAB_ALIGNED _Alignas(LAB_CACHELINE)

static inline uint64_t lab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Busy work for about ns nanoseconds (simulated consumer cost). */
static inline void lab_burn_ns(uint64_t ns)
{
    if (!ns) return;
    uint64_t end = lab_now_ns() + ns;
    while (lab_now_ns() < end) {}
}

/* Cache-line aligned, zeroed allocation; NULL on failure. */
static inline void *lab_calloc_aligned(size_t n)
{
    size_t sz = (n + LAB_CACHELINE - 1) / LAB_CACHELINE * LAB_CACHELINE;
    void *p = aligned_alloc(LAB_CACHELINE, sz ? sz : LAB_CACHELINE);
    if (p) __builtin_memset(p, 0, sz ? sz : LAB_CACHELINE);
    return p;
}

/* SplitMix64 finaliser: a bijection on 64-bit values. */
static inline uint64_t lab_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
