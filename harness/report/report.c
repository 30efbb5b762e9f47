/* A report: result files in, report.md (verdict against a baseline, the A/A
 * noise control, the environment, every cell with its CI, plots) and a
 * self-contained report.html out. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "experiment.h"
#include "export.h"
#include "machines.h"
#include "plot.h"
#include "report.h"
#include "results.h"
#include "view.h"

static int report_split_halves(const struct rf_result *src, struct rf_result *h)
{
    memset(h, 0, 2 * sizeof *h);
    for (int k = 0; k < 2; k++) {
        if (!(h[k].cells = calloc(src->ncells ? src->ncells : 1, sizeof *h[k].cells)))
            return -ENOMEM;
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
                for (size_t t = (size_t)k; t < c->metrics[m].n; t += 2)
                    dm->v[dm->n++] = c->metrics[m].v[t];
            }
        }
    }
    return 0;
}

static int report_by_size(const void *a, const void *b)
{
    double x = fabs((*(const struct cmp_row *const *)a)->delta);
    double y = fabs((*(const struct cmp_row *const *)b)->delta);
    return (x < y) - (x > y);
}

static void report_list_json(FILE *md, const json_t *list, const char *prefix)
{
    size_t i;
    const json_t *v;
    json_array_foreach((json_t *)list, i, v) fprintf(md, "- %s%s\n", prefix, json_string_value(v));
}

/* Verdict, significant changes and the compare plot, baseline -> input. */
static int report_baseline(const struct report *rp, const struct plotctx *p, size_t idx,
                           int *regressions)
{
    const struct report_input *in = &rp->in[idx];
    FILE *md = p->md;
    struct cmp c;
    rep_cmp_init(&c, rp->baseline->path, &rp->baseline->r, in->path, &in->r);
    int rc = rep_compare_rows(&c, p->err, p->n);
    if (rc) {
        rep_cmp_done(&c);
        return rc;
    }
    rep_compare_warnings(&c);
    size_t nb = 0, nw = 0;
    for (size_t i = 0; i < c.nrows; i++) {
        nb += c.rows[i].change == CMP_BETTER;
        nw += c.rows[i].change == CMP_WORSE;
    }
    *regressions += (int)nw;
    fprintf(md,
            "**Verdict for `%s` against the baseline `%s`: %zu regressed, %zu improved, "
            "%zu unchanged** (of %zu rows; Mann-Whitney U, Holm, alpha %g, threshold %g%%).\n\n",
            in->path, rp->baseline->path, nw, nb, c.nrows - nb - nw, c.nrows, c.alpha,
            c.threshold * 100);
    for (size_t m = 0; m < c.nnames; m++) {
        double g;
        int k = rep_compare_geomean(&c, c.names[m], &g);
        if (k)
            fprintf(md, "- geomean change of %s over %d rows: %+.2f%% (%s)\n", c.names[m], k,
                    (g - 1) * 100,
                    res_metric_direction(c.names[m]) == DIR_LOWER ? "lower is better"
                                                                  : "higher is better");
    }
    report_list_json(md, c.notes, "");
    report_list_json(md, c.warnings, "warning: ");
    const struct cmp_row **sig = malloc((c.nrows + 1) * sizeof(void *));
    size_t ns = 0;
    for (size_t i = 0; sig && i < c.nrows; i++)
        if (c.rows[i].change != CMP_SAME) sig[ns++] = &c.rows[i];
    if (sig) qsort(sig, ns, sizeof(void *), report_by_size);
    fprintf(md, "\n### Significant changes, largest first\n\n");
    if (!ns)
        fprintf(md, "None.\n\n");
    else
        fprintf(md,
                "| benchmark | metric | base [95%% CI] | new [95%% CI] | change | p (Holm) |\n"
                "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < ns; i++) {
        char name[160], b[64], nv[64];
        res_cell_name(sig[i]->b, name, sizeof name);
        rep_med_ci(&sig[i]->sb, b, sizeof b, 1);
        rep_med_ci(&sig[i]->sn, nv, sizeof nv, 1);
        fprintf(md, "| %s | %s | %s | %s | %+.2f%% %s | %.3g |\n", name, sig[i]->mb->name, b, nv,
                sig[i]->delta * 100, cmp_change_name[sig[i]->change], sig[i]->p_adj);
    }
    if (ns) fputc('\n', md);
    free(sig);
    char tag[32];
    snprintf(tag, sizeof tag, "m%zu", idx + 1);
    for (size_t m = 0; !rc && m < c.nnames; m++) rc = rep_plot_compare(p, &c, c.names[m], tag);
    rep_cmp_done(&c);
    return rc;
}

