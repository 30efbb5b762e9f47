/* Terminal tables of a run, in the order a reader needs them: throughput
 * with its spread and fairness and the family's correctness check; the
 * event counters (n/a with the reason where not counted); the family's own
 * metrics (columns its driver declares). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "table.h"
#include "view.h"

static void table_name(const struct cell *c, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", c->impl->family, c->impl->name);
}

/* The name column's width: 20, or the longest family/impl of the run. */
static int table_width(const struct run_result *r)
{
    int w = 20;
    for (size_t k = 0; k < r->ncells; k++) {
        int l = (int)(strlen(r->cells[k].impl->family) + 1 + strlen(r->cells[k].impl->name));
        if (l > w) w = l;
    }
    return w;
}

/* Median over a cell's trials of its peak RSS in MiB; NAN if unknown. */
static double table_rss_mib(const struct cell *c)
{
    double v[256];
    size_t n = 0;
    for (size_t k = 0; k < c->ntrials && n < sizeof v / sizeof *v; k++)
        if (isfinite(c->trials[k].peak_rss_kib)) v[n++] = c->trials[k].peak_rss_kib / 1024;
    struct lab_summary s;
    if (!n) return NAN;
    lab_summarize(v, n, &s);
    return s.median;
}

static int table_in_group(const struct fam_metric *m, const char *group)
{
    return m->col && (group ? m->group && !strcmp(m->group, group) : !m->group);
}

/* The columns a family declares in group (NULL: its metrics table),
   medians per cell, n/a where not measured; the "memory" table starts with
   the trial's peak RSS, whatever the family. */
static void table_family(FILE *f, const struct run_result *r, const char *group)
{
    const struct family_driver *fam = r->opts->fam;
    int any = 0, rss = group && !strcmp(group, "memory");
    for (size_t i = 0; i < fam->nmetrics; i++) any |= table_in_group(&fam->metrics[i], group);
    if (!any && !rss) return;
    if (group) fprintf(f, "\n%s", group);
    fprintf(f, "\n%-*s %8s", table_width(r), "impl", "threads");
    if (rss) fprintf(f, " %12s", "peak RSS MiB");
    for (size_t i = 0; i < fam->nmetrics; i++)
        if (table_in_group(&fam->metrics[i], group)) fprintf(f, " %12s", fam->metrics[i].col);
    fputc('\n', f);
    for (size_t k = 0; k < r->ncells; k++) {
        const struct cell *c = &r->cells[k];
        char name[64], v[32] = "n/a";
        table_name(c, name, sizeof name);
        fprintf(f, "%-*s %8u", table_width(r), name, c->threads);
        double mib = rss ? table_rss_mib(c) : NAN;
        if (rss) {
            if (isfinite(mib)) snprintf(v, sizeof v, "%.1f", mib);
            fprintf(f, " %12s", v);
        }
        for (size_t i = 0; i < fam->nmetrics; i++) {
            if (!table_in_group(&fam->metrics[i], group)) continue;
            snprintf(v, sizeof v, "n/a");
            if (isfinite(c->m[i].median))
                snprintf(v, sizeof v, fam->metrics[i].fmt, c->m[i].median);
            fprintf(f, " %12s", v);
        }
        fputc('\n', f);
    }
    if (!group && fam->table_note) fam->table_note(f, r->opts->fcfg);
}

/* The family's metrics table, then one table per group it names (the
   first metric of each group places it), then memory. */
static void table_groups(FILE *f, const struct run_result *r)
{
    const struct family_driver *fam = r->opts->fam;
    table_family(f, r, NULL);
    for (size_t i = 0; i < fam->nmetrics; i++) {
        const char *g = fam->metrics[i].group;
        int first = g && strcmp(g, "memory");
        for (size_t j = 0; first && j < i; j++)
            first = !fam->metrics[j].group || strcmp(fam->metrics[j].group, g);
        if (first) table_family(f, r, g);
    }
    table_family(f, r, "memory");
}

/* The run-level note on event e for the table's footer; 0 if none. */
static int table_ctr_footer(const struct ctr_event *e, char *buf, size_t n)
{
    if (!e->reason[0] && !e->force_rusage) return 0;
    int perf = e->perf_ok && !e->force_rusage;
    snprintf(buf, n, "%s%s",
             perf        ? ""
                 : e->ru ? "from getrusage; perf: "
                         : "n/a: ",
             e->reason[0] ? e->reason : "skipped (getrusage forced)");
    return 1;
}

