/* The batcher driver: one for every batcher implementation.
 *
 * Thread i adds the items (i << 40) | 0, 1, 2 ... so every item is unique.
 * The sink counts items and sums a 64-bit mix of each; after close() the
 * harness recomputes both from the per-thread op counts. Equal count and
 * checksum is the exactly-once verdict (a lost item and a duplicate of
 * another would have to cancel in a 64-bit sum of mixed values). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "lab_batcher.h"

/* The family's options (run_opts.fcfg). */
struct batcher_cfg {
    struct lab_batcher_cfg b;
    uint64_t sink_cost_ns; /* simulated consumer work per batch */
};

enum { BATCHER_M_BATCHES, BATCHER_M_MAX_BATCH };

struct vsink {
    uint64_t count, sum, batches, max_batch, bad_batches;
    size_t batch_limit;
    uint64_t cost_ns;
};

struct bstate {
    const struct lab_batcher *b;
    void *self;
    struct vsink sink;
};

static void batcher_deliver(void *arg, const uint64_t *items, size_t n)
{
    struct vsink *s = arg;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += lab_mix64(items[i]);
    s->sum += sum;
    s->count += n;
    s->batches++;
    if (n > s->max_batch) s->max_batch = n;
    if (n == 0 || n > s->batch_limit) s->bad_batches++;
    lab_burn_ns(s->cost_ns);
}

static int batcher_setup(struct trial_ctx *c, char *err, size_t n)
{
    const struct batcher_cfg *bc = c->fcfg;
    struct bstate *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    s->b = (const struct lab_batcher *)c->impl;
    s->sink.batch_limit = bc->b.batch_size;
    s->sink.cost_ns = bc->sink_cost_ns;
    struct lab_batcher_cfg cfg = bc->b;
    cfg.nthreads = c->threads;
    struct lab_sink sink = { batcher_deliver, &s->sink };
    int rc = s->b->create(&cfg, &sink, &s->self);
    c->self = s->self;
    if (!rc && (rc = run_impl_thread_init(c)) != 0) s->b->destroy(s->self);
    if (rc) {
        snprintf(err, n, "batcher/%s: create failed: %s", c->impl->name, strerror(-rc));
        free(s);
        return rc;
    }
    c->fam = s;
    return 0;
}

static void batcher_work(struct trial_ctx *c, struct worker *w)
{
    struct bstate *s = c->fam;
    int (*add)(void *, void *, uint64_t) = s->b->add;
    void *self = s->self, *ts = w->tstate;
    const uint64_t base = (uint64_t)w->idx << 40;
    uint64_t i = 0;
    int rc = 0;
    if (c->o->ops) {
        while (!rc && i < w->quota)
            for (uint64_t end = trial_chunk(c, w, i); i < end; i++)
                if ((rc = add(self, ts, base | i)) != 0) break;
    } else {
        unsigned checks = 0;
        while (!rc && !trial_should_stop(c, w, &checks))
            for (unsigned k = 0; k < STOP_CHECK; k++, i++)
                if ((rc = add(self, ts, base | i)) != 0) break;
    }
    w->ops = i;
    int frc = s->b->flush(self, ts);
    w->err = rc ? rc : frc;
}

static void batcher_finish(struct trial_ctx *c, struct trial *t)
{
    struct bstate *s = c->fam;
    int rc = s->b->close(s->self);
    uint64_t sum = 0;
    for (unsigned i = 0; i < c->threads; i++) {
        const uint64_t base = (uint64_t)c->w[i].idx << 40;
        for (uint64_t k = 0; k < c->w[i].ops; k++) sum += lab_mix64(base | k);
    }
    t->expected = t->ops;
    t->delivered = s->sink.count;
    t->m[BATCHER_M_BATCHES] = (double)s->sink.batches;
    t->m[BATCHER_M_MAX_BATCH] = (double)s->sink.max_batch;
    if (c->impl->caps & LAB_CAP_DISCARDS) {
        t->verdict = s->sink.count == 0 ? VERDICT_NA : VERDICT_FAIL;
        if (s->sink.count)
            snprintf(t->note, sizeof t->note, "a discarding variant delivered items");
    } else if (rc) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "close() returned %s", strerror(-rc));
    } else if (t->note[0]) {
        t->verdict = VERDICT_FAIL;
    } else if (s->sink.count != t->ops || s->sink.sum != sum) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "delivered %llu of %llu items%s",
                 (unsigned long long)s->sink.count, (unsigned long long)t->ops,
                 s->sink.count == t->ops ? " (checksum differs: duplicates)" : "");
    } else if (s->sink.bad_batches) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "%llu batches empty or over the batch size",
                 (unsigned long long)s->sink.bad_batches);
    } else {
        t->verdict = VERDICT_OK;
    }
    run_impl_thread_exit(c);
    s->b->destroy(s->self);
    free(s);
}

static void batcher_defaults(void *cfg)
{
    struct batcher_cfg *c = cfg;
    c->b = (struct lab_batcher_cfg){
        .batch_size = 100, .queue_size = 10000, .timeout_ms = 25, .pad = 256
    };
    c->sink_cost_ns = 0;
}

static int batcher_check(const void *cfg, char *err, size_t n)
{
    const struct batcher_cfg *c = cfg;
    const char *why = lab_batcher_cfg_error(&c->b);
    if (!why) return 0;
    snprintf(err, n, "--batch/--queue: %s (batch %zu, queue %zu)", why, c->b.batch_size,
             c->b.queue_size);
    return -EINVAL;
}

#define O(f) offsetof(struct batcher_cfg, f)
static const struct opt_spec batcher_opts[] = {
    { "batch", OPT_SIZE, O(b.batch_size), "B", "items per batch (default 100)", 1, 1u << 24 },
    { "queue", OPT_SIZE, O(b.queue_size), "Q",
      "queue size; a positive multiple of B (default 10000):\n"
      "1 + Q/B buffers for n-buffering variants",
      1, (double)(UINT64_C(1) << 32) },
    { "timeout-ms", OPT_UINT, O(b.timeout_ms), "T",
      "flush timeout for variants that have one (default 25; 0 = off)", 0, 3600000 },
    { "sink-cost", OPT_U64, O(sink_cost_ns), "NS",
      "simulated consumer work per batch, in ns (default 0)", 0, 1e9 },
    { "pad", OPT_SIZE, O(b.pad), "BYTES", "padding between hot atomics (lockfree; default 256)", 0,
      4096 },
    { 0 }
};
#undef O

static const struct opt_spec *const batcher_tables[] = { batcher_opts, NULL };

static const struct fam_metric batcher_metrics[] = {
    [BATCHER_M_BATCHES] = { "batches", "batches", 0, FAM_M_INT },
    [BATCHER_M_MAX_BATCH] = { "max_batch", "items", 0, FAM_M_INT },
};

const struct family_driver fam_batcher = {
    .abi = FAM_ABI_VERSION,
    .name = "batcher",
    .summary = "many producers add() items; one consumer receives them in batches",
    .check = "exactly-once",
    .opts = batcher_tables,
    .cfg_size = sizeof(struct batcher_cfg),
    .cfg_defaults = batcher_defaults,
    .cfg_check = batcher_check,
    .metrics = batcher_metrics,
    .nmetrics = sizeof batcher_metrics / sizeof *batcher_metrics,
    .setup = batcher_setup,
    .work = batcher_work,
    .finish = batcher_finish,
};
