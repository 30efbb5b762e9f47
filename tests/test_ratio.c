/* Ratio intervals and verdicts (lib/lab_ratio.c) on synthetic trial sets
 * whose answer is known. */
#include <math.h>

#include "lab_ratio.h"
#include "testutil.h"

/* x[i] = center * (1 + noise * N(0,1)), Box-Muller over the lab's generator. */
static void ratio_fill(double *x, size_t n, double center, double noise, struct lab_rng *g)
{
    for (size_t i = 0; i < n; i++) {
        double u = lab_rng_double(g), v = lab_rng_double(g);
        double z = sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
        x[i] = center * fmax(0.05, 1 + noise * z);
    }
}

/* Two samples of n trials from one seed: a around ca, b around cb. */
static void ratio_pair(uint64_t seed, double *a, double ca, double *b, double cb, size_t n,
                       double noise)
{
    struct lab_rng g;
    lab_rng_seed(&g, seed);
    ratio_fill(a, n, ca, noise, &g);
    ratio_fill(b, n, cb, noise, &g);
}

Test(ratio, clearly_different)
{
    double a[12], b[12], est, lo, hi;
    ratio_pair(1, a, 200e6, b, 100e6, 12, 0.01);
    cr_assert_eq(lab_ratio_bootstrap(a, 12, b, 12, 0.95, 0, 7, &est, &lo, &hi), 0);
    cr_expect(lo > 1 && lo <= 2 && hi >= 2 && lo <= est && est <= hi, "bootstrap %g [%g, %g]", est,
              lo, hi);
    cr_expect(hi / lo < 1.05, "low noise gives a narrow interval: [%g, %g]", lo, hi);
    cr_expect_eq(lab_ratio_verdict(lo, hi, 1.8, 2.2, 1), LAB_RATIO_AGREES);
    cr_expect_eq(lab_ratio_verdict(lo, hi, 4.0, 7.5, 1.5), LAB_RATIO_DIFFERS);
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 12, b, 12, 0.95, &est, &lo, &hi), 0);
    cr_expect(lo > 1 && lo <= 2 && hi >= 2 && lo <= est && est <= hi, "HL %g [%g, %g]", est, lo,
              hi);
}

Test(ratio, identical_contains_one)
{
    double a[15], b[15], est, lo, hi;
    ratio_pair(2, a, 50e6, b, 50e6, 15, 0.02);
    cr_assert_eq(lab_ratio_bootstrap(a, 15, b, 15, 0.95, 0, 7, &est, &lo, &hi), 0);
    cr_expect(lo < 1 && hi > 1, "bootstrap %g [%g, %g]", est, lo, hi);
    cr_expect_eq(lab_ratio_verdict(lo, hi, 0.9, 1.1, 1), LAB_RATIO_AGREES);
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 15, b, 15, 0.95, &est, &lo, &hi), 0);
    cr_expect(lo < 1 && hi > 1, "HL %g [%g, %g]", est, lo, hi);
}

Test(ratio, noisy_is_wide_and_inconclusive)
{
    double a[10], b[10], est, lo, hi;
    ratio_pair(3, a, 120, b, 100, 10, 0.3);
    cr_assert_eq(lab_ratio_bootstrap(a, 10, b, 10, 0.95, 0, 7, &est, &lo, &hi), 0);
    cr_expect(hi / lo > 1.5, "30%% noise over 10 trials: [%g, %g]", lo, hi);
    cr_expect_eq(lab_ratio_verdict(lo, hi, 1.1, 1.3, 1), LAB_RATIO_INCONCLUSIVE);
    size_t reps = 0;
    cr_assert_eq(lab_ratio_reps_needed(10, est, lo, hi, 1.1, 1.3, 1, &reps), 0);
    cr_expect(reps > 10, "more trials needed: %zu", reps);
}

