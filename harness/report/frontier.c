/* A frontier experiment's report (report = frontier): per run (a family
 * under one condition) and thread count, a table ranking every design by
 * median ops/s with its 95% CI, its kind (from the prefix of its origin),
 * its speed over the best seed design with a bootstrap 95% interval and a
 * verdict; then the experiment's goals ([goal KEY] sections), met, missed
 * by how much, or inconclusive. How to read it: docs/frontier.md. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "experiment.h"
#include "frontier.h"

enum rep_kind rep_origin_kind(const char *origin)
{
    static const struct {
        const char *prefix;
        enum rep_kind kind;
    } kinds[] = { { "seed", REP_KIND_SEED },
                  { "peer", REP_KIND_PEER },
                  { "design", REP_KIND_DESIGN },
                  { "roofline", REP_KIND_ROOFLINE },
                  { "harness", REP_KIND_ROOFLINE } };
    size_t len = origin ? strcspn(origin, ": ") : 0;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (len == strlen(kinds[i].prefix) && !strncmp(origin, kinds[i].prefix, len))
            return kinds[i].kind;
    return REP_KIND_OTHER;
}

const char *rep_kind_name(enum rep_kind k)
{
    static const char *const names[] = { "seed", "library peer", "published design", "roofline",
                                         "other" };
    return k <= REP_KIND_OTHER ? names[k] : "other";
}

enum rep_kind rep_cell_kind(const struct rf_cell *c)
{
    return rep_origin_kind(json_string_value(json_object_get(c->json, "origin")));
}

/* Rows: measured non-rooflines by median (fastest first), rooflines, then
   cells without a value. */
static int frontier_cmp(const void *pa, const void *pb)
{
    const struct rep_rank *a = pa, *b = pb;
    int ga = !a->has_value ? 2 : a->kind == REP_KIND_ROOFLINE,
        gb = !b->has_value ? 2 : b->kind == REP_KIND_ROOFLINE;
    if (ga != gb) return ga - gb;
    if (a->has_value && a->s.median != b->s.median) return a->s.median > b->s.median ? -1 : 1;
    return strcmp(a->c->impl, b->c->impl);
}

static double frontier_median(const struct rf_cell *c)
{
    struct lab_summary s;
    return rep_cell_summary(c, "ops_per_s", &s) && s.median > 0 ? s.median : NAN;
}

size_t rep_frontier_rank(const struct rf_result *r, const char *fam, unsigned threads,
                         struct rep_rank *out, size_t max, const struct rf_cell **best_seed)
{
    size_t k = 0;
    const struct rf_cell *seed = NULL;
    for (size_t i = 0; i < r->ncells && k < max; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (c->threads != threads || strcmp(c->family, fam)) continue;
        struct rep_rank *w = &out[k++];
        *w = (struct rep_rank){ .c = c, .kind = rep_cell_kind(c) };
        w->has_value = rep_cell_summary(c, "ops_per_s", &w->s) && w->s.median > 0;
        if (w->has_value && w->kind == REP_KIND_SEED
            && (!seed || w->s.median > frontier_median(seed)))
            seed = c;
    }
    qsort(out, k, sizeof *out, frontier_cmp);
    for (size_t i = 0; seed && i < k; i++) {
        struct rep_rank *w = &out[i];
        w->has_ratio =
            w->has_value && rep_speed_ratio(w->c, seed, "ops_per_s", 0xf4 + i, &w->q) == 0;
        w->v = w->has_ratio && w->q.interval
            ? lab_ratio_verdict(w->q.lo, w->q.hi, 1 / FRONTIER_SAME, FRONTIER_SAME, 1)
            : LAB_RATIO_INCONCLUSIVE;
    }
    if (best_seed) *best_seed = seed;
    return k;
}

/* Is c in set: implementation names or kinds (seed, peer, design,
   roofline), comma-separated? */
static int frontier_in_set(const struct rf_cell *c, const char *set)
{
    static const char *const kinds[] = { "seed", "peer", "design", "roofline" };
    enum rep_kind kind = rep_cell_kind(c);
    for (const char *p = set; *p;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == strlen(c->impl) && !strncmp(p, c->impl, len)) return 1;
        for (size_t k = 0; k < 4; k++)
            if ((size_t)kind == k && len == strlen(kinds[k]) && !strncmp(p, kinds[k], len))
                return 1;
        p += len;
    }
    return 0;
}

