/* The store driver: one for every store implementation.
 *
 * Setup (untimed): create the store pre-sized for --keys records, prefill
 * them (key k, 1..keys, is the k-th record inserted; its id is whatever the
 * store assigned), then build each thread's op stream from the workload
 * (workloads/workload.h) with that thread's own seeded RNG: one entry per
 * op, holding the op type and the target id, already translated from key
 * to id. The timed loop only walks its array.
 *
 * Read and write ns/op. With fixed work (--ops) each stream is split, in
 * its original order within each class, into three phases separated by a
 * barrier: reads, then writes (update, insert, delete), then scans. A
 * phase's time is from its start (the earliest thread past the barrier) to
 * its end (the last thread done); read ns/op = read phase time / reads,
 * write ns/op = write phase time / writes: the wall-clock ns/op of a Go
 * parallel benchmark, one per op class, as the seed measured reads and
 * writes in separate benchmarks. Clocks are read at phase boundaries only.
 * A scan (GetAll) is timed per call: its two clock reads are negligible
 * next to a visit of every record. The timed scans' callback reads each
 * record and writes only a thread-local sum: a shared counter there (an
 * atomic add per record from every pool thread) would charge a parallel
 * scan for the harness's own cache-line contention. With --duration the stream runs in its
 * mixed order, wrapping, and the per-class split is not reported (NAN).
 *
 * B/op and allocs/op: the counting allocator (impls/common/alloc.h) that
 * every store allocation goes through, summed over all threads between the
 * end of setup and the start of finish (the threads are joined by then),
 * divided by all ops.
 *
 * Verdict: after the run, a scan must see exactly keys + inserts - deletes
 * records (each intact: a non-zero id), and no op may fail other than
 * with -ENOENT (a key deleted earlier). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "runner.h"

#define OP_SHIFT 61
#define ID_MASK ((UINT64_C(1) << OP_SHIFT) - 1)
#define NPHASES 3
#define WRAP_TOTAL (UINT64_C(1) << 24)      /* fixed-time stream entries, all threads */

struct sthr {
    LAB_ALIGNED uint64_t *ops;
    uint64_t len;
    uint64_t seg[NPHASES + 1];       /* phase p is ops[seg[p] .. seg[p+1]) */
    uint64_t count[WL_NOPS];
    uint64_t inserted, deleted;
    uint64_t t_start[NPHASES], t_end[NPHASES];
    uint64_t scan_ns;
    struct lab_task tmpl;            /* the record this thread writes, built before the gate */
    int err;
};

struct sstate {
    const struct lab_store *s;
    void *self;
    struct sthr *thr;
    unsigned nthr;
    pthread_barrier_t bar;
    struct lab_alloc_totals a0;
};

static int phase_of(enum wl_op op)
{
    return op == WL_READ ? 0 : op == WL_SCAN ? 2 : 1;
}

static int count_record(void *arg, const struct lab_task *t)
{
    _Atomic uint64_t *n = arg;
    if (t->id) atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
    return 0;
}

/* The timed scans' callback: touches the record, shares nothing. */
static _Thread_local uint64_t scan_sink;

static int touch_record(void *arg, const struct lab_task *t)
{
    (void)arg;
    scan_sink += t->id;
    return 0;
}

static void template_task(struct lab_task *t, unsigned idx)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "task from thread %u", idx);
}

/* Builds thread w's stream: fixed work = one entry per op, sorted into
   phases (stable); fixed time = a buffer in mix order that the loop wraps. */
static int build_stream(struct trial_ctx *c, const struct wl_keygen *g, const uint64_t *ids,
                        struct worker *w, struct sthr *t)
{
    const struct run_opts *o = c->o;
    uint64_t len = w->quota;
    if (!o->ops) {
        len = WRAP_TOTAL / c->threads;
        if (len < 4096) len = 4096;
        if (len > (UINT64_C(1) << 20)) len = UINT64_C(1) << 20;
    }
    uint64_t *raw = malloc(sizeof *raw * (len ? len : 1));
    t->ops = malloc(sizeof *t->ops * (len ? len : 1));
    if (!raw || !t->ops) { free(raw); return -ENOMEM; }
    t->len = len;
    struct wl_rng rng;
    wl_rng_seed(&rng, o->seed, w->idx);
    uint64_t per_phase[NPHASES] = { 0 };
    for (uint64_t i = 0; i < len; i++) {
        enum wl_op op = wl_mix_pick(o->store.mix, &rng);
        uint64_t id = 0;
        if (op != WL_INSERT && op != WL_SCAN) id = ids[wl_keygen_next(g, &rng, i) - 1];
        raw[i] = (uint64_t)op << OP_SHIFT | id;
        per_phase[phase_of(op)]++;
    }
    if (!o->ops) {
        memcpy(t->ops, raw, sizeof *raw * len);
        t->seg[0] = 0;
        for (int p = 1; p <= NPHASES; p++) t->seg[p] = len;
    } else {
        uint64_t at[NPHASES];
        t->seg[0] = 0;
        for (int p = 0; p < NPHASES; p++) t->seg[p + 1] = t->seg[p] + per_phase[p], at[p] = t->seg[p];
        for (uint64_t i = 0; i < len; i++) t->ops[at[phase_of((enum wl_op)(raw[i] >> OP_SHIFT))]++] = raw[i];
    }
    free(raw);
    return 0;
}