Test(ratio, too_few_trials)
{
    double a[LAB_RATIO_MIN_TRIALS], b[LAB_RATIO_MIN_TRIALS], est, lo, hi;
    for (size_t i = 0; i < LAB_RATIO_MIN_TRIALS; i++)
        a[i] = 2 + 0.01 * (double)i, b[i] = 1 + 0.01 * (double)i;
    cr_expect_eq(lab_ratio_bootstrap(a, 9, b, 10, 0.95, 0, 1, &est, &lo, &hi), -EINVAL);
    cr_expect_eq(lab_ratio_bootstrap(a, 10, b, 9, 0.95, 0, 1, &est, &lo, &hi), -EINVAL);
    cr_expect_eq(lab_ratio_bootstrap(a, 10, b, 10, 0.95, 0, 1, &est, &lo, &hi), 0);
    cr_expect_eq(lab_ratio_bootstrap(a, 10, b, 10, 0.95, 1999, 1, &est, &lo, &hi), -EINVAL,
                 "fewer than 2,000 resamples");
    cr_expect_eq(lab_ratio_bootstrap(a, 10, b, 10, 1.0, 0, 1, &est, &lo, &hi), -EINVAL);
    b[3] = 0;
    cr_expect_eq(lab_ratio_bootstrap(a, 10, b, 10, 0.95, 0, 1, &est, &lo, &hi), -EINVAL);
    cr_expect_eq(lab_ratio_hodges_lehmann(a, 10, b, 10, 0.95, &est, &lo, &hi), -EINVAL);
    cr_expect_eq(lab_ratio_hodges_lehmann(a, 0, b, 10, 0.95, &est, &lo, &hi), -EINVAL);
}

Test(ratio, bootstrap_is_deterministic_for_a_seed)
{
    double a[20], b[20], e1, l1, h1, e2, l2, h2;
    ratio_pair(4, a, 3, b, 2, 20, 0.1);
    cr_assert_eq(lab_ratio_bootstrap(a, 20, b, 20, 0.95, 5000, 42, &e1, &l1, &h1), 0);
    cr_assert_eq(lab_ratio_bootstrap(a, 20, b, 20, 0.95, 5000, 42, &e2, &l2, &h2), 0);
    cr_expect(e1 == e2 && l1 == l2 && h1 == h2, "same seed, same interval");
    cr_assert_eq(lab_ratio_bootstrap(a, 20, b, 20, 0.95, 5000, 43, &e2, &l2, &h2), 0);
    cr_expect(e1 == e2 && (l1 != l2 || h1 != h2), "another seed, another resampling");
    cr_expect(fabs(l1 / l2 - 1) < 0.05 && fabs(h1 / h2 - 1) < 0.05,
              "but nearly the same interval: [%g, %g] [%g, %g]", l1, h1, l2, h2);
}

Test(ratio, bootstrap_of_means)
{
    double a[] = { 9, 10, 11 }, b[] = { 4, 5, 6 }, est, lo, hi;
    cr_assert_eq(lab_ratio_bootstrap_stat(LAB_RATIO_MEAN, a, 3, b, 3, 0.9, 0, 1, &est, &lo, &hi),
                 0);
    cr_expect(est == 2 && lo > 9.0 / 6 - 1e-12 && hi < 11.0 / 4 + 1e-12 && lo < 2 && hi > 2,
              "%g [%g, %g]", est, lo, hi);
    cr_expect_eq(lab_ratio_bootstrap_stat(LAB_RATIO_MEAN, a, 1, b, 3, 0.9, 0, 1, &est, &lo, &hi),
                 -EINVAL);
}

/* Hollander & Wolfe's construction by hand: log a = {10,..,50}, log b = {1,..,5};
   the 25 differences 10i - j; for m = n = 5 at 95% k = 3 (P(U <= 2) = 4/252). */
