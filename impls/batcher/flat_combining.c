/* batcher/flat_combining: flat combining (Hendler, Incze, Shavit and
 * Tzafrir, "Flat Combining and the Synchronization-Parallelism Tradeoff",
 * SPAA 2010) over the bounded depot of batcher/perthread.
 *
 * Each producer owns a publication record (allocated on its first add and
 * pushed onto the publication list). add() writes the item into the record
 * and raises its request flag, then tries the combiner lock: whoever gets
 * it is the combiner and scans the whole list, appending every pending
 * item to the one shared buffer and clearing each request, so the shared
 * buffer is touched by one thread at a time and its cache lines stay put;
 * the others wait for their flag to drop, or for the lock to come free.
 * The buffer comes from common/depot.h: full buffers go to the consumer
 * task whole, the combiner parks for a free one when there is none
 * (back-pressure, and then its waiters park too), and the tick steals what
 * the shared buffer holds (timeout).
 *
 * Waiting: a few yields (lab_yield), then a park on the combiners'
 * sequence word, which each combiner bumps after its pass when someone is
 * parked; a waiter re-checks its flag and the lock before parking (both
 * sides seq_cst, so no wake-up is lost).
 *
 * Departures from the paper: records are never retired (the paper ages
 * out records of threads that stopped combining), so a pass scans every
 * record ever published; the combiner makes one pass, not a bounded number
 * of repeated passes. */
#include <errno.h>
#include <stdlib.h>

#include "common/depot.h"
#include "lab_batcher.h"

#define FC_YIELDS 8 /* yields before a waiter parks */

struct fc_rec {
    LAB_ALIGNED _Atomic uint32_t req; /* 1: item is waiting to be applied */
    uint64_t item;
    struct fc_rec *next; /* the publication list; set once, before the push */
};

struct fc_batcher {
    struct lab_depot d;                /* first: lab_depot_vclose */
    LAB_ALIGNED _Atomic uint32_t lock; /* the combiner's */
    struct lab_depot_buf *cur;         /* under lock: the shared buffer */
    LAB_ALIGNED _Atomic(struct fc_rec *) list;
    LAB_ALIGNED _Atomic uint32_t parked; /* waiters parked on seq */
    _Atomic uint32_t seq;
};

struct fc_tstate {
    struct fc_rec *rec;
};

static struct fc_rec *fc_publish(struct fc_batcher *b)
{
    struct fc_rec *r = lab_calloc_aligned(sizeof *r);
    if (!r) return NULL;
    struct fc_rec *head = atomic_load(&b->list);
    do r->next = head;
    while (!atomic_compare_exchange_weak(&b->list, &head, r));
    return r;
}

/* The combiner: applies every pending request, then wakes the parked. */
static void fc_combine(struct fc_batcher *b)
{
    for (struct fc_rec *r = atomic_load_explicit(&b->list, memory_order_acquire); r; r = r->next) {
        if (!atomic_load_explicit(&r->req, memory_order_acquire)) continue;
        if (!b->cur) b->cur = lab_depot_get(&b->d); /* may park: back-pressure */
        if (lab_depot_append(&b->d, b->cur, r->item)) {
            lab_depot_put(&b->d, b->cur);
            b->cur = NULL;
        }
        atomic_store_explicit(&r->req, 0, memory_order_release);
    }
    atomic_store(&b->lock, 0); /* seq_cst, then parked: see fc_park */
    if (atomic_load(&b->parked)) {
        atomic_fetch_add(&b->seq, 1);
        lab_unpark(&b->seq, UINT32_MAX);
    }
}

static int fc_trylock(struct fc_batcher *b)
{
    return !atomic_load_explicit(&b->lock, memory_order_relaxed)
        && !atomic_exchange_explicit(&b->lock, 1, memory_order_acquire);
}

/* Parks until a combiner has made a pass, unless the request is done or
   the lock is free (then the caller tries it). parked, then the lock, both
   seq_cst; a combiner stores the lock free, then reads parked: if it missed
   us, we see the lock free. */
static void fc_park(struct fc_batcher *b, struct fc_rec *r)
{
    atomic_fetch_add(&b->parked, 1);
    uint32_t seq = atomic_load(&b->seq);
    if (atomic_load(&r->req) && atomic_load(&b->lock)) lab_park(&b->seq, seq, 0);
    atomic_fetch_sub(&b->parked, 1);
}

static int fc_add(void *self, void *tstate, uint64_t item)
{
    struct fc_batcher *b = self;
    struct fc_tstate *t = tstate;
    struct fc_rec *r = t->rec;
    if (__builtin_expect(!r, 0) && !(r = t->rec = fc_publish(b))) return -ENOMEM;
    r->item = item;
    atomic_store_explicit(&r->req, 1, memory_order_release);
    for (int k = 0;; k++) {
        if (fc_trylock(b)) fc_combine(b);
        if (!atomic_load_explicit(&r->req, memory_order_acquire)) return 0;
        if (k < FC_YIELDS)
            lab_yield();
        else
            fc_park(b, r);
    }
}

static void fc_destroy(void *self)
{
    struct fc_batcher *b = self;
    if (!b) return;
    lab_depot_destroy(&b->d);
    for (struct fc_rec *r = atomic_load(&b->list), *next; r; r = next) {
        next = r->next;
        free(r);
    }
    free(b);
}

static int fc_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct fc_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    int rc = lab_depot_init(&b->d, cfg, sink, (unsigned)lab_param("wake"));
    if (rc) {
        free(b);
        return rc;
    }
    *self = b;
    return 0;
}

const struct lab_batcher lab_batcher_flat_combining = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "flat_combining",
        .summary = "flat combining: a publication list, one combiner appends everyone's items "
                   "to the shared buffer; bounded depot, consumer task, timeout",
        .origin = "design: Hendler, Incze, Shavit, Tzafrir, Flat Combining, SPAA 2010",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
        .thread_state = sizeof(struct fc_tstate),
        .params = lab_depot_params,
    },
    .create = fc_create,
    .add = fc_add,
    .flush = lab_depot_flush_none, /* a thread holds nothing of its own */
    .close = lab_depot_vclose,
    .destroy = fc_destroy,
};
