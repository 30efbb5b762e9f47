/* Plots: gnuplot scripts in plots/ (CONTEND_PLOTS) draw PNG and SVG from a
 * TSV file of medians and CIs; the Markdown links all three. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"
#include "view.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif

static const char *plot_dir(void)
{
    const char *d = getenv("CONTEND_PLOTS");
    return d && *d ? d : CONTEND_SOURCE_DIR "/plots";
}

/* ---------------- small helpers over a result ---------------------------- */

static void plot_gp_var(char *buf, size_t n, const char *name, const char *value)
{
    size_t l = strlen(buf);
    l += (size_t)snprintf(buf + l, l < n ? n - l : 0, "%s='", name);
    for (const char *p = value; *p && l + 4 < n; p++) {
        if (*p == '\'') buf[l++] = '\'';
        buf[l++] = *p;
    }
    if (l + 3 < n) {
        buf[l++] = '\'';
        buf[l++] = ';';
        buf[l++] = ' ';
        buf[l] = '\0';
    }
}

/* Renders script with vars into base.png and base.svg. */
static int plot_gnuplot(const char *script, const char *vars, const char *base, char *err, size_t n)
{
    static const char *const ext[] = { "png", "svg" };
    for (int k = 0; k < 2; k++) {
        char path[1100], gp[1100], e[8192] = "";
        snprintf(path, sizeof path, "%s.%s", base, ext[k]);
        snprintf(gp, sizeof gp, "%s/%s", plot_dir(), script);
        plot_gp_var(e, sizeof e, "dir", plot_dir());
        plot_gp_var(e, sizeof e, "out", path);
        strncat(e, vars, sizeof e - strlen(e) - 1);
        pid_t pid = fork();
        if (pid < 0) {
            snprintf(err, n, "fork: %s", strerror(errno));
            return -errno;
        }
        if (pid == 0) {
            execlp("gnuplot", "gnuplot", "-e", e, gp, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0) {
            snprintf(err, n, "waitpid failed");
            return -ECHILD;
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            snprintf(err, n, "gnuplot not found: install gnuplot-nox to draw the plots");
            return -ENOENT;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            snprintf(err, n, "gnuplot failed on %s (plots from %s)", gp, plot_dir());
            return -EIO;
        }
    }
    return 0;
}

/* Opens dir/plots/stem.tsv for writing; fills base (without extension). */
static FILE *plot_data(const struct plotctx *p, const char *stem, char *base, size_t bn, char *tsv,
                       size_t tn)
{
    snprintf(base, bn, "%s/plots/%s", p->dir, stem);
    snprintf(tsv, tn, "%s.tsv", base);
    FILE *f = fopen(tsv, "w");
    if (!f) snprintf(p->err, p->n, "cannot write '%s': %s", tsv, strerror(errno));
    return f;
}

/* Closes the data, draws it, and links the images from the Markdown. */
static int plot_finish(const struct plotctx *p, FILE *f, const char *script, const char *vars,
                       const char *stem, const char *base, const char *tsv, const char *alt)
{
    if (fclose(f) != 0) {
        snprintf(p->err, p->n, "cannot write '%s'", tsv);
        return -EIO;
    }
    char all[4096] = "";
    plot_gp_var(all, sizeof all, "datafile", tsv);
    plot_gp_var(all, sizeof all, "caption", p->caption);
    strncat(all, vars, sizeof all - strlen(all) - 1);
    int rc = plot_gnuplot(script, all, base, p->err, p->n);
    if (!rc)
        fprintf(p->md, "![%s](plots/%s.png)\n\n[SVG](plots/%s.svg) · [data](plots/%s.tsv)\n\n", alt,
                stem, stem, stem);
    return rc;
}

static void plot_safe_stem(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) *s = '-';
}

/* metric against threads, one line per implementation. */
static int plot_scaling(const struct plotctx *p, const struct rf_result *r, const char *fam,
                        const char *metric, const char *tag)
{
    const char *impl[VIEW_MAX];
    unsigned thr[VIEW_MAX];
    size_t ni = rep_impls_of(r, fam, impl), nt = rep_threads_of(r, fam, thr), blocks = 0;
    if (nt < 2) return 0; /* a line needs two points */
    char stem[128], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-%s-scaling", tag, fam);
    plot_safe_stem(stem);
    FILE *f = plot_data(p, stem, base, sizeof base, tsv, sizeof tsv);
    if (!f) return -EIO;
    for (size_t i = 0; i < ni; i++) {
        int any = 0;
        for (size_t t = 0; t < nt; t++) {
            struct lab_summary s;
            if (!rep_cell_summary(rep_find(r, fam, impl[i], thr[t]), metric, &s) || !(s.median > 0))
                continue;
            if (!any++)
                fprintf(f, "%s%s\tthreads\tmedian\tci_low\tci_high\n", blocks ? "\n\n" : "",
                        impl[i]);
            fprintf(f, "%u\t%.6g\t%.6g\t%.6g\n", thr[t], s.median, s.ci_low, s.ci_high);
        }
        blocks += any > 0;
    }
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "%s: %s against threads", fam, metric);
    snprintf(ylabel, sizeof ylabel, "%s (%s; median, 95%% CI)", metric, res_metric_unit(r, metric));
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "nblocks=%zu;", blocks);
    if (!blocks) {
        fclose(f);
        return 0;
    }
    return plot_finish(p, f, "scaling.gp", vars, stem, base, tsv, title);
}

