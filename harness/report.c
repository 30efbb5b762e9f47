/* The report generator: result files -> report.md (tables, verdict, A/A
 * noise control, plots) and a self-contained report.html (inline SVG).
 * Plots are drawn by gnuplot scripts in plots/ from small TSV files. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "experiment.h"
#include "harness.h"
#include "report.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif

#define MAXL 64                      /* impls, thread counts, families per input */

int make_dirs(const char *path, char *err, size_t n)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, n, "cannot create directory '%s': %s", buf, strerror(e));
            return -e;
        }
        *p = c;
        if (!c) break;
    }
    return 0;
}

static const char *plots_dir(void)
{
    const char *d = getenv("CONTEND_PLOTS");
    return d && *d ? d : CONTEND_SOURCE_DIR "/plots";
}

/* ---------------- small helpers over a result ---------------------------- */

static const char *ctx_str(const struct rf_result *r, const char *key)
{
    const json_t *v = json_object_get(r->context, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "Intel(R) Xeon(R) ..., 2 PUs, Linux 6.1.0 x86_64 (host)" */
static void machine_label(const struct rf_result *r, char *buf, size_t n)
{
    const json_t *topo = json_object_get(r->context, "topology");
    const json_t *model = json_object_get(topo, "cpu_model"), *pus = json_object_get(topo, "pus");
    const char *kernel = ctx_str(r, "kernel"), *host = ctx_str(r, "host");
    char p[32] = "";
    if (json_is_integer(pus)) snprintf(p, sizeof p, ", %d PUs", (int)json_integer_value(pus));
    snprintf(buf, n, "%s%s, %s%s%s%s", json_is_string(model) ? json_string_value(model)
             : "unknown CPU", p, kernel ? kernel : "unknown kernel", host ? " (" : "",
             host ? host : "", host ? ")" : "");
}

/* Distinct strings (families, impls of a family) in first-seen order. */
static size_t add_unique(const char **list, size_t k, const char *s)
{
    for (size_t i = 0; i < k; i++)
        if (!strcmp(list[i], s)) return k;
    if (k < MAXL) list[k++] = s;
    return k;
}

static size_t families(const struct rf_result *r, const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++) k = add_unique(out, k, r->cells[i].family);
    return k;
}

static size_t impls_of(const struct rf_result *r, const char *fam, const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam)) k = add_unique(out, k, r->cells[i].impl);
    return k;
}

static int cmp_uns(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static size_t threads_of(const struct rf_result *r, const char *fam, unsigned *out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].family, fam)) continue;
        size_t j = 0;
        while (j < k && out[j] != r->cells[i].threads) j++;
        if (j == k && k < MAXL) out[k++] = r->cells[i].threads;
    }
    qsort(out, k, sizeof *out, cmp_uns);
    return k;
}

static const struct rf_cell *find(const struct rf_result *r, const char *fam, const char *impl,
                                  unsigned threads)
{
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (c->threads == threads && !strcmp(c->family, fam) && !strcmp(c->impl, impl)) return c;
    }
    return NULL;
}

static int cell_summary(const struct rf_cell *c, const char *metric, struct summary *s)
{
    const struct rf_metric *m = c ? rf_cell_metric(c, metric) : NULL;
    if (!m || !m->n) return 0;
    summarize(m->v, m->n, s);
    return 1;
}

/* The family's headline metric: ops_per_s, else the first with a direction. */
static const char *primary_metric(const struct rf_result *r, const char *fam)
{
    const char *first = NULL;
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (strcmp(c->family, fam)) continue;
        if (rf_cell_metric(c, "ops_per_s")) return "ops_per_s";
        for (size_t k = 0; k < c->nmetrics && !first; k++)
            if (c->metrics[k].dir != DIR_NONE) first = c->metrics[k].name;
    }
    return first;
}

/* The first metric of the family whose name contains part. */
static const char *metric_like(const struct rf_result *r, const char *fam, const char *part)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam))
            for (size_t k = 0; k < r->cells[i].nmetrics; k++)
                if (strstr(r->cells[i].metrics[k].name, part)) return r->cells[i].metrics[k].name;
    return NULL;
}

static const char *unit_of(const char *metric)
{
    if (strstr(metric, "_per_s")) return "ops/s";
    if (strstr(metric, "ns_per_op")) return "ns/op";
    size_t len = strlen(metric);
    if (len > 3 && !strcmp(metric + len - 3, "_ns")) return "ns/op";
    if (strstr(metric, "bytes_per_op")) return "B/op";
    if (strstr(metric, "allocs_per_op")) return "allocs/op";
    if (strstr(metric, "_ms")) return "ms";
    if (!strcmp(metric, "jain")) return "Jain index, 1 = fair";
    return "per op";
}

static void med_ci(const struct summary *s, char *buf, size_t n)
{
    char a[16], b[16], c[16];
    snprintf(buf, n, "%s [%s, %s]%s", format_si(s->median, a, sizeof a),
             format_si(s->ci_low, b, sizeof b), format_si(s->ci_high, c, sizeof c),
             s->unstable ? " !" : "");
}

/* ---------------- gnuplot ------------------------------------------------ */

