/* Counting allocator for implementations: every allocation a store variant
 * makes goes through lab_malloc/lab_calloc/lab_realloc, which add the
 * request to the calling thread's counters. The harness sums the counters
 * of every thread that ever allocated (lab_alloc_totals) before and after
 * the timed region to report B/op and allocs/op. Only allocations made
 * through these hooks are counted (not libc-internal ones); this works the
 * same in plain, ASan and TSan builds because nothing interposes malloc. */
#ifndef LAB_ALLOC_H
#define LAB_ALLOC_H

#include <stddef.h>
#include <stdint.h>

struct lab_alloc_totals {
    uint64_t allocs; /* malloc/calloc/realloc calls that returned memory */
    uint64_t bytes;  /* bytes requested by those calls */
};

void *lab_malloc(size_t n);
void *lab_calloc(size_t k, size_t n);
void *lab_realloc(void *p, size_t n);
void lab_free(void *p);
/* Sum over every thread's counters (relaxed reads; exact when the
   allocating threads are quiescent). */
void lab_alloc_totals(struct lab_alloc_totals *t);

#endif
