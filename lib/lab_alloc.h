/* Allocation accounting: every malloc, calloc, realloc, reallocarray,
 * aligned_alloc, posix_memalign, memalign, valloc, pvalloc and free made in
 * a program that links lib/ is counted, per thread, whoever makes it (a
 * variant's plain malloc as much as lab_malloc). lab_alloc.c defines those
 * functions in the executable, so they interpose on the C library's for
 * every caller, the C library's own internal calls included:
 *
 * - plain build: they count, then call glibc's allocator (__libc_malloc ...);
 * - ASan and TSan builds, where the sanitizer owns malloc: they count, then
 *   call the sanitizer's (__interceptor_malloc ...), so its checks still see
 *   every block.
 *
 * Allocations the dynamic linker makes (the TLS vector of every new thread,
 * kept with a cached thread stack long after the thread is joined) are not
 * counted, nor is anything a thread does between lab_alloc_pause() and
 * lab_alloc_resume() (a harness's own bookkeeping inside a measured window).
 *
 * The harness sums the counters (lab_alloc_totals) before and after a
 * window: B/op and allocs/op over the timed region, and the memory a
 * variant still holds after destroy() (lab_alloc_leak). Held bytes are the
 * blocks' usable sizes in the plain build (malloc_usable_size: requested
 * size rounded up to glibc's chunk size) and the requested sizes under the
 * sanitizers. Under the sanitizers a new thread's runtime start-up also
 * allocates a few blocks through glibc (pthread_getattr_np, freed at once):
 * they count, so B/op there is not a benchmark figure (benchmarks are plain
 * builds); the leak check is unaffected. */
#ifndef LAB_ALLOC_H
#define LAB_ALLOC_H

#include <stddef.h>
#include <stdint.h>

struct lab_alloc_totals {
    uint64_t allocs; /* allocation calls that returned memory (a realloc counts once) */
    uint64_t bytes;  /* bytes requested by those calls */
    uint64_t frees;  /* blocks freed (a realloc that was given a block frees it) */
    int64_t held;    /* bytes allocated minus bytes freed (see above) */
};

/* Kept for variants written against them: plain malloc/calloc/realloc/free,
   counted like any other call. */
void *lab_malloc(size_t n);
void *lab_calloc(size_t k, size_t n);
void *lab_realloc(void *p, size_t n);
void lab_free(void *p);

/* Sum over every thread's counters, exited threads included (relaxed reads;
   exact when the allocating threads are quiescent). */
void lab_alloc_totals(struct lab_alloc_totals *t);

/* The calling thread's allocations and frees stop (pause) or start again
   (resume) being counted; pauses nest. A block allocated while paused must
   also be freed while paused. */
void lab_alloc_pause(void);
void lab_alloc_resume(void);

/* Blocks allocated between snapshots a and b and not freed by b: 0, or 1
   with "leaked N bytes in M blocks" in why. */
int lab_alloc_leak(const struct lab_alloc_totals *a, const struct lab_alloc_totals *b, char *why,
                   size_t n);

/* The interposers (lab_alloc.c exports them under the C names too). */
void *lab_alloc_malloc(size_t n);
void *lab_alloc_calloc(size_t k, size_t n);
void *lab_alloc_realloc(void *p, size_t n);
void *lab_alloc_reallocarray(void *p, size_t k, size_t n);
void lab_alloc_free(void *p);
void *lab_alloc_memalign(size_t align, size_t n);
void *lab_alloc_aligned_alloc(size_t align, size_t n);
int lab_alloc_posix_memalign(void **out, size_t align, size_t n);
void *lab_alloc_valloc(size_t n);
void *lab_alloc_pvalloc(size_t n);

#endif
