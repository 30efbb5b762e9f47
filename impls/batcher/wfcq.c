/* batcher/wfcq: liburcu's wait-free concurrent queue (urcu/wfcqueue.h,
 * Debian's liburcu-dev), used the way it is meant for batching: producers
 * enqueue one node per item (cds_wfcq_enqueue: an exchange on the tail and a
 * store, wait-free), and the consumer task takes the whole queue at once
 * with __cds_wfcq_splice_blocking, then walks its private copy
 * (__cds_wfcq_dequeue_blocking, no lock: it is the only dequeuer) and
 * delivers batches (common/pump.h: batches of batch_size, the partial one
 * every timeout_ms, kicks every few items per producer).
 *
 * Linked, not inlined: no _LGPL_SOURCE, so every queue operation is a call
 * into liburcu-common. The lock-free heads (struct __cds_wfcq_head) are
 * used, so the queue's pthread mutex is never involved; no RCU read side,
 * so no thread registration.
 *
 * Nodes: one per item, from a ring per producer of its share of queue_size
 * (at least 2 and at most 64 batches; allocated on its first add, kept on
 * a list until destroy, as a node may still be queued after its producer
 * is gone). The consumer meets each producer's nodes in the order they
 * were enqueued, so it gives them back by counting (`freed`); a producer
 * whose nodes are all in flight parks until a quarter of its ring is free
 * again, and kicks the consumer every quarter ring. That bounds each
 * producer, not the total: the total grows with the threads, so no
 * LAB_CAP_BACKPRESSURE.
 *
 * Fibers: liburcu never blocks here except that a dequeue that meets a node
 * whose enqueuer is between its two steps busy-waits, then poll()s for 10 ms
 * (CDS_WFCQ_WAIT); an enqueue never yields, so under fibers that enqueuer
 * is running on another carrier and the wait is short.
 *
 * TSan cannot see liburcu's synchronisation (an uninstrumented library):
 * the node's item is written before the enqueue and read after the
 * dequeue, so the producer releases the node just before cds_wfcq_enqueue
 * and the consumer acquires it right after the dequeue (common/tsan.h). */
/* contend: pkg-config liburcu, debian liburcu-dev */
#include <errno.h>
#include <stdlib.h>
#include <urcu/wfcqueue.h>

#include "common/pump.h"
#include "common/tsan.h"
#include "lab_batcher.h"

struct wfcq_slab;

struct wfcq_node {
    struct cds_wfcq_node node;
    uint64_t item;
    struct wfcq_slab *slab;
};

struct wfcq_slab {
    LAB_ALIGNED _Atomic uint32_t freed; /* nodes the consumer is done with */
    _Atomic uint32_t waiting;           /* the producer parks on freed ... */
    _Atomic uint32_t wake_at;           /* ... until it reaches this */
    LAB_ALIGNED uint32_t used;          /* producer only */
    uint32_t k;
    struct wfcq_slab *next; /* every slab, for destroy */
    struct wfcq_node *nodes;
};

struct wfcq_batcher {
    struct lab_pump pump; /* first: lab_pump_flush/close */
    LAB_ALIGNED struct __cds_wfcq_head head;
    LAB_ALIGNED struct cds_wfcq_tail tail;
    struct __cds_wfcq_head local_head; /* consumer only: the spliced batch */
    struct cds_wfcq_tail local_tail;
    _Atomic(struct wfcq_slab *) slabs;
    uint32_t k;
};

struct wfcq_tstate {
    size_t since_kick; /* first: lab_pump_flush */
    struct wfcq_slab *slab;
};

/* Consumer: gives back n nodes of s. */
static void wfcq_free_nodes(struct wfcq_slab *s, uint32_t n)
{
    if (!s || !n) return;
    uint32_t f = atomic_fetch_add(&s->freed, n) + n; /* seq_cst, then waiting */
    if (atomic_load(&s->waiting) && (int32_t)(f - atomic_load(&s->wake_at)) >= 0
        && atomic_exchange(&s->waiting, 0))
        lab_unpark(&s->freed, 1);
}

static size_t wfcq_take(void *q, uint64_t *out, size_t room)
{
    struct wfcq_batcher *b = q;
    if (cds_wfcq_empty(&b->local_head, &b->local_tail))
        __cds_wfcq_splice_blocking(&b->local_head, &b->local_tail, &b->head, &b->tail);
    struct wfcq_slab *run = NULL;
    uint32_t run_n = 0;
    size_t n = 0;
    while (n < room) {
        struct cds_wfcq_node *cn = __cds_wfcq_dequeue_blocking(&b->local_head, &b->local_tail);
        if (!cn) break;
        struct wfcq_node *node = (struct wfcq_node *)cn;
        lab_tsan_acquire(node);
        out[n++] = node->item;
        if (node->slab != run) { /* give nodes back by runs */
            wfcq_free_nodes(run, run_n);
            run = node->slab;
            run_n = 0;
        }
        run_n++;
    }
    wfcq_free_nodes(run, run_n);
    return n;
}

