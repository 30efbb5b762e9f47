/* run.h: the run layer. It runs the cells of one family (implementations x
 * thread counts), --reps trials each, interleaved, each trial in a child
 * process, and hands every finished trial to a hook (the journal). It names
 * no family: the family's driver (family.h) is found in the generated
 * family registry, its options live in run_opts.fcfg.
 *
 * Uses: lib/ (statistics, clock), impls/lab.h (struct lab_impl), and the
 * registries generated from impls/<family>/<name>.c and harness/families/<family>.c.
 * Used by: results/, report/, cli/, families/. */
#ifndef CONTEND_RUN_H
#define CONTEND_RUN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "lab.h"
#include "lab_stats.h"

#define MAX_THREADS 100000u
#define MAX_LIST 64
#define ERRLEN 256
#define RUN_FCFG_MAX 512     /* bytes of a family's options */
#define TRIAL_MAX_METRICS 32 /* a family's own metrics per trial */
#define RUN_MAX_PARAMS 16    /* --param values per run; parameters per variant */

struct family_driver;

/* ---------------- the implementation registry (run/registry.c) ---------- */
struct lab_registry_entry {
    const char *family;
    const char *stem; /* file stem: must equal impl->name */
    const struct lab_impl *impl;
    const char *source; /* its file, relative to the source tree if inside */
    const char *sha256; /* of its source file when the build was configured */
};
/* Generated from impls/<family>/<name>.c (and tests/faulty/ in the test build). */
extern const struct lab_registry_entry lab_registry[];
extern const size_t lab_registry_len;

/* Variants left out of this build for want of a package, with what to
   install; ends with a NULL family. */
struct lab_unavailable {
    const char *family, *name, *needs;
};
extern const struct lab_unavailable lab_unavailable[];
/* Why family/name is not built here (what to install), or NULL. */
const char *run_registry_unavailable(const char *family, const char *name);

/* Checks the registries: ABI, name == stem, family known, no duplicates. */
int run_registry_check(char *err, size_t n);
const struct lab_impl *run_registry_find(const char *family, const char *name);
/* The file impl was built from (registry entry), or "?". */
const char *run_registry_source(const struct lab_impl *impl);
/* The implementations of family, in file order: how many (out may be NULL). */
size_t run_registry_list(const char *family, const struct lab_impl **out, size_t max);
/* The SHA-256 (hex) of m's source file, or NULL. */
const char *run_registry_sha256(const struct lab_impl *m);

/* ---------------- options (run/options.c) -------------------------------- */
enum pin_mode { PIN_NONE, PIN_COMPACT, PIN_SCATTER };
/* What runs the workers: OS threads, or fibers (M:N, on carriers threads;
   harness/run/fiber.h). */
enum run_runner_kind { RUN_RUNNER_THREADS, RUN_RUNNER_FIBERS };
struct run_runner {
    int kind;          /* enum run_runner_kind */
    unsigned carriers; /* fibers: P; 0 = the CPUs of the affinity mask */
};
/* "threads" or "fibers[:P]" (--runner): 0, or -EINVAL with err. */
int run_runner_parse(const char *v, struct run_runner *r, char *err, size_t n);
/* "threads", "fibers:2" (the P in force when carriers is 0). */
void run_runner_name(const struct run_runner *r, char *buf, size_t n);
struct run_shard;
/* "I/N" (--shard, and a result's config.shard): 1 <= I <= N <= MAX_LIST;
   0, or -EINVAL with err. */
int run_shard_parse(const char *v, struct run_shard *sh, char *err, size_t n);

/* How the clock starts: when every worker is parked on the gate, or first
   (workers created inside the timed region, as the seed did). */
enum run_start { RUN_START_GATE, RUN_START_SEED };

struct run_ulist { /* a comma list of counts (--threads) */
    unsigned v[MAX_LIST];
    size_t n;
};

