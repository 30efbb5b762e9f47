/* Statistical tests of the workload generators. Fixed seeds: each test is
 * deterministic, and a broken generator fails it. Chi-square tests use the
 * 0.1% critical value (Wilson-Hilferty approximation). */
#include <math.h>
#include <stdlib.h>

#include "testutil.h"
#include "workload.h"

/* Upper 0.1% point of chi-square with df degrees of freedom. */
static double chi2_crit(double df)
{
    const double z = 3.0902;
    double a = 2 / (9 * df);
    return df * pow(1 - a + z * sqrt(a), 3);
}

/* Bins consecutive ranks so each bin expects >= 5 samples; returns chi2
   and the degrees of freedom. p[k] for k in 1..n (p[0] unused). */
static double chi2_binned(const double *p, const uint64_t *obs, uint64_t n, uint64_t samples,
                          double *df)
{
    double chi = 0, e = 0, o = 0;
    size_t bins = 0;
    for (uint64_t k = 1; k <= n; k++) {
        e += p[k] * (double)samples;
        o += (double)obs[k];
        if (e >= 5 && (n - k) > 0) {
            /* close the bin unless what is left would expect < 5 */
            double rest = 0;
            for (uint64_t j = k + 1; j <= n && rest < 5; j++) rest += p[j] * (double)samples;
            if (rest >= 5) {
                chi += (o - e) * (o - e) / e;
                bins++;
                e = o = 0;
            }
        }
    }
    if (e > 0) {
        chi += (o - e) * (o - e) / e;
        bins++;
    }
    *df = (double)bins - 1;
    return chi;
}

static double *zipf_pmf(uint64_t n, double theta)
{
    double *p = calloc(n + 1, sizeof *p), sum = 0;
    for (uint64_t k = n; k >= 1; k--) sum += pow((double)k, -theta); /* small terms first */
    for (uint64_t k = 1; k <= n; k++) p[k] = pow((double)k, -theta) / sum;
    return p;
}

struct zcase {
    double theta;
    uint64_t seed;
};

ParameterizedTestParameters(workloads, zipf_chi_square)
{
    static struct zcase c[] = {
        { 0.3, 1 },  { 0.5, 2 }, { 0.894, 1 }, { 0.894, 2 }, { 0.894, 3 },
        { 0.99, 4 }, { 1.0, 5 }, { 1.2, 6 },   { 2.0, 7 },   { 3.5, 8 },
    };
    return cr_make_param_array(struct zcase, c, sizeof c / sizeof c[0]);
}

ParameterizedTest(struct zcase *c, workloads, zipf_chi_square)
{
    const uint64_t n = 2000, samples = 400000;
    struct wl_zipf z;
    cr_assert_eq(wl_zipf_init(&z, n, c->theta), 0);
    struct wl_rng r;
    wl_rng_seed(&r, c->seed, 0);
    uint64_t *obs = calloc(n + 1, sizeof *obs);
    for (uint64_t i = 0; i < samples; i++) {
        uint64_t k = wl_zipf_sample(&z, &r);
        cr_assert(k >= 1 && k <= n, "rank %llu out of [1, %llu]", (unsigned long long)k,
                  (unsigned long long)n);
        obs[k]++;
    }
    double *p = zipf_pmf(n, c->theta), df;
    double chi = chi2_binned(p, obs, n, samples, &df);
    cr_expect(df >= 1);
    cr_expect(chi < chi2_crit(df), "theta %g seed %llu: chi2 %.1f over %g df (critical %.1f)",
              c->theta, (unsigned long long)c->seed, chi, df, chi2_crit(df));
    free(p);
    free(obs);
}

Test(workloads, zipf_small_domains)
{
    /* n = 1 and n = 2 are edge cases of the hat function */
    struct wl_zipf z;
    struct wl_rng r;
    wl_rng_seed(&r, 9, 0);
    cr_assert_eq(wl_zipf_init(&z, 1, 0.894), 0);
    for (int i = 0; i < 1000; i++) cr_assert_eq(wl_zipf_sample(&z, &r), 1);
    cr_assert_eq(wl_zipf_init(&z, 2, 1.0), 0);
    uint64_t ones = 0;
    for (int i = 0; i < 300000; i++) ones += wl_zipf_sample(&z, &r) == 1;
    double share = (double)ones / 300000; /* exact: 1 / (1 + 1/2) */
    cr_expect(fabs(share - 2.0 / 3) < 0.005, "P(1) = %.4f, want 0.6667", share);
    cr_expect_neq(wl_zipf_init(&z, 10, 0), 0);
    cr_expect_neq(wl_zipf_init(&z, 10, -1), 0);
    cr_expect_neq(wl_zipf_init(&z, 0, 1), 0);
}

Test(workloads, zipf_top20_share_at_0894)
{
    const uint64_t n = 1000000, samples = 1000000;
    double *p = zipf_pmf(n, 0.894), exact = 0;
    for (uint64_t k = 1; k <= n / 5; k++) exact += p[k];
    free(p);
    cr_expect(fabs(exact - 0.80) <= 0.01, "exact top-20%% share %.4f", exact);
    struct wl_zipf z;
    cr_assert_eq(wl_zipf_init(&z, n, 0.894), 0);
    struct wl_rng r;
    wl_rng_seed(&r, 1, 0);
    uint64_t top = 0;
    for (uint64_t i = 0; i < samples; i++) top += wl_zipf_sample(&z, &r) <= n / 5;
    double share = (double)top / (double)samples;
    cr_expect(fabs(share - 0.80) <= 0.01, "sampled top-20%% share %.4f", share);
}

