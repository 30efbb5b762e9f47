/* The fleet: `run --shard I/N` parts, GNU parallel running N shards as
 * local jobs (scripts/fleet/parallel-sweep), merged, give the same cells
 * and trial counts as one unsharded run; a merge of two separate runs keeps
 * both and reports them side by side; the Slurm scripts pass bash -n and
 * shellcheck; the CI script runs end to end. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "merge.h"
#include "resultfile.h"
#include "testutil.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/contend-fleet-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(fleet, .init = setup, .fini = teardown);

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* A shell command in the source tree; its exit status. */
static int sh(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd '%s' && %s", CONTEND_SOURCE_DIR, cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define SWEEP \
    "--impl spin,mutex,ideal --threads 1,2,3,4,5 --ops 20000 --reps 3 --counters none --seed 3"

/* "impl/threads:trials" of every cell, sorted, one per line. */
static void cell_set(const struct rf_result *r, char *buf, size_t n)
{
    char lines[64][64];
    size_t k = 0;
    for (size_t i = 0; i < r->ncells && k < 64; i++)
        snprintf(lines[k++], sizeof lines[0], "%s/%u:%zu", r->cells[i].impl, r->cells[i].threads,
                 r->cells[i].ntrials);
    qsort(lines, k, sizeof lines[0], (int (*)(const void *, const void *))strcmp);
    buf[0] = '\0';
    for (size_t i = 0; i < k; i++) snprintf(buf + strlen(buf), n - strlen(buf), "%s\n", lines[i]);
}

Test(fleet, parallel_shards_merge_to_the_unsharded_cells)
{
    cr_assert(have("parallel"), "GNU parallel is missing (scripts/setup installs it)");
    char cmd[1024], one[256], merged[256], err[256];
    snprintf(one, sizeof one, "%s/one.json", dir);
    snprintf(cmd, sizeof cmd, "'%s' run " SWEEP " --quiet --out '%s' 2>/dev/null", CONTEND_BIN,
             one);
    cr_assert_eq(sh(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "scripts/fleet/parallel-sweep --shards 3 --jobs 3 --out '%s/fleet' --bin '%s' "
             "--history '%s/h.sqlite' -- " SWEEP " 2>/dev/null >/dev/null",
             dir, CONTEND_BIN, dir);
    cr_assert_eq(sh(cmd), 0);
    snprintf(merged, sizeof merged, "%s/fleet/merged.json", dir);
    struct rf_result a, b;
    cr_assert_eq(res_load(one, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(res_load(merged, &b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(res_merge_count(&b), 1, "the shards join into one run");
    char sa[4096], sb[4096];
    cell_set(&a, sa, sizeof sa);
    cell_set(&b, sb, sizeof sb);
    cr_assert_eq(a.ncells, 15);
    cr_assert_str_eq(sa, sb);
    /* the config of the joined run is the unsharded one's */
    cr_assert(json_equal(a.config, b.config));
    res_free(&a);
    res_free(&b);
    /* each shard holds whole comparison groups: one thread count, every impl */
    for (int i = 1; i <= 3; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/fleet/shard-%d.json", dir, i);
        cr_assert_eq(res_load(p, &a, err, sizeof err), 0, "%s", err);
        for (size_t c = 0; c < a.ncells; c++)
            cr_assert_eq((a.cells[c].threads - 1) % 3, (unsigned)(i - 1), "shard %d", i);
        cr_assert_eq(a.ncells % 3, 0);
        res_free(&a);
    }
    /* stored: the history has every trial of the sweep */
    struct proc_result pr;
    char db[256];
    snprintf(db, sizeof db, "%s/h.sqlite", dir);
    char csv[256];
    snprintf(csv, sizeof csv, "%s/h.csv", dir);
    const char *exp[] = { "history", "export", "--db", db, "--out", csv, NULL };
    cr_assert_eq(run_contend(&pr, exp), 0, "%s", pr.err);
    /* from the file: 46 rows of a run's config can outgrow pr.out */
    FILE *f = fopen(csv, "r");
    cr_assert_not_null(f);
    size_t rows = 0;
    for (int ch; (ch = fgetc(f)) != EOF;) rows += ch == '\n';
    fclose(f);
    cr_assert_eq(rows, 1 + 15 * 3);
}

Test(fleet, two_runs_merge_side_by_side_and_report_in_columns)
{
    char a[256], b[256], all[256], rep[256], cmd[1024];
    snprintf(a, sizeof a, "%s/machine-a.json", dir);
    snprintf(b, sizeof b, "%s/machine-b.json", dir);
    snprintf(all, sizeof all, "%s/all.json", dir);
    snprintf(rep, sizeof rep, "%s/rep", dir);
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd,
                 "'%s' run --family counter --impl spin,mutex --threads 1,2 --ops 20000 --reps 2 "
                 "--counters none "
                 "--quiet --out '%s' 2>/dev/null",
                 CONTEND_BIN, i ? b : a);
        cr_assert_eq(sh(cmd), 0);
    }
    struct proc_result pr;
    const char *merge[] = { "merge", a, b, "--out", all, NULL };
    cr_assert_eq(run_contend(&pr, merge), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    cr_assert_not_null(strstr(pr.out, "2 files, 2 runs, 8 cells"), "%s", pr.out);
    const char *again[] = { "merge", a, a, "--out", all, NULL };
    cr_assert_eq(run_contend(&pr, again), 0);
    cr_assert_eq(pr.status, 2, "the same run twice: %s", pr.err);
    const char *report[] = { "report", all, "--out", rep, NULL };
    cr_assert_eq(run_contend(&pr, report), 0);
    cr_assert_eq(pr.status, 0, "%s", pr.err);
    char md[300];
    snprintf(md, sizeof md, "%s/report.md", rep);
    FILE *f = fopen(md, "r");
    cr_assert_not_null(f);
    static char text[1 << 17];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    cr_assert_not_null(strstr(text, "## Machines side by side"));
    cr_assert_not_null(strstr(text, "| implementation | threads | m1 | m2 |"));
    cr_assert_not_null(strstr(text, "| spin/mutex | [2.67, 11.2] |"),
                       "the seed's ratios per machine, with the seed's band");
    cr_assert_not_null(strstr(text, "all.json, run 2 ("), "each run labelled");
}

Test(fleet, slurm_and_fleet_scripts_pass_bash_n_and_shellcheck)
{
    cr_assert(have("shellcheck"), "shellcheck is missing (scripts/setup installs it)");
    static const char *const scripts[] = { "scripts/fleet/slurm-sweep.sbatch",
                                           "scripts/fleet/slurm-submit",
                                           "scripts/fleet/parallel-sweep", "scripts/ci-history",
                                           "scripts/build-commit" };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "bash -n %s && shellcheck -x %s", scripts[i], scripts[i]);
        cr_assert_eq(sh(cmd), 0, "%s", scripts[i]);
    }
    /* the batch script refuses to run outside an array */
    cr_assert_neq(sh("env -u SLURM_ARRAY_TASK_ID bash scripts/fleet/slurm-sweep.sbatch /tmp/x "
                     "2>/dev/null"),
                  0);
}

Test(fleet, ci_history_script_runs_end_to_end)
{
    char cmd[1024], bindir[512];
    snprintf(bindir, sizeof bindir, "%s", CONTEND_BIN);
    *strrchr(bindir, '/') = '\0';
    snprintf(cmd, sizeof cmd,
             "CONTEND_CI_IMPLS=spin,mutex CONTEND_CI_THREADS=1 CONTEND_CI_OPS=20000 "
             "CONTEND_CI_REPS=3 scripts/ci-history --out '%s/ci' --history '%s/h.sqlite' "
             "--build '%s' >/dev/null 2>&1",
             dir, dir, bindir);
    cr_assert_eq(sh(cmd), 0);
    char p[256];
    snprintf(p, sizeof p, "%s/ci/comment.md", dir);
    cr_assert_eq(access(p, R_OK), 0);
}
