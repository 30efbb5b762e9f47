/* Plots: gnuplot scripts in plots/ (CONTEND_PLOTS) draw PNG and SVG from a
 * TSV file of medians and CIs, all in the report's private directory
 * (outdir.h); the report shows the images (doc.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "experiment.h"
#include "frontier.h"
#include "plot.h"
#include "view.h"

const char *rep_plot_dir(void)
{
    static char dir[4200];
    const char *d = getenv("CONTEND_PLOTS");
    if (d && *d) return d;
    snprintf(dir, sizeof dir, "%s/plots", res_data_dir());
    return dir;
}

/* ---------------- gnuplot ------------------------------------------------ */

/* Appends name='value'; to buf (a gnuplot string: '' is a quote). */
static void plot_gp_var(char *buf, size_t n, const char *name, const char *value)
{
    size_t l = strlen(buf);
    l += (size_t)snprintf(buf + l, l < n ? n - l : 0, "%s='", name);
    for (const char *p = value; *p && l + 4 < n; p++) {
        if (*p == '\'') buf[l++] = '\'';
        buf[l++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    }
    if (l + 3 < n) {
        buf[l++] = '\'';
        buf[l++] = ';';
        buf[l++] = ' ';
        buf[l] = '\0';
    }
}

/* The last line gnuplot wrote on stderr (its error), on one line. */
static void plot_last_line(const char *s, char *buf, size_t n)
{
    const char *end = s + strlen(s);
    while (end > s && (end[-1] == '\n' || end[-1] == ' ')) end--;
    const char *start = end;
    while (start > s && start[-1] != '\n') start--;
    while (start < end && *start == ' ') start++;
    snprintf(buf, n, "%.*s", (int)(end - start), start);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
}

/* Runs gnuplot -e vars script; its stderr is kept for the error message. */
static int plot_run(const char *script, const char *vars, char *err, size_t n)
{
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        snprintf(err, n, "pipe: %s", strerror(errno));
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(ep[0]);
        close(ep[1]);
        snprintf(err, n, "fork: %s", strerror(e));
        return -e;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) dup2(null, STDOUT_FILENO), dup2(null, STDIN_FILENO);
        dup2(ep[1], STDERR_FILENO);
        execlp("gnuplot", "gnuplot", "-e", vars, script, (char *)NULL);
        _exit(127);
    }
    close(ep[1]);
    char out[4096] = "";
    size_t len = 0;
    for (;;) {
        char buf[1024];
        ssize_t k = read(ep[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        size_t take = (size_t)k;
        if (len + take >= sizeof out) { /* keep the tail: the error is last */
            size_t drop = len + take - (sizeof out - 1);
            if (drop > len) drop = len;
            memmove(out, out + drop, len - drop);
            len -= drop;
            if (take > sizeof out - 1 - len) take = sizeof out - 1 - len;
        }
        memcpy(out + len, buf + (size_t)k - take, take);
        out[len += take] = '\0';
    }
    close(ep[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, n, "waitpid: %s", strerror(errno));
            return -ECHILD;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        snprintf(err, n, "gnuplot not found: install gnuplot-nox to draw the plots");
        return -ENOENT;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char last[512];
        plot_last_line(out, last, sizeof last);
        snprintf(err, n, "gnuplot failed on %s: %s", script, *last ? last : "no message (killed?)");
        return -EIO;
    }
    return 0;
}

/* Renders script with vars into plots/stem.png and plots/stem.svg. */
static int plot_gnuplot(const struct plotctx *p, const char *script, const char *vars,
                        const char *stem)
{
    static const char *const ext[] = { "png", "svg" };
    for (int k = 0; k < 2; k++) {
        char path[4400], gp[4300], e[8192] = "";
        snprintf(path, sizeof path, "%s/plots/%s.%s", p->out->tmp, stem, ext[k]);
        snprintf(gp, sizeof gp, "%s/%s", rep_plot_dir(), script);
        plot_gp_var(e, sizeof e, "dir", rep_plot_dir());
        plot_gp_var(e, sizeof e, "out", path);
        strncat(e, vars, sizeof e - strlen(e) - 1);
        int rc = plot_run(gp, e, p->err, p->n);
        if (rc) return rc;
    }
    return 0;
}

/* Creates plots/STEM.tsv (STEM-2, ... when taken); stem is updated. */
static FILE *plot_data(const struct plotctx *p, char *stem, size_t sn)
{
    char base[128], rel[160];
    snprintf(base, sizeof base, "%s", stem);
    for (char *s = base; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) *s = '-';
    for (int i = 1; i < 100; i++) {
        if (i == 1)
            snprintf(stem, sn, "%s", base);
        else
            snprintf(stem, sn, "%s-%d", base, i);
        snprintf(rel, sizeof rel, "plots/%s.tsv", stem);
        FILE *f = rep_outdir_fopen(p->out, rel, p->err, p->n);
        if (f || errno != EEXIST) return f;
    }
    return NULL;
}

/* A name in the TSV: no tab, newline, quote or comment character. */
static void plot_tsv_name(FILE *f, const char *s)
{
    for (; *s; s++) fputc((unsigned char)*s < 0x20 || *s == '"' || *s == '#' ? '_' : *s, f);
}

/* Closes the data, draws it, and shows the image. */
static int plot_finish(const struct plotctx *p, FILE *f, const char *script, const char *vars,
                       const char *stem, const char *alt)
{
    if (fclose(f) != 0) {
        snprintf(p->err, p->n, "cannot write plots/%s.tsv", stem);
        return -EIO;
    }
    char all[8192] = "", tsv[4400];
    snprintf(tsv, sizeof tsv, "%s/plots/%s.tsv", p->out->tmp, stem);
    plot_gp_var(all, sizeof all, "datafile", tsv);
    plot_gp_var(all, sizeof all, "caption", p->caption);
    strncat(all, vars, sizeof all - strlen(all) - 1);
    int rc = plot_gnuplot(p, script, all, stem);
    if (!rc) rep_doc_image(p->doc, stem, alt);
    return rc;
}

/* ---------------- the plots ---------------------------------------------- */

/* metric against threads, one line per implementation; x is logarithmic
   with a tick at each measured thread count. */
static int plot_scaling(const struct plotctx *p, const struct rf_result *r, const char *fam,
                        const char *metric, const char *tag)
{
    struct rep_names impl = { 0 };
    struct rep_uns thr = { 0 };
    int rc = rep_impls_of(r, fam, &impl);
    if (!rc) rc = rep_threads_of(r, fam, &thr);
    size_t blocks = 0;
    char stem[128];
    FILE *f = NULL;
    if (rc || thr.n < 2) goto out; /* a line needs two points */
    snprintf(stem, sizeof stem, "%s-%s-scaling", tag, fam);
    if (!(f = plot_data(p, stem, sizeof stem))) {
        rc = -EIO;
        goto out;
    }
    /* line style by kind (frontier.h): seeds solid, library peers dashed,
       rooflines dotted, published designs dash-dotted */
    static const char *const dash[] = { "1", "2", "4", "3", "1" };
    static const char *const word[] = { "seed", "peer", "design", "roofline", NULL };
    char dts[1024] = "";
    for (size_t i = 0; i < impl.n; i++) {
        int any = 0;
        for (size_t t = 0; t < thr.n; t++) {
            struct lab_summary s;
            const struct rf_cell *c = rep_find(r, fam, impl.v[i], thr.v[t]);
            if (!rep_cell_summary(c, metric, &s) || !(s.median > 0)) continue;
            if (!any++) {
                enum rep_kind k = rep_cell_kind(c);
                fputs(blocks ? "\n\n" : "", f);
                plot_tsv_name(f, impl.v[i]);
                if (word[k]) fprintf(f, " (%s)", word[k]);
                fputs("\tthreads\tmedian\tci_low\tci_high\n", f);
                if (strlen(dts) + 3 < sizeof dts) strcat(strcat(dts, dash[k]), " ");
            }
            fprintf(f, "%u\t%.6g\t%.6g\t%.6g\n", thr.v[t], s.median, s.ci_low, s.ci_high);
        }
        blocks += any > 0;
    }
    if (!blocks) {
        fclose(f);
        goto out;
    }
    char vars[4096] = "", title[256], ylabel[256], xt[2048] = "";
    snprintf(title, sizeof title, "%s: %s against threads", fam, rep_metric_label(metric));
    snprintf(ylabel, sizeof ylabel, "%s (%s; median, 95%% CI)", rep_metric_label(metric),
             res_metric_unit(r, metric));
    for (size_t t = 0; t < thr.n; t++) {
        unsigned v = thr.v[t];
        size_t l = strlen(xt);
        snprintf(xt + l, sizeof xt - l,
                 v % 1000000 == 0    ? "%s\"%uM\" %u"
                     : v % 1000 == 0 ? "%s\"%uk\" %u"
                                     : "%s\"%u\" %u",
                 t ? ", " : "",
                 v % 1000000 == 0    ? v / 1000000
                     : v % 1000 == 0 ? v / 1000
                                     : v,
                 v);
    }
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    plot_gp_var(vars, sizeof vars, "xt", xt);
    plot_gp_var(vars, sizeof vars, "dts", dts);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "nblocks=%zu; xlo=%g; xhi=%g;",
             blocks, thr.v[0] / 1.3, thr.v[thr.n - 1] * 1.3);
    rc = plot_finish(p, f, "scaling.gp", vars, stem, title);
out:
    rep_names_free(&impl);
    rep_uns_free(&thr);
    return rc;
}

