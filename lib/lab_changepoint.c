/* Change points by E-Divisive (Matteson & James 2014) with a seeded
 * permutation test, and the newest-run gate. docs/statistics.md, "Change
 * points", says what is computed and why. */
#include "lab_changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab_ratio.h"
#include "lab_stats.h"

struct cp_obs {
    double v;
    size_t r;
}; /* a trial (scaled) and its rank, 1-based */

struct cp_series {
    const double *x; /* every trial, point after point */
    size_t *pos;     /* point i's trials are x[pos[i] .. pos[i+1]) */
    size_t n;
};

struct cp_work { /* scratch for a segment of up to N trials */
    struct cp_obs *obs, *perm;
    double *cnt, *sum; /* Fenwick trees over ranks */
    double *pre, *suf; /* within-sums of prefixes and of suffixes */
    size_t *bounds;    /* candidate splits, as trial offsets */
};

struct cp_found {
    size_t index;
    double p, q;
};

static int changepoint_cmp_obs(const void *a, const void *b)
{
    double x = ((const struct cp_obs *)a)->v, y = ((const struct cp_obs *)b)->v;
    return (x > y) - (x < y);
}

static int changepoint_cmp_found(const void *a, const void *b)
{
    size_t x = ((const struct cp_found *)a)->index, y = ((const struct cp_found *)b)->index;
    return (x > y) - (x < y);
}

/* out[t] = sum over pairs i < j among the first t of y (the last t when
   reverse) of |y_i - y_j|, t = 0..L: each new value adds its distance to
   those before it, read from Fenwick trees of counts and sums by rank. */
static void changepoint_within(const struct cp_obs *y, size_t L, int reverse, double *out,
                               struct cp_work *w)
{
    memset(w->cnt, 0, (L + 1) * sizeof *w->cnt);
    memset(w->sum, 0, (L + 1) * sizeof *w->sum);
    double acc = 0, all = 0;
    out[0] = 0;
    for (size_t t = 0; t < L; t++) {
        const struct cp_obs *o = &y[reverse ? L - 1 - t : t];
        double c = 0, s = 0; /* those of lower rank */
        for (size_t i = o->r - 1; i; i &= i - 1) c += w->cnt[i], s += w->sum[i];
        acc += (o->v * c - s) + ((all - s) - o->v * ((double)t - c));
        for (size_t i = o->r; i <= L; i += i & (~i + 1)) w->cnt[i] += 1, w->sum[i] += o->v;
        all += o->v;
        out[t + 1] = acc;
    }
}

/* The largest Q over the candidate splits bounds[0..nb) of y[0..L):
   Q = m k / (m + k) * (2/(m k) sum|x - y| - sum|x - x'| / C(m,2)
   - sum|y - y'| / C(k,2)) with m trials before the split and k after. */
static double changepoint_best(const struct cp_obs *y, size_t L, size_t nb, size_t *best,
                               struct cp_work *w)
{
    changepoint_within(y, L, 0, w->pre, w);
    changepoint_within(y, L, 1, w->suf, w);
    double qmax = -INFINITY;
    for (size_t k = 0; k < nb; k++) {
        size_t t = w->bounds[k];
        double m = (double)t, r = (double)(L - t), wx = w->pre[t], wy = w->suf[L - t];
        double between = w->pre[L] - wx - wy;
        double e = 2 * between / (m * r) - (t > 1 ? wx / (m * (m - 1) / 2) : 0)
            - (L - t > 1 ? wy / (r * (r - 1) / 2) : 0);
        double q = m * r / (m + r) * e;
        if (q > qmax) qmax = q, *best = k;
    }
    return qmax;
}

/* The best split of points [s, e) and its permutation p-value: the trials
   of the segment shuffled (Fisher-Yates, a generator seeded from the seed
   and the segment) R times, p = (1 + #{max Q >= observed}) / (R + 1).
   0 when the segment is too short to split. */
