/* Machines side by side (machines.h): a merged file's runs as the report's
 * inputs, and one table with a column per machine. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "experiment.h"
#include "machines.h"
#include "merge.h"
#include "view.h"

int rep_machines_merged(const struct report *rp)
{
    return rp->nin == 1 && res_merge_count(&rp->in[0].r) > 1;
}

int rep_machines_write(const struct report *rp, char *err, size_t n)
{
    const struct report_input *src = &rp->in[0];
    size_t k = res_merge_count(&src->r);
    if (k > REPORT_MAX_INPUTS) {
        snprintf(err, n, "%s holds %zu runs; a report shows at most %d", src->path, k,
                 REPORT_MAX_INPUTS);
        return -E2BIG;
    }
    struct report x = *rp;
    char paths[REPORT_MAX_INPUTS][600];
    int rc = 0;
    x.nin = 0;
    for (size_t i = 0; !rc && i < k; i++) {
        const json_t *run = json_array_get(json_object_get(src->r.root, "runs"), i);
        const char *from = json_string_value(json_object_get(run, "source"));
        snprintf(paths[i], sizeof paths[i], "%s, run %zu%s%s%s", src->path, i + 1, from ? " (" : "",
                 from ? from : "", from ? ")" : "");
        x.in[i].path = paths[i];
        rc = res_merge_run(&src->r, i, &x.in[i].r, err, n);
        if (!rc) x.nin++;
    }
    if (!rc) rc = rep_write(&x, err, n);
    for (size_t i = 0; i < x.nin; i++) res_free(&x.in[i].r);
    return rc;
}

/* How much faster a is than b on metric (higher speed is better). */
static double machines_speed(const struct rf_cell *c, const char *metric)
{
    struct lab_summary s;
    if (!rep_cell_summary(c, metric, &s) || !(s.median > 0)) return NAN;
    return res_metric_direction(metric) == DIR_LOWER ? 1 / s.median : s.median;
}

/* Is t among the thread counts of fam in r? */
static int machines_has_threads(const struct rf_result *r, const char *fam, unsigned t)
{
    struct rep_uns l = { 0 };
    int has = 0;
    if (rep_threads_of(r, fam, &l) == 0)
        for (size_t j = 0; j < l.n && !has; j++) has = l.v[j] == t;
    rep_uns_free(&l);
    return has;
}

/* The largest thread count every input measured for fam (or want, when
   every input has it); 0 when there is none. */
static unsigned machines_common_threads(const struct report *rp, const char *fam, unsigned want)
{
    struct rep_uns t0 = { 0 };
    unsigned best = 0;
    int has_want = 0;
    if (rep_threads_of(&rp->in[0].r, fam, &t0)) return 0;
    for (size_t t = 0; t < t0.n; t++) {
        int all = 1;
        for (size_t i = 1; i < rp->nin && all; i++)
            all = machines_has_threads(&rp->in[i].r, fam, t0.v[t]);
        if (all && t0.v[t] > best) best = t0.v[t];
        if (all && t0.v[t] == want) has_want = 1;
    }
    rep_uns_free(&t0);
    return has_want ? want : best;
}

/* The seed's ratios for fam from each experiment file that has some. */
static void machines_ratios(struct doc *d, const struct report *rp, const char *fam,
                            const char *prim)
{
    DIR *dir = opendir(res_workloads_dir());
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".ini")) continue;
        char path[1100], err[256], align[64];
        snprintf(path, sizeof path, "%s/%s", res_workloads_dir(), de->d_name);
        struct experiment e;
        if (res_experiment_load(path, "quick", &e, err, sizeof err)) continue;
        unsigned at = machines_common_threads(rp, fam, e.focus_threads);
        if (e.family && !strcmp(e.family, fam) && e.nratios && at && rp->nin + 2 < sizeof align) {
            rep_doc_para(
                d, "The seed's key ratios (`%s`, speed of a over b) at %u threads:", e.name, at);
            snprintf(align, sizeof align, "lr%.*s", (int)rp->nin, "rrrrrrrrrrrrrrrr");
            rep_doc_table(d, align);
            rep_doc_cell(d, "ratio");
            rep_doc_cell(d, "seed (reference)");
            for (size_t i = 0; i < rp->nin; i++) rep_doc_cell(d, "m%zu", i + 1);
            rep_doc_row(d);
            for (size_t k = 0; k < e.nratios; k++) {
                const char *m = e.ratios[k].metric ? e.ratios[k].metric : prim;
                rep_doc_cell(d, "%s/%s%s%s", e.ratios[k].a, e.ratios[k].b,
                             e.ratios[k].metric ? " " : "", e.ratios[k].metric ? m : "");
                rep_doc_cell(d, "%.3g", e.ratios[k].value);
                for (size_t i = 0; i < rp->nin; i++) {
                    const struct rf_result *r = &rp->in[i].r;
                    double q = machines_speed(rep_find(r, fam, e.ratios[k].a, at), m)
                        / machines_speed(rep_find(r, fam, e.ratios[k].b, at), m);
                    if (isfinite(q))
                        rep_doc_cell(d, "%.3g", q);
                    else
                        rep_doc_cell(d, "n/a");
                }
                rep_doc_row(d);
            }
            rep_doc_close(d);
        }
        res_experiment_free(&e);
    }
    if (dir) closedir(dir);
}

