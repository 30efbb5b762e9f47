/* batcher/channel: snail Phase 2, channel-based batching.
 *
 *     ch := make(chan Request, 10000)
 *     go func() { select { case r := <-ch: append, send when full
 *                          case <-ticker.C: send what is there } }()
 *
 * Producers send each item through a bounded queue built like Go's channel
 * (one lock, a ring, parked senders: common/chan.c), of capacity
 * queue_size. One consumer thread receives items one at a time, batches them
 * by size, and on every tick of a timeout_ms ticker sends the partial batch.
 * A full channel blocks producers: that is its back-pressure. The consumer
 * is started with lab_spawn (a fiber under a fiber runner). */
#include <errno.h>
#include <stdlib.h>

#include "common/chan.h"
#include "lab_batcher.h"
#include "lab_util.h"

struct chan_batcher {
    struct lab_chan ch;
    struct lab_sink sink;
    size_t batch, len;
    uint64_t *buf; /* the consumer's batch, reused */
    unsigned tick_ms;
    struct lab_task_handle consumer;
};

static void *consumer(void *arg)
{
    struct chan_batcher *b = arg;
    const uint64_t period = (uint64_t)b->tick_ms * 1000000u;
    uint64_t tick = period ? lab_now_ns() + period : 0;
    for (;;) {
        uint64_t v;
        int rc = lab_chan_recv(&b->ch, &v, tick);
        if (rc == 0) {
            b->buf[b->len++] = v;
            if (b->len == b->batch) {
                b->sink.deliver(b->sink.arg, b->buf, b->len);
                b->len = 0;
            }
            continue;
        }
        if (b->len) { /* a tick, or the channel was closed */
            b->sink.deliver(b->sink.arg, b->buf, b->len);
            b->len = 0;
        }
        if (rc == -EPIPE) break;
        tick = lab_now_ns() + period;
    }
    return NULL;
}

static int cb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct chan_batcher *b = calloc(1, sizeof *b);
    if (!b) return -ENOMEM;
    b->buf = malloc(cfg->batch_size * sizeof *b->buf);
    int rc = b->buf ? lab_chan_init(&b->ch, cfg->queue_size) : -ENOMEM;
    if (rc) {
        free(b->buf);
        free(b);
        return rc;
    }
    b->sink = *sink;
    b->batch = cfg->batch_size;
    b->tick_ms = cfg->timeout_ms;
    if ((rc = lab_spawn(consumer, b, &b->consumer)) != 0) {
        lab_chan_destroy(&b->ch);
        free(b->buf);
        free(b);
        return rc;
    }
    *self = b;
    return 0;
}

static int cb_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct chan_batcher *b = self;
    return lab_chan_send(&b->ch, item);
}

static int cb_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int cb_close(void *self)
{
    struct chan_batcher *b = self;
    if (!b->ch.ring) return 0;
    lab_chan_close(&b->ch); /* the consumer drains, then exits */
    lab_join(&b->consumer);
    lab_chan_destroy(&b->ch);
    return 0;
}

static void cb_destroy(void *self)
{
    struct chan_batcher *b = self;
    if (!b) return;
    cb_close(b);
    free(b->buf);
    free(b);
}

const struct lab_batcher lab_batcher_channel = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "channel",
        .summary = "bounded Go-style channel (one lock, parked senders and receivers) to a consumer task with a ticker",
        .origin = "seed:snail phase 2",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
    },
    .create = cb_create,
    .add = cb_add,
    .flush = cb_flush,
    .close = cb_close,
    .destroy = cb_destroy,
};