/* The fastest measured cell of set at threads in r, or NULL. */
static const struct rf_cell *frontier_fastest(const struct rf_result *r, const char *set,
                                              unsigned threads)
{
    const struct rf_cell *best = NULL;
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (c->threads != threads || !frontier_in_set(c, set) || !(frontier_median(c) > 0))
            continue;
        if (!best || frontier_median(c) > frontier_median(best)) best = c;
    }
    return best;
}

void rep_frontier_goal(const struct rf_result *r, const struct exp_goal *g, unsigned threads,
                       struct rep_goal_eval *out)
{
    *out = (struct rep_goal_eval){ .status = REP_GOAL_NO_DATA };
    out->best = frontier_fastest(r, g->best, threads);
    out->against = frontier_fastest(r, g->against, threads);
    if (!out->best || !out->against
        || rep_speed_ratio(out->best, out->against, "ops_per_s", 0x90a1 + threads, &out->q))
        return;
    out->status = !out->q.interval ? REP_GOAL_INCONCLUSIVE
        : out->q.lo >= g->ratio    ? REP_GOAL_MET
        : out->q.hi < g->ratio     ? REP_GOAL_MISSED
                                   : REP_GOAL_INCONCLUSIVE;
    if (out->status == REP_GOAL_MISSED) out->missed_by = 1 - out->q.est / g->ratio;
}

/* The CPU count a run was measured with: its affinity mask's (what cpus
   in --threads resolved to), else the online CPUs; 0 when it does not say. */
static unsigned frontier_cpus(const struct rf_result *r)
{
    const json_t *v = json_object_get(r->context, "allowed_cpus");
    if (!json_is_integer(v)) v = json_object_get(r->context, "online_cpus");
    if (!json_is_integer(v)) v = json_object_get(json_object_get(r->context, "topology"), "pus");
    return json_is_integer(v) && json_integer_value(v) > 0 ? (unsigned)json_integer_value(v) : 0;
}

/* Is the token of len bytes at p the word w? */
static int frontier_is(const char *p, size_t len, const char *w)
{
    return len == strlen(w) && !strncmp(p, w, len);
}

int rep_frontier_goal_threads(const struct rf_result *r, const struct exp_goal *g, unsigned threads)
{
    unsigned cpus = frontier_cpus(r);
    for (const char *p = g->threads ? g->threads : "all"; *p; p += strspn(p, ",")) {
        char *end;
        unsigned long v = strtoul(p, &end, 10), want = v;
        size_t len = strcspn(end, ",");
        if (frontier_is(end, len, "all")) return 1;
        if (frontier_is(end, len, "upto-cpus") && cpus && threads <= cpus) return 1;
        if (frontier_is(end, len, "cpus") || frontier_is(end, len, "xcpus"))
            want = (end == p ? 1 : v) * cpus; /* 0 when the run does not say */
        if (want && want == threads) return 1;
        p = end + len;
    }
    return 0;
}

/* ---- the report ---- */

static const char *frontier_cfg(const struct rf_result *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r->config, key));
    return v ? v : "";
}

/* A ratio to the best seed and its verdict, as two cells. */
static void frontier_ratio_cells(struct doc *d, const struct rep_rank *w,
                                 const struct rf_cell *seed)
{
    if (!seed) {
        rep_doc_cell(d, "n/a");
        rep_doc_cell(d, "no seed design measured");
        return;
    }
    if (w->c == seed) {
        rep_doc_cell(d, "1");
        rep_doc_cell(d, "the best seed");
        return;
    }
    if (!w->has_ratio) {
        rep_doc_cell(d, "n/a");
        rep_doc_cell(d, "not measured");
        return;
    }
    if (!w->q.interval) {
        rep_doc_cell(d, "%.3g", w->q.est);
        rep_doc_cell(d, "inconclusive: too few trials (%zu and %zu; %d needed)", w->q.na, w->q.nb,
                     LAB_RATIO_MIN_TRIALS);
        return;
    }
    rep_doc_cell(d, "%.3g [%.3g, %.3g]", w->q.est, w->q.lo, w->q.hi);
    if (w->v == LAB_RATIO_AGREES)
        rep_doc_cell(d, "agrees (within %.0f%%)", (FRONTIER_SAME - 1) * 100);
    else if (w->v == LAB_RATIO_DIFFERS)
        rep_doc_cell(d, "**differs**: %s", w->q.est > 1 ? "faster" : "slower");
    else
        rep_doc_cell(d, "inconclusive");
}

