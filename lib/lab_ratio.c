/* Ratio intervals: a seeded percentile bootstrap, the Hodges-Lehmann
 * interval that inverts the Mann-Whitney U test, and verdicts against a
 * band. Methods: docs/statistics.md, "Ratio intervals and seed verdicts"
 * and "Hodges-Lehmann intervals in compare". */
#include "lab_ratio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab_stats.h"

/* ---------------- the generator (SplitMix64, Steele et al. 2014) --------- */

void lab_rng_seed(struct lab_rng *r, uint64_t seed) { r->s = seed; }

uint64_t lab_rng_next(struct lab_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double lab_rng_double(struct lab_rng *r) { return (double)(lab_rng_next(r) >> 11) * 0x1.0p-53; }

size_t lab_rng_below(struct lab_rng *r, size_t n)
{
    /* a 53-bit fraction times n: the bias is below n / 2^53, nothing here */
    size_t i = (size_t)(lab_rng_double(r) * (double)n);
    return i < n ? i : n - 1;
}

/* ---------------- order statistics --------------------------------------- */

static int ratio_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Hoare's selection: v[k] is the k-th smallest (0-based) and everything in
   v[0..k) is <= v[k] afterwards. */
static double ratio_select(double *v, size_t n, size_t k)
{
    ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < r) {
        double pivot = v[l + (r - l) / 2];
        ptrdiff_t i = l, j = r;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++, j--;
            }
        }
        if (kk <= j)
            r = j;
        else if (kk >= i)
            l = i;
        else
            break;
    }
    return v[k];
}

/* The median of v (reordered in place). */
static double ratio_median(double *v, size_t n)
{
    double hi = ratio_select(v, n, n / 2);
    if (n % 2) return hi;
    double lo = v[0];
    for (size_t i = 1; i < n / 2; i++) lo = fmax(lo, v[i]);
    return (lo + hi) / 2;
}

static double ratio_mean(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    return s / (double)n;
}

static double ratio_stat(enum lab_ratio_stat stat, double *v, size_t n)
{
    return stat == LAB_RATIO_MEAN ? ratio_mean(v, n) : ratio_median(v, n);
}

/* Hyndman & Fan's type 7 quantile of sorted x[0..n). */
static double ratio_quantile(const double *x, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t i = (size_t)h;
    if (i + 1 >= n) return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

static int ratio_positive(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0) || !isfinite(x[i])) return 0;
    return 1;
}

/* ---------------- bootstrap ---------------------------------------------- */

int lab_ratio_bootstrap_stat(enum lab_ratio_stat stat, const double *a, size_t na, const double *b,
                             size_t nb, double conf, unsigned resamples, uint64_t seed, double *est,
                             double *lo, double *hi)
{
    if (!resamples) resamples = LAB_RATIO_RESAMPLES;
    if (na < 2 || nb < 2 || !(conf > 0 && conf < 1) || resamples < LAB_RATIO_RESAMPLES
        || (stat != LAB_RATIO_MEDIAN && stat != LAB_RATIO_MEAN) || !ratio_positive(a, na)
        || !ratio_positive(b, nb))
        return -EINVAL;
    size_t nmax = na > nb ? na : nb;
    double *buf = malloc(nmax * sizeof *buf), *r = malloc(resamples * sizeof *r);
    if (!buf || !r) {
        free(buf);
        free(r);
        return -ENOMEM;
    }
    memcpy(buf, a, na * sizeof *buf);
    double sa = ratio_stat(stat, buf, na);
    memcpy(buf, b, nb * sizeof *buf);
    *est = sa / ratio_stat(stat, buf, nb);
    struct lab_rng g;
    lab_rng_seed(&g, seed);
    for (unsigned k = 0; k < resamples; k++) {
        for (size_t i = 0; i < na; i++) buf[i] = a[lab_rng_below(&g, na)];
        double x = ratio_stat(stat, buf, na);
        for (size_t i = 0; i < nb; i++) buf[i] = b[lab_rng_below(&g, nb)];
        r[k] = x / ratio_stat(stat, buf, nb);
    }
    qsort(r, resamples, sizeof *r, ratio_cmp);
    *lo = ratio_quantile(r, resamples, (1 - conf) / 2);
    *hi = ratio_quantile(r, resamples, (1 + conf) / 2);
    free(buf);
    free(r);
    return 0;
}

int lab_ratio_bootstrap(const double *a, size_t na, const double *b, size_t nb, double conf,
                        unsigned resamples, uint64_t seed, double *est, double *lo, double *hi)
{
    if (na < LAB_RATIO_MIN_TRIALS || nb < LAB_RATIO_MIN_TRIALS) return -EINVAL;
    return lab_ratio_bootstrap_stat(LAB_RATIO_MEDIAN, a, na, b, nb, conf, resamples, seed, est, lo,
                                    hi);
}

