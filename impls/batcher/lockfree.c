/* batcher/lockfree: snail Phase 3, "pure atomics".
 *
 *     type preallocedBatch struct {
 *         _ [pad]byte; writePos atomic.Uint64
 *         _ [pad]byte; nWritten atomic.Uint64
 *         _ [pad]byte; data []T }
 *
 * add() claims a slot with fetch_add on the current batch's write position,
 * stores the item, and bumps the written count. The producer whose increment
 * completes the batch swaps a fresh pre-allocated batch in with
 * compare-and-swap on the current-batch pointer, then sends the full one.
 * Producers that claim a slot past the end yield and retry on the new batch.
 * The padding between the hot fields is cfg->pad bytes (the seed used 256;
 * `--pad 0` puts them on one cache line to show false sharing).
 *
 * Buffers are recycled from a pool of 1 + queue/batch. A pooled buffer is
 * always full (write position >= batch), and it is reset (written count,
 * then write position) only after the CAS has made it current. So a slot can
 * only be claimed in the current batch: a producer holding a stale pointer
 * sees a full batch and retries, and only the producer that completed the
 * current batch ever swaps it, so the CAS cannot fail. (Resetting before the
 * CAS let a stale producer fill and recycle a buffer that was not current
 * yet, which left every producer spinning on a full current batch.) Sends
 * are serialised by a mutex taken once per batch, which keeps the sink
 * single-consumer; nothing is locked per item. */
#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lab_batcher.h"
#include "lab_prim.h"
#include "lab_util.h"

struct lf_buf {
    _Atomic uint64_t *wp; /* writePos, inside mem */
    _Atomic uint64_t *nw; /* nWritten, inside mem */
    uint64_t *data;       /* inside mem */
    unsigned idx;
    void *mem;
};

struct lf_batcher {
    LAB_ALIGNED _Atomic(struct lf_buf *) current;
    LAB_ALIGNED struct lab_mutex send_mu;
    struct lab_sink sink;
    size_t batch;
    unsigned nbuf;
    struct lf_buf *bufs;
    _Atomic uint64_t *free_bits; /* one bit per pooled buffer */
};

static struct lf_buf *pop_free(struct lf_batcher *b)
{
    for (unsigned w = 0; w < (b->nbuf + 63) / 64; w++) {
        uint64_t bits = atomic_load_explicit(&b->free_bits[w], memory_order_relaxed);
        while (bits) {
            uint64_t low = bits & -bits;
            if (atomic_compare_exchange_weak_explicit(&b->free_bits[w], &bits, bits & ~low,
                                                      memory_order_acquire, memory_order_relaxed))
                return &b->bufs[w * 64 + (unsigned)__builtin_ctzll(low)];
        }
    }
    return NULL;
}

static void push_free(struct lf_batcher *b, struct lf_buf *f)
{
    atomic_fetch_or_explicit(&b->free_bits[f->idx / 64], 1ull << (f->idx % 64),
                             memory_order_release);
}

static void reset(struct lf_buf *f)
{
    atomic_store_explicit(f->nw, 0, memory_order_relaxed);
    atomic_store_explicit(f->wp, 0, memory_order_release);
}

static void lf_destroy(void *self);

static int lf_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct lf_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->send_mu);
    b->sink = *sink;
    b->batch = cfg->batch_size;
    b->nbuf = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    b->bufs = calloc(b->nbuf, sizeof *b->bufs);
    b->free_bits = calloc((b->nbuf + 63) / 64, sizeof *b->free_bits);
    if (!b->bufs || !b->free_bits) {
        lf_destroy(b);
        return -ENOMEM;
    }

    /* Layout of one batch: pad | writePos | pad | nWritten | pad | data. */
    size_t pad = (cfg->pad + 7) / 8 * 8;
    size_t off_wp = pad, off_nw = off_wp + 8 + pad, off_data = off_nw + 8 + pad;
    for (unsigned i = 0; i < b->nbuf; i++) {
        struct lf_buf *f = &b->bufs[i];
        f->mem = lab_calloc_aligned(off_data + b->batch * sizeof(uint64_t));
        if (!f->mem) {
            lf_destroy(b);
            return -ENOMEM;
        }
        f->wp = (_Atomic uint64_t *)((char *)f->mem + off_wp);
        f->nw = (_Atomic uint64_t *)((char *)f->mem + off_nw);
        f->data = (uint64_t *)((char *)f->mem + off_data);
        f->idx = i;
        if (i) { /* pooled buffers are full until reset */
            atomic_store_explicit(f->wp, b->batch, memory_order_relaxed);
            push_free(b, f);
        }
    }
    atomic_store(&b->current, &b->bufs[0]);
    *self = b;
    return 0;
}

static void send(struct lf_batcher *b, struct lf_buf *f, size_t n)
{
    lab_mutex_lock(&b->send_mu);
    b->sink.deliver(b->sink.arg, f->data, n);
    lab_mutex_unlock(&b->send_mu);
}

/* Called by the one producer whose write completed batch f. */
static void complete(struct lf_batcher *b, struct lf_buf *f)
{
    struct lf_buf *fresh;
    while (!(fresh = pop_free(b))) /* every buffer is being sent */
        lab_yield();
    /* publish first (fresh is still full: nobody can claim a slot in it),
       then open it for writes */
    struct lf_buf *expect = f;
    int swapped = atomic_compare_exchange_strong_explicit(
        &b->current, &expect, fresh, memory_order_acq_rel, memory_order_relaxed);
    assert(swapped && "only the completer of the current batch swaps it");
    (void)swapped;
    reset(fresh);
    send(b, f, b->batch);
    push_free(b, f);
}

static int lf_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct lf_batcher *b = self;
    for (;;) {
        struct lf_buf *f = atomic_load_explicit(&b->current, memory_order_acquire);
        if (atomic_load_explicit(f->wp, memory_order_relaxed) < b->batch) {
            uint64_t pos = atomic_fetch_add_explicit(f->wp, 1, memory_order_acq_rel);
            if (pos < b->batch) {
                f->data[pos] = item;
                if (atomic_fetch_add_explicit(f->nw, 1, memory_order_acq_rel) + 1 == b->batch)
                    complete(b, f);
                return 0;
            }
        }
        lab_yield(); /* full: wait for the swap */
    }
}

static int lf_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int lf_close(void *self)
{
    struct lf_batcher *b = self;
    struct lf_buf *f = atomic_load_explicit(&b->current, memory_order_acquire);
    uint64_t n = atomic_load_explicit(f->nw, memory_order_acquire);
    if (n) send(b, f, n);
    reset(f);
    return 0;
}

static void lf_destroy(void *self)
{
    struct lf_batcher *b = self;
    if (!b) return;
    if (b->bufs)
        for (unsigned i = 0; i < b->nbuf; i++) free(b->bufs[i].mem);
    free(b->bufs);
    free(b->free_bits);
    lab_mutex_destroy(&b->send_mu);
    free(b);
}

const struct lab_batcher lab_batcher_lockfree = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "lockfree",
        .summary = "atomic write position + written count, batch swapped by CAS, padded fields",
        .origin = "seed:snail phase 3",
    },
    .create = lf_create,
    .add = lf_add,
    .flush = lf_flush,
    .close = lf_close,
    .destroy = lf_destroy,
};
