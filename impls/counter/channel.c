/* counter/channel: the snail seed's TheoreticalLimitsOfChannels test
 * (pkg/snail_batcher/snail_batcher_impl_perf_compar_test.go):
 *
 *     ch := make(chan struct{}, 100_000)
 *     ... every goroutine: ch <- struct{}{}
 *     for counter < nAddsLimit { <-ch; counter++ }
 *
 * A bounded Go-style channel (common/chan.h: one lock, a ring, parked
 * senders handed their slot by the receiver, as runtime/chan.go does) of
 * cfg->capacity empty items (default 100,000), and one receiver task of the
 * variant's own (lab_spawn: a thread, or a fiber under a fiber runner) that
 * counts what it receives. A full channel parks the sender. close() closes
 * the channel, lets the receiver drain it and joins it: as in the seed, the
 * count is complete only once the receiver has taken every item, so a
 * timing that stops before close() leaves up to `capacity` items uncounted. */
#include "common/chan.h"
#include "common/counter.h"
#include "lab_prim.h"

struct channel_counter {
    struct lab_chan ch;
    struct lab_task_handle rx;
    uint64_t count; /* the receiver's; read after it is joined */
    int running;
};

static void *channel_receive(void *arg)
{
    struct channel_counter *c = arg;
    uint64_t v;
    while (lab_chan_recv(&c->ch, &v, 0) == 0) c->count++;
    return NULL;
}

static int channel_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct channel_counter), self);
    if (rc) return rc;
    struct channel_counter *c = *self;
    rc = lab_chan_init(&c->ch, cfg->capacity ? cfg->capacity : LAB_COUNTER_DEFAULT_CAPACITY);
    if (rc == 0 && (rc = lab_spawn(channel_receive, c, &c->rx)) != 0) lab_chan_destroy(&c->ch);
    if (rc) {
        free(c);
        *self = NULL;
        return rc;
    }
    c->running = 1;
    return 0;
}

static int channel_inc(void *self, void *tstate)
{
    (void)tstate;
    struct channel_counter *c = self;
    return lab_chan_send(&c->ch, 0);
}

/* Closes the channel and waits for the receiver to drain it. */
static int channel_stop(struct channel_counter *c)
{
    if (!c->running) return 0;
    c->running = 0;
    lab_chan_close(&c->ch);
    return lab_join(&c->rx);
}

static int channel_close(void *self, uint64_t *total)
{
    struct channel_counter *c = self;
    int rc = channel_stop(c);
    *total = c->count;
    return rc;
}

static void channel_destroy(void *self)
{
    struct channel_counter *c = self;
    if (!c) return;
    channel_stop(c);
    lab_chan_destroy(&c->ch);
    free(c);
}

const struct lab_counter lab_counter_channel = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "channel",
        .summary = "bounded channel of empty items, one receiver task counting them",
        .origin = "seed:snail TheoreticalLimitsOfChannels",
        .caps = LAB_CAP_OWN_THREADS | LAB_CAP_BACKPRESSURE,
    },
    .create = channel_create,
    .inc = channel_inc,
    .flush = lab_counter_flush_none,
    .close = channel_close,
    .destroy = channel_destroy,
};
