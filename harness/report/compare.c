/* Comparison of two result files, like Go's benchstat: rows are matched by
 * benchmark identity (family, impl, workload, threads, metric); each gets a
 * Mann-Whitney U test, Holm's correction runs over the whole table, and a
 * change counts only when it is significant and at least the threshold.
 * Used by `contend compare` and by the report's baseline section and A/A
 * control. Methods: docs/statistics.md. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "results.h"
#include "view.h"

void rep_cmp_init(struct cmp *c, const char *bp, const struct rf_result *b, const char *np,
                  const struct rf_result *nw)
{
    memset(c, 0, sizeof *c);
    c->base_path = bp;
    c->new_path = np;
    c->alpha = 0.05;
    c->threshold = 0.03;
    c->format = "text";
    if (b) c->base = *b;
    if (nw) c->new_ = *nw;
    c->notes = json_array();
    c->warnings = json_array();
}

void rep_cmp_done(struct cmp *c)
{
    free(c->rows);
    json_decref(c->notes);
    json_decref(c->warnings);
    c->rows = NULL;
    c->notes = c->warnings = NULL;
}

int rep_compare_metric_selected(const struct cmp *c, const struct rf_cell *cell, const char *name)
{
    if (c->metrics) {
        size_t len = strlen(name);
        for (const char *p = c->metrics; *p;) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l == len && strncmp(p, name, l) == 0) return 1;
            if (!e) break;
            p = e + 1;
        }
        return 0;
    }
    /* counters explain a change; by default they are not what is gated */
    if (res_metric_direction(name) == DIR_NONE || res_is_counter_metric(name)) return 0;
    /* ns_per_op is 1e9 / ops_per_s trial by trial: one row says it all */
    return !(strcmp(name, "ns_per_op") == 0 && res_cell_metric(cell, "ops_per_s"));
}

static const struct rf_cell *compare_find_cell(const struct rf_result *r,
                                               const struct rf_cell *like)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (res_same_bench(&r->cells[i], like)) return &r->cells[i];
    return NULL;
}

/* Failed its correctness check, crashed or hung: its numbers measure a
   broken design, and comparing them would pass a regression as a speed-up. */
static int compare_failed(const struct rf_cell *c)
{
    if (c->verdict && !strcmp(c->verdict, "FAIL")) return 1;
    const json_t *o = c->json ? json_object_get(c->json, "outcome") : NULL;
    return json_is_string(o) && strcmp(json_string_value(o), "ok") != 0;
}

