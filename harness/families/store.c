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
 * B/op and allocs/op: every allocation (lib/lab_alloc.h counts plain malloc
 * as much as lab_malloc), summed over all threads between the end of setup
 * and the start of finish (the threads are joined by then), divided by all
 * ops.
 *
 * Verdict: no op may fail other than with -ENOENT (a key deleted
 * earlier); then an untimed check pass (store_check.h) races readers and
 * writers on the same records, every copy checked for being whole and
 * every update for not being lost ("torn record", "lost update"); after
 * it, a scan must see exactly keys + inserts - deletes records (each with a
 * non-zero id); and after destroy() the variant must hold no memory it
 * allocated from create() on ("leaked N bytes in M blocks"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "lab_alloc.h"
#include "lab_store.h"
#include "lat_sample.h"
#include "store_check.h"
#include "workload.h"

/* The family's options (run_opts.fcfg): the workload and the store's shape. */
struct store_cfg {
    struct wl_spec wl;
};

enum {
    STORE_M_READ_NS,
    STORE_M_WRITE_NS,
    STORE_M_BYTES,
    STORE_M_ALLOCS,
    STORE_M_SCAN_MS,
    STORE_M_OPS,                         /* one count per op type (WL_NOPS) */
    STORE_M_LAT = STORE_M_OPS + WL_NOPS, /* FAM_LAT_POOL_NMETRICS sampled op latencies */
    STORE_M_ALLOC_REC = STORE_M_LAT + FAM_LAT_POOL_NMETRICS,
    STORE_M_HELD_REC,
    STORE_M_BACKLOG
};

#define OP_SHIFT 61
#define ID_MASK ((UINT64_C(1) << OP_SHIFT) - 1)
#define NPHASES 3
#define WRAP_TOTAL (UINT64_C(1) << 24) /* fixed-time stream entries, all threads */

struct sthr {
    LAB_ALIGNED uint64_t *ops;
    uint64_t len;
    uint64_t seg[NPHASES + 1]; /* phase p is ops[seg[p] .. seg[p+1]) */
    uint64_t count[WL_NOPS];
    uint64_t inserted, deleted;
    uint64_t t_start[NPHASES], t_end[NPHASES];
    uint64_t scan_ns;
    struct lab_task tmpl; /* the record this thread writes, built before the gate */
    struct fam_lat_thr lat;
    int err;
};

struct sstate {
    const struct lab_store *s;
    void *self;
    struct sthr *thr;
    unsigned nthr;
    struct lab_barrier bar;
    struct lab_alloc_totals before, a0; /* before create(); after setup */
    struct fam_lat lat;
};

static int store_phase_of(enum wl_op op) { return op == WL_READ ? 0 : op == WL_SCAN ? 2 : 1; }

static int store_count_record(void *arg, const struct lab_task *t)
{
    _Atomic uint64_t *n = arg;
    if (t->id) atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
    return 0;
}

/* The timed scans' callback: touches the record, shares nothing. */
static _Thread_local uint64_t store_scan_sink;

static int store_touch_record(void *arg, const struct lab_task *t)
{
    (void)arg;
    store_scan_sink += t->id;
    return 0;
}

static void store_template(struct lab_task *t, unsigned idx)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "task from thread %u", idx);
}

/* Builds thread w's stream: fixed work = one entry per op, sorted into
   phases (stable); fixed time = a buffer in mix order that the loop wraps. */
