#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static const char *const op_names[WL_NOPS] = { "read", "update", "insert", "delete", "scan" };
static const char *const dist_names[] = { "uniform", "zipf", "hotset", "seed8020" };

void wl_spec_defaults(struct wl_spec *s)
{
    memset(s, 0, sizeof *s);
    s->dist = WL_ZIPF;
    s->keys = 1000000;
    s->theta = 0.894;
    s->hot_keys = 0.2;
    s->hot_ops = 0.8;
    s->mix[WL_READ] = WL_MIX_SCALE * 95 / 100;
    s->mix[WL_UPDATE] = WL_MIX_SCALE * 5 / 100;
}

/* ---- RNG ---- */

static uint64_t workload_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void wl_rng_seed(struct wl_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ workload_splitmix(&(uint64_t){ stream * 0xd1342543de82ef95ULL + 1 });
    for (int i = 0; i < 4; i++) r->s[i] = workload_splitmix(&x);
}

static inline uint64_t workload_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t wl_rng_next(struct wl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = workload_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = workload_rotl(s[3], 45);
    return out;
}

double wl_rng_double(struct wl_rng *r) { return (double)(wl_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t wl_rng_below(struct wl_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: exactly uniform */
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)wl_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t floor = -n % n;
        while (low < floor) {
            m = (u128)wl_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* ---- Zipf by rejection-inversion ----
 * With h(x) = x^-s, H(x) = (x^(1-s) - 1) / (1-s) is an antiderivative
 * (ln x at s = 1). A uniform u on [H(n+1/2), H(3/2) - 1] mapped through
 * H^-1 gives x; k = round(x) is accepted when x lies close enough to k
 * (k - x <= s0, a test that needs no evaluation of H) or when u falls
 * under the part of the hat that belongs to k (u >= H(k+1/2) - h(k)).
 * The accepted k has probability exactly h(k) / sum h. */

static double workload_expm1_over(double t) { return fabs(t) > 1e-8 ? expm1(t) / t : 1 + t / 2; }
static double workload_log1p_over(double t) { return fabs(t) > 1e-8 ? log1p(t) / t : 1 - t / 2; }

static double workload_zh(const struct wl_zipf *z, double x) { return exp(-z->theta * log(x)); }

static double workload_zH(const struct wl_zipf *z, double x)
{
    double lx = log(x);
    return workload_expm1_over((1 - z->theta) * lx) * lx;
}

static double workload_zHinv(const struct wl_zipf *z, double u)
{
    double t = u * (1 - z->theta);
    if (t < -1) t = -1; /* rounding at the far end of the domain */
    return exp(workload_log1p_over(t) * u);
}

int wl_zipf_init(struct wl_zipf *z, uint64_t n, double theta)
{
    if (n < 1 || !(theta > 0) || isinf(theta)) return -EINVAL;
    z->n = n;
    z->theta = theta;
    z->h_x1 = workload_zH(z, 1.5) - 1;
    z->h_n = workload_zH(z, (double)n + 0.5);
    z->s = 2 - workload_zHinv(z, workload_zH(z, 2.5) - workload_zh(z, 2));
    return 0;
}

uint64_t wl_zipf_sample(const struct wl_zipf *z, struct wl_rng *r)
{
    for (;;) {
        double u = z->h_n + wl_rng_double(r) * (z->h_x1 - z->h_n);
        double x = workload_zHinv(z, u);
        double kd = floor(x + 0.5);
        if (kd < 1)
            kd = 1;
        else if (kd > (double)z->n)
            kd = (double)z->n;
        if (kd - x <= z->s || u >= workload_zH(z, kd + 0.5) - workload_zh(z, kd))
            return (uint64_t)kd;
    }
}

/* ---- scrambling ---- */

void wl_perm_init(struct wl_perm *p, uint64_t n, uint64_t seed)
{
    unsigned bits = 0;
    while (bits < 64 && (n - 1) >> bits) bits++;
    p->n = n;
    p->half_bits = bits < 2 ? 1 : (bits + 1) / 2;
    p->half_mask = (UINT64_C(1) << p->half_bits) - 1;
    uint64_t x = seed ^ 0x5851f42d4c957f2dULL;
    for (int i = 0; i < 4; i++) p->key[i] = workload_splitmix(&x);
}

static uint64_t workload_feistel(const struct wl_perm *p, uint64_t x)
{
    uint64_t l = x >> p->half_bits, r = x & p->half_mask;
    for (int i = 0; i < 4; i++) {
        uint64_t f = workload_splitmix(&(uint64_t){ r ^ p->key[i] }) & p->half_mask;
        uint64_t nl = r;
        r = l ^ f;
        l = nl;
    }
    return (l << p->half_bits) | r;
}

uint64_t wl_perm_apply(const struct wl_perm *p, uint64_t x)
{
    /* the domain is at most 4n, so about 4 rounds of walking at worst on
       average; the walk ends because x's cycle contains x itself (< n) */
    do x = workload_feistel(p, x);
    while (x >= p->n);
    return x;
}

/* ---- keys ---- */

uint64_t wl_seed8020_key(uint64_t i, uint64_t n)
{
    uint64_t h = n / 5 ? n / 5 : 1;
    if (i % 10 < 8) return 1 + i % h;
    return n > h ? 1 + h + i % (n - h) : 1 + i % n;
}

const char *wl_spec_error(const struct wl_spec *s)
{
    if (s->keys < 1) return "--keys must be at least 1";
    if (!(s->theta > 0) || isinf(s->theta)) return "--theta must be a number > 0";
    if (!(s->hot_keys > 0 && s->hot_keys <= 1)) return "--hot-keys must be in (0, 1]";
    if (!(s->hot_ops >= 0 && s->hot_ops <= 1)) return "--hot-ops must be in [0, 1]";
    uint64_t sum = 0;
    for (int i = 0; i < WL_NOPS; i++) sum += s->mix[i];
    if (sum != WL_MIX_SCALE) return "--mix must sum to 100";
    if (s->shards & (s->shards - 1)) return "--shards must be a power of two";
    return NULL;
}

int wl_keygen_init(struct wl_keygen *g, const struct wl_spec *s, uint64_t perm_seed, char *err,
                   size_t n)
{
    const char *why = wl_spec_error(s);
    if (why) {
        snprintf(err, n, "%s", why);
        return -EINVAL;
    }
    memset(g, 0, sizeof *g);
    g->spec = *s;
    if (s->dist == WL_ZIPF && wl_zipf_init(&g->zipf, s->keys, s->theta) != 0) {
        snprintf(err, n, "zipf: bad parameters");
        return -EINVAL;
    }
    double hot = floor(s->hot_keys * (double)s->keys + 0.5);
    g->hot_n = hot < 1 ? 1 : hot > (double)s->keys ? s->keys : (uint64_t)hot;
    wl_perm_init(&g->perm, s->keys, perm_seed);
    return 0;
}

uint64_t wl_keygen_next(const struct wl_keygen *g, struct wl_rng *r, uint64_t i)
{
    uint64_t n = g->spec.keys, rank;
    switch (g->spec.dist) {
    case WL_ZIPF: rank = wl_zipf_sample(&g->zipf, r); break;
    case WL_HOTSET:
        if (wl_rng_double(r) < g->spec.hot_ops || g->hot_n == n)
            rank = 1 + wl_rng_below(r, g->hot_n);
        else
            rank = g->hot_n + 1 + wl_rng_below(r, n - g->hot_n);
        break;
    case WL_SEED8020: rank = wl_seed8020_key(i, n); break;
    case WL_UNIFORM:
    default: rank = 1 + wl_rng_below(r, n); break;
    }
    return g->spec.scramble ? 1 + wl_perm_apply(&g->perm, rank - 1) : rank;
}

/* ---- mixes ---- */

enum wl_op wl_mix_pick(const uint32_t mix[WL_NOPS], struct wl_rng *r)
{
    uint64_t x = wl_rng_below(r, WL_MIX_SCALE), acc = 0;
    for (int i = 0; i < WL_NOPS; i++) {
        acc += mix[i];
        if (x < acc) return (enum wl_op)i;
    }
    return WL_READ;
}

int wl_mix_parse(const char *s, uint32_t mix[WL_NOPS], char *err, size_t n)
{
    uint32_t m[WL_NOPS] = { 0 };
    int given[WL_NOPS] = { 0 };
    const char *p = s;
    if (!s || !*s) {
        snprintf(err, n, "--mix: empty list");
        return -EINVAL;
    }
    for (;;) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (!eq || eq > end) {
            snprintf(err, n, "--mix: '%.*s' is not op=percent", (int)(end - p), p);
            return -EINVAL;
        }
        int op = -1;
        for (int i = 0; i < WL_NOPS; i++)
            if ((size_t)(eq - p) == strlen(op_names[i])
                && !strncmp(p, op_names[i], (size_t)(eq - p)))
                op = i;
        if (op < 0) {
            snprintf(err, n, "--mix: unknown op '%.*s' (read, update, insert, delete, scan)",
                     (int)(eq - p), p);
            return -EINVAL;
        }
        if (given[op]++) {
            snprintf(err, n, "--mix: '%s' given twice", op_names[op]);
            return -EINVAL;
        }
        char num[32];
        size_t len = (size_t)(end - eq - 1);
        char *stop;
        if (len == 0 || len >= sizeof num) {
            snprintf(err, n, "--mix: bad percentage for '%s'", op_names[op]);
            return -EINVAL;
        }
        memcpy(num, eq + 1, len);
        num[len] = '\0';
        double v = strtod(num, &stop);
        if (*stop || num[0] == '-' || !(v >= 0 && v <= 100)) {
            snprintf(err, n, "--mix: '%s' is not a percentage in [0, 100] for '%s'", num,
                     op_names[op]);
            return -EINVAL;
        }
        m[op] = (uint32_t)llround(v * (WL_MIX_SCALE / 100.0));
        if (!*end) break;
        p = end + 1;
    }
    uint64_t sum = 0;
    for (int i = 0; i < WL_NOPS; i++) sum += m[i];
    if (sum != WL_MIX_SCALE) {
        snprintf(err, n, "--mix: percentages sum to %g, not 100",
                 (double)sum / (WL_MIX_SCALE / 100.0));
        return -EINVAL;
    }
    memcpy(mix, m, sizeof m);
    return 0;
}

void wl_mix_format(const uint32_t mix[WL_NOPS], char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < WL_NOPS && used < n; i++)
        if (mix[i])
            used += (size_t)snprintf(buf + used, n - used, "%s%s=%g", used ? "," : "", op_names[i],
                                     (double)mix[i] / (WL_MIX_SCALE / 100.0));
}

int wl_dist_parse(const char *s, enum wl_dist *d)
{
    for (size_t i = 0; i < sizeof dist_names / sizeof dist_names[0]; i++)
        if (s && !strcmp(s, dist_names[i])) {
            *d = (enum wl_dist)i;
            return 0;
        }
    return -EINVAL;
}

const char *wl_dist_name(enum wl_dist d) { return dist_names[d]; }
const char *wl_op_name(enum wl_op op) { return op_names[op]; }
