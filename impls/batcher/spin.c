/* batcher/spin: snail Phase 4, the spin lock.
 *
 *     for !m.mutex.TryLock() { runtime.Gosched() }
 *
 * The same buffer-under-a-lock design as Phase 1/2's batching loop, but the
 * lock is taken by trying and yielding between tries (lab_mutex_spin_lock:
 * TryLock and lab_yield, the seed's runtime.Gosched) instead of sleeping.
 * The buffer is allocated once and reused (`batch = batch[:0]`); the sink
 * runs under the lock. Like the seed's Phase 4 it has no way to block for
 * back-pressure and no timeout. */
#include <errno.h>
#include <stdlib.h>

#include "lab_batcher.h"
#include "lab_prim.h"

struct spin_batcher {
    struct lab_mutex mu;
    struct lab_sink sink;
    size_t batch, len;
    uint64_t *buf;
};

static int sb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct spin_batcher *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    b->buf = malloc(cfg->batch_size * sizeof *b->buf);
    if (!b->buf) {
        free(b);
        return -ENOMEM;
    }
    lab_mutex_init(&b->mu);
    b->sink = *sink;
    b->batch = cfg->batch_size;
    *self = b;
    return 0;
}

static int sb_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct spin_batcher *b = self;
    lab_mutex_spin_lock(&b->mu);
    b->buf[b->len++] = item;
    if (b->len == b->batch) {
        b->sink.deliver(b->sink.arg, b->buf, b->len);
        b->len = 0;
    }
    lab_mutex_unlock(&b->mu);
    return 0;
}

static int sb_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int sb_close(void *self)
{
    struct spin_batcher *b = self;
    lab_mutex_spin_lock(&b->mu);
    if (b->len) b->sink.deliver(b->sink.arg, b->buf, b->len);
    b->len = 0;
    lab_mutex_unlock(&b->mu);
    return 0;
}

static void sb_destroy(void *self)
{
    struct spin_batcher *b = self;
    if (!b) return;
    lab_mutex_destroy(&b->mu);
    free(b->buf);
    free(b);
}

const struct lab_batcher lab_batcher_spin = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "spin",
        .summary = "try-lock spin, yielding (lab_yield) between tries, around a reused buffer",
        .origin = "seed:snail phase 4",
    },
    .create = sb_create,
    .add = sb_add,
    .flush = sb_flush,
    .close = sb_close,
    .destroy = sb_destroy,
};
