/* The consumer task of the batchers that queue single items (batcher/wfcq,
 * batcher/ck_ring, batcher/faa_ring): it takes items from the variant's
 * queue through a callback, delivers them in batches of batch_size, the
 * partial batch every timeout_ms (the timeout) and at stop, and sleeps
 * when there is nothing to take.
 *
 * Waking it costs a futex wake, so producers do not wake it per item: each
 * calls lab_pump_kick() after every `kick_every` items of its own (and when
 * it waits for room), and the tick bounds how long fewer items wait. The
 * sleep is race-free: the consumer sets sleeping = 1 with an exchange and
 * looks at the queue once more; a producer makes its item visible, then
 * reads sleeping with a read-modify-write (each a full barrier; gcc's TSan
 * does not support atomic_thread_fence). Producers that find a bounded queue full park with
 * lab_pump_wait_room() until the consumer has taken items.
 * Everything blocks through lib/lab_prim.h. */
#ifndef LAB_PUMP_H
#define LAB_PUMP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_batcher.h"
#include "lab_util.h"

/* Moves up to room items into out; returns how many. Consumer only. */
typedef size_t (*lab_pump_take_fn)(void *q, uint64_t *out, size_t room);

struct lab_pump {
    struct lab_sink sink;
    size_t batch, staged, kick_every;
    uint64_t *stage;
    unsigned tick_ms;
    lab_pump_take_fn take;
    void *q;
    LAB_ALIGNED _Atomic uint32_t sleeping; /* the consumer parks here while 1 */
    _Atomic uint32_t stop;
    LAB_ALIGNED _Atomic uint32_t room_waiters; /* producers parked for room */
    _Atomic uint32_t room_seq;                 /* ... here; bumped after a take */
    struct lab_task_handle task;
    int started;
};

/* Starts the consumer over queue q. kick_every: items per producer between
   kicks, 0 for a default (a quarter of queue_size / nthreads, at least 1:
   with many threads each adds few items, and a kick it never reaches
   would leave the consumer to the tick). 0 or -errno; on failure nothing is left allocated or running. */
int lab_pump_start(struct lab_pump *p, const struct lab_batcher_cfg *cfg,
                   const struct lab_sink *sink, lab_pump_take_fn take, void *q, size_t kick_every);
/* Producer, after its item is visible in the queue: wakes the consumer if
   it sleeps. */
void lab_pump_kick(struct lab_pump *p);
/* Producer, counting its own items: kicks every kick_every of them. */
static inline void lab_pump_count(struct lab_pump *p, size_t *since)
{
    if (++*since >= p->kick_every) {
        *since = 0;
        lab_pump_kick(p);
    }
}
/* Producer that found a bounded queue full: calls again(ctx) until it
   returns 0 (its item went in), kicking the consumer and parking between
   tries until the consumer has taken something. */
void lab_pump_wait_room(struct lab_pump *p, int (*again)(void *ctx), void *ctx);
/* flush() and close() for a variant whose self begins with its struct
   lab_pump and whose thread state begins with the size_t that it passes to
   lab_pump_count: flush kicks for the items counted since the last kick. */
int lab_pump_flush(void *self, void *tstate);
int lab_pump_close(void *self);
/* After every producer is done: takes and delivers everything, joins.
   Idempotent. */
int lab_pump_stop(struct lab_pump *p);
void lab_pump_free(struct lab_pump *p);

#endif
