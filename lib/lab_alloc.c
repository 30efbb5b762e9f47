/* Allocation accounting (lab_alloc.h): the C allocator's entry points,
 * defined here so that they interpose on the C library's, count, and call
 * the allocator underneath (glibc's, or the sanitizer's).
 *
 * Per-thread counters live in cache-line slots carved from mmap'd chunks
 * (never from malloc: that would recurse) and are never reused, so the sum
 * includes threads that have exited. Each slot has one writer, its thread:
 * a relaxed load and store per counter, no locked instruction. */
#include <elf.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "lab_alloc.h"
#include "lab_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ALLOC_SANITIZED 1
#endif
#endif

/* The allocator underneath: the sanitizer's interceptors (exported by the
   ASan and TSan runtimes under these names), or glibc's own entry points. */
/* The interposers run inside the sanitizer's own start-up (its first
   dlsym allocates): their code is not instrumented, and they count nothing
   before this program's constructors have run. */
#define ALLOC_HOOK __attribute__((no_sanitize("address", "thread", "undefined")))

#ifdef ALLOC_SANITIZED
#define ALLOC_NEXT(f) __interceptor_##f
void *__interceptor_aligned_alloc(size_t align, size_t n);
int __interceptor_posix_memalign(void **out, size_t align, size_t n);
#else
#define ALLOC_NEXT(f) __libc_##f
#endif
void *ALLOC_NEXT(malloc)(size_t n);
void *ALLOC_NEXT(calloc)(size_t k, size_t n);
void *ALLOC_NEXT(realloc)(void *p, size_t n);
void ALLOC_NEXT(free)(void *p);
void *ALLOC_NEXT(memalign)(size_t align, size_t n);
void *ALLOC_NEXT(valloc)(size_t n);
void *ALLOC_NEXT(pvalloc)(size_t n);

struct alloc_slot {
    LAB_ALIGNED _Atomic uint64_t allocs;
    _Atomic uint64_t bytes, frees;
    _Atomic int64_t held;
};

#define ALLOC_CHUNK_SLOTS 1023u

struct alloc_chunk {
    LAB_ALIGNED struct alloc_chunk *next;
    _Atomic unsigned used;
    struct alloc_slot slot[ALLOC_CHUNK_SLOTS];
};

static _Atomic(struct alloc_chunk *) alloc_chunks;
static _Atomic int alloc_ready;
static _Thread_local struct alloc_slot *alloc_mine;
static _Thread_local unsigned alloc_paused;

static ALLOC_HOOK struct alloc_slot *alloc_new_slot(void)
{
    for (;;) {
        struct alloc_chunk *c = atomic_load(&alloc_chunks);
        if (c) {
            unsigned i = atomic_fetch_add(&c->used, 1);
            if (i < ALLOC_CHUNK_SLOTS) return &c->slot[i];
        }
        struct alloc_chunk *fresh =
            mmap(NULL, sizeof *fresh, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (fresh == MAP_FAILED) return NULL;
        fresh->next = c;
        if (!atomic_compare_exchange_strong(&alloc_chunks, &c, fresh))
            munmap(fresh, sizeof *fresh); /* another thread added one: use it */
    }
}

/* The dynamic linker's text: its calls are not the program's. */
static _Atomic uintptr_t alloc_ldso_lo, alloc_ldso_hi;
static _Atomic int alloc_ldso_known;

static ALLOC_HOOK void alloc_find_ldso(void)
{
    uintptr_t base = (uintptr_t)getauxval(AT_BASE), hi = base;
    if (base) {
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && base + ph[i].p_vaddr + ph[i].p_memsz > hi)
                hi = base + ph[i].p_vaddr + ph[i].p_memsz;
    }
    atomic_store_explicit(&alloc_ldso_lo, base, memory_order_relaxed);
    atomic_store_explicit(&alloc_ldso_hi, hi, memory_order_relaxed);
    atomic_store_explicit(&alloc_ldso_known, 1, memory_order_release);
}

static void alloc_start(void) __attribute__((constructor));
static void alloc_start(void) { atomic_store(&alloc_ready, 1); }

/* This thread's slot when the call is to be counted, else NULL. */
static ALLOC_HOOK struct alloc_slot *alloc_slot_for(const void *caller)
{
    if (!atomic_load_explicit(&alloc_ready, memory_order_relaxed) || alloc_paused) return NULL;
    if (!atomic_load_explicit(&alloc_ldso_known, memory_order_acquire)) alloc_find_ldso();
    uintptr_t pc = (uintptr_t)caller;
    if (pc >= atomic_load_explicit(&alloc_ldso_lo, memory_order_relaxed)
        && pc < atomic_load_explicit(&alloc_ldso_hi, memory_order_relaxed))
        return NULL;
    if (!alloc_mine) alloc_mine = alloc_new_slot();
    return alloc_mine;
}

#define ALLOC_ADD(field, v)                                                                       \
    atomic_store_explicit(&s->field, atomic_load_explicit(&s->field, memory_order_relaxed) + (v), \
                          memory_order_relaxed)

static ALLOC_HOOK void *alloc_got(void *p, size_t n, const void *caller)
{
    struct alloc_slot *s = p ? alloc_slot_for(caller) : NULL;
    if (s) {
        ALLOC_ADD(allocs, 1);
        ALLOC_ADD(bytes, n);
        ALLOC_ADD(held, (int64_t)malloc_usable_size(p));
    }
    return p;
}

static ALLOC_HOOK void alloc_gone(void *p, const void *caller)
{
    struct alloc_slot *s = p ? alloc_slot_for(caller) : NULL;
    if (s) {
        ALLOC_ADD(frees, 1);
        ALLOC_ADD(held, -(int64_t)malloc_usable_size(p));
    }
}

