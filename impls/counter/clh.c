/* counter/clh: Concurrency Kit's CLH queue lock (ck_spinlock.h,
 * ck_spinlock_clh_*; Debian's libck-dev; T. Craig, "Building FIFO and
 * priority-queuing spin locks from atomic swap", UW TR 93-02-02, 1993, and
 * Magnusson, Landin & Hagersten, "Queue locks on cache coherent
 * multiprocessors", IPPS 1994) around count += 1. A locker marks its node
 * busy, swaps it into the queue's tail and spins on its predecessor's node;
 * unlocking clears its own node's flag, and the thread then owns its
 * predecessor's node for next time. FIFO, one swap per acquisition, each
 * waiter spinning on one line that only its predecessor writes.
 *
 * Nodes travel between threads, so they belong to the lock, not to a
 * worker: a worker takes a fresh node (cache-line aligned) on its first
 * increment, every node is also on a list the lock frees in destroy(), and
 * close() has a node of its own. Called as CK ships it (spins with
 * ck_pr_stall, never yields): FIFO spinning collapses once workers
 * outnumber CPUs (LAB_CAP_NO_OVERSUB), and under fibers a waiter can spin
 * forever in front of its predecessor on the same carrier
 * (LAB_CAP_THREADS_ONLY). CK synchronises in inline assembly TSan cannot
 * see: the lock is annotated (common/tsan.h), and TSan is told to skip the
 * reads of CK's unlock, one of which comes after the last point where a
 * release can be annotated (clh_locked_add). */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_spinlock.h>
#include <stdatomic.h>

#include "common/counter.h"
#include "common/tsan.h"

struct clh_node {
    LAB_ALIGNED ck_spinlock_clh_t n; /* first: CK hands out &n */
    struct clh_node *all;            /* every node of the lock, for destroy */
};

struct clh_counter {
    ck_spinlock_clh_t *lock; /* the queue's tail */
    ck_spinlock_clh_t *close_node;
    uint64_t count;
    _Atomic(struct clh_node *) all;
};

struct clh_tstate {
    ck_spinlock_clh_t *node; /* the node this worker queues next; NULL before its first */
};

/* A new node on the lock's list, or NULL. */
static ck_spinlock_clh_t *clh_node_new(struct clh_counter *c)
{
    struct clh_node *n = lab_calloc_aligned(sizeof *n);
    if (!n) return NULL;
    n->all = atomic_load_explicit(&c->all, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&c->all, &n->all, n, memory_order_release,
                                                  memory_order_relaxed)) {}
    return &n->n;
}

static void clh_destroy(void *self)
{
    struct clh_counter *c = self;
    if (!c) return;
    for (struct clh_node *n = atomic_load(&c->all), *next; n; n = next) {
        next = n->all;
        free(n);
    }
    free(c);
}

static int clh_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct clh_counter), self);
    if (rc) return rc;
    struct clh_counter *c = *self;
    ck_spinlock_clh_t *unowned = clh_node_new(c);
    if (!unowned || !(c->close_node = clh_node_new(c))) {
        clh_destroy(c);
        *self = NULL;
        return -ENOMEM;
    }
    ck_spinlock_clh_init(&c->lock, unowned);
    return 0;
}

/* Takes the lock with *node and hands it back with the node to use next. */
static void clh_locked_add(struct clh_counter *c, ck_spinlock_clh_t **node, uint64_t add,
                           uint64_t *total)
{
    ck_spinlock_clh_lock(&c->lock, *node);
    lab_tsan_acquire(&c->lock);
    c->count += add;
    if (total) *total = c->count;
    lab_tsan_release(&c->lock);
    /* CK reads (*node)->previous after the release above and before the
       store that lets the successor in, who later reuses *node: a real
       ordering through that store, which TSan cannot see (common/tsan.h) */
    lab_tsan_ignore_reads_begin();
    ck_spinlock_clh_unlock(node);
    lab_tsan_ignore_reads_end();
}

static int clh_inc(void *self, void *tstate)
{
    struct clh_counter *c = self;
    struct clh_tstate *t = tstate;
    if (!t->node && !(t->node = clh_node_new(c))) return -ENOMEM;
    clh_locked_add(c, &t->node, 1, NULL);
    return 0;
}

static int clh_close(void *self, uint64_t *total)
{
    struct clh_counter *c = self;
    clh_locked_add(c, &c->close_node, 0, total);
    return 0;
}

const struct lab_counter lab_counter_clh = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "clh",
        .summary = "Concurrency Kit CLH queue lock (FIFO, pure spin): threads only, no oversub",
        .origin = "peer:ck ck_spinlock_clh (Craig 1993; Magnusson, Landin & Hagersten 1994)",
        .caps = LAB_CAP_THREADS_ONLY | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct clh_tstate),
    },
    .create = clh_create,
    .inc = clh_inc,
    .flush = lab_counter_flush_none,
    .close = clh_close,
    .destroy = clh_destroy,
};
