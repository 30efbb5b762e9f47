/* counter/mcs: Concurrency Kit's MCS queue lock (ck_spinlock.h,
 * ck_spinlock_mcs_*; Debian's libck-dev; Mellor-Crummey & Scott, "Algorithms
 * for Scalable Synchronization on Shared-Memory Multiprocessors", TOCS 1991)
 * around count += 1. Each locker swaps its own queue node into the tail
 * and spins on a flag in that node, so waiters spin on their own cache line
 * and the holder hands the lock to its successor directly. The node lives
 * in the worker's thread state (base.thread_state, one cache line). Called
 * as CK ships it, so it spins and never yields: FIFO, it collapses once
 * workers outnumber CPUs (LAB_CAP_NO_OVERSUB), and under fibers the
 * successor may sit behind a spinner on its carrier forever
 * (LAB_CAP_THREADS_ONLY). CK synchronises in inline assembly TSan cannot
 * see: the lock is annotated (common/tsan.h) so the TSan build stays clean.
 * close() runs on a thread with no worker state, so it takes the lock with
 * a node of its own on its stack. */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_spinlock.h>

#include "common/counter.h"
#include "common/tsan.h"

struct mcs_counter {
    ck_spinlock_mcs_t lock; /* the queue's tail; NULL when free */
    uint64_t count;
};

struct mcs_tstate {
    LAB_ALIGNED ck_spinlock_mcs_context_t node;
};

static int mcs_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct mcs_counter), self);
    if (rc) return rc;
    struct mcs_counter *c = *self;
    ck_spinlock_mcs_init(&c->lock);
    return 0;
}

static void mcs_lock(struct mcs_counter *c, ck_spinlock_mcs_context_t *node)
{
    ck_spinlock_mcs_lock(&c->lock, node);
    lab_tsan_acquire(&c->lock);
}

static void mcs_unlock(struct mcs_counter *c, ck_spinlock_mcs_context_t *node)
{
    lab_tsan_release(&c->lock);
    ck_spinlock_mcs_unlock(&c->lock, node);
}

static int mcs_inc(void *self, void *tstate)
{
    struct mcs_counter *c = self;
    struct mcs_tstate *t = tstate;
    mcs_lock(c, &t->node);
    c->count += 1;
    mcs_unlock(c, &t->node);
    return 0;
}

static int mcs_close(void *self, uint64_t *total)
{
    struct mcs_counter *c = self;
    ck_spinlock_mcs_context_t node;
    mcs_lock(c, &node);
    *total = c->count;
    mcs_unlock(c, &node);
    return 0;
}

const struct lab_counter lab_counter_mcs = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "mcs",
        .summary = "Concurrency Kit MCS queue lock (FIFO, pure spin): threads only, no oversub",
        .origin = "peer:ck ck_spinlock_mcs (Mellor-Crummey & Scott 1991)",
        .caps = LAB_CAP_THREADS_ONLY | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct mcs_tstate),
    },
    .create = mcs_create,
    .inc = mcs_inc,
    .flush = lab_counter_flush_none,
    .close = mcs_close,
    .destroy = lab_counter_free,
};
