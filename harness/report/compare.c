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
#include "lab_ratio.h"
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
    free(c->names);
    c->names = NULL;
    c->nnames = 0;
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
    /* sampled latency percentiles: shown, compared when named (--metrics),
       not gated by default (a tail of a few samples is noise) */
    if (!strncmp(name, "lat_", 4)) return 0;
    /* ns_per_op is 1e9 / ops_per_s trial by trial: one row says it all */
    return !(strcmp(name, "ns_per_op") == 0 && res_cell_metric(cell, "ops_per_s"));
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
    json_array_append_new(list, res_json_text(buf)); /* %.60s may cut a character */
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

/* Every value of both samples the same (B/op of 0 on both sides, two
   trials or more each): the row says nothing and would only make Holm's
   correction stricter. */
static int compare_constant(const struct rf_metric *a, const struct rf_metric *b)
{
    if (a->n < 2 || b->n < 2) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] != a->v[0]) return 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i] != a->v[0]) return 0;
    return 1;
}

static int compare_add_name(struct cmp *c, const char *nm)
{
    for (size_t j = 0; j < c->nnames; j++)
        if (!strcmp(c->names[j], nm)) return 0;
    const char **v = realloc(c->names, (c->nnames + 1) * sizeof *v);
    if (!v) return -ENOMEM;
    c->names = v;
    c->names[c->nnames++] = nm;
    return 0;
}

/* Holm over the rows, the verdicts, and each row's interval at its
   Holm-adjusted level (it excludes 1 exactly when p_holm < alpha). */
static int compare_decide(struct cmp *c)
{
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
        double level = r->p_adj > 0 ? c->alpha * r->t.p / r->p_adj : c->alpha;
        r->ratio = r->ratio_lo = r->ratio_hi = NAN;
        if (lab_ratio_hodges_lehmann(r->mn->v, r->mn->n, r->mb->v, r->mb->n, 1 - level, &r->ratio,
                                     &r->ratio_lo, &r->ratio_hi)
            != 0)
            r->ratio_lo = r->ratio_hi = NAN;
        if (!(r->ratio_lo > 0) || !isfinite(r->ratio_hi)) r->ratio_lo = r->ratio_hi = NAN;
    }
    free(p);
    free(adj);
    return rc;
}

