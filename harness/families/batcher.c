/* The batcher driver: one for every batcher implementation.
 *
 * Thread i adds the items (i << 40) | 0, 1, 2 ... so every item is unique.
 * The oracle is a record per item: the sink sets item k of thread i's bit
 * in a bitmap of thread i's (sized to its quota with fixed work, grown by
 * doubling with fixed time); an item whose bit is already set is
 * duplicated, one that names no producer or lies past the items added is
 * foreign, and after close() every unset bit below a producer's count is a
 * lost item. The sink also checks the contract's other half: never called
 * concurrently with itself, no empty or oversized batch. The sink's cost is
 * one bit test per item (the former count + checksum cost as much and could
 * not tell a loss from a duplicate).
 *
 * Latency (docs/latency.md): add-to-delivery. A producer stamps item k
 * when k is a multiple of `every` (1 in BATCHER_LAT_EVERY at full speed;
 * with --rate, about 100 per second per producer): the clock, less the
 * trial's base, goes into a ring of BATCHER_LAT_RING stamps of its own
 * (one relaxed atomic word: the stamp's low 40 bits, the sample's number
 * above), just before add(). The sink reads the clock once per batch that
 * holds a stamped item and records now - stamp when the slot still holds
 * that item's sample (else it counts it unmatched: the producer got a
 * ring's worth of samples ahead). --rate paces each producer at an absolute
 * schedule (item i due at start + i / rate), so a slow producer shows the
 * flush timeout and a fast one the batch fill time.
 *
 * Memory: everything the variant allocated from create() on must be freed
 * by destroy() (lab_alloc.h counts every malloc): otherwise the cell fails
 * with "leaked N bytes in M blocks". */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "lab_alloc.h"
#include "lab_batcher.h"
#include "lat_sample.h"

/* The family's options (run_opts.fcfg). */
struct batcher_cfg {
    struct lab_batcher_cfg b;
    uint64_t sink_cost_ns; /* simulated consumer work per batch */
    double rate;           /* items per second per producer; 0 = as fast as it can */
};

enum {
    BATCHER_M_BATCHES,
    BATCHER_M_MAX_BATCH,
    BATCHER_M_LAT, /* FAM_LAT_NMETRICS add-to-delivery latencies */
    BATCHER_M_UNMATCHED = BATCHER_M_LAT + FAM_LAT_NMETRICS,
    BATCHER_M_IN_FLIGHT,
    BATCHER_M_HELD_KIB
};

#define BATCHER_LAT_EVERY 256u /* full speed: 1 item in 256 stamped */
#define BATCHER_LAT_RING 128u  /* stamps per producer */
#define STAMP_BITS 40          /* ns since the base: 18 minutes */
#define STAMP_MASK ((UINT64_C(1) << STAMP_BITS) - 1)

#define ITEM_BITS 40
#define ITEM_MASK ((UINT64_C(1) << ITEM_BITS) - 1)
/* fixed time: a bitmap grows to hold item k only when k is within this of
   its size (a real item cannot be further ahead: see batcher_grow) */
#define GROW_SLACK (UINT64_C(1) << 24)

struct bmap { /* one producer's items: bit k = item k delivered */
    uint64_t *bits;
    uint64_t cap; /* bits */
};

struct vsink {
    uint64_t count, batches, max_batch, bad_batches;
    uint64_t dups, foreign, first_dup, first_foreign;
    struct bmap *m;
    unsigned nthr;
    int fixed;     /* fixed work: bitmaps are exactly the quotas */
    int no_memory; /* a bitmap could not grow */
    _Atomic int inside, overlapped;
    size_t batch_limit;
    uint64_t cost_ns;
    _Atomic uint64_t delivered; /* count, for finish() while the sink may run */
    /* latency: the producers' stamps, nthr rings; the sink's histogram */
    _Atomic uint64_t *stamps;
    uint64_t base, every, unmatched;
    struct lab_hist lat;
};

struct bstate {
    const struct lab_batcher *b;
    void *self;
    struct vsink sink;
    struct lab_alloc_totals before; /* just before create() */
};

