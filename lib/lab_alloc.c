/* Per-thread allocation counters, registered once per thread on a global
 * list that is only ever pushed to (blocks stay reachable, so leak checkers
 * stay quiet). The hot path touches only the calling thread's own line. */
#include <stdatomic.h>
#include <stdlib.h>

#include "lab_alloc.h"
#include "lab_util.h"

struct counters {
    LAB_ALIGNED _Atomic uint64_t allocs;
    _Atomic uint64_t bytes;
    struct counters *next;
};

static _Atomic(struct counters *) all_counters;
static _Thread_local struct counters *mine;

static struct counters *alloc_self_counters(void)
{
    if (!mine) {
        struct counters *c = lab_calloc_aligned(sizeof *c);
        if (!c) return NULL;
        struct counters *head = atomic_load(&all_counters);
        do c->next = head;
        while (!atomic_compare_exchange_weak(&all_counters, &head, c));
        mine = c;
    }
    return mine;
}

static void alloc_count(size_t n)
{
    struct counters *c = alloc_self_counters();
    if (!c) return;
    /* single writer: a relaxed load + store, no locked instruction */
    atomic_store_explicit(&c->allocs, atomic_load_explicit(&c->allocs, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&c->bytes, atomic_load_explicit(&c->bytes, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void *lab_malloc(size_t n)
{
    void *p = malloc(n);
    if (p) alloc_count(n);
    return p;
}

void *lab_calloc(size_t k, size_t n)
{
    void *p = calloc(k, n);
    if (p) alloc_count(k * n);
    return p;
}

void *lab_realloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q) alloc_count(n);
    return q;
}

void lab_free(void *p) { free(p); }

void lab_alloc_totals(struct lab_alloc_totals *t)
{
    t->allocs = t->bytes = 0;
    for (struct counters *c = atomic_load(&all_counters); c; c = c->next) {
        t->allocs += atomic_load_explicit(&c->allocs, memory_order_relaxed);
        t->bytes += atomic_load_explicit(&c->bytes, memory_order_relaxed);
    }
}
