/* The evolution table of a reproduction: the seed's table shape (its row
 * labels; our medians with their CI, one column per runner; the seed's
 * published figures as a labelled reference column), then the seed's key
 * ratios measured here, each with a 95% interval and a verdict against the
 * seed's band: agrees, differs (with the counter that differs most between
 * the two cells) or inconclusive (with why, and roughly how many trials
 * would decide). Rows come from the runs of a reproduction: one run, or
 * one per part and runner (experiment.h). Methods: docs/statistics.md. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "experiment.h"
#include "family.h"
#include "lab_ratio.h"
#include "report.h"
#include "view.h"

#define EVOLUTION_MAX_RUNNERS 4

/* Where a row was measured: a run (an input of the report) and a cell. */
struct evo_pick {
    const struct rf_result *r;
    const struct rf_cell *c;
};

static const char *evolution_cfg(const struct rf_result *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r->config, key));
    return v ? v : "";
}

/* "threads" for "threads", "fibers" for "fibers:2". */
static void evolution_runner_kind(const struct rf_result *r, char *buf, size_t n)
{
    const char *v = evolution_cfg(r, "runner");
    snprintf(buf, n, "%.*s", (int)strcspn(*v ? v : "threads", ":"), *v ? v : "threads");
}

/* The runners of the report's runs, in first-seen order. */
static size_t evolution_runners(const struct report *rp, char out[][16], size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        char kind[16];
        evolution_runner_kind(&rp->in[i].r, kind, sizeof kind);
        size_t j = 0;
        while (j < k && strcmp(out[j], kind)) j++;
        if (j == k && k < max) snprintf(out[k++], 16, "%s", kind);
    }
    return k;
}

/* The cell of row (an index in e->rows, or -1 for impl in a file of one
   run) under runner: the largest thread count its run measured, or the
   experiment's focus count when it has it. */
static struct evo_pick evolution_pick(const struct report *rp, const struct experiment *e, int row,
                                      const char *impl, const char *runner)
{
    struct evo_pick p = { NULL, NULL };
    char part[64] = "";
    if (row >= 0 && e->rows[row].from) {
        const char *from = e->rows[row].from, *slash = strchr(from, '/');
        snprintf(part, sizeof part, "%.*s", (int)(slash - from), from);
        impl = slash + 1;
    }
    for (size_t i = 0; i < rp->nin && !p.c; i++) {
        const struct rf_result *r = &rp->in[i].r;
        char kind[16];
        evolution_runner_kind(r, kind, sizeof kind);
        if (strcmp(kind, runner) || strcmp(evolution_cfg(r, "part"), part)) continue;
        for (size_t k = 0; k < r->ncells; k++) {
            const struct rf_cell *c = &r->cells[k];
            if (strcmp(c->impl, impl)) continue;
            if (!p.c || c->threads == e->focus_threads
                || (p.c->threads != e->focus_threads && c->threads > p.c->threads))
                p.r = r, p.c = c;
        }
    }
    return p;
}

/* The row keys in table order (rows of table "seed" or of "beyond"), or
   for a file of one run every implementation of its run. */
static size_t evolution_rows(const struct report *rp, const struct experiment *e, const char *table,
                             const char **keys, size_t max)
{
    size_t k = 0;
    if (e->multi) {
        for (size_t i = 0; i < e->nrows && k < max; i++)
            if (!strcmp(e->rows[i].table ? e->rows[i].table : "seed", table))
                keys[k++] = e->rows[i].key;
        return k;
    }
    if (strcmp(table, "seed")) return 0;
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t c = 0; c < rp->in[i].r.ncells; c++) {
            const char *impl = rp->in[i].r.cells[c].impl;
            size_t j = 0;
            while (j < k && strcmp(keys[j], impl)) j++;
            if (j == k && k < max) keys[k++] = impl;
        }
    return k;
}

