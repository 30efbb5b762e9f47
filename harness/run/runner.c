/* The runner: one trial of one cell. Workers (OS threads, or fibers under
 * --runner fibers: runner_fibers.c) are created and parked on a start gate;
 * the clock starts when every worker is parked (or, --start seed, before
 * they are created), and each worker stamps its own end time. Only the
 * family driver's work() runs between the two.
 *
 * What differs between runners is behind struct runner_kind (runner_int.h):
 * which lab_prim ops are installed, how workers start and are joined, and
 * where counters are read (per worker thread, or per carrier thread). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "family.h"
#include "lab_alloc.h"
#include "lab_param.h"
#include "runner_int.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RUNNER_STACK (512u << 10)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RUNNER_STACK (512u << 10)
#endif
#endif
#ifndef RUNNER_STACK
#define RUNNER_STACK (64u << 10)
#endif

/* One worker, whatever runs it. Under threads it is its own OS thread: it
   pins itself, opens its counters and calls the variant's thread hooks;
   under fibers the carriers do those (runner_fibers.c). */
void *run_worker_main(void *arg)
{
    struct worker *w = arg;
    struct trial_ctx *c = w->ctx;
    const struct lab_impl *m = c->impl;
    int os_thread = c->kind == &run_kind_threads;
    /* only work() is the variant's (lab_alloc.h); a fiber shares its
       carrier's count with the others, so only an OS thread pauses it */
    if (os_thread) lab_alloc_pause();
    if (os_thread) run_topo_pin_self(c->o->pin, w->idx);
    if (w->ctr) run_ctr_thread_open(w->ctr);
    /* a failed hook releases every worker with no work (run_trial sees
       init_failed before it opens the gate) */
    int inited = 0, rc = os_thread && m->thread_init ? m->thread_init(c->self) : 0;
    if (!rc) inited = os_thread;
    if (!rc && m->worker_init) rc = m->worker_init(c->self, w->tstate, w->idx);
    if (rc) {
        w->init_err = rc;
        atomic_store(&c->init_failed, 1);
    }
    atomic_fetch_add_explicit(&c->ready, 1, memory_order_release);
    while (!atomic_load_explicit(&c->gate, memory_order_acquire)) lab_park(&c->gate, 0, 0);
    if (w->ctr) run_ctr_thread_start(w->ctr);
    if (os_thread) lab_alloc_resume();
    c->o->fam->work(c, w);
    if (os_thread) lab_alloc_pause();
    if (w->ctr) run_ctr_thread_stop(w->ctr);
    w->t_end = lab_now_ns();
    if (inited && m->thread_exit) m->thread_exit(c->self);
    if (w->ctr) run_ctr_thread_close(w->ctr);
    if (os_thread) lab_alloc_resume();
    return NULL;
}

void run_impl_thread_exit(struct trial_ctx *c)
{
    if (!c->impl->thread_exit) return;
    if (c->kind->carriers_exit && !c->carriers_exited) {
        c->kind->carriers_exit(c);
        c->carriers_exited = 1;
    }
    c->impl->thread_exit(c->self);
}

/* ---- the threads runner ---- */

static int runner_threads_begin(struct trial_ctx *c, char *err, size_t n)
{
    lab_prim_install(NULL);
    return 0;
}

static int runner_threads_start(struct trial_ctx *c, unsigned *created, char *err, size_t n)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, RUNNER_STACK);
    int rc = 0;
    lab_alloc_pause();
    for (*created = 0; *created < c->threads; ++*created, trial_tick(c))
        if ((rc = pthread_create(&c->w[*created].tid, &attr, run_worker_main, &c->w[*created])))
            break;
    lab_alloc_resume();
    pthread_attr_destroy(&attr);
    if (rc)
        snprintf(err, n, "could not create thread %u of %u: %s", *created + 1, c->threads,
                 strerror(rc));
    return -rc;
}

static void runner_threads_join(struct trial_ctx *c, unsigned created)
{
    for (unsigned i = 0; i < created; i++) pthread_join(c->w[i].tid, NULL);
}

const struct runner_kind run_kind_threads = {
    .name = "threads",
    .begin = runner_threads_begin,
    .start = runner_threads_start,
    .join = runner_threads_join,
};

/* ---- common ---- */

