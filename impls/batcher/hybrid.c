/* batcher/hybrid: snail Phase 5, the current snail design, ported line by
 * line from GiGurra/snail pkg/snail_batcher/snail_batcher.go (SnailBatcher).
 *
 *     lock              sync.Mutex   // spin on this one (TryLock + Gosched)
 *     currentBackBuffer []T          // nil right after a flush
 *     newBackBufferLock sync.Mutex   // block on this one for back-pressure
 *     pushChan, pullChan chan []T    // full buffers out, empty ones back
 *
 * What follows the seed, function by function:
 *  - Add -> hybrid_add: spin on `lock` (lab_mutex_spin_lock: TryLock, then
 *    lab_yield, the seed's runtime.Gosched), then addInternal: make sure
 *    there is a back buffer, append, flush the buffer if it is full.
 *  - ensureBackBufferInternal -> hybrid_ensure_back_buffer: while there is
 *    no back buffer, release the spin lock (so nobody spins on a holder that
 *    sleeps), block on newBackBufferLock (a lab_mutex: it parks), pull a
 *    buffer from pullChan only if nobody got one meanwhile, unlock, re-take
 *    the spin lock and look again. When every buffer is in flight the
 *    producers sleep there: that is the back-pressure.
 *  - flushInternal -> hybrid_flush_locked: never push an empty buffer; push
 *    the current one and set it to nil. The pull is lazy: the add() that
 *    fills the last free buffer returns, and the next add() waits.
 *  - Flush and the ticker goroutine in workerLoop -> hybrid_ticker: every
 *    timeout it takes the same spin lock and calls the same flush, so a
 *    timeout flush never needs a spare buffer.
 *  - workerLoop -> lab_nbuf_worker (common/nbuf.c): deliver, empty the
 *    buffer, send it back on pullChan. NewSnailBatcher: every buffer starts
 *    in pullChan and the back buffer starts nil.
 *
 * Where we deliberately differ, and why:
 *  - The back buffer is an index in an atomic int (-1 for nil). The seed
 *    reads and writes currentBackBuffer under newBackBufferLock without the
 *    spin lock, a data race Go tolerates; release/acquire makes the same
 *    interleavings race-free in C (TSan checks this build).
 *  - The ticker is a task of ours (lab_spawn) that close() stops and joins;
 *    the seed's ticker goroutine outlives Close. timeout_ms 0 means no
 *    ticker (the seed's time.NewTicker panics on 0).
 *  - Close: the seed pushes an empty slice as a close signal; we close the
 *    push channel, which the worker drains first. Same order of delivery.
 *  - flush() is the lab's per-producer hand-over: a producer holds nothing
 *    here, so it does nothing (the seed's Flush is the ticker's, above).
 *  - newBackBufferLock is a lab_mutex, which parks at once; Go's sync.Mutex
 *    spins a few times first. Both sleep while a buffer is missing.
 * Today's earlier port, which pulled the next buffer while still holding the
 * spin lock, is kept as tests/faulty/batcher/hybrid_v0.c. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/nbuf.h"
#include "lab_batcher.h"
#include "lab_prim.h"
#include "lab_util.h"

#define NO_BUFFER (-1)

struct hybrid_batcher {
    LAB_ALIGNED struct lab_mutex lock;        /* spin on this one */
    _Atomic int cur;                          /* currentBackBuffer, NO_BUFFER = nil */
    LAB_ALIGNED struct lab_mutex newbuf_lock; /* block on this one */
    struct lab_nbuf q;                        /* buffers, pushChan, pullChan */
    unsigned tick_ms;
    _Atomic uint32_t stop; /* tells the ticker to return */
    struct lab_task_handle worker, ticker;
    int started, ticking;
};

static void hybrid_ensure_back_buffer(struct hybrid_batcher *b)
{
    while (atomic_load_explicit(&b->cur, memory_order_acquire) == NO_BUFFER) {
        lab_mutex_unlock(&b->lock);      /* stop others from spinning */
        lab_mutex_lock(&b->newbuf_lock); /* a regular lock: sleep, don't spin */
        if (atomic_load_explicit(&b->cur, memory_order_relaxed) == NO_BUFFER) {
            uint64_t v = 0; /* whoever got here first pulls */
            lab_chan_recv(&b->q.pull, &v, 0);
            atomic_store_explicit(&b->cur, (int)v, memory_order_release);
        }
        lab_mutex_unlock(&b->newbuf_lock);
        lab_mutex_spin_lock(&b->lock);
    }
}