static struct evo_pick evolution_row_pick(const struct report *rp, const struct experiment *e,
                                          const char *key, const char *runner)
{
    return evolution_pick(rp, e, e->multi ? res_experiment_row(e, key) : -1, key, runner);
}

static void evolution_cell(struct doc *d, const struct evo_pick *p, const char *metric)
{
    struct lab_summary s;
    char buf[80];
    if (p->c && rep_cell_summary(p->c, metric, &s)) {
        rep_med_ci(&s, buf, sizeof buf, 1);
        rep_doc_cell(d, "%s", buf);
    } else {
        rep_doc_cell(d, "%s", p->c ? rep_cell_missing(p->r, p->c) : "not run");
    }
}

/* One table: rows x (metric per runner), the reference, fairness, check. */
static void evolution_grid(struct doc *d, const struct report *rp, const struct experiment *e,
                           const char **keys, size_t nk, const char **cols, size_t ncol,
                           char runners[][16], size_t nrun)
{
    char align[64] = "ll";
    for (size_t i = 0; i < ncol * nrun && i < 40; i++) strcat(align, "r");
    strcat(align, "l");
    for (size_t i = 0; i < nrun && i < 4; i++) strcat(align, "r");
    strcat(align, "l");
    rep_doc_table(d, align);
    rep_doc_cell(d, "%s", e->multi ? "Row" : "Approach");
    rep_doc_cell(d, "measured as");
    const struct rf_result *any = &rp->in[0].r;
    for (size_t m = 0; m < ncol; m++)
        for (size_t k = 0; k < nrun; k++)
            rep_doc_cell(d, "%s (%s)%s%s", rep_metric_label(cols[m]), res_metric_unit(any, cols[m]),
                         nrun > 1 ? ", " : "", nrun > 1 ? runners[k] : "");
    rep_doc_cell(d, "seed's published figure (reference, not measured here)");
    for (size_t k = 0; k < nrun; k++)
        rep_doc_cell(d, "Jain%s%s", nrun > 1 ? ", " : "", nrun > 1 ? runners[k] : "");
    rep_doc_cell(d, "check");
    rep_doc_row(d);
    for (size_t i = 0; i < nk; i++) {
        int row = e->multi ? res_experiment_row(e, keys[i]) : -1;
        struct evo_pick first = evolution_row_pick(rp, e, keys[i], runners[0]);
        rep_doc_cell(d, "%s", res_experiment_label(e, keys[i]));
        if (first.c)
            rep_doc_cell(d, "%s/%s, %u workers", first.c->family, first.c->impl, first.c->threads);
        else
            rep_doc_cell(d, "%s", row >= 0 ? e->rows[row].from : keys[i]);
        const char *verdict = "n/a";
        for (size_t m = 0; m < ncol; m++)
            for (size_t k = 0; k < nrun; k++) {
                struct evo_pick p = evolution_row_pick(rp, e, keys[i], runners[k]);
                evolution_cell(d, &p, cols[m]);
                if (p.c && p.c->verdict && strcmp(verdict, "FAIL")) verdict = p.c->verdict;
            }
        rep_doc_cell(d, "%s", res_experiment_reference(e, keys[i]));
        for (size_t k = 0; k < nrun; k++) {
            struct evo_pick p = evolution_row_pick(rp, e, keys[i], runners[k]);
            struct lab_summary j;
            if (p.c && rep_cell_summary(p.c, "jain", &j))
                rep_doc_cell(d, "%.2f", j.median);
            else
                rep_doc_cell(d, "n/a");
        }
        rep_doc_cell(d, "%s", verdict);
        rep_doc_row(d);
    }
    rep_doc_close(d);
}

/* The table of rows in table ("seed" or "beyond"): one metric with a
   column per runner side by side, or several (the task store's), then one
   table per runner. */
