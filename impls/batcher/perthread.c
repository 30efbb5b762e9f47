/* batcher/perthread: whole per-thread buffers handed to a consumer.
 *
 * Each producer fills a buffer of its own, taken from a depot of
 * 1 + queue/batch buffers (common/depot.h), with no shared write per item:
 * a store of the item and a release store of the buffer's length. The add()
 * that fills the buffer hands the whole buffer over to the consumer task and
 * returns; the next add() takes a free buffer, parking when there is none
 * (back-pressure). This is the magazine layer of Bonwick and Adams, "Magazines
 * and Vmem" (USENIX ATC 2001): per-thread magazines exchanged whole with a
 * depot, so the shared structure is touched once per batch_size items, not
 * per item.
 *
 * Timeout: the depot's consumer, every timeout_ms, delivers the items
 * appended to any buffer since it last looked (each buffer is a
 * single-producer, single-consumer log), so items of a producer that stopped
 * adding are not stranded. flush() hands a partial buffer over at once.
 *
 * Costs and limits: a producer holds a buffer between its adds, so once the
 * producers outnumber the buffers (10,000 threads with the default 101) the
 * ones without a buffer help deliver, then park until one comes back, and a
 * buffer of a preempted producer is stuck with it (its items still go out
 * by the tick). batcher/percpu keeps the buffers in per-CPU slots instead. */
#include <errno.h>
#include <stdlib.h>

#include "common/depot.h"
#include "lab_batcher.h"

struct perthread_tstate {
    struct lab_depot_buf *b; /* NULL: take one on the next add */
};

static int perthread_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink,
                            void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct lab_depot *d = lab_calloc_aligned(sizeof *d);
    if (!d) return -ENOMEM;
    int rc = lab_depot_init(d, cfg, sink, (unsigned)lab_param("wake"));
    if (rc) {
        free(d);
        return rc;
    }
    *self = d;
    return 0;
}

static int perthread_add(void *self, void *tstate, uint64_t item)
{
    struct lab_depot *d = self;
    struct perthread_tstate *t = tstate;
    if (__builtin_expect(!t->b, 0)) t->b = lab_depot_get(d);
    if (lab_depot_append(d, t->b, item)) {
        lab_depot_put(d, t->b);
        t->b = NULL;
    }
    return 0;
}

static int perthread_flush(void *self, void *tstate)
{
    struct perthread_tstate *t = tstate;
    if (t->b) lab_depot_put(self, t->b); /* it holds at least one item */
    t->b = NULL;
    return 0;
}

static void perthread_destroy(void *self)
{
    if (!self) return;
    lab_depot_destroy(self);
    free(self);
}

const struct lab_batcher lab_batcher_perthread = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "perthread",
        .summary = "per-thread buffers from a bounded depot, handed whole to a consumer task; "
                   "timeout by stealing appended items",
        .origin = "design: Bonwick & Adams, Magazines and Vmem, USENIX ATC 2001",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
        .thread_state = sizeof(struct perthread_tstate),
        .params = lab_depot_params,
    },
    .create = perthread_create,
    .add = perthread_add,
    .flush = perthread_flush,
    .close = lab_depot_vclose,
    .destroy = perthread_destroy,
};
