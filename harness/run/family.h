/* family.h: what a family plug-in provides. One driver per family, in
 * harness/families/<family>.c, exporting `const struct family_driver
 * fam_<family>`; the build generates the family registry from the files
 * present (as it does the implementation registry from impls/<family>/),
 * so adding a family edits no list. A driver owns everything
 * family-specific: its options (a table: run --help heading, experiment
 * keys, the result file's config), its trial loop, its metrics with unit
 * and direction, its extra table columns and its correctness check. The
 * core (run, results, report, cli) only reads this struct. */
#ifndef CONTEND_FAMILY_H
#define CONTEND_FAMILY_H

#include <stdio.h>

#include "lab_opt.h"
#include "runner.h"

#define FAM_ABI_VERSION 1u

enum {
    FAM_M_SUMMARY = 1u << 0, /* summarised per cell (median, CI) */
    FAM_M_INT = 1u << 1      /* an integer count (JSON integer) */
};

struct fam_metric {
    const char *name; /* JSON key in trials and summaries: "read_ns" */
    const char *unit; /* "ns/op", "B/op", "ms", "items" */
    int better;       /* +1 higher is better, -1 lower, 0 neither */
    unsigned flags;   /* FAM_M_* */
    const char *col;  /* column in the terminal table, or NULL */
    const char *fmt;  /* its printf format ("%.1f") */
    /* the terminal table it is shown in: NULL = the family's metrics
       table; "latency", "memory" (beside the trial's peak RSS) or any other
       name: a table of that name after it (appended) */
    const char *group;
};

struct family_driver {
    unsigned abi;        /* FAM_ABI_VERSION */
    const char *name;    /* "batcher": equals the file stem */
    const char *summary; /* one line for `contend list` */
    const char *check;   /* its correctness check, as a column: "exactly-once" */
    /* options: tables (NULL-terminated list) into one config struct of
       cfg_size bytes; shown under one heading ("batcher options") */
    const struct opt_spec *const *opts;
    size_t cfg_size;
    void (*cfg_defaults)(void *cfg);
    /* after parsing: cross-option checks; NULL or a one-line reason */
    int (*cfg_check)(const void *cfg, char *err, size_t n);
    /* metrics beyond the common ones (ops/s, ns/op, fairness) */
    const struct fam_metric *metrics;
    size_t nmetrics;
    /* a line under its metrics table (workload description); optional */
    void (*table_note)(FILE *f, const void *cfg);
    /* the trial: before the threads exist; each thread's timed work;
       after the join (close, check, fill t's metrics, free) */
    int (*setup)(struct trial_ctx *c, char *err, size_t n);
    void (*work)(struct trial_ctx *c, struct worker *w);
    void (*finish)(struct trial_ctx *c, struct trial *t);
    /* FAM_F_* (appended; 0 for a driver written before them) */
    unsigned flags;
};

enum {
    /* work() publishes each worker's progress (trial_beat, every few ops):
       the watchdog may then call a trial whose counters stop "stuck" in
       the timed region too, not only in setup and finish */
    FAM_F_BEATS = 1u << 0
};

/* Generated from harness/families/<family>.c, NULL-terminated, by name. */
extern const struct family_driver *const fam_registry[];
const struct family_driver *run_family_find(const char *name);
/* Index of metric name in f's table, or -1. */
int run_family_metric(const struct family_driver *f, const char *name);

#endif
