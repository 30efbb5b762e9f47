/* Exports: a result file in the input formats of other tools, so their
 * users keep them:
 *   gobench      Go benchmark lines (benchstat), one line per trial
 *   gbench-json  google/benchmark JSON (compare.py, Bencher,
 *                github-action-benchmark): every trial, then aggregates
 *                (or the aggregates only)
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

/* Benchmark<Family>/impl=I[/workload=W]/threads=T: the thread count is a
   sub-benchmark key, as Go names its cases; "-N" after it is GOMAXPROCS. */
static void export_bench_name(const struct rf_cell *c, char *buf, size_t n)
{
    char fam[64], impl[64], wl[128];
    export_go_token(c->family, fam, sizeof fam);
    export_go_token(c->impl, impl, sizeof impl);
    export_go_token(c->workload, wl, sizeof wl);
    if (fam[0] >= 'a' && fam[0] <= 'z') fam[0] = (char)(fam[0] - 'a' + 'A');
    snprintf(buf, n, "%s/impl=%s%s%s/threads=%u", fam, impl, *wl ? "/workload=" : "", wl,
             c->threads);
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
    const json_t *cpus = json_object_get(r->context, "online_cpus");
    char procs[32] = ""; /* Go's "-N" is GOMAXPROCS: here the CPUs the run could use */
    if (json_is_integer(cpus) && json_integer_value(cpus) > 0)
        snprintf(procs, sizeof procs, "-%lld", (long long)json_integer_value(cpus));
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
            fprintf(f, "Benchmark%s%s %lld", name, procs, iters);
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

/* A trial's value of metric name: a field of the trial, or, for a per-op
   counter (cycles_per_op, task_clock_ns_per_op ...), of trial.counters.per_op. */
static int export_trial_value(const json_t *t, const char *name, double *v)
{
    const json_t *x = json_object_get(t, name);
    size_t l = strlen(name);
    if (!x && res_is_counter_metric(name) && l > 7 && !strcmp(name + l - 7, "_per_op")) {
        char ev[64];
        snprintf(ev, sizeof ev, "%.*s", (int)(l - 7), name);
        x = json_object_get(json_object_get(json_object_get(t, "counters"), "per_op"), ev);
    }
    if (!json_is_number(x) || !isfinite(json_number_value(x))) return 0;
    *v = json_number_value(x);
    return 1;
}

static json_t *export_gbench_run(const char *name, size_t family, const struct rf_cell *c,
                                 size_t reps, const char *run_type)
{
    return json_pack("{s:s, s:I, s:i, s:s, s:s, s:I, s:i, s:s}", "name", name, "family_index",
                     (json_int_t)family, "per_family_instance_index", 0, "run_name", name,
                     "run_type", run_type, "repetitions", (json_int_t)reps, "threads",
                     (int)c->threads, "time_unit", "ns");
}

#define EXPORT_CPU "task_clock_ns_per_op" /* the workers' CPU time per op */

/* One iteration entry per trial: real_time is wall ns/op, cpu_time the
   measured CPU ns/op (task-clock), or the real time where none was
   measured (*fallback counts those). */
static void export_gbench_trials(json_t *benches, const char *name, size_t idx,
                                 const struct rf_cell *c, size_t *fallback)
{
    const json_t *trials = json_object_get(c->json, "trials"), *t;
    size_t k, reps = json_array_size(trials);
    json_array_foreach(trials, k, t)
    {
        json_t *b = export_gbench_run(name, idx, c, reps, "iteration");
        double ns = NAN, ops = 1, cpu;
        export_trial_value(t, "ns_per_op", &ns);
        export_trial_value(t, "ops", &ops);
        if (!export_trial_value(t, EXPORT_CPU, &cpu)) cpu = ns, ++*fallback;
        json_object_set_new(b, "repetition_index", json_integer((json_int_t)k));
        json_object_set_new(b, "iterations",
                            json_integer(ops >= 1 && ops < 9e18 ? (json_int_t)ops : 1));
        json_object_set_new(b, "real_time", res_json_num(ns));
        json_object_set_new(b, "cpu_time", res_json_num(cpu));
        for (size_t m = 0; m < c->nmetrics; m++) { /* user counters */
            const char *mn = c->metrics[m].name;
            double v;
            if (c->metrics[m].dir == DIR_NONE || !strcmp(mn, "ns_per_op")
                || !export_trial_value(t, mn, &v))
                continue;
            json_object_set_new(b, !strcmp(mn, "ops_per_s") ? "items_per_second" : mn,
                                res_json_num(v));
        }
        json_array_append_new(benches, b);
    }
}

/* Aggregates over the trials (at least min_trials): mean, median, stddev. */
static void export_gbench_aggregates(json_t *benches, const char *name, size_t idx,
                                     const struct rf_cell *c, size_t min_trials, size_t *fallback)
{
    static const char *const aggs[] = { "mean", "median", "stddev" };
    const struct rf_metric *cpu = res_cell_metric(c, EXPORT_CPU);
    for (size_t a = 0; a < 3 && c->ntrials >= min_trials; a++) {
        char an[320];
        snprintf(an, sizeof an, "%s_%s", name, aggs[a]);
        json_t *b = export_gbench_run(an, idx, c, c->ntrials, "aggregate");
        json_object_set_new(b, "run_name", json_string(name));
        json_object_set_new(b, "aggregate_name", json_string(aggs[a]));
        json_object_set_new(b, "aggregate_unit", json_string("time"));
        json_object_set_new(b, "iterations", json_integer((json_int_t)c->ntrials));
        for (size_t m = 0; m < c->nmetrics; m++) {
            const struct rf_metric *mt = &c->metrics[m];
            int is_ns = !strcmp(mt->name, "ns_per_op");
            if ((mt->dir == DIR_NONE && !is_ns) || !mt->n) continue;
            struct lab_summary s;
            lab_summarize(mt->v, mt->n, &s);
            double v = a == 0 ? s.mean : a == 1 ? s.median : s.cv * fabs(s.mean);
            if (is_ns) {
                json_object_set_new(b, "real_time", res_json_num(v));
                if (!cpu || !cpu->n)
                    json_object_set_new(b, "cpu_time", res_json_num(v)), ++*fallback;
            } else if (mt == cpu) {
                json_object_set_new(b, "cpu_time", res_json_num(v));
            } else {
                json_object_set_new(b,
                                    !strcmp(mt->name, "ops_per_s") ? "items_per_second" : mt->name,
                                    res_json_num(v));
            }
        }
        json_array_append_new(benches, b);
    }
}

static json_t *export_gbench(const struct rf_result *r, int aggregates_only)
{
    json_t *ctx =
        json_pack("{s:s?, s:s?, s:s, s:I, s:b, s:s}", "date", rep_ctx_str(r, "date"), "host_name",
                  rep_ctx_str(r, "host"), "executable", "contend", "num_cpus",
                  (json_int_t)json_integer_value(
                      r->context ? json_object_get(r->context, "online_cpus") : NULL),
                  "cpu_scaling_enabled",
                  json_is_string(r->context ? json_object_get(r->context, "governor") : NULL)
                      && strcmp(rep_ctx_str(r, "governor"), "performance") != 0,
                  "library_build_type", "release");
    if (!ctx) return NULL;
    const json_t *load = r->context ? json_object_get(r->context, "loadavg") : NULL;
    if (json_is_array(load)) json_object_set(ctx, "load_avg", (json_t *)load);
    json_object_set_new(ctx, "caches", json_array());
    json_object_set_new(ctx, "mhz_per_cpu", json_integer(0));
    if (r->context) json_object_set(ctx, "contend", (json_t *)r->context);
    json_t *benches = json_array();
    size_t fallback = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        char name[300];
        if (*c->workload)
            snprintf(name, sizeof name, "%s/%s/%s/threads:%u", c->family, c->impl, c->workload,
                     c->threads);
        else
            snprintf(name, sizeof name, "%s/%s/threads:%u", c->family, c->impl, c->threads);
        if (!aggregates_only) export_gbench_trials(benches, name, i, c, &fallback);
        /* with the trials, aggregates of 2 or more (as google/benchmark);
           alone, of any number */
        export_gbench_aggregates(benches, name, i, c, aggregates_only ? 1 : 2, &fallback);
    }
    json_object_set_new(
        ctx, "contend_cpu_time",
        json_string(fallback ? "cpu_time is the real time where CPU time was not measured "
                               "(counters off or unavailable): it is not CPU time there"
                             : "cpu_time: the worker threads' CPU time per op (task-clock)"));
    return json_pack("{s:o, s:o}", "context", ctx, "benchmarks", benches);
}