static struct wfcq_slab *wfcq_slab_new(struct wfcq_batcher *b)
{
    struct wfcq_slab *s = lab_calloc_aligned(sizeof *s);
    if (!s) return NULL;
    if (!(s->nodes = calloc(b->k, sizeof *s->nodes))) {
        free(s);
        return NULL;
    }
    s->k = b->k;
    for (uint32_t i = 0; i < s->k; i++) s->nodes[i].slab = s;
    struct wfcq_slab *head = atomic_load(&b->slabs);
    do s->next = head;
    while (!atomic_compare_exchange_weak(&b->slabs, &head, s));
    return s;
}

/* Its ring full: 0 once a quarter of it is free again (so that a lone
   producer does not sleep and wake per node), else -EAGAIN with waiting set
   for the consumer to wake it then. wake_at, then waiting, then freed, all
   seq_cst; the consumer adds to freed, then reads waiting and wake_at. */
static int wfcq_has_node(struct wfcq_slab *s)
{
    uint32_t want = s->used - s->k + (s->k / 4 ? s->k / 4 : 1); /* at least one free */
    atomic_store(&s->wake_at, want);
    atomic_store(&s->waiting, 1);
    if ((int32_t)(atomic_load(&s->freed) - want) >= 0) {
        atomic_store(&s->waiting, 0);
        return 0;
    }
    return -EAGAIN;
}

static int wfcq_add(void *self, void *tstate, uint64_t item)
{
    struct wfcq_batcher *b = self;
    struct wfcq_tstate *t = tstate;
    struct wfcq_slab *s = t->slab;
    if (__builtin_expect(!s, 0) && !(s = t->slab = wfcq_slab_new(b))) return -ENOMEM;
    while (s->used - atomic_load_explicit(&s->freed, memory_order_acquire) >= s->k) {
        uint32_t seen = atomic_load(&s->freed);
        lab_pump_kick(&b->pump);
        if (wfcq_has_node(s) == 0) break;
        lab_park(&s->freed, seen, 0);
    }
    struct wfcq_node *node = &s->nodes[s->used++ % s->k];
    cds_wfcq_node_init(&node->node);
    node->item = item;
    lab_tsan_release(node);
    cds_wfcq_enqueue(&b->head, &b->tail, &node->node);
    lab_pump_count(&b->pump, &t->since_kick);
    return 0;
}

static void wfcq_destroy(void *self)
{
    struct wfcq_batcher *b = self;
    if (!b) return;
    lab_pump_free(&b->pump);
    for (struct wfcq_slab *s = atomic_load(&b->slabs), *next; s; s = next) {
        next = s->next;
        free(s->nodes);
        free(s);
    }
    free(b);
}

static int wfcq_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct wfcq_batcher *b = lab_calloc_aligned(sizeof *b);
    if (!b) return -ENOMEM;
    __cds_wfcq_init(&b->head, &b->tail);
    __cds_wfcq_init(&b->local_head, &b->local_tail);
    /* a producer's share of the queue, at least two batches, at most 64 */
    size_t k = cfg->queue_size / (cfg->nthreads ? cfg->nthreads : 1);
    k = k < 2 * cfg->batch_size    ? 2 * cfg->batch_size
        : k > 64 * cfg->batch_size ? 64 * cfg->batch_size
                                   : k;
    b->k = (uint32_t)k;
    int rc = lab_pump_start(&b->pump, cfg, sink, wfcq_take, b, k / 4);
    if (rc) {
        free(b);
        return rc;
    }
    *self = b;
    return 0;
}

const struct lab_batcher lab_batcher_wfcq = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "wfcq",
        .summary = "liburcu wait-free concurrent queue: a node per item, the consumer task "
                   "splices the whole queue and delivers it in batches; timeout",
        .origin = "peer:liburcu urcu/wfcqueue.h (cds_wfcq_enqueue, __cds_wfcq_splice_blocking)",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_OWN_THREADS,
        .thread_state = sizeof(struct wfcq_tstate),
    },
    .create = wfcq_create,
    .add = wfcq_add,
    .flush = lab_pump_flush,
    .close = lab_pump_close,
    .destroy = wfcq_destroy,
};