static int store_build_stream(struct trial_ctx *c, const struct wl_keygen *g, const uint64_t *ids,
                              struct worker *w, struct sthr *t)
{
    const struct run_opts *o = c->o;
    const struct store_cfg *sc = c->fcfg;
    uint64_t len = w->quota;
    if (!o->ops) {
        len = WRAP_TOTAL / c->threads;
        if (len < 4096) len = 4096;
        if (len > (UINT64_C(1) << 20)) len = UINT64_C(1) << 20;
    }
    uint64_t *raw = malloc(sizeof *raw * (len ? len : 1));
    t->ops = malloc(sizeof *t->ops * (len ? len : 1));
    if (!raw || !t->ops) {
        free(raw);
        return -ENOMEM;
    }
    t->len = len;
    struct wl_rng rng;
    wl_rng_seed(&rng, o->seed, w->idx);
    uint64_t per_phase[NPHASES] = { 0 };
    for (uint64_t i = 0; i < len; i++) {
        enum wl_op op = wl_mix_pick(sc->wl.mix, &rng);
        uint64_t id = 0;
        if (op != WL_INSERT && op != WL_SCAN) id = ids[wl_keygen_next(g, &rng, i) - 1];
        raw[i] = (uint64_t)op << OP_SHIFT | id;
        per_phase[store_phase_of(op)]++;
    }
    if (!o->ops) {
        memcpy(t->ops, raw, sizeof *raw * len);
        t->seg[0] = 0;
        for (int p = 1; p <= NPHASES; p++) t->seg[p] = len;
    } else {
        uint64_t at[NPHASES];
        t->seg[0] = 0;
        for (int p = 0; p < NPHASES; p++)
            t->seg[p + 1] = t->seg[p] + per_phase[p], at[p] = t->seg[p];
        for (uint64_t i = 0; i < len; i++)
            t->ops[at[store_phase_of((enum wl_op)(raw[i] >> OP_SHIFT))]++] = raw[i];
    }
    free(raw);
    return 0;
}

/* Inserts keys records (key k is record k-1), in chunks through
   insert_many where the variant has it. */
static int store_prefill(struct trial_ctx *c, struct sstate *s, void *ts, uint64_t *ids,
                         uint64_t keys)
{
    enum { CHUNK = 4096 };
    struct lab_task *batch = malloc(sizeof *batch * CHUNK);
    int rc = batch ? 0 : -ENOMEM;
    for (uint64_t at = 0; !rc && at < keys; at += CHUNK, trial_tick(c)) {
        size_t m = keys - at < CHUNK ? (size_t)(keys - at) : CHUNK;
        for (size_t i = 0; i < m; i++) {
            store_template(&batch[i], 0);
            snprintf(batch[i].name, sizeof batch[i].name, "prefill %llu",
                     (unsigned long long)at + i + 1);
        }
        if (s->s->insert_many)
            rc = s->s->insert_many(s->self, ts, batch, m, ids + at);
        else
            for (size_t i = 0; i < m && !rc; i++)
                rc = s->s->insert(s->self, ts, &batch[i], &ids[at + i]);
        for (size_t i = 0; i < m && !rc; i++)
            if (!ids[at + i] || ids[at + i] > ID_MASK) rc = -ERANGE;
    }
    free(batch);
    return rc;
}

/* The driver's own memory is not counted against the variant. */
static void store_free_state(struct sstate *s)
{
    if (!s) return;
    double m[FAM_LAT_POOL_NMETRICS];
    if (s->lat.slot) fam_lat_finish(&s->lat, m);
    lab_alloc_pause();
    for (unsigned i = 0; s->thr && i < s->nthr; i++) free(s->thr[i].ops);
    free(s->thr);
    free(s);
    lab_alloc_resume();
}

static int store_setup(struct trial_ctx *c, char *err, size_t n)
{
    const struct run_opts *o = c->o;
    const struct store_cfg *sc = c->fcfg;
    uint64_t *ids = NULL;
    struct wl_keygen g;
    int rc = -ENOMEM;
    lab_alloc_pause(); /* the driver's memory (the variant's is counted) */
    struct sstate *s = calloc(1, sizeof *s);
    if (s) s->thr = lab_calloc_aligned(sizeof *s->thr * c->threads);
    if (s) ids = malloc(sizeof *ids * sc->wl.keys);
    lab_alloc_resume();
    if (!s || !s->thr || !ids || fam_lat_init(&s->lat, c->threads)) goto oom;
    s->s = (const struct lab_store *)c->impl;
    s->nthr = c->threads;
    if ((rc = wl_keygen_init(&g, &sc->wl, o->seed, err, n)) != 0) goto fail;
    struct lab_store_cfg cfg = { .capacity_hint = sc->wl.keys,
                                 .shards = sc->wl.shards,
                                 .workers = sc->wl.workers,
                                 .nthreads = c->threads };
    lab_alloc_totals(&s->before);
    if ((rc = s->s->create(&cfg, &s->self)) != 0) {
        snprintf(err, n, "store/%s: create failed: %s", c->impl->name, strerror(-rc));
        goto fail;
    }
    c->self = s->self;
    if ((rc = run_impl_thread_init(c)) != 0) {
        snprintf(err, n, "store/%s: thread_init failed: %s", c->impl->name, strerror(-rc));
        goto fail;
    }
    if ((rc = store_prefill(c, s, c->w[0].tstate, ids, sc->wl.keys)) != 0) {
        snprintf(err, n, "store/%s: prefill: %s", c->impl->name,
                 rc == -ERANGE ? "id out of range" : strerror(-rc));
        goto fail;
    }
    lab_alloc_pause();
    for (unsigned i = 0; !rc && i < c->threads; i++, trial_tick(c)) {
        c->w[i].fstate = &s->thr[i];
        store_template(&s->thr[i].tmpl, c->w[i].idx);
        fam_lat_thread(&s->lat, &s->thr[i].lat, c->w[i].idx, FAM_LAT_EVERY);
        rc = store_build_stream(c, &g, ids, &c->w[i], &s->thr[i]);
    }
    lab_barrier_init(&s->bar, c->threads);
    free(ids);
    ids = NULL;
    lab_alloc_resume();
    if (rc) goto oom;
    c->fam = s;
    lab_alloc_totals(&s->a0);
    return 0;
oom:
    snprintf(err, n, "store/%s: out of memory in setup", c->impl->name);
    if (!rc) rc = -ENOMEM;
fail:
    if (s && s->self) s->s->destroy(s->self);
    lab_alloc_pause();
    free(ids);
    lab_alloc_resume();
    store_free_state(s);
    return rc;
}

