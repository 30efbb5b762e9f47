/* batcher/ideal: the no-sharing roofline. Each producer fills a buffer in its
 * own (harness-allocated, cache-line aligned) thread state; nothing shared is
 * touched per item. A full buffer is handed to the sink under a mutex, once
 * per batch, which keeps the sink single-consumer. No design that shares a
 * buffer between producers can beat this row. */
#include <errno.h>
#include <stdlib.h>

#include "lab_batcher.h"
#include "lab_prim.h"

struct ideal_batcher {
    struct lab_mutex mu;
    struct lab_sink sink;
    size_t batch;
};

struct ideal_tstate {
    size_t len;
    uint64_t *buf; /* batch_size items, allocated on the thread's first add */
};

static int ib_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct ideal_batcher *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->mu);
    b->sink = *sink;
    b->batch = cfg->batch_size;
    *self = b;
    return 0;
}

static void send(struct ideal_batcher *b, struct ideal_tstate *t)
{
    lab_mutex_lock(&b->mu);
    b->sink.deliver(b->sink.arg, t->buf, t->len);
    lab_mutex_unlock(&b->mu);
    t->len = 0;
}

static int ib_add(void *self, void *tstate, uint64_t item)
{
    struct ideal_batcher *b = self;
    struct ideal_tstate *t = tstate;
    if (__builtin_expect(!t->buf, 0)) {
        t->buf = malloc(b->batch * sizeof *t->buf);
        if (!t->buf) return -ENOMEM;
    }
    t->buf[t->len++] = item;
    if (t->len == b->batch) send(b, t);
    return 0;
}

static int ib_flush(void *self, void *tstate)
{
    struct ideal_tstate *t = tstate;
    if (t->len) send(self, t);
    free(t->buf);
    t->buf = NULL;
    return 0;
}

static int ib_close(void *self)
{
    (void)self;
    return 0;
}

static void ib_destroy(void *self)
{
    struct ideal_batcher *b = self;
    if (!b) return;
    lab_mutex_destroy(&b->mu);
    free(b);
}

const struct lab_batcher lab_batcher_ideal = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "ideal",
        .summary = "roofline: per-thread buffers, nothing shared per item",
        .origin = "roofline",
        .thread_state = sizeof(struct ideal_tstate),
    },
    .create = ib_create,
    .add = ib_add,
    .flush = ib_flush,
    .close = ib_close,
    .destroy = ib_destroy,
};
