/* History series as tables, CSV, plots, and change points with the
 * newest-run gate (trend.h). */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lab_changepoint.h"
#include "report.h"
#include "results.h"
#include "trend.h"
#include "view.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif

extern char **environ;

static void trend_header(FILE *f, const struct res_hist_series *s)
{
    char name[256];
    res_hist_series_name(s, name, sizeof name);
    fprintf(f, "%s  (machine %lld: %s; experiment %s; runner %s; %zu run%s)\n", name, s->machine,
            s->machine_label, s->experiment, s->runner, s->npts, s->npts == 1 ? "" : "s");
}

/* "kernel Linux 6.1 -> Linux 6.2" when run i's attributes differ from run
   i-1's, else "". */
static void trend_attr_change(const struct res_hist_series *s, size_t i, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!i) return;
    const struct res_hist_point *a = &s->pts[i - 1], *b = &s->pts[i];
    if (strcmp(a->kernel, b->kernel)) snprintf(buf, n, "kernel %s -> %s", a->kernel, b->kernel);
    if (strcmp(a->compiler, b->compiler))
        snprintf(buf + strlen(buf), n - strlen(buf), "%scompiler %s -> %s", buf[0] ? "; " : "",
                 a->compiler, b->compiler);
}

void rep_trend_show(FILE *f, const struct res_hist_series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        trend_header(f, &s[i]);
        fprintf(f, "  %4s  %-20s  %-19s %3s  %-28s\n", "run", "date", "build commit", "n",
                "median [95% CI]");
        for (size_t p = 0; p < s[i].npts; p++) {
            const struct res_hist_point *pt = &s[i].pts[p];
            struct lab_summary sm;
            char ci[96], ch[256];
            lab_summarize(pt->v, pt->n, &sm);
            rep_med_ci(&sm, ci, sizeof ci, 1);
            trend_attr_change(&s[i], p, ch, sizeof ch);
            fprintf(f, "  %4lld  %-20s  %-19s %3zu  %-28s%s%s\n", pt->run, pt->date, pt->commit,
                    pt->n, ci, ch[0] ? "  * " : "", ch);
        }
        fputc('\n', f);
    }
}

static void trend_csv_field(FILE *f, const char *s, char sep)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(sep, f);
}

void rep_trend_csv(FILE *f, const struct res_hist_series *s, size_t n)
{
    fputs("machine,machine_label,experiment,family,runner,params,workload,impl,threads,metric,"
          "run,date,build_commit,kernel,compiler,trial,value\n",
          f);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < s[i].npts; p++)
            for (size_t t = 0; t < s[i].pts[p].n; t++) {
                const struct res_hist_point *pt = &s[i].pts[p];
                fprintf(f, "%lld,", s[i].machine);
                const char *a[] = { s[i].machine_label, s[i].experiment, s[i].family, s[i].runner,
                                    s[i].params,        s[i].workload,   s[i].impl };
                for (size_t k = 0; k < sizeof a / sizeof *a; k++) trend_csv_field(f, a[k], ',');
                fprintf(f, "%u,", s[i].threads);
                trend_csv_field(f, s[i].metric, ',');
                fprintf(f, "%lld,%s,%s,", pt->run, pt->date, pt->commit);
                trend_csv_field(f, pt->kernel, ',');
                trend_csv_field(f, pt->compiler, ',');
                fprintf(f, "%zu,%.10g\n", t, pt->v[t]);
            }
}

/* ---------------- plots -------------------------------------------------- */

/* Series a and b go in one plot: same key but the implementation. */
static int trend_same_plot(const struct res_hist_series *a, const struct res_hist_series *b)
{
    return a->machine == b->machine && a->threads == b->threads && !strcmp(a->metric, b->metric)
        && !strcmp(a->experiment, b->experiment) && !strcmp(a->family, b->family)
        && !strcmp(a->runner, b->runner) && !strcmp(a->params, b->params)
        && !strcmp(a->workload, b->workload);
}

static int trend_cmp_run(const void *a, const void *b)
{
    const struct res_hist_point *x = *(const struct res_hist_point *const *)a;
    const struct res_hist_point *y = *(const struct res_hist_point *const *)b;
    int c = strcmp(x->date, y->date);
    return c ? c : (x->run > y->run) - (x->run < y->run);
}

/* The runs of series s[0..k) in measurement order, each once. */
static size_t trend_runs(const struct res_hist_series *const *s, size_t k,
                         const struct res_hist_point **runs)
{
    size_t nr = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t p = 0; p < s[i]->npts; p++) {
            size_t j = 0;
            while (j < nr && runs[j]->run != s[i]->pts[p].run) j++;
            if (j == nr) runs[nr++] = &s[i]->pts[p];
        }
    /* an array of pointers: */ /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    qsort(runs, nr, sizeof *runs, trend_cmp_run);
    return nr;
}

