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
 * current buffer so no item waits longer than about the timeout. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lab_batcher.h"
#include "common/chan.h"
#include "lab_util.h"

#define PACK(idx, len) ((uint64_t)(idx) | (uint64_t)(len) << 32)
#define IDX(v) ((unsigned)((v) & 0xffffffffu))
#define LEN(v) ((size_t)((v) >> 32))

struct hybrid_batcher {
    LAB_ALIGNED pthread_mutex_t lock;          /* spin on this one */
    unsigned cur;                              /* current back buffer */
    size_t len;
    LAB_ALIGNED pthread_mutex_t newbuf_lock;   /* block on this one */
    struct lab_chan push, pull;
    struct lab_sink sink;
    size_t batch;
    unsigned nbuf, tick_ms;
    uint64_t **bufs;
    pthread_t worker;
    int started;
};

/* A free buffer from the worker; blocks when none is free (back-pressure). */
static unsigned pull_buffer(struct hybrid_batcher *b)
{
    uint64_t v = 0;
    pthread_mutex_lock(&b->newbuf_lock);
    lab_chan_recv(&b->pull, &v, NULL);
    pthread_mutex_unlock(&b->newbuf_lock);
    return IDX(v);
}

static void deliver(struct hybrid_batcher *b, uint64_t v)
{
    b->sink.deliver(b->sink.arg, b->bufs[IDX(v)], LEN(v));
    lab_chan_send(&b->pull, PACK(IDX(v), 0));
}

/* Timeout flush: swap out a partial current buffer if the lock is free and
   a spare buffer exists (never wait: a producer holding the lock may itself
   be waiting for this thread). Returns 0 if done or nothing to do. */
static int try_timeout_flush(struct hybrid_batcher *b)
{
    if (pthread_mutex_trylock(&b->lock) != 0) return -EBUSY;
    uint64_t spare, full = 0;
    int rc = 0;
    if (b->len) {
        if (lab_chan_try_recv(&b->pull, &spare) == 0) {
            full = PACK(b->cur, b->len);
            b->cur = IDX(spare);
            b->len = 0;
        } else {
            rc = -EBUSY;     /* every buffer is queued for us: they flow anyway */
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (full) deliver(b, full);
    return rc;
}

static void *worker(void *arg)
{
    struct hybrid_batcher *b = arg;
    struct timespec tick = lab_deadline_ms(b->tick_ms);
    for (;;) {
        uint64_t v;
        int rc = lab_chan_recv(&b->push, &v, b->tick_ms ? &tick : NULL);
        if (rc == 0) { deliver(b, v); continue; }
        if (rc == -EPIPE) break;
        /* tick: flush; if the lock was busy, look again soon */
        tick = lab_deadline_ms(try_timeout_flush(b) ? 1 : b->tick_ms);
    }
    return NULL;
}

static void hb_destroy(void *self);

static int hb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink,
                     void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct hybrid_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_init(&b->newbuf_lock, NULL);
    b->sink = *sink;
    b->batch = cfg->batch_size;
    b->tick_ms = cfg->timeout_ms;
    b->nbuf = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    b->bufs = calloc(b->nbuf, sizeof *b->bufs);
    int rc = b->bufs ? 0 : -ENOMEM;
    for (unsigned i = 0; rc == 0 && i < b->nbuf; i++)
        if (!(b->bufs[i] = malloc(b->batch * sizeof(uint64_t)))) rc = -ENOMEM;
    if (rc == 0) rc = lab_chan_init(&b->push, b->nbuf);
    if (rc == 0 && (rc = lab_chan_init(&b->pull, b->nbuf)) != 0) lab_chan_destroy(&b->push);
    if (rc) {
        b->push.ring = b->pull.ring = NULL;
        hb_destroy(b);
        return rc;
    }
    for (unsigned i = 1; i < b->nbuf; i++) lab_chan_send(&b->pull, PACK(i, 0));
    b->cur = 0;
    if ((rc = pthread_create(&b->worker, NULL, worker, b)) != 0) {
        hb_destroy(b);
        return -rc;
    }
    b->started = 1;
    *self = b;
    return 0;
}

static int hb_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct hybrid_batcher *b = self;
    lab_spin_lock(&b->lock);
    b->bufs[b->cur][b->len++] = item;
    if (b->len == b->batch) {
        lab_chan_send(&b->push, PACK(b->cur, b->len));  /* never full: nbuf slots */
        b->cur = pull_buffer(b);
        b->len = 0;
    }
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static int hb_flush(void *self, void *tstate) { (void)self; (void)tstate; return 0; }

static int hb_close(void *self)
{
    struct hybrid_batcher *b = self;
    if (!b->started) return 0;
    lab_spin_lock(&b->lock);
    if (b->len) lab_chan_send(&b->push, PACK(b->cur, b->len));
    b->len = 0;
    pthread_mutex_unlock(&b->lock);
    lab_chan_close(&b->push);          /* the worker drains, then exits */
    pthread_join(b->worker, NULL);
    b->started = 0;
    return 0;
}

static void hb_destroy(void *self)
{
    struct hybrid_batcher *b = self;
    if (!b) return;
    hb_close(b);
    if (b->push.ring) lab_chan_destroy(&b->push);
    if (b->pull.ring) lab_chan_destroy(&b->pull);
    if (b->bufs)
        for (unsigned i = 0; i < b->nbuf; i++) free(b->bufs[i]);
    free(b->bufs);
    pthread_mutex_destroy(&b->lock);
    pthread_mutex_destroy(&b->newbuf_lock);
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
