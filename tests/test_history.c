/* contend history: what detection finds on synthetic histories (a planted
 * 20% slowdown, noise only, the gate), idempotent adds, merged files stored
 * like their shards, the build's commit as the key, attribute changes
 * marked, and bad input (a corrupt database, a non-SQLite file, a missing
 * table, an unknown filter) as one line and exit 2. */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#define REPS 5

struct syn {
    const char *kernel;      /* NULL: "Linux 6.1.0 x86_64" */
    const char *shard;       /* config.shard, or NULL */
    double spin, mutex;      /* levels of the two implementations */
    const char *run_commit;  /* context.commit (the tree at run time), or NULL */
    const unsigned *threads; /* 0-terminated; NULL: { 2 } */
};

static uint64_t history_rng = 42;
static double noise(void) /* uniform in [-3%, +3%], deterministic */
{
    history_rng = history_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(history_rng >> 11) / 9007199254740992.0 - 0.5) * 0.06;
}

/* A result file of run k (commit c0000000000k, day k+1). */
static void write_run(const char *path, int k, const struct syn *s)
{
    static const unsigned two[] = { 2, 0 };
    char date[32], commit[32];
    snprintf(date, sizeof date, "2026-01-%02dT10:00:00Z", k + 1);
    snprintf(commit, sizeof commit, "c%011d", k);
    json_t *argv = json_pack("[s,s,s,s]", "contend", "run", "--impl", "spin,mutex");
    if (s->shard) {
        json_array_append_new(argv, json_string("--shard"));
        json_array_append_new(argv, json_string(s->shard));
    }
    json_t *ctx =
        json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:{s:s, s:i, s:i}, s:I, s:s, s:i, s:o}", "commit",
                  s->run_commit ? s->run_commit : commit, "build_commit", commit, "build_dirty", 0,
                  "kernel", s->kernel ? s->kernel : "Linux 6.1.0 x86_64", "compiler", "12.2.0",
                  "host", "testhost", "topology", "cpu_model", "Test CPU", "cores", 2, "pus", 2,
                  "memory_bytes", (json_int_t)8 << 30, "date", date, "seed", 1, "argv", argv);
    json_t *cfg = json_pack("{s:s, s:i, s:i, s:i}", "family", "batcher", "ops", 1000, "reps", REPS,
                            "seed", 1);
    if (s->shard) json_object_set_new(cfg, "shard", json_string(s->shard));
    json_t *cells = json_array();
    for (const unsigned *t = s->threads ? s->threads : two; *t; t++)
        for (int i = 0; i < 2; i++) {
            json_t *trials = json_array();
            for (int r = 0; r < REPS; r++)
                json_array_append_new(
                    trials,
                    json_pack("{s:f}", "ops_per_s", (i ? s->mutex : s->spin) * (1 + noise())));
            json_array_append_new(cells,
                                  json_pack("{s:s, s:s, s:i, s:s, s:o}", "family", "batcher",
                                            "impl", i ? "mutex" : "spin", "threads", (int)*t,
                                            "verdict", "ok", "trials", trials));
        }
    json_t *doc =
        json_pack("{s:s, s:i, s:o, s:o, s:{s:{s:s, s:s}}, s:o}", "schema", "contend-result",
                  "schema_version", 2, "context", ctx, "config", cfg, "metrics", "ops_per_s",
                  "unit", "ops/s", "better", "higher", "cells", cells);
    cr_assert_eq(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
}

