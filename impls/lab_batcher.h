/* lab_batcher.h: the batcher family's interface (see lab.h for the conventions). */
#ifndef LAB_BATCHER_H
#define LAB_BATCHER_H

#include "lab.h"

/* Family: batcher. Many producers add() items; one consumer (the sink)
 * receives them in batches of at most batch_size. Every item added is
 * delivered exactly once by the time close() returns. The sink is never
 * called concurrently with itself (the variant serialises deliveries). */

struct lab_batcher_cfg {
    size_t batch_size;   /* items per batch, >= 1 */
    size_t queue_size;   /* n-buffering: 1 + queue/batch buffers; a positive
                              multiple of batch_size */
    unsigned timeout_ms; /* flush timeout for LAB_CAP_TIMEOUT variants; 0 = none */
    unsigned nthreads;   /* producer threads that will call add() (a hint) */
    size_t pad;          /* bytes of padding between hot fields (lockfree) */
};

struct lab_sink {
    void (*deliver)(void *arg, const uint64_t *items, size_t n);
    void *arg;
};

struct lab_batcher {
    struct lab_impl base;
    int (*create)(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self);
    /* tstate: this thread's state (base.thread_state bytes) or NULL if 0. */
    int (*add)(void *self, void *tstate, uint64_t item);
    /* Called once by each producer thread when it is done adding: hands over
       whatever that thread still holds. */
    int (*flush)(void *self, void *tstate);
    /* Delivers everything still pending and joins the variant's threads. */
    int (*close)(void *self);
    void (*destroy)(void *self);
};

/* Returns NULL when cfg is valid, else a one-line reason. */
const char *lab_batcher_cfg_error(const struct lab_batcher_cfg *cfg);

#endif
