/* batcher/faa_ring: a bounded ring with per-slot sequence numbers, claimed
 * by fetch-and-add.
 *
 * The slot protocol is Dmitry Vyukov's bounded MPMC queue (1024cores.net,
 * 2010): slot i carries a sequence number; it is free for the enqueue at
 * position p when seq == p, and holds the item of position p when
 * seq == p + 1. Vyukov claims positions with compare-and-swap; here a
 * producer takes its position with one fetch-and-add, as in the CRQ of
 * Morrison and Afek (LCRQ, PPoPP 2013), whose point is that FAA does not
 * fail and retry under contention as CAS does, and then waits for its slot
 * to be free (the turn, as in the Disruptor's multi-producer claim and
 * Rigtorp's MPMCQueue). It is not LCRQ: no CAS2 and no list of rings,
 * because a batcher wants a bound, not an unbounded queue.
 *
 * The consumer task (common/pump.h) reads positions in order into its
 * batch and frees a slot as soon as it has copied the item. The window is
 * exactly queue_size positions although the ring is a power of two: the
 * consumer, after reading position d, frees slot (d + queue_size) rather
 * than d's own (equal when queue_size is a power of two). So at most
 * queue_size items wait in the ring and batch_size in the consumer's
 * hands: LAB_CAP_BACKPRESSURE with the hybrid's bound. A producer whose
 * slot is not free yet (the ring is full) parks on the sequence word of the
 * slot a quarter window further on, flagged, and the consumer wakes only
 * flagged slots as it frees them (waking every waiter per batch took
 * 10,000 threads past any timeout; waking per freed slot made a lone
 * producer sleep and wake once per item). Timeout: the pump delivers its partial
 * batch every timeout_ms.
 *
 * A producer preempted between its claim and its store holds up delivery
 * (the consumer reads in order) but no other producer: they go on until
 * the window is full and then sleep, they never spin. But once the window
 * is full (a consumer task among many producers gets too little CPU to
 * keep it from filling), positions are handed on strictly in order: each
 * item waits for one given parked producer to be woken and scheduled, a
 * FIFO hand-off like a ticket lock's (at 10,000 threads on 2 CPUs, about
 * 10k items/s). So LAB_CAP_NO_OVERSUB, like the FIFO spinners. */
#include <errno.h>
#include <stdlib.h>

#include "common/pump.h"
#include "lab_batcher.h"

struct faar_slot {
    _Atomic uint32_t seq;     /* position mod 2^32: free for it, or + 1: holds it */
    _Atomic uint32_t waiters; /* producers parked on seq */
    uint64_t item;
};

struct faar_batcher {
    struct lab_pump pump;              /* first: lab_pump_flush/close */
    LAB_ALIGNED _Atomic uint64_t tail; /* the next position to claim */
    LAB_ALIGNED uint64_t head;         /* consumer: the next position to read */
    uint64_t mask, window, hyst;       /* hyst: a waiter wakes when this many are free */
    struct faar_slot *slots;
    LAB_ALIGNED _Atomic uint32_t parked; /* producers parked on their slot */
};

struct faar_tstate {
    size_t since_kick; /* first: lab_pump_flush */
};

/* The ring is full at our position: park until the consumer has freed the
   slot `hyst` positions on (so ours and the ones after it are free too, and
   a lone producer does not sleep and wake once per freed slot). The flag
   on that slot, then parked, then its sequence; the consumer frees slots,
   then reads parked with a read-modify-write: if that misses us, our
   increment comes after it and sees its stores; if not, our flag was set
   before our increment and it sees the flag and wakes that slot. */
static void faar_wait(struct faar_batcher *r, uint64_t pos)
{
    const uint64_t q = pos + r->hyst - 1;
    struct faar_slot *s = &r->slots[q & r->mask];
    atomic_fetch_add(&s->waiters, 1);
    atomic_fetch_add(&r->parked, 1);
    lab_pump_kick(&r->pump);
    for (uint32_t seq; (int32_t)((seq = atomic_load(&s->seq)) - (uint32_t)q) < 0;)
        lab_park(&s->seq, seq, 0);
    atomic_fetch_sub(&r->parked, 1);
    atomic_fetch_sub(&s->waiters, 1);
}

