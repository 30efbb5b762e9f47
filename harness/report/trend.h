/* trend.h: history series (results/history.h) as people read them: a table
 * per series, CSV, gnuplot plots across commits, and change points with
 * the newest-run gate (lib/lab_changepoint.h; docs/history.md). */
#ifndef CONTEND_TREND_H
#define CONTEND_TREND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "history.h"

/* Each series: its runs with commit, date, trials, median [95% CI], and
   where kernel or compiler changed. */
void rep_trend_show(FILE *f, const struct res_hist_series *s, size_t n);
/* One CSV row per trial. */
void rep_trend_csv(FILE *f, const struct res_hist_series *s, size_t n);
/* dir/history-<k>.{tsv,png,svg}: one plot per metric and cell group, one
   line per implementation across the runs, 95% CI bands, kernel and
   compiler changes marked. Lists the files on f. */
int rep_trend_plot(FILE *f, const char *dir, const struct res_hist_series *s, size_t n, char *err,
                   size_t en);

struct rep_trend_opts {
    double alpha;          /* change points and the gate (0.01) */
    double min_effect;     /* the gate's smallest change (0.03) */
    unsigned permutations; /* 0: lab_cp's default */
    uint64_t seed;
};
/* Change points of each series (where, size with interval, the suspect
   commit range) and the gate on its newest run, for the series whose
   newest run is of the newest build (the commit of the latest run: series
   a build no longer measures are not gated). Returns the number of series
   whose newest run is a regression, or a negative errno. */
int rep_trend_detect(FILE *f, const struct res_hist_series *s, size_t n,
                     const struct rep_trend_opts *o, char *err, size_t en);

#endif