static void compare_note(json_t *list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void compare_note(json_t *list, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(list, json_string(buf));
}

/* Notes every leaf that differs between two config objects ("batcher.sink_cost_ns"). */
void rep_compare_diff_config(json_t *notes, const char *prefix, const json_t *a, const json_t *b)
{
    const char *key;
    const json_t *va;
    if (!json_is_object(a) || !json_is_object(b)) return;
    json_object_foreach((json_t *)a, key, va)
    {
        const json_t *vb = json_object_get(b, key);
        char path[200];
        snprintf(path, sizeof path, "%s%s%.80s", prefix, *prefix ? "." : "", key);
        if (json_is_object(va) && json_is_object(vb)) {
            rep_compare_diff_config(notes, path, va, vb);
            continue;
        }
        if (vb && json_equal((json_t *)va, (json_t *)vb)) continue;
        char *sa = json_dumps(va, JSON_COMPACT | JSON_ENCODE_ANY);
        char *sb = vb ? json_dumps(vb, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        compare_note(notes, "config differs: %s %.60s -> %.60s", path, sa ? sa : "?",
                     sb ? sb : "(absent)");
        free(sa);
        free(sb);
    }
}

int rep_compare_rows(struct cmp *c, char *err, size_t n)
{
    /* metric names in first-seen order, so the table groups rows by metric */
    for (size_t i = 0; i < c->base.ncells; i++) {
        const struct rf_cell *b = &c->base.cells[i];
        for (size_t k = 0; k < b->nmetrics; k++) {
            const char *nm = b->metrics[k].name;
            size_t j = 0;
            while (j < c->nnames && strcmp(c->names[j], nm)) j++;
            if (j == c->nnames && c->nnames < NAMES_MAX && rep_compare_metric_selected(c, b, nm))
                c->names[c->nnames++] = nm;
        }
    }
    size_t cap = c->base.ncells * (c->nnames ? c->nnames : 1);
    c->rows = calloc(cap ? cap : 1, sizeof *c->rows);
    if (!c->rows) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    size_t only_base = 0, only_new = 0;
    for (size_t i = 0; i < c->base.ncells; i++)
        if (!compare_find_cell(&c->new_, &c->base.cells[i])) only_base++;
    for (size_t i = 0; i < c->new_.ncells; i++)
        if (!compare_find_cell(&c->base, &c->new_.cells[i])) only_new++;
    if (only_base || only_new)
        compare_note(c->notes, "%zu cell(s) only in base, %zu only in new: not compared", only_base,
                     only_new);

    for (size_t i = 0; i < c->base.ncells; i++) {
        const struct rf_cell *b = &c->base.cells[i], *nw = compare_find_cell(&c->new_, b);
        if (!nw || !(compare_failed(b) || compare_failed(nw))) continue;
        char name[160];
        res_cell_name(b, name, sizeof name);
        compare_note(c->notes, "%s failed its correctness check in %s: not compared", name,
                     compare_failed(b) && compare_failed(nw) ? "base and new"
                         : compare_failed(b)                 ? "base"
                                                             : "new");
        c->nfailed++;
    }

    for (size_t m = 0; m < c->nnames; m++)
        for (size_t i = 0; i < c->base.ncells; i++) {
            const struct rf_cell *b = &c->base.cells[i], *nw = compare_find_cell(&c->new_, b);
            if (!nw || !rep_compare_metric_selected(c, b, c->names[m])) continue;
            if (compare_failed(b) || compare_failed(nw)) continue;
            const struct rf_metric *mb = res_cell_metric(b, c->names[m]);
            const struct rf_metric *mn = res_cell_metric(nw, c->names[m]);
            if (!mb || !mn || !mb->n || !mn->n) continue;
            struct cmp_row *r = &c->rows[c->nrows++];
            *r = (struct cmp_row){ .b = b, .n = nw, .mb = mb, .mn = mn };
            lab_summarize(mb->v, mb->n, &r->sb);
            lab_summarize(mn->v, mn->n, &r->sn);
            r->delta = r->sb.median != 0 ? (r->sn.median - r->sb.median) / fabs(r->sb.median) : NAN;
            if (lab_mwu_test(mb->v, mb->n, mn->v, mn->n, &r->t) != 0) {
                snprintf(err, n, "out of memory");
                return -ENOMEM;
            }
        }
    if (!c->nrows) {
        snprintf(err, n, "'%s' and '%s' have no benchmark in common%s", c->base_path, c->new_path,
                 c->nfailed ? " that passed its correctness check" : "");
        return -EINVAL;
    }
    double *p = malloc(c->nrows * sizeof *p), *adj = malloc(c->nrows * sizeof *adj);
    int rc = p && adj ? 0 : -ENOMEM;
    if (!rc) {
        for (size_t i = 0; i < c->nrows; i++) p[i] = c->rows[i].t.p;
        rc = lab_holm_adjust(p, c->nrows, adj);
    }
    for (size_t i = 0; !rc && i < c->nrows; i++) {
        struct cmp_row *r = &c->rows[i];
        r->p_adj = adj[i];
        if (r->p_adj < c->alpha && isfinite(r->delta) && fabs(r->delta) >= c->threshold
            && r->mb->dir != DIR_NONE)
            r->change = r->delta * r->mb->dir > 0 ? CMP_BETTER : CMP_WORSE;
    }
    free(p);
    free(adj);
    if (rc) snprintf(err, n, "out of memory");
    return rc;
}

/* One warning per distinct sample-size pair that can never reach alpha. */
void rep_compare_warnings(struct cmp *c)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].sb.ci_level < 0.95 || c->rows[i].sn.ci_level < 0.95) {
            compare_note(c->notes,
                         "with fewer than 6 trials a cell's CI is [min, max], below 95%% "
                         "coverage (93.75%% at n=5)");
            break;
        }
    for (size_t i = 0; i < c->nrows; i++) {
        size_t n1 = c->rows[i].mb->n, n2 = c->rows[i].mn->n, j = 0;
        while (j < i && !(c->rows[j].mb->n == n1 && c->rows[j].mn->n == n2)) j++;
        if (j < i) continue;
        double minp = lab_mwu_min_p(n1, n2), first = c->alpha / (double)c->nrows;
        if (minp >= c->alpha)
            compare_note(c->warnings,
                         "with n=%zu+%zu trials the smallest possible p-value is %.3g, not "
                         "below alpha %g: no change can be significant; use --reps 5 or more",
                         n1, n2, minp, c->alpha);
        else if (minp >= first)
            compare_note(
                c->warnings,
                "with n=%zu+%zu trials the smallest possible p-value is %.3g; Holm "
                "over %zu rows needs p < %.3g: no change can be confirmed; use more --reps or "
                "fewer rows",
                n1, n2, minp, c->nrows, first);
    }
}