static void evolution_table(struct doc *d, const struct report *rp, const struct experiment *e,
                            const char *table, char runners[][16], size_t nrun)
{
    const char *keys[EXP_MAX_ROWS * 4];
    size_t nk = evolution_rows(rp, e, table, keys, sizeof keys / sizeof *keys);
    if (!nk) return;
    const char *cols[8] = { "ops_per_s" };
    size_t ncol = 1;
    char colbuf[256];
    if (e->columns) { /* the experiment names its metrics (the task store's) */
        snprintf(colbuf, sizeof colbuf, "%s", e->columns);
        ncol = 0;
        char *save = NULL;
        for (char *c = strtok_r(colbuf, ", ", &save); c && ncol < 8;
             c = strtok_r(NULL, ", ", &save))
            cols[ncol++] = c;
    }
    if (ncol == 1 || nrun < 2) {
        evolution_grid(d, rp, e, keys, nk, cols, ncol, runners, nrun);
        return;
    }
    for (size_t k = 0; k < nrun; k++) {
        rep_doc_para(d, "**Under %s:**", runners[k]);
        evolution_grid(d, rp, e, keys, nk, cols, ncol, &runners[k], 1);
    }
}

/* ---- ratios ---- */

/* Event counters per op that can explain a ratio (task-clock ns is CPU
   time, a consequence rather than a cause: left out; so is a footprint such
   as the peak RSS, which is not per op and follows the worker count). */
static int evolution_is_counter(const char *name)
{
    size_t n = strlen(name);
    return res_is_counter_metric(name) && !strstr(name, "ns_per_op") && n > 7
        && !strcmp(name + n - 7, "_per_op");
}

/* The counter whose values differ most between cells a and b, as a clause. */
static void evolution_counter_reason(const struct rf_cell *a, const struct rf_cell *b,
                                     const char *an, const char *bn, char *buf, size_t n)
{
    double best = 0;
    int counted = 0;
    for (size_t k = 0; k < a->nmetrics; k++) {
        const char *name = a->metrics[k].name;
        struct lab_summary sa, sb;
        if (!evolution_is_counter(name) || !rep_cell_summary(a, name, &sa)
            || !rep_cell_summary(b, name, &sb))
            continue;
        counted = 1;
        double lo = fmin(sa.median, sb.median), hi = fmax(sa.median, sb.median);
        if (hi < 0.01) continue; /* under one event per 100 ops: no explanation */
        double r = lo > 0 ? hi / lo : INFINITY;
        if (r > best) {
            best = r;
            snprintf(buf, n, "the counters point at %s: %s %.3g against %s %.3g", name, an,
                     sa.median, bn, sb.median);
        }
    }
    if (best < 2)
        snprintf(buf, n,
                 counted ? "none of the counters recorded here differs by 2x or more between "
                           "the two, so they do not say why"
                         : "this result has no counters to say why");
}

/* Why a verdict cannot be trusted: others used more than a quarter of the
   machine's CPU time while the run ran (the load average would count our
   own earlier threads), or the run's A/A control flagged a change. */
#define EVOLUTION_BUSY 0.25

static int evolution_busy(const struct rf_result *r, char *buf, size_t n)
{
    const json_t *o = json_object_get(r->context, "others_cpu");
    if (json_is_number(o) && json_number_value(o) > EVOLUTION_BUSY) {
        snprintf(buf, n, "others used %.0f%% of the CPUs while it ran", json_number_value(o) * 100);
        return 1;
    }
    if (rep_noise_failed(r)) {
        snprintf(buf, n, "its A/A noise control failed (see Noise and environment)");
        return 1;
    }
    return 0;
}

