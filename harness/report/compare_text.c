/* `contend compare` as text (a terminal) and as Markdown (a pull request
 * comment). The Markdown leads with what a reviewer acts on: the number of
 * confirmed regressions and every warning, then one summary per metric
 * worded from the tests, then the rows. Strings from the result files are
 * data (doc.h): they cannot open a link or a tag. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "view.h"

static const char *compare_dir_text(enum metric_dir d)
{
    return d == DIR_HIGHER ? "higher is better"
        : d == DIR_LOWER   ? "lower is better"
                           : "no direction";
}

static void compare_delta_text(const struct cmp_row *r, char *buf, size_t n)
{
    if (r->change == CMP_SAME)
        snprintf(buf, n, "~");
    else
        snprintf(buf, n, "%+.2f%% %s", r->delta * 100, cmp_change_name[r->change]);
}

/* "[-12.0%, -3.1%]": the row's Hodges-Lehmann interval as a change. */
static void compare_ci_text(const struct cmp_row *r, char *buf, size_t n)
{
    if (isfinite(r->ratio_lo) && isfinite(r->ratio_hi))
        snprintf(buf, n, "[%+.1f%%, %+.1f%%]", (r->ratio_lo - 1) * 100, (r->ratio_hi - 1) * 100);
    else
        snprintf(buf, n, "n/a");
}

static void compare_md(FILE *f, const struct cmp *c, int regressions)
{
    struct doc d = { .md = f };
    if (regressions)
        rep_doc_para(&d, "**contend compare: %d confirmed regression(s)**", regressions);
    else
        rep_doc_para(&d, "**contend compare: no confirmed regression**");
    size_t i;
    const json_t *v;
    json_array_foreach(c->warnings, i, v) rep_doc_para(&d, "**Warning: %s**", json_string_value(v));
    rep_doc_para(&d,
                 "**base** `%s` **new** `%s`: alpha %g, threshold %g%%, Mann-Whitney U, Holm over "
                 "%zu rows",
                 c->base_path, c->new_path, c->alpha, c->threshold * 100, c->nrows);
    for (size_t m = 0; m < c->nnames; m++) {
        char sum[600];
        rep_compare_summary(c, c->names[m], sum, sizeof sum);
        rep_doc_item(&d, "%s", sum);
    }
    json_array_foreach(c->notes, i, v) rep_doc_item(&d, "%s", json_string_value(v));
    rep_doc_table(&d, "llrrrrrrr");
    static const char *const head[] = { "benchmark", "metric", "base",     "new", "change",
                                        "95% CI",    "p",      "p (Holm)", "n" };
    for (size_t k = 0; k < sizeof head / sizeof *head; k++) rep_doc_cell(&d, "%s", head[k]);
    rep_doc_row(&d);
    for (size_t m = 0; m < c->nnames; m++) {
        for (size_t k = 0; k < c->nrows; k++) {
            const struct cmp_row *r = &c->rows[k];
            if (strcmp(r->mb->name, c->names[m])) continue;
            char name[160], bs[64], ns[64], dt[48], ci[48];
            res_cell_name(r->b, name, sizeof name);
            rep_med_ci(&r->sb, bs, sizeof bs, 0);
            rep_med_ci(&r->sn, ns, sizeof ns, 0);
            compare_delta_text(r, dt, sizeof dt);
            compare_ci_text(r, ci, sizeof ci);
            rep_doc_cell(&d, "%s", name);
            rep_doc_cell(&d, "%s", r->mb->name);
            rep_doc_cell(&d, "%s", bs);
            rep_doc_cell(&d, "%s", ns);
            rep_doc_cell(&d, r->change == CMP_WORSE ? "**%s**" : "%s", dt);
            rep_doc_cell(&d, "%s", ci);
            rep_doc_cell(&d, "%.3g", r->t.p);
            rep_doc_cell(&d, "%.3g", r->p_adj);
            rep_doc_cell(&d, "%zu+%zu", r->mb->n, r->mn->n);
            rep_doc_row(&d);
        }
        double g, lo, hi;
        int k = rep_compare_geomean_ci(c, c->names[m], &g, &lo, &hi);
        if (!k) continue;
        rep_doc_cell(&d, "geomean (%d rows)", k);
        rep_doc_cell(&d, "%s", c->names[m]);
        rep_doc_cell(&d, " ");
        rep_doc_cell(&d, " ");
        rep_doc_cell(&d, "%+.2f%%", (g - 1) * 100);
        if (isfinite(lo))
            rep_doc_cell(&d, "[%+.1f%%, %+.1f%%] (bootstrap)", (lo - 1) * 100, (hi - 1) * 100);
        else
            rep_doc_cell(&d, "n/a");
        for (int e = 0; e < 3; e++) rep_doc_cell(&d, " ");
        rep_doc_row(&d);
    }
    rep_doc_close(&d);
    rep_doc_para(&d,
                 "change: `~` when the row's Holm-adjusted p is not below alpha or the change is "
                 "under the threshold. 95%% CI: the Hodges-Lehmann interval of new/base at the "
                 "row's Holm-adjusted level (it excludes 0%% exactly when p (Holm) < alpha); "
                 "for the geomean a bootstrap interval, descriptive rather than a test.");
}

