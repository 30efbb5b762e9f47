/* lab_counter.h: the counter family. N workers each repeat one operation on
 * one shared count through one primitive: the snail seed's TheoreticalLimit
 * microbenchmarks (snail_batcher_impl_perf_compar_test.go), where each of
 * 10,000 goroutines does `lock; counter += 1; unlock` (or sends an empty
 * struct into a channel read by one counting goroutine, or counter.Add(1)).
 *
 * Contract: inc() adds exactly one to the count. Each worker calls flush()
 * once when it is done (handing over anything it holds locally); after
 * every worker has flushed, close() stops the variant's own tasks and
 * returns the exact total in *total. */
#ifndef LAB_COUNTER_H
#define LAB_COUNTER_H

#include "lab.h"

struct lab_counter_cfg {
    unsigned nthreads; /* workers that will call inc() (a hint) */
    size_t capacity;   /* buffered capacity for channel-like variants
                              (the seed's channel test: 100,000) */
};

struct lab_counter {
    struct lab_impl base;
    int (*create)(const struct lab_counter_cfg *cfg, void **self);
    /* tstate: this worker's state (base.thread_state bytes, zeroed, cache-line
       aligned) or NULL if 0. */
    int (*inc)(void *self, void *tstate);
    int (*flush)(void *self, void *tstate);
    int (*close)(void *self, uint64_t *total);
    void (*destroy)(void *self);
};

#endif