struct run_opts {
    const struct family_driver *fam;
    const struct lab_impl *impls[MAX_LIST];
    size_t nimpls;
    struct run_ulist threads;
    uint64_t ops;    /* fixed work, split over threads; 0 = use duration */
    double duration; /* seconds of fixed time; 0 = use ops */
    unsigned reps;
    int warmup;  /* discard one warm-up trial per cell */
    int dry_run; /* print the plan and exit */
    int pin;     /* enum pin_mode */
    int start;   /* enum run_start */
    struct run_runner runner;
    const char *part; /* the experiment's part this run is (reproduce), or NULL */
    uint64_t seed;
    const char *out;           /* JSON path or NULL */
    int quiet;                 /* no table on stdout */
    double cell_timeout;       /* watchdog per trial, s; 0 = scaled to the work */
    int no_isolate;            /* run trials in-process (debugging, profilers) */
    const char *resume;        /* journal to resume from */
    struct ctr_spec counters;  /* --counters, resolved and probed */
    struct run_shard {         /* --shard I/N: the part of the cells this run takes */
        unsigned index, count; /* 1 <= index <= count; count 0: unsharded */
    } shard;
    /* the family's options (its driver's cfg_size bytes) */
    _Alignas(16) unsigned char fcfg[RUN_FCFG_MAX];
    /* --param NAME=VALUE or IMPL.NAME=VALUE, as given, then resolved */
    struct run_param_args {
        const char *v[RUN_MAX_PARAMS];
        size_t n;
    } param_args;
    struct run_param {
        const struct lab_impl *impl; /* NULL: every variant that declares it */
        const char *name;            /* the declaration's */
        double value;
    } params[RUN_MAX_PARAMS];
    size_t nparams;
    /* as given, resolved after parsing */
    const char *family_arg, *impl_arg, *counters_arg;
    /* bookkeeping */
    int argc; /* the user's command line (recorded) */
    char **argv;
    int parse_argc; /* the `run` options actually parsed */
    char **parse_argv;
};

/* Parses `contend run` options (argv[0] is "run"): 0, 1 for --help, or
   -EINVAL with a one-line reason. Never prints, never exits. */
int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t n);
/* run's --help, with each family's options under its own heading. */
void run_opts_help(FILE *f);
const char *run_pin_name(int pin);
/* impl's parameter values under o, parallel to impl->params (defaults,
   then values given for every variant, then values given for impl);
   the number of parameters. */
size_t run_param_values(const struct run_opts *o, const struct lab_impl *impl, double *values);
/* The run-level options' values and the family's, for the result file. */
struct json_t *run_opts_json(const struct run_opts *o);

/* ---------------- trials and cells --------------------------------------- */
enum verdict { VERDICT_NA = -1, VERDICT_FAIL = 0, VERDICT_OK = 1 };

/* How a trial ended (it runs in a child process: run/isolate.c). */
enum outcome { OUTCOME_OK = 0, OUTCOME_CRASHED, OUTCOME_TIMEOUT, OUTCOME_ERROR, OUTCOME_SKIPPED };

struct trial {
    double seconds; /* barrier release to last worker done */
    uint64_t ops;
    double ops_per_s, ns_per_op;
    double rate_min, rate_max, jain; /* per-thread ops/s and Jain's index */
    enum verdict verdict;
    uint64_t expected, delivered; /* what the family's check expected and saw */
    char note[128];               /* why a verdict failed, or an error */
    enum outcome outcome;
    char outcome_detail[48];    /* "SIGSEGV", "after 30 s", "exit status 3" */
    char stderr_tail[2048];     /* last lines the trial wrote to stderr */
    struct ctr_result counters; /* per-op event counts; n == 0 when off */
    /* the whole process over the timed region, from getrusage (every
       thread: workers, the variant's helpers, the harness): CPU time and
       OS context switches per op; NAN when unknown */
    double cpu_ns_per_op, csw_per_op;
    /* the trial process's peak resident set (getrusage ru_maxrss, KiB) at
       its end: with isolation the forked child's, which starts from the
       parent's pages at the fork; NAN when unknown */
    double peak_rss_kib;
    double m[TRIAL_MAX_METRICS]; /* the family's metrics (family.h); NAN: not measured */
};