/* A ratio under one runner: the cell of the table and a sentence. */
static void evolution_ratio(struct doc *d, const struct report *rp, const struct experiment *e,
                            size_t k, const char *runner, char *why, size_t wn)
{
    const char *metric = e->ratios[k].metric ? e->ratios[k].metric : "ops_per_s";
    struct evo_pick a = evolution_row_pick(rp, e, e->ratios[k].a, runner);
    struct evo_pick b = evolution_row_pick(rp, e, e->ratios[k].b, runner);
    double est, lo, hi, blo, bhi;
    struct rep_ratio q;
    int have_band = res_experiment_band(e, k, &blo, &bhi) == 0;
    why[0] = '\0';
    if (rep_speed_ratio(a.c, b.c, metric, 0x5eed + k, &q)) {
        rep_doc_cell(d, "not measured");
        return;
    }
    if (!q.interval) {
        rep_doc_cell(d, "%.3g, inconclusive: too few trials (%zu and %zu; %d needed)", q.est, q.na,
                     q.nb, LAB_RATIO_MIN_TRIALS);
        return;
    }
    size_t na = q.na, nb = q.nb;
    est = q.est, lo = q.lo, hi = q.hi;
    enum lab_ratio_verdict v =
        have_band ? lab_ratio_verdict(lo, hi, blo, bhi, 1) : LAB_RATIO_INCONCLUSIVE;
    char busy[128] = "";
    if (v != LAB_RATIO_INCONCLUSIVE
        && (evolution_busy(a.r, busy, sizeof busy) || evolution_busy(b.r, busy, sizeof busy)))
        v = LAB_RATIO_INCONCLUSIVE;
    if (v == LAB_RATIO_AGREES) {
        rep_doc_cell(d, "%.3g [%.3g, %.3g] agrees", est, lo, hi);
        return;
    }
    if (v == LAB_RATIO_DIFFERS) {
        rep_doc_cell(d, "%.3g [%.3g, %.3g] **differs**", est, lo, hi);
        char reason[300];
        evolution_counter_reason(a.c, b.c, e->ratios[k].a, e->ratios[k].b, reason, sizeof reason);
        snprintf(why, wn,
                 "under %s, %s/%s is %.3g [%.3g, %.3g] against the seed's [%.3g, %.3g]: "
                 "%s%s",
                 runner, e->ratios[k].a, e->ratios[k].b, est, lo, hi, blo, bhi, reason,
                 strcmp(runner, "threads") ? ""
                                           : "; and these are OS threads, where the seed "
                                             "measured goroutines (the fibers column is the like "
                                             "for like)");
        return;
    }
    size_t reps = 0;
    if (busy[0])
        rep_doc_cell(d, "%.3g [%.3g, %.3g] inconclusive: %s", est, lo, hi, busy);
    else if (!have_band)
        rep_doc_cell(d, "%.3g [%.3g, %.3g] (no band from the seed)", est, lo, hi);
    else if (lab_ratio_reps_needed(na < nb ? na : nb, est, lo, hi, blo, bhi, 1, &reps) == 0)
        rep_doc_cell(d, "%.3g [%.3g, %.3g] inconclusive: about %zu trials a cell would decide", est,
                     lo, hi, reps);
    else
        rep_doc_cell(d, "%.3g [%.3g, %.3g] inconclusive: it sits on the band's edge", est, lo, hi);
}

static void evolution_ratios(struct doc *d, const struct report *rp, const struct experiment *e,
                             char runners[][16], size_t nrun)
{
    rep_doc_heading(d, 3, "The seed's ratios, measured here");
    char align[16] = "lr";
    for (size_t i = 0; i < nrun && i < 8; i++) strcat(align, "l");
    rep_doc_table(d, align);
    rep_doc_cell(d, "ratio (speed of a over b)");
    rep_doc_cell(d, "seed's band%s", e->widen > 1 ? " (widened)" : "");
    for (size_t k = 0; k < nrun; k++)
        rep_doc_cell(d, "here, %s: median ratio [95%% CI]", runners[k]);
    rep_doc_row(d);
    char why[EXP_MAX_ROWS][EVOLUTION_MAX_RUNNERS][600];
    for (size_t k = 0; k < e->nratios; k++) {
        double blo = 0, bhi = 0;
        rep_doc_cell(d, "%s/%s%s%s", e->ratios[k].a, e->ratios[k].b, e->ratios[k].metric ? " " : "",
                     e->ratios[k].metric ? e->ratios[k].metric : "");
        if (res_experiment_band(e, k, &blo, &bhi) == 0 && blo == bhi)
            rep_doc_cell(d, "%.3g", blo);
        else if (blo < bhi)
            rep_doc_cell(d, "[%.3g, %.3g]", blo, bhi);
        else
            rep_doc_cell(d, "none");
        for (size_t r = 0; r < nrun; r++) evolution_ratio(d, rp, e, k, runners[r], why[k][r], 600);
        rep_doc_row(d);
    }
    rep_doc_close(d);
    for (size_t k = 0; k < e->nratios; k++)
        for (size_t r = 0; r < nrun; r++)
            if (why[k][r][0]) rep_doc_item(d, "%s.", why[k][r]);
    rep_doc_close(d);
}