/* Appends name='value'; to buf (gnuplot single quotes: ' is doubled). */
static void gp_var(char *buf, size_t n, const char *name, const char *value)
{
    size_t l = strlen(buf);
    l += (size_t)snprintf(buf + l, l < n ? n - l : 0, "%s='", name);
    for (const char *p = value; *p && l + 4 < n; p++) {
        if (*p == '\'') buf[l++] = '\'';
        buf[l++] = *p;
    }
    if (l + 3 < n) { buf[l++] = '\''; buf[l++] = ';'; buf[l++] = ' '; buf[l] = '\0'; }
}

/* Renders script with vars into base.png and base.svg. */
static int gnuplot(const char *script, const char *vars, const char *base, char *err, size_t n)
{
    static const char *const ext[] = { "png", "svg" };
    for (int k = 0; k < 2; k++) {
        char path[1100], gp[1100], e[8192] = "";
        snprintf(path, sizeof path, "%s.%s", base, ext[k]);
        snprintf(gp, sizeof gp, "%s/%s", plots_dir(), script);
        gp_var(e, sizeof e, "dir", plots_dir());
        gp_var(e, sizeof e, "out", path);
        strncat(e, vars, sizeof e - strlen(e) - 1);
        pid_t pid = fork();
        if (pid < 0) { snprintf(err, n, "fork: %s", strerror(errno)); return -errno; }
        if (pid == 0) {
            execlp("gnuplot", "gnuplot", "-e", e, gp, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0) { snprintf(err, n, "waitpid failed"); return -ECHILD; }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            snprintf(err, n, "gnuplot not found: install gnuplot-nox to draw the plots");
            return -ENOENT;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            snprintf(err, n, "gnuplot failed on %s (plots from %s)", gp, plots_dir());
            return -EIO;
        }
    }
    return 0;
}

struct plotctx {
    const char *dir;                 /* report dir; plots go in dir/plots */
    char caption[400];
    FILE *md;                        /* where the image links go */
    char *err;
    size_t n;
};

/* Opens dir/plots/stem.tsv for writing; fills base (without extension). */
static FILE *plot_data(const struct plotctx *p, const char *stem, char *base, size_t bn,
                       char *tsv, size_t tn)
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
    if (fclose(f) != 0) { snprintf(p->err, p->n, "cannot write '%s'", tsv); return -EIO; }
    char all[4096] = "";
    gp_var(all, sizeof all, "datafile", tsv);
    gp_var(all, sizeof all, "caption", p->caption);
    strncat(all, vars, sizeof all - strlen(all) - 1);
    int rc = gnuplot(script, all, base, p->err, p->n);
    if (!rc) fprintf(p->md, "![%s](plots/%s.png)\n\n[SVG](plots/%s.svg) · [data](plots/%s.tsv)\n\n",
                     alt, stem, stem, stem);
    return rc;
}

static void safe_stem(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) *s = '-';
}

/* metric against threads, one line per implementation. */
static int plot_scaling(const struct plotctx *p, const struct rf_result *r, const char *fam,
                        const char *metric, const char *tag)
{
    const char *impl[MAXL];
    unsigned thr[MAXL];
    size_t ni = impls_of(r, fam, impl), nt = threads_of(r, fam, thr), blocks = 0;
    if (nt < 2) return 0;                       /* a line needs two points */
    char stem[128], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-%s-scaling", tag, fam);
    safe_stem(stem);
    FILE *f = plot_data(p, stem, base, sizeof base, tsv, sizeof tsv);
    if (!f) return -EIO;
    for (size_t i = 0; i < ni; i++) {
        int any = 0;
        for (size_t t = 0; t < nt; t++) {
            struct summary s;
            if (!cell_summary(find(r, fam, impl[i], thr[t]), metric, &s) || !(s.median > 0))
                continue;
            if (!any++) fprintf(f, "%s%s\tthreads\tmedian\tci_low\tci_high\n", blocks ? "\n\n" : "",
                                impl[i]);
            fprintf(f, "%u\t%.6g\t%.6g\t%.6g\n", thr[t], s.median, s.ci_low, s.ci_high);
        }
        blocks += any > 0;
    }
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "%s: %s against threads", fam, metric);
    snprintf(ylabel, sizeof ylabel, "%s (%s; median, 95%% CI)", metric, unit_of(metric));
    gp_var(vars, sizeof vars, "title", title);
    gp_var(vars, sizeof vars, "ylabel", ylabel);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "nblocks=%zu;", blocks);
    if (!blocks) { fclose(f); return 0; }
    return plot_finish(p, f, "scaling.gp", vars, stem, base, tsv, title);
}

