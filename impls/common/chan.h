/* A bounded blocking queue of 64-bit values built the way Go's runtime
 * builds a buffered channel (runtime/chan.go): one lock, a ring buffer, a
 * FIFO of parked senders (sendq) and close(). As in Go, a receiver that
 * takes from a full buffer completes the first parked sender's send itself
 * (moves its value into the buffer and wakes it), so a sender never has to
 * run again to finish. Receivers park on a condition variable.
 * Built on the lab's primitives (lib/lab_prim.h): under the threads runner
 * they are the futex calls this file used to make itself; under a fiber
 * runner a full or empty channel parks the fiber, not its carrier.
 * Used by batcher/channel (items), batcher/hybrid (buffer hand-off,
 * "pushChan"/"pullChan") and store/channel (requests). */
#ifndef LAB_CHAN_H
#define LAB_CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
/* Blocks while empty, until *deadline (CLOCK_MONOTONIC) if not NULL.
   0, -ETIMEDOUT, or -EPIPE when closed and drained. */
int  lab_chan_recv(struct lab_chan *c, uint64_t *v, const struct timespec *deadline);
/* Non-blocking: 0 or -EAGAIN (or -EPIPE when closed and drained). */
int  lab_chan_try_recv(struct lab_chan *c, uint64_t *v);
/* Wakes every receiver; parked and later senders get -EPIPE. */
void lab_chan_close(struct lab_chan *c);

#endif
