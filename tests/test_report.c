/* contend report and reproduce's report directory, on the fixture result
 * files in tests/fixtures/ (tiny real runs): tables, images, links, HTML. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testutil.h"

#define FIX CONTEND_SOURCE_DIR "/tests/fixtures/"

static char *fmt_path(const char *dir, const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static char made[4][64];
static int nmade;

/* Removes the test's temporary directories when its process exits. */
static void remove_tmpdirs(void)
{
    for (int i = 0; i < nmade; i++) remove_tree(made[i]);
}

static void tmpdir(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/contend-report-XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
    if (nmade == 0) atexit(remove_tmpdirs);
    if (nmade < 4) snprintf(made[nmade++], sizeof made[0], "%s", buf);
}

/* Every ](target) in md names a file that exists under dir. */
static int check_links(const char *dir, const char *md)
{
    int links = 0;
    for (const char *p = md; (p = strstr(p, "](")) != NULL; p += 2) {
        const char *end = strchr(p + 2, ')');
        cr_assert_not_null(end);
        char target[512];
        snprintf(target, sizeof target, "%.*s", (int)(end - p - 2), p + 2);
        struct stat st;
        cr_expect_eq(stat(fmt_path(dir, target), &st), 0, "link target %s missing", target);
        links++;
    }
    return links;
}

static void check_images(const char *plots_path)
{
    char plots[512];
    snprintf(plots, sizeof plots, "%s", plots_path);
    DIR *d = opendir(plots);
    cr_assert_not_null(d);
    int png = 0, svg = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name), len = 0;
        if (l < 5) continue;
        char *b = read_file(fmt_path(plots, de->d_name), &len);
        cr_assert_not_null(b);
        if (!strcmp(de->d_name + l - 4, ".png")) {
            png++;
            cr_expect(len > 33 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4),
                      "%s is not a PNG", de->d_name);
        } else if (!strcmp(de->d_name + l - 4, ".svg")) {
            svg++;
            cr_expect((!strncmp(b, "<?xml", 5) || !strncmp(b, "<svg", 4)) && strstr(b, "</svg>"),
                      "%s is not an SVG", de->d_name);
        }
        free(b);
    }
    closedir(d);
    cr_expect(png >= 3 && png == svg, "%d PNG, %d SVG", png, svg);
}

Test(report, fixtures_with_baseline_and_two_machines)
{
    char dir[64];
    tmpdir(dir, sizeof dir);
    struct proc_result r;
    run_contend(&r,
                (const char *[]){ "report", FIX "batcher-b.json", FIX "batcher-a.json",
                                  "--baseline", FIX "batcher-a.json", "--out", dir, NULL });
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    char *md = read_file(fmt_path(dir, "report.md"), NULL);
    cr_assert_not_null(md);
    static const char *const want[] = { "| channel | 1 |",
                                        "| mutex | 2 |",
                                        "| spin | 1 |",
                                        "| ideal | 2 |",
                                        "confirmed regression(s)",
                                        "confirmed improvement(s)",
                                        "without a confirmed change",
                                        "geomean of new/base",
                                        "noise (A/A control",
                                        "*m2*",
                                        "commit `",
                                        "Significant changes" };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_expect(strstr(md, want[i]), "report.md lacks '%s'", want[i]);
    cr_expect(check_links(dir, md) >= 8);
    check_images(fmt_path(dir, "plots"));
    char *html = read_file(fmt_path(dir, "report.html"), NULL);
    cr_assert_not_null(html);
    cr_expect(strstr(html, "<svg") && strstr(html, "</svg>") && strstr(html, "<table>"));
    cr_expect(!strstr(html, "<img"), "the HTML must be self-contained");
    free(md);
    free(html);
}

