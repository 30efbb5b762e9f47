/* counter/mutex: the snail seed's TheoreticalLimitOfMutex test
 * (pkg/snail_batcher/snail_batcher_impl_perf_compar_test.go), where each
 * goroutine repeats
 *
 *     mutex.Lock(); counter += 1; mutex.Unlock()
 *
 * on one sync.Mutex. Go's mutex becomes the lab's blocking mutex
 * (lib/lab_prim.h: a futex mutex after Drepper's "Futexes Are Tricky", what
 * glibc's default pthread mutex is), which parks a fiber, not its carrier,
 * under a fiber runner. Unlike sync.Mutex it does not spin before parking
 * and has no starvation mode. The count shares the lock's cache line, as
 * two adjacent variables do in the seed. */
#include "common/counter.h"
#include "lab_prim.h"

struct mutex_counter {
    struct lab_mutex mu;
    uint64_t count;
};

static int mutex_create(const struct lab_counter_cfg *cfg, void **self)
{
    return lab_counter_new(cfg, sizeof(struct mutex_counter), self);
}

static int mutex_inc(void *self, void *tstate)
{
    (void)tstate;
    struct mutex_counter *c = self;
    lab_mutex_lock(&c->mu);
    c->count += 1;
    lab_mutex_unlock(&c->mu);
    return 0;
}

static int mutex_close(void *self, uint64_t *total)
{
    struct mutex_counter *c = self;
    lab_mutex_lock(&c->mu);
    *total = c->count;
    lab_mutex_unlock(&c->mu);
    return 0;
}

const struct lab_counter lab_counter_mutex = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "mutex",
        .summary = "blocking mutex around count += 1 (Go's sync.Mutex in the seed)",
        .origin = "seed:snail TheoreticalLimitOfMutex",
    },
    .create = mutex_create,
    .inc = mutex_inc,
    .flush = lab_counter_flush_none,
    .close = mutex_close,
    .destroy = lab_counter_free,
};
