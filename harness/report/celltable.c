/* The report's tables of every cell of a family: its metrics (those
 * compare tests, plus fairness), then its latency percentiles when the
 * cells have them (docs/latency.md): medians over the trials with their
 * 95% CI. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "report.h"
#include "view.h"

/* Metrics shown in the full table: those compare would test by default,
   plus jain; or (latency) the sampled latency percentiles. */
static int celltable_metrics(const struct report *rp, const char *fam, struct rep_names *out,
                             int latency)
{
    struct cmp sel;
    memset(&sel, 0, sizeof sel);
    int rc = 0;
    for (size_t i = 0; i < rp->nin; i++)
        for (size_t j = 0; !rc && j < rp->in[i].r.ncells; j++) {
            const struct rf_cell *c = &rp->in[i].r.cells[j];
            if (strcmp(c->family, fam)) continue;
            for (size_t m = 0; !rc && m < c->nmetrics; m++) {
                const char *name = c->metrics[m].name;
                if (latency ? !strncmp(name, "lat_p", 5) || !strcmp(name, "lat_max_ns")
                            : rep_compare_metric_selected(&sel, c, name) || !strcmp(name, "jain"))
                    rc = rep_names_add(out, name);
            }
        }
    return rc;
}

/* One row per implementation and thread count, a column per metric of
   met (per machine when there are several inputs). */
static int celltable_table(struct doc *d, const struct report *rp, const char *fam,
                           struct rep_names *met)
{
    struct rep_names impl = { 0 };
    struct rep_uns thr = { 0 };
    int rc = 0;
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        rc = rep_impls_of(&rp->in[i].r, fam, &impl);
        if (!rc) rc = rep_threads_of(&rp->in[i].r, fam, &thr);
    }
    char align[64] = "lr";
    for (size_t i = 2; i + 1 < sizeof align; i++) align[i] = 'r';
    rep_doc_table(d, align);
    rep_doc_cell(d, "implementation");
    rep_doc_cell(d, "threads");
    for (size_t i = 0; !rc && i < rp->nin; i++)
        for (size_t m = 0; m < met->n; m++)
            rep_doc_cell(d, "%s (%s)", rep_metric_label(met->v[m]),
                         res_metric_unit(&rp->in[0].r, met->v[m]));
    rep_doc_row(d);
    if (rp->nin > 1) {
        rep_doc_cell(d, "*machine*");
        rep_doc_cell(d, " ");
        for (size_t i = 0; i < rp->nin; i++)
            for (size_t m = 0; m < met->n; m++) rep_doc_cell(d, "*m%zu*", i + 1);
        rep_doc_row(d);
    }
    for (size_t i = 0; !rc && i < impl.n; i++)
        for (size_t t = 0; t < thr.n; t++) {
            int any = 0;
            for (size_t k = 0; k < rp->nin; k++)
                any |= rep_find(&rp->in[k].r, fam, impl.v[i], thr.v[t]) != NULL;
            if (!any) continue;
            rep_doc_cell(d, "%s", impl.v[i]);
            rep_doc_cell(d, "%u", thr.v[t]);
            for (size_t k = 0; k < rp->nin; k++) {
                const struct rf_cell *c = rep_find(&rp->in[k].r, fam, impl.v[i], thr.v[t]);
                for (size_t m = 0; m < met->n; m++) {
                    struct lab_summary s;
                    char buf[80];
                    if (rep_cell_summary(c, met->v[m], &s)) {
                        rep_med_ci(&s, buf, sizeof buf, 1);
                        rep_doc_cell(d, "%s", buf);
                    } else {
                        rep_doc_cell(d, "%s", rep_cell_missing(&rp->in[k].r, c));
                    }
                }
            }
            rep_doc_row(d);
        }
    rep_doc_close(d);
    rep_doc_para(d,
                 "Each value: median [95%% CI of the median] over the trials; `!` marks a cell "
                 "whose spread (CV) is over %.0f%%.",
                 LAB_UNSTABLE_CV * 100);
    rep_names_free(met);
    rep_names_free(&impl);
    rep_uns_free(&thr);
    return rc ? -ENOMEM : 0;
}

int rep_cells_tables(struct doc *d, const struct report *rp, const char *fam)
{
    struct rep_names met = { 0 }, lat = { 0 };
    int rc = celltable_metrics(rp, fam, &met, 0);
    if (!rc) rc = celltable_metrics(rp, fam, &lat, 1);
    if (!rc) rc = celltable_table(d, rp, fam, &met);
    if (!rc && lat.n) {
        rep_doc_para(d,
                     "Latency, sampled (docs/latency.md): per op for stores and counters, add "
                     "to delivery for batchers; p50 to max of each trial, in ns.");
        rc = celltable_table(d, rp, fam, &lat);
    }
    rep_names_free(&met);
    rep_names_free(&lat);
    return rc;
}
