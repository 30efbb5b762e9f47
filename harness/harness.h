/* harness.h: the harness's internal API (CLI, engine, runner, output). */
#ifndef CONTEND_HARNESS_H
#define CONTEND_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "lab.h"
#include "workload.h"

#define CONTEND_SCHEMA "contend-result"
#define CONTEND_SCHEMA_VERSION 1
#define MAX_THREADS 100000u
#define MAX_LIST 64
#define ERRLEN 256

/* ---------------- registry (harness/registry.c + generated table) -------- */
struct lab_registry_entry {
    const char *family;
    const char *stem;                /* file stem: must equal impl->name */
    const struct lab_impl *impl;
};
extern const struct lab_registry_entry lab_registry[];
extern const size_t lab_registry_len;

extern const char *const lab_families[];     /* NULL-terminated */
int registry_check(char *err, size_t n);      /* 0 or -EINVAL with a reason */
const struct lab_impl *registry_find(const char *family, const char *name);
size_t registry_list(const char *family, const struct lab_impl **out, size_t max);
int family_known(const char *family);

/* ---------------- options (harness/options.c) ---------------------------- */
enum pin_mode { PIN_NONE, PIN_COMPACT, PIN_SCATTER };

struct run_opts {
    const char *family;
    const struct lab_impl *impls[MAX_LIST];
    size_t nimpls;
    unsigned threads[MAX_LIST];
    size_t nthreads;
    uint64_t ops;                    /* fixed work, split over threads; 0 = use duration */
    double duration;                 /* seconds of fixed time; 0 = use ops */
    unsigned reps;
    int warmup;                      /* discard one warm-up trial per cell */
    enum pin_mode pin;
    uint64_t seed;
    const char *out;                 /* JSON path or NULL */
    int quiet;                       /* no table on stdout */
    double cell_timeout;             /* watchdog per trial, s; 0 = scaled to the work */
    int no_isolate;                  /* run trials in-process (debugging, profilers) */
    const char *resume;              /* journal to resume from */
    /* batcher */
    struct lab_batcher_cfg batcher;
    uint64_t sink_cost_ns;           /* simulated consumer work per batch */
    /* counters (harness/counters.c): --counters, resolved and probed */
    struct ctr_spec counters;
    /* store (workloads/workload.h) */
    struct wl_spec store;
    /* bookkeeping */
    int argc;                        /* the user's command line (recorded) */
    char **argv;
    int parse_argc;                  /* the `run` options actually parsed */
    char **parse_argv;
};

void run_opts_defaults(struct run_opts *o);
/* Parses `contend run` options (argv[0] is "run"). 0, 1 for --help, or
   -EINVAL with a one-line reason in err. Never exits. */
int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t n);
int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
              char *err, size_t n);
int parse_double(const char *opt, const char *s, double min, double max, double *out,
                 char *err, size_t n);
extern const char run_usage[];

/* ---------------- results ------------------------------------------------ */
enum verdict { VERDICT_NA = -1, VERDICT_FAIL = 0, VERDICT_OK = 1 };

/* How a trial ended (it runs in a child process: harness/isolate.c). */
enum outcome { OUTCOME_OK = 0, OUTCOME_CRASHED, OUTCOME_TIMEOUT, OUTCOME_ERROR,
               OUTCOME_SKIPPED };

struct trial {
    double seconds;                  /* barrier release to last producer done */
    uint64_t ops;
    double ops_per_s, ns_per_op;
    double rate_min, rate_max, jain; /* per-thread ops/s and Jain's index */
    enum verdict verdict;
    uint64_t expected, delivered;    /* items added vs delivered */
    uint64_t batches, max_batch;
    char note[128];                  /* why a verdict failed, or an error */
    enum outcome outcome;
    char outcome_detail[48];         /* "SIGSEGV", "after 30 s", "exit status 3" */
    char stderr_tail[2048];          /* last lines the trial wrote to stderr */
    struct ctr_result counters;      /* per-op event counts; n == 0 when off */
    /* store family (NAN where not measured) */
    uint64_t op_count[WL_NOPS];      /* ops done, by type */
    double read_ns, write_ns;        /* ns/op of the read phase and of the write phase */
    double scan_ms;                  /* mean duration of one scan (GetAll) */
    double bytes_per_op, allocs_per_op;  /* counted allocations in the timed region */
};

struct summary {
    size_t n;
    double median, min, max, mean, cv;
    double ci_low, ci_high;          /* order-statistic CI of the median */
    double ci_level;                 /* its exact coverage (< 0.95 when n < 6) */
    int unstable;                    /* cv > UNSTABLE_CV (docs/statistics.md) */
};

struct cell {
    const struct lab_impl *impl;
    unsigned threads;
    struct trial *trials;            /* reps of them */
    size_t ntrials;
    struct summary ops_per_s, ns_per_op, jain;
    enum verdict verdict;            /* all trials */
    enum outcome outcome;            /* worst outcome of its trials */
    const struct trial *failed;      /* the first trial that did not end OK */
    /* store family: over the trials that measured them (median NAN if none) */
    struct summary read_ns, write_ns, scan_ms, bytes_per_op, allocs_per_op;
};

struct run_result {
    const struct run_opts *opts;
    struct cell *cells;              /* threads-major, then impls in opts order */
    size_t ncells;
    int interrupted;                 /* SIGINT/SIGTERM stopped the run */
    char journal[1024];              /* the journal path, when there is one */
};

