/* A bounded blocking queue of 64-bit values built the way Go's runtime
 * builds a buffered channel (runtime/chan.go): one lock, a ring buffer, a
 * FIFO of parked senders (sendq) and close(). As in Go, a receiver that
 * takes from a full buffer completes the first parked sender's send itself
 * (moves its value into the buffer and wakes it), so a sender never has to
 * run again to finish. Receivers park on a condition variable.
 * Everything blocks through the lab's primitives (lib/lab_prim.h): the lock
 * is a lab_mutex, receivers wait on a lab_cond, a parked sender sleeps in
 * lab_park on its own word, so a channel parks fibers, not their carriers.
 * Used by batcher/channel (items), batcher/hybrid (buffer hand-off,
 * "pushChan"/"pullChan") and store/channel (requests). */
#ifndef LAB_CHAN_H
#define LAB_CHAN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_prim.h"

struct lab_chan_waiter;

struct lab_chan {
    struct lab_mutex mu;
    struct lab_cond not_empty;
    uint64_t *ring;
    size_t cap, head, len;
    unsigned recv_waiting;
    int closed;
    struct lab_chan_waiter *sendq, *sendq_tail;
};

int  lab_chan_init(struct lab_chan *c, size_t cap);
void lab_chan_destroy(struct lab_chan *c);
/* Blocks while full. -EPIPE once closed. */
int  lab_chan_send(struct lab_chan *c, uint64_t v);
/* Blocks while empty, until deadline_ns (lab_now_ns() clock; 0 = none).
   0, -ETIMEDOUT, or -EPIPE when closed and drained. */
int  lab_chan_recv(struct lab_chan *c, uint64_t *v, uint64_t deadline_ns);
/* Non-blocking: 0 or -EAGAIN (or -EPIPE when closed and drained). */
int  lab_chan_try_recv(struct lab_chan *c, uint64_t *v);
/* Wakes every receiver; parked and later senders get -EPIPE. */
void lab_chan_close(struct lab_chan *c);

#endif
