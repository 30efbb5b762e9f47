/* Counters: the fallback path on a machine without a PMU (this one and CI):
 * hardware events are n/a with a reason (never 0), software events count,
 * getrusage stands in where perf cannot, unknown names are errors. These
 * tests check what was counted and how, never how fast anything is. */
#include <jansson.h>
#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#define PAGES 64

/* Some CPU work, PAGES fresh pages touched, and `sleeps` short sleeps (each
   one a voluntary context switch). */
static void workload(int sleeps)
{
    long pg = sysconf(_SC_PAGESIZE);
    volatile char *m =
        mmap(NULL, (size_t)pg * PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq((void *)m, MAP_FAILED);
    for (int i = 0; i < PAGES; i++) m[(long)i * pg] = (char)i;
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < 2000000; i++) x += i * i;
    for (int i = 0; i < sleeps; i++) usleep(1000);
    munmap((void *)m, (size_t)pg * PAGES);
}

/* Counts spec's events around workload() on this thread, as a worker does. */
static void count_here(const struct ctr_spec *s, int sleeps, uint64_t ops, struct ctr_result *r)
{
    struct ctr_plan plan;
    run_ctr_plan_make(s, 1, &plan);
    struct ctr_thread *t = run_ctr_threads_new(&plan, 1);
    cr_assert_not_null(t);
    run_ctr_thread_open(t);
    run_ctr_thread_start(t);
    workload(sleeps);
    run_ctr_thread_stop(t);
    run_ctr_thread_close(t);
    run_ctr_collect(&plan, t, 1, ops, r);
    free(t);
}

static size_t find(const struct ctr_spec *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->ev[i].key, key)) return i;
    cr_assert_fail("no event with key %s", key);
    return 0;
}

Test(counters, parse_lists)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(run_ctr_spec_parse("none", &s, err, sizeof err), 0);
    cr_expect_eq(s.enabled, 0);
    cr_assert_eq(run_ctr_spec_parse("default", &s, err, sizeof err), 0, "%s", err);
    cr_expect_eq(s.enabled, 1);
    cr_expect_eq(s.n, 7);
    const char *keys[] = { "cycles",           "instructions", "llc_misses",   "branch_misses",
                           "context_switches", "page_faults",  "task_clock_ns" };
    for (size_t i = 0; i < 7; i++) cr_expect_str_eq(s.ev[i].key, keys[i]);
    const char *bad[] = { "",
                          "cycles,",
                          ",cycles",
                          "cycles,,task-clock",
                          "cycles,cycles",
                          "task-clock,perf::PERF_COUNT_SW_TASK_CLOCK" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(run_ctr_spec_parse(bad[i], &s, err, sizeof err), -EINVAL, "'%s' accepted",
                     bad[i]);
        cr_expect_null(strchr(err, '\n'), "multi-line error: %s", err);
    }
}

Test(counters, unknown_event_is_an_error)
{
    static struct ctr_spec s;
    char err[ERRLEN] = "";
    cr_assert_eq(run_ctr_spec_parse("task-clock,bogus_event", &s, err, sizeof err), -EINVAL);
    cr_expect(strstr(err, "bogus_event"), "error does not name the event: %s", err);
    cr_expect(strstr(err, "unknown event"), "error does not say why: %s", err);
    cr_expect_null(strchr(err, '\n'));
}

/* Where the hardware does not open (no PMU: ENOENT; paranoid: EACCES), the
   event is n/a with that reason: NaN, source none, never 0. */
Test(counters, hardware_events_are_na_with_a_reason)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(
        run_ctr_spec_parse("cycles,instructions,branch-misses,task-clock", &s, err, sizeof err), 0,
        "%s", err);
    if (s.ev[0].perf_ok) cr_skip_test("this machine has a usable PMU: no fallback to test");
    struct ctr_result r;
    count_here(&s, 0, 1000, &r);
    for (size_t i = 0; i < 3; i++) {
        const struct ctr_event *e = &s.ev[i];
        cr_expect_eq(e->perf_ok, 0);
        cr_expect(!strncmp(e->reason, "ENOENT", 6) || !strncmp(e->reason, "EACCES", 6)
                      || !strncmp(e->reason, "EPERM", 5),
                  "%s: reason '%s'", e->name, e->reason);
        cr_expect(isnan(r.total[i]), "%s: not counted but total %g", e->name, r.total[i]);
        cr_expect(isnan(r.per_op[i]), "%s: not counted but per_op %g", e->name, r.per_op[i]);
        cr_expect_eq(r.src[i], CTR_SRC_NONE);
    }
}

