/* Issue 18: sampled latencies (harness/families/lat_sample.c), the memory
 * footprint, --rate and the run's plan. Correctness only: which metrics a
 * result file holds, in what order, and facts no load can break (a batcher
 * whose batches never fill delivers after its flush timeout). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lat_sample.h"
#include "resultfile.h"
#include "testutil.h"

static char dir[64];

static void latency_setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/contend-lat-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void latency_teardown(void) { remove_tree(dir); }

TestSuite(latency, .init = latency_setup, .fini = latency_teardown);

/* 100 samplers share the 64 histograms of the pool; the merged percentiles
   are those of all the values, within the histogram's error. */
Test(latency, pool_merges_every_thread)
{
    struct fam_lat l;
    cr_assert_eq(fam_lat_init(&l, 100), 0);
    cr_assert_eq(l.n, FAM_LAT_POOL);
    for (unsigned t = 0; t < 100; t++) {
        struct fam_lat_thr s;
        fam_lat_thread(&l, &s, t, 1);
        for (uint64_t v = 1; v <= 1000; v++) fam_lat_record(&s, v * 1000 + t);
    }
    double m[FAM_LAT_POOL_NMETRICS];
    fam_lat_finish(&l, m);
    cr_assert_null(l.slot);
    const double want[] = { 500000, 900000, 990000, 999000, 1000099 };
    for (int k = 0; k < FAM_LAT_NMETRICS; k++)
        cr_expect(fabs(m[k] - want[k]) <= want[k] * LAB_HIST_REL_ERROR + 100, "metric %d: %g", k,
                  m[k]);
    cr_expect_eq(m[4], 1000099, "the max is exact");
    /* histogram 0 holds threads 0 and 64: its p99 is about 990,032 */
    cr_expect(fabs(m[5] - 990064) <= 990064 * LAB_HIST_REL_ERROR, "worst thread's p99: %g", m[5]);
}

/* One slow thread among fast ones: the merged p99 hides it, the worst
   thread's p99 shows it. */
Test(latency, worst_thread_p99_shows_a_slow_thread)
{
    struct fam_lat l;
    cr_assert_eq(fam_lat_init(&l, 8), 0);
    for (unsigned t = 0; t < 8; t++) {
        struct fam_lat_thr s;
        fam_lat_thread(&l, &s, t, 1);
        for (uint64_t v = 0; v < 1000; v++) /* thread 5: 1 op in 20 takes 1 ms */
            fam_lat_record(&s, t == 5 && v % 20 == 0 ? 1000000 : 100 + v % 10);
    }
    double m[FAM_LAT_POOL_NMETRICS];
    fam_lat_finish(&l, m);
    cr_expect_lt(m[2], 1000, "merged p99 %g: 50 slow ops of 8,000", m[2]);
    cr_expect(fabs(m[5] - 1000000) <= 1000000 * LAB_HIST_REL_ERROR, "worst thread's p99: %g", m[5]);
}

Test(latency, empty_pool_is_not_measured)
{
    struct fam_lat l;
    cr_assert_eq(fam_lat_init(&l, 3), 0);
    double m[FAM_LAT_POOL_NMETRICS];
    fam_lat_finish(&l, m);
    for (int k = 0; k < FAM_LAT_POOL_NMETRICS; k++) cr_expect(isnan(m[k]));
}

/* every = N times about 1 op in N, never two in a row at N > 1 */
Test(latency, sampler_takes_about_one_in_every)
{
    struct fam_lat l = { .n = 1 };
    struct fam_lat_thr s;
    fam_lat_thread(&l, &s, 7, 1024);
    unsigned due = 0, last = 0, min_gap = ~0u;
    for (unsigned i = 1; i <= 1024 * 1000; i++)
        if (fam_lat_due(&s)) {
            if (last && i - last < min_gap) min_gap = i - last;
            last = i, due++;
        }
    cr_expect(due > 900 && due < 1100, "%u samples", due);
    cr_expect_geq(min_gap, 512);
    fam_lat_thread(&l, &s, 7, 1);
    for (int i = 0; i < 10; i++) cr_expect(fam_lat_due(&s));
    fam_lat_thread(&l, &s, 7, 0);
    cr_expect(!fam_lat_due(&s));
}

/* The cell's values of metric: how many trials have it; into v. */
static size_t latency_values(const struct rf_result *r, size_t cell, const char *metric, double *v)
{
    const struct rf_metric *m = res_cell_metric(&r->cells[cell], metric);
    for (size_t i = 0; m && i < m->n; i++) v[i] = m->v[i];
    return m ? m->n : 0;
}

/* p50 <= p90 <= p99 <= p99.9 <= max in every trial of every cell. */
static void latency_ordered(const struct rf_result *r, size_t reps)
{
    static const char *const names[] = { "lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns",
                                         "lat_max_ns" };
    for (size_t c = 0; c < r->ncells; c++) {
        double v[5][16];
        for (int k = 0; k < 5; k++)
            cr_assert_eq(latency_values(r, c, names[k], v[k]), reps, "%s/%u: %s", r->cells[c].impl,
                         r->cells[c].threads, names[k]);
        for (size_t t = 0; t < reps; t++)
            for (int k = 1; k < 5; k++)
                cr_expect_leq(v[k - 1][t], v[k][t], "%s: %s > %s", r->cells[c].impl, names[k - 1],
                              names[k]);
    }
}

/* The worst thread's p99 is at least the merged p99 (a mixture's p99 is at
   most its worst part's; both within the histogram's error) and at most
   the max. */
