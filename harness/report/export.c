/* Exports: a result file in the input formats of other tools, so their
 * users keep them:
 *   gobench      Go benchmark lines (benchstat), one line per trial
 *   gbench-json  google/benchmark JSON (compare.py, Bencher,
 *                github-action-benchmark): every trial, then aggregates
 *   csv          trials and per-cell summaries (gnuplot, spreadsheets) */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "results.h"
#include "view.h"

/* ns_per_op -> ns/op, bytes_per_op -> B/op, ops_per_s -> ops/s, a_b -> a-b */
static void export_go_unit(const char *metric, char *buf, size_t n)
{
    if (!strcmp(metric, "bytes_per_op")) {
        snprintf(buf, n, "B/op");
        return;
    }
    const char *p = strstr(metric, "_per_");
    if (p)
        snprintf(buf, n, "%.*s/%s", (int)(p - metric), metric, p + 5);
    else
        snprintf(buf, n, "%s", metric);
    for (char *q = buf; *q; q++)
        if (*q == '_') *q = '-';
}

/* Copies s with every byte that is not a visible ASCII character, and
   every '-' (Go reads the last one as the GOMAXPROCS suffix), as '_'. */
static void export_go_token(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++) buf[k++] = (*s > ' ' && *s < 127 && *s != '-') ? *s : '_';
    buf[k] = '\0';
}

static void export_bench_name(const struct rf_cell *c, char *buf, size_t n)
{
    char fam[64], impl[64], wl[128];
    export_go_token(c->family, fam, sizeof fam);
    export_go_token(c->impl, impl, sizeof impl);
    export_go_token(c->workload, wl, sizeof wl);
    if (fam[0] >= 'a' && fam[0] <= 'z') fam[0] = (char)(fam[0] - 'a' + 'A');
    snprintf(buf, n, "%s/impl=%s%s%s", fam, impl, *wl ? "/workload=" : "", wl);
}

/* A context string, "" when the file has none (the context is optional). */
static const char *export_ctx(const struct rf_result *r, const char *key)
{
    const char *s = rep_ctx_str(r, key);
    return s ? s : "";
}

static void export_gobench(FILE *f, const struct rf_result *r)
{
    static const char *const keys[] = { "commit", "host", "kernel", "compiler", "date" };
    fprintf(f, "goos: linux\npkg: contend\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char v[200];
        export_go_token(export_ctx(r, keys[i]), v, sizeof v);
        if (*v) fprintf(f, "contend-%s: %s\n", keys[i], v);
    }
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        char name[300];
        export_bench_name(c, name, sizeof name);
        const json_t *trials = json_object_get(c->json, "trials"), *t;
        size_t k;
        json_array_foreach(trials, k, t)
        {
            const json_t *ops = json_object_get(t, "ops");
            long long iters = json_is_integer(ops) && json_integer_value(ops) > 0
                ? (long long)json_integer_value(ops)
                : 1;
            fprintf(f, "Benchmark%s-%u %lld", name, c->threads, iters);
            /* ns/op first, as Go writes it; then every other directed metric */
            const json_t *ns = json_object_get(t, "ns_per_op");
            if (json_is_number(ns)) fprintf(f, " %.6g ns/op", json_number_value(ns));
            for (size_t m = 0; m < c->nmetrics; m++) {
                const char *mn = c->metrics[m].name;
                const json_t *v = json_object_get(t, mn);
                if (c->metrics[m].dir == DIR_NONE || !strcmp(mn, "ns_per_op") || !json_is_number(v))
                    continue;
                char unit[80];
                export_go_unit(mn, unit, sizeof unit);
                fprintf(f, " %.6g %s", json_number_value(v), unit);
            }
            fputc('\n', f);
        }
    }
}