/* Runs ops[from, to) (indices taken modulo len); returns the first hard error. */
static int store_run_ops(struct trial_ctx *c, const struct sstate *s, struct worker *w,
                         struct sthr *t, uint64_t from, uint64_t to)
{
    const struct lab_store *st = s->s;
    void *self = s->self, *ts = w->tstate;
    struct lab_task *tmpl = &t->tmpl, out;
    uint64_t id_out, i = from % t->len;
    for (uint64_t k = from; k < to; k++) {
        if (k % STOP_CHECK == 0) {
            trial_beat(w, k);
            if (c->preempt) trial_preempt_point(c, w);
        }
        uint64_t e = t->ops[i];
        if (++i == t->len) i = 0;
        uint64_t id = e & ID_MASK;
        int rc, timed = fam_lat_due(&t->lat);
        uint64_t t_op = timed ? lab_now_ns() : 0;
        switch ((enum wl_op)(e >> OP_SHIFT)) {
        case WL_READ:
            rc = st->get(self, ts, id, &out);
            t->count[WL_READ]++;
            break;
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
            rc = st->scan_ts ? st->scan_ts(self, ts, store_touch_record, NULL)
                             : st->scan(self, store_touch_record, NULL);
            t->scan_ns += lab_now_ns() - t0;
            t->count[WL_SCAN]++;
            break;
        }
        }
        if (timed) fam_lat_record(&t->lat, lab_now_ns() - t_op);
        if (rc && rc != -ENOENT) return rc;
    }
    return 0;
}

static void store_work(struct trial_ctx *c, struct worker *w)
{
    struct sstate *s = c->fam;
    struct sthr *t = w->fstate;
    int rc = 0;
    if (c->o->ops) {
        if (!w->quota) return; /* the runner released us without work */
        for (int p = 0; p < NPHASES; p++) {
            if (p) lab_barrier_wait(&s->bar);
            t->t_start[p] = lab_now_ns();
            if (!rc) rc = store_run_ops(c, s, w, t, t->seg[p], t->seg[p + 1]);
            t->t_end[p] = lab_now_ns();
        }
    } else {
        uint64_t k = 0;
        unsigned checks = 0;
        while (!rc && !trial_should_stop(c, w, &checks)) {
            rc = store_run_ops(c, s, w, t, k, k + STOP_CHECK);
            k += STOP_CHECK;
        }
    }
    w->ops = 0;
    for (int i = 0; i < WL_NOPS; i++) w->ops += t->count[i];
    w->err = rc;
}

/* Wall time of phase p over the threads: earliest start to latest end. */
static double store_phase_ns(const struct sstate *s, int p)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < s->nthr; i++) {
        if (s->thr[i].t_start[p] && s->thr[i].t_start[p] < lo) lo = s->thr[i].t_start[p];
        if (s->thr[i].t_end[p] > hi) hi = s->thr[i].t_end[p];
    }
    return hi > lo ? (double)(hi - lo) : 0;
}