static int faar_add(void *self, void *tstate, uint64_t item)
{
    struct faar_batcher *r = self;
    struct faar_tstate *t = tstate;
    uint64_t pos = atomic_fetch_add_explicit(&r->tail, 1, memory_order_relaxed);
    struct faar_slot *s = &r->slots[pos & r->mask];
    if (__builtin_expect(atomic_load_explicit(&s->seq, memory_order_acquire) != (uint32_t)pos, 0))
        faar_wait(r, pos);
    s->item = item;
    atomic_store_explicit(&s->seq, (uint32_t)pos + 1, memory_order_release);
    lab_pump_count(&r->pump, &t->since_kick);
    return 0;
}

static size_t faar_take(void *q, uint64_t *out, size_t room)
{
    struct faar_batcher *r = q;
    const uint64_t first = r->head;
    size_t n = 0;
    for (; n < room; n++, r->head++) {
        struct faar_slot *s = &r->slots[r->head & r->mask];
        if (atomic_load_explicit(&s->seq, memory_order_acquire) != (uint32_t)(r->head + 1)) break;
        out[n] = s->item;
        uint64_t next = r->head + r->window; /* its slot's last item was read already */
        atomic_store_explicit(&r->slots[next & r->mask].seq, (uint32_t)next, memory_order_release);
    }
    if (n && atomic_fetch_add(&r->parked, 0)) /* wake whoever waits on a slot we freed */
        for (uint64_t p = first + r->window; p < first + r->window + n; p++) {
            struct faar_slot *s = &r->slots[p & r->mask];
            if (atomic_load_explicit(&s->waiters, memory_order_relaxed))
                lab_unpark(&s->seq, UINT32_MAX);
        }
    return n;
}

static void faar_destroy(void *self)
{
    struct faar_batcher *r = self;
    if (!r) return;
    lab_pump_free(&r->pump);
    free(r->slots);
    free(r);
}

static int faar_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    if (cfg->queue_size >= (1u << 30)) return -EINVAL; /* 32-bit sequence numbers */
    uint64_t size = 2; /* with one slot, "holds p" would read as "free for p + 1" */
    while (size < cfg->queue_size) size *= 2;
    struct faar_batcher *r = lab_calloc_aligned(sizeof *r);
    if (!r) return -ENOMEM;
    r->mask = size - 1;
    r->window = cfg->queue_size;
    r->hyst = r->window / 4 ? r->window / 4 : 1; /* at most the window: see faar_wait */
    r->slots = lab_calloc_aligned(size * sizeof *r->slots);
    int rc = r->slots ? 0 : -ENOMEM;
    /* slots past the window wait for the consumer to free them */
    for (uint64_t i = 0; rc == 0 && i < size; i++)
        atomic_init(&r->slots[i].seq, (uint32_t)(i < r->window ? i : i - size));
    if (rc == 0) rc = lab_pump_start(&r->pump, cfg, sink, faar_take, r, 0);
    if (rc) {
        free(r->slots);
        free(r);
        return rc;
    }
    *self = r;
    return 0;
}

const struct lab_batcher lab_batcher_faa_ring = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "faa_ring",
        .summary = "bounded ring, per-slot sequence numbers, positions by fetch-and-add; "
                   "a consumer task delivers batches; timeout, back-pressure; FIFO hand-off: "
                   "no oversub",
        .origin = "design: Vyukov bounded MPMC queue (2010) with FAA claims "
                  "(Morrison & Afek, LCRQ, PPoPP 2013)",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS
            | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct faar_tstate),
    },
    .create = faar_create,
    .add = faar_add,
    .flush = lab_pump_flush,
    .close = lab_pump_close,
    .destroy = faar_destroy,
};
