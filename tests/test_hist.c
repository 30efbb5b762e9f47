/* Latency histograms (lib/lab_hist.c): every percentile of known
 * distributions within the stated relative error, exact min/max, merge,
 * extremes, serialisation. */
#include <math.h>
#include <stdlib.h>

#include "lab_hist.h"
#include "lab_ratio.h"
#include "testutil.h"

static int hist_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Records v[0..n), then checks every percentile p = 0, 0.1, ..., 100 (and
   99.99, 99.999) against the exact nearest-rank value of the sorted data. */
static void hist_check_all(uint64_t *v, size_t n, uint64_t highest)
{
    struct lab_hist h;
    cr_assert_eq(lab_hist_init(&h, highest), 0);
    for (size_t i = 0; i < n; i++) lab_hist_record(&h, v[i]);
    qsort(v, n, sizeof *v, hist_cmp);
    cr_assert(h.count == n && h.min == v[0] && h.max == v[n - 1], "exact count, min, max");
    for (int k = 0; k <= 1002; k++) {
        double p = k <= 1000 ? k / 10.0 : k == 1001 ? 99.99 : 99.999;
        double want = ceil(p * (double)n / 100);
        size_t rank = want < 1 ? 1 : want > (double)n ? n : (size_t)want;
        uint64_t exact = v[rank - 1], got = lab_hist_percentile(&h, p);
        double err = fabs((double)got - (double)exact);
        cr_assert(err <= (double)exact * LAB_HIST_REL_ERROR, "p%g: %llu, exactly %llu", p,
                  (unsigned long long)got, (unsigned long long)exact);
    }
    cr_expect(lab_hist_percentile(&h, 0) == v[0] && lab_hist_percentile(&h, 100) == v[n - 1]);
    lab_hist_free(&h);
}

Test(hist, exact_min_max_count_mean)
{
    struct lab_hist h;
    cr_assert_eq(lab_hist_init(&h, 0), 0);
    cr_expect(isnan(lab_hist_mean(&h)) && lab_hist_percentile(&h, 50) == 0, "empty");
    uint64_t v[] = { 5, 1000, 123456789, 3, 1000001 };
    for (int i = 0; i < 5; i++) lab_hist_record(&h, v[i]);
    cr_expect(h.count == 5 && h.min == 3 && h.max == 123456789);
    cr_expect(lab_hist_mean(&h) == (5 + 1000 + 123456789 + 3 + 1000001) / 5.0);
    cr_expect_eq(h.nbuckets, 7424, "all of uint64 in %zu buckets", h.nbuckets);
    lab_hist_reset(&h);
    cr_expect(h.count == 0 && h.min == UINT64_MAX && h.max == 0);
    lab_hist_free(&h);
    cr_assert_eq(lab_hist_init(&h, ((uint64_t)1 << 36) - 1), 0);
    cr_expect_eq(h.nbuckets, 3840, "to 68.7 s in %zu buckets", h.nbuckets);
    lab_hist_free(&h);
}

Test(hist, uniform_one_to_a_million)
{
    size_t n = 1000000;
    uint64_t *v = malloc(n * sizeof *v);
    cr_assert(v);
    for (size_t i = 0; i < n; i++) v[i] = n - i; /* recorded in reverse order */
    hist_check_all(v, n, 0);
    free(v);
}

Test(hist, two_points_and_constants)
{
    uint64_t v[1000];
    for (int i = 0; i < 1000; i++) v[i] = i % 10 ? 1000 : 5000000;
    hist_check_all(v, 1000, 0);
    struct lab_hist h;
    const uint64_t consts[] = { 0, 1, 255, 777777, UINT64_MAX };
    for (int c = 0; c < 5; c++) {
        cr_assert_eq(lab_hist_init(&h, 0), 0);
        lab_hist_record_n(&h, consts[c], 1000);
        for (int p = 0; p <= 100; p += 5)
            cr_expect_eq(lab_hist_percentile(&h, p), consts[c], "a constant is exact");
        lab_hist_free(&h);
    }
}