static void store_check_tick(void *arg) { trial_tick(arg); }

/* The check pass, then the count of live records. */
static void store_verdict(struct trial_ctx *c, struct sstate *s, struct trial *t, uint64_t inserted,
                          uint64_t deleted)
{
    if (!t->note[0]) {
        struct fam_store_check chk = { .s = s->s,
                                       .self = s->self,
                                       .threads = c->threads < 4 ? 4
                                           : c->threads > 8      ? 8
                                                                 : c->threads,
                                       .tick = store_check_tick,
                                       .tick_arg = c };
        fam_store_check_pass(&chk, t->note, sizeof t->note);
    }
    _Atomic uint64_t live = 0;
    int rc = s->s->scan_ts ? s->s->scan_ts(s->self, c->w[0].tstate, store_count_record, &live)
                           : s->s->scan(s->self, store_count_record, &live);
    t->expected = ((const struct store_cfg *)c->fcfg)->wl.keys + inserted - deleted;
    t->delivered = live;
    if (!t->note[0] && rc)
        snprintf(t->note, sizeof t->note, "final scan returned %s", strerror(-rc));
    else if (!t->note[0] && live != t->expected)
        snprintf(t->note, sizeof t->note, "final scan saw %llu records, expected %llu",
                 (unsigned long long)live, (unsigned long long)t->expected);
    t->verdict = t->note[0] ? VERDICT_FAIL : VERDICT_OK;
}

static void store_finish(struct trial_ctx *c, struct trial *t)
{
    struct sstate *s = c->fam;
    struct lab_alloc_totals a1;
    lab_alloc_totals(&a1);
    uint64_t inserted = 0, deleted = 0, scan_ns = 0, op_count[WL_NOPS] = { 0 };
    for (unsigned i = 0; i < s->nthr; i++) {
        struct sthr *h = &s->thr[i];
        for (int k = 0; k < WL_NOPS; k++) op_count[k] += h->count[k];
        inserted += h->inserted;
        deleted += h->deleted;
        scan_ns += h->scan_ns;
    }
    uint64_t reads = op_count[WL_READ], scans = op_count[WL_SCAN];
    uint64_t writes = op_count[WL_UPDATE] + op_count[WL_INSERT] + op_count[WL_DELETE];
    int phased = c->o->ops != 0;
    t->m[STORE_M_READ_NS] = phased && reads ? store_phase_ns(s, 0) / (double)reads : NAN;
    t->m[STORE_M_WRITE_NS] = phased && writes ? store_phase_ns(s, 1) / (double)writes : NAN;
    t->m[STORE_M_SCAN_MS] = scans ? (double)scan_ns / 1e6 / (double)scans : NAN;
    t->m[STORE_M_BYTES] = t->ops ? (double)(a1.bytes - s->a0.bytes) / (double)t->ops : NAN;
    t->m[STORE_M_ALLOCS] = t->ops ? (double)(a1.allocs - s->a0.allocs) / (double)t->ops : NAN;
    for (int k = 0; k < WL_NOPS; k++) t->m[STORE_M_OPS + k] = (double)op_count[k];
    /* memory at the end of the timed region: what the variant allocated
       since create() and still holds, per live record; its backlog */
    double live = (double)(((const struct store_cfg *)c->fcfg)->wl.keys + inserted - deleted);
    t->m[STORE_M_ALLOC_REC] = live > 0 ? (double)(a1.bytes - s->before.bytes) / live : NAN;
    t->m[STORE_M_HELD_REC] = !(live > 0) ? NAN
        : a1.held > s->before.held       ? (double)(a1.held - s->before.held) / live
                                         : 0; /* a runner's frees of older blocks count too */
    if (s->s->backlog) t->m[STORE_M_BACKLOG] = (double)s->s->backlog(s->self);
    fam_lat_finish(&s->lat, &t->m[STORE_M_LAT]);

    trial_phase(c, RUN_PH_CHECK);
    store_verdict(c, s, t, inserted, deleted);
    run_impl_thread_exit(c);
    trial_phase(c, RUN_PH_DESTROY);
    s->s->destroy(s->self);
    run_trial_leak_check(t, &s->before);
    store_free_state(s);
}