static char dir[64];
static char db[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/contend-history-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/h.sqlite", dir);
    history_rng = 42;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Writes runs 0..n-1 (spin at level spin[k]) and adds them all. */
static void add_series(int n, const double *spin, const char *const *kernel)
{
    for (int k = 0; k < n; k++) {
        char path[160];
        snprintf(path, sizeof path, "%s/r%02d.json", dir, k);
        struct syn s = { .spin = spin[k], .mutex = 5e7, .kernel = kernel ? kernel[k] : NULL };
        write_run(path, k, &s);
        struct proc_result pr;
        const char *args[] = { "history", "add", path, "--db", db, NULL };
        cr_assert_eq(run_contend(&pr, args), 0);
        cr_assert_eq(pr.status, 0, "history add: %s", pr.err);
    }
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void detect(struct proc_result *pr)
{
    const char *args[] = { "history", "detect", "--db", db, NULL };
    cr_assert_eq(run_contend(pr, args), 0);
}

TestSuite(history, .init = setup, .fini = teardown);

Test(history, planted_slowdown_in_last_three_is_found_exactly)
{
    double spin[10];
    for (int k = 0; k < 10; k++) spin[k] = k >= 7 ? 0.8e8 : 1e8;
    add_series(10, spin, NULL);
    struct proc_result pr;
    detect(&pr);
    cr_assert_eq(pr.status, 0, "%s%s", pr.out, pr.err); /* located, so no longer the newest */
    cr_assert_eq(count(pr.out, "change at "), 1, "%s", pr.out);
    const char *c = strstr(pr.out, "change at run 8 ");
    cr_assert_not_null(c, "%s", pr.out);
    const char *spin_hdr = strstr(pr.out, "batcher/spin threads=2");
    cr_assert(spin_hdr && c > spin_hdr, "the change is spin's: %s", pr.out);
    cr_assert_not_null(strstr(c, "regression, mean after/before 0.8"), "%s", c);
    cr_assert_not_null(strstr(c, "suspect commits c00000000006..c00000000007"), "%s", c);
    cr_assert_not_null(strstr(pr.out, "2 series, 1 change point;"), "%s", pr.out);
}

Test(history, noise_only_flags_nothing)
{
    double spin[10];
    for (int k = 0; k < 10; k++) spin[k] = 1e8;
    add_series(10, spin, NULL);
    struct proc_result pr;
    detect(&pr);
    cr_assert_eq(pr.status, 0, "%s", pr.out);
    cr_assert_eq(count(pr.out, "change at "), 0, "%s", pr.out);
    cr_assert_eq(count(pr.out, "-> no change"), 2, "%s", pr.out);
}

Test(history, gate_exits_1_only_on_a_regression)
{
    double spin[10];
    for (int k = 0; k < 10; k++) spin[k] = k == 9 ? 0.8e8 : 1e8;
    add_series(10, spin, NULL);
    struct proc_result pr;
    detect(&pr);
    cr_assert_eq(pr.status, 1, "%s%s", pr.out, pr.err);
    cr_assert_eq(count(pr.out, "-> regression"), 1, "%s", pr.out);
    cr_assert_eq(count(pr.out, "change at "), 0, "the newest run is the gate's: %s", pr.out);
    /* the same step up is an improvement: exit 0 */
    teardown();
    setup();
    for (int k = 0; k < 10; k++) spin[k] = k == 9 ? 1.2e8 : 1e8;
    add_series(10, spin, NULL);
    detect(&pr);
    cr_assert_eq(pr.status, 0, "%s%s", pr.out, pr.err);
    cr_assert_eq(count(pr.out, "-> improvement"), 1, "%s", pr.out);
}

Test(history, add_is_idempotent_and_keeps_every_trial)
{
    double spin[3] = { 1e8, 1e8, 1e8 };
    add_series(3, spin, NULL);
    char path[160];
    snprintf(path, sizeof path, "%s/r01.json", dir);
    struct proc_result pr;
    const char *again[] = { "history", "add", path, "--db", db, NULL };
    cr_assert_eq(run_contend(&pr, again), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_not_null(strstr(pr.out, "0 runs added"), "%s", pr.out);
    cr_assert_not_null(strstr(pr.out, "1 already stored"), "%s", pr.out);
    const char *exp[] = { "history", "export", "--db", db, NULL };
    cr_assert_eq(run_contend(&pr, exp), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_eq(count_lines(pr.out), 1 + 3 * 2 * REPS, "every trial, once: %s", pr.out);
}

Test(history, keyed_by_the_build_commit_and_attributes_marked)
{
    char r1[160], r2[160];
    snprintf(r1, sizeof r1, "%s/r.json", dir);
    snprintf(r2, sizeof r2, "%s/q.json", dir);
    struct syn s = { .spin = 1e8, .mutex = 5e7, .run_commit = "0123456789ab-dirty" };
    write_run(r1, 3, &s);
    s.kernel = "Linux 6.2.0 x86_64";
    write_run(r2, 4, &s);
    struct proc_result pr;
    const char *add[] = { "history", "add", r1, r2, "--db", db, NULL };
    cr_assert_eq(run_contend(&pr, add), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    const char *show[] = { "history", "show", "--db", db, "--impl", "spin", NULL };
    cr_assert_eq(run_contend(&pr, show), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_not_null(strstr(pr.out, "c00000000003 "), "%s", pr.out);
    cr_assert_null(strstr(pr.out, "0123456789ab"), "the run-time commit is no key: %s", pr.out);
    cr_assert_eq(count(pr.out, "2 runs)"), 1, "a kernel update splits no series: %s", pr.out);
    cr_assert_not_null(strstr(pr.out, "* kernel Linux 6.1.0 x86_64 -> Linux 6.2.0 x86_64"), "%s",
                       pr.out);
    /* plotted: one plot per metric and cell group, every implementation in it */
    char plots[160], png[200];
    snprintf(plots, sizeof plots, "%s/plots", dir);
    const char *plot[] = { "history", "plot", "--db", db, "--out", plots, NULL };
    cr_assert_eq(run_contend(&pr, plot), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_eq(count_lines(pr.out), 1, "spin and mutex in one plot: %s", pr.out);
    snprintf(png, sizeof png, "%s/history-1.svg", plots);
    cr_assert_eq(access(png, R_OK), 0, "%s", pr.out);
}

Test(history, merged_shards_store_the_same_trials_as_the_shards)
{
    static const unsigned t1[] = { 1, 0 }, t2[] = { 2, 0 };
    char a[160], b[160], m[160], db2[160];
    snprintf(a, sizeof a, "%s/s1.json", dir);
    snprintf(b, sizeof b, "%s/s2.json", dir);
    snprintf(m, sizeof m, "%s/m.json", dir);
    snprintf(db2, sizeof db2, "%s/h2.sqlite", dir);
    write_run(a, 0, &(struct syn){ .spin = 1e8, .mutex = 5e7, .shard = "1/2", .threads = t1 });
    write_run(b, 0, &(struct syn){ .spin = 1e8, .mutex = 5e7, .shard = "2/2", .threads = t2 });
    struct proc_result pr, p1, p2;
    const char *merge[] = { "merge", a, b, "--out", m, NULL };
    cr_assert_eq(run_contend(&pr, merge), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_not_null(strstr(pr.out, "2 files, 1 run, 4 cells"), "%s", pr.out);
    const char *add1[] = { "history", "add", m, "--db", db, NULL };
    const char *add2[] = { "history", "add", a, b, "--db", db2, NULL };
    cr_assert_eq(run_contend(&pr, add1), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_eq(run_contend(&pr, add2), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    const char *again[] = { "history", "add", m, "--db", db2, NULL };
    cr_assert_eq(run_contend(&pr, again), 0);
    cr_assert_not_null(strstr(pr.out, "2 already stored"), "%s", pr.out);
    const char *e1[] = { "history", "export", "--db", db, NULL };
    const char *e2[] = { "history", "export", "--db", db2, NULL };
    cr_assert_eq(run_contend(&p1, e1), 0);
    cr_assert_eq(run_contend(&p2, e2), 0);
    cr_assert_eq(count_lines(p1.out), 1 + 4 * REPS);
    cr_assert_str_eq(p1.out, p2.out);
}

/* Runs a history command expected to fail: exit 2, one line on stderr. */
static void expect_bad(const char *const *args, const char *what)
{
    struct proc_result pr;
    cr_assert_eq(run_contend(&pr, args), 0);
    cr_assert_eq(pr.status, 2, "%s: status %d, %s", what, pr.status, pr.err);
    cr_assert_eq(count_lines(pr.err), 1, "%s: one line: %s", what, pr.err);
    cr_assert_not_null(strstr(pr.err, "contend history: "), "%s: %s", what, pr.err);
}

Test(history, bad_input_is_one_line_and_exit_2)
{
    double spin[2] = { 1e8, 1e8 };
    add_series(2, spin, NULL);
    const char *unknown[] = { "history", "show", "--db", db, "--impl", "nosuch", NULL };
    expect_bad(unknown, "an unknown filter");
    const char *unknown_m[] = { "history", "detect", "--db", db, "--machine", "Z80", NULL };
    expect_bad(unknown_m, "an unknown machine");
    char path[160];
    snprintf(path, sizeof path, "%s/text.sqlite", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, but it is long enough to look like a header.\n", f);
    fclose(f);
    const char *text[] = { "history", "show", "--db", path, NULL };
    expect_bad(text, "a non-SQLite file");
    const char *text_add[] = { "history", "add", path, "--db", path, NULL };
    expect_bad(text_add, "adding to a non-SQLite file");
    /* a missing table */
    char cp[400];
    snprintf(path, sizeof path, "%s/missing.sqlite", dir);
    snprintf(cp, sizeof cp, "cp '%s' '%s'", db, path);
    cr_assert_eq(system(cp), 0);
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(s, "DROP TABLE trial", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    const char *missing[] = { "history", "detect", "--db", path, NULL };
    expect_bad(missing, "a missing table");
    /* a corrupt database: the schema page overwritten */
    snprintf(path, sizeof path, "%s/corrupt.sqlite", dir);
    snprintf(cp, sizeof cp, "cp '%s' '%s'", db, path);
    cr_assert_eq(system(cp), 0);
    f = fopen(path, "r+b");
    cr_assert_not_null(f);
    fseek(f, 100, SEEK_SET);
    for (int i = 0; i < 3000; i++) fputc(0x5a, f);
    fclose(f);
    const char *corrupt[] = { "history", "show", "--db", path, NULL };
    expect_bad(corrupt, "a corrupt database");
    const char *none[] = { "history", "show", "--db", "/nonexistent/h.sqlite", NULL };
    expect_bad(none, "no database");
}

Test(history, the_binary_records_its_build_commit)
{
    char out[160];
    snprintf(out, sizeof out, "%s/run.json", dir);
    struct proc_result pr;
    const char *run[] = { "run",   "--impl",  "spin",   "--threads", "1",
                          "--ops", "2000",    "--reps", "1",         "--counters",
                          "none",  "--quiet", "--out",  out,         NULL };
    cr_assert_eq(run_contend(&pr, run), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    json_error_t je;
    json_t *j = json_load_file(out, 0, &je);
    cr_assert_not_null(j);
    const json_t *ctx = json_object_get(j, "context");
    cr_assert(json_is_boolean(json_object_get(ctx, "build_dirty")));
    cr_assert(json_is_integer(json_object_get(ctx, "memory_bytes")));
    const char *bc = json_string_value(json_object_get(ctx, "build_commit"));
    FILE *p = popen("git -C '" CONTEND_SOURCE_DIR "' rev-parse --short=12 HEAD 2>/dev/null", "r");
    char head[64] = "";
    if (p && fgets(head, sizeof head, p)) head[strcspn(head, "\n")] = '\0';
    if (p) pclose(p);
    if (head[0]) /* built from this tree: the commit it was built from */
        cr_assert_str_eq(bc ? bc : "(null)", head);
    json_decref(j);
}