/* One bar per implementation at the given thread count. */
static int plot_bars(const struct plotctx *p, const struct rf_result *r, const char *fam,
                     const char *metric, unsigned threads, const char *tag)
{
    const char *impl[VIEW_MAX];
    size_t ni = rep_impls_of(r, fam, impl), rows = 0;
    char stem[160], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-%s-%s", tag, fam, metric);
    plot_safe_stem(stem);
    FILE *f = plot_data(p, stem, base, sizeof base, tsv, sizeof tsv);
    if (!f) return -EIO;
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < ni; i++) {
        struct lab_summary s;
        if (!rep_cell_summary(rep_find(r, fam, impl[i], threads), metric, &s)) continue;
        fprintf(f, "%s\t%.6g\t%.6g\t%.6g\n", impl[i], s.median, s.ci_low, s.ci_high);
        rows++;
        if (s.median > 0 && s.ci_low > 0) lo = fmin(lo, s.median), hi = fmax(hi, s.median);
    }
    if (!rows) {
        fclose(f);
        return 0;
    }
    int jain = !strcmp(metric, "jain");
    /* medians spanning orders of magnitude (channel against null): a linear
       axis would hide the small bars */
    int logy = !jain && isfinite(lo) && hi / lo > 50;
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "%s: %s per implementation at %u thread%s", fam,
             jain ? "fairness" : metric, threads, threads == 1 ? "" : "s");
    snprintf(ylabel, sizeof ylabel, "%s (%s%s)", jain ? "Jain's fairness index" : metric,
             res_metric_unit(r, metric), logy ? "; log scale" : "");
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    if (jain) strcat(vars, "ymax=1.05;");
    if (logy) strcat(vars, "logy=1;");
    return plot_finish(p, f, "bars.gp", vars, stem, base, tsv, title);
}

/* Base against new, one pair of bars per benchmark of one metric. */
int rep_plot_compare(const struct plotctx *p, const struct cmp *c, const char *metric,
                     const char *tag)
{
    char stem[160], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-compare-%s", tag, metric);
    plot_safe_stem(stem);
    FILE *f = plot_data(p, stem, base, sizeof base, tsv, sizeof tsv);
    if (!f) return -EIO;
    size_t rows = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct cmp_row *w = &c->rows[i];
        if (strcmp(w->mb->name, metric) || !(w->sb.median > 0) || !(w->sn.median > 0)) continue;
        fprintf(f, "%s/%u\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\n", w->b->impl, w->b->threads,
                w->sb.median, w->sb.ci_low, w->sb.ci_high, w->sn.median, w->sn.ci_low,
                w->sn.ci_high);
        rows++;
    }
    if (!rows) {
        fclose(f);
        return 0;
    }
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "base against new: %s (implementation/threads)", metric);
    snprintf(ylabel, sizeof ylabel, "%s (%s; median, 95%% CI; log scale)", metric,
             res_metric_unit(&c->new_, metric));
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    return plot_finish(p, f, "compare.gp", vars, stem, base, tsv, title);
}

/* Every plot of one input: scaling, ns/op and fairness bars. */
int rep_plots_for(const struct plotctx *p, const struct rf_result *r, const char *fam,
                  const char *tag)
{
    unsigned thr[VIEW_MAX];
    size_t nt = rep_threads_of(r, fam, thr);
    const char *prim = rep_primary_metric(r, fam), *ns = rep_metric_like(r, fam, "ns_per_op");
    int rc = prim ? plot_scaling(p, r, fam, prim, tag) : 0;
    if (!rc && ns && nt) rc = plot_bars(p, r, fam, ns, thr[nt - 1], tag);
    if (!rc && res_cell_metric(&r->cells[0], "jain") && nt)
        rc = plot_bars(p, r, fam, "jain", thr[nt - 1], tag);
    return rc;
}
