/* view.h (report/ internal): a result file seen as families x
 * implementations x thread counts, and the small formatting helpers every
 * part of a report shares. Lists grow as needed: nothing is dropped. */
#ifndef CONTEND_VIEW_H
#define CONTEND_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "lab_stats.h"
#include "resultfile.h"

/* Distinct strings (borrowed) in first-seen order; distinct unsigneds. */
struct rep_names {
    const char **v;
    size_t n, cap;
};
struct rep_uns {
    unsigned *v;
    size_t n, cap;
};
/* Appends s unless present: 0 or -ENOMEM. */
int rep_names_add(struct rep_names *l, const char *s);
void rep_names_free(struct rep_names *l);
void rep_uns_free(struct rep_uns *l);

const char *rep_ctx_str(const struct rf_result *r, const char *key);
/* "Intel(R) Xeon(R) ..., 2 PUs, Linux 6.1.0 x86_64 (host)" */
void rep_machine_label(const struct rf_result *r, char *buf, size_t n);
/* The same with the CPU model trimmed ("Xeon Gold 6338, 16 PUs, ..."): plots. */
void rep_machine_short(const struct rf_result *r, char *buf, size_t n);
/* "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz" -> "Intel Xeon E5-2680 v4" */
void rep_cpu_trim(const char *model, char *buf, size_t n);
/* The families, a family's implementations, its thread counts (added to
   out, which stays sorted and distinct). 0 or -ENOMEM. */
int rep_families(const struct rf_result *r, struct rep_names *out);
int rep_impls_of(const struct rf_result *r, const char *fam, struct rep_names *out);
int rep_threads_of(const struct rf_result *r, const char *fam, struct rep_uns *out);
const struct rf_cell *rep_find(const struct rf_result *r, const char *fam, const char *impl,
                               unsigned threads);
/* A cell's summary of metric; 0 when it has none (a cell whose trials
   never ran has none). */
int rep_cell_summary(const struct rf_cell *c, const char *metric, struct lab_summary *s);
/* Why a cell has no value: "not run" (interrupted before it), or "n/a". */
const char *rep_cell_missing(const struct rf_result *r, const struct rf_cell *c);
/* The family's headline metric: ops_per_s, else the first with a direction. */
const char *rep_primary_metric(const struct rf_result *r, const char *fam);
/* The first metric of the family whose name contains part. */
const char *rep_metric_like(const struct rf_result *r, const char *fam, const char *part);
/* A metric's name for people: ops_per_s -> "throughput". */
const char *rep_metric_label(const char *metric);
/* "12.3M [11.9M, 12.8M]", with " !" when mark_unstable and the cell is. */
void rep_med_ci(const struct lab_summary *s, char *buf, size_t n, int mark_unstable);
/* The speed of cell a over cell b on metric (ops/s, or the inverse of a
   lower-is-better metric), median over median (report/speed.c): with a
   seeded 95% bootstrap interval (interval = 1) when both have at least
   LAB_RATIO_MIN_TRIALS trials, else the ratio alone (lo = hi = est).
   0, or -ENOENT when a cell has no values. */
struct rep_ratio {
    double est, lo, hi;
    size_t na, nb; /* the trials of each */
    int interval;
};
int rep_speed_ratio(const struct rf_cell *a, const struct rf_cell *b, const char *metric,
                    uint64_t seed, struct rep_ratio *q);
/* 12.3M, 456k, 7.89 */
const char *rep_format_si(double v, char *buf, size_t n);

#endif