/* ---------------- engine / runner ---------------------------------------- */
/* Runs every cell of o (reps trials each, interleaved across impls in a
   seeded random order per round). 0 or negative errno with err filled. */
int engine_run(const struct run_opts *o, struct run_result *r, char *err, size_t n);
void run_result_free(struct run_result *r);
/* One trial in a child process with a watchdog: 0 when it ran (t->outcome
   says how it ended), -EINTR when a signal asked us to stop. */
int isolated_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                   struct trial *t, char *err, size_t n);
double trial_timeout(const struct run_opts *o, unsigned threads);
void install_stop_handlers(void);
int stop_requested(void);
const char *outcome_name(enum outcome o);

/* The journal (harness/journal.c): JSON lines, one per finished trial,
   flushed and fsynced, next to the output file. */
struct journal;
struct journal *journal_open(const char *path, const struct run_opts *o, char *err, size_t n);
int journal_append(struct journal *j, const struct cell *c, int round, const struct trial *t);
void journal_close(struct journal *j, int remove_file);
/* Loads a journal: its argv (to re-parse) and its finished trials. */
struct journal_trial {
    unsigned threads;
    char family[16], impl[48];
    int round;
    struct trial t;
};
int journal_load(const char *path, char ***argv, int *argc, struct journal_trial **trials,
                 size_t *ntrials, char *err, size_t n);
void journal_free_argv(char **argv, int argc);
/* A fingerprint of struct trial's layout, recorded in a journal's header. */
uint32_t trial_layout(void);

/* One trial of one cell, in this process. */
int runner_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                 struct trial *t, char *err, size_t n);

/* Store family (harness/family_store.c): fills a cell's store summaries. */
void store_cell_finish(struct cell *c);

/* ---------------- topology (harness/topo.c) ------------------------------ */
int topo_init(void);
unsigned topo_pus(void);
/* Binds the calling thread according to mode; returns the PU's OS index or -1. */
int topo_pin_self(enum pin_mode mode, unsigned idx);
void topo_print_bindings(FILE *f, enum pin_mode mode, unsigned threads);
const char *pin_mode_name(enum pin_mode m);
struct json_t;
struct json_t *topo_json(void);

/* ---------------- stats (harness/stats.c) -------------------------------- */
void summarize(const double *x, size_t n, struct summary *s);
double jain_index(const double *x, size_t n);
#define UNSTABLE_CV 0.05
/* 1-based ranks [lo, hi] of the order statistics bounding a distribution-free
   CI of the median at level >= conf (binomial); returns the exact coverage.
   When no such interval exists (n too small) gives [1, n] and its coverage. */
double median_ci_ranks(size_t n, double conf, size_t *lo, size_t *hi);
struct mwu {
    double u;                        /* U of the first sample */
    double p;                        /* two-sided p-value */
    int exact;                       /* 1: exact distribution, 0: normal approx. */
};
/* Mann-Whitney U test of x (n1) against y (n2). -EINVAL if a sample is empty. */
int mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct mwu *out);
/* Smallest two-sided p-value any data can give with samples of n1 and n2. */
double mwu_min_p(size_t n1, size_t n2);
/* Holm-Bonferroni: adjusted p-values (adj may equal p). -ENOMEM on failure. */
int holm_adjust(const double *p, size_t m, double *adj);

/* ---------------- output (harness/output.c, context.c) ------------------- */
struct json_t *context_json(int argc, char **argv, uint64_t seed);
/* Records the process's command line (a private copy) for every context. */
void context_set_cmdline(int argc, char **argv);
/* Notes the load average as a run starts (recorded as context.loadavg). */
void context_mark_start(void);
void print_table(FILE *f, const struct run_result *r);
/* Writes r as JSON to path (temp file + rename). 0 or -errno with err. */
struct json_t;
/* family: the trial's family, for its family-specific fields */
struct json_t *trial_to_json(const struct trial *t, const char *family);
struct json_t *config_json(const struct run_opts *o);
/* A journal (text of len bytes) as a result document: the schema of a
   result file, "interrupted": true, one cell per (family, impl, threads).
   NULL with err if it is not a readable journal. */
struct json_t *journal_to_result(const char *text, size_t len, const char *name, char *err,
                                 size_t n);
int write_file_atomic(const char *path, const char *buf, size_t len, char *err, size_t n);
int write_json_atomic(const char *path, struct json_t *j, char *err, size_t n);
int write_result_json(const char *path, const struct run_result *r, char *err, size_t n);
/* Checks that path's directory is writable before a long run. */
int check_writable(const char *path, char *err, size_t n);

/* ---------------- counters in results (harness/counters_report.c) ------- */
struct json_t *ctr_spec_json(const struct ctr_spec *s);
struct json_t *ctr_trial_json(const struct ctr_result *r);    /* NULL when off */
struct json_t *ctr_cell_json(const struct cell *c);           /* NULL when off */
void ctr_print_table(FILE *f, const struct run_result *r);

/* ---------------- misc --------------------------------------------------- */
int progress_enabled(void);
void progress(size_t done, size_t total, const char *what, double elapsed_s);
void progress_done(void);
const char *format_si(double v, char *buf, size_t n);   /* 12.3M */

int run_status(const struct run_result *r);
int finish_run(const char *cmd, struct run_result *r,
               void (*print)(const struct run_result *, void *), void *arg);

/* Subcommands: each returns the process exit status. */
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* One-line stderr warnings when the machine is busy or scales frequency. */
void context_warn(FILE *f, const char *who);
int cmd_counters(int argc, char **argv);
int cmd_keys(int argc, char **argv);

#endif