static double export_trial_num(const json_t *t, const char *key, double dflt)
{
    const json_t *v = json_object_get(t, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static json_t *export_gbench_run(const char *name, size_t family, const struct rf_cell *c,
                                 size_t reps, const char *run_type)
{
    return json_pack("{s:s, s:I, s:i, s:s, s:s, s:I, s:i, s:s}", "name", name, "family_index",
                     (json_int_t)family, "per_family_instance_index", 0, "run_name", name,
                     "run_type", run_type, "repetitions", (json_int_t)reps, "threads",
                     (int)c->threads, "time_unit", "ns");
}

json_t *rep_export_gbench(const struct rf_result *r)
{
    json_t *ctx =
        json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "date", export_ctx(r, "date"), "host_name",
                  export_ctx(r, "host"), "executable", "contend", "num_cpus",
                  (json_int_t)json_integer_value(
                      r->context ? json_object_get(r->context, "online_cpus") : NULL),
                  "cpu_scaling_enabled",
                  json_is_string(r->context ? json_object_get(r->context, "governor") : NULL)
                      && strcmp(rep_ctx_str(r, "governor"), "performance") != 0,
                  "library_build_type", "release");
    const json_t *load = r->context ? json_object_get(r->context, "loadavg") : NULL;
    if (json_is_array(load)) json_object_set(ctx, "load_avg", (json_t *)load);
    json_object_set_new(ctx, "caches", json_array());
    json_object_set_new(ctx, "mhz_per_cpu", json_integer(0));
    if (r->context) json_object_set(ctx, "contend", (json_t *)r->context);
    json_t *benches = json_array();
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        char name[300];
        if (*c->workload)
            snprintf(name, sizeof name, "%s/%s/%s/threads:%u", c->family, c->impl, c->workload,
                     c->threads);
        else
            snprintf(name, sizeof name, "%s/%s/threads:%u", c->family, c->impl, c->threads);
        const json_t *trials = json_object_get(c->json, "trials"), *t;
        size_t k, reps = json_array_size(trials);
        json_array_foreach(trials, k, t)
        {
            json_t *b = export_gbench_run(name, i, c, reps, "iteration");
            double ns = export_trial_num(t, "ns_per_op", NAN), ops = export_trial_num(t, "ops", 1);
            json_object_set_new(b, "repetition_index", json_integer((json_int_t)k));
            /* the reader bounds ops to 1e18, well inside int64 */
            json_object_set_new(b, "iterations",
                                json_integer(ops >= 1 && ops <= 1e18 ? (json_int_t)ops : 1));
            json_object_set_new(b, "real_time", res_json_num(ns));
            json_object_set_new(b, "cpu_time", res_json_num(ns));
            for (size_t m = 0; m < c->nmetrics; m++) { /* user counters */
                const char *mn = c->metrics[m].name;
                if (c->metrics[m].dir == DIR_NONE || !strcmp(mn, "ns_per_op")) continue;
                const json_t *v = json_object_get(t, mn);
                if (json_is_number(v))
                    json_object_set_new(b, !strcmp(mn, "ops_per_s") ? "items_per_second" : mn,
                                        res_json_num(json_number_value(v)));
            }
            json_array_append_new(benches, b);
        }
        /* aggregates over the trials: mean, median, stddev */
        static const char *const aggs[] = { "mean", "median", "stddev" };
        for (size_t a = 0; a < 3 && reps > 1; a++) {
            char an[320];
            snprintf(an, sizeof an, "%s_%s", name, aggs[a]);
            json_t *b = export_gbench_run(an, i, c, reps, "aggregate");
            json_object_set_new(b, "run_name", json_string(name));
            json_object_set_new(b, "aggregate_name", json_string(aggs[a]));
            json_object_set_new(b, "aggregate_unit", json_string("time"));
            json_object_set_new(b, "iterations", json_integer((json_int_t)reps));
            for (size_t m = 0; m < c->nmetrics; m++) {
                const struct rf_metric *mt = &c->metrics[m];
                int is_ns = !strcmp(mt->name, "ns_per_op");
                if ((mt->dir == DIR_NONE && !is_ns) || !mt->n) continue;
                struct lab_summary s;
                lab_summarize(mt->v, mt->n, &s);
                double v = a == 0 ? s.mean : a == 1 ? s.median : s.cv * fabs(s.mean);
                if (is_ns) {
                    json_object_set_new(b, "real_time", res_json_num(v));
                    json_object_set_new(b, "cpu_time", res_json_num(v));
                } else {
                    json_object_set_new(
                        b, !strcmp(mt->name, "ops_per_s") ? "items_per_second" : mt->name,
                        res_json_num(v));
                }
            }
            json_array_append_new(benches, b);
        }
    }
    return json_pack("{s:o, s:o}", "context", ctx, "benchmarks", benches);
}

/* The union of the metric names of every cell, in first-seen order. */
static size_t export_all_metrics(const struct rf_result *r, const char **names, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++)
        for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
            const char *nm = r->cells[i].metrics[m].name;
            size_t j = 0;
            while (j < k && strcmp(names[j], nm)) j++;
            if (j == k && k < max) names[k++] = nm;
        }
    return k;
}