json_t *rep_export_gbench(const struct rf_result *r) { return export_gbench(r, 0); }

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

/* One line per trial, one column per metric that some trial has (counters
   included, from trial.counters.per_op); a metric a trial lacks is empty. */
static void export_trials_csv(FILE *f, const struct rf_result *r)
{
    const char *names[256];
    size_t nn = export_all_metrics(r, names, 256);
    unsigned char used[256] = { 0 };
    for (size_t i = 0; i < r->ncells; i++) {
        const json_t *trials = json_object_get(r->cells[i].json, "trials"), *t;
        size_t k;
        double v;
        json_array_foreach(trials, k, t) for (size_t m = 0; m < nn; m++) used[m] |=
            export_trial_value(t, names[m], &v);
    }
    fprintf(f, "family,impl,workload,threads,trial");
    for (size_t m = 0; m < nn; m++)
        if (used[m]) {
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
                double v;
                if (!used[m]) continue;
                if (export_trial_value(t, names[m], &v))
                    fprintf(f, ",%.10g", v);
                else
                    fputc(',', f); /* not measured in this trial */
            }
            fputc('\n', f);
        }
    }
}

/* The summary's rows of r; with a run label (a reproduction's part and
   runner), that label first. */
static void export_summary_rows(FILE *f, const struct rf_result *r, const char *run)
{
    for (size_t i = 0; i < r->ncells; i++)
        for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
            const struct rf_metric *mt = &r->cells[i].metrics[m];
            struct lab_summary s;
            if (!mt->n) continue;
            lab_summarize(mt->v, mt->n, &s);
            if (run) {
                res_csv_field(f, run);
                fputc(',', f);
            }
            export_csv_cell_key(f, &r->cells[i]);
            fputc(',', f);
            res_csv_field(f, mt->name);
            fprintf(f, ",%d,%zu,%.10g,%.10g,%.10g,%.4f,%.10g,%.10g,%.10g,%.6g,%d\n", (int)mt->dir,
                    s.n, s.median, s.ci_low, s.ci_high, s.ci_level, s.min, s.max, s.mean, s.cv,
                    s.unstable);
        }
}