Test(counters, software_events_count_through_perf)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(run_ctr_spec_parse("task-clock,page-faults,context-switches", &s, err, sizeof err),
                 0, "%s", err);
    for (size_t i = 0; i < s.n; i++)
        if (!s.ev[i].perf_ok)
            cr_skip_test("perf software events do not open here: %s", s.ev[i].reason);
    struct ctr_result r;
    count_here(&s, 3, 1000, &r);
    size_t tc = find(&s, "task_clock_ns"), pf = find(&s, "page_faults"),
           cs = find(&s, "context_switches");
    cr_expect_eq(r.src[tc], CTR_SRC_PERF);
    cr_expect_gt(r.total[tc], 0, "task-clock %g", r.total[tc]);
    cr_expect_eq(r.src[pf], CTR_SRC_PERF);
    cr_expect_geq(r.total[pf], 1, "page faults %g after touching %d fresh pages", r.total[pf],
                  PAGES);
    cr_expect_eq(r.src[cs], CTR_SRC_PERF);
    cr_expect_geq(r.total[cs], 3, "context switches %g after 3 sleeps", r.total[cs]);
    cr_expect_eq(r.per_op[tc], r.total[tc] / 1000);
}

/* getrusage(RUSAGE_THREAD), forced even where perf works: the path used when
   perf cannot give context switches or page faults. */
Test(counters, rusage_stands_in_when_forced)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(run_ctr_spec_parse("context-switches,page-faults,task-clock", &s, err, sizeof err),
                 0, "%s", err);
    for (size_t i = 0; i < s.n; i++) s.ev[i].force_rusage = 1;
    struct ctr_result r;
    count_here(&s, 3, 10, &r);
    for (size_t i = 0; i < s.n; i++) cr_expect_eq(r.src[i], CTR_SRC_RUSAGE, "%s", s.ev[i].name);
    cr_expect_geq(r.total[0], 3, "context switches %g after 3 sleeps", r.total[0]);
    cr_expect_geq(r.total[1], 1, "page faults %g after touching %d fresh pages", r.total[1], PAGES);
    cr_expect(!isnan(r.total[2]) && r.total[2] >= 0, "cpu time %g", r.total[2]);
    cr_expect_eq(r.per_op[0], r.total[0] / 10);
}

/* More threads than fds: an event with a stand-in moves to getrusage, one
   without is not counted; both say why. Nothing is opened here. */
Test(counters, fd_budget_falls_back_or_says_na)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(run_ctr_spec_parse("task-clock,cpu-migrations", &s, err, sizeof err), 0, "%s",
                 err);
    if (!s.ev[0].perf_ok || !s.ev[1].perf_ok) cr_skip_test("software events do not open here");
    struct ctr_plan p;
    run_ctr_plan_make(&s, 1, &p);
    cr_expect_eq(p.src[0], CTR_SRC_PERF);
    cr_expect_eq(p.src[1], CTR_SRC_PERF);
    run_ctr_plan_make(&s, MAX_THREADS * 100, &p);
    cr_expect_eq(p.src[0], CTR_SRC_RUSAGE);
    cr_expect_eq(p.src[1], CTR_SRC_NONE);
    cr_expect(strstr(p.note[0], "RLIMIT_NOFILE"), "%s", p.note[0]);
    cr_expect(strstr(p.note[1], "not counted"), "%s", p.note[1]);
}

Test(counters, multiplexed_counts_are_scaled)
{
    int scaled;
    cr_expect_eq(run_ctr_scale(1000, 50, 50, &scaled), 1000);
    cr_expect_eq(scaled, 0);
    cr_expect_eq(run_ctr_scale(1000, 100, 25, &scaled), 4000);
    cr_expect_eq(scaled, 1);
    cr_expect(isnan(run_ctr_scale(0, 100, 0, &scaled)), "never on the PMU must not read 0");
    cr_expect_eq(run_ctr_scale(0, 0, 0, &scaled), 0);
}

/* The probe passed but the per-thread open fails (pretended here with an
   event that cannot open): a stand-in takes over for the whole trial, or the
   event is not counted; the trial says why. */
Test(counters, per_thread_open_failure_falls_back)
{
    static struct ctr_spec s;
    char err[ERRLEN];
    cr_assert_eq(run_ctr_spec_parse("cycles,context-switches", &s, err, sizeof err), 0, "%s", err);
    if (s.ev[0].perf_ok) cr_skip_test("this machine has a usable PMU");
    struct ctr_event *cyc = &s.ev[0], *cs = &s.ev[1];
    cyc->perf_ok = 1;
    cs->type = cyc->type; /* context switches "through" the missing PMU */
    cs->config = cyc->config;
    struct ctr_result r;
    count_here(&s, 2, 100, &r);
    cr_expect_eq(r.src[0], CTR_SRC_NONE);
    cr_expect(isnan(r.total[0]));
    cr_expect(strstr(r.note[0], "perf failed on 1 of 1 threads"), "%s", r.note[0]);
    cr_expect_eq(r.src[1], CTR_SRC_RUSAGE);
    cr_expect_geq(r.total[1], 2, "context switches %g after 2 sleeps", r.total[1]);
    cr_expect(strstr(r.note[1], "getrusage"), "%s", r.note[1]);
}

