/* counter/sharded: the no-sharing roofline. Each worker counts in its own
 * thread state (harness-allocated, cache-line aligned, one line each), so
 * an increment touches no shared memory; flush() adds the worker's count to
 * the shared total once, at the end. No design that updates one shared
 * count per increment can beat this row; if one does, the roofline or the
 * design is wrong. */
#include <stdatomic.h>

#include "common/counter.h"

struct sharded_counter {
    _Atomic uint64_t total;
};

struct sharded_tstate {
    LAB_ALIGNED uint64_t n;
};

static int sharded_create(const struct lab_counter_cfg *cfg, void **self)
{
    return lab_counter_new(cfg, sizeof(struct sharded_counter), self);
}

static int sharded_inc(void *self, void *tstate)
{
    (void)self;
    struct sharded_tstate *t = tstate;
    t->n++;
    return 0;
}

static int sharded_flush(void *self, void *tstate)
{
    struct sharded_counter *c = self;
    struct sharded_tstate *t = tstate;
    atomic_fetch_add(&c->total, t->n);
    t->n = 0;
    return 0;
}

static int sharded_close(void *self, uint64_t *total)
{
    struct sharded_counter *c = self;
    *total = atomic_load(&c->total);
    return 0;
}

const struct lab_counter lab_counter_sharded = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "sharded",
        .summary = "roofline: a count per worker in its own cache line, summed at flush",
        .origin = "roofline",
        .thread_state = sizeof(struct sharded_tstate),
    },
    .create = sharded_create,
    .inc = sharded_inc,
    .flush = sharded_flush,
    .close = sharded_close,
    .destroy = lab_counter_free,
};