static void table_counters(FILE *f, const struct run_result *r)
{
    const struct ctr_spec *s = &r->opts->counters;
    if (s->off_reason[0]) fprintf(f, "\ncounters off: %s\n", s->off_reason);
    if (!s->enabled || !s->n) return;
    fprintf(f, "\n%-*s %8s", table_width(r), "counters", "threads");
    for (size_t i = 0; i < s->n; i++) fprintf(f, " %10s", s->ev[i].col);
    fputc('\n', f);
    for (size_t c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        char name[64];
        table_name(cl, name, sizeof name);
        fprintf(f, "%-*s %8u", table_width(r), name, cl->threads);
        for (size_t i = 0; i < s->n; i++) {
            int is_time = run_ctr_event_is_time(&s->ev[i]);
            double v = run_cell_ctr_median(cl, i, is_time);
            if (isnan(v))
                fprintf(f, " %10s", "n/a");
            else if (is_time)
                fprintf(f, " %10.1f", v / 1e6);
            else
                fprintf(f, " %10.4g", v);
        }
        fputc('\n', f);
    }
    fprintf(f,
            "events per op, summed over the worker threads, median over the reps; task-ms\n"
            "is not per op: the workers' total CPU time in ms\n");
    /* Each run-level reason once; events that share one share the line. */
    for (size_t i = 0; i < s->n; i++) {
        char what[CTR_REASONLEN + 32], cols[160] = "";
        if (!table_ctr_footer(&s->ev[i], what, sizeof what)) continue;
        int seen = 0;
        for (size_t j = 0; j < s->n; j++) {
            char other[CTR_REASONLEN + 32];
            if (!table_ctr_footer(&s->ev[j], other, sizeof other) || strcmp(what, other)) continue;
            if (j < i) {
                seen = 1;
                break;
            }
            size_t len = strlen(cols);
            snprintf(cols + len, sizeof cols - len, "%s%s", len ? ", " : "", s->ev[j].col);
        }
        if (!seen) fprintf(f, "  %s: %s\n", cols, what);
    }
    /* Trial-specific reasons (fd budget, per-thread failures): once per cell and event. */
    for (size_t c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        for (size_t i = 0; i < s->n; i++)
            for (size_t k = 0; k < cl->ntrials; k++) {
                const struct ctr_result *t = &cl->trials[k].counters;
                if (i >= t->n || !t->note[i][0] || s->ev[i].force_rusage) continue;
                fprintf(f, "  %s/%s threads=%u %s: %s\n", cl->impl->family, cl->impl->name,
                        cl->threads, s->ev[i].col, t->note[i]);
                break;
            }
    }
}

void rep_print_table(FILE *f, const struct run_result *r)
{
    const struct run_opts *o = r->opts;
    fprintf(f, "%-*s %8s %9s %9s %9s %9s %6s  %9s %9s %6s %s\n", table_width(r), "impl", "threads",
            "ops/s", "min", "max", "ns/op", "cv%", "thr-min", "thr-max", "jain", o->fam->check);
    for (size_t i = 0; i < r->ncells; i++) {
        const struct cell *c = &r->cells[i];
        char a[16], b[16], d[16], tmin[16], tmax[16], name[64];
        table_name(c, name, sizeof name);
        if (c->skipped[0]) { /* refused: the reason, no 0.00 */
            fprintf(f, "%-*s %8u %9s (%s)\n", table_width(r), name, c->threads, "skipped",
                    c->skipped);
            continue;
        }
        if (!c->ntrials && c->outcome == OUTCOME_OK) { /* never ran: no 0.00 */
            fprintf(f, "%-*s %8u %9s\n", table_width(r), name, c->threads,
                    r->interrupted ? "not run (interrupted)" : "not run");
            continue;
        }
        fprintf(f, "%-*s %8u %9s %9s %9s %9.2f %5.1f%c  %9s %9s %6.3f %s", table_width(r), name,
                c->threads, rep_format_si(c->ops_per_s.median, a, sizeof a),
                rep_format_si(c->ops_per_s.min, b, sizeof b),
                rep_format_si(c->ops_per_s.max, d, sizeof d), c->ns_per_op.median,
                c->ops_per_s.cv * 100, c->ops_per_s.unstable ? '!' : ' ',
                rep_format_si(c->rate_min.median, tmin, sizeof tmin),
                rep_format_si(c->rate_max.median, tmax, sizeof tmax), c->jain.median,
                run_verdict_name(c->verdict));
        if (c->outcome != OUTCOME_OK && c->failed)
            fprintf(f, " (%s%s%s)", run_outcome_name(c->outcome),
                    c->failed->outcome_detail[0] ? " " : "", c->failed->outcome_detail);
        else if (c->verdict == VERDICT_FAIL && c->failed && c->failed->note[0])
            fprintf(f, " (%s)", c->failed->note);
        fputc('\n', f);
    }
    fprintf(f,
            "%s, %u reps, median ops/s over the reps (min, max: the slowest and fastest "
            "rep);\nthr-min, thr-max: the slowest and fastest thread's ops/s; jain: Jain's "
            "fairness index over the threads (1 = fair)\n",
            o->ops ? "fixed work" : "fixed time", o->reps);
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].ops_per_s.unstable) {
            fprintf(f,
                    "! unstable: cv over %.0f%%; the JSON has each cell's 95%% CI of the "
                    "median\n",
                    LAB_UNSTABLE_CV * 100);
            break;
        }
    table_counters(f, r);
    table_groups(f, r);
}