/* One bar per implementation at the given thread count. */
static int plot_bars(const struct plotctx *p, const struct rf_result *r, const char *fam,
                     const char *metric, unsigned threads, const char *tag)
{
    const char *impl[MAXL];
    size_t ni = impls_of(r, fam, impl), rows = 0;
    char stem[160], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-%s-%s", tag, fam, metric);
    safe_stem(stem);
    FILE *f = plot_data(p, stem, base, sizeof base, tsv, sizeof tsv);
    if (!f) return -EIO;
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < ni; i++) {
        struct summary s;
        if (!cell_summary(find(r, fam, impl[i], threads), metric, &s)) continue;
        fprintf(f, "%s\t%.6g\t%.6g\t%.6g\n", impl[i], s.median, s.ci_low, s.ci_high);
        rows++;
        if (s.median > 0 && s.ci_low > 0) lo = fmin(lo, s.median), hi = fmax(hi, s.median);
    }
    if (!rows) { fclose(f); return 0; }
    int jain = !strcmp(metric, "jain");
    /* medians spanning orders of magnitude (channel against null): a linear
       axis would hide the small bars */
    int logy = !jain && isfinite(lo) && hi / lo > 50;
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "%s: %s per implementation at %u thread%s", fam,
             jain ? "fairness" : metric, threads, threads == 1 ? "" : "s");
    snprintf(ylabel, sizeof ylabel, "%s (%s%s)", jain ? "Jain's fairness index" : metric,
             unit_of(metric), logy ? "; log scale" : "");
    gp_var(vars, sizeof vars, "title", title);
    gp_var(vars, sizeof vars, "ylabel", ylabel);
    if (jain) strcat(vars, "ymax=1.05;");
    if (logy) strcat(vars, "logy=1;");
    return plot_finish(p, f, "bars.gp", vars, stem, base, tsv, title);
}

/* Base against new, one pair of bars per benchmark of one metric. */
static int plot_compare(const struct plotctx *p, const struct cmp *c, const char *metric,
                        const char *tag)
{
    char stem[160], base[1200], tsv[1200];
    snprintf(stem, sizeof stem, "%s-compare-%s", tag, metric);
    safe_stem(stem);
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
    if (!rows) { fclose(f); return 0; }
    char vars[1024] = "", title[256], ylabel[128];
    snprintf(title, sizeof title, "base against new: %s (implementation/threads)", metric);
    snprintf(ylabel, sizeof ylabel, "%s (%s; median, 95%% CI; log scale)", metric, unit_of(metric));
    gp_var(vars, sizeof vars, "title", title);
    gp_var(vars, sizeof vars, "ylabel", ylabel);
    return plot_finish(p, f, "compare.gp", vars, stem, base, tsv, title);
}

/* Every plot of one input: scaling, ns/op and fairness bars. */
static int plots_for(const struct plotctx *p, const struct rf_result *r, const char *fam,
                     const char *tag)
{
    unsigned thr[MAXL];
    size_t nt = threads_of(r, fam, thr);
    const char *prim = primary_metric(r, fam), *ns = metric_like(r, fam, "ns_per_op");
    int rc = prim ? plot_scaling(p, r, fam, prim, tag) : 0;
    if (!rc && ns && nt) rc = plot_bars(p, r, fam, ns, thr[nt - 1], tag);
    if (!rc && rf_cell_metric(&r->cells[0], "jain") && nt)
        rc = plot_bars(p, r, fam, "jain", thr[nt - 1], tag);
    return rc;
}

/* ---------------- comparisons: baseline and the A/A control -------------- */

/* Trials of every metric split by parity (odd/even repetitions, which the
   engine interleaved in time): two results that measured the same build. */
static int split_halves(const struct rf_result *src, struct rf_result *h)
{
    memset(h, 0, 2 * sizeof *h);
    for (int k = 0; k < 2; k++) {
        if (!(h[k].cells = calloc(src->ncells ? src->ncells : 1, sizeof *h[k].cells))) return -ENOMEM;
        h[k].context = src->context;
        h[k].config = src->config;
        for (size_t i = 0; i < src->ncells; i++) {
            const struct rf_cell *c = &src->cells[i];
            struct rf_cell *d = &h[k].cells[h[k].ncells++];
            *d = *c;
            d->metrics = calloc(c->nmetrics ? c->nmetrics : 1, sizeof *d->metrics);
            d->workload = strdup(c->workload);
            d->nmetrics = 0;
            if (!d->metrics || !d->workload) return -ENOMEM;
            for (size_t m = 0; m < c->nmetrics; m++) {
                struct rf_metric *dm = &d->metrics[d->nmetrics++];
                *dm = c->metrics[m];
                dm->n = 0;
                if (!(dm->v = malloc((c->metrics[m].n + 1) * sizeof *dm->v))) return -ENOMEM;
                for (size_t t = (size_t)k; t < c->metrics[m].n; t += 2) dm->v[dm->n++] = c->metrics[m].v[t];
            }
        }
    }
    return 0;
}

static void cmp_init(struct cmp *c, const char *bp, const struct rf_result *b, const char *np,
                     const struct rf_result *nw)
{
    memset(c, 0, sizeof *c);
    c->base_path = bp;
    c->new_path = np;
    c->alpha = 0.05;
    c->threshold = 0.03;
    c->base = *b;
    c->new_ = *nw;
    c->notes = json_array();
    c->warnings = json_array();
}

static void cmp_done(struct cmp *c)
{
    free(c->rows);
    json_decref(c->notes);
    json_decref(c->warnings);
}

static int by_size(const void *a, const void *b)
{
    double x = fabs((*(const struct cmp_row *const *)a)->delta);
    double y = fabs((*(const struct cmp_row *const *)b)->delta);
    return (x < y) - (x > y);
}

static void list_json(FILE *md, const json_t *list, const char *prefix)
{
    size_t i;
    const json_t *v;
    json_array_foreach((json_t *)list, i, v) fprintf(md, "- %s%s\n", prefix, json_string_value(v));
}

