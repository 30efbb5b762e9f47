/* Change points and the newest-run gate (lib/lab_changepoint.c) on
 * synthetic series with seeded noise: planted steps, noise only, a slow
 * drift. Rates measured here are quoted in docs/statistics.md. */
#include <math.h>

#include "lab_changepoint.h"
#include "lab_ratio.h"
#include "testutil.h"

#define CP_MAXPTS 40
#define CP_MAXTRIALS 8

struct cp_series_buf {
    double v[CP_MAXPTS][CP_MAXTRIALS];
    struct lab_cp_point pts[CP_MAXPTS];
};

/* n points of k trials, point i around level(i) with relative Gaussian noise. */
static void cp_make(struct cp_series_buf *s, size_t n, size_t k, double (*level)(size_t),
                    double noise, uint64_t seed)
{
    struct lab_rng g;
    lab_rng_seed(&g, seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < k; j++) {
            double u = lab_rng_double(&g), v = lab_rng_double(&g);
            double z = sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
            s->v[i][j] = level(i) * (1 + noise * z);
        }
        s->pts[i] = (struct lab_cp_point){ s->v[i], k };
    }
}

/* cp_make with 5% noise, then lab_cp_detect with default options and seed. */
static int cp_run(struct cp_series_buf *s, size_t n, double (*level)(size_t), uint64_t data,
                  uint64_t seed, struct lab_cp_change *c, size_t max)
{
    cp_make(s, n, 3, level, 0.05, data);
    struct lab_cp_opts o = { .seed = seed };
    int found = lab_cp_detect(s->pts, n, &o, c, max);
    cr_assert(found >= 0);
    return found;
}

static double cp_flat(size_t i)
{
    (void)i;
    return 100;
}
static double cp_step7(size_t i) { return i < 7 ? 100 : 80; }
static double cp_drift(size_t i) { return 100 * pow(1.01, (double)i); }
static double cp_two_steps(size_t i) { return i < 5 ? 100 : i < 10 ? 120 : 90; }

/* The 20% slowdown in the last three of ten runs (3 trials, 5% noise). */
Test(changepoint, planted_step_at_seven)
{
    struct cp_series_buf s;
    struct lab_cp_change c[4];
    size_t found_at_7 = 0, covers = 0;
    for (uint64_t seed = 0; seed < 50; seed++) {
        int n = cp_run(&s, 10, cp_step7, 2000 + seed, 1, c, 4);
        if (n == 1 && c[0].index == 7) found_at_7++;
        if (n >= 1 && c[n - 1].lo <= 0.8 && 0.8 <= c[n - 1].hi) covers++;
        if (seed == 0) {
            cr_expect(n == 1 && c[0].index == 7, "%d changes, first at %zu", n, c[0].index);
            cr_expect(c[0].lo <= 0.8 && 0.8 <= c[0].hi && c[0].ratio < 1, "%.3f [%.3f, %.3f]",
                      c[0].ratio, c[0].lo, c[0].hi);
            cr_expect(c[0].p < 0.01 && c[0].q > 0, "p %g q %g", c[0].p, c[0].q);
        }
    }
    cr_expect_eq(found_at_7, 50, "exactly at 7 in every series: %zu", found_at_7);
    cr_expect(covers >= 44, "the 95%% interval covers 0.8 in %zu of 50", covers);
}

/* A/A: noise only. The permutation test holds each split to alpha (0.01). */
Test(changepoint, noise_only_false_positive_rate)
{
    struct cp_series_buf s;
    struct lab_cp_change c[4];
    size_t flagged = 0;
    for (uint64_t seed = 0; seed < 200; seed++)
        if (cp_run(&s, 10, cp_flat, 1000 + seed, seed, c, 4) > 0) flagged++;
    cr_log_info("A/A: %zu of 200 series flagged", flagged);
    cr_expect(flagged < 20, "false-positive rate %zu/200 is not below 10%%", flagged);
    cr_expect(flagged <= 6, "measured 1/200 at alpha 0.01 (docs); now %zu", flagged);
}