int rep_compare_rows(struct cmp *c, char *err, size_t n)
{
    /* metric names in first-seen order, so the table groups rows by metric */
    int rc = 0;
    for (size_t i = 0; !rc && i < c->base.ncells; i++) {
        const struct rf_cell *b = &c->base.cells[i];
        for (size_t k = 0; !rc && k < b->nmetrics; k++)
            if (rep_compare_metric_selected(c, b, b->metrics[k].name))
                rc = compare_add_name(c, b->metrics[k].name);
    }
    size_t cap = c->base.ncells * (c->nnames ? c->nnames : 1);
    c->rows = rc ? NULL : calloc(cap ? cap : 1, sizeof *c->rows);
    if (!c->rows) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    size_t only_base = 0, only_new = 0;
    for (size_t i = 0; i < c->base.ncells; i++)
        if (!res_find_cell(&c->new_, &c->base.cells[i])) only_base++;
    for (size_t i = 0; i < c->new_.ncells; i++)
        if (!res_find_cell(&c->base, &c->new_.cells[i])) only_new++;
    if (only_base || only_new)
        compare_note(c->notes, "%zu cell(s) only in base, %zu only in new: not compared", only_base,
                     only_new);
    for (size_t i = 0; i < c->base.ncells; i++) {
        const struct rf_cell *b = &c->base.cells[i], *nw = res_find_cell(&c->new_, b);
        if (!nw || !(compare_failed(b) || compare_failed(nw))) continue;
        char name[160];
        res_cell_name(b, name, sizeof name);
        compare_note(c->notes, "%s failed its correctness check in %s: not compared", name,
                     compare_failed(b) && compare_failed(nw) ? "base and new"
                         : compare_failed(b)                 ? "base"
                                                             : "new");
        c->nfailed++;
    }

    size_t nconst = 0;
    for (size_t m = 0; m < c->nnames; m++) {
        size_t constant = 0;
        double value = 0;
        for (size_t i = 0; i < c->base.ncells; i++) {
            const struct rf_cell *b = &c->base.cells[i], *nw = res_find_cell(&c->new_, b);
            if (!nw || !rep_compare_metric_selected(c, b, c->names[m])) continue;
            if (compare_failed(b) || compare_failed(nw)) continue;
            const struct rf_metric *mb = res_cell_metric(b, c->names[m]);
            const struct rf_metric *mn = res_cell_metric(nw, c->names[m]);
            if (!mb || !mn || !mb->n || !mn->n) continue;
            if (compare_constant(mb, mn)) {
                value = constant++ ? (value == mb->v[0] ? value : NAN) : mb->v[0];
                continue;
            }
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
        nconst += constant;
        if (constant && isfinite(value))
            compare_note(c->notes,
                         "%.60s: %g in every trial of both files (%zu row(s)): nothing to test, "
                         "left out of the table and of Holm's correction",
                         c->names[m], value, constant);
        else if (constant)
            compare_note(c->notes,
                         "%.60s: %zu row(s) with one value in every trial of both files: "
                         "left out of the table and of Holm's correction",
                         c->names[m], constant);
    }
    if (!c->nrows && nconst) {
        snprintf(err, n,
                 "'%s' and '%s': every row they share is one constant in both: nothing "
                 "to test",
                 c->base_path, c->new_path);
        return -EINVAL;
    }
    if (!c->nrows) {
        snprintf(err, n, "'%s' and '%s' have no benchmark in common%s", c->base_path, c->new_path,
                 c->nfailed ? " that passed its correctness check" : "");
        return -EINVAL;
    }
    if ((rc = compare_decide(c)) != 0) snprintf(err, n, "out of memory");
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

static int compare_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values drawn with replacement from v (scratch: n). */
static double compare_resampled_median(const double *v, size_t n, double *scratch,
                                       struct lab_rng *rng)
{
    for (size_t i = 0; i < n; i++) scratch[i] = v[lab_rng_below(rng, n)];
    qsort(scratch, n, sizeof *scratch, compare_cmp_double);
    return n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
}

int rep_compare_geomean_ci(const struct cmp *c, const char *metric, double *ratio, double *lo,
                           double *hi)
{
    enum { RESAMPLES = 2000 };
    int k = rep_compare_geomean(c, metric, ratio);
    *lo = *hi = NAN;
    size_t most = 1;
    for (size_t i = 0; i < c->nrows; i++)
        most = fmax(most, fmax(c->rows[i].mb->n, c->rows[i].mn->n));
    double *stat = k ? malloc(RESAMPLES * sizeof *stat) : NULL, *tmp = malloc(most * sizeof *tmp);
    struct lab_rng rng;
    lab_rng_seed(&rng, 0x636f6d70617265ULL); /* the same data give the same interval */
    size_t good = 0;
    for (size_t b = 0; stat && tmp && b < RESAMPLES; b++) {
        double s = 0;
        int used = 0;
        for (size_t i = 0; i < c->nrows; i++) {
            const struct cmp_row *r = &c->rows[i];
            if (strcmp(r->mb->name, metric) || !(r->sb.median > 0) || !(r->sn.median > 0)) continue;
            double mb = compare_resampled_median(r->mb->v, r->mb->n, tmp, &rng);
            double mn = compare_resampled_median(r->mn->v, r->mn->n, tmp, &rng);
            if (!(mb > 0) || !(mn > 0)) break;
            s += log(mn / mb);
            used++;
        }
        if (used == k) stat[good++] = exp(s / k);
    }
    if (good == RESAMPLES) {
        qsort(stat, good, sizeof *stat, compare_cmp_double);
        double a = 0.025 * (double)(good - 1), z = 0.975 * (double)(good - 1);
        size_t ia = (size_t)a, iz = (size_t)z;
        *lo = stat[ia] + (a - (double)ia) * (stat[ia + 1 < good ? ia + 1 : ia] - stat[ia]);
        *hi = stat[iz] + (z - (double)iz) * (stat[iz + 1 < good ? iz + 1 : iz] - stat[iz]);
    }
    free(stat);
    free(tmp);
    return k;
}

void rep_compare_summary(const struct cmp *c, const char *metric, char *buf, size_t n)
{
    size_t rows = 0, worse = 0, better = 0;
    double minp = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct cmp_row *r = &c->rows[i];
        if (strcmp(r->mb->name, metric)) continue;
        rows++;
        worse += r->change == CMP_WORSE;
        better += r->change == CMP_BETTER;
        double mp = lab_mwu_min_p(r->mb->n, r->mn->n);
        if (rows == 1 || mp < minp) minp = mp;
    }
    double g, lo, hi;
    int k = rep_compare_geomean_ci(c, metric, &g, &lo, &hi);
    size_t len = (size_t)snprintf(buf, n, "%s: %zu row(s), ", metric, rows);
    if (len < n && minp >= c->alpha / (double)c->nrows)
        len +=
            (size_t)snprintf(buf + len, n - len, "too few trials for any change to be confirmed");
    else if (len < n && !worse && !better)
        len += (size_t)snprintf(buf + len, n - len, "no confirmed change");
    else if (len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "%zu confirmed regression(s), %zu confirmed improvement(s), %zu "
                                "without a confirmed change",
                                worse, better, rows - worse - better);
    if (len < n)
        len +=
            (size_t)snprintf(buf + len, n - len, " (Mann-Whitney U, Holm, alpha %g, %g%% minimum)",
                             c->alpha, c->threshold * 100);
    if (len < n && k && isfinite(lo))
        snprintf(buf + len, n - len,
                 "; geomean of new/base %+.1f%% [95%% bootstrap CI %+.1f%%, %+.1f%%]%s",
                 (g - 1) * 100, (lo - 1) * 100, (hi - 1) * 100,
                 !worse && !better && (lo > 1 || hi < 1)
                     ? ": it moved, but no single row's change is confirmed"
                     : "");
    else if (len < n && k)
        snprintf(buf + len, n - len, "; geomean of new/base %+.1f%%", (g - 1) * 100);
}

static void compare_print_csv(FILE *f, const struct cmp *c)
{
    fprintf(f,
            "metric,direction,family,impl,workload,threads,base_n,base_median,base_ci_low,"
            "base_ci_high,new_n,new_median,new_ci_low,new_ci_high,delta_pct,p,p_holm,exact,change,"
            "ratio_hl,ratio_ci_low,ratio_ci_high\n");
    for (size_t k = 0; k < c->nrows; k++) {
        const struct cmp_row *r = &c->rows[k];
        /* the names come from the files: quoted (results/output.c's writer) */
        res_csv_field(f, r->mb->name);
        fprintf(f, ",%d,", (int)r->mb->dir);
        res_csv_field(f, r->b->family);
        fputc(',', f);
        res_csv_field(f, r->b->impl);
        fputc(',', f);
        res_csv_field(f, r->b->workload);
        fprintf(f,
                ",%u,%zu,%.10g,%.10g,%.10g,%zu,%.10g,%.10g,%.10g,%.6g,%.6g,%.6g,%d,%s,%.6g,%.6g,"
                "%.6g\n",
                r->b->threads, r->mb->n, r->sb.median, r->sb.ci_low, r->sb.ci_high, r->mn->n,
                r->sn.median, r->sn.ci_low, r->sn.ci_high, r->delta * 100, r->t.p, r->p_adj,
                r->t.exact, cmp_change_name[r->change], r->ratio, r->ratio_lo, r->ratio_hi);
    }
}

static void compare_print_json(FILE *f, const struct cmp *c, int regressions)
{
    json_t *rows = json_array(), *geo = json_array();
    for (size_t k = 0; k < c->nrows; k++) {
        const struct cmp_row *r = &c->rows[k];
        json_t *o = json_pack(
            "{s:s, s:i, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:b, s:s}", "metric", r->mb->name,
            "direction", (int)r->mb->dir, "family", r->b->family, "impl", r->b->impl, "workload",
            r->b->workload, "threads", (int)r->b->threads, "base", res_summary_json(&r->sb), "new",
            res_summary_json(&r->sn), "p", res_json_num(r->t.p), "p_holm", res_json_num(r->p_adj),
            "exact", r->t.exact, "change", cmp_change_name[r->change]);
        json_object_set_new(o, "delta_pct", res_json_num(r->delta * 100));
        json_object_set_new(o, "ratio_hl", res_json_num(r->ratio));
        json_object_set_new(
            o, "ratio_ci",
            json_pack("[o, o]", res_json_num(r->ratio_lo), res_json_num(r->ratio_hi)));
        json_array_append_new(rows, o);
    }
    for (size_t m = 0; m < c->nnames; m++) {
        double g, lo, hi;
        int k = rep_compare_geomean_ci(c, c->names[m], &g, &lo, &hi);
        if (k)
            json_array_append_new(geo,
                                  json_pack("{s:s, s:i, s:o, s:[o, o]}", "metric", c->names[m],
                                            "rows", k, "delta_pct", res_json_num((g - 1) * 100),
                                            "delta_ci_pct", res_json_num((lo - 1) * 100),
                                            res_json_num((hi - 1) * 100)));
    }
    /* paths from the command line may not be UTF-8: res_json_text */
    json_t *j =
        json_pack("{s:s, s:i, s:o, s:o, s:f, s:f, s:s, s:o, s:o, s:O, s:O, s:i}", "schema",
                  "contend-compare", "schema_version", 1, "base", res_json_text(c->base_path),
                  "new", res_json_text(c->new_path), "alpha", c->alpha, "threshold_pct",
                  c->threshold * 100, "test", "mann-whitney-u, holm", "rows", rows, "geomean", geo,
                  "notes", c->notes, "warnings", c->warnings, "regressions", regressions);
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
        rep_compare_print_text(f, c, !strcmp(c->format, "md"));
    return regressions;
}
