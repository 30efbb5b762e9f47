/* A report: result files in, report.md (verdict against a baseline, the A/A
 * noise control, the environment, every cell with its CI, plots) and a
 * self-contained report.html out, both written by the same calls (doc.h)
 * into a private directory that becomes DIR only when all is written
 * (outdir.h). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "doc.h"
#include "experiment.h"
#include "export.h"
#include "frontier.h"
#include "machines.h"
#include "merge.h"
#include "outdir.h"
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

static void report_list_json(struct doc *d, const json_t *list, const char *fmt)
{
    size_t i;
    const json_t *v;
    json_array_foreach((json_t *)list, i, v) rep_doc_item(d, fmt, json_string_value(v));
}

/* The significant rows of c, largest change first. */
static void report_changes(struct doc *d, const struct cmp *c)
{
    /* an array of pointers: */ /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    const struct cmp_row **sig = malloc((c->nrows + 1) * sizeof *sig);
    size_t ns = 0;
    for (size_t i = 0; sig && i < c->nrows; i++)
        if (c->rows[i].change != CMP_SAME) sig[ns++] = &c->rows[i];
    /* an array of pointers: */ /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    if (sig) qsort(sig, ns, sizeof *sig, report_by_size);
    rep_doc_heading(d, 3, "Significant changes, largest first");
    if (!ns)
        rep_doc_para(d, "None.");
    else
        rep_doc_table(d, "llrrrrr");
    static const char *const head[] = { "benchmark",    "metric", "base [95% CI]",
                                        "new [95% CI]", "change", "change's 95% CI",
                                        "p (Holm)" };
    for (size_t k = 0; ns && k < sizeof head / sizeof *head; k++) rep_doc_cell(d, "%s", head[k]);
    if (ns) rep_doc_row(d);
    for (size_t i = 0; i < ns; i++) {
        const struct cmp_row *r = sig[i];
        char name[160], b[64], nv[64];
        res_cell_name(r->b, name, sizeof name);
        rep_med_ci(&r->sb, b, sizeof b, 1);
        rep_med_ci(&r->sn, nv, sizeof nv, 1);
        rep_doc_cell(d, "%s", name);
        rep_doc_cell(d, "%s", r->mb->name);
        rep_doc_cell(d, "%s", b);
        rep_doc_cell(d, "%s", nv);
        rep_doc_cell(d, "%+.2f%% %s", r->delta * 100, cmp_change_name[r->change]);
        if (isfinite(r->ratio_lo))
            rep_doc_cell(d, "[%+.1f%%, %+.1f%%]", (r->ratio_lo - 1) * 100, (r->ratio_hi - 1) * 100);
        else
            rep_doc_cell(d, "n/a");
        rep_doc_cell(d, "%.3g", r->p_adj);
        rep_doc_row(d);
    }
    rep_doc_close(d);
    free(sig);
}

/* Verdict, significant changes and the compare plot, baseline -> input. */
static int report_baseline(const struct report *rp, const struct plotctx *p, size_t idx,
                           int *regressions)
{
    const struct report_input *in = &rp->in[idx];
    struct doc *d = p->doc;
    struct cmp c;
    rep_cmp_init(&c, rp->baseline->path, &rp->baseline->r, in->path, &in->r);
    rep_compare_diff_config(c.notes, "", c.base.config, c.new_.config);
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
    rep_doc_para(d,
                 "**Verdict for `%s` against the baseline `%s`: %zu confirmed regression(s), "
                 "%zu confirmed improvement(s), %zu row(s) without a confirmed change** (of %zu "
                 "rows; Mann-Whitney U, Holm, alpha %g, threshold %g%%).",
                 in->path, rp->baseline->path, nw, nb, c.nrows - nb - nw, c.nrows, c.alpha,
                 c.threshold * 100);
    report_list_json(d, c.warnings, "**warning: %s**");
    for (size_t m = 0; m < c.nnames; m++) {
        char sum[600];
        rep_compare_summary(&c, c.names[m], sum, sizeof sum);
        rep_doc_item(d, "%s", sum);
    }
    report_list_json(d, c.notes, "%s");
    report_changes(d, &c);
    char tag[32];
    snprintf(tag, sizeof tag, "m%zu", idx + 1);
    for (size_t m = 0; !rc && m < c.nnames; m++) rc = rep_plot_compare(p, &c, c.names[m], tag);
    rep_cmp_done(&c);
    return rc;
}