/* Verdict, significant changes and the compare plot, baseline -> input. */
static int baseline_section(const struct report *rp, const struct plotctx *p, size_t idx,
                            int *regressions)
{
    const struct report_input *in = &rp->in[idx];
    FILE *md = p->md;
    struct cmp c;
    cmp_init(&c, rp->baseline->path, &rp->baseline->r, in->path, &in->r);
    int rc = compare_rows(&c, p->err, p->n);
    if (rc) { cmp_done(&c); return rc; }
    compare_warnings(&c);
    size_t nb = 0, nw = 0;
    for (size_t i = 0; i < c.nrows; i++) {
        nb += c.rows[i].change == CMP_BETTER;
        nw += c.rows[i].change == CMP_WORSE;
    }
    *regressions += (int)nw;
    fprintf(md, "**Verdict for `%s` against the baseline `%s`: %zu regressed, %zu improved, "
            "%zu unchanged** (of %zu rows; Mann-Whitney U, Holm, alpha %g, threshold %g%%).\n\n",
            in->path, rp->baseline->path, nw, nb, c.nrows - nb - nw, c.nrows, c.alpha,
            c.threshold * 100);
    for (size_t m = 0; m < c.nnames; m++) {
        double g;
        int k = compare_geomean(&c, c.names[m], &g);
        if (k) fprintf(md, "- geomean change of %s over %d rows: %+.2f%% (%s)\n", c.names[m], k,
                       (g - 1) * 100, metric_direction(c.names[m]) == DIR_LOWER
                       ? "lower is better" : "higher is better");
    }
    list_json(md, c.notes, "");
    list_json(md, c.warnings, "warning: ");
    const struct cmp_row **sig = malloc((c.nrows + 1) * sizeof *sig);
    size_t ns = 0;
    for (size_t i = 0; sig && i < c.nrows; i++)
        if (c.rows[i].change != CMP_SAME) sig[ns++] = &c.rows[i];
    if (sig) qsort(sig, ns, sizeof *sig, by_size);
    fprintf(md, "\n### Significant changes, largest first\n\n");
    if (!ns) fprintf(md, "None.\n\n");
    else fprintf(md, "| benchmark | metric | base [95%% CI] | new [95%% CI] | change | p (Holm) |\n"
                 "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < ns; i++) {
        char name[160], b[64], nv[64];
        rf_cell_name(sig[i]->b, name, sizeof name);
        med_ci(&sig[i]->sb, b, sizeof b);
        med_ci(&sig[i]->sn, nv, sizeof nv);
        fprintf(md, "| %s | %s | %s | %s | %+.2f%% %s | %.3g |\n", name, sig[i]->mb->name, b, nv,
                sig[i]->delta * 100, cmp_change_name[sig[i]->change], sig[i]->p_adj);
    }
    if (ns) fputc('\n', md);
    free(sig);
    char tag[32];
    snprintf(tag, sizeof tag, "m%zu", idx + 1);
    for (size_t m = 0; !rc && m < c.nnames; m++) rc = plot_compare(p, &c, c.names[m], tag);
    cmp_done(&c);
    return rc;
}

/* The A/A control: odd against even repetitions of the same run. */
static void noise_line(FILE *md, const struct report_input *in)
{
    struct rf_result h[2];
    size_t maxn = 0;
    for (size_t i = 0; i < in->r.ncells; i++)
        if (in->r.cells[i].ntrials > maxn) maxn = in->r.cells[i].ntrials;
    if (maxn < 2) {
        fprintf(md, "- noise (A/A control) for `%s`: not possible, fewer than 2 trials per cell\n",
                in->path);
        return;
    }
    char err[ERRLEN];
    struct cmp c;
    if (split_halves(&in->r, h) != 0) { rf_free(&h[0]); rf_free(&h[1]); return; }
    cmp_init(&c, "odd trials", &h[0], "even trials", &h[1]);
    if (compare_rows(&c, err, sizeof err) == 0) {
        compare_warnings(&c);
        size_t flagged = 0;
        double *d = malloc(c.nrows * sizeof *d);
        for (size_t i = 0; i < c.nrows; i++) {
            flagged += c.rows[i].change != CMP_SAME;
            if (d) d[i] = isfinite(c.rows[i].delta) ? fabs(c.rows[i].delta) : 0;
        }
        double med = 0, max = 0;
        if (d) {
            struct summary s;
            summarize(d, c.nrows, &s);
            med = s.median;
            max = s.max;
        }
        free(d);
        fprintf(md, "- noise (A/A control: odd against even repetitions of `%s`, the same build): "
                "%zu of %zu rows flagged as changed (expected: 0); the halves' medians differ by "
                "%.1f%% typically, %.1f%% at most%s\n", in->path, flagged, c.nrows, med * 100,
                max * 100, json_array_size(c.warnings) ? "; with so few trials per half the "
                "control cannot flag anything (see the warnings of compare), so read the spread"
                : "");
    } else fprintf(md, "- noise (A/A control) for `%s`: %s\n", in->path, err);
    cmp_done(&c);
    rf_free(&h[0]);
    rf_free(&h[1]);
}

