/* compare.h: the statistics of a comparison of two result files (Mann-Whitney
 * U per row, Holm over the table, a threshold), shared by `contend compare`
 * and the report generator (harness/report.c). Methods: docs/statistics.md. */
#ifndef CONTEND_COMPARE_H
#define CONTEND_COMPARE_H

#include <jansson.h>

#include "harness.h"
#include "resultfile.h"

#define NAMES_MAX 64

enum change { CMP_SAME = 0, CMP_BETTER, CMP_WORSE };
static const char *const cmp_change_name[] = { "~", "better", "worse" };

struct cmp_row {
    const struct rf_cell *b, *n;
    const struct rf_metric *mb, *mn;
    struct summary sb, sn;
    double delta;                    /* (new - base) / base; NAN if base is 0 */
    struct mwu t;
    double p_adj;
    enum change change;
};

struct cmp {
    const char *base_path, *new_path;
    double alpha, threshold;
    const char *format;
    const char *metrics;             /* comma list or NULL */
    struct rf_result base, new_;
    struct cmp_row *rows;
    size_t nrows;
    const char *names[NAMES_MAX];
    size_t nnames;
    json_t *notes;                   /* strings: config differences, unmatched cells */
    json_t *warnings;                /* strings */
};

/* Is metric name of cell a row of the comparison (--metric, or the default)? */
int compare_metric_selected(const struct cmp *c, const struct rf_cell *cell, const char *name);
/* Matches base and new_, tests every row, applies Holm and the threshold.
   Needs c->notes (a JSON array). 0, or -EINVAL/-ENOMEM with err. */
int compare_rows(struct cmp *c, char *err, size_t n);
/* Adds to c->warnings when the sample sizes cannot reach significance. */
void compare_warnings(struct cmp *c);
/* Geometric mean of new/base medians over one metric's rows; their count. */
int compare_geomean(const struct cmp *c, const char *metric, double *ratio);

#endif