/* A slow drift (1% per point) is not a step: E-Divisive cuts it into steps
   in the drift's direction once the drift over a segment outgrows the noise.
   Over 10 points (9% in all) only some series, never more than one cut;
   over 20 points (21%) every series, in 1 to 4 steps of a few percent, all
   up but for the odd false positive inside a segment (1 of 317 cuts over
   200 series, measured: docs/statistics.md). */
Test(changepoint, slow_drift_becomes_steps)
{
    struct cp_series_buf s;
    struct lab_cp_change c[8];
    size_t flagged10 = 0, up = 0, down = 0;
    for (uint64_t seed = 0; seed < 50; seed++) {
        int n = cp_run(&s, 10, cp_drift, 3000 + seed, seed, c, 8);
        cr_assert(n <= 1, "10 points: %d cuts", n);
        flagged10 += n == 1;
        n = cp_run(&s, 20, cp_drift, 3000 + seed, seed, c, 8);
        cr_expect(n >= 1 && n <= 4, "20 points: %d cuts", n);
        for (int i = 0; i < n && i < 8; i++) {
            c[i].ratio > 1 ? up++ : down++;
            cr_expect(c[i].ratio < 1.21, "a step smaller than the whole drift: %g", c[i].ratio);
        }
    }
    cr_expect(flagged10 >= 5 && flagged10 <= 35, "10 points: %zu of 50 flagged", flagged10);
    cr_expect(up >= 50 && down <= 2, "20 points: %zu cuts up, %zu down", up, down);
}

Test(changepoint, two_steps_found_both)
{
    struct cp_series_buf s;
    struct lab_cp_change c[4];
    size_t both = 0;
    for (uint64_t seed = 0; seed < 50; seed++) {
        int n = cp_run(&s, 15, cp_two_steps, 4000 + seed, seed, c, 4), hit5 = 0, hit10 = 0;
        for (int i = 0; i < n && i < 4; i++) {
            if (c[i].index == 5) hit5 = c[i].lo <= 1.2 && 1.2 <= c[i].hi;
            if (c[i].index == 10) hit10 = c[i].lo <= 0.75 && 0.75 <= c[i].hi;
        }
        cr_expect(n >= 2, "seed %llu: %d changes", (unsigned long long)seed, n);
        both += hit5 && hit10;
    }
    cr_expect(both >= 45, "both steps with intervals covering 1.2 and 0.75: %zu of 50", both);
}

Test(changepoint, deterministic_for_a_seed)
{
    struct cp_series_buf s;
    struct lab_cp_change a[4], b[4];
    cp_make(&s, 15, 3, cp_two_steps, 0.05, 5);
    struct lab_cp_opts o = { .seed = 9 };
    int na = lab_cp_detect(s.pts, 15, &o, a, 4), nb = lab_cp_detect(s.pts, 15, &o, b, 4);
    cr_assert(na == nb && na > 0);
    cr_expect(!memcmp(a, b, (size_t)na * sizeof *a), "same seed, same changes");
}

Test(changepoint, edges_and_errors)
{
    struct cp_series_buf s;
    struct lab_cp_change c[1];
    cp_make(&s, 15, 3, cp_two_steps, 0.05, 5);
    cr_expect_eq(lab_cp_detect(s.pts, 0, NULL, c, 1), 0);
    cr_expect_eq(lab_cp_detect(s.pts, 1, NULL, c, 1), 0);
    cr_expect_eq(lab_cp_detect(s.pts, 3, NULL, c, 1), 0, "3 points cannot have 2 on each side");
    int n = lab_cp_detect(s.pts, 15, NULL, c, 1);
    cr_expect(n >= 2 && c[0].index == 5, "returns every change, writes the first: %d", n);
    cr_expect_eq(lab_cp_detect(s.pts, 15, NULL, NULL, 0), n);
    struct lab_cp_opts bad = { .alpha = 1.5 };
    cr_expect_eq(lab_cp_detect(s.pts, 15, &bad, c, 1), -EINVAL);
    s.v[3][1] = 0;
    cr_expect_eq(lab_cp_detect(s.pts, 15, NULL, c, 1), -EINVAL);
    s.v[3][1] = NAN;
    cr_expect_eq(lab_cp_detect(s.pts, 15, NULL, c, 1), -EINVAL);
    s.v[3][1] = 100, s.pts[4].n = 0;
    cr_expect_eq(lab_cp_detect(s.pts, 15, NULL, c, 1), -EINVAL);
}