/* Load average and governor recorded in the context. */
static void env_warnings(FILE *md, const struct report_input *in)
{
    const json_t *la = json_array_get(json_object_get(in->r.context, "loadavg"), 0);
    const json_t *cpus = json_object_get(in->r.context, "online_cpus");
    const char *gov = ctx_str(&in->r, "governor");
    if (json_is_number(la) && json_is_integer(cpus) &&
        json_number_value(la) > 0.5 * (double)json_integer_value(cpus))
        fprintf(md, "- warning: `%s` was measured on a busy machine (load average %.2f on %d "
                "CPUs): expect noisy numbers\n", in->path, json_number_value(la),
                (int)json_integer_value(cpus));
    if (gov && strcmp(gov, "performance"))
        fprintf(md, "- warning: `%s`: frequency scaling was on (governor '%s')\n", in->path, gov);
    if (json_is_true(json_object_get(in->r.root, "interrupted")))
        fprintf(md, "- warning: `%s` is a partial run (interrupted)\n", in->path);
}

/* ---------------- tables --------------------------------------------------- */

/* Metrics shown in the full table: those compare would test, plus jain. */
static size_t table_metrics(const struct report *rp, const char *fam, const char **out)
{
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    size_t k = 0;
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t j = 0; j < rp->in[i].r.ncells; j++) {
            const struct rf_cell *c = &rp->in[i].r.cells[j];
            if (strcmp(c->family, fam)) continue;
            for (size_t m = 0; m < c->nmetrics; m++)
                if (compare_metric_selected(&sel, c, c->metrics[m].name) ||
                    !strcmp(c->metrics[m].name, "jain"))
                    k = add_unique(out, k, c->metrics[m].name);
        }
    return k;
}

static void full_table(FILE *md, const struct report *rp, const char *fam)
{
    const char *met[MAXL], *impl[MAXL];
    size_t nm = table_metrics(rp, fam, met), ni = 0;
    unsigned thr[MAXL];
    size_t nt = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *li[MAXL];
        unsigned lt[MAXL];
        size_t a = impls_of(&rp->in[i].r, fam, li), b = threads_of(&rp->in[i].r, fam, lt);
        for (size_t k = 0; k < a; k++) ni = add_unique(impl, ni, li[k]);
        for (size_t k = 0; k < b; k++) {
            size_t j = 0;
            while (j < nt && thr[j] != lt[k]) j++;
            if (j == nt && nt < MAXL) thr[nt++] = lt[k];
        }
    }
    qsort(thr, nt, sizeof *thr, cmp_uns);
    fprintf(md, "| implementation | threads |");
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t m = 0; m < nm; m++)
            fprintf(md, " %s (%s) |", met[m], unit_of(met[m]));
    fprintf(md, "\n|---|---:|");
    for (size_t i = 0; i < rp->nin * nm; i++) fprintf(md, "---:|");
    fputc('\n', md);
    if (rp->nin > 1) {
        fprintf(md, "| *machine* | |");
        for (size_t i = 0; i < rp->nin; i++)
            for (size_t m = 0; m < nm; m++) fprintf(md, " *m%zu* |", i + 1);
        fputc('\n', md);
    }
    for (size_t i = 0; i < ni; i++)
        for (size_t t = 0; t < nt; t++) {
            int any = 0;
            for (size_t k = 0; k < rp->nin; k++) any |= find(&rp->in[k].r, fam, impl[i], thr[t]) != NULL;
            if (!any) continue;
            fprintf(md, "| %s | %u |", impl[i], thr[t]);
            for (size_t k = 0; k < rp->nin; k++)
                for (size_t m = 0; m < nm; m++) {
                    struct summary s;
                    char buf[80];
                    if (cell_summary(find(&rp->in[k].r, fam, impl[i], thr[t]), met[m], &s))
                        med_ci(&s, buf, sizeof buf);
                    else snprintf(buf, sizeof buf, "n/a");
                    fprintf(md, " %s |", buf);
                }
            fputc('\n', md);
        }
    fprintf(md, "\nEach value: median [95%% CI of the median] over the trials; `!` marks a cell "
            "whose spread (CV) is over %.0f%%.\n\n", UNSTABLE_CV * 100);
}

/* ---------------- the evolution table (reproduce) ------------------------- */

static double speed(const struct rf_cell *c, const char *metric)
{
    struct summary s;
    if (!cell_summary(c, metric, &s) || !(s.median > 0)) return NAN;
    return metric_direction(metric) == DIR_LOWER ? 1 / s.median : s.median;
}

/* Event counters per op that can explain a ratio (task-clock ns is CPU
   time, a consequence rather than a cause: left out). */
static int is_counter(const char *name)
{
    return rf_is_counter_metric(name) && !strstr(name, "ns_per_op");
}

/* The counter whose values differ most between cells a and b, as a clause. */
static void counter_reason(const struct rf_cell *a, const struct rf_cell *b, const char *an,
                           const char *bn, char *buf, size_t n)
{
    double best = 0;
    snprintf(buf, n, "no counters in this result to say why");
    for (size_t k = 0; k < a->nmetrics; k++) {
        const char *name = a->metrics[k].name;
        struct summary sa, sb;
        if (!is_counter(name) || !cell_summary(a, name, &sa) || !cell_summary(b, name, &sb)) continue;
        double lo = fmin(sa.median, sb.median), hi = fmax(sa.median, sb.median);
        if (hi < 0.01) continue;     /* under one event per 100 ops: no explanation */
        double r = lo > 0 ? hi / lo : INFINITY;
        if (r > best) {
            best = r;
            snprintf(buf, n, "the counters point at %s: %s %.3g against %s %.3g", name, an,
                     sa.median, bn, sb.median);
        }
    }
}