/* The A/A control: odd against even repetitions of the same run. */
static void report_noise(FILE *md, const struct report_input *in)
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
    char err[256];
    struct cmp c;
    if (report_split_halves(&in->r, h) != 0) {
        res_free(&h[0]);
        res_free(&h[1]);
        return;
    }
    rep_cmp_init(&c, "odd trials", &h[0], "even trials", &h[1]);
    if (rep_compare_rows(&c, err, sizeof err) == 0) {
        rep_compare_warnings(&c);
        size_t flagged = 0;
        double *d = malloc(c.nrows * sizeof *d);
        for (size_t i = 0; i < c.nrows; i++) {
            flagged += c.rows[i].change != CMP_SAME;
            if (d) d[i] = isfinite(c.rows[i].delta) ? fabs(c.rows[i].delta) : 0;
        }
        double med = 0, max = 0;
        if (d) {
            struct lab_summary s;
            lab_summarize(d, c.nrows, &s);
            med = s.median;
            max = s.max;
        }
        free(d);
        fprintf(
            md,
            "- noise (A/A control: odd against even repetitions of `%s`, the same build): "
            "%zu of %zu rows flagged as changed (expected: 0); the halves' medians differ by "
            "%.1f%% typically, %.1f%% at most%s\n",
            in->path, flagged, c.nrows, med * 100, max * 100,
            json_array_size(c.warnings)
                ? "; with so few trials per half the "
                  "control cannot flag anything (see the warnings of compare), so read the spread"
                : "");
    } else
        fprintf(md, "- noise (A/A control) for `%s`: %s\n", in->path, err);
    rep_cmp_done(&c);
    res_free(&h[0]);
    res_free(&h[1]);
}

/* Load average and governor recorded in the context. */
static void report_env_warnings(FILE *md, const struct report_input *in)
{
    const json_t *la = json_array_get(json_object_get(in->r.context, "loadavg"), 0);
    const json_t *cpus = json_object_get(in->r.context, "online_cpus");
    const char *gov = rep_ctx_str(&in->r, "governor");
    if (json_is_number(la) && json_is_integer(cpus)
        && json_number_value(la) > 0.5 * (double)json_integer_value(cpus))
        fprintf(md,
                "- warning: `%s` was measured on a busy machine (load average %.2f on %d "
                "CPUs): expect noisy numbers\n",
                in->path, json_number_value(la), (int)json_integer_value(cpus));
    if (gov && strcmp(gov, "performance"))
        fprintf(md, "- warning: `%s`: frequency scaling was on (governor '%s')\n", in->path, gov);
    if (json_is_true(json_object_get(in->r.root, "interrupted")))
        fprintf(md, "- warning: `%s` is a partial run (interrupted)\n", in->path);
}

/* ---------------- tables --------------------------------------------------- */

/* Metrics shown in the full table: those compare would test, plus jain. */

static size_t report_table_metrics(const struct report *rp, const char *fam, const char **out)
{
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    size_t k = 0;
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t j = 0; j < rp->in[i].r.ncells; j++) {
            const struct rf_cell *c = &rp->in[i].r.cells[j];
            if (strcmp(c->family, fam)) continue;
            for (size_t m = 0; m < c->nmetrics; m++)
                if (rep_compare_metric_selected(&sel, c, c->metrics[m].name)
                    || !strcmp(c->metrics[m].name, "jain"))
                    k = rep_add_unique(out, k, c->metrics[m].name);
        }
    return k;
}