/* The A/A control: odd against even repetitions of the same run. */
struct report_noise {
    int ok;               /* the control ran */
    size_t flagged, rows; /* rows flagged as changed, of rows */
    double med, max;      /* the halves' medians differ by (fraction) */
    int few;              /* too few trials per half to flag anything */
    char why[256];        /* when !ok */
};

static void report_noise_of(const struct rf_result *r, struct report_noise *z)
{
    memset(z, 0, sizeof *z);
    size_t maxn = 0;
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].ntrials > maxn) maxn = r->cells[i].ntrials;
    if (maxn < 2) {
        snprintf(z->why, sizeof z->why, "not possible, fewer than 2 trials per cell");
        return;
    }
    struct rf_result h[2];
    struct cmp c;
    if (report_split_halves(r, h) != 0) {
        snprintf(z->why, sizeof z->why, "out of memory");
        res_free(&h[0]);
        res_free(&h[1]);
        return;
    }
    rep_cmp_init(&c, "odd trials", &h[0], "even trials", &h[1]);
    if (rep_compare_rows(&c, z->why, sizeof z->why) == 0) {
        rep_compare_warnings(&c);
        double *dv = malloc(c.nrows * sizeof *dv);
        for (size_t i = 0; i < c.nrows; i++) {
            z->flagged += c.rows[i].change != CMP_SAME;
            if (dv) dv[i] = isfinite(c.rows[i].delta) ? fabs(c.rows[i].delta) : 0;
        }
        if (dv) {
            struct lab_summary s;
            lab_summarize(dv, c.nrows, &s);
            z->med = s.median;
            z->max = s.max;
        }
        free(dv);
        z->ok = 1;
        z->rows = c.nrows;
        z->few = json_array_size(c.warnings) > 0;
    }
    rep_cmp_done(&c);
    res_free(&h[0]);
    res_free(&h[1]);
}

static void report_noise(struct doc *d, const struct report_input *in)
{
    struct report_noise z;
    report_noise_of(&in->r, &z);
    if (!z.ok) {
        rep_doc_item(d, "noise (A/A control) for `%s`: %s", in->path, z.why);
        return;
    }
    rep_doc_item(d,
                 "noise (A/A control: odd against even repetitions of `%s`, the same build): "
                 "%zu of %zu rows flagged as changed (expected: 0); the halves' medians differ "
                 "by %.1f%% typically, %.1f%% at most%s",
                 in->path, z.flagged, z.rows, z.med * 100, z.max * 100,
                 z.few ? "; with so few trials per half the control cannot flag anything (see "
                         "the warnings of compare), so read the spread"
                       : "");
}

int rep_noise_failed(const struct rf_result *r)
{
    struct report_noise z;
    report_noise_of(r, &z);
    return z.ok && !z.few && z.flagged > 0;
}

/* A reproduction's run, named by its part and runner ("channel, threads"). */
static const char *report_run_name(const struct report_input *in)
{
    const char *p = strstr(in->path, ": ");
    return p ? p + 2 : in->path;
}

/* A reproduction's noise, one row per run: the A/A control, the share of
   the CPUs others used while it ran, the load average when it started. */
static void report_noise_table(struct doc *d, const struct report *rp)
{
    rep_doc_table(d, "lrrrr");
    rep_doc_cell(d, "run (part, runner)");
    rep_doc_cell(d, "A/A rows flagged");
    rep_doc_cell(d, "A/A halves differ: typically, at most");
    rep_doc_cell(d, "others' share of the CPUs");
    rep_doc_cell(d, "load average at start");
    rep_doc_row(d);
    int few = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const struct report_input *in = &rp->in[i];
        struct report_noise z;
        report_noise_of(&in->r, &z);
        rep_doc_cell(d, "%s", report_run_name(in));
        if (z.ok) {
            rep_doc_cell(d, "%zu of %zu%s", z.flagged, z.rows, z.few ? " (too few trials)" : "");
            rep_doc_cell(d, "%.1f%%, %.1f%%", z.med * 100, z.max * 100);
        } else {
            rep_doc_cell(d, "%s", z.why);
            rep_doc_cell(d, " ");
        }
        few |= z.ok && z.few;
        const json_t *oc = json_object_get(in->r.context, "others_cpu");
        const json_t *la = json_array_get(json_object_get(in->r.context, "loadavg"), 0);
        if (json_is_number(oc))
            rep_doc_cell(d, "%.0f%%", json_number_value(oc) * 100);
        else
            rep_doc_cell(d, "unknown");
        if (json_is_number(la))
            rep_doc_cell(d, "%.2f", json_number_value(la));
        else
            rep_doc_cell(d, "unknown");
        rep_doc_row(d);
    }
    rep_doc_close(d);
    rep_doc_para(d,
                 "A/A: each run's odd repetitions against its even ones, the same build; any "
                 "row flagged is noise%s. Others' share: the machine's busy CPU time (steal "
                 "included) not spent by contend while the run ran; a ratio measured with "
                 "more than a quarter is called inconclusive (docs/statistics.md).",
                 few ? ", and with so few trials per half the control cannot flag anything, "
                       "so read the spread"
                     : "");
}