static void evolution(FILE *md, const struct experiment *e, const struct rf_result *r)
{
    const char *fam = e->family, *impl[MAXL], *prim = primary_metric(r, fam);
    unsigned thr[MAXL];
    size_t ni = impls_of(r, fam, impl), nt = threads_of(r, fam, thr);
    if (!prim || !nt) { fprintf(md, "No cells of family %s in the result.\n\n", fam); return; }
    unsigned focus = thr[nt - 1];
    for (size_t t = 0; t < nt; t++)
        if (thr[t] == e->focus_threads) focus = thr[t];
    const char *other[MAXL];
    size_t no = 0;
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    char colbuf[512];
    if (e->columns) {              /* the experiment names its columns, in order */
        snprintf(colbuf, sizeof colbuf, "%s", e->columns);
        char *save = NULL;
        for (char *c = strtok_r(colbuf, ", ", &save); c && no < MAXL; c = strtok_r(NULL, ", ", &save))
            no = add_unique(other, no, c);
    } else {
        for (size_t i = 0; i < r->ncells; i++)
            for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
                const char *nm = r->cells[i].metrics[m].name;
                if (!strcmp(r->cells[i].family, fam) && strcmp(nm, prim) &&
                    compare_metric_selected(&sel, &r->cells[i], nm))
                    no = add_unique(other, no, nm);
            }
    }
    fprintf(md, "## %s\n\n", e->title ? e->title : e->name);
    fprintf(md, "| Approach | impl |");
    for (size_t t = 0; t < nt; t++)
        fprintf(md, " %s at %u thread%s |", unit_of(prim), thr[t], thr[t] == 1 ? "" : "s");
    for (size_t o = 0; o < no; o++) fprintf(md, " %s (%s) at %u |", other[o], unit_of(other[o]), focus);
    fprintf(md, " seed's published figure (reference, not measured here) | fairness (Jain) at %u |"
            " exactly once |\n|---|---|", focus);
    for (size_t t = 0; t < nt + no; t++) fprintf(md, "---:|");
    fprintf(md, "---|---:|---|\n");
    for (size_t i = 0; i < ni; i++) {
        fprintf(md, "| %s | %s |", experiment_label(e, impl[i]), impl[i]);
        const char *verdict = "n/a";
        for (size_t t = 0; t < nt; t++) {
            const struct rf_cell *c = find(r, fam, impl[i], thr[t]);
            struct summary s;
            char buf[16];
            fprintf(md, " %s |", cell_summary(c, prim, &s) ? format_si(s.median, buf, sizeof buf) : "n/a");
            if (c && c->verdict && (strcmp(verdict, "FAIL") != 0)) verdict = c->verdict;
        }
        const struct rf_cell *fc = find(r, fam, impl[i], focus);
        for (size_t o = 0; o < no; o++) {
            struct summary s;
            char buf[16];
            fprintf(md, " %s |", cell_summary(fc, other[o], &s) ? format_si(s.median, buf, sizeof buf) : "n/a");
        }
        struct summary j;
        const char *ref = experiment_reference(e, impl[i]);
        if (cell_summary(fc, "jain", &j)) fprintf(md, " %s | %.3f | %s |\n", *ref ? ref : "", j.median, verdict);
        else fprintf(md, " %s | n/a | %s |\n", *ref ? ref : "", verdict);
    }
    fprintf(md, "\nMedians of the trials of this run. The reference column quotes the seed (%s: "
            "Go, goroutines, its own machine); it is not a measurement of this machine. Threads "
            "here are OS threads, not goroutines.\n\n", e->seed_file ? e->seed_file : "its text");
    if (!e->nratios) return;
    if (e->focus_threads && focus != e->focus_threads)
        fprintf(md, "The seed's figures are for %u threads; this run's largest count is %u, so "
                "the ratios below are taken there.\n\n", e->focus_threads, focus);
    fprintf(md, "### The seed's ratios, measured here (at %u threads)\n\n"
            "| ratio (speed of a over b) | seed (reference) | here | |\n|---|---:|---:|---|\n", focus);
    for (size_t k = 0; k < e->nratios; k++) {
        const char *metric = e->ratios[k].metric ? e->ratios[k].metric : prim;
        const struct rf_cell *a = find(r, fam, e->ratios[k].a, focus), *b = find(r, fam, e->ratios[k].b, focus);
        double ours = a && b ? speed(a, metric) / speed(b, metric) : NAN, seed = e->ratios[k].value;
        char verdict[200];
        if (!isfinite(ours)) snprintf(verdict, sizeof verdict, "not measured in this run");
        else if ((ours > 1) != (seed > 1) && fabs(log(ours)) > log(1.1))
            snprintf(verdict, sizeof verdict, "**disagrees**: the order is reversed here");
        else {
            double f = fmax(ours / seed, seed / ours);
            snprintf(verdict, sizeof verdict, f <= 2 ? "agrees (within a factor of %.1f)"
                     : "**disagrees in size**: off by a factor of %.1f", f);
        }
        fprintf(md, "| %s/%s%s%s | %.3g | ", e->ratios[k].a, e->ratios[k].b,
                e->ratios[k].metric ? " " : "", e->ratios[k].metric ? e->ratios[k].metric : "", seed);
        if (isfinite(ours)) fprintf(md, "%.3g | %s |\n", ours, verdict);
        else fprintf(md, "n/a | %s |\n", verdict);
    }
    fprintf(md, "\n");
    for (size_t k = 0; k < e->nratios; k++) {
        const char *metric = e->ratios[k].metric ? e->ratios[k].metric : prim;
        const struct rf_cell *a = find(r, fam, e->ratios[k].a, focus), *b = find(r, fam, e->ratios[k].b, focus);
        if (!a || !b) continue;
        double ours = speed(a, metric) / speed(b, metric), seed = e->ratios[k].value;
        if (!isfinite(ours)) continue;
        char why[300];
        counter_reason(a, b, e->ratios[k].a, e->ratios[k].b, why, sizeof why);
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

static void html_text(FILE *f, const char *s, size_t len)
{
    int code = 0, bold = 0, em = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '`') { fputs(code ? "</code>" : "<code>", f); code = !code; continue; }
        if (!code && c == '*' && i + 1 < len && s[i + 1] == '*') {
            fputs(bold ? "</b>" : "<b>", f); bold = !bold; i++; continue;
        }
        if (!code && c == '*') { fputs(em ? "</i>" : "<i>", f); em = !em; continue; }
        if (!code && c == '[') {                 /* [text](target) */
            const char *close = memchr(s + i, ']', len - i);
            if (close && close + 1 < s + len && close[1] == '(') {
                const char *end = memchr(close, ')', (size_t)(s + len - close));
                if (end) {
                    fprintf(f, "<a href=\"%.*s\">", (int)(end - close - 2), close + 2);
                    html_text(f, s + i + 1, (size_t)(close - s - (long)i - 1));
                    fputs("</a>", f);
                    i = (size_t)(end - s);
                    continue;
                }
            }
        }
        if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '&') fputs("&amp;", f);
        else fputc(c, f);
    }
    if (code) fputs("</code>", f);
    if (bold) fputs("</b>", f);
    if (em) fputs("</i>", f);
}