static void compare_text(FILE *f, const struct cmp *c)
{
    fprintf(f, "base: %s\nnew:  %s\nalpha %g, threshold %g%%, Mann-Whitney U, Holm over %zu rows\n",
            c->base_path, c->new_path, c->alpha, c->threshold * 100, c->nrows);
    size_t i;
    const json_t *v;
    json_array_foreach(c->notes, i, v) fprintf(f, "%s\n", json_string_value(v));
    for (size_t m = 0; m < c->nnames; m++) {
        const char *metric = c->names[m];
        int any = 0;
        for (size_t k = 0; k < c->nrows; k++) {
            const struct cmp_row *r = &c->rows[k];
            if (strcmp(r->mb->name, metric)) continue;
            if (!any++)
                fprintf(f, "\n%s (%s)\n%-34s %-26s %-26s %-16s %8s %8s %s\n", metric,
                        compare_dir_text(r->mb->dir), "benchmark", "base [CI]", "new [CI]", "delta",
                        "p", "p(holm)", "n");
            char name[160], bs[64], ns[64], d[48];
            res_cell_name(r->b, name, sizeof name);
            rep_med_ci(&r->sb, bs, sizeof bs, 0);
            rep_med_ci(&r->sn, ns, sizeof ns, 0);
            compare_delta_text(r, d, sizeof d);
            fprintf(f, "%-34s %-26s %-26s %-16s %8.3g %8.3g %zu+%zu%s\n", name, bs, ns, d, r->t.p,
                    r->p_adj, r->mb->n, r->mn->n,
                    r->sb.unstable || r->sn.unstable ? " unstable" : "");
        }
        double g, lo, hi;
        int k = rep_compare_geomean_ci(c, metric, &g, &lo, &hi);
        if (!any || !k) continue;
        if (isfinite(lo))
            fprintf(f, "%-34s %-26s %-26s %+.2f%% [%+.1f%%, %+.1f%%]\n", "geomean", "", "",
                    (g - 1) * 100, (lo - 1) * 100, (hi - 1) * 100);
        else
            fprintf(f, "%-34s %-26s %-26s %+.2f%%\n", "geomean", "", "", (g - 1) * 100);
        char sum[600];
        rep_compare_summary(c, metric, sum, sizeof sum);
        fprintf(f, "%s\n", sum);
    }
}

void rep_compare_print_text(FILE *f, const struct cmp *c, int md)
{
    int regressions = 0;
    for (size_t i = 0; i < c->nrows; i++) regressions += c->rows[i].change == CMP_WORSE;
    if (md)
        compare_md(f, c, regressions);
    else
        compare_text(f, c);
}
