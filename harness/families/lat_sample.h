/* lat_sample.h: sampled latencies for the family drivers (a part shared by
 * every driver, not a family). A trial's samples go into a pool of
 * log-linear histograms (lib/lab_hist.h, 1/256 relative error): thread i
 * records into histogram i % FAM_LAT_POOL under that histogram's spin
 * lock (try, else yield: a fiber never parks on it), so
 * each thread has its own up to FAM_LAT_POOL threads and memory stays fixed
 * (64 x 30 KiB) at 10,000 threads; a lock is taken once per sample (1 op in
 * about FAM_LAT_EVERY), never per op. After the join the pool is merged
 * into p50, p90, p99, p99.9 and max, the FAM_LAT_METRICS a driver declares.
 * docs/latency.md. */
#ifndef CONTEND_LAT_SAMPLE_H
#define CONTEND_LAT_SAMPLE_H

#include <stdint.h>

#include "family.h"
#include "lab_hist.h"
#include "lab_prim.h"
#include "lab_util.h"

/* 1 op in about this many is timed: two clock reads (~40 ns on this VM)
   per 1,024 ops cost under 2% of an op of 2 ns or more (docs/latency.md) */
#define FAM_LAT_EVERY 1024u
#define FAM_LAT_POOL 64u
#define FAM_LAT_HIGHEST ((UINT64_C(1) << 36) - 1) /* 68.7 s */

/* The five metrics, in a driver's metric table as `[AT] = FAM_LAT_METRICS`
   (AT + 0 .. AT + 4): p50, p90, p99, p99.9, max, in ns, lower is better,
   shown in the "latency" table. */
enum { FAM_LAT_NMETRICS = 5 };
#define FAM_LAT_METRIC(name, col)                             \
    {                                                         \
        name, "ns", -1, FAM_M_SUMMARY, col, "%.0f", "latency" \
    }
#define FAM_LAT_METRICS                                                                    \
    FAM_LAT_METRIC("lat_p50_ns", "p50 ns"), FAM_LAT_METRIC("lat_p90_ns", "p90 ns"),        \
        FAM_LAT_METRIC("lat_p99_ns", "p99 ns"), FAM_LAT_METRIC("lat_p999_ns", "p99.9 ns"), \
        FAM_LAT_METRIC("lat_max_ns", "max ns")

/* A pool (fam_lat_finish) adds a sixth: the highest p99 of any one
   histogram, i.e. of the worst thread (threads i and i + FAM_LAT_POOL share
   one past FAM_LAT_POOL threads): `[AT] = FAM_LAT_POOL_METRICS`. */
enum { FAM_LAT_POOL_NMETRICS = FAM_LAT_NMETRICS + 1 };
#define FAM_LAT_POOL_METRICS \
    FAM_LAT_METRICS, FAM_LAT_METRIC("lat_p99_worst_thread_ns", "p99 worst thread")

struct fam_lat_slot {
    LAB_ALIGNED struct lab_mutex mu;
    struct lab_hist h;
};

struct fam_lat { /* a trial's histograms */
    struct fam_lat_slot *slot;
    unsigned n;
};

struct fam_lat_thr { /* a worker's sampler, on its own stack */
    uint64_t left, rng;
    uint32_t every;
    struct fam_lat_slot *slot;
};

/* n = the threads that record (up to FAM_LAT_POOL histograms); the
   harness's memory, not counted against the variant. 0 or -ENOMEM. */
int fam_lat_init(struct fam_lat *l, unsigned n);
/* Worker idx's sampler: every = 1 times every op, 0 none, else about 1 op
   in every (a random gap in [every/2, 3 every/2), so no op of a periodic
   pattern is always or never timed). */
void fam_lat_thread(struct fam_lat *l, struct fam_lat_thr *t, unsigned idx, uint32_t every);
/* Records one latency (locks the worker's histogram). */
void fam_lat_record(struct fam_lat_thr *t, uint64_t ns);
/* Merges the pool into m[0..FAM_LAT_POOL_NMETRICS) (NAN when nothing was
   recorded) and frees it. */
void fam_lat_finish(struct fam_lat *l, double *m);

/* h's p50, p90, p99, p99.9 and max into m[0..FAM_LAT_NMETRICS); NAN
   when h is NULL or empty. */
void fam_lat_percentiles(const struct lab_hist *h, double *m);

/* 1 when the next op is to be timed. */
static inline int fam_lat_due(struct fam_lat_thr *t)
{
    if (!t->every || --t->left) return 0;
    t->rng ^= t->rng << 13, t->rng ^= t->rng >> 7, t->rng ^= t->rng << 17;
    t->left = t->every == 1 ? 1 : t->every / 2 + t->rng % t->every;
    return 1;
}

#endif