static int machines_family(struct doc *d, const struct report *rp, const char *fam)
{
    const char *prim = rep_primary_metric(&rp->in[0].r, fam);
    struct rep_names impl = { 0 };
    struct rep_uns thr = { 0 };
    char align[64];
    int rc = 0;
    if (!prim || rp->nin + 2 >= sizeof align) return 0;
    for (size_t i = 0; !rc && i < rp->nin; i++) {
        rc = rep_impls_of(&rp->in[i].r, fam, &impl);
        if (!rc) rc = rep_threads_of(&rp->in[i].r, fam, &thr);
    }
    if (!rc) {
        rep_doc_heading(d, 3, "%s: %s (%s, median) on each machine", fam, rep_metric_label(prim),
                        res_metric_unit(&rp->in[0].r, prim));
        snprintf(align, sizeof align, "lr%.*s", (int)rp->nin, "rrrrrrrrrrrrrrrr");
        rep_doc_table(d, align);
        rep_doc_cell(d, "implementation");
        rep_doc_cell(d, "threads");
        for (size_t i = 0; i < rp->nin; i++) rep_doc_cell(d, "m%zu", i + 1);
        rep_doc_row(d);
        for (size_t t = 0; t < thr.n; t++)
            for (size_t k = 0; k < impl.n; k++) {
                rep_doc_cell(d, "%s", impl.v[k]);
                rep_doc_cell(d, "%u", thr.v[t]);
                for (size_t i = 0; i < rp->nin; i++) {
                    struct lab_summary s;
                    char buf[16];
                    const struct rf_cell *c = rep_find(&rp->in[i].r, fam, impl.v[k], thr.v[t]);
                    rep_doc_cell(d, "%s",
                                 rep_cell_summary(c, prim, &s)
                                     ? rep_format_si(s.median, buf, sizeof buf)
                                     : "");
                }
                rep_doc_row(d);
            }
        rep_doc_close(d);
        machines_ratios(d, rp, fam, prim);
    }
    rep_names_free(&impl);
    rep_uns_free(&thr);
    return rc;
}

int rep_machines_table(struct doc *d, const struct report *rp)
{
    if (rp->nin < 2 || rp->baseline) return 0; /* a baseline: builds compared, not machines */
    rep_doc_heading(d, 2, "Machines side by side");
    for (size_t i = 0; i < rp->nin; i++) {
        char mach[400];
        rep_machine_label(&rp->in[i].r, mach, sizeof mach);
        const char *date = rep_ctx_str(&rp->in[i].r, "date");
        rep_doc_item(d, "m%zu: %s, measured %s (`%s`)", i + 1, mach, date ? date : "?",
                     rp->in[i].path);
    }
    rep_doc_para(d,
                 "Ratios compare designs within one run on one machine; across the columns "
                 "they compare machines (and their load), not designs.");
    struct rep_names fams = { 0 };
    int rc = 0;
    for (size_t i = 0; !rc && i < rp->nin; i++) rc = rep_families(&rp->in[i].r, &fams);
    for (size_t f = 0; !rc && f < fams.n; f++) rc = machines_family(d, rp, fams.v[f]);
    rep_names_free(&fams);
    return rc;
}
