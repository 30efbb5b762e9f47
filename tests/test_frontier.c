/* The frontier (docs/frontier.md): the cpus tokens of --threads, kinds
 * from origins, the ranking and goal verdicts on synthetic results, the
 * experiment file's frontier keys, and a tiny `reproduce` of one. */
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "experiment.h"
#include "frontier.h"
#include "testutil.h"

static int parse(struct run_opts *o, const char *threads, char *err)
{
    char *argv[] = { "run", "--impl", "batcher/mutex", "--threads", (char *)threads, NULL };
    return run_opts_parse(5, argv, o, err, ERRLEN);
}

static unsigned allowed_cpus(void)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    return (unsigned)CPU_COUNT(&set);
}

Test(frontier, cpus_tokens_resolve_from_the_affinity_mask)
{
    struct run_opts o;
    char err[ERRLEN];
    unsigned cpus = allowed_cpus(), want[4] = { 1, 2, cpus, 10 * cpus }, n = 0, v[4];
    for (unsigned i = 0; i < 4; i++) { /* the distinct counts, in order */
        unsigned j = 0;
        while (j < n && v[j] != want[i]) j++;
        if (j == n) v[n++] = want[i];
    }
    cr_assert_eq(parse(&o, "1,2,cpus,10xcpus", err), 0, "%s", err);
    cr_assert_eq(o.threads.n, n);
    for (unsigned i = 0; i < n; i++) cr_expect_eq(o.threads.v[i], v[i]);
    cr_assert_eq(parse(&o, "3xcpus", err), 0, "%s", err);
    cr_expect_eq(o.threads.v[0], 3 * cpus);
    /* a count a token repeats is dropped, either way round */
    cr_assert_eq(parse(&o, "cpus,1xcpus", err), 0, "%s", err);
    cr_expect_eq(o.threads.n, 1);
    char lit[32];
    snprintf(lit, sizeof lit, "cpus,%u", cpus);
    cr_assert_eq(parse(&o, lit, err), 0, "%s", err);
    cr_expect_eq(o.threads.n, 1);
    /* literal repeats are still an error */
    cr_expect_eq(parse(&o, "2,2", err), -EINVAL);
    static const char *const bad[] = { "cpu",      "0xcpus",  "xcpus",   "10cpus",     "cpusx",
                                       "10x2cpus", "+2xcpus", "1,,cpus", "200000xcpus" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(parse(&o, bad[i], err), -EINVAL, "%s accepted", bad[i]);
}

Test(frontier, bad_cpus_tokens_exit_2_with_one_line)
{
    static const char *const bad[] = { "cpu", "0xcpus", "10xcpu", "1,2,cpus,x" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *args[] = { "run", "--impl", "batcher/mutex", "--threads", bad[i], NULL };
        struct proc_result r;
        cr_assert_eq(run_contend(&r, args), 0);
        cr_expect_eq(r.status, 2, "%s: exit %d", bad[i], r.status);
        cr_expect_eq(count_lines(r.err), 1, "%s: %s", bad[i], r.err);
        cr_expect(strstr(r.err, "--threads") != NULL, "%s", r.err);
    }
}

Test(frontier, kind_from_origin)
{
    static const struct {
        const char *origin;
        enum rep_kind kind;
    } cases[] = {
        { "seed:snail phase 5", REP_KIND_SEED },
        { "seed:taskstore (abandoned)", REP_KIND_SEED },
        { "peer:ck ck_spinlock_mcs (Mellor-Crummey & Scott 1991)", REP_KIND_PEER },
        { "design: flat combining (Hendler et al., SPAA 2010)", REP_KIND_DESIGN },
        { "roofline", REP_KIND_ROOFLINE },
        { "harness", REP_KIND_ROOFLINE },
        { "new", REP_KIND_OTHER },
        { "seeds:x", REP_KIND_OTHER },
        { "", REP_KIND_OTHER },
        { NULL, REP_KIND_OTHER },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_expect_eq(rep_origin_kind(cases[i].origin), cases[i].kind, "%s",
                     cases[i].origin ? cases[i].origin : "NULL");
    cr_expect_str_eq(rep_kind_name(REP_KIND_PEER), "library peer");
    cr_expect_str_eq(rep_kind_name(REP_KIND_DESIGN), "published design");
}

/* A cell of n trials around ops/s base (spread 0.1% per trial). */
static json_t *cell(const char *impl, const char *origin, unsigned threads, double base, int n)
{
    json_t *trials = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(trials, json_pack("{s:f}", "ops_per_s", base * (1 + 0.001 * i)));
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "family", "counter", "impl", impl, "origin",
                     origin, "threads", (int)threads, "verdict", "ok", "trials", trials);
}

/* A result of synthetic cells at 2 threads, n trials each; CPUs: 2. */
static void synthetic(struct rf_result *r, int n)
{
    json_t *cells = json_array();
    json_array_append_new(cells, cell("slowseed", "seed:x 1", 2, 100, n));
    json_array_append_new(cells, cell("fastseed", "seed:x 2", 2, 200, n));
    json_array_append_new(cells, cell("peer", "peer:ck x", 2, 400, n));
    json_array_append_new(cells, cell("near", "design: y", 2, 205, n));
    json_array_append_new(cells, cell("ideal", "roofline", 2, 1000, n));
    json_array_append_new(cells, cell("none", "design: z", 2, 1, 0));
    json_array_append_new(cells, cell("fastseed", "seed:x 2", 8, 100, n));
    json_array_append_new(cells, cell("peer", "peer:ck x", 8, 140, n));
    json_t *root =
        json_pack("{s:s, s:i, s:{s:i}, s:{}, s:o}", "schema", "contend-result", "schema_version", 2,
                  "context", "online_cpus", 2, "config", "cells", cells);
    char *text = json_dumps(root, 0), err[ERRLEN];
    json_decref(root);
    cr_assert_eq(res_parse(text, strlen(text), "synthetic", r, err, ERRLEN), 0, "%s", err);
    free(text);
}

Test(frontier, ranks_by_median_with_ratio_to_the_best_seed)
{
    struct rf_result r;
    synthetic(&r, 10);
    struct rep_rank rows[16];
    const struct rf_cell *seed = NULL;
    size_t n = rep_frontier_rank(&r, "counter", 2, rows, 16, &seed);
    cr_assert_eq(n, 6);
    cr_assert_not_null(seed);
    cr_expect_str_eq(seed->impl, "fastseed");
    static const char *const order[] = { "peer", "near", "fastseed", "slowseed", "ideal", "none" };
    for (size_t i = 0; i < n; i++) cr_expect_str_eq(rows[i].c->impl, order[i], "row %zu", i);
    cr_expect_eq(rows[4].kind, REP_KIND_ROOFLINE);
    cr_expect_eq(rows[5].has_value, 0);
    cr_expect_eq(rows[5].has_ratio, 0);
    /* peer: 2x, differs; near: 1.025x, inside 5%: agrees; slowseed: 0.5x */
    cr_expect(rows[0].has_ratio && rows[0].q.interval);
    cr_expect(fabs(rows[0].q.est - 2) < 0.01, "%g", rows[0].q.est);
    cr_expect(rows[0].q.lo <= rows[0].q.est && rows[0].q.est <= rows[0].q.hi);
    cr_expect_eq(rows[0].v, LAB_RATIO_DIFFERS);
    cr_expect_eq(rows[1].v, LAB_RATIO_AGREES);
    cr_expect_eq(rows[3].v, LAB_RATIO_DIFFERS);
    cr_expect(rows[3].q.est < 1);
    /* a family with no seed: no ratio */
    cr_expect_eq(rep_frontier_rank(&r, "batcher", 2, rows, 16, &seed), 0);
    cr_expect_null(seed);
    res_free(&r);

    synthetic(&r, 5); /* too few trials for an interval: the ratio alone */
    n = rep_frontier_rank(&r, "counter", 2, rows, 16, &seed);
    cr_expect(rows[0].has_ratio && !rows[0].q.interval);
    cr_expect(fabs(rows[0].q.est - 2) < 0.01);
    cr_expect_eq(rows[0].v, LAB_RATIO_INCONCLUSIVE);
    res_free(&r);
}

Test(frontier, goals_met_missed_inconclusive)
{
    struct rf_result r;
    synthetic(&r, 10);
    struct exp_goal g = {
        .key = "g", .part = "p", .best = "design,peer", .against = "seed", .ratio = 1.5
    };
    struct rep_goal_eval ev;
    rep_frontier_goal(&r, &g, 2, &ev); /* peer 400 over fastseed 200 */
    cr_expect_str_eq(ev.best->impl, "peer");
    cr_expect_str_eq(ev.against->impl, "fastseed");
    cr_expect_eq(ev.status, REP_GOAL_MET);
    rep_frontier_goal(&r, &g, 8, &ev); /* 140 over 100: 1.4 < 1.5 */
    cr_expect_eq(ev.status, REP_GOAL_MISSED);
    cr_expect(fabs(ev.missed_by - (1 - 1.4 / 1.5)) < 0.01, "%g", ev.missed_by);
    g.ratio = 2; /* 400 / 200 = 2 exactly: the interval straddles it */
    rep_frontier_goal(&r, &g, 2, &ev);
    cr_expect_eq(ev.status, REP_GOAL_INCONCLUSIVE);
    g.best = "near"; /* names, not kinds */
    g.against = "slowseed";
    rep_frontier_goal(&r, &g, 2, &ev);
    cr_expect_str_eq(ev.best->impl, "near");
    cr_expect_eq(ev.status, REP_GOAL_MET);
    g.against = "nosuch";
    rep_frontier_goal(&r, &g, 2, &ev);
    cr_expect_eq(ev.status, REP_GOAL_NO_DATA);
    /* thread selection: upto-cpus reads the run's CPU count (2) */
    g.threads = "upto-cpus";
    cr_expect(rep_frontier_goal_threads(&r, &g, 2));
    cr_expect(!rep_frontier_goal_threads(&r, &g, 8));
    g.threads = "1,8";
    cr_expect(rep_frontier_goal_threads(&r, &g, 8));
    cr_expect(!rep_frontier_goal_threads(&r, &g, 2));
    g.threads = "4xcpus"; /* the run's CPUs: 2 */
    cr_expect(rep_frontier_goal_threads(&r, &g, 8));
    cr_expect(!rep_frontier_goal_threads(&r, &g, 2));
    g.threads = "1,cpus";
    cr_expect(rep_frontier_goal_threads(&r, &g, 2));
    cr_expect(!rep_frontier_goal_threads(&r, &g, 8));
    res_free(&r);
    synthetic(&r, 5);
    g.best = "peer", g.against = "seed", g.ratio = 1.5, g.threads = NULL;
    rep_frontier_goal(&r, &g, 2, &ev);
    cr_expect_eq(ev.status, REP_GOAL_INCONCLUSIVE);
    res_free(&r);
}

static const char *const part = "[part p]\nfamily = counter\nimpl = mutex\n";

Test(frontier, experiment_keys)
{
    struct experiment e;
    char err[ERRLEN], text[1024];
    snprintf(text, sizeof text,
             "[experiment]\ngroup = frontier\nreport = frontier\n%s"
             "[goal g]\nlabel = L\npart = p\nbest = design\nagainst = seed\nratio = 1.5\n"
             "threads = upto-cpus,2,cpus,10xcpus\n",
             part);
    cr_assert_eq(res_experiment_load_string(text, "quick", &e, err, ERRLEN), 0, "%s", err);
    cr_expect_str_eq(e.group, "frontier");
    cr_expect(res_experiment_is_frontier(&e));
    cr_assert_eq(e.ngoals, 1);
    cr_expect_str_eq(e.goals[0].against, "seed");
    cr_expect_eq(e.goals[0].ratio, 1.5);
    res_experiment_free(&e);
    static const char *const bad[] = {
        "[experiment]\nreport = fancy\n",
        "[experiment]\ngroup = a b\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\nratio = -1\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\nratio = 1\nthreads = some\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\nratio = 1\nthreads = 0xcpus\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\nratio = 1\nthreads = 2,\n",
        "[goal g]\npart = nosuch\nbest = x\nagainst = y\nratio = 1\n",
        "[goal g]\npart = p\nagainst = y\nratio = 1\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\n",
        "[goal g]\npart = p\nbest = x\nagainst = y\nratio = 1\nwhat = 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text, "%s%s", part, bad[i]);
        cr_expect_eq(res_experiment_load_string(text, "quick", &e, err, ERRLEN), -EINVAL,
                     "accepted: %s", bad[i]);
        cr_expect(strchr(err, '\n') == NULL && *err, "%s", err);
    }
}

/* reproduce of a tiny frontier experiment: the ranking tables and goals. */
Test(frontier, reproduce_prints_the_frontier)
{
    char dir[] = "/tmp/contend-frontier-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char ini[256], out[300];
    snprintf(ini, sizeof ini, "%s/tiny.ini", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    fputs("[experiment]\ntitle = Tiny frontier\ngroup = test\nreport = frontier\n"
          "[part c]\nfamily = counter\nimpl = atomic,mutex,tas_backoff,sharded\n"
          "threads = 1,cpus\nduration = 0.002\nreps = 2\n"
          "[goal g]\nlabel = tiny goal\npart = c\nbest = peer\nagainst = seed\nratio = 1\n",
          f);
    fclose(f);
    const char *args[] = { "reproduce", ini, "--out", out, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "The frontier, measured here") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "over the best seed") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "tiny goal") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "library peer") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "roofline") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "goal: inconclusive") != NULL, "%s", r.out);
    char md[400];
    snprintf(md, sizeof md, "%s/report.md", out);
    cr_expect_eq(access(md, F_OK), 0);
    remove_tree(dir);
}