/* ---------------- Hodges-Lehmann ----------------------------------------- */

/* The number of orderings of m x's and n y's with U = u, u = 0..m*n: the
   coefficients of the Gaussian binomial [m+n choose m]_q, built as the
   product over i = 1..m of (1 - q^(n+i)) / (1 - q^i), each factor applied
   in place (a multiplication, then an exact division). */
static double *ratio_u_counts(size_t m, size_t n)
{
    double *f = calloc(m * n + m + 1, sizeof *f);
    if (!f) return NULL;
    f[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= m; i++) {
        size_t up = deg + n + i;
        for (size_t u = up; u >= n + i; u--) f[u] -= f[u - n - i];
        deg = up - i;
        for (size_t u = i; u <= deg; u++) f[u] += f[u - i];
        for (size_t u = deg + 1; u <= up; u++) f[u] = 0;
    }
    return f;
}

/* Sum of t^3 - t over groups of tied values in the pooled samples. */
static int ratio_ties(const double *a, size_t na, const double *b, size_t nb, double *ties)
{
    size_t n = na + nb;
    double *v = malloc(n * sizeof *v);
    if (!v) return -ENOMEM;
    memcpy(v, a, na * sizeof *v);
    memcpy(v + na, b, nb * sizeof *v);
    qsort(v, n, sizeof *v, ratio_cmp);
    *ties = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && v[j] == v[i]; j++) {}
        double t = (double)(j - i);
        *ties += t * t * t - t;
    }
    free(v);
    return 0;
}

/* The largest u (a multiple of 1/2, above the mean) whose two-sided p-value
   under lab_mwu_test()'s null distribution is >= alpha, i.e. that it does not
   reject; the test at shift d rejects when U_d > u_max or U_d < m*n - u_max.
   *all_equal when every value is the same (mwu_test's p is then 1). */
static int ratio_u_max(const double *a, size_t na, const double *b, size_t nb, int exact,
                       double alpha, double *u_max, int *all_equal)
{
    double m = (double)na, n = (double)nb, M = m * n, mean = M / 2;
    *all_equal = 0;
    if (exact) {
        size_t lo = na < nb ? na : nb, hi = na < nb ? nb : na;
        double *f = ratio_u_counts(lo, hi);
        if (!f) return -ENOMEM;
        size_t w = na * nb;
        double total = 0, tail = 0;
        for (size_t u = 0; u <= w; u++) total += f[u];
        *u_max = mean;
        for (size_t u = w; (double)u > mean; u--) { /* p = 2 P(U >= u) */
            tail += f[u];
            if (fmin(1, 2 * tail / total) >= alpha) {
                *u_max = (double)u;
                break;
            }
        }
        free(f);
        return 0;
    }
    double ties, N = m + n;
    int rc = ratio_ties(a, na, b, nb, &ties);
    if (rc) return rc;
    double var = m * n / 12 * ((N + 1) - ties / (N * (N - 1)));
    if (var <= 0) {
        *all_equal = 1;
        *u_max = M;
        return 0;
    }
    /* the continuity-corrected normal tail, as mwu_test computes it */
    double u = mean;
    while (u + 0.5 <= M) {
        double z = fmax(0, fabs(u + 0.5 - mean) - 0.5) / sqrt(var);
        if (fmin(1, erfc(z / sqrt(2.0))) < alpha) break;
        u += 0.5;
    }
    *u_max = u;
    return 0;
}

/* 1 - conf, snapped to 9 decimals when it is that close, so that conf 0.95
   gives exactly the 0.05 a caller compares mwu_test's p with. */
static double ratio_alpha(double conf)
{
    double a = 1 - conf, s = round(a * 1e9) / 1e9;
    return fabs(a - s) < 1e-12 ? s : a;
}

