/* counters.h: per-thread event counters (libpfm4 + perf_event_open, with a
 * getrusage(RUSAGE_THREAD) fallback), summed over threads and divided by ops.
 *
 * Lifecycle:
 *   run:    run_ctr_spec_parse() resolves the names (libpfm4) and probes each event
 *           once on the calling thread, so a run knows up front what this
 *           machine can count and why not (recorded once per event).
 *   trial:  ctr_plan() picks, per event, perf / rusage / nothing, within the
 *           file-descriptor budget; each worker thread calls run_ctr_thread_open()
 *           before the start gate, run_ctr_thread_start() right after it,
 *           run_ctr_thread_stop() before it stamps its end time, and
 *           run_ctr_thread_close() after; run_ctr_collect() sums after the join.
 * A value that was not counted is NaN (JSON null, table n/a), never 0.
 * This header does not include the perf headers: only counters.c does. */
#ifndef CONTEND_COUNTERS_H
#define CONTEND_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#define CTR_MAX 16
#define CTR_NAMELEN 64
#define CTR_REASONLEN 112

/* Where a value comes from. */
enum ctr_src { CTR_SRC_NONE = 0, CTR_SRC_PERF, CTR_SRC_RUSAGE };

/* The getrusage(RUSAGE_THREAD) field(s) that can stand in for an event. */
enum ctr_ru {
    CTR_RU_NONE = 0,
    CTR_RU_CSW,
    CTR_RU_FAULTS,
    CTR_RU_MINFLT,
    CTR_RU_MAJFLT,
    CTR_RU_CPU_NS
};

struct ctr_event {          /* one requested event, resolved once per run */
    char name[CTR_NAMELEN]; /* as given: "cycles" */
    char key[CTR_NAMELEN];  /* JSON key: "cycles", "context_switches" */
    char col[12];           /* table column: "cyc/op" */
    uint32_t type;          /* the perf_event_attr fields libpfm4 encoded */
    uint64_t config, config1, config2;
    unsigned exclude_kernel : 1, exclude_hv : 1, exclude_user : 1;
    unsigned user_only : 1;     /* kernel counting forbidden: counts user space only */
    unsigned force_rusage : 1;  /* skip perf even where it opens (tests, docs) */
    int perf_ok;                /* opened here when probed */
    int perf_errno;             /* why not, when !perf_ok */
    enum ctr_ru ru;             /* rusage stand-in, or CTR_RU_NONE */
    char reason[CTR_REASONLEN]; /* why perf cannot count it; "" when it can */
};

struct ctr_spec {
    int enabled;                    /* 0: --counters none, or see off_reason */
    char off_reason[CTR_REASONLEN]; /* why the default set is off ("" if asked) */
    size_t n;
    struct ctr_event ev[CTR_MAX];
};

/* A trial's plan: which source each event uses, and why when it differs
   from the run-level probe (the fd budget). */
struct ctr_plan {
    const struct ctr_spec *spec;
    unsigned threads;
    unsigned char src[CTR_MAX];
    char note[CTR_MAX][CTR_REASONLEN];
};

/* One worker's counters: written only by that worker until it is joined. */
struct ctr_thread {
    _Alignas(64) const struct ctr_plan *plan;
    int fd[CTR_MAX];          /* -1: not opened */
    int err[CTR_MAX];         /* errno of a failed per-thread open */
    int multiplexed[CTR_MAX]; /* time_running < time_enabled */
    double val[CTR_MAX];      /* after close: this thread's count, NaN if none */
    struct rusage ru0, ru1;
};

/* A trial's totals. */
struct ctr_result {
    const struct ctr_spec *spec;        /* the run's events (outlives the result) */
    size_t n;                           /* 0 when counters were off */
    double total[CTR_MAX];              /* summed over threads (task-clock: ns); NaN: not counted */
    double per_op[CTR_MAX];             /* total / ops; NaN: not counted */
    unsigned char src[CTR_MAX];         /* enum ctr_src actually used */
    unsigned char multiplexed[CTR_MAX]; /* some thread's count was scaled */
    char note[CTR_MAX][CTR_REASONLEN];  /* trial-specific reason, "" if none */
};

/* The default set, as a --counters list. */
extern const char ctr_default_list[];

/* Parses "default", "none" or a comma list of libpfm4 event names (at most
   CTR_MAX), resolves and probes each. 0 or -EINVAL with a one-line reason
   (unknown event, empty item, too many). Raises RLIMIT_NOFILE's soft limit to
   the hard limit, once per process. */
int run_ctr_spec_parse(const char *list, struct ctr_spec *s, char *err, size_t n);

/* Resolves and probes one event name into e. 0, or -EINVAL with the libpfm4
   reason in err when the name is unknown; a resolved event that does not
   open here returns 0 with e->perf_ok = 0 and e->reason filled. */
int run_ctr_event_resolve(const char *name, struct ctr_event *e, char *err, size_t n);

/* libpfm4's initialisation status: 0, or -ENOSYS with its message. */
int run_ctr_pfm_init(char *err, size_t n);
/* Names of the PMUs libpfm4 detects here, comma-separated, into buf. */
void run_ctr_pmus(char *buf, size_t n);
/* 1 when some hardware event opens here (a usable PMU), else 0. */
int run_ctr_have_pmu(void);
/* /proc/sys/kernel/perf_event_paranoid, or -100 if unreadable. */
int run_ctr_paranoid(void);

/* Per trial. threads: worker threads that will open counters. */
void run_ctr_plan_make(const struct ctr_spec *s, unsigned threads, struct ctr_plan *p);
/* threads handles for plan p (cache-line aligned; free() them), or NULL. */
struct ctr_thread *run_ctr_threads_new(const struct ctr_plan *p, unsigned threads);
/* On the worker thread itself (perf counts the calling thread). */
void run_ctr_thread_open(struct ctr_thread *t);
void run_ctr_thread_start(struct ctr_thread *t);
void run_ctr_thread_stop(struct ctr_thread *t);
void run_ctr_thread_close(struct ctr_thread *t);
void run_ctr_collect(const struct ctr_plan *p, const struct ctr_thread *t, unsigned threads,
                     uint64_t ops, struct ctr_result *r);

/* A multiplexed count scaled by time_enabled / time_running (*scaled = 1
   when it was); NaN when the event never ran on the PMU. */
double run_ctr_scale(uint64_t value, uint64_t enabled, uint64_t running, int *scaled);
const char *run_ctr_src_name(enum ctr_src s);
/* 1 for task-clock / cpu-clock (values in ns; the table shows total ms). */
int run_ctr_event_is_time(const struct ctr_event *e);

#endif
