/* counter/atomic: the snail seed's TheoreticalLimitOfAtomics test
 * (pkg/snail_batcher/snail_batcher_impl_perf_compar_test.go): every
 * goroutine repeats counter.Add(1) on one atomic.Uint64. A sequentially
 * consistent fetch-and-add, like Go's (one LOCK XADD on x86-64); the count
 * is alone in its cache line. Never blocks or yields. (Prefix atom_: names
 * that begin with atomic_ are reserved to <stdatomic.h>.) */
#include <stdatomic.h>

#include "common/counter.h"

struct atomic_counter {
    _Atomic uint64_t count;
};

static int atom_create(const struct lab_counter_cfg *cfg, void **self)
{
    return lab_counter_new(cfg, sizeof(struct atomic_counter), self);
}

static int atom_inc(void *self, void *tstate)
{
    (void)tstate;
    struct atomic_counter *c = self;
    atomic_fetch_add(&c->count, 1);
    return 0;
}

static int atom_close(void *self, uint64_t *total)
{
    struct atomic_counter *c = self;
    *total = atomic_load(&c->count);
    return 0;
}

const struct lab_counter lab_counter_atomic = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "atomic",
        .summary = "fetch-and-add on one shared count (the seed's counter.Add(1))",
        .origin = "seed:snail TheoreticalLimitOfAtomics",
    },
    .create = atom_create,
    .inc = atom_inc,
    .flush = lab_counter_flush_none,
    .close = atom_close,
    .destroy = lab_counter_free,
};