/* Under the spin lock. Only a holder of the spin lock sets cur to nil, and
   only a holder of newbuf_lock sets it from nil, so cur is stable here. */
static void hybrid_flush_locked(struct hybrid_batcher *b)
{
    int i = atomic_load_explicit(&b->cur, memory_order_acquire);
    if (i == NO_BUFFER || b->q.bufs[i].len == 0) return; /* never push an empty one */
    lab_chan_send(&b->q.push, (uint64_t)i);              /* a slot per buffer */
    atomic_store_explicit(&b->cur, NO_BUFFER, memory_order_relaxed);
}

static void hybrid_flush_now(struct hybrid_batcher *b)
{
    lab_mutex_spin_lock(&b->lock);
    hybrid_flush_locked(b);
    lab_mutex_unlock(&b->lock);
}

/* The seed's `for range ticker.C { sb.Flush() }`. Missed ticks are dropped,
   as time.Ticker drops them for a slow receiver. */
static void *hybrid_ticker(void *arg)
{
    struct hybrid_batcher *b = arg;
    const uint64_t period = (uint64_t)b->tick_ms * 1000000u;
    uint64_t next = lab_now_ns() + period;
    while (!atomic_load_explicit(&b->stop, memory_order_acquire)) {
        if (lab_park(&b->stop, 0, next) != -ETIMEDOUT) continue; /* woken: look at stop */
        hybrid_flush_now(b);
        uint64_t now = lab_now_ns();
        next = next + period > now ? next + period : now + period;
    }
    return NULL;
}

static void hybrid_destroy(void *self);

static int hybrid_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink,
                         void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct hybrid_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->lock);
    lab_mutex_init(&b->newbuf_lock);
    atomic_init(&b->cur, NO_BUFFER); /* every buffer starts in pullChan */
    atomic_init(&b->stop, 0);
    b->tick_ms = cfg->timeout_ms;
    int rc = lab_nbuf_init(&b->q, cfg, sink, 0);
    if (rc) {
        free(b);
        return rc;
    }
    if ((rc = lab_spawn(lab_nbuf_worker, &b->q, &b->worker)) != 0) {
        lab_nbuf_destroy(&b->q);
        free(b);
        return rc;
    }
    b->started = 1;
    if (b->tick_ms) {
        if ((rc = lab_spawn(hybrid_ticker, b, &b->ticker)) != 0) {
            hybrid_destroy(b);
            return rc;
        }
        b->ticking = 1;
    }
    *self = b;
    return 0;
}

static int hybrid_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct hybrid_batcher *b = self;
    lab_mutex_spin_lock(&b->lock);
    hybrid_ensure_back_buffer(b);
    struct lab_nbuf_buf *f = &b->q.bufs[atomic_load_explicit(&b->cur, memory_order_relaxed)];
    f->items[f->len++] = item;
    if (f->len >= b->q.batch) hybrid_flush_locked(b);
    lab_mutex_unlock(&b->lock);
    return 0;
}

static int hybrid_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int hybrid_close(void *self)
{
    struct hybrid_batcher *b = self;
    if (b->ticking) {
        atomic_store_explicit(&b->stop, 1, memory_order_release);
        lab_unpark(&b->stop, 1);
        lab_join(&b->ticker);
        b->ticking = 0;
    }
    if (!b->started) return 0;
    hybrid_flush_now(b);
    lab_chan_close(&b->q.push); /* the worker drains, then returns */
    lab_join(&b->worker);
    b->started = 0;
    return 0;
}

static void hybrid_destroy(void *self)
{
    struct hybrid_batcher *b = self;
    if (!b) return;
    hybrid_close(b);
    lab_nbuf_destroy(&b->q);
    lab_mutex_destroy(&b->lock);
    lab_mutex_destroy(&b->newbuf_lock);
    free(b);
}

const struct lab_batcher lab_batcher_hybrid = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "hybrid",
        .summary = "spin lock fast path, n pre-allocated buffers pushed/pulled to a worker, "
                   "lazy pull blocking on a second lock (back-pressure), timeout flush",
        .origin = "seed:snail phase 5",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
    },
    .create = hybrid_create,
    .add = hybrid_add,
    .flush = hybrid_flush,
    .close = hybrid_close,
    .destroy = hybrid_destroy,
};