/* Load average and governor recorded in the context; cells not run. */
static void report_env_warnings(struct doc *d, const struct report_input *in, int loadavg)
{
    const json_t *la = json_array_get(json_object_get(in->r.context, "loadavg"), 0);
    const json_t *cpus = json_object_get(in->r.context, "online_cpus");
    const char *gov = rep_ctx_str(&in->r, "governor");
    if (loadavg && json_is_number(la) && json_is_integer(cpus)
        && json_number_value(la) > 0.5 * (double)json_integer_value(cpus))
        rep_doc_item(d,
                     "warning: `%s` was measured on a busy machine (load average %.2f on %d "
                     "CPUs): expect noisy numbers",
                     in->path, json_number_value(la), (int)json_integer_value(cpus));
    if (gov && strcmp(gov, "performance"))
        rep_doc_item(d, "warning: `%s`: frequency scaling was on (governor '%s')", in->path, gov);
    size_t notrun = 0;
    for (size_t i = 0; i < in->r.ncells; i++) notrun += in->r.cells[i].ntrials == 0;
    if (json_is_true(json_object_get(in->r.root, "interrupted")))
        rep_doc_item(d,
                     "warning: `%s` is a partial run (interrupted): %zu cell(s) not run, shown as "
                     "\"not run\"; `contend run --resume` on its journal finishes it",
                     in->path, notrun);
}

/* ---------------- tables --------------------------------------------------- */

static void report_footer(struct doc *d, const struct report *rp)
{
    rep_doc_para(d,
                 "How to read this report: docs/reports.md. Threads are OS threads, not "
                 "goroutines; fibers are contend's M:N workers (docs/runners.md).");
    rep_doc_rule(d);
    for (size_t i = 0; i < rp->nin; i++) {
        const struct rf_result *r = &rp->in[i].r;
        char mach[400], *cmd = NULL;
        size_t len = 0;
        rep_machine_label(r, mach, sizeof mach);
        const char *commit = rep_ctx_str(r, "commit"), *date = rep_ctx_str(r, "date");
        FILE *m = open_memstream(&cmd, &len);
        const json_t *argv = json_object_get(r->context, "argv"), *a;
        size_t k;
        if (m) {
            json_array_foreach((json_t *)argv, k, a)
                fprintf(m, "%s%s", k ? " " : "", json_is_string(a) ? json_string_value(a) : "?");
            fclose(m);
        }
        rep_doc_item(d, "`%s` (m%zu): commit `%s`, %s, measured %s, command `%s`", rp->in[i].path,
                     i + 1, commit ? commit : "unknown", mach, date ? date : "at an unknown date",
                     cmd ? cmd : "");
        free(cmd);
    }
    time_t now = time(NULL);
    char date[32], *cmd = NULL;
    size_t len = 0;
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    FILE *m = open_memstream(&cmd, &len);
    if (m) {
        for (int i = 0; i < rp->argc; i++) fprintf(m, " %s", rp->argv[i]);
        fclose(m);
    }
    rep_doc_item(d, "report made %s by `contend%s`", date, cmd ? cmd : "");
    free(cmd);
}

static int report_has_family(const struct rf_result *r, const char *fam)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam)) return 1;
    return 0;
}

/* A reproduction's runs, one section each: its cells and its plots, named
   by part and runner. */
static int report_runs_sections(const struct report *rp, struct plotctx *p)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        struct report one = *rp;
        one.in[0] = rp->in[i]; /* borrowed: the copy frees nothing */
        one.nin = 1;
        const char *name = report_run_name(&rp->in[i]);
        char tag[64];
        size_t k = 0;
        for (const char *c = name; *c && k + 1 < sizeof tag; c++)
            if (isalnum((unsigned char)*c))
                tag[k++] = *c;
            else if (k && tag[k - 1] != '-')
                tag[k++] = '-';
        tag[k] = '\0';
        struct rep_names fams = { 0 };
        rc = rep_families(&rp->in[i].r, &fams);
        for (size_t f = 0; !rc && f < fams.n; f++) {
            rep_doc_heading(p->doc, 2, "Run %s: family %s, all cells", name, fams.v[f]);
            rc = rep_cells_tables(p->doc, &one, fams.v[f]);
            rep_machine_short(&rp->in[i].r, p->caption, sizeof p->caption);
            if (!rc) rc = rep_plots_for(p, &rp->in[i].r, fams.v[f], tag);
        }
        rep_names_free(&fams);
    }
    if (!rc) report_footer(p->doc, rp);
    return rc;
}

