/* Hostile values inside the results layer, in process: NaN and infinite
 * numbers, bytes that are not UTF-8, names that need quoting, many cells.
 * Nothing may vanish from what is written. (issue 16, items 8, 15, 23) */
#include <jansson.h>
#include <math.h>
#include <unistd.h>

#include "resultfile.h"
#include "testutil.h"

/* A trial whose ops never completed: ns/op and Jain's index have no value. */
static void nan_trial(struct trial *t)
{
    memset(t, 0, sizeof *t);
    t->seconds = 0.5;
    t->ns_per_op = INFINITY;
    t->jain = NAN;
    t->rate_min = -NAN;
    t->verdict = VERDICT_OK;
    snprintf(t->stderr_tail, sizeof t->stderr_tail, "\xff\xfe tail cut mid-character \xc3");
    for (size_t i = 0; i < TRIAL_MAX_METRICS; i++) t->m[i] = NAN;
}

Test(json, a_trial_with_nan_fields_is_kept_with_nulls)
{
    struct trial t;
    nan_trial(&t);
    json_t *j = res_trial_json(&t, NULL);
    cr_assert_not_null(j, "the trial vanished");
    cr_expect(json_is_null(json_object_get(j, "jain")));
    cr_expect(json_is_null(json_object_get(j, "ns_per_op")));
    cr_expect(json_is_number(json_object_get(j, "seconds")));
    cr_expect(json_is_string(json_object_get(j, "stderr_tail")), "the stderr tail vanished");
    json_decref(j);
}

Test(json, a_summary_with_a_nan_spread_is_kept)
{
    struct lab_summary s = { .n = 3, .median = 5, .min = 4, .max = 6, .mean = 5, .cv = NAN };
    json_t *j = res_summary_json(&s);
    cr_assert(json_is_object(j), "the summary vanished");
    cr_expect(json_is_null(json_object_get(j, "cv")));
    cr_expect_eq(json_real_value(json_object_get(j, "median")), 5);
    json_decref(j);
}

/* What resume did: a restored NaN trial made its cell lose it. */
Test(json, a_result_keeps_every_trial)
{
    char *argv[] = { "run", "--impl", "mutex", "--threads", "1", "--reps", "3", NULL };
    struct run_opts o;
    char err[ERRLEN];
    cr_assert_eq(run_opts_parse(7, argv, &o, err, sizeof err), 0, "%s", err);
    o.argc = 7;
    o.argv = argv;
    struct trial trials[3];
    for (int i = 0; i < 3; i++) nan_trial(&trials[i]);
    trials[1].jain = 0.9;
    struct cell c = { .impl = o.impls[0], .threads = 1, .trials = trials, .ntrials = 3 };
    lab_summarize((double[]){ 1, 2, 3 }, 3, &c.ops_per_s);
    struct run_result r = { .opts = &o, .cells = &c, .ncells = 1 };
    json_t *j = res_result_json(&r);
    cr_assert_not_null(j, "no result");
    json_t *cell = json_array_get(json_object_get(j, "cells"), 0);
    cr_expect_eq(json_array_size(json_object_get(cell, "trials")), 3, "a trial vanished");
    json_decref(j);
}

Test(json, text_that_is_not_utf8_is_kept_readable)
{
    json_t *j = res_json_text("a\xff b\xc3");
    cr_assert(json_is_string(j));
    cr_expect_str_eq(json_string_value(j), "a? b?");
    json_decref(j);
    cr_expect(json_is_null(res_json_num(NAN)) && json_is_null(res_json_num(-INFINITY)));
}

Test(csv, a_field_is_quoted_whatever_it_holds)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    res_csv_field(f, "a,b\"c\nd");
    fclose(f);
    cr_expect_str_eq(buf, "\"a,b\"\"c\nd\"");
    free(buf);
}

/* ---------------- many cells: matched by a hash index (item 15) --------- */

/* A result of n cells (impl i<k>, threads 1 + k % 7), in order or reversed. */
static char *many_cells(size_t n, int reversed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "{\"schema\": \"contend-result\", \"schema_version\": 2, \"cells\": [");
    for (size_t i = 0; i < n; i++) {
        size_t k = reversed ? n - 1 - i : i;
        fprintf(f,
                "%s{\"family\": \"batcher\", \"impl\": \"i%zu\", \"threads\": %zu, \"trials\": "
                "[{\"ops_per_s\": %zu}, {\"ops_per_s\": %zu}, {\"ops_per_s\": %zu}]}",
                i ? "," : "", k / 7, 1 + k % 7, 100 + k, 101 + k, 102 + k);
    }
    fprintf(f, "]}");
    fclose(f);
    return buf;
}

Test(index, every_cell_is_found_in_a_few_probes)
{
    char *text = many_cells(50000, 1), err[ERRLEN];
    struct rf_result r;
    cr_assert_eq(res_parse(text, strlen(text), "many", &r, err, sizeof err), 0, "%s", err);
    cr_expect_leq(res_index_longest_probe(&r), 32, "probes: %zu", res_index_longest_probe(&r));
    for (size_t i = 0; i < r.ncells; i++)
        cr_assert_eq(res_find_cell(&r, &r.cells[i]), &r.cells[i], "cell %zu", i);
    cr_expect_null(res_find(&r, "batcher", "i3", "", 8));
    cr_expect_null(res_find(&r, "batcher", "i3", "w", 1));
    cr_expect_not_null(res_find(&r, "batcher", "i3", "", 1));
    res_free(&r);
    free(text);
}

Test(index, a_cell_twice_is_refused)
{
    const char *text = "{\"schema\": \"contend-result\", \"schema_version\": 2, \"cells\": ["
                       "{\"family\": \"b\", \"impl\": \"x\", \"threads\": 1, \"trials\": []},"
                       "{\"family\": \"b\", \"impl\": \"y\", \"threads\": 1, \"trials\": []},"
                       "{\"family\": \"b\", \"impl\": \"x\", \"threads\": 1, \"trials\": []}]}";
    struct rf_result r;
    char err[ERRLEN];
    cr_assert_eq(res_parse(text, strlen(text), "twice", &r, err, sizeof err), -EINVAL);
    cr_expect(strstr(err, "cell 2 (b/x/threads=1) appears twice"), "%s", err);
}

/* compare of 20,000 cells against the same in reverse order: every row. */
Test(index, compare_matches_every_cell_of_a_large_pair)
{
    char dir[] = "/tmp/contend-hostile-XXXXXX", a[64], b[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    for (int k = 0; k < 2; k++) {
        char *text = many_cells(20000, k);
        FILE *f = fopen(k ? b : a, "w");
        fputs(text, f);
        fclose(f);
        free(text);
    }
    const char *args[] = { "compare", a, b, "--format", "csv", NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_null(strstr(r.err, "only in"), "%s", r.err);
    unlink(a);
    unlink(b);
    rmdir(dir);
}
