/* Statistics of a cell's trials and of two cells against each other:
 * median with a distribution-free confidence interval, the Mann-Whitney U
 * test (exact for small samples without ties) and Holm's correction.
 * Methods and formulas: docs/statistics.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab_stats.h"

static int stats_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void lab_summarize(const double *x, size_t n, struct lab_summary *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (!n) return;
    double *v = malloc(n * sizeof *v);
    if (!v) return;
    memcpy(v, x, n * sizeof *v);
    qsort(v, n, sizeof *v, stats_cmp_double);
    s->min = v[0];
    s->max = v[n - 1];
    s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    s->mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) ss += (v[i] - s->mean) * (v[i] - s->mean);
    s->cv = n > 1 && s->mean != 0 ? sqrt(ss / (double)(n - 1)) / fabs(s->mean) : 0;
    size_t lo, hi;
    s->ci_level = lab_median_ci_ranks(n, 0.95, &lo, &hi);
    s->ci_low = v[lo - 1];
    s->ci_high = v[hi - 1];
    s->unstable = s->cv > LAB_UNSTABLE_CV;
    free(v);
}

void lab_summarize_finite(const double *x, size_t n, struct lab_summary *s)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    if (v)
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i])) v[m++] = x[i];
    if (m)
        lab_summarize(v, m, s);
    else {
        memset(s, 0, sizeof *s);
        s->median = s->min = s->max = s->mean = s->ci_low = s->ci_high = NAN;
    }
    free(v);
}

double lab_jain(const double *x, size_t n)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
        ss += x[i] * x[i];
    }
    return ss > 0 ? s * s / ((double)n * ss) : 0;
}

/* P(B <= k) for B ~ Binomial(n, 1/2), in log space so any n works. */
static double stats_binom_half_cdf(size_t n, size_t k)
{
    double sum = 0;
    for (size_t i = 0; i <= k && i <= n; i++)
        sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1)
                   - (double)n * log(2.0));
    return sum;
}

/* The interval [x_(k), x_(n+1-k)] covers the median with probability
   1 - 2 P(B <= k-1); take the largest k whose coverage is still >= conf. */
double lab_median_ci_ranks(size_t n, double conf, size_t *lo, size_t *hi)
{
    *lo = 1, *hi = n ? n : 1;
    if (n == 0) return 0;
    double cover = 1 - 2 * stats_binom_half_cdf(n, 0);
    for (size_t k = 2; k <= (n + 1) / 2; k++) {
        double c = 1 - 2 * stats_binom_half_cdf(n, k - 1);
        if (c < conf) break;
        *lo = k, *hi = n + 1 - k, cover = c;
    }
    return cover > 0 ? cover : 0;
}

struct ranked {
    double v;
    int from_x;
};