/* One bar per implementation at the given thread count. Jain's index is
   drawn on a log axis from 1/threads (one thread did all the work) to 1
   (all did the same), with each bar's value written on it. */
static int plot_bars(const struct plotctx *p, const struct rf_result *r, const char *fam,
                     const char *metric, unsigned threads, const char *tag)
{
    struct rep_names impl = { 0 };
    int rc = rep_impls_of(r, fam, &impl);
    size_t rows = 0;
    char stem[160];
    snprintf(stem, sizeof stem, "%s-%s-%s", tag, fam, metric);
    FILE *f = rc ? NULL : plot_data(p, stem, sizeof stem);
    if (!f) {
        rep_names_free(&impl);
        return rc ? rc : -EIO;
    }
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < impl.n; i++) {
        struct lab_summary s;
        if (!rep_cell_summary(rep_find(r, fam, impl.v[i], threads), metric, &s)) continue;
        plot_tsv_name(f, impl.v[i]);
        fprintf(f, "\t%.6g\t%.6g\t%.6g\n", s.median, s.ci_low, s.ci_high);
        rows++;
        if (s.median > 0 && s.ci_low > 0) lo = fmin(lo, s.median), hi = fmax(hi, s.median);
    }
    rep_names_free(&impl);
    if (!rows) {
        fclose(f);
        return 0;
    }
    int jain = !strcmp(metric, "jain");
    /* medians spanning orders of magnitude (channel against null): a linear
       axis would hide the small bars */
    int logy = jain || (isfinite(lo) && hi / lo > 50);
    char vars[2048] = "", title[256], ylabel[256];
    snprintf(title, sizeof title, "%s: %s per implementation at %u thread%s", fam,
             rep_metric_label(metric), threads, threads == 1 ? "" : "s");
    char sub[160] = "", yt[512] = "";
    if (jain) {
        snprintf(ylabel, sizeof ylabel, "Jain's index (log scale)");
        snprintf(sub, sizeof sub,
                 "1 = every thread did the same work; 1/%u = one thread did it all", threads);
        /* ticks: 1/threads, the decades above it, 0.5 and 1 */
        snprintf(yt, sizeof yt, "\"1/%u\" %.6g", threads, 1.0 / threads);
        for (double t = 1e-6; t < 0.5; t *= 10)
            if (t > 1.5 / threads)
                snprintf(yt + strlen(yt), sizeof yt - strlen(yt), ", \"%g\" %g", t, t);
        if (threads > 2) strcat(yt, ", \"0.5\" 0.5");
        strcat(yt, ", \"1\" 1");
    } else
        snprintf(ylabel, sizeof ylabel, "%s (%s%s)", rep_metric_label(metric),
                 res_metric_unit(r, metric), logy ? "; log scale" : "");
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    plot_gp_var(vars, sizeof vars, "subtitle", sub);
    if (jain) plot_gp_var(vars, sizeof vars, "yt", yt);
    if (jain)
        snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "ymin=%.6g; ymax=1.6; labels=1;",
                 threads > 1 ? 0.5 / threads : 0.5);
    if (logy) strcat(vars, "logy=1;");
    return plot_finish(p, f, "bars.gp", vars, stem, title);
}

