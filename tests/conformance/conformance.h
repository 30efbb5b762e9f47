/* Conformance checks, written once, with no test-framework dependency.
 * contend-check runs one per process, under the watchdog (run/isolate.c):
 * a crash, a sanitizer's report, a leak or a hang fails that check alone,
 * by name and kind. The Criterion suites (plain and ASan builds) and the
 * TSan suite run contend-check for every (family, check, variant, count),
 * under both runners (docs/runners.md).
 *
 * Runners. A check starts its workers with conf_spawn (lab_spawn) and never
 * blocks in them except through lab_prim, so the same check runs them as OS
 * threads (--runner threads) or as fibers on P carriers (--runner
 * fibers[:P], set up as a fibers trial is: run_fib_session_open). The
 * variant's per-thread hooks follow the harness's rules: thread_init and
 * thread_exit on the check's own thread around its calls (conf_attach,
 * conf_detach), and on every worker thread under threads, every carrier
 * under fibers. A case that is meaningful only under OS threads says why
 * in threads_only; LAB_CAP_THREADS_ONLY variants are not run under fibers. */
#ifndef CONTEND_CONFORMANCE_H
#define CONTEND_CONFORMANCE_H

#include <stddef.h>
#include <stdio.h>

#include "family.h"
#include "lab_alloc.h"
#include "lab_prim.h"
#include "results.h"

/* A check: 0 on success, or -1 with a one-line reason in msg. */
typedef int (*conf_fn)(const char *impl, unsigned n, char *msg, size_t len);

struct conf_case {
    const char *family;
    const char *name; /* the check */
    conf_fn fn;
    unsigned need_caps;       /* only implementations with all these caps */
    unsigned skip_caps;       /* ... and none of these */
    unsigned counts[6];       /* thread/producer counts; 0 ends the list */
    const char *threads_only; /* not under fibers, because ... (NULL: both) */
    /* One more count under fibers only (0: none): thousands of fibers are
       cheap, and with many more workers than carriers a worker that parks
       on a lock often resumes on another carrier (impls/common/tslot.h). */
    unsigned fibers_n;
};
#define CONF_MAX_COUNTS 7

extern const struct conf_case batcher_cases[]; /* NULL name ends */
extern const struct conf_case store_cases[];
extern const struct conf_case counter_cases[];

/* Every family's case table, NULL-terminated. */
extern const struct conf_case *const conf_tables[];

const struct conf_case *conf_find(const char *family, const char *name);
/* Whether check c is run on m (caps), and under fibers too: 1 when it
   applies under the runner (fibers: nonzero), else 0, with *why (when why
   is not NULL) saying why not when only the runner is the reason. */
int conf_applies(const struct conf_case *c, const struct lab_impl *m, int fibers, const char **why);

/* The counts c runs at under the runner (fibers: nonzero), ascending, in
   out[CONF_MAX_COUNTS]; how many. */
size_t conf_counts(const struct conf_case *c, int fibers, unsigned *out);

/* The runner of this process's checks: "threads" (the default) or
   "fibers[:P]". Begin before the check, end after it passed (end waits for
   every fiber). 0 or a negative errno with err. */
int conf_runner_begin(const char *spec, char *err, size_t n);
void conf_runner_end(void);
int conf_fibers(void); /* 1 under fibers */

/* A worker of a check: an OS thread or a fiber (lab_spawn). With m, under
   threads, the worker calls m's thread_init before fn and thread_exit after
   (a failed thread_init skips fn). */
struct conf_task {
    struct lab_task_handle h;
    const struct lab_impl *m;
    void *self, *arg;
    lab_task_fn fn;
    int init_err;
};
int conf_spawn(struct conf_task *t, const struct lab_impl *m, void *self, lab_task_fn fn,
               void *arg);          /* 0 or a negative errno */
int conf_join(struct conf_task *t); /* 0, or thread_init's error */

/* After create(): thread_init on this thread and (fibers) on every carrier;
   0 or the first error. Before destroy(): thread_exit on both. */
int conf_attach(const struct lab_impl *m, void *self);
void conf_detach(const struct lab_impl *m, void *self);

/* Sleeps (a fiber sleeps, not its carrier). */
void conf_sleep_us(unsigned us);

/* Progress for contend-check's watchdog, which tells a stuck check from a
   slow one: call every few hundred operations (any thread). conf_beat is
   the shared progress area (NULL: none). */
extern struct run_beat *conf_beat;
void conf_tick(void);

/* Memory. A check marks the allocation counters before create() and checks
   them after destroy(): whatever the variant allocated in between must be
   freed ("leaked N bytes in M blocks"). The check's own memory that lives
   across that window comes from conf_calloc/conf_free (not counted). */
void conf_mark(struct lab_alloc_totals *t);
int conf_no_leak(const struct lab_alloc_totals *before, char *msg, size_t len);
void *conf_calloc(size_t n, size_t size);
void conf_free(void *p);

#define CHECK(cond, ...)                     \
    do {                                     \
        if (!(cond)) {                       \
            snprintf(msg, len, __VA_ARGS__); \
            return -1;                       \
        }                                    \
    } while (0)

#endif