#define ALLOC_CALLER __builtin_return_address(0)

ALLOC_HOOK void *lab_alloc_malloc(size_t n)
{
    return alloc_got(ALLOC_NEXT(malloc)(n), n, ALLOC_CALLER);
}

ALLOC_HOOK void *lab_alloc_calloc(size_t k, size_t n)
{
    return alloc_got(ALLOC_NEXT(calloc)(k, n), k * n, ALLOC_CALLER);
}

ALLOC_HOOK void lab_alloc_free(void *p)
{
    alloc_gone(p, ALLOC_CALLER);
    ALLOC_NEXT(free)(p);
}

static ALLOC_HOOK void *alloc_realloc(void *p, size_t n, const void *caller)
{
    struct alloc_slot *s = p ? alloc_slot_for(caller) : NULL;
    int64_t was = s ? (int64_t)malloc_usable_size(p) : 0;
    void *q = ALLOC_NEXT(realloc)(p, n);
    if (s && (q || !n)) { /* the old block is gone (moved, resized or freed) */
        ALLOC_ADD(frees, 1);
        ALLOC_ADD(held, -was);
    }
    return alloc_got(q, n, caller);
}

ALLOC_HOOK void *lab_alloc_realloc(void *p, size_t n) { return alloc_realloc(p, n, ALLOC_CALLER); }

ALLOC_HOOK void *lab_alloc_reallocarray(void *p, size_t k, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(k, n, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_realloc(p, bytes, ALLOC_CALLER);
}

ALLOC_HOOK void *lab_alloc_memalign(size_t align, size_t n)
{
    return alloc_got(ALLOC_NEXT(memalign)(align, n), n, ALLOC_CALLER);
}

ALLOC_HOOK void *lab_alloc_aligned_alloc(size_t align, size_t n)
{
#ifdef ALLOC_SANITIZED
    return alloc_got(__interceptor_aligned_alloc(align, n), n, ALLOC_CALLER);
#else
    if (!align || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_got(__libc_memalign(align, n), n, ALLOC_CALLER);
#endif
}

ALLOC_HOOK int lab_alloc_posix_memalign(void **out, size_t align, size_t n)
{
#ifdef ALLOC_SANITIZED
    int rc = __interceptor_posix_memalign(out, align, n);
    if (!rc) alloc_got(*out, n, ALLOC_CALLER);
    return rc;
#else
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = alloc_got(p, n, ALLOC_CALLER);
    return 0;
#endif
}

ALLOC_HOOK void *lab_alloc_valloc(size_t n)
{
    return alloc_got(ALLOC_NEXT(valloc)(n), n, ALLOC_CALLER);
}
ALLOC_HOOK void *lab_alloc_pvalloc(size_t n)
{
    return alloc_got(ALLOC_NEXT(pvalloc)(n), n, ALLOC_CALLER);
}

/* The C names (declared by <stdlib.h> and <malloc.h>). */
#define ALLOC_ALIAS(f) __attribute__((alias(#f)))
void *malloc(size_t n) ALLOC_ALIAS(lab_alloc_malloc);
void *calloc(size_t k, size_t n) ALLOC_ALIAS(lab_alloc_calloc);
void *realloc(void *p, size_t n) ALLOC_ALIAS(lab_alloc_realloc);
void *reallocarray(void *p, size_t k, size_t n) ALLOC_ALIAS(lab_alloc_reallocarray);
void free(void *p) ALLOC_ALIAS(lab_alloc_free);
void *memalign(size_t align, size_t n) ALLOC_ALIAS(lab_alloc_memalign);
void *aligned_alloc(size_t align, size_t n) ALLOC_ALIAS(lab_alloc_aligned_alloc);
int posix_memalign(void **out, size_t align, size_t n) ALLOC_ALIAS(lab_alloc_posix_memalign);
void *valloc(size_t n) ALLOC_ALIAS(lab_alloc_valloc);
void *pvalloc(size_t n) ALLOC_ALIAS(lab_alloc_pvalloc);

void *lab_malloc(size_t n) { return malloc(n); }
void *lab_calloc(size_t k, size_t n) { return calloc(k, n); }
void *lab_realloc(void *p, size_t n) { return realloc(p, n); }
void lab_free(void *p) { free(p); }

void lab_alloc_pause(void) { alloc_paused++; }
void lab_alloc_resume(void) { alloc_paused--; }

void lab_alloc_totals(struct lab_alloc_totals *t)
{
    *t = (struct lab_alloc_totals){ 0 };
    for (struct alloc_chunk *c = atomic_load(&alloc_chunks); c; c = c->next) {
        unsigned used = atomic_load(&c->used);
        for (unsigned i = 0; i < used && i < ALLOC_CHUNK_SLOTS; i++) {
            const struct alloc_slot *s = &c->slot[i];
            t->allocs += atomic_load_explicit(&s->allocs, memory_order_relaxed);
            t->bytes += atomic_load_explicit(&s->bytes, memory_order_relaxed);
            t->frees += atomic_load_explicit(&s->frees, memory_order_relaxed);
            t->held += atomic_load_explicit(&s->held, memory_order_relaxed);
        }
    }
}

int lab_alloc_leak(const struct lab_alloc_totals *a, const struct lab_alloc_totals *b, char *why,
                   size_t n)
{
    int64_t blocks = (int64_t)(b->allocs - a->allocs) - (int64_t)(b->frees - a->frees);
    if (blocks <= 0) return 0;
    int64_t bytes = b->held - a->held;
    snprintf(why, n, "leaked %lld bytes in %lld blocks", (long long)(bytes > 0 ? bytes : 0),
             (long long)blocks);
    return 1;
}
