/* compare.h: a comparison of two result files (Mann-Whitney U per row, Holm
 * over the table, a threshold), shared by `contend compare` and the report
 * (baseline section, A/A control). Methods: docs/statistics.md. */
#ifndef CONTEND_COMPARE_H
#define CONTEND_COMPARE_H

#include <jansson.h>
#include <stdio.h>

#include "lab_stats.h"
#include "resultfile.h"

enum change { CMP_SAME = 0, CMP_BETTER, CMP_WORSE };
static const char *const cmp_change_name[] = { "~", "better", "worse" };

struct cmp_row {
    const struct rf_cell *b, *n;
    const struct rf_metric *mb, *mn;
    struct lab_summary sb, sn;
    double delta; /* (new - base) / base; NAN if base is 0 */
    /* new/base as the Hodges-Lehmann ratio with the interval that inverts
       the U test (lab_ratio.h): it excludes 1 exactly when p < alpha.
       NAN where not defined (a value <= 0, samples the test cannot shift). */
    double ratio, ratio_lo, ratio_hi;
    struct lab_mwu t;
    double p_adj;
    enum change change;
};

struct cmp {
    const char *base_path, *new_path;
    double alpha, threshold;
    const char *format;
    const char *metrics; /* comma list or NULL */
    struct rf_result base, new_;
    struct cmp_row *rows;
    size_t nrows;
    const char **names; /* the metrics tested, in first-seen order */
    size_t nnames;
    json_t *notes;    /* strings: config differences, unmatched cells */
    json_t *warnings; /* strings */
    size_t nfailed;   /* matched cells left out: failed their check in base or new */
};

/* c with the defaults (alpha 0.05, threshold 3%, text) and two results
   (borrowed; either may be NULL to fill in later). */
void rep_cmp_init(struct cmp *c, const char *base_path, const struct rf_result *base,
                  const char *new_path, const struct rf_result *nw);
void rep_cmp_done(struct cmp *c); /* frees what compare added, not the results */
/* Is metric name of cell a row of the comparison (--metric, or the default)? */
int rep_compare_metric_selected(const struct cmp *c, const struct rf_cell *cell, const char *name);
/* Notes every leaf that differs between two config objects ("batcher.batch"). */
void rep_compare_diff_config(json_t *notes, const char *prefix, const json_t *a, const json_t *b);
/* Matches base and new_, tests every row, applies Holm and the threshold.
   A cell that failed its correctness check (or crashed, or hung) in either
   file is not compared: it is named in the notes and counted in nfailed.
   0, or -EINVAL/-ENOMEM with err (-EINVAL also when every cell in common
   failed). */
int rep_compare_rows(struct cmp *c, char *err, size_t n);
/* Adds to c->warnings when the sample sizes cannot reach significance. */
void rep_compare_warnings(struct cmp *c);
/* Geometric mean of new/base medians over one metric's rows; their count. */
int rep_compare_geomean(const struct cmp *c, const char *metric, double *ratio);
/* The same with a seeded percentile bootstrap interval at 95% (each row's
   trials resampled on their own); lo and hi NAN when it cannot be had. */
int rep_compare_geomean_ci(const struct cmp *c, const char *metric, double *ratio, double *lo,
                           double *hi);
/* One sentence on one metric, worded from the tests: how many rows changed
   (regressed, improved) and the geomean with its interval. */
void rep_compare_summary(const struct cmp *c, const char *metric, char *buf, size_t n);
/* The text and Markdown formats (report/compare_text.c). */
void rep_compare_print_text(FILE *f, const struct cmp *c, int md);
/* Prints the table in c->format (text, md, csv, json); the regressions. */
int rep_compare_print(FILE *f, const struct cmp *c);

#endif