struct cell {
    const struct lab_impl *impl;
    unsigned threads;
    struct trial *trials; /* reps of them: completed ones first */
    size_t ntrials;       /* completed */
    struct lab_summary ops_per_s, ns_per_op, jain, rate_min, rate_max;
    struct lab_summary m[TRIAL_MAX_METRICS]; /* over the finite values */
    enum verdict verdict;                    /* all trials */
    enum outcome outcome;                    /* worst outcome of its trials */
    const struct trial *failed;              /* the first trial that did not end OK */
    char skipped[160];                       /* why the cell was not run, or "" */
};

struct run_result {
    const struct run_opts *opts;
    struct cell *cells; /* threads-major, then impls in opts order */
    size_t ncells;
    int interrupted;         /* SIGINT/SIGTERM stopped the run */
    double loadavg_start[3]; /* when the run started; -1 if unknown */
    /* the share of the machine's CPU time others used while the run ran
       (all CPUs' busy time, steal included, minus this process's and its
       children's), in [0, 1]; -1 if unknown */
    double others_cpu;
    char journal[1024]; /* the journal path, when there is one */
};

/* A trial finished earlier (a journal being resumed). */
struct run_done {
    char family[16], impl[48];
    unsigned threads;
    int round;
    struct trial t;
};

struct run_hooks {
    /* After each finished trial (a crashed warm-up counts as round 0); a
       non-zero return (a negative errno) stops the run with an error. */
    int (*on_trial)(void *arg, const struct cell *c, int round, const struct trial *t);
    void *arg;
    const struct run_done *done; /* trials to restore instead of running */
    size_t ndone;
};

/* Why impl cannot run at threads under o (a capability the run does not
   allow, e.g. FIFO spinning oversubscribed in fixed work), or NULL. */
const char *run_cell_refusal(const struct run_opts *o, const struct lab_impl *impl,
                             unsigned threads, char *buf, size_t n);
/* Runs every cell of o. 0 (also when interrupted: r->interrupted) or a
   negative errno with err. */
int run_engine(const struct run_opts *o, const struct run_hooks *h, struct run_result *r, char *err,
               size_t n);
void run_result_free(struct run_result *r);
/* The machine's busy CPU time (all CPUs, steal included) and this
   process's own (itself and its waited-for children), in seconds; -1 when
   /proc/stat cannot be read. */
double run_machine_busy(double *ours);

/* Median over a cell's trials of counter i (per op, or total); NaN if none. */
double run_cell_ctr_median(const struct cell *c, size_t i, int total);
/* 1 if any cell failed (crashed, timed out, failed its check), else 0. */
int run_status(const struct run_result *r);

/* ---------------- progress and the watchdog (run/isolate.c) ------------- */
/* What a watched child publishes for its parent to sample, in a shared
   mapping: the phase it is in, ticks of progress made outside the workers'
   loops, and one cache line per worker (ops done so far). Nothing changing
   for the stall time is "stuck"; changing at the limit is "slow". */
enum run_phase {
    RUN_PH_NONE,
    RUN_PH_SETUP,
    RUN_PH_START,   /* creating the worker threads */
    RUN_PH_WORK,    /* the timed region */
    RUN_PH_FINISH,  /* after the join: the family's finish() */
    RUN_PH_CLOSE,   /* a variant's close() */
    RUN_PH_CHECK,   /* a correctness check */
    RUN_PH_DESTROY, /* a variant's destroy() */
    RUN_PH_DONE
};
struct run_beat {
    LAB_ALIGNED _Atomic uint64_t phase; /* enum run_phase */
    _Atomic uint64_t ticks;
    unsigned nslots; /* worker lines that follow */
};
struct run_beat_slot {
    LAB_ALIGNED _Atomic uint64_t n;
};
/* nslots (>= 1) worker lines; shared: visible to a child forked later. NULL
   when out of memory. */
