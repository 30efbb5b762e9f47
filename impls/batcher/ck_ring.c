/* batcher/ck_ring: Concurrency Kit's bounded ring (ck_ring.h, Debian's
 * libck-dev) in its multi-producer, single-consumer mode. Producers
 * enqueue one item each (the item is the ring's pointer-sized
 * value); the consumer task ck_ring_dequeue_mpsc's them into batches
 * (common/pump.h: batches of batch_size, the partial one every timeout_ms,
 * a kick every quarter of a producer's share of the ring).
 *
 * The ring holds the smallest power of two above queue_size, less one (CK's
 * sizes are powers of two, one slot kept empty). A producer that finds it
 * full parks until a quarter of it is free again: bounded memory, but the
 * bound is that power of two plus a batch, not batch + queue, so it does
 * not claim LAB_CAP_BACKPRESSURE's exact bound.
 *
 * CK's multi-producer enqueue claims a slot with compare-and-swap and then
 * publishes slots in order, spinning (ck_pr_stall, no yield) until every
 * earlier claimant has published: a claimant preempted in between would
 * stall every later one for its time slice, and 1,000 threads on 2 CPUs
 * took minutes. So the enqueue is CK's own two halves,
 * ck_ring_enqueue_reserve_mpsc and ck_ring_enqueue_commit_mpsc, with the
 * wait for our turn in between done by us, yielding (lab_yield) between
 * looks at the ring's p_tail, as the snail seed's spin lock does. Under
 * fibers the earliest claimant never waits, so the others' yields let it
 * run. Publishing stays FIFO, though: each slot waits for the claimant
 * just before it, like a ticket lock, so with 10,000 threads on 2 CPUs
 * every item waits for one given thread among 10,000 to be scheduled:
 * LAB_CAP_NO_OVERSUB (past 4x the CPUs the cell is skipped as slow).
 *
 * TSan: CK publishes with inline assembly, so the slot's stores and loads
 * (ours after the reserve, CK's copy in the dequeue) look unordered, and
 * the consumer's load happens inside the call that also frees the slot, so
 * no acquire/release pair can be placed around it. The reserve with our
 * store and the dequeue are wrapped in lab_tsan_ignore_begin/end
 * (common/tsan.h), which hides only this thread's plain accesses there. */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_ring.h>
#include <errno.h>
#include <stdlib.h>

#include "common/pump.h"
#include "common/tsan.h"
#include "lab_batcher.h"

struct ckr_batcher {
    struct lab_pump pump; /* first: lab_pump_flush/close */
    LAB_ALIGNED ck_ring_t ring;
    ck_ring_buffer_t *buf;
};

struct ckr_tstate {
    size_t since_kick; /* first: lab_pump_flush */
};

struct ckr_try {
    struct ckr_batcher *r;
    uint64_t item;
    unsigned ticket;
};

/* CK's reserve: claims a slot (CAS) and we store the item in it; 0, or
   -EAGAIN when the ring is full. */
static int ckr_reserve(void *ctx)
{
    struct ckr_try *t = ctx;
    lab_tsan_ignore_begin();
    void **slot = ck_ring_enqueue_reserve_mpsc(&t->r->ring, t->r->buf, &t->ticket);
    if (slot) *slot = (void *)(uintptr_t)t->item;
    lab_tsan_ignore_end();
    return slot ? 0 : -EAGAIN;
}

static size_t ckr_take(void *q, uint64_t *out, size_t room)
{
    struct ckr_batcher *r = q;
    size_t n = 0;
    void *v;
    lab_tsan_ignore_begin();
    while (n < room && ck_ring_dequeue_mpsc(&r->ring, r->buf, &v)) out[n++] = (uintptr_t)v;
    lab_tsan_ignore_end();
    return n;
}

/* The ring was full: waits until a quarter of it is free again (so that a
   lone producer does not sleep and wake per batch), then reserves. */
static int ckr_reserve_room(void *ctx)
{
    struct ckr_try *t = ctx;
    unsigned cap = ck_ring_capacity(&t->r->ring);
    if (ck_ring_size(&t->r->ring) > cap - cap / 4) return -EAGAIN;
    return ckr_reserve(ctx);
}

static int ckr_add(void *self, void *tstate, uint64_t item)
{
    struct ckr_batcher *r = self;
    struct ckr_tstate *t = tstate;
    struct ckr_try try = { r, item, 0 };
    if (__builtin_expect(ckr_reserve(&try) != 0, 0))
        lab_pump_wait_room(&r->pump, ckr_reserve_room, &try);
    /* our turn to publish: CK's commit would spin for it without yielding */
    while (ck_pr_load_uint(&r->ring.p_tail) != try.ticket) lab_yield();
    ck_ring_enqueue_commit_mpsc(&r->ring, try.ticket);
    lab_pump_count(&r->pump, &t->since_kick);
    return 0;
}

static void ckr_destroy(void *self)
{
    struct ckr_batcher *r = self;
    if (!r) return;
    lab_pump_free(&r->pump);
    free(r->buf);
    free(r);
}

static int ckr_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    if (cfg->queue_size >= (1u << 30)) return -EINVAL; /* CK counts in unsigned int */
    unsigned size = 2;
    while (size - 1 < cfg->queue_size) size *= 2;
    struct ckr_batcher *r = lab_calloc_aligned(sizeof *r);
    if (!r) return -ENOMEM;
    r->buf = lab_calloc_aligned(size * sizeof *r->buf);
    int rc = r->buf ? 0 : -ENOMEM;
    if (rc == 0) {
        ck_ring_init(&r->ring, size);
        rc = lab_pump_start(&r->pump, cfg, sink, ckr_take, r, 0);
    }
    if (rc) {
        free(r->buf);
        free(r);
        return rc;
    }
    *self = r;
    return 0;
}

const struct lab_batcher lab_batcher_ck_ring = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "ck_ring",
        .summary = "Concurrency Kit ck_ring, multi-producer single-consumer: an item per slot, "
                   "a consumer task delivers batches; timeout; FIFO publish: no oversub",
        .origin = "peer:ck ck_ring (enqueue_reserve/commit_mpsc, dequeue_mpsc)",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_OWN_THREADS | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct ckr_tstate),
    },
    .create = ckr_create,
    .add = ckr_add,
    .flush = lab_pump_flush,
    .close = lab_pump_close,
    .destroy = ckr_destroy,
};