/* Inserts keys records (key k is record k-1), in chunks through
   insert_many where the variant has it. */
static int prefill(struct sstate *s, void *ts, uint64_t *ids, uint64_t keys)
{
    enum { CHUNK = 4096 };
    struct lab_task *batch = malloc(sizeof *batch * CHUNK);
    int rc = batch ? 0 : -ENOMEM;
    for (uint64_t at = 0; !rc && at < keys; at += CHUNK) {
        size_t m = keys - at < CHUNK ? (size_t)(keys - at) : CHUNK;
        for (size_t i = 0; i < m; i++) {
            template_task(&batch[i], 0);
            snprintf(batch[i].name, sizeof batch[i].name, "prefill %llu", (unsigned long long)(at + i + 1));
        }
        if (s->s->insert_many) rc = s->s->insert_many(s->self, ts, batch, m, ids + at);
        else
            for (size_t i = 0; i < m && !rc; i++) rc = s->s->insert(s->self, ts, &batch[i], &ids[at + i]);
        for (size_t i = 0; i < m && !rc; i++)
            if (!ids[at + i] || ids[at + i] > ID_MASK) rc = -ERANGE;
    }
    free(batch);
    return rc;
}

static void free_state(struct sstate *s)
{
    if (!s) return;
    for (unsigned i = 0; s->thr && i < s->nthr; i++) free(s->thr[i].ops);
    free(s->thr);
    free(s);
}

static int s_setup(struct trial_ctx *c, char *err, size_t n)
{
    const struct run_opts *o = c->o;
    struct sstate *s = calloc(1, sizeof *s);
    uint64_t *ids = NULL;
    struct wl_keygen g;
    int rc = -ENOMEM;
    if (!s) goto oom;
    s->s = (const struct lab_store *)c->impl;
    s->nthr = c->threads;
    if (!(s->thr = lab_calloc_aligned(sizeof *s->thr * c->threads))) goto oom;
    if ((rc = wl_keygen_init(&g, &o->store, o->seed, err, n)) != 0) goto fail;
    struct lab_store_cfg cfg = { .capacity_hint = o->store.keys, .shards = o->store.shards,
                                 .workers = o->store.workers, .nthreads = c->threads };
    if ((rc = s->s->create(&cfg, &s->self)) != 0) {
        snprintf(err, n, "store/%s: create failed: %s", c->impl->name, strerror(-rc));
        goto fail;
    }
    rc = -ENOMEM;
    if (!(ids = malloc(sizeof *ids * o->store.keys))) goto oom;
    if ((rc = prefill(s, c->w[0].tstate, ids, o->store.keys)) != 0) {
        snprintf(err, n, "store/%s: prefill: %s", c->impl->name,
                 rc == -ERANGE ? "id out of range" : strerror(-rc));
        goto fail;
    }
    for (unsigned i = 0; i < c->threads; i++) {
        c->w[i].fstate = &s->thr[i];
        template_task(&s->thr[i].tmpl, c->w[i].idx);
        if ((rc = build_stream(c, &g, ids, &c->w[i], &s->thr[i])) != 0) goto oom;
    }
    if ((rc = -pthread_barrier_init(&s->bar, NULL, c->threads)) != 0) goto oom;
    free(ids);
    c->fam = s;
    lab_alloc_totals(&s->a0);
    return 0;
oom:
    snprintf(err, n, "store/%s: out of memory in setup", c->impl->name);
    if (!rc) rc = -ENOMEM;
fail:
    if (s && s->self) s->s->destroy(s->self);
    free(ids);
    free_state(s);
    return rc;
}

/* Runs ops[from, to) (indices taken modulo len); returns the first hard error. */
static int run_ops(const struct sstate *s, struct worker *w, struct sthr *t, uint64_t from,
                   uint64_t to)
{
    const struct lab_store *st = s->s;
    void *self = s->self, *ts = w->tstate;
    struct lab_task *tmpl = &t->tmpl, out;
    uint64_t id_out, i = from % t->len;
    for (uint64_t k = from; k < to; k++) {
        uint64_t e = t->ops[i];
        if (++i == t->len) i = 0;
        uint64_t id = e & ID_MASK;
        int rc;
        switch ((enum wl_op)(e >> OP_SHIFT)) {
        case WL_READ: rc = st->get(self, ts, id, &out); t->count[WL_READ]++; break;
        case WL_UPDATE:
            tmpl->version = (uint32_t)k;
            rc = st->update(self, ts, id, tmpl);
            t->count[WL_UPDATE]++;
            break;
        case WL_INSERT:
            if ((rc = st->insert(self, ts, tmpl, &id_out)) == 0) t->inserted++;
            t->count[WL_INSERT]++;
            break;
        case WL_DELETE:
            if ((rc = st->remove(self, ts, id)) == 0) t->deleted++;
            t->count[WL_DELETE]++;
            break;
        case WL_SCAN:
        default: {
            uint64_t t0 = lab_now_ns();
            rc = st->scan(self, touch_record, NULL);
            t->scan_ns += lab_now_ns() - t0;
            t->count[WL_SCAN]++;
            break;
        }
        }
        if (rc && rc != -ENOENT) return rc;
    }
    return 0;
}

