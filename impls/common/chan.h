/* A bounded blocking queue of 64-bit values built the way Go's runtime
 * builds a buffered channel (runtime/chan.go): one lock, a ring buffer, a
 * FIFO of parked senders (sendq), a FIFO of parked receivers (recvq) and
 * close(). As in Go, a receiver that takes from a full buffer completes the
 * first parked sender's send itself (moves its value into the buffer and
 * wakes it), and a sender that finds a parked receiver hands it the value
 * directly (the buffer is then empty) and wakes it: each side is woken once,
 * by the one who completed its operation, and never has to run again to
 * finish it. Everything blocks through the lab's primitives
 * (lib/lab_prim.h): the lock is a lab_mutex, a parked sender or receiver
 * sleeps in lab_park on a word of its own, so a channel parks fibers, not
 * their carriers.
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
    uint64_t *ring;
    size_t cap, head, len;
    int closed;
    struct lab_chan_waiter *sendq, *sendq_tail; /* only while the ring is full */
    struct lab_chan_waiter *recvq, *recvq_tail; /* only while the ring is empty */
};

int lab_chan_init(struct lab_chan *c, size_t cap);
void lab_chan_destroy(struct lab_chan *c);
/* Blocks while full. -EPIPE once closed. */
int lab_chan_send(struct lab_chan *c, uint64_t v);
/* Blocks while empty, until deadline_ns (lab_now_ns() clock; 0 = none).
   0, -ETIMEDOUT, or -EPIPE when closed and drained. */
int lab_chan_recv(struct lab_chan *c, uint64_t *v, uint64_t deadline_ns);
/* Non-blocking: 0 or -EAGAIN (or -EPIPE when closed and drained). */
int lab_chan_try_recv(struct lab_chan *c, uint64_t *v);
/* Wakes every receiver; parked and later senders get -EPIPE. */
void lab_chan_close(struct lab_chan *c);

#endif