/* Inlines dir/target (an .svg sibling of a .png) without its XML prologue. */
static void inline_svg(FILE *f, const char *dir, const char *target, size_t tlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%.*s", dir, (int)tlen, target);
    char *dot = strrchr(path, '.');
    if (dot) strcpy(dot, ".svg");
    FILE *s = fopen(path, "r");
    if (!s) { fprintf(f, "<p>(missing image %s)</p>\n", path); return; }
    char buf[8192];
    int started = 0;
    while (fgets(buf, sizeof buf, s)) {
        if (!started && !(started = strstr(buf, "<svg") != NULL)) continue;
        fputs(buf, f);
    }
    fclose(s);
}

static void md_to_html(FILE *f, const char *md, const char *dir, const char *title)
{
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_text(f, title, strlen(title));
    fprintf(f, "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;"
            "padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:90%%}"
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            "td:first-child,th:first-child{text-align:left}svg{max-width:100%%;height:auto}"
            "code{background:#f4f4f4}</style></head><body>\n");
    int in_list = 0, in_table = 0, row = 0;
    for (const char *l = md; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        int item = len > 2 && l[0] == '-' && l[1] == ' ', cells = len && l[0] == '|';
        if (in_list && !item) { fputs("</ul>\n", f); in_list = 0; }
        if (in_table && !cells) { fputs("</table>\n", f); in_table = 0; }
        if (len && l[0] == '#') {
            int h = 0;
            while (h < (int)len && l[h] == '#') h++;
            fprintf(f, "<h%d>", h);
            html_text(f, l + h + 1, len - (size_t)h - 1);
            fprintf(f, "</h%d>\n", h);
        } else if (item) {
            if (!in_list) { fputs("<ul>\n", f); in_list = 1; }
            fputs("<li>", f);
            html_text(f, l + 2, len - 2);
            fputs("</li>\n", f);
        } else if (cells) {
            if (!in_table) { fputs("<table>\n", f); in_table = 1; row = 0; }
            if (row++ == 1) goto next;           /* the |---| line */
            fputs("<tr>", f);
            const char *c = l + 1, *end = l + len;
            while (c < end) {
                const char *bar = memchr(c, '|', (size_t)(end - c));
                if (!bar) break;
                fputs(row == 1 ? "<th>" : "<td>", f);
                html_text(f, c, (size_t)(bar - c));
                fputs(row == 1 ? "</th>" : "</td>", f);
                c = bar + 1;
            }
            fputs("</tr>\n", f);
        } else if (len > 4 && l[0] == '!' && l[1] == '[') {
            const char *paren = memchr(l, '(', len), *close = memchr(l, ')', len);
            if (paren && close > paren) inline_svg(f, dir, paren + 1, (size_t)(close - paren - 1));
        } else if (len) {
            fputs("<p>", f);
            html_text(f, l, len);
            fputs("</p>\n", f);
        }
next:
        l += len + (nl != NULL);
    }
    if (in_list) fputs("</ul>\n", f);
    if (in_table) fputs("</table>\n", f);
    fputs("</body></html>\n", f);
}