int lab_ratio_hodges_lehmann(const double *a, size_t na, const double *b, size_t nb, double conf,
                             double *est, double *lo, double *hi)
{
    if (!na || !nb || !(conf > 0 && conf < 1) || !ratio_positive(a, na) || !ratio_positive(b, nb))
        return -EINVAL;
    if (nb > ((size_t)1 << 26) / na) return -E2BIG;
    struct lab_mwu t;
    int rc = lab_mwu_test(a, na, b, nb, &t);
    if (rc) return rc;
    double u_max, alpha = ratio_alpha(conf);
    int all_equal;
    rc = ratio_u_max(a, na, b, nb, t.exact, alpha, &u_max, &all_equal);
    if (rc) return rc;
    if (all_equal) {
        *est = *lo = *hi = 1;
        return 0;
    }
    size_t M = na * nb;
    double *d = malloc(M * sizeof *d), *lb = malloc(nb * sizeof *lb);
    if (!d || !lb) {
        free(d);
        free(lb);
        return -ENOMEM;
    }
    for (size_t j = 0; j < nb; j++) lb[j] = log(b[j]);
    for (size_t i = 0; i < na; i++) {
        double la = log(a[i]);
        for (size_t j = 0; j < nb; j++) d[i * nb + j] = la - lb[j];
    }
    qsort(d, M, sizeof *d, ratio_cmp);
    *est = exp(M % 2 ? d[M / 2] : (d[M / 2 - 1] + d[M / 2]) / 2);
    /* [d_(k), d_(M+1-k)] (1-based) with k = ceil(M - u_max): the shifts the
       test does not reject; k < 1 when none can be rejected */
    double k = ceil((double)M - u_max);
    if (k < 1) {
        *lo = 0, *hi = INFINITY;
    } else {
        *lo = exp(d[(size_t)k - 1]);
        *hi = exp(d[M - (size_t)k]);
    }
    /* An end exactly at ratio 1 takes a tie a_i = b_j. The shifts the test
       does not reject then form an interval open at 1 when the test rejects
       ratio 1 itself (mid-ranks put U_0 between its neighbours): report that
       end one ulp inside, so that "excludes 1" is "p < alpha" without
       exception. */
    if (t.p < alpha) {
        if (*lo == 1) *lo = nextafter(1, 2);
        if (*hi == 1) *hi = nextafter(1, 0);
    }
    free(d);
    free(lb);
    if (*lo > *hi) { /* the test rejects every shift */
        *lo = *hi = NAN;
        return -EDOM;
    }
    return 0;
}

/* ---------------- verdicts ----------------------------------------------- */

enum lab_ratio_verdict lab_ratio_verdict(double lo, double hi, double band_lo, double band_hi,
                                         double widen)
{
    if (!(lo <= hi) || !(band_lo <= band_hi) || !(widen >= 1)) return LAB_RATIO_INCONCLUSIVE;
    double l = band_lo / widen, h = band_hi * widen;
    if (lo >= l && hi <= h) return LAB_RATIO_AGREES;
    if (hi < l || lo > h) return LAB_RATIO_DIFFERS;
    return LAB_RATIO_INCONCLUSIVE;
}

const char *lab_ratio_verdict_name(enum lab_ratio_verdict v)
{
    switch (v) {
    case LAB_RATIO_AGREES: return "agrees";
    case LAB_RATIO_DIFFERS: return "differs";
    case LAB_RATIO_INCONCLUSIVE: return "inconclusive";
    }
    return "?";
}

int lab_ratio_band(double a_lo, double a_hi, double b_lo, double b_hi, double *lo, double *hi)
{
    if (!(a_lo > 0 && a_lo <= a_hi && b_lo > 0 && b_lo <= b_hi) || !isfinite(a_hi)
        || !isfinite(b_hi))
        return -EINVAL;
    *lo = a_lo / b_hi;
    *hi = a_hi / b_lo;
    return 0;
}

int lab_ratio_reps_needed(size_t n, double est, double lo, double hi, double band_lo,
                          double band_hi, double widen, size_t *reps)
{
    if (!n || !(lo > 0 && lo <= est && est <= hi && isfinite(hi)) || !(band_lo > 0)
        || !(band_lo <= band_hi) || !(widen >= 1))
        return -EINVAL;
    size_t least = n > LAB_RATIO_MIN_TRIALS ? n : LAB_RATIO_MIN_TRIALS;
    if (lab_ratio_verdict(lo, hi, band_lo, band_hi, widen) != LAB_RATIO_INCONCLUSIVE) {
        *reps = least;
        return 0;
    }
    double l = band_lo / widen, h = band_hi * widen;
    double wl = log(est / lo), wh = log(hi / est), s; /* half-widths, log scale */
    if (est > l && est < h)
        s = fmin(wl > 0 ? log(est / l) / wl : INFINITY, wh > 0 ? log(h / est) / wh : INFINITY);
    else if (est > h)
        s = log(est / h) / wl;
    else if (est < l)
        s = log(l / est) / wh;
    else
        return -EDOM; /* on an edge */
    double want = ceil((double)n / (s * s));
    if (!(want < 1e12)) return -EDOM;
    *reps = (size_t)want > least ? (size_t)want : least;
    return 0;
}