struct run_beat *run_beat_new(unsigned nslots, int shared);
void run_beat_free(struct run_beat *b);
static inline _Atomic uint64_t *run_beat_slot(struct run_beat *b, unsigned i)
{
    return &((struct run_beat_slot *)(b + 1))[i % b->nslots].n;
}
static inline void run_beat_tick(struct run_beat *b)
{
    atomic_fetch_add_explicit(&b->ticks, 1, memory_order_relaxed);
}
static inline void run_beat_phase(struct run_beat *b, enum run_phase p)
{
    atomic_store_explicit(&b->phase, (uint64_t)p, memory_order_relaxed);
}
const char *run_phase_name(unsigned phase);

struct run_watch {
    double limit_s;        /* still running at this limit: killed, "slow" */
    double stall_s;        /* no progress for this long: killed, "stuck"; 0: never */
    struct run_beat *beat; /* shared progress (run_beat_new(.., 1)), or NULL */
    unsigned blind_phase;  /* a phase that publishes no progress: no stall
                              rule while in it (0: none) */
    void *result;          /* where the child's result bytes go */
    size_t result_size;
};
struct run_watched {
    enum outcome outcome; /* OK: exited 0 after writing its whole result */
    /* "SIGSEGV", "data race (ThreadSanitizer)", "leak (LeakSanitizer)",
       "no progress for 10 s in close()", "still running at the 30 s limit" */
    char detail[48];
    size_t have;     /* result bytes received */
    char tail[2048]; /* the last bytes the child wrote to stderr */
};
/* Runs fn(arg, resfd) in a forked child (its own process group, stderr
   captured, its result written to resfd with run_watch_write) under the
   watchdog; the child exits 0 when fn returns (after LeakSanitizer's
   check in an ASan build). 0 when it ran (out says how it ended), -EINTR
   when SIGINT/SIGTERM asked us to stop (the child is killed), or -errno. */
int run_watch_child(const struct run_watch *w, void (*fn)(void *arg, int resfd), void *arg,
                    struct run_watched *out, char *err, size_t n);
/* Writes n bytes to fd: 0 or -1. */
int run_watch_write(int fd, const void *buf, size_t n);

/* One trial in a child process with a watchdog: 0 when it ran (t->outcome
   says how it ended), -EINTR when a signal asked us to stop. */
int run_isolated_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                       struct trial *t, char *err, size_t n);
/* One trial of one cell, in this process. */
int run_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
              struct trial *t, char *err, size_t n);
/* The same, publishing its progress in beat (>= threads lines; NULL: none). */
int run_trial_beat(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                   struct trial *t, struct run_beat *beat, char *err, size_t n);
double run_trial_timeout(const struct run_opts *o, unsigned threads);
void run_install_stop_handlers(void);
const char *run_outcome_name(enum outcome o);
const char *run_verdict_name(enum verdict v);
/* A fingerprint of struct trial's layout (journals restore raw trials). */
uint32_t run_trial_layout(void);

/* ---------------- the plan and its estimate (run/plan.c) ---------------- */
struct run_plan {
    size_t cells, refused, trials; /* trials: of the cells not refused */
    unsigned reps;                 /* per cell, a warm-up included */
    double work_s, startup_s;      /* estimated seconds, all trials */
};
void run_plan_make(const struct run_opts *o, struct run_plan *p);
/* 1 when the sweep is long enough to print its plan before it starts. */
int run_plan_long(const struct run_plan *p);
/* Two lines: the cells and trials, then the estimate; "WHO: " starts
   each unless who is NULL. */
void run_plan_print(FILE *f, const char *who, const struct run_opts *o, const struct run_plan *p);

/* ---------------- topology (run/topo.c) ---------------------------------- */
int run_topo_pin_self(int mode, unsigned idx);
void run_topo_print_bindings(FILE *f, int mode, unsigned threads);
struct run_topo_info {
    char cpu_model[128];
    int packages, numa_nodes, cores, pus;
};
int run_topo_info(struct run_topo_info *t); /* 0 or -1 */

/* ---------------- progress (run/progress.c) ------------------------------ */
int run_progress_enabled(void);
void run_progress(size_t done, size_t total, const char *what, double elapsed_s);
void run_progress_done(void);

#endif
