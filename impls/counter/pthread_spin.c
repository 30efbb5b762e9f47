/* counter/pthread_spin: glibc's pthread_spin_lock around count += 1. A
 * test-and-set lock that spins on a load (with PAUSE) and never yields or
 * sleeps: the plain spin lock a C programmer reaches for, beside the seed's
 * yielding one. It calls pthread directly, and a pure spinner deadlocks
 * once fibers outnumber carriers (the holder cannot run), so it is
 * threads-only. Not FIFO: oversubscribed, whichever thread runs takes the
 * lock, so it degrades but does not collapse the way ticket and MCS do.
 * (Prefix pspin_: names that begin with pthread_ are reserved to POSIX.) */
#include <pthread.h>

#include "common/counter.h"

struct pspin_counter {
    pthread_spinlock_t lock;
    uint64_t count;
};

static int pspin_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct pspin_counter), self);
    if (rc) return rc;
    struct pspin_counter *c = *self;
    if ((rc = pthread_spin_init(&c->lock, PTHREAD_PROCESS_PRIVATE)) != 0) {
        free(c);
        *self = NULL;
        return -rc;
    }
    return 0;
}

static int pspin_inc(void *self, void *tstate)
{
    (void)tstate;
    struct pspin_counter *c = self;
    pthread_spin_lock(&c->lock);
    c->count += 1;
    pthread_spin_unlock(&c->lock);
    return 0;
}

static int pspin_close(void *self, uint64_t *total)
{
    struct pspin_counter *c = self;
    pthread_spin_lock(&c->lock);
    *total = c->count;
    pthread_spin_unlock(&c->lock);
    return 0;
}

static void pspin_destroy(void *self)
{
    struct pspin_counter *c = self;
    if (!c) return;
    pthread_spin_destroy(&c->lock);
    free(c);
}

const struct lab_counter lab_counter_pthread_spin = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "pthread_spin",
        .summary = "pthread_spin_lock (test-and-set, never yields): threads only",
        .origin = "peer:glibc pthread_spin_lock",
        .caps = LAB_CAP_THREADS_ONLY,
    },
    .create = pspin_create,
    .inc = pspin_inc,
    .flush = lab_counter_flush_none,
    .close = pspin_close,
    .destroy = pspin_destroy,
};