static void report_full_table(FILE *md, const struct report *rp, const char *fam)
{
    const char *met[VIEW_MAX], *impl[VIEW_MAX];
    size_t nm = report_table_metrics(rp, fam, met), ni = 0;
    unsigned thr[VIEW_MAX];
    size_t nt = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *li[VIEW_MAX];
        unsigned lt[VIEW_MAX];
        size_t a = rep_impls_of(&rp->in[i].r, fam, li), b = rep_threads_of(&rp->in[i].r, fam, lt);
        for (size_t k = 0; k < a; k++) ni = rep_add_unique(impl, ni, li[k]);
        for (size_t k = 0; k < b; k++) {
            size_t j = 0;
            while (j < nt && thr[j] != lt[k]) j++;
            if (j == nt && nt < VIEW_MAX) thr[nt++] = lt[k];
        }
    }
    rep_sort_uns(thr, nt);
    fprintf(md, "| implementation | threads |");
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t m = 0; m < nm; m++)
            fprintf(md, " %s (%s) |", met[m], res_metric_unit(&rp->in[0].r, met[m]));
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
            for (size_t k = 0; k < rp->nin; k++)
                any |= rep_find(&rp->in[k].r, fam, impl[i], thr[t]) != NULL;
            if (!any) continue;
            fprintf(md, "| %s | %u |", impl[i], thr[t]);
            for (size_t k = 0; k < rp->nin; k++)
                for (size_t m = 0; m < nm; m++) {
                    struct lab_summary s;
                    char buf[80];
                    if (rep_cell_summary(rep_find(&rp->in[k].r, fam, impl[i], thr[t]), met[m], &s))
                        rep_med_ci(&s, buf, sizeof buf, 1);
                    else
                        snprintf(buf, sizeof buf, "n/a");
                    fprintf(md, " %s |", buf);
                }
            fputc('\n', md);
        }
    fprintf(md,
            "\nEach value: median [95%% CI of the median] over the trials; `!` marks a cell "
            "whose spread (CV) is over %.0f%%.\n\n",
            LAB_UNSTABLE_CV * 100);
}

/* ---------------- the evolution table (reproduce) ------------------------- */

static void report_footer(FILE *md, const struct report *rp)
{
    fprintf(md, "---\n\n");
    for (size_t i = 0; i < rp->nin; i++) {
        const struct rf_result *r = &rp->in[i].r;
        char mach[400];
        rep_machine_label(r, mach, sizeof mach);
        const char *commit = rep_ctx_str(r, "commit"), *date = rep_ctx_str(r, "date");
        fprintf(md, "- `%s` (m%zu): commit `%s`, %s, measured %s, command `", rp->in[i].path, i + 1,
                commit ? commit : "unknown", mach, date ? date : "at an unknown date");
        const json_t *argv = json_object_get(r->context, "argv"), *a;
        size_t k;
        json_array_foreach((json_t *)argv, k, a)
            fprintf(md, "%s%s", k ? " " : "", json_string_value(a));
        fprintf(md, "`\n");
    }
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(md, "- report made %s by `contend", date);
    for (int i = 0; i < rp->argc; i++) fprintf(md, " %s", rp->argv[i]);
    fprintf(md, "`\n");
}

