/* plot.h (report/ internal): plots drawn by the gnuplot scripts in plots/
 * from small TSV files written next to them, shown in the report. */
#ifndef CONTEND_PLOT_H
#define CONTEND_PLOT_H

#include <stdio.h>

#include "compare.h"
#include "doc.h"
#include "outdir.h"
#include "resultfile.h"

struct plotctx {
    const struct rep_outdir *out; /* files go in out->tmp/plots */
    struct doc *doc;              /* where the images go */
    char caption[400];            /* the machine, under every plot */
    char *err;
    size_t n;
};

/* Every plot of one input and family: scaling, ns/op and fairness bars. */
int rep_plots_for(const struct plotctx *p, const struct rf_result *r, const char *fam,
                  const char *tag);
/* Per benchmark of one metric, the change from base to new in percent with
   its Hodges-Lehmann interval, on a linear axis centred on 0. */
int rep_plot_compare(const struct plotctx *p, const struct cmp *c, const char *metric,
                     const char *tag);
/* The directory of the gnuplot scripts: $CONTEND_PLOTS, else DATA/plots. */
const char *rep_plot_dir(void);

#endif
