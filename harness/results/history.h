/* history.h: results across commits and machines in one SQLite file
 * (`contend history`, docs/history.md).
 *
 * A stored run is keyed by the commit its binary was built from (and its
 * dirty state), the machine (CPU model, cores, PUs, memory, architecture),
 * the experiment, family, runner and parameters; kernel and compiler are
 * attributes, kept per run and marked where they change, so an update does
 * not split a series. Every trial of every metric is kept. Adding the same
 * run twice stores it once. A series is one metric of one cell
 * (implementation, threads, workload) under one such key, its points the
 * runs in the order they were measured. Functions return 0 or a negative
 * errno with a one-line err. */
#ifndef CONTEND_HISTORY_H
#define CONTEND_HISTORY_H

#include <stddef.h>

#include "resultfile.h"

#define RES_HIST_SCHEMA 1 /* the database's schema version */

struct res_hist;

/* Opens the history at path; create: make it (and its directory) when it
   does not exist. -ENOENT: no such file and !create; -EINVAL: not a
   contend history (not SQLite, corrupt, a table missing, a newer schema). */
int res_hist_open(const char *path, int create, struct res_hist **h, char *err, size_t n);
void res_hist_close(struct res_hist *h);

struct res_hist_added {
    size_t runs, already, cells, trials; /* stored now; runs stored before */
};
/* Stores every run of a loaded result (each part of a merged file). */
int res_hist_add(struct res_hist *h, const struct rf_result *r, const char *file,
                 struct res_hist_added *a, char *err, size_t n);

struct res_hist_filter { /* NULL or 0: any */
    const char *impl;    /* comma list of implementation names */
    const char *family;  /* a family */
    const char *machine; /* a machine id, host, or part of its label */
    const char *since;   /* runs measured at or after (ISO 8601 date) */
    const char *metric;  /* comma list of metrics (default: ops_per_s, else each
                              metric with a direction) */
    const char *threads; /* comma list of thread counts */
};

struct res_hist_point {
    long long run;
    char date[32], commit[48]; /* commit: the build's, "-dirty" appended */
    char *kernel, *compiler;
    double *v; /* the run's trials of the metric */
    size_t n;
};

struct res_hist_series {
    long long machine;
    char *machine_label, *experiment, *family, *runner, *params, *workload, *impl, *metric;
    unsigned threads;
    int better;                 /* 1 higher, -1 lower, 0 neither */
    struct res_hist_point *pts; /* oldest first */
    size_t npts;
};

/* The series the filter selects, in key order. -ENOENT with err when a
   filter names nothing stored (an unknown implementation, say). */
int res_hist_series(struct res_hist *h, const struct res_hist_filter *f,
                    struct res_hist_series **out, size_t *n, char *err, size_t en);
void res_hist_series_free(struct res_hist_series *s, size_t n);
/* "b/spin threads=2 ops_per_s" with the workload when there is one */
void res_hist_series_name(const struct res_hist_series *s, char *buf, size_t n);

#endif