/* In a trial: every worker counted, summed, per op. */
Test(counters, runner_sums_worker_threads)
{
    static struct run_opts o;
    char err[ERRLEN];
    char *argv[] = { "run",   "--impl", "mutex",      "--threads", "3",
                     "--ops", "3000",   "--counters", "default",   NULL };
    cr_assert_eq(run_opts_parse(9, argv, &o, err, sizeof err), 0, "%s", err);
    struct trial t;
    cr_assert_eq(run_trial(&o, o.impls[0], 3, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.counters.n, 7);
    size_t tc = find(&o.counters, "task_clock_ns");
    cr_expect_neq(t.counters.src[tc], CTR_SRC_NONE);
    cr_expect_gt(t.counters.total[tc], 0);
    for (size_t i = 0; i < t.counters.n; i++)
        if (t.counters.src[i] == CTR_SRC_NONE) cr_expect(isnan(t.counters.per_op[i]));

    char *off[] = { "run",   "--impl", "mutex",      "--threads", "2",
                    "--ops", "200",    "--counters", "none",      NULL };
    cr_assert_eq(run_opts_parse(9, off, &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(run_trial(&o, o.impls[0], 2, &t, err, sizeof err), 0, "%s", err);
    cr_expect_eq(t.counters.n, 0);
}

Test(counters, cmd_counters_explains_cycles)
{
    const char *args[] = { "counters", "bogus_event", NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect(strstr(r.out, "PMUs detected by libpfm4"), "%s", r.out);
    const char *line = strstr(r.out, "  cycles ");
    cr_assert_not_null(line, "%s", r.out);
    const char *eol = strchr(line, '\n');
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)(eol ? eol - line : (long)strlen(line)), line);
    cr_expect(strstr(buf, "ENOENT") || strstr(buf, "EACCES") || strstr(buf, "EPERM")
                  || strstr(buf, " perf"),
              "cycles: neither counted nor explained: %s", buf);
    cr_expect(strstr(r.out, "bogus_event") && strstr(r.out, "unknown event"), "%s", r.out);
}

/* The JSON: a run-level counters section with each event's reason once,
   and per-trial values that are numbers or null (never a made-up 0). */
Test(counters, run_json_has_counters_section)
{
    char dir[] = "/tmp/contend-ctr-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char out[300];
    snprintf(out, sizeof out, "%s/r.json", dir);
    const char *args[] = { "run",    "--impl", "mutex,spin", "--threads", "1,2",   "--ops", "2000",
                           "--reps", "2",      "--counters", "default",   "--out", out,     NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect(strstr(r.out, "cs/op"), "no counters table: %s", r.out);
    json_error_t je;
    json_t *j = json_load_file(out, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    json_t *sec = json_object_get(j, "counters");
    cr_assert(json_is_object(sec));
    json_t *events = json_object_get(sec, "events");
    cr_assert_eq(json_array_size(events), 7);
    for (size_t i = 0; i < 7; i++) {
        json_t *e = json_array_get(events, i);
        int perf = json_is_true(json_object_get(e, "perf"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        cr_expect(perf || (reason && *reason), "event %zu: not counted and no reason", i);
    }
    json_t *cells = json_object_get(j, "cells");
    cr_assert_eq(json_array_size(cells), 4);
    for (size_t c = 0; c < 4; c++) {
        json_t *trials = json_object_get(json_array_get(cells, c), "trials");
        for (size_t k = 0; k < json_array_size(trials); k++) {
            json_t *tc = json_object_get(json_array_get(trials, k), "counters");
            json_t *per_op = json_object_get(tc, "per_op"), *src = json_object_get(tc, "source");
            cr_assert(json_is_object(per_op));
            for (size_t i = 0; i < 7; i++) {
                json_t *e = json_array_get(events, i);
                const char *key = json_string_value(json_object_get(e, "key"));
                json_t *v = json_object_get(per_op, key);
                const char *from = json_string_value(json_object_get(src, key));
                cr_assert(v && from, "trial lacks %s", key);
                if (!strcmp(from, "none"))
                    cr_expect(json_is_null(v), "%s: not counted, not null", key);
                else
                    cr_expect(json_is_number(v), "%s: counted by %s, not a number", key, from);
            }
        }
        cr_expect(json_is_object(json_object_get(json_array_get(cells, c), "counters")));
    }
    json_decref(j);
    unlink(out);
    rmdir(dir);
}
