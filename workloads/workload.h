/* Workload generators for the store family: key distributions, rank
 * scrambling, a seeded per-thread RNG and op mixes. Pure functions of
 * their inputs; nothing global. */
#ifndef CONTEND_WORKLOAD_H
#define CONTEND_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "lab_opt.h"

enum wl_dist { WL_UNIFORM, WL_ZIPF, WL_HOTSET, WL_SEED8020 };
enum wl_op { WL_READ, WL_UPDATE, WL_INSERT, WL_DELETE, WL_SCAN, WL_NOPS };

#define WL_MIX_SCALE 1000000u /* op mixes are kept in parts per million */

struct wl_spec {
    enum wl_dist dist;
    uint64_t keys;            /* records prefilled; keys are 1..keys */
    double theta;             /* zipf exponent, > 0 */
    double hot_keys, hot_ops; /* hotset: fraction of keys, fraction of ops */
    int scramble;             /* permute ranks with a seeded bijection */
    uint32_t mix[WL_NOPS];    /* ppm per op; sums to WL_MIX_SCALE */
    unsigned shards, workers; /* store configuration (0 = variant default) */
};

void wl_spec_defaults(struct wl_spec *s);

/* xoshiro256** seeded through SplitMix64 from (seed, stream). */
struct wl_rng {
    uint64_t s[4];
};
void wl_rng_seed(struct wl_rng *r, uint64_t seed, uint64_t stream);
uint64_t wl_rng_next(struct wl_rng *r);
double wl_rng_double(struct wl_rng *r);              /* [0, 1), 53 bits */
uint64_t wl_rng_below(struct wl_rng *r, uint64_t n); /* [0, n) */

/* Exact Zipf over ranks 1..n, P(k) proportional to k^-theta, sampled by
   rejection-inversion (Hoermann & Derflinger 1996). O(1) setup and
   expected O(1) per sample, any theta > 0. */
struct wl_zipf {
    uint64_t n;
    double theta, h_x1, h_n, s;
};
int wl_zipf_init(struct wl_zipf *z, uint64_t n, double theta); /* 0 or -EINVAL */
uint64_t wl_zipf_sample(const struct wl_zipf *z, struct wl_rng *r);

/* A seeded bijection of [0, n): a 4-round Feistel network over the
   smallest even number of bits that covers n, with cycle walking. */
struct wl_perm {
    uint64_t n, half_mask;
    unsigned half_bits;
    uint64_t key[4];
};
void wl_perm_init(struct wl_perm *p, uint64_t n, uint64_t seed);
uint64_t wl_perm_apply(const struct wl_perm *p, uint64_t x);

/* The task-store seed's deterministic 80/20 pattern for the op with index
   i (0-based, counted per thread) over keys 1..n, with h = max(1, n/5):
     i % 10 < 8:  1 + i % h                 (the first 20% of the keys)
     otherwise:   1 + h + i % (n - h)       (the other 80%; 1 + i % n if n == h) */
uint64_t wl_seed8020_key(uint64_t i, uint64_t n);

struct wl_keygen {
    struct wl_spec spec;
    struct wl_zipf zipf;
    struct wl_perm perm;
    uint64_t hot_n;
};
/* perm_seed seeds the scrambling permutation (the same for every thread). */
int wl_keygen_init(struct wl_keygen *g, const struct wl_spec *s, uint64_t perm_seed, char *err,
                   size_t n);
/* The key (1..keys) of the op with per-thread index i. */
uint64_t wl_keygen_next(const struct wl_keygen *g, struct wl_rng *r, uint64_t i);

enum wl_op wl_mix_pick(const uint32_t mix[WL_NOPS], struct wl_rng *r);
int wl_mix_parse(const char *s, uint32_t mix[WL_NOPS], char *err, size_t n);
void wl_mix_format(const uint32_t mix[WL_NOPS], char *buf, size_t n);
int wl_dist_parse(const char *s, enum wl_dist *d); /* 0 or -EINVAL */
const char *wl_dist_name(enum wl_dist d);
const char *wl_op_name(enum wl_op op);
/* NULL when s is consistent, else a one-line reason. */
const char *wl_spec_error(const struct wl_spec *s);

/* The workload's options (keys, dist, theta, hot-keys, hot-ops, scramble,
   mix) as a table into a struct wl_spec. */
extern const struct opt_spec wl_opts[];

#endif