/* Fixed time: wait for the deadline, then raise the stop flag. The workers
 * do not depend on this thread for it: with thousands of CPU-bound threads
 * (batcher/null at 10,000) a sleeping thread waits seconds to minutes for a
 * CPU after its timer fires, so each worker also compares the clock with the
 * deadline every STOP_CLOCK_EVERY checks (trial_should_stop in runner.h). */
static void runner_fixed_time_wait(struct trial_ctx *c)
{
    for (;;) {
        uint64_t now = lab_now_ns();
        if (now >= c->deadline || atomic_load_explicit(&c->stop, memory_order_relaxed)) break;
        uint64_t left = c->deadline - now;
        struct timespec d = { 0, (long)(left < 10000000 ? left : 10000000) };
        nanosleep(&d, NULL);
    }
    atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
}

/* No work for anyone: a worker not created, or a hook that failed. */
static void runner_release(struct trial_ctx *c, unsigned created)
{
    for (unsigned i = 0; i < created; i++) c->w[i].quota = 0;
    atomic_store(&c->stop, 1);
}

/* The process's CPU seconds (user + system, every thread) and context
   switches (voluntary + involuntary) so far. */
static void runner_usage(double *cpu, double *csw)
{
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u)) {
        *cpu = *csw = NAN;
        return;
    }
    *cpu = (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
        + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    *csw = (double)(u.ru_nvcsw + u.ru_nivcsw);
}

static void runner_open_gate(struct trial_ctx *c)
{
    trial_phase(c, RUN_PH_WORK);
    runner_usage(&c->cpu0, &c->csw0);
    c->t0 = lab_now_ns();
    c->deadline = c->t0 + (uint64_t)(c->o->duration * 1e9);
    atomic_store_explicit(&c->gate, 1, memory_order_release);
    lab_unpark(&c->gate, UINT32_MAX);
}

/* Per-worker rates and totals into t. */
static void runner_rates(struct trial_ctx *c, struct trial *t)
{
    struct worker *w = c->w;
    double *rate = malloc(sizeof *rate * c->threads);
    uint64_t t_end = c->t0;
    t->rate_min = 1e300;
    for (unsigned i = 0; i < c->threads && rate; i++) {
        t->ops += w[i].ops;
        if (w[i].t_end > t_end) t_end = w[i].t_end;
        double dt = (double)(w[i].t_end - c->t0) / 1e9;
        rate[i] = dt > 0 ? (double)w[i].ops / dt : 0;
        if (rate[i] < t->rate_min) t->rate_min = rate[i];
        if (rate[i] > t->rate_max) t->rate_max = rate[i];
        if (w[i].err && !t->note[0])
            snprintf(t->note, sizeof t->note, "an operation returned %s", strerror(-w[i].err));
        if (w[i].init_err && !t->note[0])
            snprintf(t->note, sizeof t->note, "thread_init or worker_init returned %s",
                     strerror(-w[i].init_err));
    }
    t->seconds = (double)(t_end - c->t0) / 1e9;
    t->ops_per_s = t->seconds > 0 ? (double)t->ops / t->seconds : 0;
    t->ns_per_op = t->ops ? t->seconds * 1e9 / (double)t->ops : 0;
    t->jain = rate ? lab_jain(rate, c->threads) : 0;
    free(rate);
}

int run_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
              struct trial *t, char *err, size_t n)
{
    return run_trial_beat(o, impl, threads, t, NULL, err, n);
}

