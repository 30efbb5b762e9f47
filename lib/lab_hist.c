/* A log-linear histogram: exact below 2^(B+1), then 2^B linear buckets per
 * power of two (B = LAB_HIST_SUB_BITS). Bucket index of v >= 2^(B+1) with
 * e = floor(log2 v) and shift = e - B: shift * 2^B + (v >> shift), which
 * continues the exact range without a gap (v < 2^(B+1) is its own index). */
#include "lab_hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_SUB ((uint64_t)1 << LAB_HIST_SUB_BITS)

static size_t hist_index(uint64_t v)
{
    if (v < 2 * HIST_SUB) return (size_t)v;
    unsigned shift = 63u - (unsigned)__builtin_clzll(v) - LAB_HIST_SUB_BITS;
    return (size_t)shift * HIST_SUB + (size_t)(v >> shift);
}

static uint64_t hist_lowest(size_t i)
{
    if (i < 2 * HIST_SUB) return i;
    unsigned shift = (unsigned)(i / HIST_SUB) - 1;
    return (uint64_t)(i % HIST_SUB + HIST_SUB) << shift;
}

/* The middle of bucket i: lowest + (width - 1) / 2. */
static uint64_t hist_middle(size_t i)
{
    if (i < 2 * HIST_SUB) return i;
    unsigned shift = (unsigned)(i / HIST_SUB) - 1;
    return hist_lowest(i) + ((((uint64_t)1) << shift) - 1) / 2;
}

static size_t hist_slot(const struct lab_hist *h, uint64_t v)
{
    size_t i = hist_index(v);
    return i < h->nbuckets ? i : h->nbuckets - 1;
}

int lab_hist_init(struct lab_hist *h, uint64_t highest)
{
    memset(h, 0, sizeof *h);
    h->highest = highest ? highest : UINT64_MAX;
    h->nbuckets = hist_index(h->highest) + 1;
    h->buckets = calloc(h->nbuckets, sizeof *h->buckets);
    if (!h->buckets) return -ENOMEM;
    h->min = UINT64_MAX;
    return 0;
}

void lab_hist_free(struct lab_hist *h)
{
    free(h->buckets);
    memset(h, 0, sizeof *h);
}

void lab_hist_reset(struct lab_hist *h)
{
    memset(h->buckets, 0, h->nbuckets * sizeof *h->buckets);
    h->count = 0, h->sum = 0, h->min = UINT64_MAX, h->max = 0;
}

void lab_hist_record_n(struct lab_hist *h, uint64_t v, uint64_t n)
{
    if (!n) return;
    h->buckets[hist_slot(h, v)] += n;
    h->count += n;
    h->sum += (double)v * (double)n;
    if (v < h->min) h->min = v;
    if (v > h->max) h->max = v;
}

void lab_hist_record(struct lab_hist *h, uint64_t v) { lab_hist_record_n(h, v, 1); }

void lab_hist_merge(struct lab_hist *dst, const struct lab_hist *src)
{
    if (!src->count) return;
    for (size_t i = 0; i < src->nbuckets; i++)
        if (src->buckets[i]) dst->buckets[hist_slot(dst, hist_lowest(i))] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

uint64_t lab_hist_percentile(const struct lab_hist *h, double p)
{
    if (!h->count) return 0;
    double want = ceil(p * (double)h->count / 100); /* 99.9 * 1e6 / 100 is 999000 */
    uint64_t rank = want < 1 ? 1 : want >= (double)h->count ? h->count : (uint64_t)want;
    if (rank == 1) return h->min;
    if (rank == h->count) return h->max;
    uint64_t seen = 0;
    size_t i = 0;
    for (; i < h->nbuckets - 1; i++)
        if ((seen += h->buckets[i]) >= rank) break;
    uint64_t v = hist_middle(i);
    return v < h->min ? h->min : v > h->max ? h->max : v;
}

double lab_hist_mean(const struct lab_hist *h)
{
    return h->count ? h->sum / (double)h->count : NAN;
}

size_t lab_hist_to_pairs(const struct lab_hist *h, struct lab_hist_pair *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        if (!h->buckets[i]) continue;
        if (n < max) out[n] = (struct lab_hist_pair){ hist_middle(i), h->buckets[i] };
        n++;
    }
    return n;
}

int lab_hist_from_pairs(struct lab_hist *h, const struct lab_hist_pair *p, size_t n, uint64_t min,
                        uint64_t max, double sum)
{
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = hist_slot(h, p[i].value);
        if (p[i].count && (min > max || b < hist_slot(h, min) || b > hist_slot(h, max)))
            return -EINVAL;
        count += p[i].count;
    }
    for (size_t i = 0; i < n; i++) h->buckets[hist_slot(h, p[i].value)] += p[i].count;
    h->count = count;
    if (count) h->min = min, h->max = max, h->sum = sum;
    return 0;
}