static int stats_cmp_ranked(const void *a, const void *b)
{
    return stats_cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* Number of orderings of m x's and n y's with U = u, for every u, by the
   recursion f(i,j,u) = f(i-1,j,u-j) + f(i,j-1,u) (is the largest element an
   x, it beats all j y's). Returns an array of m*n+1 counts or NULL. */
static double *stats_mwu_counts(size_t m, size_t n)
{
    size_t w = m * n + 1;
    double *prev = calloc((n + 1) * w, sizeof *prev), *cur = calloc((n + 1) * w, sizeof *cur);
    double *out = calloc(w, sizeof *out);
    if (!prev || !cur || !out) {
        free(prev);
        free(cur);
        free(out);
        return NULL;
    }
    for (size_t j = 0; j <= n; j++) prev[j * w] = 1; /* i = 0 */
    for (size_t i = 1; i <= m; i++) {
        memset(cur, 0, (n + 1) * w * sizeof *cur);
        cur[0] = 1; /* j = 0 */
        for (size_t j = 1; j <= n; j++)
            for (size_t u = 0; u < w; u++)
                cur[j * w + u] = (u >= j ? prev[j * w + u - j] : 0) + cur[(j - 1) * w + u];
        double *t = prev;
        prev = cur;
        cur = t;
    }
    memcpy(out, prev + n * w, w * sizeof *out);
    free(prev);
    free(cur);
    return out;
}

#define MWU_EXACT_MAX 50

int lab_mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct lab_mwu *out)
{
    memset(out, 0, sizeof *out);
    out->p = 1;
    if (!n1 || !n2) return -EINVAL;
    size_t N = n1 + n2;
    struct ranked *r = malloc(N * sizeof *r);
    if (!r) return -ENOMEM;
    for (size_t i = 0; i < n1; i++) r[i] = (struct ranked){ x[i], 1 };
    for (size_t i = 0; i < n2; i++) r[n1 + i] = (struct ranked){ y[i], 0 };
    qsort(r, N, sizeof *r, stats_cmp_ranked);
    /* mid-ranks; ties = sum of t^3 - t over tie groups */
    double rank_x = 0, ties = 0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j + 1 < N && r[j + 1].v == r[i].v) j++;
        double t = (double)(j - i + 1), mid = ((double)i + (double)j) / 2 + 1;
        for (size_t k = i; k <= j; k++)
            if (r[k].from_x) rank_x += mid;
        ties += t * t * t - t;
        i = j + 1;
    }
    free(r);
    double u = rank_x - (double)n1 * ((double)n1 + 1) / 2;
    out->u = u;
    double mean = (double)n1 * (double)n2 / 2;
    if (ties == 0 && n1 < MWU_EXACT_MAX && n2 < MWU_EXACT_MAX) {
        double *f = stats_mwu_counts(n1, n2);
        if (!f) return -ENOMEM;
        size_t w = n1 * n2 + 1, ui = (size_t)llround(u);
        double total = 0, tail = 0;
        for (size_t k = 0; k < w; k++) total += f[k];
        if (u > mean)
            for (size_t k = ui; k < w; k++) tail += f[k]; /* P(U >= u) */
        else
            for (size_t k = 0; k <= ui; k++) tail += f[k]; /* P(U <= u) */
        free(f);
        out->p = fmin(1, 2 * tail / total);
        out->exact = 1;
        return 0;
    }
    double var =
        (double)n1 * (double)n2 / 12 * ((double)N + 1 - ties / ((double)N * ((double)N - 1)));
    if (var <= 0) return 0; /* all values equal */
    /* continuity correction, never past zero (|U - mean| < 0.5 gives p = 1) */
    double z = fmax(0, fabs(u - mean) - 0.5) / sqrt(var);
    out->p = fmin(1, erfc(z / sqrt(2.0)));
    return 0;
}

double lab_mwu_min_p(size_t n1, size_t n2)
{
    /* the most extreme ordering is one of C(n1+n2, n1), on either side */
    double logc = lgamma((double)(n1 + n2) + 1) - lgamma((double)n1 + 1) - lgamma((double)n2 + 1);
    return fmin(1, 2 * exp(-logc));
}

struct pidx {
    double p;
    size_t i;
};

static int stats_cmp_pidx(const void *a, const void *b)
{
    return stats_cmp_double(&((const struct pidx *)a)->p, &((const struct pidx *)b)->p);
}

int lab_holm_adjust(const double *p, size_t m, double *adj)
{
    if (!m) return 0;
    struct pidx *s = malloc(m * sizeof *s);
    if (!s) return -ENOMEM;
    for (size_t i = 0; i < m; i++) s[i] = (struct pidx){ p[i], i };
    qsort(s, m, sizeof *s, stats_cmp_pidx);
    double run = 0;
    for (size_t k = 0; k < m; k++) {
        double a = fmin(1, (double)(m - k) * s[k].p);
        run = fmax(run, a); /* keep them monotone */
        adj[s[k].i] = run;
    }
    free(s);
    return 0;
}
