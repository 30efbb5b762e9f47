/* view.h (report/ internal): a result file seen as families x
 * implementations x thread counts, and the small formatting helpers every
 * part of a report shares. */
#ifndef CONTEND_VIEW_H
#define CONTEND_VIEW_H

#include <stdio.h>

#include "lab_stats.h"
#include "resultfile.h"

#define VIEW_MAX 64 /* impls, thread counts, families per input */

const char *rep_ctx_str(const struct rf_result *r, const char *key);
/* "Intel(R) Xeon(R) ..., 2 PUs, Linux 6.1.0 x86_64 (host)" */
void rep_machine_label(const struct rf_result *r, char *buf, size_t n);
/* Appends s to list (k items, at most VIEW_MAX) unless present; the new k. */
size_t rep_add_unique(const char **list, size_t k, const char *s);
size_t rep_families(const struct rf_result *r, const char **out);
size_t rep_impls_of(const struct rf_result *r, const char *fam, const char **out);
void rep_sort_uns(unsigned *v, size_t n);
size_t rep_threads_of(const struct rf_result *r, const char *fam, unsigned *out);
const struct rf_cell *rep_find(const struct rf_result *r, const char *fam, const char *impl,
                               unsigned threads);
/* A cell's summary of metric; 0 when it has none. */
int rep_cell_summary(const struct rf_cell *c, const char *metric, struct lab_summary *s);
/* The family's headline metric: ops_per_s, else the first with a direction. */
const char *rep_primary_metric(const struct rf_result *r, const char *fam);
/* The first metric of the family whose name contains part. */
const char *rep_metric_like(const struct rf_result *r, const char *fam, const char *part);
/* "12.3M [11.9M, 12.8M]", with " !" when mark_unstable and the cell is. */
void rep_med_ci(const struct lab_summary *s, char *buf, size_t n, int mark_unstable);
/* 12.3M, 456k, 7.89 */
const char *rep_format_si(double v, char *buf, size_t n);

#endif