Test(ratio, hodges_lehmann_by_hand)
{
    double a[5], b[5], est, lo, hi;
    for (int i = 0; i < 5; i++) a[i] = exp(10.0 * (i + 1)), b[i] = exp(i + 1.0);
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 5, b, 5, 0.95, &est, &lo, &hi), 0);
    cr_expect(fabs(log(est) - 27) < 1e-9, "median difference 27: %g", log(est));
    cr_expect(fabs(log(lo) - 7) < 1e-9 && fabs(log(hi) - 47) < 1e-9, "[d(3), d(23)] = [%g, %g]",
              log(lo), log(hi));
    /* at 90%: P(U <= 4) = 12/252 <= 0.05 < P(U <= 5) = 19/252, so k = 5 */
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 5, b, 5, 0.90, &est, &lo, &hi), 0);
    cr_expect(fabs(log(lo) - 9) < 1e-9 && fabs(log(hi) - 45) < 1e-9, "[d(5), d(21)] = [%g, %g]",
              log(lo), log(hi));
}

Test(ratio, hodges_lehmann_edge_cases)
{
    double a[] = { 3, 3, 3, 3 }, b[] = { 3, 3, 3, 3 }, c[] = { 1, 2, 4 }, d[] = { 5, 6, 7 };
    double est, lo, hi;
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 4, b, 4, 0.95, &est, &lo, &hi), 0);
    cr_expect(est == 1 && lo == 1 && hi == 1, "all equal: %g [%g, %g]", est, lo, hi);
    /* 3+3 trials: the smallest p is 2/20 = 0.1, no shift can be rejected at 0.05 */
    cr_assert_eq(lab_ratio_hodges_lehmann(c, 3, d, 3, 0.95, &est, &lo, &hi), 0);
    cr_expect(lo == 0 && isinf(hi) && est > 0 && est < 1, "%g [%g, %g]", est, lo, hi);
}

/* The property the interval exists for: it excludes 1 exactly when
   mwu_test's two-sided p < 1 - conf. Checked over many random sample pairs:
   small (exact distribution), large (normal approximation), rounded (ties
   within and across the samples), and small integers (heavy ties, where
   the only exception is -EDOM: the test rejects every shift). */
static void ratio_check_agreement(const double *a, size_t na, const double *b, size_t nb,
                                  double conf, size_t *counts)
{
    struct lab_mwu t;
    double est, lo, hi, alpha = round((1 - conf) * 100) / 100;
    cr_assert_eq(lab_mwu_test(a, na, b, nb, &t), 0);
    int rc = lab_ratio_hodges_lehmann(a, na, b, nb, conf, &est, &lo, &hi);
    if (rc == -EDOM) {
        cr_assert(t.p < alpha && isnan(lo) && isnan(hi), "-EDOM only when the test rejects");
        counts[2]++;
        return;
    }
    cr_assert_eq(rc, 0);
    /* the estimate may sit on an end reported one ulp inside */
    cr_assert(nextafter(lo, 0) <= est && est <= nextafter(hi, INFINITY),
              "%zu+%zu %.17g [%.17g, %.17g]", na, nb, est, lo, hi);
    int rejects = t.p<alpha, excludes = lo> 1 || hi < 1;
    cr_assert_eq(excludes, rejects, "%zu+%zu conf %g p %.6g exact %d: [%.17g, %.17g]", na, nb, conf,
                 t.p, t.exact, lo, hi);
    counts[excludes]++;
    counts[3 + t.exact]++;
}

