/* TEST ONLY: the lab's first port of snail's hybrid batcher (batcher/hybrid
 * before the fidelity issue), kept as a known-unfaithful variant so that
 * the conformance checks backpressure_holds_queue and
 * backpressure_waiters_sleep are shown to fail on it, and so that the
 * benchmark can set it beside the faithful port (contend-faulty carries
 * both). Same buffers, channels and worker (common/nbuf.c) as
 * batcher/hybrid; only the lock discipline differs, and that is the fault:
 *  - the producer that fills a buffer pulls the next one eagerly, *while it
 *    still holds the spin lock*: when no buffer is free it sleeps in the
 *    pull with the lock held, and every other producer spins and yields
 *    against a holder that sleeps (the seed releases the spin lock first and
 *    sleeps on newBackBufferLock);
 *  - so the add() that fills the last free buffer blocks, where the seed's
 *    returns and leaves the pull to the next add();
 *  - the timeout flush runs on the worker, try-locks the spin lock and needs
 *    a spare buffer (the seed's Flush spins on the lock and needs none). */
#include <errno.h>
#include <stdlib.h>

#include "common/nbuf.h"
#include "lab_batcher.h"
#include "lab_prim.h"
#include "lab_util.h"

struct v0_batcher {
    LAB_ALIGNED struct lab_mutex lock;        /* spin on this one */
    unsigned cur;                             /* current back buffer, never nil */
    LAB_ALIGNED struct lab_mutex newbuf_lock; /* block on this one */
    struct lab_nbuf q;
    unsigned tick_ms;
    struct lab_task_handle worker;
    int started;
};

/* A free buffer from the worker; blocks when none is free. */
static unsigned v0_pull(struct v0_batcher *b)
{
    uint64_t v = 0;
    lab_mutex_lock(&b->newbuf_lock);
    lab_chan_recv(&b->q.pull, &v, 0);
    lab_mutex_unlock(&b->newbuf_lock);
    return (unsigned)v;
}

/* Swaps out a partial current buffer if the lock is free and a spare buffer
   exists (never waits: a producer holding the lock may be waiting for this
   thread). 0 if done or nothing to do. */
static int v0_try_timeout_flush(struct v0_batcher *b)
{
    if (lab_mutex_trylock(&b->lock) != 0) return -EBUSY;
    uint64_t spare;
    int rc = 0, full = -1;
    if (b->q.bufs[b->cur].len) {
        if (lab_chan_try_recv(&b->q.pull, &spare) == 0) {
            full = (int)b->cur;
            b->cur = (unsigned)spare;
        } else {
            rc = -EBUSY; /* every buffer is queued for us: they flow anyway */
        }
    }
    lab_mutex_unlock(&b->lock);
    if (full >= 0) lab_nbuf_deliver(&b->q, (unsigned)full);
    return rc;
}

static void *v0_worker(void *arg)
{
    struct v0_batcher *b = arg;
    const uint64_t ms = 1000000u;
    uint64_t tick = b->tick_ms ? lab_now_ns() + b->tick_ms * ms : 0;
    for (;;) {
        uint64_t v;
        int rc = lab_chan_recv(&b->q.push, &v, tick);
        if (rc == 0) {
            lab_nbuf_deliver(&b->q, (unsigned)v);
            continue;
        }
        if (rc == -EPIPE) break;
        /* tick: flush; if the lock was busy, look again soon */
        tick = lab_now_ns() + (v0_try_timeout_flush(b) ? 1 : b->tick_ms) * ms;
    }
    return NULL;
}

static int v0_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct v0_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->lock);
    lab_mutex_init(&b->newbuf_lock);
    b->tick_ms = cfg->timeout_ms;
    int rc = lab_nbuf_init(&b->q, cfg, sink, 1); /* buffer 0 is current */
    if (rc == 0 && (rc = lab_spawn(v0_worker, b, &b->worker)) != 0) lab_nbuf_destroy(&b->q);
    if (rc) {
        free(b);
        return rc;
    }
    b->cur = 0;
    b->started = 1;
    *self = b;
    return 0;
}

static int v0_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct v0_batcher *b = self;
    lab_mutex_spin_lock(&b->lock);
    struct lab_nbuf_buf *f = &b->q.bufs[b->cur];
    f->items[f->len++] = item;
    if (f->len == b->q.batch) {
        lab_chan_send(&b->q.push, b->cur); /* a slot per buffer */
        b->cur = v0_pull(b);               /* the fault: sleeps holding the lock */
    }
    lab_mutex_unlock(&b->lock);
    return 0;
}

static int v0_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int v0_close(void *self)
{
    struct v0_batcher *b = self;
    if (!b->started) return 0;
    lab_mutex_spin_lock(&b->lock);
    if (b->q.bufs[b->cur].len) lab_chan_send(&b->q.push, b->cur);
    lab_mutex_unlock(&b->lock);
    lab_chan_close(&b->q.push); /* the worker drains, then returns */
    lab_join(&b->worker);
    b->started = 0;
    return 0;
}

static void v0_destroy(void *self)
{
    struct v0_batcher *b = self;
    if (!b) return;
    v0_close(b);
    lab_nbuf_destroy(&b->q);
    free(b);
}

const struct lab_batcher lab_batcher_faulty_hybrid_v0 = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "faulty_hybrid_v0",
        .summary = "TEST ONLY: the first hybrid port, pulls a buffer holding the spin lock",
        .origin = "test:faulty",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
    },
    .create = v0_create,
    .add = v0_add,
    .flush = v0_flush,
    .close = v0_close,
    .destroy = v0_destroy,
};