/* Fixed time: room for item k in m (the harness's own memory: not counted
   against the variant). A producer's items reach the sink roughly in
   order, at most a queue's worth late, so an item far past the bitmap's
   end was never added. 0, or -1 when k is foreign or memory is short. */
static int batcher_grow(struct vsink *s, struct bmap *m, uint64_t k)
{
    if (s->fixed || k >= 2 * m->cap + GROW_SLACK) return -1;
    uint64_t cap = m->cap ? m->cap : 4096;
    while (cap <= k) cap *= 2;
    lab_alloc_pause();
    uint64_t *bits = realloc(m->bits, cap / 8);
    lab_alloc_resume();
    if (!bits) {
        s->no_memory = 1;
        return -1;
    }
    memset(bits + m->cap / 64, 0, (cap - m->cap) / 8);
    m->bits = bits;
    m->cap = cap;
    return 0;
}

/* Item k of producer t was stamped: its latency, if the stamp is still
   its own (now is read once per batch, 0 until then). */
static void batcher_latency(struct vsink *s, uint64_t t, uint64_t k, uint64_t *now)
{
    uint64_t sample = k / s->every;
    uint64_t v = atomic_load_explicit(&s->stamps[t * BATCHER_LAT_RING + sample % BATCHER_LAT_RING],
                                      memory_order_relaxed);
    if (v >> STAMP_BITS != (sample & (UINT64_MAX >> STAMP_BITS))) {
        s->unmatched++;
        return;
    }
    if (!*now) *now = lab_now_ns() - s->base;
    lab_hist_record(&s->lat, *now > (v & STAMP_MASK) ? *now - (v & STAMP_MASK) : 0);
}

static void batcher_deliver(void *arg, const uint64_t *items, size_t n)
{
    struct vsink *s = arg;
    if (atomic_exchange_explicit(&s->inside, 1, memory_order_acquire))
        atomic_store_explicit(&s->overlapped, 1, memory_order_relaxed);
    uint64_t now = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = items[i] >> ITEM_BITS, k = items[i] & ITEM_MASK;
        struct bmap *m = t < s->nthr ? &s->m[t] : NULL;
        if (m && k % s->every == 0) batcher_latency(s, t, k, &now);
        if (!m || (k >= m->cap && batcher_grow(s, m, k))) {
            if (!s->foreign++) s->first_foreign = items[i];
            continue;
        }
        uint64_t *w = &m->bits[k / 64], bit = UINT64_C(1) << (k % 64);
        if (*w & bit) {
            if (!s->dups++) s->first_dup = items[i];
        }
        *w |= bit;
    }
    s->count += n;
    atomic_store_explicit(&s->delivered, s->count, memory_order_relaxed);
    s->batches++;
    if (n > s->max_batch) s->max_batch = n;
    if (n == 0 || n > s->batch_limit) s->bad_batches++;
    lab_burn_ns(s->cost_ns);
    atomic_store_explicit(&s->inside, 0, memory_order_release);
}

static void batcher_free_state(struct bstate *s)
{
    lab_alloc_pause();
    for (unsigned i = 0; s->sink.m && i < s->sink.nthr; i++) free(s->sink.m[i].bits);
    free(s->sink.m);
    free(s->sink.stamps);
    lab_hist_free(&s->sink.lat);
    free(s);
    lab_alloc_resume();
}

/* 1 item in how many is stamped: BATCHER_LAT_EVERY at full speed; at a
   set rate, the power of two that gives about 100 samples a second per
   producer (every item below 200/s): a ring then spans over a second. */
static uint64_t batcher_every(double rate)
{
    if (!(rate > 0)) return BATCHER_LAT_EVERY;
    uint64_t e = 1;
    while ((double)e * 200 <= rate) e *= 2;
    return e;
}