Test(ratio, hodges_lehmann_agrees_with_the_u_test)
{
    struct lab_rng g;
    lab_rng_seed(&g, 5);
    const double confs[] = { 0.95, 0.90, 0.99 }, shifts[] = { 1, 1.03, 1.1, 1.3 };
    size_t counts[5] = { 0 }; /* included, excluded, -EDOM, approx, exact */
    double a[80], b[80];
    for (int it = 0; it < 600; it++) {
        size_t na = 3 + lab_rng_below(&g, 30), nb = 3 + lab_rng_below(&g, 30);
        if (it % 5 == 4) na += 40, nb += 30; /* past the exact range */
        double shift = shifts[lab_rng_below(&g, 4)];
        ratio_fill(a, na, 100 * shift, 0.05, &g);
        ratio_fill(b, nb, 100, 0.05, &g);
        if (it % 4 == 3) /* ties within and across */
            for (size_t i = 0; i < 80; i++) a[i] = round(a[i]), b[i] = round(b[i]);
        ratio_check_agreement(a, na, b, nb, confs[it % 3], counts);
    }
    cr_expect(counts[0] > 100 && counts[1] > 100, "both sides: %zu %zu", counts[0], counts[1]);
    cr_expect(counts[3] > 100 && counts[4] > 100, "both nulls: %zu %zu", counts[3], counts[4]);
    cr_expect_eq(counts[2], 0);
}

Test(ratio, hodges_lehmann_agrees_under_heavy_ties)
{
    struct lab_rng g;
    lab_rng_seed(&g, 6);
    size_t counts[5] = { 0 };
    double a[80], b[80];
    for (int it = 0; it < 3000; it++) {
        size_t na = 2 + lab_rng_below(&g, 12), nb = 2 + lab_rng_below(&g, 12);
        if (it % 10 == 0) na += 45, nb += 20;
        size_t range = 2 + lab_rng_below(&g, 8), up = lab_rng_below(&g, 3);
        for (size_t i = 0; i < na; i++) a[i] = (double)(1 + up + lab_rng_below(&g, range));
        for (size_t i = 0; i < nb; i++) b[i] = (double)(1 + lab_rng_below(&g, range));
        ratio_check_agreement(a, na, b, nb, it % 2 ? 0.95 : 0.90, counts);
    }
    cr_expect(counts[0] > 300 && counts[1] > 300, "both sides: %zu %zu", counts[0], counts[1]);
}

/* Ties at a = b put U_0 at a mid-rank between its neighbours: here the test
   rejects ratio 1 (p = 0.047 < 0.05) while the shifts it does not reject
   reach down to ratio 1, open there: the end is reported one ulp above 1. */
Test(ratio, hodges_lehmann_tie_at_the_end)
{
    double a[] = { 6, 6, 7, 6, 5, 8 }, b[] = { 1, 1, 6, 4 }, est, lo, hi;
    struct lab_mwu t;
    cr_assert_eq(lab_mwu_test(a, 6, b, 4, &t), 0);
    cr_assert_eq(lab_ratio_hodges_lehmann(a, 6, b, 4, 0.95, &est, &lo, &hi), 0);
    cr_expect(t.p < 0.05 && !t.exact, "p %g", t.p);
    cr_expect(lo == nextafter(1, 2) && fabs(hi - 7) < 1e-12, "[%.17g, %g]", lo, hi);
    /* two-valued samples whose proportions differ: no shift explains them */
    double c[] = { 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 1, 2 }, d[] = { 2, 2, 2, 2, 2, 2, 2, 2 };
    cr_assert_eq(lab_mwu_test(c, 12, d, 8, &t), 0);
    cr_expect(t.p < 0.10, "p %g", t.p);
    cr_expect_eq(lab_ratio_hodges_lehmann(c, 12, d, 8, 0.90, &est, &lo, &hi), -EDOM);
    cr_expect(est == 1 && isnan(lo) && isnan(hi));
}

Test(ratio, band_from_published_ranges)
{
    double lo, hi;
    cr_assert_eq(lab_ratio_band(100e6, 150e6, 20e6, 25e6, &lo, &hi), 0);
    cr_expect(fabs(lo - 4.0) < 1e-12 && fabs(hi - 7.5) < 1e-12, "[%g, %g]", lo, hi);
    cr_expect_eq(lab_ratio_band(150e6, 100e6, 20e6, 25e6, &lo, &hi), -EINVAL);
    cr_expect_eq(lab_ratio_band(100e6, 150e6, 0, 25e6, &lo, &hi), -EINVAL);
}

