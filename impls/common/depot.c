#include "depot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEPOT_YIELDS 4 /* tries, with a yield between, before a producer parks */

const struct lab_param lab_depot_params[] = {
    { "wake", "queued buffers that wake the consumer (0: a quarter of them)", 0, 0, 65536, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

/* Wakes the consumer if it sleeps. The caller has just changed what the
   consumer looks at before it sleeps (queued, wanted, stop) with a seq_cst
   operation; the consumer stores sleeping = 1 (seq_cst) before it looks:
   so either it sees the change or we see it asleep. */
static void depot_wake(struct lab_depot *d)
{
    if (atomic_load(&d->sleeping) && atomic_exchange(&d->sleeping, 0)) lab_unpark(&d->sleeping, 1);
}

static void depot_set(_Atomic uint64_t *bits, unsigned i)
{
    atomic_fetch_or(&bits[i / 64], UINT64_C(1) << (i % 64));
}

static void depot_stage_out(struct lab_depot *d)
{
    if (!d->staged) return;
    d->sink.deliver(d->sink.arg, d->stage, d->staged);
    d->staged = 0;
}

/* Under deliver: delivers what b holds that no steal took and empties it. */
static void depot_deliver(struct lab_depot *d, struct lab_depot_buf *b)
{
    size_t len = atomic_load_explicit(&b->len, memory_order_acquire);
    if (len > b->taken) d->sink.deliver(d->sink.arg, b->items + b->taken, len - b->taken);
    b->taken = 0;
    atomic_store_explicit(&b->len, 0, memory_order_relaxed); /* the pool's fetch_or publishes it */
}

/* Under deliver: every queued buffer, delivered and returned to the pool;
   then the producers parked for one are woken. */
static void depot_drain(struct lab_depot *d)
{
    unsigned got = 0;
    for (unsigned w = 0; w < d->words; w++) {
        if (!atomic_load_explicit(&d->full_bits[w], memory_order_relaxed)) continue;
        uint64_t bits = atomic_exchange(&d->full_bits[w], 0);
        for (; bits; bits &= bits - 1, got++) {
            unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);
            depot_deliver(d, &d->bufs[i]);
            depot_set(d->free_bits, i);
        }
    }
    if (!got) return;
    atomic_fetch_sub(&d->queued, got);
    if (atomic_load(&d->wanted)) {
        atomic_fetch_add(&d->pool_seq, 1);
        lab_unpark(&d->pool_seq, UINT32_MAX);
    }
}

/* Under deliver, every tick: the items appended to any buffer since it last
   looked, in batches of at most batch_size. */
static void depot_steal(struct lab_depot *d)
{
    for (unsigned i = 0; i < d->n; i++) {
        struct lab_depot_buf *b = &d->bufs[i];
        size_t len = atomic_load_explicit(&b->len, memory_order_acquire);
        while (b->taken < len) {
            size_t k = len - b->taken, room = d->batch - d->staged;
            if (k > room) k = room;
            memcpy(d->stage + d->staged, b->items + b->taken, k * sizeof *d->stage);
            d->staged += k;
            b->taken += k;
            if (d->staged == d->batch) depot_stage_out(d);
        }
    }
    depot_stage_out(d);
}

static int depot_should_run(struct lab_depot *d)
{
    unsigned q = atomic_load(&d->queued);
    return q >= d->wake_at || (q && atomic_load(&d->wanted)) || atomic_load(&d->stop);
}

static void *depot_consumer(void *arg)
{
    struct lab_depot *d = arg;
    const uint64_t period = (uint64_t)d->tick_ms * 1000000u;
    uint64_t next = period ? lab_now_ns() + period : 0;
    for (;;) {
        int stop = (int)atomic_load(&d->stop); /* before the drain: it sees every put */
        lab_mutex_lock(&d->deliver);
        depot_drain(d);
        uint64_t now = period && !stop ? lab_now_ns() : 0;
        if (stop || (period && now >= next)) depot_steal(d); /* at the end: what holders keep */
        lab_mutex_unlock(&d->deliver);
        if (stop) break;
        if (period && now >= next) next = next + period > now ? next + period : now + period;
        atomic_store(&d->sleeping, 1);
        if (!depot_should_run(d)) lab_park(&d->sleeping, 1, next);
        atomic_store(&d->sleeping, 0);
    }
    return NULL;
}

static void depot_free(struct lab_depot *d)
{
    if (d->bufs)
        for (unsigned i = 0; i < d->n; i++) free(d->bufs[i].items);
    free(d->bufs);
    free(d->stage);
    free(d->free_bits);
    free(d->full_bits);
    d->bufs = NULL;
    d->stage = NULL;
    d->free_bits = d->full_bits = NULL;
}

int lab_depot_init(struct lab_depot *d, const struct lab_batcher_cfg *cfg,
                   const struct lab_sink *sink, unsigned wake_at)
{
    memset(d, 0, sizeof *d);
    d->sink = *sink;
    lab_mutex_init(&d->deliver);
    d->batch = cfg->batch_size;
    d->n = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    d->words = (d->n + 63) / 64;
    d->tick_ms = cfg->timeout_ms;
    d->wake_at = !d->tick_ms ? 1 : wake_at ? wake_at : d->n / 4 ? d->n / 4 : 1;
    d->bufs = lab_calloc_aligned(d->n * sizeof *d->bufs);
    d->stage = malloc(d->batch * sizeof *d->stage);
    d->free_bits = lab_calloc_aligned(d->words * sizeof *d->free_bits);
    d->full_bits = lab_calloc_aligned(d->words * sizeof *d->full_bits);
    int rc = d->bufs && d->stage && d->free_bits && d->full_bits ? 0 : -ENOMEM;
    for (unsigned i = 0; rc == 0 && i < d->n; i++) {
        d->bufs[i].idx = i;
        if (!(d->bufs[i].items = malloc(d->batch * sizeof(uint64_t)))) rc = -ENOMEM;
        depot_set(d->free_bits, i);
    }
    if (rc == 0 && (rc = lab_spawn(depot_consumer, d, &d->consumer)) == 0) d->started = 1;
    if (rc) depot_free(d);
    return rc;
}

struct lab_depot_buf *lab_depot_tryget(struct lab_depot *d)
{
    for (unsigned w = 0; w < d->words; w++) {
        uint64_t bits = atomic_load(&d->free_bits[w]); /* seq_cst: see lab_depot_get */
        while (bits) {
            uint64_t low = bits & -bits;
            if (atomic_compare_exchange_weak_explicit(&d->free_bits[w], &bits, bits & ~low,
                                                      memory_order_acquire, memory_order_relaxed)) {
                struct lab_depot_buf *b = &d->bufs[w * 64 + (unsigned)__builtin_ctzll(low)];
                for (size_t i = 0; i < d->batch && i < 32; i += 8)
                    __builtin_prefetch(&b->items[i], 1);
                return b;
            }
        }
    }
    return NULL;
}

/* Delivers the queued buffers itself if nobody else is: 1 if it did. */
static int depot_help(struct lab_depot *d)
{
    if (!atomic_load(&d->queued) || lab_mutex_trylock(&d->deliver) != 0) return 0;
    depot_drain(d);
    lab_mutex_unlock(&d->deliver);
    return 1;
}

struct lab_depot_buf *lab_depot_get(struct lab_depot *d)
{
    struct lab_depot_buf *b;
    for (int k = 0; k < DEPOT_YIELDS; k++) {
        if ((b = lab_depot_tryget(d)) != NULL) return b;
        if (!depot_help(d)) lab_yield();
    }
    /* Parking: wanted, then the sequence, then a last look, all seq_cst;
       whoever returns buffers sets their bits, then reads wanted and bumps
       the sequence. So either the look finds a buffer or the park sees the
       sequence move. */
    atomic_fetch_add(&d->wanted, 1);
    depot_wake(d); /* whatever is queued must come back now */
    for (;;) {
        uint32_t seq = atomic_load(&d->pool_seq);
        if ((b = lab_depot_tryget(d)) != NULL) break;
        if (!depot_help(d)) lab_park(&d->pool_seq, seq, 0);
    }
    atomic_fetch_sub(&d->wanted, 1);
    return b;
}

void lab_depot_put(struct lab_depot *d, struct lab_depot_buf *b)
{
    unsigned q = atomic_fetch_add(&d->queued, 1) + 1; /* first: never below the bits */
    depot_set(d->full_bits, b->idx);
    if (q >= d->wake_at || atomic_load(&d->wanted)) depot_wake(d);
}

void lab_depot_unget(struct lab_depot *d, struct lab_depot_buf *b)
{
    depot_set(d->free_bits, b->idx);
    if (atomic_load(&d->wanted)) {
        atomic_fetch_add(&d->pool_seq, 1);
        lab_unpark(&d->pool_seq, UINT32_MAX);
    }
}

int lab_depot_close(struct lab_depot *d)
{
    if (!d->started) return 0;
    atomic_store(&d->stop, 1);
    atomic_store(&d->sleeping, 0);
    lab_unpark(&d->sleeping, 1);
    int rc = lab_join(&d->consumer);
    d->started = 0;
    return rc;
}

int lab_depot_vclose(void *self) { return lab_depot_close(self); }

int lab_depot_flush_none(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

void lab_depot_destroy(struct lab_depot *d)
{
    lab_depot_close(d);
    depot_free(d);
}
