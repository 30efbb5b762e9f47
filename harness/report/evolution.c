/* The evolution table of a reproduction: the seed's table shape (its row
 * labels, our medians, the seed's published figures as a labelled reference
 * column), then the seed's key ratios measured here, each with the counter
 * that differs most between the two cells. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "experiment.h"
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
    snprintf(buf, n, "no counters in this result to say why");
    for (size_t k = 0; k < a->nmetrics; k++) {
        const char *name = a->metrics[k].name;
        struct lab_summary sa, sb;
        if (!evolution_is_counter(name) || !rep_cell_summary(a, name, &sa)
            || !rep_cell_summary(b, name, &sb))
            continue;
        double lo = fmin(sa.median, sb.median), hi = fmax(sa.median, sb.median);
        if (hi < 0.01) continue; /* under one event per 100 ops: no explanation */
        double r = lo > 0 ? hi / lo : INFINITY;
        if (r > best) {
            best = r;
            snprintf(buf, n, "the counters point at %s: %s %.3g against %s %.3g", name, an,
                     sa.median, bn, sb.median);
        }
    }
}

void rep_evolution(FILE *md, const struct experiment *e, const struct rf_result *r)
{
    const char *fam = e->family, *impl[VIEW_MAX], *prim = rep_primary_metric(r, fam);
    unsigned thr[VIEW_MAX];
    size_t ni = rep_impls_of(r, fam, impl), nt = rep_threads_of(r, fam, thr);
    if (!prim || !nt) {
        fprintf(md, "No cells of family %s in the result.\n\n", fam);
        return;
    }
    unsigned focus = thr[nt - 1];
    for (size_t t = 0; t < nt; t++)
        if (thr[t] == e->focus_threads) focus = thr[t];
    const char *other[VIEW_MAX];
    size_t no = 0;
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    char colbuf[512];
    if (e->columns) { /* the experiment names its columns, in order */
        snprintf(colbuf, sizeof colbuf, "%s", e->columns);
        char *save = NULL;
        for (char *c = strtok_r(colbuf, ", ", &save); c && no < VIEW_MAX;
             c = strtok_r(NULL, ", ", &save))
            no = rep_add_unique(other, no, c);
    } else {
        for (size_t i = 0; i < r->ncells; i++)
            for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
                const char *nm = r->cells[i].metrics[m].name;
                if (!strcmp(r->cells[i].family, fam) && strcmp(nm, prim)
                    && rep_compare_metric_selected(&sel, &r->cells[i], nm))
                    no = rep_add_unique(other, no, nm);
            }
    }
    fprintf(md, "## %s\n\n", e->title ? e->title : e->name);
    fprintf(md, "| Approach | impl |");
    for (size_t t = 0; t < nt; t++)
        fprintf(md, " %s at %u thread%s |", res_metric_unit(r, prim), thr[t],
                thr[t] == 1 ? "" : "s");
    for (size_t o = 0; o < no; o++)
        fprintf(md, " %s (%s) at %u |", other[o], res_metric_unit(r, other[o]), focus);
    const char *check = json_string_value(json_object_get(r->root, "check"));
    fprintf(md,
            " seed's published figure (reference, not measured here) | fairness (Jain) at %u |"
            " %s |\n|---|---|",
            focus, check ? check : "check");
    for (size_t t = 0; t < nt + no; t++) fprintf(md, "---:|");
    fprintf(md, "---|---:|---|\n");
    for (size_t i = 0; i < ni; i++) {
        fprintf(md, "| %s | %s |", res_experiment_label(e, impl[i]), impl[i]);
        const char *verdict = "n/a";
        for (size_t t = 0; t < nt; t++) {
            const struct rf_cell *c = rep_find(r, fam, impl[i], thr[t]);
            struct lab_summary s;
            char buf[16];
            fprintf(md, " %s |",
                    rep_cell_summary(c, prim, &s) ? rep_format_si(s.median, buf, sizeof buf)
                                                  : "n/a");
            if (c && c->verdict && (strcmp(verdict, "FAIL") != 0)) verdict = c->verdict;
        }
        const struct rf_cell *fc = rep_find(r, fam, impl[i], focus);
        for (size_t o = 0; o < no; o++) {
            struct lab_summary s;
            char buf[16];
            fprintf(md, " %s |",
                    rep_cell_summary(fc, other[o], &s) ? rep_format_si(s.median, buf, sizeof buf)
                                                       : "n/a");
        }
        struct lab_summary j;
        const char *ref = res_experiment_reference(e, impl[i]);
        if (rep_cell_summary(fc, "jain", &j))
            fprintf(md, " %s | %.3f | %s |\n", *ref ? ref : "", j.median, verdict);
        else
            fprintf(md, " %s | n/a | %s |\n", *ref ? ref : "", verdict);
    }
    fprintf(md,
            "\nMedians of the trials of this run. The reference column quotes the seed (%s: "
            "Go, goroutines, its own machine); it is not a measurement of this machine. Threads "
            "here are OS threads, not goroutines.\n\n",
            e->seed_file ? e->seed_file : "its text");
    if (!e->nratios) return;
    if (e->focus_threads && focus != e->focus_threads)
        fprintf(md,
                "The seed's figures are for %u threads; this run's largest count is %u, so "
                "the ratios below are taken there.\n\n",
                e->focus_threads, focus);
    fprintf(md,
            "### The seed's ratios, measured here (at %u threads)\n\n"
            "| ratio (speed of a over b) | seed (reference) | here | |\n|---|---:|---:|---|\n",
            focus);
    for (size_t k = 0; k < e->nratios; k++) {
        const char *metric = e->ratios[k].metric ? e->ratios[k].metric : prim;
        const struct rf_cell *a = rep_find(r, fam, e->ratios[k].a, focus),
                             *b = rep_find(r, fam, e->ratios[k].b, focus);
        double ours = a && b ? evolution_speed(a, metric) / evolution_speed(b, metric) : NAN,
               seed = e->ratios[k].value;
        char verdict[200];
        if (!isfinite(ours))
            snprintf(verdict, sizeof verdict, "not measured in this run");
        else if ((ours > 1) != (seed > 1) && fabs(log(ours)) > log(1.1))
            snprintf(verdict, sizeof verdict, "**disagrees**: the order is reversed here");
        else {
            double f = fmax(ours / seed, seed / ours);
            snprintf(verdict, sizeof verdict,
                     f <= 2 ? "agrees (within a factor of %.1f)"
                            : "**disagrees in size**: off by a factor of %.1f",
                     f);
        }
        fprintf(md, "| %s/%s%s%s | %.3g | ", e->ratios[k].a, e->ratios[k].b,
                e->ratios[k].metric ? " " : "", e->ratios[k].metric ? e->ratios[k].metric : "",
                seed);
        if (isfinite(ours))
            fprintf(md, "%.3g | %s |\n", ours, verdict);
        else
            fprintf(md, "n/a | %s |\n", verdict);
    }
    fprintf(md, "\n");
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
        fprintf(md, "- %s/%s: the seed's ratio is %.3g, this machine's %.3g: it %s%s; %s.\n",
                e->ratios[k].a, e->ratios[k].b, seed, ours, agree ? "agrees" : "does not agree",
                agree ? "" : " (platforms differ: the seed measured goroutines on its own machine)",
                why);
    }
    fprintf(md, "\n");
}

/* ---------------- Markdown -> HTML (the subset report.md uses) ------------ */
