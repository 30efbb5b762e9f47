/* Machines side by side (machines.h): a merged file's runs as the report's
 * inputs, and one table with a column per machine. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The largest thread count every input measured for fam (or want, when
   every input has it); 0 when there is none. */
static unsigned machines_common_threads(const struct report *rp, const char *fam, unsigned want)
{
    unsigned t0[VIEW_MAX], best = 0, has_want = want > 0;
    size_t n0 = rep_threads_of(&rp->in[0].r, fam, t0);
    for (size_t t = 0; t < n0; t++) {
        int all = 1;
        for (size_t i = 1; i < rp->nin && all; i++) {
            unsigned ti[VIEW_MAX];
            size_t ni = rep_threads_of(&rp->in[i].r, fam, ti), j = 0;
            while (j < ni && ti[j] != t0[t]) j++;
            all = j < ni;
        }
        if (all && t0[t] > best) best = t0[t];
        if (all && t0[t] == want) has_want = 2;
    }
    return has_want == 2 ? want : best;
}

/* The seed's ratios for fam from each experiment file that has some. */
static void machines_ratios(FILE *md, const struct report *rp, const char *fam, const char *prim)
{
    DIR *d = opendir(res_workloads_dir());
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".ini")) continue;
        char path[1100], err[256];
        snprintf(path, sizeof path, "%s/%s", res_workloads_dir(), de->d_name);
        struct experiment e;
        if (res_experiment_load(path, "quick", &e, err, sizeof err)) continue;
        unsigned at = machines_common_threads(rp, fam, e.focus_threads);
        if (e.family && !strcmp(e.family, fam) && e.nratios && at) {
            fprintf(md, "\nThe seed's key ratios (`%s`, speed of a over b) at %u threads:\n\n",
                    e.name, at);
            fprintf(md, "| ratio | seed (reference) |");
            for (size_t i = 0; i < rp->nin; i++) fprintf(md, " m%zu |", i + 1);
            fprintf(md, "\n|---|---:|");
            for (size_t i = 0; i < rp->nin; i++) fprintf(md, "---:|");
            fputc('\n', md);
            for (size_t k = 0; k < e.nratios; k++) {
                const char *m = e.ratios[k].metric ? e.ratios[k].metric : prim;
                fprintf(md, "| %s/%s%s%s | %.3g |", e.ratios[k].a, e.ratios[k].b,
                        e.ratios[k].metric ? " " : "", e.ratios[k].metric ? m : "",
                        e.ratios[k].value);
                for (size_t i = 0; i < rp->nin; i++) {
                    const struct rf_result *r = &rp->in[i].r;
                    double q = machines_speed(rep_find(r, fam, e.ratios[k].a, at), m)
                        / machines_speed(rep_find(r, fam, e.ratios[k].b, at), m);
                    if (isfinite(q))
                        fprintf(md, " %.3g |", q);
                    else
                        fprintf(md, " n/a |");
                }
                fputc('\n', md);
            }
        }
        res_experiment_free(&e);
    }
    if (d) closedir(d);
}

static void machines_family(FILE *md, const struct report *rp, const char *fam)
{
    const char *prim = rep_primary_metric(&rp->in[0].r, fam), *impl[VIEW_MAX];
    unsigned thr[VIEW_MAX];
    size_t ni = 0, nt = 0;
    if (!prim) return;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *li[VIEW_MAX];
        unsigned lt[VIEW_MAX];
        size_t a = rep_impls_of(&rp->in[i].r, fam, li), b = rep_threads_of(&rp->in[i].r, fam, lt);
        for (size_t k = 0; k < a; k++) ni = rep_add_unique(impl, ni, li[k]);
        for (size_t k = 0; k < b; k++) {
            size_t j = 0;
            while (j < nt && thr[j] != lt[k]) j++;
            if (j == nt && nt < VIEW_MAX) thr[nt++] = lt[k];
        }
    }
    rep_sort_uns(thr, nt);
    fprintf(md, "### %s: %s (%s, median) on each machine\n\n| implementation | threads |", fam,
            prim, res_metric_unit(&rp->in[0].r, prim));
    for (size_t i = 0; i < rp->nin; i++) fprintf(md, " m%zu |", i + 1);
    fprintf(md, "\n|---|---:|");
    for (size_t i = 0; i < rp->nin; i++) fprintf(md, "---:|");
    fputc('\n', md);
    for (size_t t = 0; t < nt; t++)
        for (size_t k = 0; k < ni; k++) {
            fprintf(md, "| %s | %u |", impl[k], thr[t]);
            for (size_t i = 0; i < rp->nin; i++) {
                struct lab_summary s;
                char buf[16];
                const struct rf_cell *c = rep_find(&rp->in[i].r, fam, impl[k], thr[t]);
                fprintf(md, " %s |",
                        rep_cell_summary(c, prim, &s) ? rep_format_si(s.median, buf, sizeof buf)
                                                      : "");
            }
            fputc('\n', md);
        }
    machines_ratios(md, rp, fam, prim);
    fputc('\n', md);
}

void rep_machines_table(FILE *md, const struct report *rp)
{
    if (rp->nin < 2 || rp->baseline) return; /* a baseline: builds compared, not machines */
    fprintf(md, "## Machines side by side\n\n");
    for (size_t i = 0; i < rp->nin; i++) {
        char mach[400];
        rep_machine_label(&rp->in[i].r, mach, sizeof mach);
        const char *date = rep_ctx_str(&rp->in[i].r, "date");
        fprintf(md, "- m%zu: %s, measured %s (`%s`)\n", i + 1, mach, date ? date : "?",
                rp->in[i].path);
    }
    fprintf(md,
            "\nRatios compare designs within one run on one machine; across the columns "
            "they compare machines (and their load), not designs.\n\n");
    const char *fams[VIEW_MAX];
    size_t nf = 0;
    for (size_t i = 0; i < rp->nin; i++) {
        const char *f[VIEW_MAX];
        size_t k = rep_families(&rp->in[i].r, f);
        for (size_t j = 0; j < k; j++) nf = rep_add_unique(fams, nf, f[j]);
    }
    for (size_t f = 0; f < nf; f++) machines_family(md, rp, fams[f]);
}
