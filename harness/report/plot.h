/* plot.h (report/ internal): plots drawn by the gnuplot scripts in plots/
 * from small TSV files written next to them, linked from the Markdown. */
#ifndef CONTEND_PLOT_H
#define CONTEND_PLOT_H

#include <stdio.h>

#include "compare.h"
#include "resultfile.h"

struct plotctx {
    const char *dir; /* report dir; plots go in dir/plots */
    char caption[400];
    FILE *md; /* where the image links go */
    char *err;
    size_t n;
};

/* Every plot of one input and family: scaling, ns/op and fairness bars. */
int rep_plots_for(const struct plotctx *p, const struct rf_result *r, const char *fam,
                  const char *tag);
/* Base against new, one pair of bars per benchmark of one metric. */
int rep_plot_compare(const struct plotctx *p, const struct cmp *c, const char *metric,
                     const char *tag);

#endif
