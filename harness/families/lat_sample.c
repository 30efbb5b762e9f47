/* Sampled latencies into a pool of histograms (lat_sample.h). */
#include "lat_sample.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab_alloc.h"

int fam_lat_init(struct fam_lat *l, unsigned n)
{
    l->n = n < 1 ? 1 : n > FAM_LAT_POOL ? FAM_LAT_POOL : n;
    lab_alloc_pause();
    l->slot = lab_calloc_aligned(sizeof *l->slot * l->n);
    int rc = l->slot ? 0 : -ENOMEM;
    for (unsigned i = 0; !rc && i < l->n; i++) {
        lab_mutex_init(&l->slot[i].mu);
        rc = lab_hist_init(&l->slot[i].h, FAM_LAT_HIGHEST);
    }
    lab_alloc_resume();
    if (rc && l->slot) {
        double m[FAM_LAT_POOL_NMETRICS];
        fam_lat_finish(l, m);
    }
    return rc;
}

void fam_lat_thread(struct fam_lat *l, struct fam_lat_thr *t, unsigned idx, uint32_t every)
{
    t->every = every;
    t->slot = &l->slot[idx % l->n];
    t->rng = lab_mix64(idx + 1) | 1;
    t->left = every <= 1 ? 1 : 1 + lab_mix64(idx) % every; /* threads start out of step */
}

void fam_lat_record(struct fam_lat_thr *t, uint64_t ns)
{
    /* try and yield, never park: a parked fiber's wait allocates, which
       the leak check would charge to the variant */
    lab_mutex_spin_lock(&t->slot->mu);
    lab_hist_record(&t->slot->h, ns);
    lab_mutex_unlock(&t->slot->mu);
}

void fam_lat_percentiles(const struct lab_hist *h, double *m)
{
    static const double pct[FAM_LAT_NMETRICS] = { 50, 90, 99, 99.9, 100 };
    for (int k = 0; k < FAM_LAT_NMETRICS; k++)
        m[k] = h && h->count ? (double)lab_hist_percentile(h, pct[k]) : NAN;
}

void fam_lat_finish(struct fam_lat *l, double *m)
{
    lab_alloc_pause();
    double worst = NAN;
    for (unsigned i = 0; l->slot && i < l->n && l->slot[i].h.buckets; i++) {
        double p99 = l->slot[i].h.count ? (double)lab_hist_percentile(&l->slot[i].h, 99) : NAN;
        if (p99 > worst || isnan(worst)) worst = p99;
    }
    for (unsigned i = 1; l->slot && i < l->n && l->slot[i].h.buckets; i++)
        lab_hist_merge(&l->slot[0].h, &l->slot[i].h);
    fam_lat_percentiles(l->slot ? &l->slot[0].h : NULL, m);
    m[FAM_LAT_NMETRICS] = worst;
    for (unsigned i = 0; l->slot && i < l->n; i++) {
        lab_hist_free(&l->slot[i].h);
        lab_mutex_destroy(&l->slot[i].mu);
    }
    free(l->slot);
    l->slot = NULL;
    lab_alloc_resume();
}
