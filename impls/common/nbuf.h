/* The n pre-allocated buffers of snail's hybrid batcher and the two channels
 * that move them (snail_batcher.go: pushChan, pullChan), with the worker's
 * side of the hand-off. A buffer is named by its index; at any moment it is
 * in exactly one place: the pull channel (free), a producer's hands (the
 * current back buffer), the push channel (full, queued), or the worker's
 * (being delivered). Both channels have a slot per buffer, so sending a
 * buffer never blocks. The lock discipline around the current back buffer
 * is the variant's own (batcher/hybrid; the test-only hybrid_v0). */
#ifndef LAB_NBUF_H
#define LAB_NBUF_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "lab_batcher.h"

struct lab_nbuf_buf {
    uint64_t *items; /* batch_size slots */
    size_t len;      /* written by whoever holds the buffer */
};

struct lab_nbuf {
    struct lab_chan push, pull;
    struct lab_nbuf_buf *bufs;
    unsigned n; /* 1 + queue_size / batch_size */
    size_t batch;
    struct lab_sink sink;
};

/* Allocates the buffers and channels and puts buffers [held, n) into the
   pull channel (the first `held` are the caller's to start with). cfg and
   sink must be valid. 0 or -ENOMEM; on failure nothing is left allocated. */
int lab_nbuf_init(struct lab_nbuf *q, const struct lab_batcher_cfg *cfg,
                  const struct lab_sink *sink, unsigned held);
void lab_nbuf_destroy(struct lab_nbuf *q);
/* Worker side: delivers full buffer i, empties it (`batch = batch[:0]`) and
   returns it to the pull channel. */
void lab_nbuf_deliver(struct lab_nbuf *q, unsigned i);
/* The worker loop (snail's workerLoop without its ticker): delivers every
   buffer pushed until the push channel is closed and drained. arg: the
   struct lab_nbuf. */
void *lab_nbuf_worker(void *arg);

#endif