/* A table of 8 columns aligned as align, with its header row. */
static void frontier_head(struct doc *d, const char *align, const char *const head[8])
{
    rep_doc_table(d, align);
    for (size_t i = 0; i < 8; i++) rep_doc_cell(d, "%s", head[i]);
    rep_doc_row(d);
}

/* One ranking: run r's family fam at threads. */
static void frontier_table(struct doc *d, const struct rf_result *r, const char *fam,
                           unsigned threads)
{
    struct rep_rank rows[128];
    const struct rf_cell *seed = NULL;
    size_t n = rep_frontier_rank(r, fam, threads, rows, 128, &seed);
    rep_doc_para(d, "**%s, %u thread%s**%s%s", fam, threads, threads == 1 ? "" : "s",
                 seed ? "; best seed: " : "", seed ? seed->impl : "");
    static const char *const head[] = { "rank",    "design",
                                        "kind",    "ops/s: median [95% CI]",
                                        "Jain",    "over the best seed [95% CI]",
                                        "verdict", "check" };
    frontier_head(d, "rllrrrll", head);
    unsigned rank = 0;
    for (size_t i = 0; i < n; i++) {
        const struct rep_rank *w = &rows[i];
        char buf[80];
        struct lab_summary j;
        if (w->has_value && w->kind != REP_KIND_ROOFLINE)
            rep_doc_cell(d, "%u", ++rank);
        else
            rep_doc_cell(d, "%s", w->has_value ? "bound" : "-");
        rep_doc_cell(d, "%s", w->c->impl);
        rep_doc_cell(d, "%s", rep_kind_name(w->kind));
        if (w->has_value)
            rep_med_ci(&w->s, buf, sizeof buf, 1);
        else
            snprintf(buf, sizeof buf, "%s", rep_cell_missing(r, w->c));
        rep_doc_cell(d, "%s", buf);
        if (rep_cell_summary(w->c, "jain", &j))
            rep_doc_cell(d, "%.2f", j.median);
        else
            rep_doc_cell(d, "n/a");
        frontier_ratio_cells(d, w, seed);
        rep_doc_cell(d, "%s", w->c->verdict ? w->c->verdict : "n/a");
        rep_doc_row(d);
    }
    rep_doc_close(d);
}

/* The run's thread counts of fam, ascending. */
static size_t frontier_threads(const struct rf_result *r, const char *fam, unsigned *v, size_t max)
{
    struct rep_uns thr = { 0 };
    size_t n = 0;
    if (rep_threads_of(r, fam, &thr) == 0)
        for (; n < thr.n && n < max; n++) v[n] = thr.v[n];
    rep_uns_free(&thr);
    return n;
}