static int batcher_setup(struct trial_ctx *c, char *err, size_t n)
{
    const struct batcher_cfg *bc = c->fcfg;
    lab_alloc_pause();
    struct bstate *s = calloc(1, sizeof *s);
    int rc = s && (s->sink.m = calloc(c->threads, sizeof *s->sink.m)) ? 0 : -ENOMEM;
    if (s) s->sink.nthr = c->threads;
    if (!rc
        && (!(s->sink.stamps =
                  calloc((size_t)c->threads * BATCHER_LAT_RING, sizeof *s->sink.stamps))
            || lab_hist_init(&s->sink.lat, FAM_LAT_HIGHEST)))
        rc = -ENOMEM;
    for (unsigned i = 0; !rc && c->o->ops && i < c->threads; i++) {
        struct bmap *m = &s->sink.m[i];
        m->cap = c->w[i].quota;
        /* written now, so the timed region takes no page faults for it */
        if (m->cap && !(m->bits = malloc((m->cap + 63) / 64 * 8))) rc = -ENOMEM;
        if (m->bits) memset(m->bits, 0, (m->cap + 63) / 64 * 8);
    }
    lab_alloc_resume();
    if (rc) {
        snprintf(err, n, "out of memory for the item record");
        if (s) batcher_free_state(s);
        return rc;
    }
    s->b = (const struct lab_batcher *)c->impl;
    s->sink.fixed = c->o->ops != 0;
    s->sink.batch_limit = bc->b.batch_size;
    s->sink.cost_ns = bc->sink_cost_ns;
    s->sink.every = batcher_every(bc->rate);
    s->sink.base = lab_now_ns();
    struct lab_batcher_cfg cfg = bc->b;
    cfg.nthreads = c->threads;
    struct lab_sink sink = { batcher_deliver, &s->sink };
    lab_alloc_totals(&s->before);
    rc = s->b->create(&cfg, &sink, &s->self);
    c->self = s->self;
    if (!rc && (rc = run_impl_thread_init(c)) != 0) s->b->destroy(s->self);
    if (rc) {
        snprintf(err, n, "batcher/%s: create failed: %s", c->impl->name, strerror(-rc));
        batcher_free_state(s);
        return rc;
    }
    c->fam = s;
    return 0;
}

/* Item i's add(), stamped first when it is a sample. */
static inline int batcher_add_one(struct bstate *s, struct worker *w, uint64_t base, uint64_t i)
{
    struct vsink *v = &s->sink;
    if (i % v->every == 0) {
        uint64_t sample = i / v->every;
        atomic_store_explicit(&v->stamps[w->idx * BATCHER_LAT_RING + sample % BATCHER_LAT_RING],
                              (sample << STAMP_BITS) | ((lab_now_ns() - v->base) & STAMP_MASK),
                              memory_order_relaxed);
    }
    return s->b->add(s->self, w->tstate, base | i);
}

/* Adds base | [from, to), publishing progress every STOP_CHECK items. */
static int batcher_add_range(struct bstate *s, struct worker *w, uint64_t base, uint64_t *i,
                             uint64_t to)
{
    while (*i < to) {
        uint64_t end = to - *i > STOP_CHECK ? *i + STOP_CHECK : to;
        for (; *i < end; ++*i) {
            int rc = batcher_add_one(s, w, base, *i);
            if (rc) return rc;
        }
        trial_beat(w, *i);
    }
    return 0;
}

/* --rate: item i is due at start + i / rate; stops at the quota, or at the
   stop flag or the deadline (fixed time), checked before every item. */
static int batcher_add_paced(struct trial_ctx *c, struct bstate *s, struct worker *w, uint64_t base,
                             uint64_t *i)
{
    double period = 1e9 / ((const struct batcher_cfg *)c->fcfg)->rate;
    uint64_t start = lab_now_ns();
    for (;; ++*i) {
        uint64_t due = start + (uint64_t)((double)*i * period);
        if (c->o->ops ? *i >= w->quota
                      : atomic_load_explicit(&c->stop, memory_order_relaxed) || due >= c->deadline)
            return 0;
        lab_sleep_until(due);
        if (c->preempt) trial_preempt_point(c, w);
        int rc = batcher_add_one(s, w, base, *i);
        if (rc) return rc;
        trial_beat(w, *i + 1);
    }
}