Test(workloads, uniform_chi_square)
{
    const uint64_t n = 1000, samples = 300000;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct wl_spec s;
        wl_spec_defaults(&s);
        s.dist = WL_UNIFORM;
        s.keys = n;
        struct wl_keygen g;
        char err[ERRLEN];
        cr_assert_eq(wl_keygen_init(&g, &s, seed, err, sizeof err), 0, "%s", err);
        struct wl_rng r;
        wl_rng_seed(&r, seed, 0);
        uint64_t *obs = calloc(n + 1, sizeof *obs);
        for (uint64_t i = 0; i < samples; i++) {
            uint64_t k = wl_keygen_next(&g, &r, i);
            cr_assert(k >= 1 && k <= n);
            obs[k]++;
        }
        double *p = calloc(n + 1, sizeof *p), df;
        for (uint64_t k = 1; k <= n; k++) p[k] = 1.0 / (double)n;
        double chi = chi2_binned(p, obs, n, samples, &df);
        cr_expect(chi < chi2_crit(df), "seed %llu: chi2 %.1f over %g df", (unsigned long long)seed,
                  chi, df);
        free(p);
        free(obs);
    }
}

/* The seed's formula, written out independently of the generator. */
static uint64_t seed_formula(uint64_t i, uint64_t n)
{
    uint64_t hot = n / 5 > 0 ? n / 5 : 1;
    if (i % 10 < 8) return i % hot + 1;
    if (n == hot) return i % n + 1;
    return hot + i % (n - hot) + 1;
}

Test(workloads, seed8020_matches_formula)
{
    const uint64_t sizes[] = { 1, 2, 7, 10, 1000, 1000000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct wl_spec sp;
        wl_spec_defaults(&sp);
        sp.dist = WL_SEED8020;
        sp.keys = sizes[s];
        struct wl_keygen g;
        char err[ERRLEN];
        cr_assert_eq(wl_keygen_init(&g, &sp, 1, err, sizeof err), 0, "%s", err);
        struct wl_rng r;
        wl_rng_seed(&r, 1, 0);
        uint64_t hot = 0;
        for (uint64_t i = 0; i < 100000; i++) {
            uint64_t k = wl_keygen_next(&g, &r, i);
            cr_assert_eq(k, seed_formula(i, sizes[s]), "n %llu i %llu",
                         (unsigned long long)sizes[s], (unsigned long long)i);
            hot += k <= (sizes[s] / 5 ? sizes[s] / 5 : 1);
        }
        if (sizes[s] >= 5)
            cr_expect_eq(hot, 80000, "n %llu: %llu of 100000 on the hot 20%%",
                         (unsigned long long)sizes[s], (unsigned long long)hot);
    }
}

Test(workloads, scrambling_is_a_bijection)
{
    const uint64_t sizes[] = { 1, 2, 3, 5, 16, 1000, 1024, 12345, 65537 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s], fixed = 0;
        struct wl_perm p;
        wl_perm_init(&p, n, 42);
        unsigned char *seen = calloc(n, 1);
        for (uint64_t x = 0; x < n; x++) {
            uint64_t y = wl_perm_apply(&p, x);
            cr_assert(y < n, "n %llu: %llu -> %llu", (unsigned long long)n, (unsigned long long)x,
                      (unsigned long long)y);
            cr_assert(!seen[y], "n %llu: %llu hit twice", (unsigned long long)n,
                      (unsigned long long)y);
            seen[y] = 1;
            fixed += x == y;
        }
        if (n >= 1000)
            cr_expect(fixed < n / 10, "n %llu: %llu fixed points", (unsigned long long)n,
                      (unsigned long long)fixed);
        free(seen);
    }
}

Test(workloads, hotset_shares)
{
    struct wl_spec s;
    wl_spec_defaults(&s);
    s.dist = WL_HOTSET;
    s.keys = 10000;
    s.hot_keys = 0.1;
    s.hot_ops = 0.9;
    struct wl_keygen g;
    char err[ERRLEN];
    cr_assert_eq(wl_keygen_init(&g, &s, 3, err, sizeof err), 0, "%s", err);
    struct wl_rng r;
    wl_rng_seed(&r, 3, 0);
    uint64_t hot = 0, samples = 200000;
    for (uint64_t i = 0; i < samples; i++) hot += wl_keygen_next(&g, &r, i) <= 1000;
    double share = (double)hot / (double)samples;
    cr_expect(fabs(share - 0.9) < 0.005, "hot share %.4f, want 0.9", share);
}

Test(workloads, mix_parse_and_pick)
{
    uint32_t m[WL_NOPS];
    char err[ERRLEN];
    cr_assert_eq(wl_mix_parse("read=95,update=5", m, err, sizeof err), 0, "%s", err);
    cr_expect_eq(m[WL_READ], 950000);
    cr_expect_eq(m[WL_UPDATE], 50000);
    cr_assert_eq(wl_mix_parse("read=79.99,update=20,scan=0.01", m, err, sizeof err), 0, "%s", err);
    cr_expect_eq(m[WL_SCAN], 100);
    const char *bad[] = { "",         "read=90",   "read=50,read=50",
                          "nope=100", "read",      "read=-5,update=105",
                          "read=x",   "read=100,", "read=150,update=-50" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_neq(wl_mix_parse(bad[i], m, err, sizeof err), 0, "accepted '%s'", bad[i]);
    cr_assert_eq(wl_mix_parse("read=50,insert=30,delete=20", m, err, sizeof err), 0);
    struct wl_rng r;
    wl_rng_seed(&r, 5, 0);
    uint64_t cnt[WL_NOPS] = { 0 };
    for (int i = 0; i < 100000; i++) cnt[wl_mix_pick(m, &r)]++;
    cr_expect(cnt[WL_UPDATE] == 0 && cnt[WL_SCAN] == 0);
    cr_expect(fabs((double)cnt[WL_INSERT] / 100000 - 0.3) < 0.01);
}