/* Geometric mean of new/base medians over one metric's comparable rows. */
int rep_compare_geomean(const struct cmp *c, const char *metric, double *ratio)
{
    double s = 0;
    int k = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct cmp_row *r = &c->rows[i];
        if (strcmp(r->mb->name, metric) || !(r->sb.median > 0) || !(r->sn.median > 0)) continue;
        s += log(r->sn.median / r->sb.median);
        k++;
    }
    *ratio = k ? exp(s / k) : NAN;
    return k;
}

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

static void compare_print_text(FILE *f, const struct cmp *c, int md)
{
    if (md)
        fprintf(f,
                "**base** `%s` **new** `%s`: alpha %g, threshold %g%%, Mann-Whitney U, "
                "Holm over %zu rows\n\n",
                c->base_path, c->new_path, c->alpha, c->threshold * 100, c->nrows);
    else
        fprintf(f,
                "base: %s\nnew:  %s\nalpha %g, threshold %g%%, Mann-Whitney U, Holm over "
                "%zu rows\n",
                c->base_path, c->new_path, c->alpha, c->threshold * 100, c->nrows);
    size_t i;
    const json_t *v;
    json_array_foreach(c->notes, i, v) fprintf(f, md ? "- %s\n" : "%s\n", json_string_value(v));
    if (md)
        fprintf(f,
                "\n| benchmark | metric | base | new | delta | p | p (Holm) | n |\n"
                "|---|---|---|---|---|---|---|---|\n");
    for (size_t m = 0; m < c->nnames; m++) {
        const char *metric = c->names[m];
        int any = 0;
        for (size_t k = 0; k < c->nrows; k++) {
            const struct cmp_row *r = &c->rows[k];
            if (strcmp(r->mb->name, metric)) continue;
            if (!any++ && !md)
                fprintf(f, "\n%s (%s)\n%-34s %-26s %-26s %-16s %8s %8s %s\n", metric,
                        compare_dir_text(r->mb->dir), "benchmark", "base [CI]", "new [CI]", "delta",
                        "p", "p(holm)", "n");
            char name[160], bs[64], ns[64], d[48];
            res_cell_name(r->b, name, sizeof name);
            rep_med_ci(&r->sb, bs, sizeof bs, 0);
            rep_med_ci(&r->sn, ns, sizeof ns, 0);
            compare_delta_text(r, d, sizeof d);
            if (md)
                fprintf(f, "| %s | %s | %s | %s | %s | %.3g | %.3g | %zu+%zu |\n", name, metric, bs,
                        ns, d, r->t.p, r->p_adj, r->mb->n, r->mn->n);
            else
                fprintf(f, "%-34s %-26s %-26s %-16s %8.3g %8.3g %zu+%zu%s\n", name, bs, ns, d,
                        r->t.p, r->p_adj, r->mb->n, r->mn->n,
                        r->sb.unstable || r->sn.unstable ? " unstable" : "");
        }
        double g;
        int k = rep_compare_geomean(c, metric, &g);
        if (!any || !k) continue;
        if (md)
            fprintf(f, "| geomean (%d rows) | %s | | | %+.2f%% | | | |\n", k, metric,
                    (g - 1) * 100);
        else
            fprintf(f, "%-34s %-26s %-26s %+.2f%%\n", "geomean", "", "", (g - 1) * 100);
    }
}

