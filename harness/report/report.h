/* report.h: the report layer turns result files into what people read:
 * Markdown + HTML reports with gnuplot plots (`contend report`, `contend
 * reproduce`), comparisons (compare.h), exports for other tools (export.h)
 * and the terminal tables of a run (table.h). What a report contains:
 * docs/reports.md.
 *
 * Uses: results/ (result files, experiments), run/, lib/. Used by: cli/. */
#ifndef CONTEND_REPORT_H
#define CONTEND_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "resultfile.h"

struct experiment;
struct doc;

#define REPORT_MAX_INPUTS 32

struct report_input {
    const char *path;
    struct rf_result r;
};

struct report {
    const char *dir; /* output directory (created) */
    struct report_input in[REPORT_MAX_INPUTS];
    size_t nin;
    struct report_input *baseline; /* or NULL */
    const struct experiment *e;    /* reproduce: the evolution table; or NULL */
    int argc;                      /* the command that made the report */
    char **argv;
    int summary; /* also DIR/summary.csv (reproduce) */
};

/* Writes DIR/report.md, DIR/report.html and DIR/plots/, all or nothing
   (report/outdir.h). 0, or -errno with a one-line err (-ENOENT: gnuplot is
   missing). */
int rep_write(const struct report *rp, char *err, size_t n);

/* After `contend reproduce`: reads DIR/results.json and writes summary.csv,
   the plots and report.md + report.html with the seed-shaped evolution table. */
int rep_reproduce(const char *dir, const struct experiment *e, int argc, char **argv, char *err,
                  size_t n);

/* The evolution tables of the reproduction in DIR (results.json), as
   Markdown on f: what `contend reproduce` prints. */
int rep_reproduce_print(FILE *f, const char *dir, const struct experiment *e, char *err, size_t n);

/* Did r's A/A control fail: its odd against its even repetitions, with
   enough trials per half to decide, flag a row as changed? */
int rep_noise_failed(const struct rf_result *r);

/* The tables of every cell of family fam (report/celltable.c): its
   metrics, then its latency percentiles when it has them. 0 or -ENOMEM. */
int rep_cells_tables(struct doc *d, const struct report *rp, const char *fam);

/* The seed-shaped evolution table of a reproduction (report/evolution.c). */
void rep_evolution(struct doc *d, const struct experiment *e, const struct report *rp);
/* A reproduction's own tables: the frontier's (report = frontier,
   report/frontier.c) or the evolution table. */
void rep_experiment_tables(struct doc *d, const struct experiment *e, const struct report *rp);

#endif