/* `reproduce all` runs the files of group seed, found by their group, not
   by a list of names: --reps 0 fails on the first it runs, which the
   error names. */
Test(frontier, reproduce_all_runs_group_seed)
{
    char dir[] = "/tmp/contend-groups-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    static const char *const files[][2] = { { "aaa", "frontier" }, { "bbb", "seed" } };
    for (size_t i = 0; i < 2; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.ini", dir, files[i][0]);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fprintf(f, "[experiment]\ngroup = %s\n%s", files[i][1], part);
        fclose(f);
    }
    setenv("CONTEND_WORKLOADS", dir, 1);
    const char *args[] = { "reproduce", "all", "--reps", "0", NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    unsetenv("CONTEND_WORKLOADS");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "bbb.ini") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "aaa.ini") == NULL, "%s", r.err);
    remove_tree(dir);
}

/* The shipped frontier file: every part's options parse in both modes, at
   1, 2, the CPUs and 10x them, and every goal names one of its parts. */
Test(frontier, the_shipped_file_parses)
{
    static const char *const modes[] = { "quick", "full" };
    for (size_t m = 0; m < 2; m++) {
        struct experiment e;
        char err[ERRLEN];
        cr_assert_eq(res_experiment_load(CONTEND_SOURCE_DIR "/workloads/frontier.ini", modes[m], &e,
                                         err, ERRLEN),
                     0, "%s", err);
        cr_expect(res_experiment_is_frontier(&e));
        cr_expect_str_eq(e.group, "frontier");
        cr_expect_geq(e.nparts, 8);
        cr_expect_geq(e.ngoals, 5);
        for (size_t k = 0; k < e.nparts; k++) {
            struct run_opts o;
            cr_assert_eq(res_experiment_part_opts(&e, k, NULL, 0, &o, err, ERRLEN), 0, "%s: %s",
                         modes[m], err);
            cr_expect_eq(o.threads.v[0], 1);
            cr_expect_eq(o.threads.v[o.threads.n - 1], 10 * allowed_cpus(), "%s", e.parts[k].name);
        }
        res_experiment_free(&e);
    }
}
