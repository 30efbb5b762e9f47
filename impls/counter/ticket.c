/* counter/ticket: Concurrency Kit's ticket lock (ck_spinlock.h,
 * ck_spinlock_ticket_*; Debian's libck-dev) around count += 1. Each locker
 * takes a ticket with one fetch-and-add and spins until the "now serving"
 * half reaches it: FIFO and fair, one atomic per acquisition. Called as CK
 * ships it, so it spins (ck_pr_stall) and never yields:
 *   - FIFO spinning collapses once workers outnumber CPUs: the lock can only
 *     pass to the next ticket's thread, which is often not running (a ck
 *     ticket lock measured 9.6k ops/s at 64 threads on 2 vCPUs, against 31M
 *     for a pthread mutex): LAB_CAP_NO_OVERSUB;
 *   - under fibers the next ticket's fiber may sit behind the spinner on
 *     its carrier, forever: LAB_CAP_THREADS_ONLY. (A yielding wait would
 *     need our own wait loop around CK's private lock word; then it is no
 *     longer CK's lock.)
 * On x86-64 CK packs both halves in 32 bits: at most 65,535 waiters.
 * CK synchronises in inline assembly TSan cannot see: the lock is
 * annotated (common/tsan.h) so that the TSan build stays clean. */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_spinlock.h>

#include "common/counter.h"
#include "common/tsan.h"

struct ticket_counter {
    ck_spinlock_ticket_t lock;
    uint64_t count;
};

static int ticket_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct ticket_counter), self);
    if (rc) return rc;
    struct ticket_counter *c = *self;
    ck_spinlock_ticket_init(&c->lock);
    return 0;
}

static void ticket_lock(struct ticket_counter *c)
{
    ck_spinlock_ticket_lock(&c->lock);
    lab_tsan_acquire(&c->lock);
}

static void ticket_unlock(struct ticket_counter *c)
{
    lab_tsan_release(&c->lock);
    ck_spinlock_ticket_unlock(&c->lock);
}

static int ticket_inc(void *self, void *tstate)
{
    (void)tstate;
    struct ticket_counter *c = self;
    ticket_lock(c);
    c->count += 1;
    ticket_unlock(c);
    return 0;
}

static int ticket_close(void *self, uint64_t *total)
{
    struct ticket_counter *c = self;
    ticket_lock(c);
    *total = c->count;
    ticket_unlock(c);
    return 0;
}

const struct lab_counter lab_counter_ticket = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "ticket",
        .summary = "Concurrency Kit ticket lock (FIFO, pure spin): threads only, no oversub",
        .origin = "peer:ck ck_spinlock_ticket",
        .caps = LAB_CAP_THREADS_ONLY | LAB_CAP_NO_OVERSUB,
    },
    .create = ticket_create,
    .inc = ticket_inc,
    .flush = lab_counter_flush_none,
    .close = ticket_close,
    .destroy = lab_counter_free,
};