static void s_work(struct trial_ctx *c, struct worker *w)
{
    struct sstate *s = c->fam;
    struct sthr *t = w->fstate;
    int rc = 0;
    if (c->o->ops) {
        if (!w->quota) return;       /* the runner released us without work */
        for (int p = 0; p < NPHASES; p++) {
            if (p) pthread_barrier_wait(&s->bar);
            t->t_start[p] = lab_now_ns();
            if (!rc) rc = run_ops(s, w, t, t->seg[p], t->seg[p + 1]);
            t->t_end[p] = lab_now_ns();
        }
    } else {
        uint64_t k = 0;
        unsigned checks = 0;
        while (!rc && !trial_should_stop(c, &checks)) {
            rc = run_ops(s, w, t, k, k + STOP_CHECK);
            k += STOP_CHECK;
        }
    }
    w->ops = 0;
    for (int i = 0; i < WL_NOPS; i++) w->ops += t->count[i];
    w->err = rc;
}

/* Wall time of phase p over the threads: earliest start to latest end. */
static double phase_ns(const struct sstate *s, int p)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < s->nthr; i++) {
        if (s->thr[i].t_start[p] && s->thr[i].t_start[p] < lo) lo = s->thr[i].t_start[p];
        if (s->thr[i].t_end[p] > hi) hi = s->thr[i].t_end[p];
    }
    return hi > lo ? (double)(hi - lo) : 0;
}

static void s_finish(struct trial_ctx *c, struct trial *t)
{
    struct sstate *s = c->fam;
    struct lab_alloc_totals a1;
    lab_alloc_totals(&a1);
    uint64_t inserted = 0, deleted = 0, scan_ns = 0;
    for (unsigned i = 0; i < s->nthr; i++) {
        struct sthr *h = &s->thr[i];
        for (int k = 0; k < WL_NOPS; k++) t->op_count[k] += h->count[k];
        inserted += h->inserted;
        deleted += h->deleted;
        scan_ns += h->scan_ns;
    }
    uint64_t reads = t->op_count[WL_READ], scans = t->op_count[WL_SCAN];
    uint64_t writes = t->op_count[WL_UPDATE] + t->op_count[WL_INSERT] + t->op_count[WL_DELETE];
    int phased = c->o->ops != 0;
    t->read_ns = phased && reads ? phase_ns(s, 0) / (double)reads : NAN;
    t->write_ns = phased && writes ? phase_ns(s, 1) / (double)writes : NAN;
    t->scan_ms = scans ? (double)scan_ns / 1e6 / (double)scans : NAN;
    t->bytes_per_op = t->ops ? (double)(a1.bytes - s->a0.bytes) / (double)t->ops : NAN;
    t->allocs_per_op = t->ops ? (double)(a1.allocs - s->a0.allocs) / (double)t->ops : NAN;

    _Atomic uint64_t live = 0;
    int rc = s->s->scan(s->self, count_record, &live);
    t->expected = c->o->store.keys + inserted - deleted;
    t->delivered = live;
    if (t->note[0]) t->verdict = VERDICT_FAIL;
    else if (rc) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "final scan returned %s", strerror(-rc));
    } else if (live != t->expected) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "final scan saw %llu records, expected %llu",
                 (unsigned long long)live, (unsigned long long)t->expected);
    } else {
        t->verdict = VERDICT_OK;
    }
    pthread_barrier_destroy(&s->bar);
    s->s->destroy(s->self);
    free_state(s);
}

static void summarize_finite(const struct cell *c, size_t off, struct summary *out)
{
    double *v = malloc(sizeof *v * (c->ntrials ? c->ntrials : 1));
    size_t m = 0;
    memset(out, 0, sizeof *out);
    out->median = out->min = out->max = out->mean = NAN;
    if (!v) return;
    for (size_t k = 0; k < c->ntrials; k++) {
        double x = *(const double *)((const char *)&c->trials[k] + off);
        if (isfinite(x)) v[m++] = x;
    }
    if (m) summarize(v, m, out);
    free(v);
}

void store_cell_finish(struct cell *c)
{
    if (strcmp(c->impl->family, "store") != 0) return;
    summarize_finite(c, offsetof(struct trial, read_ns), &c->read_ns);
    summarize_finite(c, offsetof(struct trial, write_ns), &c->write_ns);
    summarize_finite(c, offsetof(struct trial, scan_ms), &c->scan_ms);
    summarize_finite(c, offsetof(struct trial, bytes_per_op), &c->bytes_per_op);
    summarize_finite(c, offsetof(struct trial, allocs_per_op), &c->allocs_per_op);
}

const struct family_driver store_driver = {
    .family = "store", .setup = s_setup, .work = s_work, .finish = s_finish,
};
