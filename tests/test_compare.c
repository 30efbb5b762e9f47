/* The result-file reader, `contend compare` and `contend export`, driven
 * through the real binary on tiny runs. These check what is detected and
 * written, never how fast anything is. */
#include <jansson.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resultfile.h"
#include "testutil.h"

static char dir[] = "/tmp/contend-cmp-XXXXXX";

static void make_dir(void) { cr_assert_not_null(mkdtemp(dir)); }
static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static const char *path(const char *name)
{
    static char buf[32][300]; /* distinct for 32 calls */
    static int k;
    k = (k + 1) % 32;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* A tiny real run of batcher/spin: --sink-cost NS, --threads T. */
static const char *make_run(const char *name, const char *sink, const char *threads)
{
    const char *out = path(name);
    const char *args[] = { "run",   "--impl",  "spin",   "--threads", threads,
                           "--ops", "200000",  "--reps", "5",         "--sink-cost",
                           sink,    "--quiet", "--out",  out,         NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0, "run: %s", r.err);
    return out;
}

static void write_text(const char *p, const char *s)
{
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(s, f);
    fclose(f);
}

static struct proc_result *compare(const char *a, const char *b, const char *format)
{
    static struct proc_result r;
    const char *args[] = { "compare", a, b, "--format", format, NULL };
    cr_assert_eq(run_contend(&r, args), 0);
    return &r;
}

TestSuite(compare, .init = make_dir, .fini = remove_dir);

Test(compare, self_is_unchanged)
{
    const char *a = make_run("a.json", "0", "2");
    struct proc_result *r = compare(a, a, "text");
    cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
    int rows = 0;
    for (char *line = strtok(r->out, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "batcher/", 8) == 0) {
            rows++;
            cr_expect(strstr(line, " ~ "), "not '~': %s", line);
        }
    cr_expect_eq(rows, 1, "one row (ops_per_s of batcher/spin/threads=2)");
    r = compare(a, a, "csv");
    cr_expect_eq(r->status, 0);
    cr_expect(strstr(r->out, ",~,") && !strstr(r->out, "worse") && !strstr(r->out, "better"), "%s",
              r->out);
}

Test(compare, slowdown_is_a_regression)
{
    const char *a = make_run("a.json", "0", "2"), *b = make_run("b.json", "20000", "2");
    struct proc_result *r = compare(a, b, "text");
    cr_expect_eq(r->status, 1, "exit %d: %s %s", r->status, r->out, r->err);
    cr_expect(strstr(r->out, "worse"), "%s", r->out);
    cr_expect(strstr(r->out, "sink_cost 0 -> 20000"), "config difference noted: %s", r->out);
    cr_expect(strstr(r->err, "confirmed regression"), "%s", r->err);
    /* the other way round it is an improvement, not a regression */
    r = compare(b, a, "json");
    cr_expect_eq(r->status, 0, "exit %d: %s", r->status, r->err);
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    cr_assert_not_null(j, "compare --format json: %s", je.text);
    json_t *row = json_array_get(json_object_get(j, "rows"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(row, "change")), "better");
    /* the interval agrees with the verdict: it excludes no change */
    double lo = json_number_value(json_array_get(json_object_get(row, "ratio_ci"), 0));
    cr_expect_gt(lo, 1, "a confirmed improvement's interval lies above 1: %g", lo);
    cr_expect_eq(json_integer_value(json_object_get(j, "regressions")), 0);
    cr_expect(json_is_array(json_object_get(j, "geomean")));
    json_decref(j);
    r = compare(a, b, "md");
    cr_expect_eq(r->status, 1);
    cr_expect(strstr(r->out, "| benchmark |") && strstr(r->out, "geomean"), "%s", r->out);
    /* what a reviewer acts on comes first, worded from the test */
    cr_expect(!strncmp(r->out, "**contend compare: 1 confirmed regression(s)**", 46), "%s", r->out);
    cr_expect(strstr(r->out, "1 confirmed regression(s), 0 confirmed improvement(s)"), "%s",
              r->out);
    cr_expect(strstr(r->out, "geomean of new/base") && strstr(r->out, "95% bootstrap CI"), "%s",
              r->out);
}

Test(compare, too_few_trials_warns)
{
    const char *out = path("n3.json");
    const char *args[] = { "run",    "--impl", "spin",    "--threads", "2", "--ops", "20000",
                           "--reps", "3",      "--quiet", "--out",     out, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    struct proc_result *c = compare(out, out, "text");
    cr_expect_eq(c->status, 0);
    cr_expect(strstr(c->err, "no change can be significant"), "%s", c->err);
    /* the Markdown (a pull-request comment) shows the warning itself */
    c = compare(out, out, "md");
    cr_expect(strstr(c->out, "**Warning: with n=3+3 trials"), "%s", c->out);
    cr_expect(strstr(c->out, "too few trials for any change to be confirmed"), "%s", c->out);
    cr_expect(!strstr(c->out, "unchanged"), "%s", c->out);
}

/* B/op and allocs/op of 0 in every trial of both files: no row, no Holm. */
Test(compare, constant_metrics_stay_out_of_holm)
{
    const char *out = path("store.json");
    const char *args[] = { "run", "--family", "store", "--impl", "memory", "--threads",
                           "1,2", "--ops",    "2000",  "--keys", "1000",   "--reps",
                           "5",   "--quiet",  "--out", out,      NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    struct proc_result *c = compare(out, out, "json");
    json_error_t je;
    json_t *j = json_loads(c->out, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    size_t i, rows = json_array_size(json_object_get(j, "rows"));
    json_t *row;
    json_array_foreach(json_object_get(j, "rows"), i, row)
    {
        const char *m = json_string_value(json_object_get(row, "metric"));
        cr_expect(strcmp(m, "bytes_per_op") && strcmp(m, "allocs_per_op"), "%s is a row", m);
    }
    /* 0 in a plain build; under the sanitizers a thread's start-up blocks
       count too (lib/lab_alloc.h), a constant that is not 0 */
    cr_expect(strstr(c->out, "bytes_per_op: 0 in every trial of both files")
                  || strstr(c->out, "bytes_per_op: 2 row(s) with one value in every trial"),
              "%s", c->out);
    json_decref(j);
    c = compare(out, out, "text");
    char holm[64];
    snprintf(holm, sizeof holm, "Holm over %zu rows", rows);
    cr_expect(strstr(c->out, holm), "%s", c->out);
}

/* Each must exit 2 with exactly one line on stderr. */
Test(compare, bad_input_exits_2)
{
    const char *a = make_run("a.json", "0", "2");
    const char *other = make_run("t1.json", "0", "1"); /* threads=1: nothing in common */
    FILE *f = fopen(a, "r");
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n / 2] = '\0';
    write_text(path("trunc.json"), buf);
    write_text(path("foreign.json"), "{\"benchmarks\": [], \"context\": {}}\n");
    write_text(path("array.json"), "[1, 2, 3]\n");
    write_text(path("empty.json"), "");
    json_t *j = json_load_file(a, 0, NULL);
    cr_assert_not_null(j);
    json_object_set_new(j, "schema_version", json_integer(99));
    json_dump_file(j, path("v99.json"), 0);
    json_object_set_new(j, "schema", json_string("other-tool"));
    json_object_set_new(j, "schema_version", json_integer(1));
    json_dump_file(j, path("schema.json"), 0);
    json_decref(j);
    const char *bad[][2] = {
        { a, path("missing.json") }, { path("trunc.json"), a },
        { a, path("foreign.json") }, { a, path("array.json") },
        { path("empty.json"), a },   { a, path("v99.json") },
        { path("schema.json"), a },  { a, other },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct proc_result *r = compare(bad[i][0], bad[i][1], "text");
        cr_expect_eq(r->status, 2, "%s vs %s: exit %d", bad[i][0], bad[i][1], r->status);
        cr_expect_eq(count_lines(r->err), 1, "%s vs %s: %s", bad[i][0], bad[i][1], r->err);
    }
    const char *opts[][6] = { { "compare", a, NULL },
                              { "compare", a, a, "--alpha", "2", NULL },
                              { "compare", a, a, "--format", "xml", NULL },
                              { "compare", a, a, "--threshold", "x%", NULL } };
    for (size_t i = 0; i < 4; i++) {
        struct proc_result r;
        cr_assert_eq(run_contend(&r, opts[i]), 0);
        cr_expect_eq(r.status, 2, "option case %zu", i);
        cr_expect_eq(count_lines(r.err), 1, "option case %zu: %s", i, r.err);
    }
}

static int parse(const char *s, struct rf_result *r, char *err)
{
    return res_parse(s, strlen(s), "t", r, err, ERRLEN);
}

Test(resultfile, tolerates_unknown_fields_and_reads_any_metric)
{
    const char *s =
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"future\":{\"x\":[1]},"
        "\"cells\":[{\"family\":\"store\",\"impl\":\"shard\",\"threads\":4,\"workload\":\"hot\","
        "\"extra\":true,\"trials\":[{\"read_ns_per_op\":10.5,\"bytes_per_op\":0,\"tag\":\"x\"},"
        "{\"read_ns_per_op\":11,\"bytes_per_op\":1}]}]}";
    struct rf_result r;
    char err[ERRLEN] = "";
    cr_assert_eq(parse(s, &r, err), 0, "%s", err);
    cr_assert_eq(r.ncells, 1);
    const struct rf_metric *m = res_cell_metric(&r.cells[0], "read_ns_per_op");
    cr_assert_not_null(m);
    cr_expect(m->n == 2 && m->v[1] == 11 && m->dir == DIR_LOWER);
    cr_expect_eq(res_cell_metric(&r.cells[0], "bytes_per_op")->dir, DIR_LOWER);
    cr_expect_null(res_cell_metric(&r.cells[0], "tag"));
    cr_expect_str_eq(r.cells[0].workload, "hot");
    res_free(&r);
    cr_expect_eq(res_metric_direction("ops_per_s"), DIR_HIGHER);
    cr_expect_eq(res_metric_direction("allocs_per_op"), DIR_LOWER);
    cr_expect_eq(res_metric_direction("flush_ms"), DIR_LOWER);
    cr_expect_eq(res_metric_direction("jain"), DIR_NONE);
}

Test(resultfile, rejects_hostile_input_with_one_line)
{
    static const char *const bad[] = {
        "",
        "{",
        "null",
        "[]",
        "\"contend-result\"",
        "{\"schema\":1}",
        "{\"schema\":\"contend-result\"}",
        "{\"schema\":\"contend-result\",\"schema_version\":\"1\",\"cells\":[]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1.0,\"cells\":[]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":{}}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[1]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[{\"family\":\"b\","
        "\"impl\":\"x\",\"threads\":-1,\"trials\":[]}]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[{\"family\":\"b\","
        "\"impl\":\"x\",\"threads\":99999999999999999999,\"trials\":[]}]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[{\"family\":\"b\","
        "\"impl\":7,\"threads\":1,\"trials\":[]}]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[{\"family\":\"b\","
        "\"impl\":\"x\",\"threads\":1,\"trials\":[3]}]}",
        "{\"schema\":\"contend-result\",\"schema_version\":1,\"cells\":[{\"family\":\"b\","
        "\"impl\":\"x\",\"threads\":1,\"trials\":[]},{\"family\":\"b\",\"impl\":\"x\","
        "\"threads\":1,\"trials\":[]}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rf_result r;
        char err[ERRLEN] = "";
        cr_expect_eq(parse(bad[i], &r, err), -EINVAL, "accepted: %s", bad[i]);
        cr_expect(err[0] && !strchr(err, '\n'), "case %zu: '%s'", i, err);
        cr_expect_null(r.root);
    }
    struct rf_result r;
    char err[ERRLEN];
    cr_expect_eq(res_parse("\0\xff", 2, "bin", &r, err, ERRLEN), -EINVAL);
}

/* Exports a tiny run as format (to out, or stdout when out is NULL). */
static const char *export_run(const char *format, const char *out, struct proc_result *r)
{
    const char *a = make_run("a.json", "0", "2");
    const char *args[] = { "export", a, "--format", format, out ? "--out" : NULL, out, NULL };
    cr_assert_eq(run_contend(r, args), 0);
    cr_assert_eq(r->status, 0, "export %s: %s", format, r->err);
    return a;
}

Test(compare, export_gbench_json)
{
    const char *g = path("g.json");
    struct proc_result r;
    export_run("gbench-json", g, &r);
    json_error_t je;
    json_t *j = json_load_file(g, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    json_t *ctx = json_object_get(j, "context"), *benches = json_object_get(j, "benchmarks");
    cr_assert(json_is_object(ctx) && json_is_array(benches));
    cr_expect(json_object_get(ctx, "date") && json_object_get(ctx, "num_cpus")
              && json_object_get(ctx, "host_name"));
    size_t i, iters = 0, aggs = 0;
    json_t *b;
    static const char *const keys[] = { "name",      "run_name",        "run_type",  "repetitions",
                                        "threads",   "iterations",      "real_time", "cpu_time",
                                        "time_unit", "items_per_second" };
    json_array_foreach(benches, i, b)
    {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            cr_expect(json_object_get(b, keys[k]), "benchmark %zu lacks %s", i, keys[k]);
        const char *rt = json_string_value(json_object_get(b, "run_type"));
        cr_assert_not_null(rt);
        if (!strcmp(rt, "iteration")) {
            iters++;
            cr_expect(json_is_integer(json_object_get(b, "repetition_index")));
            cr_expect(json_is_real(json_object_get(b, "real_time")));
        } else {
            aggs++;
            cr_expect(json_is_string(json_object_get(b, "aggregate_name")));
        }
        cr_expect_str_eq(json_string_value(json_object_get(b, "time_unit")), "ns");
    }
    cr_expect_eq(iters, 5);
    cr_expect_eq(aggs, 3, "mean, median, stddev");
    /* cpu_time is the measured CPU time (task-clock) per op, or says it is not */
    json_t *res = json_load_file(path("a.json"), 0, &je), *first = json_array_get(benches, 0);
    cr_assert_not_null(res);
    json_t *t0 = json_array_get(
        json_object_get(json_array_get(json_object_get(res, "cells"), 0), "trials"), 0);
    json_t *cpu = json_object_get(json_object_get(json_object_get(t0, "counters"), "per_op"),
                                  "task_clock_ns");
    const char *note = json_string_value(json_object_get(ctx, "contend_cpu_time"));
    cr_assert_not_null(note);
    if (json_is_number(cpu)) {
        cr_expect_float_eq(json_number_value(json_object_get(first, "cpu_time")),
                           json_number_value(cpu), 1e-9);
        cr_expect(strstr(note, "task-clock"), "%s", note);
    } else {
        cr_expect_float_eq(json_number_value(json_object_get(first, "cpu_time")),
                           json_number_value(json_object_get(first, "real_time")), 1e-9);
        cr_expect(strstr(note, "not CPU time"), "%s", note);
    }
    json_decref(res);
    json_decref(j);
    /* aggregates only: what github-action-benchmark reads */
    struct proc_result a;
    run_contend(&a,
                (const char *[]){ "export", path("a.json"), "--format", "gbench-json",
                                  "--aggregates-only", NULL });
    cr_assert_eq(a.status, 0, "%s", a.err);
    j = json_loads(a.out, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    json_array_foreach(json_object_get(j, "benchmarks"), i, b)
        cr_expect_str_eq(json_string_value(json_object_get(b, "run_type")), "aggregate");
    cr_expect_eq(json_array_size(json_object_get(j, "benchmarks")), 3);
    json_decref(j);
    run_contend(&a,
                (const char *[]){ "export", path("a.json"), "--format", "gobench",
                                  "--aggregates-only", NULL });
    cr_expect_eq(a.status, 2, "gbench-json only");
}

Test(compare, export_gobench_grammar)
{
    struct proc_result r;
    export_run("gobench", NULL, &r);
    /* golang.org/x/perf/benchfmt: a benchmark line is "Benchmark" + a name not
       starting with a lower-case letter, an iteration count, then value-unit
       pairs; a configuration line is "key: value" with a lower-case key. */
    regex_t bench, conf;
    cr_assert_eq(
        regcomp(&bench,
                "^Benchmark[^a-z[:space:]][^[:space:]]*-[0-9]+"
                "([ \t]+[0-9]+)([ \t]+[-+]?[0-9.]+([eE][-+]?[0-9]+)?[ \t]+[^[:space:]]+)+$",
                REG_EXTENDED | REG_NOSUB),
        0);
    cr_assert_eq(regcomp(&conf, "^[a-z][^:[:space:]]*:( .*)?$", REG_EXTENDED | REG_NOSUB), 0);
    int nb = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Benchmark", 9)) {
            nb++;
            cr_expect_eq(regexec(&bench, line, 0, NULL, 0), 0, "bad benchmark line: %s", line);
            /* threads in the name; -N is GOMAXPROCS (the online CPUs) */
            char procs[32];
            snprintf(procs, sizeof procs, "/threads=2-%ld ", sysconf(_SC_NPROCESSORS_ONLN));
            cr_expect(strstr(line, " ns/op") && strstr(line, procs), "%s", line);
        } else {
            cr_expect_eq(regexec(&conf, line, 0, NULL, 0), 0, "bad config line: %s", line);
        }
    }
    cr_expect_eq(nb, 5, "one line per trial");
    regfree(&bench);
    regfree(&conf);
}

Test(compare, export_csv)
{
    struct proc_result r;
    const char *a = export_run("csv", path("csv"), &r);
    char line[4096];
    FILE *f = fopen(path("csv/trials.csv"), "r");
    cr_assert_not_null(f);
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (!lines)
            cr_expect(strstr(line, "family,impl,workload,threads,trial,") == line, "%s", line);
        lines++;
    }
    fclose(f);
    cr_expect_eq(lines, 6, "header + 5 trials");
    /* no column is empty in every trial (counters come from counters.per_op) */
    f = fopen(path("csv/trials.csv"), "r");
    char head[4096];
    cr_assert_not_null(fgets(head, sizeof head, f));
    int ncol = 1, filled[64] = { 0 };
    for (char *p = head; *p; p++) ncol += *p == ',';
    while (fgets(line, sizeof line, f)) {
        int col = 0;
        for (char *p = line; *p && col < 64; p++) {
            if (*p == ',') {
                col++;
                continue;
            }
            if (*p != '\n') filled[col] = 1;
        }
    }
    fclose(f);
    for (int c = 0; c < ncol && c < 64; c++)
        cr_expect(c == 2 || filled[c], "column %d of %s is empty", c, head); /* 2: workload "" */
    f = fopen(path("csv/summary.csv"), "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_expect(strstr(line, "median,ci_low,ci_high") != NULL, "%s", line);
    fclose(f);
    const char *bad[] = { "export", a, "--format", "xml", NULL };
    cr_assert_eq(run_contend(&r, bad), 0);
    cr_expect_eq(r.status, 2);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
}