/* The gate: the newest run (5 trials) against the 2 runs since the last
   change (at 9; 120 before it, 100 after). */
static double cp_level;
static double cp_newest_level(size_t i) { return i < 9 ? 120 : i < 11 ? 100 : cp_level; }

static enum lab_cp_outcome cp_gate(double newest, size_t since, enum lab_cp_better better,
                                   double min_effect, struct lab_cp_gate *g)
{
    struct cp_series_buf s;
    cp_level = newest;
    cp_make(&s, 12, 5, cp_newest_level, 0.03, 77);
    cr_assert_eq(lab_cp_newest_test(s.pts, 12, since, better, min_effect, 0.05, g), 0);
    cr_assert_eq(g->n_new, 5);
    cr_assert_eq(g->n_base, (11 - since) * 5);
    cr_assert_eq(g->lo > 1 || g->hi < 1, g->p < 0.05, "interval and test agree");
    return g->outcome;
}

Test(changepoint, newest_gate)
{
    struct lab_cp_gate g;
    cr_expect_eq(cp_gate(80, 9, LAB_CP_HIGHER_IS_BETTER, 0.03, &g), LAB_CP_REGRESSION);
    cr_expect(g.lo <= 0.8 && 0.8 <= g.hi, "%g [%g, %g]", g.ratio, g.lo, g.hi);
    cr_expect_eq(cp_gate(80, 9, LAB_CP_LOWER_IS_BETTER, 0.03, &g), LAB_CP_IMPROVEMENT);
    cr_expect_eq(cp_gate(120, 9, LAB_CP_HIGHER_IS_BETTER, 0.03, &g), LAB_CP_IMPROVEMENT);
    cr_expect_eq(cp_gate(120, 9, LAB_CP_LOWER_IS_BETTER, 0.03, &g), LAB_CP_REGRESSION);
    cr_expect_eq(cp_gate(100, 9, LAB_CP_HIGHER_IS_BETTER, 0.03, &g), LAB_CP_NO_CHANGE);
    cr_expect(g.p >= 0.05 && g.lo <= 1 && 1 <= g.hi, "p %g [%g, %g]", g.p, g.lo, g.hi);
    cr_expect_eq(cp_gate(80, 9, LAB_CP_HIGHER_IS_BETTER, 0.30, &g), LAB_CP_NO_CHANGE,
                 "below the minimum effect");
    /* against every run since the start (the old level 120 included) the
       old change is flagged again on every later run: why the gate starts
       at the last change */
    cr_expect_eq(cp_gate(100, 0, LAB_CP_HIGHER_IS_BETTER, 0.03, &g), LAB_CP_REGRESSION,
                 "p %g %g [%g, %g]", g.p, g.ratio, g.lo, g.hi);
    cr_expect_str_eq(lab_cp_outcome_name(LAB_CP_REGRESSION), "regression");
}

Test(changepoint, newest_gate_errors)
{
    struct cp_series_buf s;
    struct lab_cp_gate g;
    cp_make(&s, 4, 3, cp_flat, 0.05, 1);
    cr_expect_eq(lab_cp_newest_test(s.pts, 4, 3, LAB_CP_HIGHER_IS_BETTER, 0, 0.05, &g), -EINVAL);
    cr_expect_eq(lab_cp_newest_test(s.pts, 1, 0, LAB_CP_HIGHER_IS_BETTER, 0, 0.05, &g), -EINVAL);
    cr_expect_eq(lab_cp_newest_test(s.pts, 4, 0, LAB_CP_HIGHER_IS_BETTER, 0, 0, &g), -EINVAL);
    cr_expect_eq(lab_cp_newest_test(s.pts, 4, 0, LAB_CP_HIGHER_IS_BETTER, -1, 0.05, &g), -EINVAL);
    cr_expect_eq(lab_cp_newest_test(s.pts, 4, 0, LAB_CP_HIGHER_IS_BETTER, 0, 0.05, &g), 0);
}
