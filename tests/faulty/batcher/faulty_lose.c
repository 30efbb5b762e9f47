/* TEST ONLY: the mutex batcher's design, but it drops the 500th item.
 * Proves the exactly-once check catches one lost item. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lab_batcher.h"

struct lose {
    pthread_mutex_t mu;
    struct lab_sink sink;
    size_t batch, len;
    uint64_t seen, *buf;
};

static int l_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *s, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !s || !s->deliver) return -EINVAL;
    struct lose *l = calloc(1, sizeof *l);
    if (!l || !(l->buf = malloc(cfg->batch_size * sizeof *l->buf))) {
        free(l);
        return -ENOMEM;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->sink = *s;
    l->batch = cfg->batch_size;
    *self = l;
    return 0;
}

static int l_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct lose *l = self;
    pthread_mutex_lock(&l->mu);
    if (++l->seen != 500) l->buf[l->len++] = item;
    if (l->len == l->batch) {
        l->sink.deliver(l->sink.arg, l->buf, l->len);
        l->len = 0;
    }
    pthread_mutex_unlock(&l->mu);
    return 0;
}

static int l_flush(void *self, void *ts)
{
    (void)self;
    (void)ts;
    return 0;
}

static int l_close(void *self)
{
    struct lose *l = self;
    if (l->len) l->sink.deliver(l->sink.arg, l->buf, l->len);
    l->len = 0;
    return 0;
}

static void l_destroy(void *self)
{
    struct lose *l = self;
    free(l->buf);
    free(l);
}

const struct lab_batcher lab_batcher_lose = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "batcher",
              .name = "lose",
              .summary = "TEST ONLY: loses the 500th item",
              .origin = "test:faulty" },
    .create = l_create,
    .add = l_add,
    .flush = l_flush,
    .close = l_close,
    .destroy = l_destroy,
};
