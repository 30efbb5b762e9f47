/* counter/tas_backoff: a test-and-set spin lock with exponential backoff
 * (T. E. Anderson, "The Performance of Spin Lock Alternatives for
 * Shared-Memory Multiprocessors", IEEE TPDS 1(1), 1990) built from
 * Concurrency Kit's pieces (Debian's libck-dev): the lock word, trylock and
 * unlock of ck_spinlock_fas (one atomic swap per attempt) and ck_backoff_eb
 * (ck_backoff.h: wait `delay` empty iterations, double it) between failed
 * attempts, as ck_spinlock_fas_lock_eb does. Not FIFO: whoever swaps first
 * after the release wins, so a releasing thread often re-takes the lock
 * from its own cache.
 *
 * The wait loop is ours, not CK's: ck_spinlock_fas_lock_eb spins forever,
 * which deadlocks under fibers once they outnumber carriers and burns time
 * slices oversubscribed. Ours caps the delay at `backoff_max` and calls
 * lab_yield() after every `tries` failed attempts, so it runs under every
 * runner and at any thread count. The cap's default, 1023 (CK's first
 * delay is 512), is low because the critical section is one add: at 160
 * threads on 2 CPUs a cap of 16383 spent the holder's CPU on backoff (6M
 * ops/s against 55M, one short run each, shared machine). CK synchronises
 * in inline assembly TSan cannot see: the lock is annotated
 * (common/tsan.h). */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_backoff.h>
#include <ck_spinlock.h>

#include "common/counter.h"
#include "common/tsan.h"

struct tas_counter {
    ck_spinlock_fas_t lock;
    unsigned backoff_init, backoff_max, tries;
    uint64_t count;
};

static const struct lab_param tas_params[] = {
    { "backoff_init", "first backoff delay, in empty loop iterations (CK: 512)", 512, 1, 1 << 20,
      1 },
    { "backoff_max", "largest backoff delay (CK's ceiling: 2^20-1)", 1023, 1, 1 << 20, 1 },
    { "tries", "failed attempts between yields (lab_yield)", 8, 1, 1 << 20, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

static int tas_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct tas_counter), self);
    if (rc) return rc;
    struct tas_counter *c = *self;
    ck_spinlock_fas_init(&c->lock);
    c->backoff_init = (unsigned)lab_param("backoff_init");
    c->backoff_max = (unsigned)lab_param("backoff_max");
    c->tries = (unsigned)lab_param("tries");
    return 0;
}

static void tas_lock(struct tas_counter *c)
{
    ck_backoff_t delay = c->backoff_init;
    unsigned failed = 0;
    while (!ck_spinlock_fas_trylock(&c->lock)) {
        ck_backoff_eb(&delay);
        if (delay > c->backoff_max) delay = c->backoff_max;
        if (++failed % c->tries == 0) lab_yield();
    }
    lab_tsan_acquire(&c->lock);
}

static void tas_unlock(struct tas_counter *c)
{
    lab_tsan_release(&c->lock);
    ck_spinlock_fas_unlock(&c->lock);
}

static int tas_inc(void *self, void *tstate)
{
    (void)tstate;
    struct tas_counter *c = self;
    tas_lock(c);
    c->count += 1;
    tas_unlock(c);
    return 0;
}

static int tas_close(void *self, uint64_t *total)
{
    struct tas_counter *c = self;
    tas_lock(c);
    *total = c->count;
    tas_unlock(c);
    return 0;
}

const struct lab_counter lab_counter_tas_backoff = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "tas_backoff",
        .summary = "CK test-and-set lock, exponential backoff, a yield every few failures (our loop)",
        .origin = "peer:ck ck_spinlock_fas + ck_backoff_eb (Anderson, IEEE TPDS 1990)",
        .params = tas_params,
    },
    .create = tas_create,
    .inc = tas_inc,
    .flush = lab_counter_flush_none,
    .close = tas_close,
    .destroy = lab_counter_free,
};
