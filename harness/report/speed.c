/* The speed ratio of two cells with its bootstrap interval: what a
 * reproduction's seed ratios (evolution.c) and a frontier's rankings and
 * goals (frontier.c) are read from. Methods: docs/statistics.md. */
#include <errno.h>

#include "lab_ratio.h"
#include "view.h"

/* Speed values of a cell's trials (ops/s, or 1/x of a lower-is-better metric). */
static size_t speed_values(const struct rf_cell *c, const char *metric, double *out, size_t max)
{
    const struct rf_metric *m = c ? res_cell_metric(c, metric) : NULL;
    size_t k = 0;
    for (size_t i = 0; m && i < m->n && k < max; i++)
        if (m->v[i] > 0) out[k++] = m->dir == DIR_LOWER ? 1 / m->v[i] : m->v[i];
    return k;
}

int rep_speed_ratio(const struct rf_cell *a, const struct rf_cell *b, const char *metric,
                    uint64_t seed, struct rep_ratio *q)
{
    double va[1024], vb[1024];
    *q = (struct rep_ratio){ .na = speed_values(a, metric, va, 1024),
                             .nb = speed_values(b, metric, vb, 1024) };
    if (!q->na || !q->nb) return -ENOENT;
    q->interval = lab_ratio_bootstrap(va, q->na, vb, q->nb, 0.95, LAB_RATIO_RESAMPLES, seed,
                                      &q->est, &q->lo, &q->hi)
        == 0;
    if (!q->interval) { /* fewer than LAB_RATIO_MIN_TRIALS: the median ratio, no interval */
        struct lab_summary sa, sb;
        lab_summarize(va, q->na, &sa);
        lab_summarize(vb, q->nb, &sb);
        q->est = sa.median / sb.median;
        q->lo = q->hi = q->est;
    }
    return 0;
}