static int trend_gnuplot(const char *vars, const char *script, char *err, size_t en)
{
    char *argv[] = { "gnuplot", "-e", (char *)vars, (char *)script, NULL };
    pid_t pid;
    int st;
    if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ) != 0) {
        snprintf(err, en, "gnuplot not found: install gnuplot-nox to draw the plots");
        return -ENOENT;
    }
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, en, "gnuplot failed on %s", script);
        return -EIO;
    }
    return 0;
}

/* One plot: series s[0..k), one block per implementation. */
static int trend_plot_one(FILE *f, const char *dir, size_t idx,
                          const struct res_hist_series *const *s, size_t k, char *err, size_t en)
{
    size_t total = 0;
    for (size_t i = 0; i < k; i++) total += s[i]->npts;
    /* an array of pointers: */ /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    const struct res_hist_point **runs = malloc((total + 1) * sizeof *runs);
    if (!runs) return -ENOMEM;
    size_t nr = trend_runs(s, k, runs);
    char base[1100], tsv[1200], marks[2048] = "", labels[4096] = "";
    snprintf(base, sizeof base, "%s/history-%zu", dir, idx);
    snprintf(tsv, sizeof tsv, "%s.tsv", base);
    FILE *d = fopen(tsv, "w");
    if (!d) {
        free(runs);
        snprintf(err, en, "cannot write '%s'", tsv);
        return -EIO;
    }
    for (size_t i = 0; i < k; i++) {
        fprintf(d, "%s%s\n", i ? "\n\n" : "", s[i]->impl);
        for (size_t p = 0; p < s[i]->npts; p++) {
            const struct res_hist_point *pt = &s[i]->pts[p];
            size_t x = 0;
            while (x < nr && runs[x]->run != pt->run) x++;
            struct lab_summary sm;
            lab_summarize(pt->v, pt->n, &sm);
            fprintf(d, "%zu\t%.6g\t%.6g\t%.6g\t%.7s\n", x, sm.median, sm.ci_low, sm.ci_high,
                    pt->commit);
        }
    }
    fclose(d);
    for (size_t x = 1; x < nr; x++) { /* attribute changes, marked */
        int kern = strcmp(runs[x - 1]->kernel, runs[x]->kernel) != 0;
        int comp = strcmp(runs[x - 1]->compiler, runs[x]->compiler) != 0;
        if (!kern && !comp) continue;
        snprintf(marks + strlen(marks), sizeof marks - strlen(marks), "%zu ", x);
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%s ",
                 kern ? "kernel" : "",
                 kern && comp ? "+compiler"
                     : comp   ? "compiler"
                              : "");
    }
    free(runs);
    const struct res_hist_series *s0 = s[0];
    const char *plots = getenv("CONTEND_PLOTS");
    if (!plots || !*plots) plots = CONTEND_SOURCE_DIR "/plots";
    char title[512], vars[8192], script[1100];
    snprintf(title, sizeof title, "%s%s%s threads=%u: %s across runs, machine %lld", s0->family,
             *s0->workload ? "/" : "", s0->workload, s0->threads, s0->metric, s0->machine);
    snprintf(script, sizeof script, "%s/history.gp", plots);
    for (int e = 0; e < 2; e++) {
        snprintf(vars, sizeof vars,
                 "datafile='%s'; out='%s.%s'; dir='%s'; nblocks=%zu; title='%s'; "
                 "ylabel='%s (median, 95%% CI)'; caption='%s'; marks='%s'; marklabels='%s'",
                 tsv, base, e ? "svg" : "png", plots, k, title, s0->metric, s0->machine_label,
                 marks, labels);
        int rc = trend_gnuplot(vars, script, err, en);
        if (rc) return rc;
    }
    fprintf(f, "%s.png, %s.svg: %s\n", base, base, title);
    return 0;
}

int rep_trend_plot(FILE *f, const char *dir, const struct res_hist_series *s, size_t n, char *err,
                   size_t en)
{
    int rc = res_make_dirs(dir, err, en);
    /* an array of pointers: */ /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    const struct res_hist_series **group = malloc((n + 1) * sizeof *group);
    unsigned char *done = calloc(n + 1, 1);
    if (!rc && (!group || !done)) rc = -ENOMEM;
    size_t idx = 1;
    for (size_t i = 0; !rc && i < n; i++) {
        if (done[i]) continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && trend_same_plot(&s[i], &s[j])) group[k++] = &s[j], done[j] = 1;
        rc = trend_plot_one(f, dir, idx++, group, k, err, en);
    }
    free(group);
    free(done);
    return rc;
}

/* ---------------- change points and the gate ----------------------------- */

static const char *trend_kind(double ratio, int better)
{
    if (!better || ratio == 1) return "change";
    return (ratio > 1) == (better > 0) ? "improvement" : "regression";
}

static void trend_interval(double lo, double hi, char *buf, size_t n)
{
    if (isfinite(lo) && isfinite(hi) && hi > 0)
        snprintf(buf, n, "[%.3f, %.3f]", lo, hi);
    else
        snprintf(buf, n, "[n/a]");
}

/* One series: its change points, then the gate on its newest run. 1 when
   the gate finds a regression. */
