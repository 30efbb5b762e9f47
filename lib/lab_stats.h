/* lab_stats.h: statistics of trials: a median with its distribution-free
 * confidence interval, Jain's fairness index, the Mann-Whitney U test
 * (exact for small samples without ties) and Holm's correction. Pure
 * functions; methods and formulas in docs/statistics.md. */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>

/* A cell is unstable when its coefficient of variation is over this. */
#define LAB_UNSTABLE_CV 0.05

struct lab_summary {
    size_t n;
    double median, min, max, mean, cv;
    double ci_low, ci_high; /* order-statistic CI of the median */
    double ci_level;        /* its exact coverage (< 0.95 when n < 6) */
    int unstable;           /* cv > LAB_UNSTABLE_CV */
};

/* Summary of n values (n may be 0: everything 0). */
void lab_summarize(const double *x, size_t n, struct lab_summary *s);
/* The same over the finite values only; median NAN when there are none. */
void lab_summarize_finite(const double *x, size_t n, struct lab_summary *s);
/* Jain's fairness index: (sum x)^2 / (n sum x^2); 1 = perfectly fair. */
double lab_jain(const double *x, size_t n);
/* 1-based ranks [lo, hi] of the order statistics bounding a distribution-free
   CI of the median at level >= conf (binomial); returns the exact coverage.
   When no such interval exists (n too small) gives [1, n] and its coverage. */
double lab_median_ci_ranks(size_t n, double conf, size_t *lo, size_t *hi);

struct lab_mwu {
    double u;  /* U of the first sample */
    double p;  /* two-sided p-value */
    int exact; /* 1: exact distribution, 0: normal approx. */
};
/* Mann-Whitney U test of x (n1) against y (n2). -EINVAL if a sample is empty. */
int lab_mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct lab_mwu *out);
/* Smallest two-sided p-value any data can give with samples of n1 and n2. */
double lab_mwu_min_p(size_t n1, size_t n2);
/* Holm-Bonferroni: adjusted p-values (adj may equal p). -ENOMEM on failure. */
int lab_holm_adjust(const double *p, size_t m, double *adj);

#endif
