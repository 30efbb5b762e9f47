/* export.h: a result file in other tools' input formats (report/export.c). */
#ifndef CONTEND_EXPORT_H
#define CONTEND_EXPORT_H

#include <stddef.h>

#include "resultfile.h"

struct json_t;

/* Is format one of gobench, gbench-json, csv, csv-summary? */
int rep_export_known(const char *format);
/* Writes r in format to path (atomically) or, when path is NULL, stdout. */
int rep_export(const struct rf_result *r, const char *format, const char *path, char *err,
               size_t n);
/* The same with flags: REP_EXPORT_AGGREGATES, gbench-json without the
   per-trial entries (what github-action-benchmark reads). */
#define REP_EXPORT_AGGREGATES 1u
int rep_export_flags(const struct rf_result *r, const char *format, unsigned flags,
                     const char *path, char *err, size_t n);
/* The per-cell summary CSV (reproduce writes it beside every report). */
int rep_export_summary_csv(const char *path, const struct rf_result *r, char *err, size_t n);
/* google/benchmark JSON of r. */
struct json_t *rep_export_gbench(const struct rf_result *r);

#endif
