#include "pump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void pump_out(struct lab_pump *p)
{
    if (!p->staged) return;
    p->sink.deliver(p->sink.arg, p->stage, p->staged);
    p->staged = 0;
}

/* After a take of k items: wakes as many producers waiting for room
   (before a delivery, which may block). Waking them all would, at 10,000
   threads, be 10,000 context switches per batch. Each woken one that
   enqueues leads to another take, so waiters are never all left asleep
   with the queue empty. */
static void pump_room(struct lab_pump *p, size_t k)
{
    /* what we took, then the waiters: a read-modify-write reads the latest
       value and orders like a fence (gcc's TSan rejects thread fences) */
    if (atomic_fetch_add(&p->room_waiters, 0)) {
        atomic_fetch_add(&p->room_seq, 1);
        lab_unpark(&p->room_seq, k < UINT32_MAX ? (uint32_t)k : UINT32_MAX);
    }
}

/* Takes what the queue has, delivering every full batch; how many. */
static size_t pump_take_all(struct lab_pump *p)
{
    size_t got = 0, k;
    while ((k = p->take(p->q, p->stage + p->staged, p->batch - p->staged)) > 0) {
        got += k;
        p->staged += k;
        pump_room(p, k);
        if (p->staged == p->batch) pump_out(p);
    }
    return got;
}

static void *pump_consumer(void *arg)
{
    struct lab_pump *p = arg;
    const uint64_t period = (uint64_t)p->tick_ms * 1000000u;
    uint64_t next = period ? lab_now_ns() + period : 0;
    for (;;) {
        int stop = (int)atomic_load(&p->stop); /* before the take: it sees every add */
        size_t got = pump_take_all(p);
        if (stop) break;
        if (period) {
            uint64_t now = lab_now_ns();
            if (now >= next) {
                pump_out(p); /* the timeout: the partial batch */
                next = next + period > now ? next + period : now + period;
            }
        }
        if (got) continue;
        atomic_exchange(&p->sleeping, 1); /* an RMW, then look at the queue */
        if (!pump_take_all(p) && !atomic_load(&p->stop)) lab_park(&p->sleeping, 1, next);
        atomic_store(&p->sleeping, 0);
    }
    pump_out(p);
    return NULL;
}

int lab_pump_start(struct lab_pump *p, const struct lab_batcher_cfg *cfg,
                   const struct lab_sink *sink, lab_pump_take_fn take, void *q, size_t kick_every)
{
    memset(p, 0, sizeof *p);
    p->sink = *sink;
    p->batch = cfg->batch_size;
    p->tick_ms = cfg->timeout_ms;
    p->take = take;
    p->q = q;
    if (!kick_every) kick_every = cfg->queue_size / 4 / (cfg->nthreads ? cfg->nthreads : 1);
    p->kick_every = kick_every ? kick_every : 1;
    if (!(p->stage = malloc(p->batch * sizeof *p->stage))) return -ENOMEM;
    int rc = lab_spawn(pump_consumer, p, &p->task);
    if (rc) {
        lab_pump_free(p);
        return rc;
    }
    p->started = 1;
    return 0;
}

void lab_pump_kick(struct lab_pump *p)
{
    /* our item, then sleeping, read by an RMW: the latest value, ordered */
    if (atomic_fetch_add(&p->sleeping, 0) && atomic_exchange(&p->sleeping, 0))
        lab_unpark(&p->sleeping, 1);
}

/* waiters, then the sequence, then another try; the consumer takes, then
   fences and reads waiters, then bumps the sequence: either the try finds
   room or the park sees the sequence move. */
void lab_pump_wait_room(struct lab_pump *p, int (*again)(void *ctx), void *ctx)
{
    atomic_fetch_add(&p->room_waiters, 1);
    for (;;) {
        uint32_t seq = atomic_load(&p->room_seq);
        if (again(ctx) == 0) break;
        lab_pump_kick(p);
        lab_park(&p->room_seq, seq, 0);
    }
    atomic_fetch_sub(&p->room_waiters, 1);
}

int lab_pump_flush(void *self, void *tstate)
{
    size_t *since = tstate;
    if (*since) lab_pump_kick(self); /* the tick would deliver them too */
    *since = 0;
    return 0;
}

int lab_pump_close(void *self) { return lab_pump_stop(self); }

int lab_pump_stop(struct lab_pump *p)
{
    if (!p->started) return 0;
    atomic_store(&p->stop, 1);
    atomic_store(&p->sleeping, 0);
    lab_unpark(&p->sleeping, 1);
    int rc = lab_join(&p->task);
    p->started = 0;
    return rc;
}

void lab_pump_free(struct lab_pump *p)
{
    lab_pump_stop(p);
    free(p->stage);
    p->stage = NULL;
}
