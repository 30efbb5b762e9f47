/* batcher/mutex: snail Phase 1, "the naive approach".
 *
 * One mutex around a slice that grows by appending; when it holds
 * batch_size items it is sent (the sink runs under the lock) and replaced by
 * a fresh, empty one. The seed's flaws are kept on purpose: every add takes
 * the one mutex, a new buffer is allocated for every batch (append growth
 * from nothing, as `batch = nil` does in Go), there is no timeout (items can
 * wait until the next batch fills or close()), and no back-pressure beyond the
 * lock itself. The mutex is a lab_mutex: a futex mutex like glibc's default
 * pthread one, which parks a fiber, not its carrier, under fibers. */
#include <errno.h>
#include <stdlib.h>

#include "lab_batcher.h"
#include "lab_prim.h"

struct mutex_batcher {
    struct lab_mutex mu;
    struct lab_sink sink;
    size_t batch;
    uint64_t *buf; /* NULL after each send, like `batch = nil` */
    size_t len, cap;
};

static int mb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct mutex_batcher *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    lab_mutex_init(&b->mu);
    b->sink = *sink;
    b->batch = cfg->batch_size;
    *self = b;
    return 0;
}

/* Go's append: grow geometrically from nothing. */
static int append(struct mutex_batcher *b, uint64_t item)
{
    if (b->len == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 8;
        uint64_t *n = realloc(b->buf, ncap * sizeof *n);
        if (!n) return -ENOMEM;
        b->buf = n;
        b->cap = ncap;
    }
    b->buf[b->len++] = item;
    return 0;
}

static void send_locked(struct mutex_batcher *b)
{
    if (b->len) b->sink.deliver(b->sink.arg, b->buf, b->len);
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

static int mb_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct mutex_batcher *b = self;
    lab_mutex_lock(&b->mu);
    int rc = append(b, item);
    if (rc == 0 && b->len >= b->batch) send_locked(b);
    lab_mutex_unlock(&b->mu);
    return rc;
}

static int mb_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int mb_close(void *self)
{
    struct mutex_batcher *b = self;
    lab_mutex_lock(&b->mu);
    send_locked(b);
    lab_mutex_unlock(&b->mu);
    return 0;
}

static void mb_destroy(void *self)
{
    struct mutex_batcher *b = self;
    if (!b) return;
    free(b->buf);
    lab_mutex_destroy(&b->mu);
    free(b);
}

const struct lab_batcher lab_batcher_mutex = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "mutex",
        .summary = "one mutex around a growing buffer, sent inline when full (allocates per batch)",
        .origin = "seed:snail phase 1",
    },
    .create = mb_create,
    .add = mb_add,
    .flush = mb_flush,
    .close = mb_close,
    .destroy = mb_destroy,
};
