/* lab_ratio.h: intervals for the ratio of two cells' trials, and the
 * verdicts built on them.
 *
 * - lab_ratio_bootstrap(): median(a) / median(b) with a seeded percentile
 *   bootstrap interval (each sample resampled on its own). It is the
 *   interval a reproduce verdict is read from.
 * - lab_ratio_hodges_lehmann(): the Hodges-Lehmann estimate of the shift of
 *   log(a) against log(b), exponentiated to a ratio, with the interval that
 *   inverts the Mann-Whitney U test; it excludes 1 exactly when mwu_test()
 *   rejects at level 1 - conf, ties included. It is the interval compare
 *   prints.
 * - lab_ratio_verdict(), lab_ratio_band(), lab_ratio_reps_needed(): the
 *   verdict of an interval against a band derived from published ranges.
 *
 * Values are trials of a positive metric (ops/s, ns/op): every value must
 * be finite and > 0. Functions return 0 or a negative errno. Pure: no
 * global state; the same inputs and seed give the same outputs. */
#ifndef LAB_RATIO_H
#define LAB_RATIO_H

#include <stddef.h>
#include <stdint.h>

#define LAB_RATIO_MIN_TRIALS 10  /* per sample, for a bootstrap verdict interval */
#define LAB_RATIO_RESAMPLES 2000 /* the default and the least lab_ratio_bootstrap takes */

/* A small seeded generator (SplitMix64), for the bootstrap and for the
   change-point permutations: the same seed gives the same stream. */
struct lab_rng {
    uint64_t s;
};
void lab_rng_seed(struct lab_rng *r, uint64_t seed);
uint64_t lab_rng_next(struct lab_rng *r);
size_t lab_rng_below(struct lab_rng *r, size_t n); /* [0, n), n > 0 */
double lab_rng_double(struct lab_rng *r);          /* [0, 1), 53 bits */

/* median(a) / median(b) in *est and a percentile bootstrap interval at level
   conf (0 < conf < 1) in [*lo, *hi]: resamples (0 = LAB_RATIO_RESAMPLES,
   else >= LAB_RATIO_RESAMPLES) times, draw na trials from a and nb from b
   with replacement, take the ratio of their medians; the interval is the
   (1-conf)/2 and (1+conf)/2 quantiles of those ratios (linear interpolation
   between order statistics). -EINVAL when na or nb < LAB_RATIO_MIN_TRIALS
   (the caller says "inconclusive: too few trials"), a value is not > 0, or
   an argument is out of range; -ENOMEM. */
int lab_ratio_bootstrap(const double *a, size_t na, const double *b, size_t nb, double conf,
                        unsigned resamples, uint64_t seed, double *est, double *lo, double *hi);

/* The same engine without the trial-count policy, for descriptive sizes
   (a change point's mean after / mean before): the statistic is the median
   or the mean of each sample; na, nb >= 2. */
enum lab_ratio_stat { LAB_RATIO_MEDIAN, LAB_RATIO_MEAN };
int lab_ratio_bootstrap_stat(enum lab_ratio_stat stat, const double *a, size_t na, const double *b,
                             size_t nb, double conf, unsigned resamples, uint64_t seed, double *est,
                             double *lo, double *hi);

/* Hodges-Lehmann: *est = exp(median of log a_i - log b_j over all na*nb
   pairs); [*lo, *hi] = exp of the k-th smallest and k-th largest of those
   differences, k from the null distribution of U that mwu_test() uses on
   these samples (exact without ties when both are < 50, else the normal
   approximation with its tie correction and continuity correction), at
   level alpha = 1 - conf. When no shift can be rejected (too few trials:
   2 / C(na+nb, na) >= alpha) the interval is [0, inf]; when every value is
   the same, [1, 1]. An end that falls exactly on 1 (a tie a_i = b_j) is
   reported one ulp inside when the test rejects ratio 1, so that "lo > 1 or
   hi < 1" is "mwu_test's p < 1 - conf" without exception. -EDOM (with *est
   set, *lo and *hi NAN) when the test rejects every shift: samples of so
   few distinct values (two-valued, say) that their difference is not a
   shift. -EINVAL for an empty sample, a value not > 0, or conf outside
   (0, 1); -ENOMEM; -E2BIG past 2^26 pairs. */
int lab_ratio_hodges_lehmann(const double *a, size_t na, const double *b, size_t nb, double conf,
                             double *est, double *lo, double *hi);

/* The verdict of a ratio interval [lo, hi] against a band [band_lo, band_hi]
   widened by widen >= 1 (for another platform) to [band_lo / widen,
   band_hi * widen]: AGREES when the interval lies inside the widened band
   (ends included), DIFFERS when it lies entirely outside, INCONCLUSIVE when
   it straddles an edge or an argument is invalid (NaN, lo > hi, widen < 1). */
enum lab_ratio_verdict { LAB_RATIO_AGREES, LAB_RATIO_DIFFERS, LAB_RATIO_INCONCLUSIVE };
enum lab_ratio_verdict lab_ratio_verdict(double lo, double hi, double band_lo, double band_hi,
                                         double widen);
const char *lab_ratio_verdict_name(enum lab_ratio_verdict v); /* "agrees", ... */

/* The band of a/b from published ranges a in [a_lo, a_hi] and b in
   [b_lo, b_hi]: [a_lo / b_hi, a_hi / b_lo] (spin 100-150M over mutex
   20-25M gives [4.0, 7.5]). -EINVAL unless 0 < a_lo <= a_hi and
   0 < b_lo <= b_hi. */
int lab_ratio_band(double a_lo, double a_hi, double b_lo, double b_hi, double *lo, double *hi);

/* Rough: how many trials per cell would make an inconclusive interval
   decide, assuming the estimate stays where it is and the interval's width
   on the log scale shrinks as sqrt(n / n'). With est inside the widened band
   the interval must fit inside it; outside, it must clear the nearer edge.
   *reps >= n (n itself when the interval already decides), at least
   LAB_RATIO_MIN_TRIALS. -EDOM when est sits on an edge (no n' decides);
   -EINVAL for invalid arguments. */
int lab_ratio_reps_needed(size_t n, double est, double lo, double hi, double band_lo,
                          double band_hi, double widen, size_t *reps);

#endif