int rep_write(const struct report *rp, char *err, size_t n)
{
    if (rep_machines_merged(rp)) return rep_machines_write(rp, err, n); /* machines.c */
    char plots[1100];
    snprintf(plots, sizeof plots, "%s/plots", rp->dir);
    int rc = res_make_dirs(plots, err, n);
    if (rc) return rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *md = open_memstream(&buf, &len);
    if (!md) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    struct plotctx p = { .dir = rp->dir, .md = md, .err = err, .n = n };
    const char *title =
        rp->e ? (rp->e->title ? rp->e->title : rp->e->name) : "contend performance report";
    fprintf(md, "# %s\n\n", title);
    for (size_t i = 0; i < rp->nin; i++) {
        char mach[400];
        rep_machine_label(&rp->in[i].r, mach, sizeof mach);
        fprintf(md, "- m%zu: `%s` on %s\n", i + 1, rp->in[i].path, mach);
    }
    fputc('\n', md);
    int regressions = 0;
    for (size_t i = 0; !rc && rp->baseline && i < rp->nin; i++) {
        snprintf(p.caption, sizeof p.caption, "new: ");
        rep_machine_label(&rp->in[i].r, p.caption + 5, sizeof p.caption - 5);
        rc = report_baseline(rp, &p, i, &regressions);
    }
    if (rp->baseline && !rc)
        fprintf(md,
                "**Headline: %d confirmed regression(s).** `contend compare` gives the same "
                "rows and exits 1 on a confirmed regression.\n\n",
                regressions);
    fprintf(md, "## Noise and environment\n\n");
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        report_noise(md, &rp->in[i]);
        report_env_warnings(md, &rp->in[i]);
    }
    fputc('\n', md);
    rep_machines_table(md, rp); /* machines.c: machines in columns */
    if (rp->e && !rc) rep_evolution(md, rp->e, &rp->in[0].r);
    const char *fams[VIEW_MAX];
    size_t nf = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *f[VIEW_MAX];
        size_t k = rep_families(&rp->in[i].r, f);
        for (size_t j = 0; j < k; j++) nf = rep_add_unique(fams, nf, f[j]);
    }
    for (size_t f = 0; !rc && f < nf; f++) {
        fprintf(md, "## Family %s: all cells\n\n", fams[f]);
        report_full_table(md, rp, fams[f]);
        for (size_t i = 0; !rc && i < rp->nin; i++) {
            char tag[32];
            snprintf(tag, sizeof tag, "m%zu", i + 1);
            rep_machine_label(&rp->in[i].r, p.caption, sizeof p.caption);
            const char *li[VIEW_MAX];
            if (!rep_impls_of(&rp->in[i].r, fams[f], li)) continue;
            if (rp->nin > 1) fprintf(md, "### m%zu: %s\n\n", i + 1, p.caption);
            rc = rep_plots_for(&p, &rp->in[i].r, fams[f], tag);
        }
    }
    if (!rc) {
        fprintf(md,
                "How to read this report: docs/reports.md. Threads are OS threads, not "
                "goroutines.\n\n");
        report_footer(md, rp);
    }
    fclose(md);
    char path[1100];
    if (!rc) {
        snprintf(path, sizeof path, "%s/report.md", rp->dir);
        rc = res_write_file_atomic(path, buf, len, err, n);
    }
    if (!rc) {
        char *html = NULL;
        size_t hlen = 0;
        FILE *h = open_memstream(&html, &hlen);
        if (h) {
            rep_md_to_html(h, buf, rp->dir, title);
            fclose(h);
        }
        snprintf(path, sizeof path, "%s/report.html", rp->dir);
        rc = html ? res_write_file_atomic(path, html, hlen, err, n) : -ENOMEM;
        free(html);
    }
    free(buf);
    return rc;
}

int rep_reproduce(const char *dir, const struct experiment *e, int argc, char **argv, char *err,
                  size_t n)
{
    struct report rp = { .dir = dir, .nin = 1, .e = e, .argc = argc, .argv = argv };
    char path[1100];
    snprintf(path, sizeof path, "%s/results.json", dir);
    rp.in[0].path = "results.json";
    int rc = res_load(path, &rp.in[0].r, err, n);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    rc = rep_export_summary_csv(path, &rp.in[0].r, err, n);
    if (!rc) rc = rep_write(&rp, err, n);
    res_free(&rp.in[0].r);
    return rc;
}
