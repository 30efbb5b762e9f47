/* A depot of whole buffers between producers and one consumer task, with
 * the hybrid's two guarantees (batcher/perthread, batcher/percpu,
 * batcher/flat_combining build on it).
 *
 * There are n = 1 + queue/batch buffers of batch_size items. Each is, at any
 * moment, in exactly one place: the pool (free), a holder's hands (a
 * producer, a per-CPU slot, a combiner: whoever appends to it), the full
 * queue (handed over), or the consumer's (being delivered). That is the
 * back-pressure: a holder that needs a buffer when the pool is empty parks
 * (lab_depot_get) until the consumer returns one, so at most n * batch items
 * are ever accepted and undelivered. As in snail's hybrid the pull is lazy:
 * the add() that fills a buffer hands it over and returns; the next add()
 * takes a buffer.
 *
 * The pool and the full queue are bitmaps of buffer indices (claimed with
 * compare-and-swap, released with fetch-or), so no producer ever waits for
 * a lock to hand a buffer over or take one: on an oversubscribed machine a
 * lock holder preempted there would stall everyone behind it.
 *
 * The timeout: every timeout_ms the consumer also takes, from every buffer,
 * the items appended since it last looked (a steal), so that an item in a
 * buffer nobody fills any more is delivered within a tick. This works
 * without locking out the holder because each buffer is a single-producer,
 * single-consumer log: the holder writes items[len] and then publishes len
 * with a release store; the consumer reads len with an acquire load and
 * delivers items [taken, len), where `taken` is the consumer's own
 * bookkeeping. Only the consumer empties a buffer (after it came back
 * through the full queue), so appends and steals never touch the same slot.
 * A stale steal (of a buffer that meanwhile went round) is harmless: it
 * reads the state of whatever holder has it now.
 *
 * Helping: a producer that needs a buffer when the pool is empty first
 * tries the delivery lock and, if it gets it, delivers the queued buffers
 * itself (a helping step in the manner of combining), and parks only when
 * that frees nothing or someone else is delivering. A consumer task starved
 * of CPU by many producers then stops being the bottleneck. The sink is
 * called under the delivery lock only, so never concurrently with itself;
 * an add() that fills the last free buffer still returns at once.
 *
 * Waking the consumer: a producer that hands a buffer over wakes the
 * consumer only once wake_at buffers are queued (or someone waits for a
 * buffer); the tick bounds how long a queued buffer waits. This amortises
 * one futex wake over wake_at batches instead of paying it per batch, as
 * snail's hybrid does. With no timeout, wake_at is 1 (no tick to bound the
 * wait). All blocking goes through lib/lab_prim.h (producers park on
 * the pool's sequence word, the consumer on a word of its own). */
#ifndef LAB_DEPOT_H
#define LAB_DEPOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_batcher.h"
#include "lab_prim.h"
#include "lab_util.h"

struct lab_depot_buf {
    LAB_ALIGNED _Atomic size_t len; /* written only by the holder (release) */
    size_t taken;                   /* under deliver: items delivered by steals */
    uint64_t *items;                /* batch_size slots */
    unsigned idx;
};

struct lab_depot {
    struct lab_depot_buf *bufs;
    unsigned n, words, wake_at, tick_ms;
    size_t batch;
    _Atomic uint64_t *free_bits, *full_bits; /* a bit per buffer: in the pool, queued */
    struct lab_mutex deliver;                /* whoever calls the sink holds it */
    struct lab_sink sink;
    uint64_t *stage; /* under deliver: stolen items, delivered by the batch */
    size_t staged;
    LAB_ALIGNED _Atomic unsigned queued;   /* buffers in the full queue */
    LAB_ALIGNED _Atomic uint32_t wanted;   /* producers parked for a free buffer */
    _Atomic uint32_t pool_seq;             /* ... park here; bumped when buffers come back */
    LAB_ALIGNED _Atomic uint32_t sleeping; /* the consumer parks here while 1 */
    _Atomic uint32_t stop;
    struct lab_task_handle consumer;
    int started;
};

/* The depot's parameter ("wake"), for the variants built on it to declare. */
extern const struct lab_param lab_depot_params[];

/* Allocates the buffers (all in the pool) and starts the consumer task.
   wake_at: queued buffers that wake the consumer, 0 for the default (a
   quarter of the buffers; 1 without a timeout). cfg and sink must be valid.
   0 or -errno; on failure nothing is left allocated or running. */
int lab_depot_init(struct lab_depot *d, const struct lab_batcher_cfg *cfg,
                   const struct lab_sink *sink, unsigned wake_at);
/* A free buffer: parks until the consumer returns one when none is free. */
struct lab_depot_buf *lab_depot_get(struct lab_depot *d);
/* A free buffer, or NULL at once when none is. */
struct lab_depot_buf *lab_depot_tryget(struct lab_depot *d);
/* Hands a buffer over (full, or partial by a flush). Never blocks. */
void lab_depot_put(struct lab_depot *d, struct lab_depot_buf *b);
/* Gives back a buffer taken but never written to. */
void lab_depot_unget(struct lab_depot *d, struct lab_depot_buf *b);
/* Appends one item to a buffer the caller holds; 1 when it is now full. */
static inline int lab_depot_append(const struct lab_depot *d, struct lab_depot_buf *b,
                                   uint64_t item)
{
    size_t len = atomic_load_explicit(&b->len, memory_order_relaxed);
    /* the consumer read this buffer last, on another CPU: ask for the line
       4 lines ahead now (lab_depot_tryget asked for the first ones), so that
       the stores (and percpu's locked instruction after them) do not wait
       out a miss per line */
    __builtin_prefetch(&b->items[len + 32], 1);
    b->items[len] = item;
    atomic_store_explicit(&b->len, len + 1, memory_order_release);
    return len + 1 == d->batch;
}
/* After every producer is done: the consumer delivers what is queued and
   what any buffer still holds, then returns. Idempotent. */
int lab_depot_close(struct lab_depot *d);
/* close() for a variant whose self begins with its struct lab_depot, and
   flush() for one whose threads hold nothing of their own. */
int lab_depot_vclose(void *self);
int lab_depot_flush_none(void *self, void *tstate);
/* Closes, then frees. */
void lab_depot_destroy(struct lab_depot *d);

#endif