/* The sampled latency percentiles of each implementation at the given
   thread count as a CDF (plots/cdf.gp): nothing when none has them. */
static int plot_cdf(const struct plotctx *p, const struct rf_result *r, const char *fam,
                    unsigned threads, const char *tag)
{
    static const char *const met[] = { "lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns",
                                       "lat_max_ns" };
    static const double nines[] = { 0.30103, 1, 2, 3, 4 }; /* -log10(1 - p); the max at 4 */
    struct rep_names impl = { 0 };
    int rc = rep_impls_of(r, fam, &impl);
    size_t blocks = 0;
    char stem[160];
    snprintf(stem, sizeof stem, "%s-%s-latency-cdf", tag, fam);
    FILE *f = NULL;
    for (size_t i = 0; !rc && i < impl.n; i++) {
        const struct rf_cell *c = rep_find(r, fam, impl.v[i], threads);
        int any = 0;
        for (size_t k = 0; k < sizeof met / sizeof *met; k++) {
            struct lab_summary s;
            if (!rep_cell_summary(c, met[k], &s) || !(s.median > 0)) continue;
            if (!f && !(f = plot_data(p, stem, sizeof stem))) rc = -EIO;
            if (rc) break;
            if (!any++) {
                fputs(blocks ? "\n\n" : "", f);
                plot_tsv_name(f, impl.v[i]);
                fputs("\tns\tnines\n", f);
            }
            fprintf(f, "%.6g\t%.6g\n", s.median, nines[k]);
        }
        blocks += any > 0;
    }
    rep_names_free(&impl);
    if (rc || !f) return rc;
    char vars[1024] = "", title[256];
    snprintf(title, sizeof title, "%s: sampled latency CDF at %u thread%s", fam, threads,
             threads == 1 ? "" : "s");
    plot_gp_var(vars, sizeof vars, "title", title);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "nblocks=%zu;", blocks);
    return plot_finish(p, f, "cdf.gp", vars, stem, title);
}

