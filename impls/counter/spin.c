/* counter/spin: the snail seed's TheoreticalLimitOfSpinLock test
 * (pkg/snail_batcher/snail_batcher_impl_perf_compar_test.go):
 *
 *     for !m.mutex.TryLock() { runtime.Gosched() }
 *     counter += 1
 *     m.mutex.Unlock()
 *
 * The lab's mutex taken only by trying, with lab_yield() (Go's Gosched: a
 * user-space switch under fibers, sched_yield under threads) between tries
 * (lab_mutex_spin_lock). Nobody ever parks, so unlock never wakes anyone.
 * This is the design the seed found faster than atomics at 10,000
 * goroutines. */
#include "common/counter.h"
#include "lab_prim.h"

struct spin_counter {
    struct lab_mutex mu;
    uint64_t count;
};

static int spin_create(const struct lab_counter_cfg *cfg, void **self)
{
    return lab_counter_new(cfg, sizeof(struct spin_counter), self);
}

static int spin_inc(void *self, void *tstate)
{
    (void)tstate;
    struct spin_counter *c = self;
    lab_mutex_spin_lock(&c->mu);
    c->count += 1;
    lab_mutex_unlock(&c->mu);
    return 0;
}

static int spin_close(void *self, uint64_t *total)
{
    struct spin_counter *c = self;
    lab_mutex_spin_lock(&c->mu);
    *total = c->count;
    lab_mutex_unlock(&c->mu);
    return 0;
}

const struct lab_counter lab_counter_spin = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "spin",
        .summary = "try-lock, lab_yield between tries (the seed's TryLock + Gosched)",
        .origin = "seed:snail TheoreticalLimitOfSpinLock",
    },
    .create = spin_create,
    .inc = spin_inc,
    .flush = lab_counter_flush_none,
    .close = spin_close,
    .destroy = lab_counter_free,
};
