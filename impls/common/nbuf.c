#include "nbuf.h"

#include <errno.h>
#include <stdlib.h>

int lab_nbuf_init(struct lab_nbuf *q, const struct lab_batcher_cfg *cfg,
                  const struct lab_sink *sink, unsigned held)
{
    q->sink = *sink;
    q->batch = cfg->batch_size;
    q->n = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    q->push.ring = q->pull.ring = NULL;
    if (!(q->bufs = calloc(q->n, sizeof *q->bufs))) return -ENOMEM;
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < q->n; i++)
        if (!(q->bufs[i].items = malloc(q->batch * sizeof(uint64_t)))) rc = -ENOMEM;
    if (rc == 0 && (rc = lab_chan_init(&q->push, q->n)) != 0) q->push.ring = NULL;
    if (rc == 0 && (rc = lab_chan_init(&q->pull, q->n)) != 0) q->pull.ring = NULL;
    if (rc) {
        lab_nbuf_destroy(q);
        return rc;
    }
    for (unsigned i = held; i < q->n; i++) lab_chan_send(&q->pull, i);
    return 0;
}

void lab_nbuf_destroy(struct lab_nbuf *q)
{
    if (q->push.ring) lab_chan_destroy(&q->push);
    if (q->pull.ring) lab_chan_destroy(&q->pull);
    if (q->bufs)
        for (unsigned i = 0; i < q->n; i++) free(q->bufs[i].items);
    free(q->bufs);
    q->bufs = NULL;
}

void lab_nbuf_deliver(struct lab_nbuf *q, unsigned i)
{
    struct lab_nbuf_buf *f = &q->bufs[i];
    q->sink.deliver(q->sink.arg, f->items, f->len);
    f->len = 0;
    lab_chan_send(&q->pull, i);
}

void *lab_nbuf_worker(void *arg)
{
    struct lab_nbuf *q = arg;
    uint64_t v;
    while (lab_chan_recv(&q->push, &v, 0) == 0) lab_nbuf_deliver(q, (unsigned)v);
    return NULL;
}