static const char export_summary_head[] = "family,impl,workload,threads,metric,direction,n,median,"
                                          "ci_low,ci_high,ci_level,min,max,mean,cv,unstable\n";

static void export_summary_csv(FILE *f, const struct rf_result *r)
{
    fputs(export_summary_head, f);
    export_summary_rows(f, r, NULL);
}

/* What export_emit writes: one result in a format (fn), or the summaries
   of several runs with a first column naming each (fn NULL). */
struct export_job {
    void (*fn)(FILE *, const struct rf_result *);
    const struct rf_result *const *r;
    const char *const *run;
    size_t nr;
};

static void export_job_write(FILE *f, const struct export_job *j)
{
    if (j->fn) {
        j->fn(f, j->r[0]);
        return;
    }
    fprintf(f, "run,%s", export_summary_head);
    for (size_t i = 0; i < j->nr; i++) export_summary_rows(f, j->r[i], j->run[i]);
}

/* Writes the job into memory, then path atomically (or stdout if NULL). */
static int export_emit(const char *path, const struct export_job *j, char *err, size_t n)
{
    if (!path) {
        export_job_write(stdout, j);
        return fflush(stdout) ? -EIO : 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    export_job_write(m, j);
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

int rep_export_flags(const struct rf_result *r, const char *format, unsigned flags,
                     const char *path, char *err, size_t n)
{
    if ((flags & REP_EXPORT_AGGREGATES) && strcmp(format, "gbench-json")) {
        snprintf(err, n, "--aggregates-only: only for --format gbench-json");
        return -EINVAL;
    }
    if (!strcmp(format, "gbench-json")) {
        json_t *j = export_gbench(r, (flags & REP_EXPORT_AGGREGATES) != 0);
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
            return export_emit(path, &(struct export_job){ export_formats[i].fn, &r, NULL, 1 }, err,
                               n);
    snprintf(err, n, "--format: '%s' is not one of gobench, gbench-json, csv, csv-summary", format);
    return -EINVAL;
}

int rep_export(const struct rf_result *r, const char *format, const char *path, char *err, size_t n)
{
    return rep_export_flags(r, format, 0, path, err, n);
}

int rep_export_summary_csv(const char *path, const struct rf_result *r, char *err, size_t n)
{
    return export_emit(path, &(struct export_job){ export_summary_csv, &r, NULL, 1 }, err, n);
}

int rep_export_summary_runs(const char *path, const struct rf_result *const *r,
                            const char *const *run, size_t nr, char *err, size_t n)
{
    return export_emit(path, &(struct export_job){ NULL, r, run, nr }, err, n);
}
