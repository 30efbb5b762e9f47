/* lab_hist.h: a log-linear latency histogram of uint64 values (HDR-style).
 *
 * Values below 256 have a bucket each (exact). Above, every power of two
 * [2^e, 2^(e+1)) is cut into 128 linear buckets of width 2^(e-7), so a
 * bucket spans under 1/128 of its values; a percentile is reported as its
 * bucket's middle, clamped to the exact [min, max], which is within
 * 1/256 (0.39%) of the true value (LAB_HIST_REL_ERROR). Memory is one array
 * of uint64 counts allocated at init, 7,424 buckets (58 KiB) to cover all
 * of uint64, fewer with a smaller highest value (3,840 buckets, 30 KiB, for
 * highest = 2^36 - 1 ns, 68.7 s); recording never allocates. Not thread-safe: one
 * histogram per thread, merged after the run.
 *
 * Functions return 0 or a negative errno. docs/statistics.md, "Latency
 * histograms". */
#ifndef LAB_HIST_H
#define LAB_HIST_H

#include <stddef.h>
#include <stdint.h>

#define LAB_HIST_SUB_BITS 7            /* 128 linear buckets per octave */
#define LAB_HIST_REL_ERROR (1.0 / 256) /* of a reported percentile */

struct lab_hist {
    uint64_t count;    /* values recorded */
    uint64_t min, max; /* exact (min = UINT64_MAX, max = 0 when empty) */
    double sum;        /* of the values, for the mean */
    uint64_t highest;  /* values above it share the last bucket */
    size_t nbuckets;
    uint64_t *buckets;
};

/* An empty histogram whose buckets cover 0..highest (0 = UINT64_MAX).
   -ENOMEM. */
int lab_hist_init(struct lab_hist *h, uint64_t highest);
void lab_hist_free(struct lab_hist *h);
void lab_hist_reset(struct lab_hist *h);

/* O(1), no allocation. A value above highest counts in the last bucket
   (min and max stay exact). */
void lab_hist_record(struct lab_hist *h, uint64_t v);
void lab_hist_record_n(struct lab_hist *h, uint64_t v, uint64_t n);

/* Adds src's counts to dst (src's values above dst's highest go to dst's
   last bucket). */
void lab_hist_merge(struct lab_hist *dst, const struct lab_hist *src);

/* The p-th percentile (0 <= p <= 100), nearest rank: the smallest recorded
   value with at least ceil(p/100 * count) values at or below it, within
   LAB_HIST_REL_ERROR; p = 0 gives min, p = 100 max. 0 when empty. */
uint64_t lab_hist_percentile(const struct lab_hist *h, double p);
double lab_hist_mean(const struct lab_hist *h); /* NAN when empty */

/* Serialisation for a result file: the non-empty buckets in increasing
   order as (value, count), value being the bucket's middle (any value of a
   bucket maps back to it, so the pair survives a trip through a JSON double;
   write value as an integer up to INT64_MAX and as a double above). Writes at
   most max pairs and returns how many non-empty buckets there are. */
struct lab_hist_pair {
    uint64_t value, count;
};
size_t lab_hist_to_pairs(const struct lab_hist *h, struct lab_hist_pair *out, size_t max);
/* Adds the pairs to an empty initialised h and sets min, max and sum from
   the values a file kept beside them. -EINVAL (h left empty) when a pair's
   value falls outside the buckets of [min, max], or min > max while counts
   are given. */
int lab_hist_from_pairs(struct lab_hist *h, const struct lab_hist_pair *p, size_t n, uint64_t min,
                        uint64_t max, double sum);

#endif