int rep_plot_compare(const struct plotctx *p, const struct cmp *c, const char *metric,
                     const char *tag)
{
    char stem[160];
    snprintf(stem, sizeof stem, "%s-compare-%s", tag, metric);
    FILE *f = plot_data(p, stem, sizeof stem);
    if (!f) return -EIO;
    size_t rows = 0;
    double span = 1;                                                   /* percent: at least +-1% */
    static const unsigned colour[] = { 0x9a9a9a, 0x2f8f4f, 0xc0392b }; /* ~, better, worse */
    for (size_t i = 0; i < c->nrows; i++) {
        const struct cmp_row *w = &c->rows[i];
        if (strcmp(w->mb->name, metric) || !isfinite(w->delta)) continue;
        double d = w->delta * 100, lo = (w->ratio_lo - 1) * 100, hi = (w->ratio_hi - 1) * 100;
        plot_tsv_name(f, w->b->impl);
        fprintf(f, "/%u\t%.6g", w->b->threads, d);
        if (isfinite(lo) && isfinite(hi))
            fprintf(f, "\t%.6g\t%.6g", lo, hi), span = fmax(span, fmax(fabs(lo), fabs(hi)));
        else
            fputs("\tNaN\tNaN", f);
        fprintf(f, "\t%u\n", colour[w->change]);
        span = fmax(span, fabs(d));
        rows++;
    }
    if (!rows) {
        fclose(f);
        return 0;
    }
    char vars[1024] = "", title[256], ylabel[256];
    snprintf(title, sizeof title, "change from base to new: %s (implementation/threads)",
             rep_metric_label(metric));
    snprintf(ylabel, sizeof ylabel, "change of the %s (%%; %s is better)", rep_metric_label(metric),
             res_metric_direction(metric) == DIR_LOWER ? "lower" : "higher");
    plot_gp_var(vars, sizeof vars, "title", title);
    plot_gp_var(vars, sizeof vars, "ylabel", ylabel);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "span=%.6g;", span * 1.15);
    return plot_finish(p, f, "compare.gp", vars, stem, title);
}

/* Every plot of one input: scaling, ns/op and fairness bars. */
int rep_plots_for(const struct plotctx *p, const struct rf_result *r, const char *fam,
                  const char *tag)
{
    struct rep_uns thr = { 0 };
    int rc = rep_threads_of(r, fam, &thr);
    const char *prim = rep_primary_metric(r, fam), *ns = rep_metric_like(r, fam, "ns_per_op");
    if (!rc && prim) rc = plot_scaling(p, r, fam, prim, tag);
    if (!rc && ns && thr.n) rc = plot_bars(p, r, fam, ns, thr.v[thr.n - 1], tag);
    if (!rc && rep_metric_like(r, fam, "jain") && thr.n)
        rc = plot_bars(p, r, fam, "jain", thr.v[thr.n - 1], tag);
    if (!rc && thr.n) rc = plot_cdf(p, r, fam, thr.v[thr.n - 1], tag);
    rep_uns_free(&thr);
    return rc;
}
