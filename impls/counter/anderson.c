/* counter/anderson: Concurrency Kit's array-based queue lock
 * (ck_spinlock.h, ck_spinlock_anderson_*; Debian's libck-dev; T. E.
 * Anderson, "The Performance of Spin Lock Alternatives for Shared-Memory
 * Multiprocessors", IEEE TPDS 1(1), 1990) around count += 1. A locker takes
 * the next slot of a circular array with one fetch-and-add and spins on
 * that slot's flag; unlocking clears the next slot's flag. FIFO.
 *
 * The array must have a slot for every thread that can wait at once, so it
 * is sized to the worker count (cfg->nthreads, rounded up to a power of
 * two, so that the slot index survives the position counter's wrap). Since
 * nthreads is only a hint, each worker registers on its first increment,
 * and one worker too many gets -EOVERFLOW instead of sharing a slot (which
 * would let two threads in). CK's slots are 8 bytes, packed: eight waiters
 * share a cache line, where Anderson padded each slot to its own line.
 * Called as CK ships it (spins with ck_pr_stall, never yields): FIFO
 * spinning collapses once workers outnumber CPUs (LAB_CAP_NO_OVERSUB), and
 * under fibers the next slot's fiber may sit behind a spinner on its
 * carrier forever (LAB_CAP_THREADS_ONLY). CK synchronises in inline
 * assembly TSan cannot see: the lock is annotated (common/tsan.h). */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_spinlock.h>
#include <stdatomic.h>

#include "common/counter.h"
#include "common/tsan.h"

struct anderson_counter {
    ck_spinlock_anderson_t lock;
    unsigned nslots;
    _Atomic unsigned workers; /* registered so far */
    LAB_ALIGNED uint64_t count;
    LAB_ALIGNED ck_spinlock_anderson_thread_t slots[]; /* nslots, CK's packed layout */
};

struct anderson_tstate {
    unsigned registered;
};

static int anderson_create(const struct lab_counter_cfg *cfg, void **self)
{
    unsigned want = cfg && cfg->nthreads > 2 ? cfg->nthreads : 2, n = 2;
    if (want > 1u << 20) want = 1u << 20;
    while (n < want) n <<= 1;
    int rc = lab_counter_new(
        cfg, sizeof(struct anderson_counter) + n * sizeof(ck_spinlock_anderson_thread_t), self);
    if (rc) return rc;
    struct anderson_counter *c = *self;
    c->nslots = n;
    ck_spinlock_anderson_init(&c->lock, c->slots, n);
    return 0;
}

static uint64_t anderson_locked_add(struct anderson_counter *c, uint64_t add)
{
    ck_spinlock_anderson_thread_t *slot;
    ck_spinlock_anderson_lock(&c->lock, &slot);
    lab_tsan_acquire(&c->lock);
    uint64_t total = c->count += add;
    lab_tsan_release(&c->lock);
    ck_spinlock_anderson_unlock(&c->lock, slot);
    return total;
}

static int anderson_inc(void *self, void *tstate)
{
    struct anderson_counter *c = self;
    struct anderson_tstate *t = tstate;
    if (!t->registered) {
        if (atomic_fetch_add_explicit(&c->workers, 1, memory_order_relaxed) >= c->nslots)
            return -EOVERFLOW;
        t->registered = 1;
    }
    anderson_locked_add(c, 1);
    return 0;
}

/* close runs after every worker is done: no slot of its own needed */
static int anderson_close(void *self, uint64_t *total)
{
    *total = anderson_locked_add(self, 0);
    return 0;
}

const struct lab_counter lab_counter_anderson = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "anderson",
        .summary = "Concurrency Kit Anderson array lock, a slot per worker (FIFO, pure spin): threads "
                   "only, no oversub",
        .origin = "peer:ck ck_spinlock_anderson (Anderson, IEEE TPDS 1990)",
        .caps = LAB_CAP_THREADS_ONLY | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct anderson_tstate),
    },
    .create = anderson_create,
    .inc = anderson_inc,
    .flush = lab_counter_flush_none,
    .close = anderson_close,
    .destroy = lab_counter_free,
};