static void compare_print_csv(FILE *f, const struct cmp *c)
{
    fprintf(
        f,
        "metric,direction,family,impl,workload,threads,base_n,base_median,base_ci_low,"
        "base_ci_high,new_n,new_median,new_ci_low,new_ci_high,delta_pct,p,p_holm,exact,change\n");
    for (size_t k = 0; k < c->nrows; k++) {
        const struct cmp_row *r = &c->rows[k];
        fprintf(f,
                "%s,%d,%s,%s,\"%s\",%u,%zu,%.10g,%.10g,%.10g,%zu,%.10g,%.10g,%.10g,%.6g,%.6g,%.6g,%"
                "d,%s\n",
                r->mb->name, (int)r->mb->dir, r->b->family, r->b->impl, r->b->workload,
                r->b->threads, r->mb->n, r->sb.median, r->sb.ci_low, r->sb.ci_high, r->mn->n,
                r->sn.median, r->sn.ci_low, r->sn.ci_high, r->delta * 100, r->t.p, r->p_adj,
                r->t.exact, cmp_change_name[r->change]);
    }
}

static void compare_print_json(FILE *f, const struct cmp *c, int regressions)
{
    json_t *rows = json_array(), *geo = json_array();
    for (size_t k = 0; k < c->nrows; k++) {
        const struct cmp_row *r = &c->rows[k];
        json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:o, s:o, s:f, s:f, s:b, s:s}",
                              "metric", r->mb->name, "direction", (int)r->mb->dir, "family",
                              r->b->family, "impl", r->b->impl, "workload", r->b->workload,
                              "threads", (int)r->b->threads, "base", res_summary_json(&r->sb),
                              "new", res_summary_json(&r->sn), "p", r->t.p, "p_holm", r->p_adj,
                              "exact", r->t.exact, "change", cmp_change_name[r->change]);
        json_object_set_new(o, "delta_pct",
                            isfinite(r->delta) ? json_real(r->delta * 100) : json_null());
        json_array_append_new(rows, o);
    }
    for (size_t m = 0; m < c->nnames; m++) {
        double g;
        int k = rep_compare_geomean(c, c->names[m], &g);
        if (k)
            json_array_append_new(geo,
                                  json_pack("{s:s, s:i, s:f}", "metric", c->names[m], "rows", k,
                                            "delta_pct", (g - 1) * 100));
    }
    json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:f, s:f, s:s, s:o, s:o, s:O, s:O, s:i}", "schema",
                          "contend-compare", "schema_version", 1, "base", c->base_path, "new",
                          c->new_path, "alpha", c->alpha, "threshold_pct", c->threshold * 100,
                          "test", "mann-whitney-u, holm", "rows", rows, "geomean", geo, "notes",
                          c->notes, "warnings", c->warnings, "regressions", regressions);
    if (j) {
        json_dumpf(j, f, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
        fputc('\n', f);
    }
    json_decref(j);
}

int rep_compare_print(FILE *f, const struct cmp *c)
{
    int regressions = 0;
    for (size_t i = 0; i < c->nrows; i++) regressions += c->rows[i].change == CMP_WORSE;
    if (!strcmp(c->format, "json"))
        compare_print_json(f, c, regressions);
    else if (!strcmp(c->format, "csv"))
        compare_print_csv(f, c);
    else
        compare_print_text(f, c, !strcmp(c->format, "md"));
    return regressions;
}
