/* Statistics against textbook and hand-computed values. */
#include <math.h>

#include "testutil.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

Test(stats, median_ci_ranks_by_hand)
{
    /* coverage of [x_(k), x_(n+1-k)] is 1 - 2 P(Binomial(n, 1/2) <= k-1) */
    size_t lo, hi;
    double c = lab_median_ci_ranks(5, 0.95, &lo, &hi); /* no 95% interval exists */
    cr_expect(lo == 1 && hi == 5, "n=5: [%zu, %zu]", lo, hi);
    cr_expect(NEAR(c, 1 - 2.0 / 32, 1e-12), "n=5 coverage %g", c);
    c = lab_median_ci_ranks(6, 0.95, &lo, &hi);
    cr_expect(lo == 1 && hi == 6 && NEAR(c, 1 - 2.0 / 64, 1e-12), "n=6: [%zu, %zu] %g", lo, hi, c);
    c = lab_median_ci_ranks(10, 0.95, &lo, &hi); /* P(B<=1) = 11/1024 */
    cr_expect(lo == 2 && hi == 9, "n=10: [%zu, %zu]", lo, hi);
    cr_expect(NEAR(c, 1 - 22.0 / 1024, 1e-12), "n=10 coverage %g", c);
    c = lab_median_ci_ranks(20, 0.95, &lo, &hi); /* P(B<=5) = 21700/2^20 */
    cr_expect(lo == 6 && hi == 15, "n=20: [%zu, %zu]", lo, hi);
    cr_expect(NEAR(c, 1 - 2 * 21700.0 / 1048576, 1e-12), "n=20 coverage %g", c);
}

Test(stats, summary_ci_and_unstable)
{
    double x[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
    struct lab_summary s;
    lab_summarize(x, 10, &s);
    cr_expect(s.median == 5.5 && s.ci_low == 2 && s.ci_high == 9 && s.min == 1 && s.max == 10);
    cr_expect(s.unstable, "cv %g is over 5%%", s.cv);
    double y[5] = { 100, 101, 99, 100, 100 };
    lab_summarize(y, 5, &s);
    cr_expect(!s.unstable && s.ci_low == 99 && s.ci_high == 101, "cv %g", s.cv);
}

Test(stats, mwu_exact_small)
{
    struct lab_mwu t;
    double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
    cr_assert_eq(lab_mwu_test(a, 3, b, 3, &t), 0);
    cr_expect(t.exact && t.u == 0 && NEAR(t.p, 2.0 / 20, 1e-12), "U %g p %g", t.u, t.p);
    /* U = 2 with n = 4, 5: P(U <= 2) = 4 / C(9,4) = 4/126 */
    double c[] = { 1, 2, 4, 5 }, d[] = { 3, 6, 7, 8, 9 };
    cr_assert_eq(lab_mwu_test(c, 4, d, 5, &t), 0);
    cr_expect(t.exact && t.u == 2 && NEAR(t.p, 8.0 / 126, 1e-12), "U %g p %g", t.u, t.p);
    /* symmetric: swapping the samples gives U' = n1 n2 - U and the same p */
    cr_assert_eq(lab_mwu_test(d, 5, c, 4, &t), 0);
    cr_expect(t.u == 18 && NEAR(t.p, 8.0 / 126, 1e-12), "U %g p %g", t.u, t.p);
}

Test(stats, mwu_textbook_hollander_wolfe)
{
    /* Hollander & Wolfe (1973), p. 69 (also R's ?wilcox.test): W = 35,
       one-sided p = 0.1272, so two-sided 0.2544 */
    double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
    double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
    struct lab_mwu t;
    cr_assert_eq(lab_mwu_test(x, 10, y, 5, &t), 0);
    cr_expect(t.exact && t.u == 35, "U %g", t.u);
    cr_expect(NEAR(t.p, 0.2544, 5e-4), "p %g", t.p);
}

Test(stats, mwu_ties_normal_approximation)
{
    /* by hand: ranks with mid-ranks give U = 4; tie term sum(t^3 - t) = 54;
       var = 30/12 * (12 - 54/110); z = (4 - 15 + 0.5) / sqrt(var) */
    double x[] = { 1, 2, 2, 3, 3 }, y[] = { 2, 3, 4, 5, 5, 6 };
    struct lab_mwu t;
    cr_assert_eq(lab_mwu_test(x, 5, y, 6, &t), 0);
    double var = 30.0 / 12 * (12 - 54.0 / 110), z = (4 - 15 + 0.5) / sqrt(var);
    cr_expect(!t.exact && t.u == 4, "U %g", t.u);
    cr_expect(NEAR(t.p, erfc(fabs(z) / sqrt(2.0)), 1e-12) && NEAR(t.p, 0.05029, 1e-4), "p %g", t.p);
    double same[] = { 7, 7, 7 };
    cr_assert_eq(lab_mwu_test(same, 3, same, 3, &t), 0);
    cr_expect(t.p == 1, "identical samples: p %g", t.p);
    cr_expect_eq(lab_mwu_test(x, 0, y, 6, &t), -EINVAL);
}

Test(stats, mwu_large_uses_normal)
{
    double x[60], y[60];
    for (int i = 0; i < 60; i++) x[i] = i, y[i] = i + 0.5;
    struct lab_mwu t;
    cr_assert_eq(lab_mwu_test(x, 60, y, 60, &t), 0);
    cr_expect(!t.exact && t.p > 0.5, "p %g", t.p);
}

Test(stats, min_p_and_holm)
{
    cr_expect(NEAR(lab_mwu_min_p(5, 5), 2.0 / 252, 1e-12));
    cr_expect(NEAR(lab_mwu_min_p(3, 3), 0.1, 1e-12));
    cr_expect(NEAR(lab_mwu_min_p(1, 1), 1, 1e-12));
    /* sorted 0.005 0.01 0.03 0.04 -> x4 x3 x2 x1 = 0.02 0.03 0.06 0.04 -> monotone 0.06 */
    double p[] = { 0.01, 0.04, 0.03, 0.005 }, adj[4];
    cr_assert_eq(lab_holm_adjust(p, 4, adj), 0);
    double want[] = { 0.03, 0.06, 0.06, 0.02 };
    for (int i = 0; i < 4; i++) cr_expect(NEAR(adj[i], want[i], 1e-12), "adj[%d] %g", i, adj[i]);
    double big[] = { 0.5, 0.6 };
    cr_assert_eq(lab_holm_adjust(big, 2, big), 0); /* in place, capped at 1 */
    cr_expect(big[0] == 1 && big[1] == 1);
}