Test(hist, lognormal_and_extremes)
{
    struct lab_rng g;
    lab_rng_seed(&g, 11);
    uint64_t v[20000];
    for (int i = 0; i < 20000; i++) {
        double u = lab_rng_double(&g), w = lab_rng_double(&g);
        v[i] = (uint64_t)(50000 * exp(1.5 * sqrt(-2 * log(1 - u)) * cos(2 * M_PI * w)));
    }
    hist_check_all(v, 20000, 0);
    /* 0, the exact range, the top of uint64 */
    uint64_t x[] = { 0, 0, 1, 200, UINT64_MAX, UINT64_MAX - 1, (uint64_t)1 << 63, 1u << 20 };
    hist_check_all(x, 8, 0);
}

Test(hist, above_highest_share_the_last_bucket)
{
    uint64_t v[400];
    for (int i = 0; i < 400; i++) v[i] = 1000 + (uint64_t)i * 10;
    hist_check_all(v, 400, 1000000);
    struct lab_hist h;
    cr_assert_eq(lab_hist_init(&h, 1000000), 0);
    lab_hist_record(&h, 5);
    lab_hist_record(&h, 5000000);
    lab_hist_record(&h, UINT64_MAX);
    cr_expect(h.max == UINT64_MAX && h.count == 3 && h.buckets[h.nbuckets - 1] == 2);
    cr_expect_eq(lab_hist_percentile(&h, 100), UINT64_MAX, "max stays exact");
    lab_hist_free(&h);
}

Test(hist, merge_equals_the_union)
{
    struct lab_rng g;
    lab_rng_seed(&g, 12);
    struct lab_hist a, b, all;
    cr_assert(!lab_hist_init(&a, 0) && !lab_hist_init(&b, 0) && !lab_hist_init(&all, 0));
    for (int i = 0; i < 50000; i++) {
        uint64_t v = lab_rng_next(&g) >> (20 + lab_rng_below(&g, 40));
        lab_hist_record(i % 3 ? &a : &b, v);
        lab_hist_record(&all, v);
    }
    lab_hist_merge(&a, &b);
    cr_expect(a.count == all.count && a.min == all.min && a.max == all.max);
    cr_expect(fabs(a.sum - all.sum) <= 1e-12 * all.sum, "%g %g", a.sum, all.sum);
    cr_expect(!memcmp(a.buckets, all.buckets, all.nbuckets * sizeof *all.buckets), "same buckets");
    for (int p = 0; p <= 1000; p++)
        cr_expect_eq(lab_hist_percentile(&a, p / 10.0), lab_hist_percentile(&all, p / 10.0));
    lab_hist_free(&a);
    lab_hist_free(&b);
    lab_hist_free(&all);
}

/* to pairs, each value through a double (as a JSON reader may give it back),
   from pairs: the same histogram. */
Test(hist, serialisation_round_trip)
{
    struct lab_rng g;
    lab_rng_seed(&g, 13);
    struct lab_hist h, back;
    cr_assert(!lab_hist_init(&h, 0) && !lab_hist_init(&back, 0));
    for (int i = 0; i < 30000; i++) lab_hist_record(&h, lab_rng_next(&g) >> lab_rng_below(&g, 64));
    lab_hist_record(&h, 0);
    lab_hist_record(&h, UINT64_MAX);
    size_t n = lab_hist_to_pairs(&h, NULL, 0);
    struct lab_hist_pair *p = malloc(n * sizeof *p);
    cr_assert(p && n > 100 && lab_hist_to_pairs(&h, p, n) == n);
    for (size_t i = 0; i < n; i++) {
        cr_assert(p[i].count > 0 && (i == 0 || p[i].value > p[i - 1].value));
        p[i].value = (uint64_t)(double)p[i].value;
    }
    cr_assert_eq(lab_hist_from_pairs(&back, p, n, h.min, h.max, h.sum), 0);
    cr_expect(back.count == h.count && back.min == h.min && back.max == h.max && back.sum == h.sum);
    cr_expect(!memcmp(back.buckets, h.buckets, h.nbuckets * sizeof *h.buckets), "same buckets");
    lab_hist_reset(&back);
    cr_expect_eq(lab_hist_from_pairs(&back, p, n, 5, h.max, h.sum), -EINVAL, "below min");
    cr_expect_eq(lab_hist_from_pairs(&back, p, n, 9, 5, h.sum), -EINVAL, "min > max");
    cr_expect_eq(back.count, 0, "left empty");
    free(p);
    lab_hist_free(&h);
    lab_hist_free(&back);
}