/* One goal: a row per run of its part and selected thread count. */
static void frontier_goal_rows(struct doc *d, const struct report *rp, const struct exp_goal *g)
{
    int any = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const struct rf_result *r = &rp->in[i].r;
        if (strcmp(frontier_cfg(r, "part"), g->part)) continue;
        unsigned thr[64];
        size_t nt = frontier_threads(r, r->ncells ? r->cells[0].family : "", thr, 64);
        for (size_t t = 0; t < nt; t++) {
            if (!rep_frontier_goal_threads(r, g, thr[t])) continue;
            struct rep_goal_eval ev;
            rep_frontier_goal(r, g, thr[t], &ev);
            any = 1;
            rep_doc_cell(d, "%s", g->label ? g->label : g->key);
            rep_doc_cell(d, "%s, %s", g->part, frontier_cfg(r, "runner"));
            rep_doc_cell(d, "%u", thr[t]);
            rep_doc_cell(d, "%s", ev.best ? ev.best->impl : "none measured");
            rep_doc_cell(d, "%s", ev.against ? ev.against->impl : "none measured");
            if (ev.status == REP_GOAL_NO_DATA)
                rep_doc_cell(d, "n/a");
            else if (ev.q.interval)
                rep_doc_cell(d, "%.3g [%.3g, %.3g]", ev.q.est, ev.q.lo, ev.q.hi);
            else
                rep_doc_cell(d, "%.3g", ev.q.est);
            rep_doc_cell(d, ">= %.3g", g->ratio);
            if (ev.status == REP_GOAL_MET)
                rep_doc_cell(d, "goal: met");
            else if (ev.status == REP_GOAL_MISSED)
                rep_doc_cell(d, "goal: **missed by %.0f%%**", ev.missed_by * 100);
            else if (ev.status == REP_GOAL_NO_DATA)
                rep_doc_cell(d, "goal: inconclusive (not measured)");
            else if (!ev.q.interval)
                rep_doc_cell(d, "goal: inconclusive (too few trials: %d needed)",
                             LAB_RATIO_MIN_TRIALS);
            else
                rep_doc_cell(d, "goal: inconclusive (the interval straddles it)");
            rep_doc_row(d);
        }
    }
    if (!any) {
        rep_doc_cell(d, "%s", g->label ? g->label : g->key);
        rep_doc_cell(d, "%s", g->part);
        for (int k = 0; k < 5; k++) rep_doc_cell(d, "-");
        rep_doc_cell(d, "goal: inconclusive (no run or thread count it applies to)");
        rep_doc_row(d);
    }
}

static void frontier_goals(struct doc *d, const struct experiment *e, const struct report *rp)
{
    rep_doc_heading(d, 3, "Goals");
    static const char *const head[] = { "goal",    "run",
                                        "threads", "fastest of best",
                                        "against", "ratio [95% CI]",
                                        "needed",  "verdict" };
    frontier_head(d, "llrllrrl", head);
    for (size_t k = 0; k < e->ngoals; k++) frontier_goal_rows(d, rp, &e->goals[k]);
    rep_doc_close(d);
    rep_doc_para(d,
                 "A goal is met when the whole 95%% bootstrap interval of the ratio (the "
                 "fastest of its designs over the fastest it is held against, by median ops/s) "
                 "is at or above the ratio needed, missed when the whole interval is below it "
                 "(by how much the median ratio falls short), and inconclusive otherwise.");
}

void rep_frontier(struct doc *d, const struct experiment *e, const struct report *rp)
{
    rep_doc_heading(d, 2, "The frontier, measured here");
    if (e->note) rep_doc_para(d, "%s", e->note);
    rep_doc_para(d,
                 "One table per run (a family under one condition) and thread count: designs "
                 "ranked by median ops/s [its 95%% CI]; kind from each design's origin (seed, "
                 "library peer, published design; rooflines are bounds, not ranked); its speed "
                 "over the best seed design with a 95%% bootstrap interval; agrees: within "
                 "%.0f%% of it, differs: faster or slower, inconclusive: the interval straddles "
                 "an edge (docs/frontier.md). The plots of each run (ops/s against threads: "
                 "seeds solid, library peers dashed, published designs dash-dotted, rooflines "
                 "dotted) are in its section below.",
                 (FRONTIER_SAME - 1) * 100);
    if (e->ngoals) frontier_goals(d, e, rp);
    for (size_t i = 0; i < rp->nin; i++) {
        const struct rf_result *r = &rp->in[i].r;
        const char *part = frontier_cfg(r, "part");
        struct rep_names fams = { 0 };
        if (rep_families(r, &fams)) continue;
        for (size_t f = 0; f < fams.n; f++) {
            rep_doc_heading(d, 3, "%s: %s, %s", *part ? part : "run", fams.v[f],
                            frontier_cfg(r, "runner"));
            int k = res_experiment_part(e, part);
            if (k >= 0) {
                char opts[600] = "";
                for (int a = 1; a < e->parts[k].argc; a++)
                    snprintf(opts + strlen(opts), sizeof opts - strlen(opts), "%s%s",
                             a > 1 ? " " : "", e->parts[k].argv[a]);
                rep_doc_para(d, "Options: `%s`", opts);
            }
            unsigned thr[64];
            size_t nt = frontier_threads(r, fams.v[f], thr, 64);
            for (size_t t = 0; t < nt; t++) frontier_table(d, r, fams.v[f], thr[t]);
        }
        rep_names_free(&fams);
    }
}