static int changepoint_segment(const struct cp_series *S, size_t s, size_t e,
                               const struct lab_cp_opts *o, struct cp_work *w, struct cp_found *f)
{
    if (e - s < 2 * o->min_points) return 0;
    size_t first = s + o->min_points, nb = e - o->min_points - first + 1;
    size_t base = S->pos[s], L = S->pos[e] - base;
    double mean = 0;
    for (size_t i = 0; i < L; i++) mean += S->x[base + i];
    mean /= (double)L;
    for (size_t i = 0; i < L; i++) w->perm[i] = (struct cp_obs){ S->x[base + i] / mean, i };
    qsort(w->perm, L, sizeof *w->perm, changepoint_cmp_obs);
    for (size_t i = 0; i < L; i++) w->obs[w->perm[i].r] = (struct cp_obs){ w->perm[i].v, i + 1 };
    for (size_t k = 0; k < nb; k++) w->bounds[k] = S->pos[first + k] - base;
    size_t best = 0, dummy;
    double q = changepoint_best(w->obs, L, nb, &best, w), tol = 1e-9 * fabs(q);
    struct lab_rng g;
    lab_rng_seed(&g, o->seed ^ (0x9e3779b97f4a7c15ULL * (s + 1)) ^ (0xc2b2ae3d27d4eb4fULL * e));
    unsigned ge = 0;
    for (unsigned r = 0; r < o->permutations; r++) {
        memcpy(w->perm, w->obs, L * sizeof *w->perm);
        for (size_t i = L - 1; i > 0; i--) {
            size_t j = lab_rng_below(&g, i + 1);
            struct cp_obs t = w->perm[i];
            w->perm[i] = w->perm[j];
            w->perm[j] = t;
        }
        if (changepoint_best(w->perm, L, nb, &dummy, w) >= q - tol) ge++;
    }
    *f = (struct cp_found){ first + best, (1.0 + ge) / (o->permutations + 1.0), q };
    return 1;
}

static int changepoint_options(const struct lab_cp_opts *in, struct lab_cp_opts *o)
{
    *o = in ? *in : (struct lab_cp_opts){ 0 };
    if (o->alpha == 0) o->alpha = 0.01;
    if (o->permutations == 0) o->permutations = 499;
    if (o->min_points == 0) o->min_points = 2;
    if (o->conf == 0) o->conf = 0.95;
    return o->alpha > 0 && o->alpha < 1 && o->conf > 0 && o->conf < 1 ? 0 : -EINVAL;
}

/* Flattens the trials; -EINVAL for an empty point or a bad value. */
static int changepoint_flatten(const struct lab_cp_point *pts, size_t n, double **x, size_t **pos)
{
    size_t N = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pts[i].n || !pts[i].trials) return -EINVAL;
        for (size_t j = 0; j < pts[i].n; j++)
            if (!(pts[i].trials[j] > 0) || !isfinite(pts[i].trials[j])) return -EINVAL;
        N += pts[i].n;
    }
    *x = malloc((N ? N : 1) * sizeof **x);
    *pos = malloc((n + 1) * sizeof **pos);
    if (!*x || !*pos) {
        free(*x);
        free(*pos);
        return -ENOMEM;
    }
    (*pos)[0] = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(*x + (*pos)[i], pts[i].trials, pts[i].n * sizeof **x);
        (*pos)[i + 1] = (*pos)[i] + pts[i].n;
    }
    return 0;
}

static void changepoint_work_free(struct cp_work *w)
{
    free(w->obs);
    free(w->perm);
    free(w->cnt);
    free(w->sum);
    free(w->pre);
    free(w->suf);
    free(w->bounds);
}

static int changepoint_work_alloc(struct cp_work *w, size_t N, size_t n)
{
    w->obs = malloc(N * sizeof *w->obs);
    w->perm = malloc(N * sizeof *w->perm);
    w->cnt = malloc((N + 1) * sizeof *w->cnt);
    w->sum = malloc((N + 1) * sizeof *w->sum);
    w->pre = malloc((N + 1) * sizeof *w->pre);
    w->suf = malloc((N + 1) * sizeof *w->suf);
    w->bounds = malloc(n * sizeof *w->bounds);
    if (w->obs && w->perm && w->cnt && w->sum && w->pre && w->suf && w->bounds) return 0;
    changepoint_work_free(w);
    return -ENOMEM;
}

/* Binary segmentation: test the whole series, split where the test says,
   test both halves, and so on (segments kept on a stack). Returns how many
   changes, in found[] sorted by index. */