/* The body of the report, into d (and its plots into p's directory). */
static int report_body(const struct report *rp, struct plotctx *p, const char *title)
{
    struct doc *d = p->doc;
    int rc = 0;
    rep_doc_heading(d, 1, "%s", title);
    for (size_t i = 0; i < rp->nin; i++) {
        char mach[400], prev[400] = "";
        rep_machine_label(&rp->in[i].r, mach, sizeof mach);
        if (i) rep_machine_label(&rp->in[i - 1].r, prev, sizeof prev);
        if (!rp->e)
            rep_doc_item(d, "m%zu: `%s` on %s", i + 1, rp->in[i].path, mach);
        else if (strcmp(mach, prev)) /* a reproduction: its runs share a machine */
            rep_doc_item(d, "measured on %s", mach);
    }
    int regressions = 0;
    for (size_t i = 0; !rc && rp->baseline && i < rp->nin; i++) {
        rep_machine_short(&rp->in[i].r, p->caption, sizeof p->caption);
        rc = report_baseline(rp, p, i, &regressions);
    }
    if (rp->baseline && !rc)
        rep_doc_para(d,
                     "**Headline: %d confirmed regression(s).** `contend compare` gives the same "
                     "rows and exits 1 on a confirmed regression.",
                     regressions);
    if (rp->e) rep_experiment_tables(d, rp->e, rp); /* a reproduction: its tables first */
    rep_doc_heading(d, 2, "Noise and environment");
    if (rp->e && rp->nin > 1) report_noise_table(d, rp);
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        int table = rp->e && rp->nin > 1; /* the table shows noise and load */
        if (!table) report_noise(d, &rp->in[i]);
        report_env_warnings(d, &rp->in[i], !table);
    }
    if (!rc) rc = rep_machines_table(d, rp); /* machines.c: machines in columns */
    struct rep_names fams = { 0 };
    for (size_t i = 0; !rc && i < rp->nin; i++) rc = rep_families(&rp->in[i].r, &fams);
    if (rp->e && rp->nin > 1) { /* a reproduction: each run's cells and plots */
        rep_names_free(&fams);
        return rc ? rc : report_runs_sections(rp, p);
    }
    for (size_t f = 0; !rc && f < fams.n; f++) {
        rep_doc_heading(d, 2, "Family %s: all cells", fams.v[f]);
        rc = rep_cells_tables(d, rp, fams.v[f]);
        for (size_t i = 0; !rc && i < rp->nin; i++) {
            char tag[32];
            snprintf(tag, sizeof tag, "m%zu", i + 1);
            rep_machine_short(&rp->in[i].r, p->caption, sizeof p->caption);
            if (!report_has_family(&rp->in[i].r, fams.v[f])) continue;
            if (rp->nin > 1) rep_doc_heading(d, 3, "m%zu: %s", i + 1, p->caption);
            rc = rep_plots_for(p, &rp->in[i].r, fams.v[f], tag);
        }
    }
    rep_names_free(&fams);
    if (!rc) report_footer(d, rp);
    return rc;
}

void rep_experiment_tables(struct doc *d, const struct experiment *e, const struct report *rp)
{
    if (res_experiment_is_frontier(e))
        rep_frontier(d, e, rp);
    else
        rep_evolution(d, e, rp);
}