static void store_defaults(void *cfg) { wl_spec_defaults(&((struct store_cfg *)cfg)->wl); }

static int store_check(const void *cfg, char *err, size_t n)
{
    const char *why = wl_spec_error(&((const struct store_cfg *)cfg)->wl);
    if (why) snprintf(err, n, "%s", why);
    return why ? -EINVAL : 0;
}

static void store_note(FILE *f, const void *cfg)
{
    const struct wl_spec *w = &((const struct store_cfg *)cfg)->wl;
    char mix[128];
    wl_mix_format(w->mix, mix, sizeof mix);
    fprintf(f,
            "%llu keys, %s%s, mix %s; medians; read/write ns/op from separate timed phases"
            " (n/a with --duration); B/op, allocs/op: counted allocations per op\n",
            (unsigned long long)w->keys, wl_dist_name(w->dist), w->scramble ? " scrambled" : "",
            mix);
}

/* The workload's options (workloads/workload.h) and the store's shape. */
#define O(f) offsetof(struct store_cfg, f)
static const struct opt_spec store_opts[] = {
    { "shards", OPT_UINT, O(wl.shards), "N", "shards, a power of two (default 32)", 1, 1u << 16,
      OPT_POW2 },
    { "workers", OPT_UINT, O(wl.workers), "N",
      "worker threads: channel actors (default 4), pooled\n"
      "threads per core pool (default 1)",
      1, 1024 },
    { 0 }
};
#undef O

/* struct store_cfg starts with its struct wl_spec: wl_opts' offsets hold */
_Static_assert(offsetof(struct store_cfg, wl) == 0, "wl_opts writes at offset 0");
static const struct opt_spec *const store_tables[] = { wl_opts, store_opts, NULL };

static const struct fam_metric store_metrics[] = {
    [STORE_M_READ_NS] = { "read_ns", "ns/op", -1, FAM_M_SUMMARY, "read ns/op", "%.1f" },
    [STORE_M_WRITE_NS] = { "write_ns", "ns/op", -1, FAM_M_SUMMARY, "write ns/op", "%.1f" },
    [STORE_M_BYTES] = { "bytes_per_op", "B/op", -1, FAM_M_SUMMARY, "B/op", "%.2f" },
    [STORE_M_ALLOCS] = { "allocs_per_op", "allocs/op", -1, FAM_M_SUMMARY, "allocs/op", "%.3f" },
    [STORE_M_SCAN_MS] = { "scan_ms", "ms", -1, FAM_M_SUMMARY, "scan ms", "%.3f" },
    [STORE_M_OPS + WL_READ] = { "reads", "ops", 0, FAM_M_INT },
    [STORE_M_OPS + WL_UPDATE] = { "updates", "ops", 0, FAM_M_INT },
    [STORE_M_OPS + WL_INSERT] = { "inserts", "ops", 0, FAM_M_INT },
    [STORE_M_OPS + WL_DELETE] = { "deletes", "ops", 0, FAM_M_INT },
    [STORE_M_OPS + WL_SCAN] = { "scans", "ops", 0, FAM_M_INT },
    [STORE_M_LAT] = FAM_LAT_POOL_METRICS,
    [STORE_M_ALLOC_REC] = { "alloc_per_record", "B/record", -1, FAM_M_SUMMARY, "alloc B/rec",
                            "%.1f", "memory" },
    [STORE_M_HELD_REC] = { "held_per_record", "B/record", -1, FAM_M_SUMMARY, "held B/rec", "%.1f",
                           "memory" },
    [STORE_M_BACKLOG] = { "backlog", "records", -1, FAM_M_SUMMARY | FAM_M_INT, "backlog", "%.0f",
                          "memory" },
};

const struct family_driver fam_store = {
    .abi = FAM_ABI_VERSION,
    .name = "store",
    .summary = "a concurrent key-value store of Task records (get, update, insert, delete, scan)",
    .check = "consistent",
    .opts = store_tables,
    .cfg_size = sizeof(struct store_cfg),
    .cfg_defaults = store_defaults,
    .cfg_check = store_check,
    .metrics = store_metrics,
    .nmetrics = sizeof store_metrics / sizeof *store_metrics,
    .table_note = store_note,
    .setup = store_setup,
    .work = store_work,
    .finish = store_finish,
    .flags = FAM_F_BEATS,
};