static void latency_worst_thread(const struct rf_result *r, size_t reps)
{
    for (size_t c = 0; c < r->ncells; c++) {
        double p99[16], worst[16], max[16];
        cr_assert_eq(latency_values(r, c, "lat_p99_ns", p99), reps);
        cr_assert_eq(latency_values(r, c, "lat_p99_worst_thread_ns", worst), reps, "%s",
                     r->cells[c].impl);
        cr_assert_eq(latency_values(r, c, "lat_max_ns", max), reps);
        for (size_t t = 0; t < reps; t++) {
            cr_expect_geq(worst[t] * (1 + 2 * LAB_HIST_REL_ERROR), p99[t], "%s: %g < %g",
                          r->cells[c].impl, worst[t], p99[t]);
            cr_expect_leq(worst[t], max[t], "%s", r->cells[c].impl);
        }
    }
}

/* Runs contend with args (ending in --out PATH) and loads PATH. */
static void latency_run(const char *const *args, const char *path, struct rf_result *r)
{
    struct proc_result pr;
    char err[256];
    run_contend(&pr, args);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_eq(res_load(path, r, err, sizeof err), 0, "%s", err);
}

/* The metrics survive the trip through the result file: declared with
   their unit and direction, one value per trial, in order; the trial's
   peak RSS under process. */
Test(latency, counter_and_store_metrics_round_trip)
{
    char path[128];
    snprintf(path, sizeof path, "%s/c.json", dir);
    const char *c[] = { "run",       "--family",   "counter", "--impl",  "atomic,mutex",
                        "--threads", "1,2",        "--ops",   "200k",    "--reps",
                        "2",         "--counters", "none",    "--quiet", "--out",
                        path,        NULL };
    struct rf_result r;
    latency_run(c, path, &r);
    latency_ordered(&r, 2);
    latency_worst_thread(&r, 2);
    const json_t *p99 = json_object_get(r.metrics, "lat_p99_ns");
    cr_expect_str_eq(json_string_value(json_object_get(p99, "unit")), "ns");
    cr_expect_str_eq(json_string_value(json_object_get(p99, "better")), "lower");
    double v[16];
    cr_expect_eq(latency_values(&r, 0, "peak_rss_kib", v), 2);
    cr_expect_gt(v[0], 0);
    res_free(&r);

    snprintf(path, sizeof path, "%s/s.json", dir);
    const char *s[] = { "run",    "--family", "store", "--impl",  "memory,rcu_epoch",
                        "--keys", "5000",     "--ops", "50k",     "--threads",
                        "2",      "--reps",   "2",     "--quiet", "--counters",
                        "none",   "--out",    path,    NULL };
    latency_run(s, path, &r);
    latency_ordered(&r, 2);
    latency_worst_thread(&r, 2);
    for (size_t i = 0; i < r.ncells; i++) {
        int rcu = !strcmp(r.cells[i].impl, "rcu_epoch");
        cr_expect_eq(latency_values(&r, i, "held_per_record", v), 2);
        cr_expect_gt(v[0], 0, "%s holds its records", r.cells[i].impl);
        cr_expect_eq(latency_values(&r, i, "alloc_per_record", v), 2);
        cr_expect_eq(latency_values(&r, i, "backlog", v), rcu ? 2u : 0u,
                     "a backlog only where the store reports one");
    }
    res_free(&r);
}

/* One producer at 100 items a second: a batch of 100 never fills in half a
   second, so every item waits for the 25 ms flush timeout (or close()). */
Test(latency, low_rate_batcher_waits_for_its_timeout)
{
    char path[128];
    snprintf(path, sizeof path, "%s/b.json", dir);
    const char *a[] = { "run",   "--family",   "batcher", "--impl",  "hybrid",     "--threads",
                        "1",     "--duration", "0.5",     "--rate",  "100",        "--timeout-ms",
                        "25",    "--reps",     "2",       "--quiet", "--counters", "none",
                        "--out", path,         NULL };
    struct rf_result r;
    latency_run(a, path, &r);
    latency_ordered(&r, 2);
    double p99[16], fl[16];
    cr_assert_eq(latency_values(&r, 0, "lat_p99_ns", p99), 2);
    cr_assert_eq(latency_values(&r, 0, "in_flight", fl), 2);
    for (int t = 0; t < 2; t++) cr_expect_geq(p99[t], 10e6, "trial %d: p99 %g ns", t, p99[t]);
    res_free(&r);
}

Test(latency, dry_run_writes_nothing)
{
    char path[128], out[128];
    snprintf(path, sizeof path, "%s/never.json", dir);
    const char *a[] = { "run", "--family",  "store", "--threads", "1,2,4", "--duration",
                        "2",   "--dry-run", "--out", path,        NULL };
    struct proc_result pr;
    run_contend(&pr, a);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_expect(strstr(pr.out, "plan:") && strstr(pr.out, "estimate:"), "%s", pr.out);
    struct stat st;
    cr_expect_neq(stat(path, &st), 0, "no result file");
    char journal[160];
    snprintf(journal, sizeof journal, "%s.journal", path);
    cr_expect_neq(stat(journal, &st), 0, "no journal");
    snprintf(out, sizeof out, "%s/repro", dir);
    const char *b[] = { "reproduce", "snail", "--dry-run", "--out", out, NULL };
    run_contend(&pr, b);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_expect(strstr(pr.out, "in all"), "%s", pr.out);
    cr_expect_neq(stat(out, &st), 0, "no output directory");
}

Test(latency, bad_rate_is_a_usage_error)
{
    static const char *const bad[] = { "-1", "abc", "2e9", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *a[] = { "run", "--family", "batcher", "--rate", bad[i], NULL };
        struct proc_result pr;
        run_contend(&pr, a);
        cr_expect_eq(pr.status, 2, "--rate '%s'", bad[i]);
        cr_expect_eq(count_lines(pr.err), 1, "one line: %s", pr.err);
        cr_expect(strstr(pr.err, "--rate"), "%s", pr.err);
    }
}