static int trend_detect_one(FILE *f, const struct res_hist_series *s,
                            const struct rep_trend_opts *o, const struct res_hist_point *latest,
                            size_t *nchanges, char *err, size_t en)
{
    trend_header(f, s);
    for (size_t p = 1; p < s->npts; p++) {
        char ch[256];
        trend_attr_change(s, p, ch, sizeof ch);
        if (ch[0]) fprintf(f, "  note: %s at run %lld (%s)\n", ch, s->pts[p].run, s->pts[p].date);
    }
    struct lab_cp_point *pts = malloc((s->npts + 1) * sizeof *pts);
    struct lab_cp_change *ch = malloc((s->npts + 1) * sizeof *ch);
    int rc = pts && ch ? 0 : -ENOMEM, regression = 0;
    for (size_t p = 0; !rc && p < s->npts; p++)
        pts[p] = (struct lab_cp_point){ s->pts[p].v, s->pts[p].n };
    struct lab_cp_opts co = { .alpha = o->alpha, .permutations = o->permutations, .seed = o->seed };
    /* change points among the runs before the newest: one run cannot be
       located, and an outlier at the end would drag the run before it into
       a "change"; the newest run is the gate's */
    size_t nd = s->npts - 1;
    int nc = rc ? rc : lab_cp_detect(pts, nd, &co, ch, nd);
    if (nc == -EINVAL) {
        fprintf(f, "  skipped: a value is not > 0 (change points need a positive metric)\n\n");
        rc = 0;
        goto done;
    }
    if (nc < 0) {
        rc = nc;
        goto done;
    }
    if (nd < 4)
        fprintf(f,
                "  change points: too few runs before the newest to locate one (%zu; 4 needed)\n",
                nd);
    else if (!nc)
        fprintf(f, "  change points: none before the newest run (alpha %g)\n", o->alpha);
    for (int c = 0; c < nc; c++) {
        const struct res_hist_point *a = &s->pts[ch[c].index - 1], *b = &s->pts[ch[c].index];
        char iv[64];
        trend_interval(ch[c].lo, ch[c].hi, iv, sizeof iv);
        fprintf(f,
                "  change at run %lld (%s): %s, mean after/before %.3f %s, p %.3g; "
                "suspect commits %s..%s\n",
                b->run, b->date, trend_kind(ch[c].ratio, s->better), ch[c].ratio, iv, ch[c].p,
                a->commit, b->commit);
    }
    *nchanges += (size_t)nc;
    const struct res_hist_point *nw = &s->pts[s->npts - 1];
    if (strcmp(nw->commit, latest->commit)) {
        fprintf(f,
                "  gate: not run: its newest run (commit %s) is not of the newest build (%s)\n\n",
                nw->commit, latest->commit);
        goto done;
    }
    if (s->npts < 2 || !s->better) {
        fprintf(f, "  gate: %s\n\n",
                s->npts < 2 ? "one run: nothing to test the newest against"
                            : "the metric has no better direction: not gated");
        goto done;
    }
    size_t since = nc ? ch[nc - 1].index : 0;
    struct lab_cp_gate g;
    rc = lab_cp_newest_test(pts, s->npts, since,
                            s->better > 0 ? LAB_CP_HIGHER_IS_BETTER : LAB_CP_LOWER_IS_BETTER,
                            o->min_effect, o->alpha, &g);
    if (rc) goto done;
    char iv[64];
    trend_interval(g.lo, g.hi, iv, sizeof iv);
    fprintf(f,
            "  gate: newest run %lld (commit %s, %zu trials) against %zu trials since run %lld: "
            "ratio %.3f %s, p %.3g -> %s\n\n",
            nw->run, nw->commit, g.n_new, g.n_base, s->pts[since].run, g.ratio, iv, g.p,
            lab_cp_outcome_name(g.outcome));
    regression = g.outcome == LAB_CP_REGRESSION;
done:
    free(pts);
    free(ch);
    if (rc < 0) {
        snprintf(err, en, "change points: %s", strerror(-rc));
        return rc;
    }
    return regression;
}

int rep_trend_detect(FILE *f, const struct res_hist_series *s, size_t n,
                     const struct rep_trend_opts *o, char *err, size_t en)
{
    size_t changes = 0;
    int regressions = 0;
    /* the gate tests the newest build: the commit of the latest run */
    const struct res_hist_point *latest = NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < s[i].npts; p++) {
            const struct res_hist_point *q = &s[i].pts[p];
            if (!latest || strcmp(q->date, latest->date) > 0
                || (!strcmp(q->date, latest->date) && q->run > latest->run))
                latest = q;
        }
    for (size_t i = 0; i < n; i++) {
        int r = trend_detect_one(f, &s[i], o, latest, &changes, err, en);
        if (r < 0) return r;
        regressions += r;
    }
    fprintf(f,
            "%zu series, %zu change point%s; gate: %d series whose newest run regressed "
            "(E-Divisive, alpha %g, min effect %g%%; docs/history.md)\n",
            n, changes, changes == 1 ? "" : "s", regressions, o->alpha, o->min_effect * 100);
    return regressions;
}