/* A store-shaped run (fixed work in phases: reads, then writes, then
   GetAll scans) times the phases separately; ops/s covers them all. The
   share of the run GetAll took: 1 - (read + write phase time) / seconds. */
static double evolution_scan_share(const struct rf_cell *c)
{
    static const char *const need[] = { "seconds", "reads", "read_ns", "write_ns", "scans" };
    double v[5], writes = 0;
    for (size_t i = 0; i < 5; i++) {
        struct lab_summary s;
        if (!rep_cell_summary(c, need[i], &s) || !isfinite(s.median)) return NAN;
        v[i] = s.median;
    }
    static const char *const w[] = { "updates", "inserts", "deletes" };
    for (size_t i = 0; i < 3; i++) {
        struct lab_summary s;
        if (rep_cell_summary(c, w[i], &s) && isfinite(s.median)) writes += s.median;
    }
    if (!(v[0] > 0) || !(v[4] > 0)) return NAN;
    double share = 1 - (v[1] * v[2] + writes * v[3]) / (v[0] * 1e9);
    return share < 0 ? 0 : share;
}

/* Says when ops/s measures mostly the rare GetAll: when it took more than
   half of the run in the median cell. */
static void evolution_scan_note(struct doc *d, const struct report *rp)
{
    double v[4096];
    size_t n = 0;
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t c = 0; c < rp->in[i].r.ncells && n < 4096; c++) {
            double s = evolution_scan_share(&rp->in[i].r.cells[c]);
            if (isfinite(s)) v[n++] = s;
        }
    struct lab_summary s;
    if (!n) return;
    lab_summarize(v, n, &s);
    if (s.median < 0.5) return;
    rep_doc_para(d,
                 "**The ops/s columns are dominated by GetAll.** They count every operation over "
                 "the whole timed run, and the rare GetAll scans took a median %.0f%% of that "
                 "time, so ops/s mostly measures GetAll. The read and write columns time those "
                 "operations in phases of their own: read them for reads and writes.",
                 s.median * 100);
}

/* A cell's median of metric, or NAN. */
static double evolution_median(const struct rf_cell *c, const char *metric)
{
    struct lab_summary s;
    return rep_cell_summary(c, metric, &s) ? s.median : NAN;
}

static void evolution_num(struct doc *d, double v, const char *fmt)
{
    if (isfinite(v))
        rep_doc_cell(d, fmt, v);
    else
        rep_doc_cell(d, "n/a");
}

/* Where the time goes for the rows the file's `explain` names: per runner
   and worker count, wall time per op beside CPU time and context switches
   per op (the counters the run recorded), then the file's reading. */