static void export_csv_cell_key(FILE *f, const struct rf_cell *c)
{
    res_csv_field(f, c->family);
    fputc(',', f);
    res_csv_field(f, c->impl);
    fputc(',', f);
    res_csv_field(f, c->workload);
    fprintf(f, ",%u", c->threads);
}

static void export_trials_csv(FILE *f, const struct rf_result *r)
{
    const char *names[256];
    size_t nn = export_all_metrics(r, names, 256);
    fprintf(f, "family,impl,workload,threads,trial");
    for (size_t m = 0; m < nn; m++) {
        fputc(',', f);
        res_csv_field(f, names[m]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < r->ncells; i++) {
        const json_t *trials = json_object_get(r->cells[i].json, "trials"), *t;
        size_t k;
        json_array_foreach(trials, k, t)
        {
            export_csv_cell_key(f, &r->cells[i]);
            fprintf(f, ",%zu", k);
            for (size_t m = 0; m < nn; m++) {
                const json_t *v = json_object_get(t, names[m]);
                if (json_is_number(v))
                    fprintf(f, ",%.10g", json_number_value(v));
                else
                    fputc(',', f); /* empty: not measured */
            }
            fputc('\n', f);
        }
    }
}

static void export_summary_csv(FILE *f, const struct rf_result *r)
{
    fprintf(f,
            "family,impl,workload,threads,metric,direction,n,median,ci_low,ci_high,ci_level,"
            "min,max,mean,cv,unstable\n");
    for (size_t i = 0; i < r->ncells; i++)
        for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
            const struct rf_metric *mt = &r->cells[i].metrics[m];
            struct lab_summary s;
            if (!mt->n) continue;
            lab_summarize(mt->v, mt->n, &s);
            export_csv_cell_key(f, &r->cells[i]);
            fputc(',', f);
            res_csv_field(f, mt->name);
            fprintf(f, ",%d,%zu,%.10g,%.10g,%.10g,%.4f,%.10g,%.10g,%.10g,%.6g,%d\n", (int)mt->dir,
                    s.n, s.median, s.ci_low, s.ci_high, s.ci_level, s.min, s.max, s.mean, s.cv,
                    s.unstable);
        }
}

/* Runs fn into memory, then writes path atomically (or stdout if NULL). */
static int export_emit(const char *path, void (*fn)(FILE *, const struct rf_result *),
                       const struct rf_result *r, char *err, size_t n)
{
    if (!path) {
        fn(stdout, r);
        return fflush(stdout) ? -EIO : 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    fn(m, r);
    fclose(m);
    int rc = res_write_file_atomic(path, buf, len, err, n);
    free(buf);
    return rc;
}

/* name -> writer; gbench-json is built as JSON, the others as text. */
static const struct {
    const char *name;
    void (*fn)(FILE *, const struct rf_result *);
} export_formats[] = {
    { "gobench", export_gobench },
    { "csv", export_trials_csv },
    { "csv-summary", export_summary_csv },
    { "gbench-json", NULL },
};

int rep_export_known(const char *format)
{
    for (size_t i = 0; i < sizeof export_formats / sizeof *export_formats; i++)
        if (!strcmp(export_formats[i].name, format)) return 1;
    return 0;
}

int rep_export(const struct rf_result *r, const char *format, const char *path, char *err, size_t n)
{
    if (!strcmp(format, "gbench-json")) {
        json_t *j = rep_export_gbench(r);
        int rc = 0;
        if (!j) {
            snprintf(err, n, "out of memory");
            return -ENOMEM;
        }
        if (path)
            rc = res_write_json_atomic(path, j, err, n);
        else if (json_dumpf(j, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(10))
                 || putchar('\n') == EOF)
            rc = -EIO;
        json_decref(j);
        return rc;
    }
    for (size_t i = 0; i < sizeof export_formats / sizeof *export_formats; i++)
        if (!strcmp(export_formats[i].name, format))
            return export_emit(path, export_formats[i].fn, r, err, n);
    snprintf(err, n, "--format: '%s' is not one of gobench, gbench-json, csv, csv-summary", format);
    return -EINVAL;
}

int rep_export_summary_csv(const char *path, const struct rf_result *r, char *err, size_t n)
{
    return export_emit(path, export_summary_csv, r, err, n);
}