Test(ratio, each_verdict)
{
    /* band [4, 7.5]; widened by 1.2: [3.333, 9] */
    cr_expect_eq(lab_ratio_verdict(4.5, 6.0, 4, 7.5, 1), LAB_RATIO_AGREES);
    cr_expect_eq(lab_ratio_verdict(4.0, 7.5, 4, 7.5, 1), LAB_RATIO_AGREES, "ends included");
    cr_expect_eq(lab_ratio_verdict(3.5, 3.9, 4, 7.5, 1), LAB_RATIO_DIFFERS);
    cr_expect_eq(lab_ratio_verdict(3.5, 3.9, 4, 7.5, 1.2), LAB_RATIO_AGREES, "widened");
    cr_expect_eq(lab_ratio_verdict(0.1, 0.2, 4, 7.5, 1.2), LAB_RATIO_DIFFERS);
    cr_expect_eq(lab_ratio_verdict(9.5, 12, 4, 7.5, 1.2), LAB_RATIO_DIFFERS);
    cr_expect_eq(lab_ratio_verdict(3.8, 4.2, 4, 7.5, 1), LAB_RATIO_INCONCLUSIVE);
    cr_expect_eq(lab_ratio_verdict(7, 8, 4, 7.5, 1), LAB_RATIO_INCONCLUSIVE);
    cr_expect_eq(lab_ratio_verdict(1, 20, 4, 7.5, 1), LAB_RATIO_INCONCLUSIVE, "wider than band");
    cr_expect_eq(lab_ratio_verdict(NAN, 5, 4, 7.5, 1), LAB_RATIO_INCONCLUSIVE);
    cr_expect_eq(lab_ratio_verdict(5, 4, 4, 7.5, 1), LAB_RATIO_INCONCLUSIVE);
    cr_expect_eq(lab_ratio_verdict(5, 6, 4, 7.5, 0.5), LAB_RATIO_INCONCLUSIVE);
    cr_expect_str_eq(lab_ratio_verdict_name(LAB_RATIO_DIFFERS), "differs");
}

Test(ratio, reps_needed_by_hand)
{
    size_t reps;
    /* est 1.2 in [0.9, 1.6], band [1.0, 1.5]: the half-width log(4/3) must
       shrink to log(1.2) on the near side: 10 / (log 1.2 / log(4/3))^2 = 24.9 */
    cr_assert_eq(lab_ratio_reps_needed(10, 1.2, 0.9, 1.6, 1.0, 1.5, 1, &reps), 0);
    cr_expect_eq(reps, 25);
    /* est outside the band: clear the nearer edge (2.0 over 1.5 from 1.4) */
    cr_assert_eq(lab_ratio_reps_needed(10, 2.0, 1.4, 2.6, 1.0, 1.5, 1, &reps), 0);
    cr_expect_eq(reps, (size_t)ceil(10 / pow(log(2.0 / 1.5) / log(2.0 / 1.4), 2)));
    cr_assert_eq(lab_ratio_reps_needed(12, 1.2, 1.1, 1.3, 1.0, 1.5, 1, &reps), 0);
    cr_expect_eq(reps, 12, "already decided");
    cr_assert_eq(lab_ratio_reps_needed(5, 1.2, 1.1, 1.3, 1.0, 1.5, 1, &reps), 0);
    cr_expect_eq(reps, LAB_RATIO_MIN_TRIALS, "never below the minimum");
    cr_expect_eq(lab_ratio_reps_needed(10, 1.5, 1.4, 1.6, 1.0, 1.5, 1, &reps), -EDOM, "on an edge");
    cr_expect_eq(lab_ratio_reps_needed(10, 1.5, 1.6, 1.4, 1.0, 1.5, 1, &reps), -EINVAL);
}
