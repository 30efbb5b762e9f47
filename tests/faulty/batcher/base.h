/* What the faulty batchers share: the mutex batcher's frame (one lock, one
 * buffer of batch_size items, delivered inline when full, the rest by
 * close()), so that each tests/faulty/batcher/faulty_<fault>.c differs from
 * a correct variant by its one fault. A file that includes this is a
 * drop-in variant once this header is pasted in its place. */
#ifndef FAULTY_BATCHER_BASE_H
#define FAULTY_BATCHER_BASE_H

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lab_batcher.h"

struct fb {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lab_sink sink;
    size_t batch, len;
    uint64_t seen; /* add() calls so far */
    uint64_t *buf;
};

static inline int fb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *s,
                            void **self)
{
    if (lab_batcher_cfg_error(cfg) || !s || !s->deliver) return -EINVAL;
    struct fb *b = calloc(1, sizeof *b);
    if (!b || !(b->buf = malloc(cfg->batch_size * sizeof *b->buf))) {
        free(b);
        return -ENOMEM;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->sink = *s;
    b->batch = cfg->batch_size;
    *self = b;
    return 0;
}

/* Appends item, delivering the buffer when it is full (b->mu held). */
static inline void fb_push(struct fb *b, uint64_t item)
{
    b->buf[b->len++] = item;
    if (b->len == b->batch) {
        b->sink.deliver(b->sink.arg, b->buf, b->len);
        b->len = 0;
    }
}

/* The correct add(), for the variants whose fault lies elsewhere. */
static inline int fb_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    fb_push(b, item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

static inline int fb_flush(void *self, void *ts)
{
    (void)self;
    (void)ts;
    return 0;
}

static inline int fb_close(void *self)
{
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    if (b->len) b->sink.deliver(b->sink.arg, b->buf, b->len);
    b->len = 0;
    pthread_mutex_unlock(&b->mu);
    return 0;
}

static inline void fb_destroy(void *self)
{
    struct fb *b = self;
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->buf);
    free(b);
}

#define FB_VARIANT(stem, what, add_fn, close_fn, destroy_fn) \
    const struct lab_batcher lab_batcher_##stem = {          \
        .base = { .abi = LAB_ABI_VERSION,                    \
                  .family = "batcher",                       \
                  .name = #stem,                             \
                  .summary = "TEST ONLY: " what,             \
                  .origin = "test:faulty" },                 \
        .create = fb_create,                                 \
        .add = add_fn,                                       \
        .flush = fb_flush,                                   \
        .close = close_fn,                                   \
        .destroy = destroy_fn,                               \
    }

#endif
