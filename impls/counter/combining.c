/* counter/combining: flat combining (Hendler, Incze, Shavit & Tzafrir,
 * "Flat Combining and the Synchronization-Parallelism Tradeoff", SPAA 2010)
 * of count += 1. Each worker owns a publication record (in its worker
 * state, one cache line) on a shared list; to increment it raises the
 * record's request flag, and then either takes the combiner lock and applies
 * every pending request on the list (its own included), or waits for a
 * combiner to clear its flag. One thread touches the count for many, and a
 * waiter spins on its own line only.
 *
 * As in the paper: a record joins the list (a CAS on its head) when its
 * owner first needs it, and the combiner drops records idle for more than
 * `cleanup` combining sessions (never the head, which pushers change), so
 * the scan stays as short as the set of active workers; an owner whose
 * record was dropped sees its `active` flag cleared and pushes it again. A
 * combiner scans the list up to `passes` times while a pass still finds
 * requests. Each increment returns once it is in the count (linearizable,
 * like a lock; unlike counter/sharded, which only counts at flush).
 *
 * Waiting spins `spins` rounds, then yields (common/spinwait.h): it runs
 * under fibers and oversubscribed. A combiner preempted mid-scan delays
 * everyone, as a preempted lock holder does. */
#include <stdatomic.h>

#include "common/counter.h"
#include "common/spinwait.h"

struct combining_rec {
    _Atomic uint32_t req;    /* 1: an increment to apply; the combiner clears it */
    _Atomic uint32_t active; /* on the list */
    _Atomic(struct combining_rec *) next;
    uint64_t age; /* combining session that last served it (combiners only) */
};

struct combining_counter {
    _Atomic uint32_t lock; /* the combiner's */
    unsigned passes, spins;
    uint64_t cleanup, sessions;
    uint64_t count; /* the combiner's */
    LAB_ALIGNED _Atomic(struct combining_rec *) head;
};

struct combining_tstate {
    LAB_ALIGNED struct combining_rec rec;
};

static const struct lab_param combining_params[] = {
    { "passes", "scans of the list per combining session, while requests are found", 2, 1, 1000,
      1 },
    { "cleanup", "sessions a record may stay idle before it leaves the list", 64, 1, 1e9, 1 },
    { "spins", "spin rounds between yields while waiting", 64, 0, 1e6, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

static int combining_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct combining_counter), self);
    if (rc) return rc;
    struct combining_counter *c = *self;
    c->passes = (unsigned)lab_param("passes");
    c->cleanup = (uint64_t)lab_param("cleanup");
    c->spins = (unsigned)lab_param("spins");
    return 0;
}

static void combining_push(struct combining_counter *c, struct combining_rec *r)
{
    r->age = 0;
    atomic_store_explicit(&r->active, 1, memory_order_relaxed);
    struct combining_rec *head = atomic_load_explicit(&c->head, memory_order_relaxed);
    do atomic_store_explicit(&r->next, head, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&c->head, &head, r, memory_order_release,
                                                  memory_order_relaxed));
}

static int combining_trylock(struct combining_counter *c)
{
    return !atomic_load_explicit(&c->lock, memory_order_relaxed)
        && !atomic_exchange_explicit(&c->lock, 1, memory_order_acquire);
}

static void combining_unlock(struct combining_counter *c)
{
    atomic_store_explicit(&c->lock, 0, memory_order_release);
}

/* Under the combiner lock: applies every request on the list. */
static void combining_combine(struct combining_counter *c)
{
    uint64_t session = ++c->sessions;
    for (unsigned pass = 0; pass < c->passes; pass++) {
        unsigned served = 0;
        struct combining_rec *prev = NULL, *next;
        for (struct combining_rec *r = atomic_load_explicit(&c->head, memory_order_acquire); r;
             r = next) {
            next = atomic_load_explicit(&r->next, memory_order_acquire);
            if (atomic_load_explicit(&r->req, memory_order_acquire)) {
                c->count += 1;
                served++;
                r->age = session;
                atomic_store_explicit(&r->req, 0, memory_order_release);
                prev = r;
            } else if (prev && session - r->age > c->cleanup) {
                atomic_store_explicit(&prev->next, next, memory_order_relaxed);
                atomic_store_explicit(&r->active, 0, memory_order_release); /* owner re-pushes */
            } else {
                prev = r;
            }
        }
        if (!served) break;
    }
}

static int combining_inc(void *self, void *tstate)
{
    struct combining_counter *c = self;
    struct combining_rec *r = &((struct combining_tstate *)tstate)->rec;
    atomic_store(&r->req, 1);
    struct lab_spinwait w = { 0 };
    for (;;) {
        if (!atomic_load(&r->active)) combining_push(c, r); /* new, or dropped while idle */
        if (!atomic_load_explicit(&r->req, memory_order_acquire)) return 0;
        if (combining_trylock(c)) {
            combining_combine(c);
            combining_unlock(c);
            continue; /* ours is served unless it was off the list */
        }
        lab_spinwait(&w, c->spins);
    }
}

static int combining_close(void *self, uint64_t *total)
{
    struct combining_counter *c = self;
    struct lab_spinwait w = { 0 };
    while (!combining_trylock(c)) lab_spinwait(&w, c->spins);
    *total = c->count;
    combining_unlock(c);
    return 0;
}

const struct lab_counter lab_counter_combining = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "combining",
        .summary = "flat combining: workers publish increments, one combiner applies them all",
        .origin = "design: flat combining (Hendler, Incze, Shavit & Tzafrir, SPAA 2010)",
        .thread_state = sizeof(struct combining_tstate),
        .params = combining_params,
    },
    .create = combining_create,
    .inc = combining_inc,
    .flush = lab_counter_flush_none,
    .close = combining_close,
    .destroy = lab_counter_free,
};
