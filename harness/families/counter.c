/* The counter driver: one for every counter implementation (impls/counter/,
 * interface impls/lab_counter.h). Each worker repeats inc() on one shared
 * count: its quota (fixed work) or until the stop flag (fixed time), then
 * flush(). After the join, close() returns the total, which must equal the
 * increments done exactly: the family's check (a racy count++ loses some).
 *
 * The seed's TheoreticalLimit tests (snail_batcher_impl_perf_compar_test.go)
 * are this loop: 10,000 goroutines each doing `lock; counter += 1; unlock`.
 *
 * Memory: what the variant allocated from create() on must be freed by
 * destroy() (lab_alloc.h), or the cell fails as a leak. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "lab_alloc.h"
#include "lab_counter.h"
#include "lat_sample.h"

/* The family's options (run_opts.fcfg). */
struct counter_cfg {
    size_t capacity; /* buffered capacity of channel-like variants */
};

struct counter_state {
    const struct lab_counter *k;
    void *self;
    struct lab_alloc_totals before; /* just before create() */
    struct fam_lat lat;             /* sampled inc() latencies */
};

static int counter_setup(struct trial_ctx *c, char *err, size_t n)
{
    const struct counter_cfg *cc = c->fcfg;
    lab_alloc_pause(); /* the driver's memory (the variant's is counted) */
    struct counter_state *s = calloc(1, sizeof *s);
    lab_alloc_resume();
    if (!s) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    if (fam_lat_init(&s->lat, c->threads)) {
        snprintf(err, n, "out of memory");
        lab_alloc_pause();
        free(s);
        lab_alloc_resume();
        return -ENOMEM;
    }
    s->k = (const struct lab_counter *)c->impl;
    struct lab_counter_cfg cfg = { .nthreads = c->threads, .capacity = cc->capacity };
    lab_alloc_totals(&s->before);
    int rc = s->k->create(&cfg, &s->self);
    c->self = s->self;
    if (!rc && (rc = run_impl_thread_init(c)) != 0) s->k->destroy(s->self);
    if (rc) {
        snprintf(err, n, "counter/%s: create failed: %s", c->impl->name, strerror(-rc));
        double m[FAM_LAT_POOL_NMETRICS];
        fam_lat_finish(&s->lat, m);
        lab_alloc_pause();
        free(s);
        lab_alloc_resume();
        return rc;
    }
    c->fam = s;
    return 0;
}

/* One inc(), timed when its sampler says so. */
static inline int counter_inc(int (*inc)(void *, void *), void *self, void *ts,
                              struct fam_lat_thr *lt)
{
    if (!fam_lat_due(lt)) return inc(self, ts);
    uint64_t t0 = lab_now_ns();
    int rc = inc(self, ts);
    fam_lat_record(lt, lab_now_ns() - t0);
    return rc;
}

static void counter_work(struct trial_ctx *c, struct worker *w)
{
    struct counter_state *s = c->fam;
    int (*inc)(void *, void *) = s->k->inc;
    void *self = s->self, *ts = w->tstate;
    struct fam_lat_thr lt;
    fam_lat_thread(&s->lat, &lt, w->idx, FAM_LAT_EVERY);
    uint64_t i = 0;
    int rc = 0;
    if (c->o->ops) {
        while (!rc && i < w->quota)
            for (uint64_t end = trial_chunk(c, w, i); i < end; i++)
                if ((rc = counter_inc(inc, self, ts, &lt)) != 0) break;
    } else {
        unsigned checks = 0;
        while (!rc && !trial_should_stop(c, w, &checks)) {
            for (unsigned k = 0; k < STOP_CHECK; k++, i++)
                if ((rc = counter_inc(inc, self, ts, &lt)) != 0) break;
            trial_beat(w, i);
        }
    }
    w->ops = i;
    int frc = s->k->flush(self, ts);
    w->err = rc ? rc : frc;
}

static void counter_finish(struct trial_ctx *c, struct trial *t)
{
    struct counter_state *s = c->fam;
    uint64_t total = 0;
    trial_phase(c, RUN_PH_CLOSE);
    int rc = s->k->close(s->self, &total);
    trial_phase(c, RUN_PH_CHECK);
    fam_lat_finish(&s->lat, &t->m[0]);
    t->expected = t->ops;
    t->delivered = total;
    if (c->impl->caps & LAB_CAP_DISCARDS) {
        t->verdict = total == 0 ? VERDICT_NA : VERDICT_FAIL;
        if (total)
            snprintf(t->note, sizeof t->note, "a discarding variant counted %llu",
                     (unsigned long long)total);
    } else if (rc) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "close() returned %s", strerror(-rc));
    } else if (t->note[0]) {
        t->verdict = VERDICT_FAIL;
    } else if (total != t->ops) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "counted %llu of %llu increments (%s %llu)",
                 (unsigned long long)total, (unsigned long long)t->ops,
                 total < t->ops ? "lost" : "extra",
                 (unsigned long long)(total < t->ops ? t->ops - total : total - t->ops));
    } else {
        t->verdict = VERDICT_OK;
    }
    run_impl_thread_exit(c);
    trial_phase(c, RUN_PH_DESTROY);
    s->k->destroy(s->self);
    run_trial_leak_check(t, &s->before);
    lab_alloc_pause();
    free(s);
    lab_alloc_resume();
}

static const struct fam_metric counter_metrics[] = { FAM_LAT_POOL_METRICS };

static void counter_defaults(void *cfg) { ((struct counter_cfg *)cfg)->capacity = 100000; }

#define O(f) offsetof(struct counter_cfg, f)
static const struct opt_spec counter_opts[] = {
    { "capacity", OPT_SIZE, O(capacity), "N",
      "buffered capacity of channel-like variants (default\n"
      "100000: the seed's channel test)",
      1, (double)(UINT64_C(1) << 32), OPT_SI },
    { 0 }
};
#undef O

static const struct opt_spec *const counter_tables[] = { counter_opts, NULL };

const struct family_driver fam_counter = {
    .abi = FAM_ABI_VERSION,
    .name = "counter",
    .summary = "workers each repeat one operation on one shared count (the seed's primitives)",
    .check = "exact-count",
    .flags = FAM_F_BEATS,
    .opts = counter_tables,
    .cfg_size = sizeof(struct counter_cfg),
    .cfg_defaults = counter_defaults,
    .metrics = counter_metrics,
    .nmetrics = sizeof counter_metrics / sizeof *counter_metrics,
    .setup = counter_setup,
    .work = counter_work,
    .finish = counter_finish,
};
