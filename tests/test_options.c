/* Option parsing and statistics, in-process. */
#include <math.h>

#include "lab_batcher.h"
#include "testutil.h"

static int parse(struct run_opts *o, const char *const *args, char *err)
{
    char *argv[32] = { "run" };
    int argc = 1;
    for (; args[argc - 1]; argc++) argv[argc] = (char *)args[argc - 1];
    return run_opts_parse(argc, argv, o, err, ERRLEN);
}

Test(options, defaults_and_lists)
{
    struct run_opts o;
    char err[ERRLEN];
    const char *a[] = { "--impl", "batcher/mutex,spin", "--threads", "1,2,10000", "--ops", "10M",
                        NULL };
    cr_assert_eq(parse(&o, a, err), 0, "%s", err);
    cr_expect_eq(o.nimpls, 2);
    cr_expect_str_eq(o.impls[0]->name, "mutex");
    cr_expect_eq(o.threads.n, 3);
    cr_expect_eq(o.threads.v[2], 10000);
    cr_expect_eq(o.ops, 10000000);
    cr_expect_eq(o.reps, 5);
    cr_expect_eq(((const struct lab_batcher_cfg *)o.fcfg)->batch_size, 100);
}

Test(options, suffixes_and_bounds)
{
    uint64_t v;
    char err[ERRLEN];
    cr_expect_eq(lab_opt_parse_u64("--x", "2k", 0, 10000, 1, &v, err, sizeof err), 0);
    cr_expect_eq(v, 2000);
    cr_expect_eq(
        lab_opt_parse_u64("--x", "18446744073709551615", 0, UINT64_MAX, 1, &v, err, sizeof err), 0);
    cr_expect_eq(
        lab_opt_parse_u64("--x", "18446744073709551616", 0, UINT64_MAX, 1, &v, err, sizeof err),
        -EINVAL);
    cr_expect_eq(lab_opt_parse_u64("--x", "20000G", 0, UINT64_MAX, 1, &v, err, sizeof err), 0);
    cr_expect_eq(lab_opt_parse_u64("--x", "20000000000G", 0, UINT64_MAX, 1, &v, err, sizeof err),
                 -EINVAL);
    cr_expect_eq(lab_opt_parse_u64("--x", "-1", 0, 10, 1, &v, err, sizeof err), -EINVAL);
    cr_expect_eq(lab_opt_parse_u64("--x", "11", 0, 10, 1, &v, err, sizeof err), -EINVAL);
    cr_expect(strstr(err, "out of range"));
}

Test(stats, summary_and_jain)
{
    double x[] = { 5, 1, 4, 2, 3 };
    struct lab_summary s;
    lab_summarize(x, 5, &s);
    cr_expect_float_eq(s.median, 3, 1e-12);
    cr_expect_float_eq(s.min, 1, 1e-12);
    cr_expect_float_eq(s.max, 5, 1e-12);
    cr_expect_float_eq(s.mean, 3, 1e-12);
    cr_expect_float_eq(s.cv, sqrt(2.5) / 3, 1e-12);
    double even[] = { 4, 1, 3, 2 };
    lab_summarize(even, 4, &s);
    cr_expect_float_eq(s.median, 2.5, 1e-12);
    double fair[] = { 7, 7, 7, 7 }, starved[] = { 1, 0, 0, 0 };
    cr_expect_float_eq(lab_jain(fair, 4), 1.0, 1e-12);
    cr_expect_float_eq(lab_jain(starved, 4), 0.25, 1e-12);
}

Test(runner, one_trial_counts_every_op)
{
    struct run_opts o;
    char err[ERRLEN];
    const char *a[] = { "--ops", "10007", NULL };
    cr_assert_eq(parse(&o, a, err), 0, "%s", err);
    struct trial t;
    const struct lab_impl *m = run_registry_find("batcher", "hybrid");
    cr_assert_eq(run_trial(&o, m, 7, &t, err, sizeof err), 0, "%s", err);
    cr_expect_eq(t.ops, 10007);
    cr_expect_eq(t.verdict, VERDICT_OK, "%s", t.note);
    cr_expect_eq(t.delivered, 10007);
    cr_expect_gt(t.ops_per_s, 0);
    cr_expect(t.jain > 0 && t.jain <= 1.0 + 1e-9);
}

Test(runner, fixed_time_stops)
{
    struct run_opts o;
    char err[ERRLEN];
    const char *a[] = { "--duration", "0.05", NULL };
    cr_assert_eq(parse(&o, a, err), 0, "%s", err);
    struct trial t;
    const struct lab_impl *m = run_registry_find("batcher", "spin");
    cr_assert_eq(run_trial(&o, m, 3, &t, err, sizeof err), 0, "%s", err);
    cr_expect_gt(t.ops, 0);
    cr_expect_eq(t.verdict, VERDICT_OK, "%s", t.note);
    cr_expect_eq(t.delivered, t.ops);
}