int rep_write(const struct report *rp, char *err, size_t n)
{
    if (rep_machines_merged(rp)) return rep_machines_write(rp, err, n); /* machines.c */
    struct rep_outdir out;
    int rc = rep_outdir_open(&out, rp->dir, err, n);
    if (rc) return rc;
    char *md = NULL, *html = NULL;
    size_t mdlen = 0, htmllen = 0;
    struct doc d = { .md = open_memstream(&md, &mdlen),
                     .html = open_memstream(&html, &htmllen),
                     .dir = out.tmp };
    struct plotctx p = { .out = &out, .doc = &d, .err = err, .n = n };
    const char *title =
        rp->e ? (rp->e->title ? rp->e->title : rp->e->name) : "contend performance report";
    if (!d.md || !d.html) {
        snprintf(err, n, "out of memory");
        rc = -ENOMEM;
    }
    if (!rc && rp->summary) { /* reproduce: the summary CSV beside the report */
        char path[4200];
        snprintf(path, sizeof path, "%s/summary.csv", out.tmp);
        if (rp->nin == 1)
            rc = rep_export_summary_csv(path, &rp->in[0].r, err, n);
        else {
            const struct rf_result *r[REPORT_MAX_INPUTS];
            const char *run[REPORT_MAX_INPUTS];
            for (size_t i = 0; i < rp->nin; i++) {
                r[i] = &rp->in[i].r;
                run[i] = report_run_name(&rp->in[i]);
            }
            rc = rep_export_summary_runs(path, r, run, rp->nin, err, n);
        }
    }
    if (!rc) {
        rep_doc_begin(&d, title);
        rc = report_body(rp, &p, title);
        rep_doc_end(&d);
    }
    if (d.md) fclose(d.md);
    if (d.html) fclose(d.html);
    if (!rc && d.missing) {
        snprintf(err, n, "%d plot(s) could not be inlined into report.html", d.missing);
        rc = -EIO;
    }
    if (!rc) rc = rep_outdir_write(&out, "report.md", md, mdlen, err, n);
    if (!rc) rc = rep_outdir_write(&out, "report.html", html, htmllen, err, n);
    free(md);
    free(html);
    if (!rc)
        rc = rep_outdir_commit(&out, err, n);
    else
        rep_outdir_abort(&out);
    return rc;
}

/* A reproduction's runs as the report's inputs: results.json, or each run
   of it when it holds several (parts, runners). all owns what the inputs
   borrow; free with report_runs_free. */
static int report_runs(const char *dir, struct report *rp, struct rf_result *all, char names[][96],
                       char *err, size_t n)
{
    size_t plen = strlen(dir) + 16;
    char *path = malloc(plen);
    if (!path) return -ENOMEM;
    snprintf(path, plen, "%s/results.json", dir);
    int rc = res_load(path, all, err, n);
    free(path);
    if (rc) return rc;
    size_t runs = res_merge_count(all);
    if (runs > REPORT_MAX_INPUTS) {
        snprintf(err, n, "%s/results.json holds %zu runs; a report shows at most %d", dir, runs,
                 REPORT_MAX_INPUTS);
        res_free(all);
        return -E2BIG;
    }
    rp->nin = 0;
    for (size_t i = 0; !rc && i < runs; i++) {
        struct report_input *in = &rp->in[rp->nin];
        if (runs == 1) {
            in->r = *all;
            in->path = "results.json";
        } else if (!(rc = res_merge_run(all, i, &in->r, err, n))) {
            const char *part = json_string_value(json_object_get(in->r.config, "part"));
            const char *runner = json_string_value(json_object_get(in->r.config, "runner"));
            snprintf(names[i], 96, "results.json: %s%s%s", part && *part ? part : "run",
                     runner ? ", " : "", runner ? runner : "");
            in->path = names[i];
        }
        if (!rc) rp->nin++;
    }
    return rc;
}

static void report_runs_free(struct report *rp, struct rf_result *all)
{
    for (size_t i = 0; res_merge_count(all) > 1 && i < rp->nin; i++) res_free(&rp->in[i].r);
    res_free(all);
}

int rep_reproduce(const char *dir, const struct experiment *e, int argc, char **argv, char *err,
                  size_t n)
{
    struct report rp = { .dir = dir, .e = e, .argc = argc, .argv = argv, .summary = 1 };
    struct rf_result all;
    char names[REPORT_MAX_INPUTS][96];
    int rc = report_runs(dir, &rp, &all, names, err, n);
    if (rc) return rc;
    rc = rep_write(&rp, err, n);
    report_runs_free(&rp, &all);
    return rc;
}

int rep_reproduce_print(FILE *f, const char *dir, const struct experiment *e, char *err, size_t n)
{
    struct report rp = { .dir = dir, .e = e };
    struct rf_result all;
    char names[REPORT_MAX_INPUTS][96];
    int rc = report_runs(dir, &rp, &all, names, err, n);
    if (rc) return rc;
    struct doc d = { .text = f, .dir = dir };
    rep_experiment_tables(&d, e, &rp);
    rep_doc_close(&d);
    report_runs_free(&rp, &all);
    return 0;
}
