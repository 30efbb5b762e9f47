/* lab_changepoint.h: change points in a series of runs, and the gate test
 * for the newest run.
 *
 * A series is one metric of one cell (implementation, thread count,
 * workload, machine) across commits, oldest first; each point holds the
 * trials of one run. lab_cp_detect() finds where the distribution of the
 * trials changes: E-Divisive (Matteson & James 2014, the method MongoDB's
 * performance CI used) by binary segmentation at point boundaries, each
 * split tested by a seeded permutation test. A change in the newest point
 * cannot be located from one point; lab_cp_newest_test() tests the newest
 * run's trials against every trial since the last change (two-sided
 * Mann-Whitney U with its Hodges-Lehmann ratio interval, as compare does).
 * Method, choice and measured false-positive rate: docs/statistics.md,
 * "Change points". Functions return a count or 0, or a negative errno;
 * results are a function of the inputs and the seed. */
#ifndef LAB_CHANGEPOINT_H
#define LAB_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

struct lab_cp_point {
    const double *trials; /* values of a positive metric, finite, > 0 */
    size_t n;             /* >= 1 */
};

struct lab_cp_opts {
    double alpha;          /* a split is a change when its p < alpha (0: 0.01) */
    unsigned permutations; /* of the permutation test (0: 499) */
    size_t min_points;     /* points on each side of a change (0: 2) */
    double conf;           /* level of each change's size interval (0: 0.95) */
    uint64_t seed;         /* permutations and bootstrap */
};

struct lab_cp_change {
    size_t index;         /* the first point after the change (1..n-1) */
    double ratio, lo, hi; /* mean after / mean before and its bootstrap interval
                                        (NAN ends when a side has one trial) */
    double p;             /* permutation p-value of the split */
    double q;             /* its E-divisive statistic (divergence) */
};

/* Change points of pts[0..n) in increasing index order: writes at most max
   of them to out and returns how many there are (which may exceed max).
   "Before" and "after" a change run from the previous change (or the
   start) to the next (or the end). o may be NULL (all defaults). -EINVAL
   for a point without trials or a value not finite and > 0, or options out
   of range (alpha or conf outside (0, 1)); -ENOMEM. */
int lab_cp_detect(const struct lab_cp_point *pts, size_t n, const struct lab_cp_opts *o,
                  struct lab_cp_change *out, size_t max);

enum lab_cp_better { LAB_CP_HIGHER_IS_BETTER, LAB_CP_LOWER_IS_BETTER };
enum lab_cp_outcome { LAB_CP_NO_CHANGE, LAB_CP_REGRESSION, LAB_CP_IMPROVEMENT };

struct lab_cp_gate {
    enum lab_cp_outcome outcome;
    double p;             /* two-sided Mann-Whitney U, newest against baseline */
    int exact;            /* 1: exact null distribution, 0: normal approximation */
    double ratio, lo, hi; /* Hodges-Lehmann newest / baseline, interval at
                                        1 - alpha ([0, inf] when too few trials; NAN
                                        ends when no shift fits, see lab_ratio.h) */
    size_t n_new, n_base; /* trials on each side */
};

/* The gate: the trials of pts[n-1] against every trial of pts[since..n-1)
   (since: the index of the last change lab_cp_detect found, 0 if none).
   A change when p < alpha and |ratio - 1| >= min_effect (0.03 for 3%); a
   regression or an improvement according to better. -EINVAL unless
   since < n - 1, 0 < alpha < 1 and min_effect >= 0, or for a bad value;
   -ENOMEM. */
int lab_cp_newest_test(const struct lab_cp_point *pts, size_t n, size_t since,
                       enum lab_cp_better better, double min_effect, double alpha,
                       struct lab_cp_gate *out);
const char *lab_cp_outcome_name(enum lab_cp_outcome o); /* "regression", ... */

#endif