int run_trial_beat(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                   struct trial *t, struct run_beat *beat, char *err, size_t n)
{
    const struct family_driver *d = o->fam;
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < TRIAL_MAX_METRICS; i++) t->m[i] = NAN;
    t->cpu_ns_per_op = t->csw_per_op = t->peak_rss_kib = NAN;

    struct run_beat *own = beat ? NULL : run_beat_new(threads, 0);
    struct trial_ctx *c = lab_calloc_aligned(sizeof *c);
    struct worker *w = lab_calloc_aligned(sizeof *w * threads);
    size_t tsz = (impl->thread_state + LAB_CACHELINE - 1) / LAB_CACHELINE * LAB_CACHELINE;
    char *ts = tsz ? lab_calloc_aligned(tsz * threads) : NULL;
    int fibers = o->runner.kind == RUN_RUNNER_FIBERS;
    /* counters: per worker thread under threads; per carrier under fibers */
    struct ctr_plan plan;
    struct ctr_thread *ct = NULL;
    if (o->counters.enabled && !fibers) {
        run_ctr_plan_make(&o->counters, threads, &plan);
        ct = run_ctr_threads_new(&plan, threads);
    }
    if (!c || !w || (tsz && !ts) || (o->counters.enabled && !fibers && !ct) || (!beat && !own)) {
        free(c);
        free(w);
        free(ts);
        free(ct);
        run_beat_free(own);
        snprintf(err, n, "out of memory for %u threads", threads);
        return -ENOMEM;
    }
    c->o = o;
    c->fcfg = o->fcfg;
    c->impl = impl;
    c->threads = threads;
    c->w = w;
    c->beat = beat ? beat : own;
    c->kind = fibers ? &run_kind_fibers : &run_kind_threads;
    for (unsigned i = 0; i < threads; i++) {
        w[i].idx = i;
        w[i].ctx = c;
        w[i].tstate = tsz ? ts + (size_t)i * tsz : NULL;
        w[i].quota = o->ops ? o->ops / threads + (i < o->ops % threads) : 0;
        w[i].ctr = ct ? &ct[i] : NULL;
        w[i].beat = run_beat_slot(c->beat, i);
    }

    double pv[RUN_MAX_PARAMS];
    run_param_values(o, impl, pv);
    lab_param_set(impl->params, pv);
    trial_phase(c, RUN_PH_SETUP);
    int rc = c->kind->begin(c, err, n);
    if (!rc && (rc = d->setup(c, err, n)) != 0 && c->kind->end) c->kind->end(c, NULL);
    if (rc) {
        free(ct);
        free(ts);
        free(w);
        free(c);
        run_beat_free(own);
        return rc;
    }

    /* --start seed: the clock starts, then the workers are created, each
       starting its share at once (the seed's lop.ForEach spawns a goroutine
       per task inside its timed region), so creation and ramp-up are timed */
    int seed_start = o->start == RUN_START_SEED;
    if (seed_start) runner_open_gate(c);
    unsigned created = 0;
    if (!seed_start) trial_phase(c, RUN_PH_START);
    rc = c->kind->start(c, &created, err, n);
    if (rc) runner_release(c, created);
    if (!seed_start) {
        while (atomic_load_explicit(&c->ready, memory_order_acquire) < created) usleep(100);
        if (atomic_load(&c->init_failed)) runner_release(c, created);
        if (c->kind->go) c->kind->go(c);
        runner_open_gate(c);
    } else if (c->kind->go) {
        c->kind->go(c);
    }
    if (!rc && !o->ops) runner_fixed_time_wait(c);
    c->kind->join(c, created);
    trial_phase(c, RUN_PH_FINISH);
    for (unsigned i = created; i < threads; i++) w[i].t_end = c->t0; /* never ran */

    double cpu1, csw1;
    runner_usage(&cpu1, &csw1);
    /* the runner's bookkeeping is not the variant's memory (lab_alloc.h) */
    lab_alloc_pause();
    runner_rates(c, t);
    t->cpu_ns_per_op = t->ops ? (cpu1 - c->cpu0) * 1e9 / (double)t->ops : NAN;
    t->csw_per_op = t->ops ? (csw1 - c->csw0) / (double)t->ops : NAN;
    if (ct && !rc) run_ctr_collect(&plan, ct, threads, t->ops, &t->counters);
    lab_alloc_resume();
    d->finish(c, t);
    struct rusage u;
    if (!getrusage(RUSAGE_SELF, &u)) t->peak_rss_kib = (double)u.ru_maxrss;
    trial_phase(c, RUN_PH_DONE);
    if (c->kind->end) c->kind->end(c, rc ? NULL : t);
    free(ct);
    free(ts);
    free(w);
    free(c);
    run_beat_free(own);
    return rc ? rc : 0;
}

void run_trial_leak_check(struct trial *t, const struct lab_alloc_totals *before)
{
    struct lab_alloc_totals after;
    lab_alloc_totals(&after);
    char leak[96];
    if (lab_alloc_leak(before, &after, leak, sizeof leak) && t->verdict != VERDICT_FAIL) {
        t->verdict = VERDICT_FAIL;
        snprintf(t->note, sizeof t->note, "%s after destroy()", leak);
    }
}
