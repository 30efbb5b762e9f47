/* report.h: Markdown + HTML reports with gnuplot plots, from result files
 * (`contend report`) and after a reproduction (`contend reproduce`).
 * What they contain: docs/reports.md. */
#ifndef CONTEND_REPORT_H
#define CONTEND_REPORT_H

#include <stddef.h>

#include "resultfile.h"

struct experiment;

#define REPORT_MAX_INPUTS 8

struct report_input {
    const char *path;
    struct rf_result r;
};

struct report {
    const char *dir;                       /* output directory (created) */
    struct report_input in[REPORT_MAX_INPUTS];
    size_t nin;
    struct report_input *baseline;         /* or NULL */
    const struct experiment *e;            /* reproduce: the evolution table; or NULL */
    int argc;                              /* the command that made the report */
    char **argv;
};

/* Writes DIR/report.md, DIR/report.html and DIR/plots/. 0, or -errno with a
   one-line err (-ENOENT: gnuplot is missing). */
int report_write(const struct report *rp, char *err, size_t n);

/* After `contend reproduce`: reads DIR/results.json and writes summary.csv,
   the plots and report.md + report.html with the seed-shaped evolution table. */
int reproduce_report(const char *dir, const struct experiment *e, int argc, char **argv,
                     char *err, size_t n);

/* mkdir -p */
int make_dirs(const char *path, char *err, size_t n);

#endif
