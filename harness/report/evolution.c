/* The evolution table of a reproduction: the seed's table shape (its row
 * labels, our medians, the seed's published figures as a labelled reference
 * column), then the seed's key ratios measured here, each with the counter
 * that differs most between the two cells. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "experiment.h"
#include "family.h"
#include "report.h"
#include "view.h"

static double evolution_speed(const struct rf_cell *c, const char *metric)
{
    struct lab_summary s;
    if (!rep_cell_summary(c, metric, &s) || !(s.median > 0)) return NAN;
    return res_metric_direction(metric) == DIR_LOWER ? 1 / s.median : s.median;
}

/* Event counters per op that can explain a ratio (task-clock ns is CPU
   time, a consequence rather than a cause: left out). */
static int evolution_is_counter(const char *name)
{
    return res_is_counter_metric(name) && !strstr(name, "ns_per_op");
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
                 counted ? "none of the counters recorded here differs by 2x or more "
                           "between the two, so they do not say why"
                         : "this result has no counters to say why");
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

/* Says when the ops/s columns measure mostly the rare GetAll: when it took
   more than half of the run in the median cell. */
static void evolution_scan_note(struct doc *d, const struct rf_result *r, const char *fam)
{
    double *v = malloc((r->ncells + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < r->ncells; i++) {
        double s = strcmp(r->cells[i].family, fam) ? NAN : evolution_scan_share(&r->cells[i]);
        if (isfinite(s)) v[n++] = s;
    }
    struct lab_summary s;
    if (n) lab_summarize(v, n, &s);
    free(v);
    if (!n || s.median < 0.5) return;
    char share[96];
    if (lround(s.min * 100) == lround(s.max * 100))
        snprintf(share, sizeof share, "%.0f%%", s.median * 100);
    else
        snprintf(share, sizeof share, "%.0f%% (from %.0f%% to %.0f%%)", s.median * 100, s.min * 100,
                 s.max * 100);
    rep_doc_para(d,
                 "**The ops/s columns are dominated by GetAll.** They count every operation over "
                 "the whole timed run, and the rare GetAll scans took a median %s of that time "
                 "in the cells that ran one, so ops/s mostly measures GetAll. The read and write "
                 "columns time those operations in phases of their own: read them for reads and "
                 "writes.",
                 share);
}

/* The experiment's other columns: its list, else every tested metric. */
static int evolution_columns(const struct experiment *e, const struct rf_result *r, const char *fam,
                             const char *prim, struct rep_names *other, char *colbuf, size_t n)
{
    int rc = 0;
    if (e->columns) {
        snprintf(colbuf, n, "%s", e->columns);
        char *save = NULL;
        for (char *c = strtok_r(colbuf, ", ", &save); c && !rc; c = strtok_r(NULL, ", ", &save))
            rc = rep_names_add(other, c);
        return rc;
    }
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    for (size_t i = 0; i < r->ncells; i++)
        for (size_t m = 0; !rc && m < r->cells[i].nmetrics; m++) {
            const char *nm = r->cells[i].metrics[m].name;
            if (!strcmp(r->cells[i].family, fam) && strcmp(nm, prim)
                && rep_compare_metric_selected(&sel, &r->cells[i], nm))
                rc = rep_names_add(other, nm);
        }
    return rc;
}

static void evolution_table(struct doc *d, const struct experiment *e, const struct rf_result *r,
                            const struct rep_names *impl, const struct rep_uns *thr,
                            const struct rep_names *other, unsigned focus)
{
    const char *fam = e->family, *prim = rep_primary_metric(r, fam);
    const char *check = json_string_value(json_object_get(r->root, "check"));
    char align[64] = "ll";
    for (size_t i = 2; i < sizeof align - 1 && i < thr->n + other->n + 2; i++) align[i] = 'r';
    size_t l = strlen(align);
    if (l + 3 < sizeof align) strcat(align, "lrl");
    rep_doc_table(d, align);
    rep_doc_cell(d, "Approach");
    rep_doc_cell(d, "impl");
    for (size_t t = 0; t < thr->n; t++)
        rep_doc_cell(d, "%s at %u thread%s", res_metric_unit(r, prim), thr->v[t],
                     thr->v[t] == 1 ? "" : "s");
    const struct family_driver *fd = run_family_find(fam);
    for (size_t o = 0; o < other->n; o++) { /* the family's short title: "read ns/op" */
        int k = fd ? run_family_metric(fd, other->v[o]) : -1;
        if (k >= 0 && fd->metrics[k].col)
            rep_doc_cell(d, "%s at %u", fd->metrics[k].col, focus);
        else
            rep_doc_cell(d, "%s (%s) at %u", rep_metric_label(other->v[o]),
                         res_metric_unit(r, other->v[o]), focus);
    }
    rep_doc_cell(d, "seed's published figure (reference, not measured here)");
    rep_doc_cell(d, "fairness (Jain) at %u", focus);
    rep_doc_cell(d, "%s", check ? check : "check");
    rep_doc_row(d);
    for (size_t i = 0; i < impl->n; i++) {
        rep_doc_cell(d, "%s", res_experiment_label(e, impl->v[i]));
        rep_doc_cell(d, "%s", impl->v[i]);
        const char *verdict = "n/a";
        for (size_t t = 0; t < thr->n; t++) {
            const struct rf_cell *c = rep_find(r, fam, impl->v[i], thr->v[t]);
            struct lab_summary s;
            char buf[16];
            rep_doc_cell(d, "%s",
                         rep_cell_summary(c, prim, &s) ? rep_format_si(s.median, buf, sizeof buf)
                                                       : rep_cell_missing(r, c));
            if (c && c->verdict && (strcmp(verdict, "FAIL") != 0)) verdict = c->verdict;
        }
        const struct rf_cell *fc = rep_find(r, fam, impl->v[i], focus);
        for (size_t o = 0; o < other->n; o++) {
            struct lab_summary s;
            char buf[16];
            rep_doc_cell(d, "%s",
                         rep_cell_summary(fc, other->v[o], &s)
                             ? rep_format_si(s.median, buf, sizeof buf)
                             : rep_cell_missing(r, fc));
        }
        struct lab_summary j;
        rep_doc_cell(d, "%s", res_experiment_reference(e, impl->v[i]));
        if (rep_cell_summary(fc, "jain", &j))
            rep_doc_cell(d, "%.3g", j.median);
        else
            rep_doc_cell(d, "%s", rep_cell_missing(r, fc));
        rep_doc_cell(d, "%s", verdict);
        rep_doc_row(d);
    }
    rep_doc_close(d);
}

static void evolution_ratios(struct doc *d, const struct experiment *e, const struct rf_result *r,
                             unsigned focus)
{
    const char *fam = e->family, *prim = rep_primary_metric(r, fam);
    if (e->focus_threads && focus != e->focus_threads)
        rep_doc_para(d,
                     "The seed's figures are for %u threads; this run's largest count is %u, so "
                     "the ratios below are taken there.",
                     e->focus_threads, focus);
    rep_doc_heading(d, 3, "The seed's ratios, measured here (at %u threads)", focus);
    rep_doc_table(d, "lrrl");
    rep_doc_cell(d, "ratio (speed of a over b)");
    rep_doc_cell(d, "seed (reference)");
    rep_doc_cell(d, "here");
    rep_doc_cell(d, " ");
    rep_doc_row(d);
    for (size_t k = 0; k < e->nratios; k++) {
        const char *metric = e->ratios[k].metric ? e->ratios[k].metric : prim;
        const struct rf_cell *a = rep_find(r, fam, e->ratios[k].a, focus),
                             *b = rep_find(r, fam, e->ratios[k].b, focus);
        double ours = a && b ? evolution_speed(a, metric) / evolution_speed(b, metric) : NAN,
               seed = e->ratios[k].value;
        rep_doc_cell(d, "%s/%s%s%s", e->ratios[k].a, e->ratios[k].b, e->ratios[k].metric ? " " : "",
                     e->ratios[k].metric ? e->ratios[k].metric : "");
        rep_doc_cell(d, "%.3g", seed);
        if (!isfinite(ours)) {
            rep_doc_cell(d, "n/a");
            rep_doc_cell(d, "not measured in this run");
        } else {
            double f = fmax(ours / seed, seed / ours);
            rep_doc_cell(d, "%.3g", ours);
            if ((ours > 1) != (seed > 1) && fabs(log(ours)) > log(1.1))
                rep_doc_cell(d, "**disagrees**: the order is reversed here");
            else if (f <= 2)
                rep_doc_cell(d, "agrees (within a factor of %.1f)", f);
            else
                rep_doc_cell(d, "**disagrees in size**: off by a factor of %.1f", f);
        }
        rep_doc_row(d);
    }
    rep_doc_close(d);
    for (size_t k = 0; k < e->nratios; k++) {
        const char *metric = e->ratios[k].metric ? e->ratios[k].metric : prim;
        const struct rf_cell *a = rep_find(r, fam, e->ratios[k].a, focus),
                             *b = rep_find(r, fam, e->ratios[k].b, focus);
        if (!a || !b) continue;
        double ours = evolution_speed(a, metric) / evolution_speed(b, metric),
               seed = e->ratios[k].value;
        if (!isfinite(ours)) continue;
        char why[300];
        evolution_counter_reason(a, b, e->ratios[k].a, e->ratios[k].b, why, sizeof why);
        double f = fmax(ours / seed, seed / ours);
        int agree = !((ours > 1) != (seed > 1) && fabs(log(ours)) > log(1.1)) && f <= 2;
        rep_doc_item(d, "%s/%s%s%s: the seed's ratio is %.3g, this machine's %.3g: it %s%s; %s.",
                     e->ratios[k].a, e->ratios[k].b, e->ratios[k].metric ? " " : "",
                     e->ratios[k].metric ? e->ratios[k].metric : "", seed, ours,
                     agree ? "agrees" : "does not agree",
                     agree ? ""
                           : " (platforms differ: the seed measured goroutines on its own machine)",
                     why);
    }
    rep_doc_close(d);
}

void rep_evolution(struct doc *d, const struct experiment *e, const struct rf_result *r)
{
    const char *fam = e->family, *prim = rep_primary_metric(r, fam);
    struct rep_names impl = { 0 }, other = { 0 };
    struct rep_uns thr = { 0 };
    char colbuf[512];
    int rc = rep_impls_of(r, fam, &impl);
    if (!rc) rc = rep_threads_of(r, fam, &thr);
    if (!rc && prim) rc = evolution_columns(e, r, fam, prim, &other, colbuf, sizeof colbuf);
    rep_doc_heading(d, 2, "The seed's table, measured here");
    if (rc || !prim || !thr.n) {
        rep_doc_para(d, "No cells of family %s in the result.", fam);
    } else {
        unsigned focus = thr.v[thr.n - 1];
        for (size_t t = 0; t < thr.n; t++)
            if (thr.v[t] == e->focus_threads) focus = thr.v[t];
        evolution_table(d, e, r, &impl, &thr, &other, focus);
        rep_doc_para(d,
                     "Medians of the trials of this run. The reference column quotes the seed "
                     "(%s: Go, goroutines, its own machine); it is not a measurement of this "
                     "machine. Threads here are OS threads, not goroutines.",
                     e->seed_file ? e->seed_file : "its text");
        evolution_scan_note(d, r, fam);
        if (e->nratios) evolution_ratios(d, e, r, focus);
    }
    rep_names_free(&impl);
    rep_names_free(&other);
    rep_uns_free(&thr);
}