/* ---------------- the report ------------------------------------------------ */

static void footer(FILE *md, const struct report *rp)
{
    fprintf(md, "---\n\n");
    for (size_t i = 0; i < rp->nin; i++) {
        const struct rf_result *r = &rp->in[i].r;
        char mach[400];
        machine_label(r, mach, sizeof mach);
        const char *commit = ctx_str(r, "commit"), *date = ctx_str(r, "date");
        fprintf(md, "- `%s` (m%zu): commit `%s`, %s, measured %s, command `", rp->in[i].path, i + 1,
                commit ? commit : "unknown", mach, date ? date : "at an unknown date");
        const json_t *argv = json_object_get(r->context, "argv"), *a;
        size_t k;
        json_array_foreach((json_t *)argv, k, a) fprintf(md, "%s%s", k ? " " : "", json_string_value(a));
        fprintf(md, "`\n");
    }
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(md, "- report made %s by `contend", date);
    for (int i = 0; i < rp->argc; i++) fprintf(md, " %s", rp->argv[i]);
    fprintf(md, "`\n");
}

int report_write(const struct report *rp, char *err, size_t n)
{
    char plots[1100];
    snprintf(plots, sizeof plots, "%s/plots", rp->dir);
    int rc = make_dirs(plots, err, n);
    if (rc) return rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *md = open_memstream(&buf, &len);
    if (!md) { snprintf(err, n, "out of memory"); return -ENOMEM; }
    struct plotctx p = { .dir = rp->dir, .md = md, .err = err, .n = n };
    const char *title = rp->e ? (rp->e->title ? rp->e->title : rp->e->name) : "contend performance report";
    fprintf(md, "# %s\n\n", title);
    for (size_t i = 0; i < rp->nin; i++) {
        char mach[400];
        machine_label(&rp->in[i].r, mach, sizeof mach);
        fprintf(md, "- m%zu: `%s` on %s\n", i + 1, rp->in[i].path, mach);
    }
    fputc('\n', md);
    int regressions = 0;
    for (size_t i = 0; !rc && rp->baseline && i < rp->nin; i++) {
        snprintf(p.caption, sizeof p.caption, "new: ");
        machine_label(&rp->in[i].r, p.caption + 5, sizeof p.caption - 5);
        rc = baseline_section(rp, &p, i, &regressions);
    }
    if (rp->baseline && !rc)
        fprintf(md, "**Headline: %d confirmed regression(s).** `contend compare` gives the same "
                "rows and exits 1 on a confirmed regression.\n\n", regressions);
    fprintf(md, "## Noise and environment\n\n");
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        noise_line(md, &rp->in[i]);
        env_warnings(md, &rp->in[i]);
    }
    fputc('\n', md);
    if (rp->e && !rc) evolution(md, rp->e, &rp->in[0].r);
    const char *fams[MAXL];
    size_t nf = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *f[MAXL];
        size_t k = families(&rp->in[i].r, f);
        for (size_t j = 0; j < k; j++) nf = add_unique(fams, nf, f[j]);
    }
    for (size_t f = 0; !rc && f < nf; f++) {
        fprintf(md, "## Family %s: all cells\n\n", fams[f]);
        full_table(md, rp, fams[f]);
        for (size_t i = 0; !rc && i < rp->nin; i++) {
            char tag[32];
            snprintf(tag, sizeof tag, "m%zu", i + 1);
            machine_label(&rp->in[i].r, p.caption, sizeof p.caption);
            const char *li[MAXL];
            if (!impls_of(&rp->in[i].r, fams[f], li)) continue;
            if (rp->nin > 1) fprintf(md, "### m%zu: %s\n\n", i + 1, p.caption);
            rc = plots_for(&p, &rp->in[i].r, fams[f], tag);
        }
    }
    if (!rc) {
        fprintf(md, "How to read this report: docs/reports.md. Threads are OS threads, not "
                "goroutines.\n\n");
        footer(md, rp);
    }
    fclose(md);
    char path[1100];
    if (!rc) {
        snprintf(path, sizeof path, "%s/report.md", rp->dir);
        rc = write_file_atomic(path, buf, len, err, n);
    }
    if (!rc) {
        char *html = NULL;
        size_t hlen = 0;
        FILE *h = open_memstream(&html, &hlen);
        if (h) { md_to_html(h, buf, rp->dir, title); fclose(h); }
        snprintf(path, sizeof path, "%s/report.html", rp->dir);
        rc = html ? write_file_atomic(path, html, hlen, err, n) : -ENOMEM;
        free(html);
    }
    free(buf);
    return rc;
}

int reproduce_report(const char *dir, const struct experiment *e, int argc, char **argv,
                     char *err, size_t n)
{
    struct report rp = { .dir = dir, .nin = 1, .e = e, .argc = argc, .argv = argv };
    char path[1100];
    snprintf(path, sizeof path, "%s/results.json", dir);
    rp.in[0].path = "results.json";
    int rc = rf_load(path, &rp.in[0].r, err, n);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    rc = export_summary_csv(path, &rp.in[0].r, err, n);
    if (!rc) rc = report_write(&rp, err, n);
    rf_free(&rp.in[0].r);
    return rc;
}