static void batcher_work(struct trial_ctx *c, struct worker *w)
{
    struct bstate *s = c->fam;
    const uint64_t base = (uint64_t)w->idx << ITEM_BITS;
    uint64_t i = 0;
    int rc = 0;
    if (((const struct batcher_cfg *)c->fcfg)->rate > 0) {
        rc = batcher_add_paced(c, s, w, base, &i);
    } else if (c->o->ops) {
        while (!rc && i < w->quota) rc = batcher_add_range(s, w, base, &i, trial_chunk(c, w, i));
    } else {
        unsigned checks = 0;
        while (!rc && !trial_should_stop(c, w, &checks))
            rc = batcher_add_range(s, w, base, &i, i + STOP_CHECK);
    }
    w->ops = i;
    int frc = s->b->flush(s->self, w->tstate);
    w->err = rc ? rc : frc;
}

/* Lost items (unset bits below each producer's count) and foreign ones
   (set bits past it); the first lost one. */
static void batcher_tally(struct trial_ctx *c, struct vsink *s, uint64_t *lost, uint64_t *first)
{
    *lost = 0;
    for (unsigned t = 0; t < s->nthr; t++) {
        const struct bmap *m = &s->m[t];
        uint64_t ops = c->w[t].ops, words = (m->cap + 63) / 64;
        for (uint64_t wi = 0; wi < words; wi++) {
            uint64_t lo = wi * 64, bits = m->bits[wi];
            uint64_t added = ops <= lo ? 0
                : ops - lo >= 64       ? ~UINT64_C(0)
                                       : (UINT64_C(1) << (ops - lo)) - 1;
            uint64_t missing = ~bits & added, extra = bits & ~added;
            if (missing && !*lost)
                *first = (uint64_t)t << ITEM_BITS | (lo + (uint64_t)__builtin_ctzll(missing));
            *lost += (uint64_t)__builtin_popcountll(missing);
            if (extra && !s->foreign)
                s->first_foreign =
                    (uint64_t)t << ITEM_BITS | (lo + (uint64_t)__builtin_ctzll(extra));
            s->foreign += (uint64_t)__builtin_popcountll(extra);
        }
        if (ops > m->cap) { /* added, never delivered, past the bitmap */
            if (!*lost) *first = (uint64_t)t << ITEM_BITS | m->cap;
            *lost += ops - m->cap;
        }
    }
}

/* Appends a part to the note, after "; " when it has one already. */
static void batcher_note(struct trial *t, const char *part)
{
    size_t len = strlen(t->note);
    snprintf(t->note + len, sizeof t->note - len, "%s%s", len ? "; " : "", part);
}

static void batcher_verdict(struct trial_ctx *c, struct bstate *s, struct trial *t, int rc)
{
    struct vsink *v = &s->sink;
    uint64_t lost = 0, first = 0;
    if (!rc) batcher_tally(c, v, &lost, &first);
    if (c->impl->caps & LAB_CAP_DISCARDS) {
        t->verdict = v->count == 0 ? VERDICT_NA : VERDICT_FAIL;
        if (v->count) snprintf(t->note, sizeof t->note, "a discarding variant delivered items");
        return;
    }
    char part[128];
#define BATCHER_ITEM(k) (unsigned long long)((k) >> ITEM_BITS), (unsigned long long)((k)&ITEM_MASK)
    if (rc) {
        snprintf(t->note, sizeof t->note, "close() returned %s", strerror(-rc));
    } else if (v->no_memory) {
        snprintf(t->note, sizeof t->note, "out of memory for the item record");
    } else if (v->overlapped) {
        snprintf(t->note, sizeof t->note, "the sink was called concurrently with itself");
    } else if (!t->note[0]) { /* an add/flush error is the runner's note */
        if (lost) {
            snprintf(part, sizeof part, "lost %llu of %llu items (thread %llu item %llu)",
                     (unsigned long long)lost, (unsigned long long)t->ops, BATCHER_ITEM(first));
            batcher_note(t, part);
        }
        if (v->dups) {
            snprintf(part, sizeof part, "duplicated %llu item%s (thread %llu item %llu twice)",
                     (unsigned long long)v->dups, v->dups > 1 ? "s" : "",
                     BATCHER_ITEM(v->first_dup));
            batcher_note(t, part);
        }
        if (v->foreign) {
            snprintf(part, sizeof part, "%llu foreign item%s, never added (thread %llu item %llu)",
                     (unsigned long long)v->foreign, v->foreign > 1 ? "s" : "",
                     BATCHER_ITEM(v->first_foreign));
            batcher_note(t, part);
        }
        if (!t->note[0] && v->bad_batches)
            snprintf(t->note, sizeof t->note, "%llu batches empty or over the batch size",
                     (unsigned long long)v->bad_batches);
    }
#undef BATCHER_ITEM
    t->verdict = t->note[0] ? VERDICT_FAIL : VERDICT_OK;
}