static void evolution_explain(struct doc *d, const struct report *rp, const struct experiment *e,
                              char runners[][16], size_t nrun)
{
    rep_doc_heading(d, 3, "Where the time goes");
    rep_doc_table(d, "llrrrrr");
    static const char *const head[] = { "row",       "runner",    "workers",    "wall ns/op",
                                        "CPU ns/op", "CPUs busy", "switches/op" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) rep_doc_cell(d, "%s", head[i]);
    rep_doc_row(d);
    char *keys = strdup(e->explain), *save = NULL;
    for (char *k = keys ? strtok_r(keys, ", ", &save) : NULL; k; k = strtok_r(NULL, ", ", &save)) {
        int row = e->multi ? res_experiment_row(e, k) : -1;
        const char *fam = NULL, *impl = res_experiment_row_impl(e, k, &fam);
        char part[64] = "";
        if (row >= 0 && e->rows[row].from)
            snprintf(part, sizeof part, "%.*s", (int)strcspn(e->rows[row].from, "/"),
                     e->rows[row].from);
        for (size_t r = 0; r < nrun; r++)
            for (size_t i = 0; i < rp->nin; i++) {
                const struct rf_result *res = &rp->in[i].r;
                char kind[16];
                evolution_runner_kind(res, kind, sizeof kind);
                if (strcmp(kind, runners[r]) || strcmp(evolution_cfg(res, "part"), part)) continue;
                for (size_t c = 0; c < res->ncells; c++) {
                    const struct rf_cell *cell = &res->cells[c];
                    if (strcmp(cell->impl, impl)) continue;
                    double wall = evolution_median(cell, "ns_per_op"),
                           cpu = evolution_median(cell, "cpu_ns_per_op");
                    rep_doc_cell(d, "%s", res_experiment_label(e, k));
                    rep_doc_cell(d, "%s", runners[r]);
                    rep_doc_cell(d, "%u", cell->threads);
                    evolution_num(d, wall, wall < 10 ? "%.2f" : "%.0f");
                    evolution_num(d, cpu, cpu < 10 ? "%.2f" : "%.0f");
                    evolution_num(d, cpu / wall, "%.2f");
                    evolution_num(d, evolution_median(cell, "switches_per_op"), "%.3g");
                    rep_doc_row(d);
                }
            }
    }
    free(keys);
    rep_doc_close(d);
    rep_doc_para(
        d,
        "Medians over the trials. Wall ns/op: the timed region over its operations; CPU "
        "ns/op and switches/op: the whole process's CPU time and OS context switches "
        "over the timed region (getrusage: every worker, the variant's own threads, the "
        "harness), per operation; CPUs busy: CPU over wall time. A fiber switch is not an OS "
        "context switch; a carrier that sleeps for lack of work is.%s%s",
        e->explain_note ? " " : "", e->explain_note ? e->explain_note : "");
}

void rep_evolution(struct doc *d, const struct experiment *e, const struct report *rp)
{
    char runners[EVOLUTION_MAX_RUNNERS][16];
    size_t nrun = evolution_runners(rp, runners, EVOLUTION_MAX_RUNNERS);
    rep_doc_heading(d, 2, "The seed's table, measured here");
    if (e->note) rep_doc_para(d, "%s", e->note);
    evolution_table(d, rp, e, "seed", runners, nrun);
    rep_doc_para(d,
                 "Each value: the median over the trials [its 95%% CI] at the row's worker count "
                 "(the largest its run measured, or the seed's). The reference column quotes the "
                 "seed (%s: Go, goroutines, its own machine); it is not a measurement of this "
                 "machine. threads: one OS thread per worker; fibers: M:N user-level workers on "
                 "as many carrier threads as CPUs, like goroutines on GOMAXPROCS: the seed's "
                 "conditions.",
                 e->seed_file ? e->seed_file : "its text");
    evolution_scan_note(d, rp);
    if (e->nratios) evolution_ratios(d, rp, e, runners, nrun);
    if (e->explain) evolution_explain(d, rp, e, runners, nrun);
    const char *keys[1];
    if (evolution_rows(rp, e, "beyond", keys, 1)) {
        rep_doc_heading(d, 2, "Beyond the seed");
        rep_doc_para(d, "Not the seed's experiments%s%s", e->beyond_note ? ": " : ".",
                     e->beyond_note ? e->beyond_note : "");
        evolution_table(d, rp, e, "beyond", runners, nrun);
    }
}