static int changepoint_segment_all(const struct cp_series *S, const struct lab_cp_opts *o,
                                   struct cp_found *found)
{
    struct cp_work w;
    size_t *stack = malloc(2 * (S->n + 1) * sizeof *stack), top = 0, nf = 0;
    if (!stack) return -ENOMEM;
    if (changepoint_work_alloc(&w, S->pos[S->n] ? S->pos[S->n] : 1, S->n)) {
        free(stack);
        return -ENOMEM;
    }
    stack[top++] = 0, stack[top++] = S->n;
    while (top) {
        size_t e = stack[--top], s = stack[--top];
        struct cp_found f;
        if (!changepoint_segment(S, s, e, o, &w, &f) || !(f.p < o->alpha)) continue;
        found[nf++] = f;
        stack[top++] = s, stack[top++] = f.index;
        stack[top++] = f.index, stack[top++] = e;
    }
    changepoint_work_free(&w);
    free(stack);
    qsort(found, nf, sizeof *found, changepoint_cmp_found);
    return (int)nf;
}

int lab_cp_detect(const struct lab_cp_point *pts, size_t n, const struct lab_cp_opts *o,
                  struct lab_cp_change *out, size_t max)
{
    struct lab_cp_opts opt;
    int rc = changepoint_options(o, &opt);
    if (rc) return rc;
    struct cp_series S = { .n = n };
    double *x;
    rc = changepoint_flatten(pts, n, &x, &S.pos);
    if (rc) return rc;
    S.x = x;
    struct cp_found *found = malloc((n ? n : 1) * sizeof *found);
    int nf = found ? changepoint_segment_all(&S, &opt, found) : -ENOMEM;
    for (int i = 0; i < nf && (size_t)i < max; i++) {
        size_t from = i ? found[i - 1].index : 0, at = found[i].index;
        size_t to = i + 1 < nf ? found[i + 1].index : n;
        const double *before = x + S.pos[from], *after = x + S.pos[at];
        size_t nbefore = S.pos[at] - S.pos[from], nafter = S.pos[to] - S.pos[at];
        struct lab_cp_change *c = &out[i];
        *c = (struct lab_cp_change){ .index = at, .p = found[i].p, .q = found[i].q };
        if (lab_ratio_bootstrap_stat(LAB_RATIO_MEAN, after, nafter, before, nbefore, opt.conf, 0,
                                     opt.seed ^ at, &c->ratio, &c->lo, &c->hi)) {
            double ma = 0, mb = 0; /* a side of one trial */
            for (size_t k = 0; k < nafter; k++) ma += after[k] / (double)nafter;
            for (size_t k = 0; k < nbefore; k++) mb += before[k] / (double)nbefore;
            c->ratio = ma / mb, c->lo = c->hi = NAN;
        }
    }
    free(found);
    free(x);
    free(S.pos);
    return nf;
}

/* ---------------- the gate ----------------------------------------------- */

int lab_cp_newest_test(const struct lab_cp_point *pts, size_t n, size_t since,
                       enum lab_cp_better better, double min_effect, double alpha,
                       struct lab_cp_gate *out)
{
    memset(out, 0, sizeof *out);
    if (n < 2 || since >= n - 1 || !(alpha > 0 && alpha < 1) || !(min_effect >= 0)) return -EINVAL;
    double *base;
    size_t *pos;
    int rc = changepoint_flatten(pts + since, n - 1 - since, &base, &pos);
    if (rc) return rc;
    const struct lab_cp_point *nw = &pts[n - 1];
    size_t nbase = pos[n - 1 - since];
    free(pos);
    struct lab_mwu t;
    rc = nw->n && nw->trials ? lab_mwu_test(nw->trials, nw->n, base, nbase, &t) : -EINVAL;
    if (!rc) {
        rc = lab_ratio_hodges_lehmann(nw->trials, nw->n, base, nbase, 1 - alpha, &out->ratio,
                                      &out->lo, &out->hi);
        if (rc == -EDOM) rc = 0; /* no shift fits; the estimate stands */
    }
    free(base);
    if (rc) return rc;
    out->p = t.p, out->exact = t.exact, out->n_new = nw->n, out->n_base = nbase;
    if (t.p < alpha && fabs(out->ratio - 1) >= min_effect && out->ratio != 1) {
        int up = out->ratio > 1;
        out->outcome =
            up == (better == LAB_CP_HIGHER_IS_BETTER) ? LAB_CP_IMPROVEMENT : LAB_CP_REGRESSION;
    }
    return 0;
}

const char *lab_cp_outcome_name(enum lab_cp_outcome o)
{
    switch (o) {
    case LAB_CP_NO_CHANGE: return "no change";
    case LAB_CP_REGRESSION: return "regression";
    case LAB_CP_IMPROVEMENT: return "improvement";
    }
    return "?";
}
