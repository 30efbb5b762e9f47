#include "depot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static void depot_stage_out(struct lab_depot *d)
{
    if (!d->staged) return;
    d->sink.deliver(d->sink.arg, d->stage, d->staged);
    d->staged = 0;
}

/* Under deliver: delivers what b holds that no steal took, empties it and
   returns it to the pool. */
static void depot_deliver(struct lab_depot *d, struct lab_depot_buf *b)
{
    size_t len = atomic_load_explicit(&b->len, memory_order_acquire);
    if (len > b->taken) d->sink.deliver(d->sink.arg, b->items + b->taken, len - b->taken);
    b->taken = 0;
    atomic_store_explicit(&b->len, 0, memory_order_relaxed); /* the pool's lock publishes it */
    lab_chan_send(&d->pool, b->idx);
}

static void depot_drain(struct lab_depot *d)
{
    uint64_t i;
    while (lab_chan_try_recv(&d->full, &i) == 0) {
        atomic_fetch_sub(&d->queued, 1);
        depot_deliver(d, &d->bufs[i]);
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
    if (d->pool.ring) lab_chan_destroy(&d->pool);
    if (d->full.ring) lab_chan_destroy(&d->full);
    if (d->bufs)
        for (unsigned i = 0; i < d->n; i++) free(d->bufs[i].items);
    free(d->bufs);
    free(d->stage);
    d->bufs = NULL;
    d->stage = NULL;
}

int lab_depot_init(struct lab_depot *d, const struct lab_batcher_cfg *cfg,
                   const struct lab_sink *sink, unsigned wake_at)
{
    memset(d, 0, sizeof *d);
    d->sink = *sink;
    lab_mutex_init(&d->deliver);
    d->batch = cfg->batch_size;
    d->n = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    d->tick_ms = cfg->timeout_ms;
    d->wake_at = !d->tick_ms ? 1 : wake_at ? wake_at : d->n / 4 ? d->n / 4 : 1;
    d->bufs = lab_calloc_aligned(d->n * sizeof *d->bufs);
    d->stage = malloc(d->batch * sizeof *d->stage);
    int rc = d->bufs && d->stage ? 0 : -ENOMEM;
    for (unsigned i = 0; rc == 0 && i < d->n; i++) {
        d->bufs[i].idx = i;
        if (!(d->bufs[i].items = malloc(d->batch * sizeof(uint64_t)))) rc = -ENOMEM;
    }
    if (rc == 0 && (rc = lab_chan_init(&d->pool, d->n)) != 0) d->pool.ring = NULL;
    if (rc == 0 && (rc = lab_chan_init(&d->full, d->n)) != 0) d->full.ring = NULL;
    for (unsigned i = 0; rc == 0 && i < d->n; i++) lab_chan_send(&d->pool, i);
    if (rc == 0 && (rc = lab_spawn(depot_consumer, d, &d->consumer)) == 0) d->started = 1;
    if (rc) depot_free(d);
    return rc;
}

struct lab_depot_buf *lab_depot_tryget(struct lab_depot *d)
{
    uint64_t i;
    return lab_chan_try_recv(&d->pool, &i) == 0 ? &d->bufs[i] : NULL;
}

struct lab_depot_buf *lab_depot_get(struct lab_depot *d)
{
    struct lab_depot_buf *b = lab_depot_tryget(d);
    if (b) return b;
    if (lab_mutex_trylock(&d->deliver) == 0) { /* help rather than wait */
        depot_drain(d);
        lab_mutex_unlock(&d->deliver);
        if ((b = lab_depot_tryget(d)) != NULL) return b;
    }
    atomic_fetch_add(&d->wanted, 1);
    depot_wake(d); /* whatever is queued must come back now */
    uint64_t i = 0;
    lab_chan_recv(&d->pool, &i, 0); /* the pool is never closed */
    atomic_fetch_sub(&d->wanted, 1);
    return &d->bufs[i];
}

void lab_depot_put(struct lab_depot *d, struct lab_depot_buf *b)
{
    lab_chan_send(&d->full, b->idx); /* a slot per buffer: never blocks */
    unsigned q = atomic_fetch_add(&d->queued, 1) + 1;
    if (q >= d->wake_at || atomic_load(&d->wanted)) depot_wake(d);
}

void lab_depot_unget(struct lab_depot *d, struct lab_depot_buf *b)
{
    lab_chan_send(&d->pool, b->idx);
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

void lab_depot_destroy(struct lab_depot *d)
{
    lab_depot_close(d);
    depot_free(d);
}
