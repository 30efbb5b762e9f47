/* batcher/hybrid: snail Phase 5, the current snail design.
 *
 *     lock              sync.Mutex   // spin on this one
 *     newBackBufferLock sync.Mutex   // block on this one for back-pressure
 *     pushChan chan []T              // full batches to the worker
 *     pullChan chan []T              // empty buffers back
 *
 * add() takes a try-lock spin (yield between tries) on the fast path and
 * appends to the current pre-allocated back buffer. A full buffer is pushed
 * to the worker thread, and a free one is pulled back under a blocking
 * mutex: when all 1 + queue/batch buffers are in flight, the producer blocks
 * there, which is the back-pressure. The worker delivers each batch to the
 * sink, returns the buffer, and on every timeout_ms tick flushes a partial
 * current buffer so no item waits longer than about the timeout. The
 * buffers, channels and delivery are common/nbuf.c; every lock and wait is
 * a lab primitive (lib/lab_prim.h). */
#include <errno.h>
#include <stdlib.h>

#include "lab.h"
#include "lab_prim.h"
#include "common/nbuf.h"
#include "common/util.h"

struct hybrid_batcher {
    LAB_ALIGNED struct lab_mutex lock;          /* spin on this one */
    unsigned cur;                               /* current back buffer, never nil */
    LAB_ALIGNED struct lab_mutex newbuf_lock;   /* block on this one */
    struct lab_nbuf q;
    unsigned tick_ms;
    struct lab_task_handle worker;
    int started;
};

/* A free buffer from the worker; blocks when none is free. */
static unsigned hb_pull(struct hybrid_batcher *b)
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
static int hb_try_timeout_flush(struct hybrid_batcher *b)
{
    if (lab_mutex_trylock(&b->lock) != 0) return -EBUSY;
    uint64_t spare;
    int rc = 0, full = -1;
    if (b->q.bufs[b->cur].len) {
        if (lab_chan_try_recv(&b->q.pull, &spare) == 0) {
            full = (int)b->cur;
            b->cur = (unsigned)spare;
        } else {
            rc = -EBUSY;           /* every buffer is queued for us: they flow anyway */
        }
    }
    lab_mutex_unlock(&b->lock);
    if (full >= 0) lab_nbuf_deliver(&b->q, (unsigned)full);
    return rc;
}

static void *hb_worker(void *arg)
{
    struct hybrid_batcher *b = arg;
    const uint64_t ms = 1000000u;
    uint64_t tick = b->tick_ms ? lab_now_ns() + b->tick_ms * ms : 0;
    for (;;) {
        uint64_t v;
        int rc = lab_chan_recv(&b->q.push, &v, tick);
        if (rc == 0) { lab_nbuf_deliver(&b->q, (unsigned)v); continue; }
        if (rc == -EPIPE) break;
        /* tick: flush; if the lock was busy, look again soon */
        tick = lab_now_ns() + (hb_try_timeout_flush(b) ? 1 : b->tick_ms) * ms;
    }
    return NULL;
}

static int hb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct hybrid_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->lock);
    lab_mutex_init(&b->newbuf_lock);
    b->tick_ms = cfg->timeout_ms;
    int rc = lab_nbuf_init(&b->q, cfg, sink, 1);   /* buffer 0 is current */
    if (rc == 0 && (rc = lab_spawn(hb_worker, b, &b->worker)) != 0) lab_nbuf_destroy(&b->q);
    if (rc) {
        free(b);
        return rc;
    }
    b->cur = 0;
    b->started = 1;
    *self = b;
    return 0;
}

static int hb_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct hybrid_batcher *b = self;
    lab_mutex_spin_lock(&b->lock);
    struct lab_nbuf_buf *f = &b->q.bufs[b->cur];
    f->items[f->len++] = item;
    if (f->len == b->q.batch) {
        lab_chan_send(&b->q.push, b->cur);      /* a slot per buffer */
        b->cur = hb_pull(b);
    }
    lab_mutex_unlock(&b->lock);
    return 0;
}

static int hb_flush(void *self, void *tstate) { (void)self; (void)tstate; return 0; }

static int hb_close(void *self)
{
    struct hybrid_batcher *b = self;
    if (!b->started) return 0;
    lab_mutex_spin_lock(&b->lock);
    if (b->q.bufs[b->cur].len) lab_chan_send(&b->q.push, b->cur);
    lab_mutex_unlock(&b->lock);
    lab_chan_close(&b->q.push);                 /* the worker drains, then returns */
    lab_join(&b->worker);
    b->started = 0;
    return 0;
}

static void hb_destroy(void *self)
{
    struct hybrid_batcher *b = self;
    if (!b) return;
    hb_close(b);
    lab_nbuf_destroy(&b->q);
    free(b);
}

const struct lab_batcher lab_batcher_hybrid = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "hybrid",
        .summary = "spin lock fast path, n pre-allocated buffers pushed/pulled to a worker, "
                   "blocking back-pressure, timeout flush",
        .origin = "seed:snail phase 5",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
    },
    .create = hb_create,
    .add = hb_add,
    .flush = hb_flush,
    .close = hb_close,
    .destroy = hb_destroy,
};