Test(report, bad_inputs_exit_2_with_one_line)
{
    char dir[64];
    tmpdir(dir, sizeof dir);
    const char *notjson = fmt_path(dir, "x.json");
    FILE *f = fopen(notjson, "w");
    cr_assert_not_null(f);
    fputs("{ not json", f);
    fclose(f);
    const char *const *cases[] = {
        (const char *[]){ "report", NULL },
        (const char *[]){ "report", "/nonexistent/r.json", NULL },
        (const char *[]){ "report", notjson, NULL },
        (const char *[]){ "report", FIX "batcher-a.json", "--baseline", notjson, NULL },
        (const char *[]){ "report", FIX "batcher-a.json", "--bogus", NULL },
        (const char *[]){ "report", FIX "batcher-a.json", "--out", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct proc_result r;
        run_contend(&r, cases[i]);
        cr_expect_eq(r.status, 2, "case %zu: status %d", i, r.status);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: stderr '%s'", i, r.err);
    }
}

/* reproduce NAME in a tiny mode (well under a second) into a new directory. */
static void reproduce_tiny(const char *name, char *dir, size_t n, struct proc_result *r)
{
    tmpdir(dir, n);
    run_contend(r,
                (const char *[]){ "reproduce", name, "--ops", "2000", "--threads", "1,2", "--reps",
                                  "2", "--out", dir, NULL });
    cr_assert_eq(r->status, 0, "stderr: %s", r->err);
}

Test(report, reproduce_tiny_writes_the_directory)
{
    char dir[64];
    struct proc_result r;
    reproduce_tiny("snail", dir, sizeof dir, &r);
    cr_expect(!strstr(r.err, "\r"), "no progress line when stderr is not a terminal");
    static const char *const files[] = { "results.json", "summary.csv", "report.md",
                                         "report.html" };
    struct stat st;
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(stat(fmt_path(dir, files[i]), &st), 0, "%s missing", files[i]);
    char *md = read_file(fmt_path(dir, "report.md"), NULL);
    cr_assert_not_null(md);
    /* each row as the part that measures it, under both runners; the seed's
       figure as a reference; its ratios with a band and a verdict (2 trials
       cannot decide); the noise of every run */
    static const char *const want[] = {
        "| Spin Lock | counter/spin, 2 workers |",
        "| Channels | counter/channel, 2 workers |",
        "~100-150M",
        "reference, not measured here",
        "throughput (ops/s), threads | throughput (ops/s), fibers",
        "| spin/mutex | [2.67, 11.2] |",
        "inconclusive: too few trials (2 and 2; ",
        "## Beyond the seed",
        "| Hybrid (batch 100) | batcher/hybrid, 2 workers |",
        "| run (part, runner) |",
        "| hybrid, fibers:",
        "## Run spin, threads: family counter, all cells",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_expect(strstr(md, want[i]), "report.md lacks '%s'", want[i]);
    char *csv = read_file(fmt_path(dir, "summary.csv"), NULL);
    cr_assert_not_null(csv);
    cr_expect(!strncmp(csv, "run,family,impl,", 16)
                  && strstr(csv, "\n\"spin, threads\",\"counter\","),
              "summary.csv names each row's run: %.200s", csv);
    free(csv);
    check_links(dir, md);
    check_images(fmt_path(dir, "plots"));
    free(md);
}

Test(report, reproduce_all_writes_one_directory_per_experiment)
{
    char dir[64];
    struct proc_result r;
    reproduce_tiny("all", dir, sizeof dir, &r);
    struct stat st;
    cr_expect_eq(stat(fmt_path(dir, "snail/report.md"), &st), 0);
}

/* The task-store table fits an 80-column terminal; the report names its
   title once and says when GetAll dominates the ops/s columns. */
Test(report, taskstore_fits_80_columns_and_says_when_getall_dominates)
{
    char dir[64];
    struct proc_result r;
    tmpdir(dir, sizeof dir);
    run_contend(&r,
                (const char *[]){ "reproduce", "taskstore", "--ops", "2000", "--threads", "1,2",
                                  "--reps", "2", "--set", "keys=5000", "--out", dir, NULL });
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    int n = 0;
    for (const char *l = r.out; *l; n++) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        cr_expect_leq(len, 80, "line %d is %zu columns: %.*s", n, len, (int)len, l);
        l += len + (e != NULL);
    }
    cr_expect(strstr(r.out, "MemoryStore\n") && strstr(r.out, "read 155.9, write 207.5"),
              "each row, with the seed's figures: %s", r.out);
    cr_expect(strstr(r.out, "Under threads:") && strstr(r.out, "Under fibers:"),
              "a table per runner: %s", r.out);
    cr_expect(strstr(r.out, "Where the time goes") && strstr(r.out, "switches/op"),
              "ChannelStore's cost broken down: %s", r.out);
    char *md = read_file(fmt_path(dir, "report.md"), NULL);
    cr_assert_not_null(md);
    const char *title = "Task store evolution (read/write ns/op";
    cr_expect(strstr(md, title) && !strstr(strstr(md, title) + 1, title), "the title once");
    free(md);
    /* the same cells where GetAll took 98% of each run */
    json_error_t je;
    json_t *res = json_load_file(fmt_path(dir, "results.json"), 0, &je);
    cr_assert_not_null(res, "%s", je.text);
    size_t i, k, u;
    json_t *c, *t, *run;
    json_array_foreach(json_object_get(res, "runs"), u, run) /* each runner's run */
        json_array_foreach(json_object_get(run, "cells"), i, c)
            json_array_foreach(json_object_get(c, "trials"), k, t)
    {
        static const char *const keys[] = { "reads", "updates", "read_ns", "write_ns" };
        static const double vals[] = { 1000, 1000, 100, 100 };
        json_object_set_new(t, "seconds", json_real(0.01));
        json_object_set_new(t, "scans", json_integer(1));
        json_object_set_new(t, "inserts", json_integer(0));
        json_object_set_new(t, "deletes", json_integer(0));
        for (size_t j = 0; j < 4; j++) json_object_set_new(t, keys[j], json_real(vals[j]));
    }
    cr_assert_eq(json_dump_file(res, fmt_path(dir, "results.json"), 0), 0);
    json_decref(res);
    run_contend(&r,
                (const char *[]){ "reproduce", "taskstore", "--render-only", "--out", dir, NULL });
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    md = read_file(fmt_path(dir, "report.md"), NULL);
    cr_assert_not_null(md);
    cr_expect(strstr(md, "dominated by GetAll") && strstr(md, "took a median 98% of that time"),
              "%s", md);
    free(md);
}