static void batcher_finish(struct trial_ctx *c, struct trial *t)
{
    struct bstate *s = c->fam;
    /* the end of the timed region: items added and not yet delivered, and
       what the variant holds (its buffers and queues) */
    struct lab_alloc_totals now;
    lab_alloc_totals(&now);
    t->m[BATCHER_M_IN_FLIGHT] =
        (double)(t->ops - atomic_load_explicit(&s->sink.delivered, memory_order_relaxed));
    /* never negative: a runner's own frees of older blocks count too */
    t->m[BATCHER_M_HELD_KIB] =
        now.held > s->before.held ? (double)(now.held - s->before.held) / 1024 : 0;
    trial_phase(c, RUN_PH_CLOSE);
    int rc = s->b->close(s->self);
    trial_phase(c, RUN_PH_CHECK);
    t->expected = t->ops;
    t->delivered = s->sink.count;
    t->m[BATCHER_M_BATCHES] = (double)s->sink.batches;
    t->m[BATCHER_M_MAX_BATCH] = (double)s->sink.max_batch;
    t->m[BATCHER_M_UNMATCHED] = (double)s->sink.unmatched;
    fam_lat_percentiles(&s->sink.lat, &t->m[BATCHER_M_LAT]);
    batcher_verdict(c, s, t, rc);
    run_impl_thread_exit(c);
    trial_phase(c, RUN_PH_DESTROY);
    s->b->destroy(s->self);
    run_trial_leak_check(t, &s->before);
    batcher_free_state(s);
}

static void batcher_defaults(void *cfg)
{
    struct batcher_cfg *c = cfg;
    c->b = (struct lab_batcher_cfg){
        .batch_size = 100, .queue_size = 10000, .timeout_ms = 25, .pad = 256
    };
    c->sink_cost_ns = 0;
    c->rate = 0;
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
    { "rate", OPT_DOUBLE, O(rate), "ITEMS_PER_S",
      "each producer adds at most this many items a second,\n"
      "at an even pace (default 0: as fast as it can); with\n"
      "--duration, a low rate shows the flush timeout",
      0, 1e9 },
    { "pad", OPT_SIZE, O(b.pad), "BYTES", "padding between hot atomics (lockfree; default 256)", 0,
      4096 },
    { 0 }
};
#undef O

static const struct opt_spec *const batcher_tables[] = { batcher_opts, NULL };

static const struct fam_metric batcher_metrics[] = {
    [BATCHER_M_BATCHES] = { "batches", "batches", 0, FAM_M_INT },
    [BATCHER_M_MAX_BATCH] = { "max_batch", "items", 0, FAM_M_INT },
    [BATCHER_M_LAT] = FAM_LAT_METRICS,
    [BATCHER_M_UNMATCHED] = { "lat_unmatched", "samples", 0, FAM_M_INT },
    [BATCHER_M_IN_FLIGHT] = { "in_flight", "items", -1, FAM_M_SUMMARY | FAM_M_INT, "in flight",
                              "%.0f", "memory" },
    [BATCHER_M_HELD_KIB] = { "held_kib", "KiB", -1, FAM_M_SUMMARY, "held KiB", "%.1f", "memory" },
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
    .flags = FAM_F_BEATS,
};
