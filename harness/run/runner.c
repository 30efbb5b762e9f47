/* The runner: one trial of one cell. Threads are created (small stacks),
 * pinned, and parked on a start gate; the clock starts when every thread is
 * parked, and each thread stamps its own end time. Only the family driver's
 * work() runs between the two. */

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <math.h>

#include "family.h"
#include "lab_alloc.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STACK_SIZE (512u << 10)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STACK_SIZE (512u << 10)
#endif
#endif
#ifndef STACK_SIZE
#define STACK_SIZE (64u << 10)
#endif

static void runner_gate_wait(_Atomic int *gate)
{
    while (!atomic_load_explicit(gate, memory_order_acquire))
        syscall(SYS_futex, gate, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void runner_gate_open(_Atomic int *gate)
{
    atomic_store_explicit(gate, 1, memory_order_release);
    syscall(SYS_futex, gate, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *runner_thread_main(void *arg)
{
    struct worker *w = arg;
    struct trial_ctx *c = w->ctx;
    lab_alloc_pause(); /* only work() is the variant's */
    run_topo_pin_self(c->o->pin, w->idx);
    if (w->ctr) run_ctr_thread_open(w->ctr);
    atomic_fetch_add_explicit(&c->ready, 1, memory_order_release);
    runner_gate_wait(&c->gate);
    if (w->ctr) run_ctr_thread_start(w->ctr);
    lab_alloc_resume();
    c->o->fam->work(c, w);
    lab_alloc_pause();
    if (w->ctr) run_ctr_thread_stop(w->ctr);
    w->t_end = lab_now_ns();
    if (w->ctr) run_ctr_thread_close(w->ctr);
    lab_alloc_resume();
    return NULL;
}

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

    struct run_beat *own = beat ? NULL : run_beat_new(threads, 0);
    struct trial_ctx *c = lab_calloc_aligned(sizeof *c);
    struct worker *w = lab_calloc_aligned(sizeof *w * threads);
    size_t tsz = (impl->thread_state + LAB_CACHELINE - 1) / LAB_CACHELINE * LAB_CACHELINE;
    char *ts = tsz ? lab_calloc_aligned(tsz * threads) : NULL;
    struct ctr_plan plan;
    struct ctr_thread *ct = NULL;
    if (o->counters.enabled) {
        run_ctr_plan_make(&o->counters, threads, &plan);
        ct = run_ctr_threads_new(&plan, threads);
    }
    if (!c || !w || (tsz && !ts) || (o->counters.enabled && !ct) || (!beat && !own)) {
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
    for (unsigned i = 0; i < threads; i++) {
        w[i].idx = i;
        w[i].ctx = c;
        w[i].tstate = tsz ? ts + (size_t)i * tsz : NULL;
        w[i].quota = o->ops ? o->ops / threads + (i < o->ops % threads) : 0;
        w[i].ctr = ct ? &ct[i] : NULL;
        w[i].beat = run_beat_slot(c->beat, i);
    }

    trial_phase(c, RUN_PH_SETUP);
    int rc = d->setup(c, err, n);
    if (rc) {
        free(ct);
        free(ts);
        free(w);
        free(c);
        run_beat_free(own);
        return rc;
    }

    trial_phase(c, RUN_PH_START);
    lab_alloc_pause();
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    unsigned created = 0;
    for (; created < threads; created++, trial_tick(c)) {
        rc = pthread_create(&w[created].tid, &attr, runner_thread_main, &w[created]);
        if (rc) break;
    }
    pthread_attr_destroy(&attr);
    lab_alloc_resume();
    if (rc) {
        snprintf(err, n, "could not create thread %u of %u: %s", created + 1, threads,
                 strerror(rc));
        /* release the threads that exist with nothing to do */
        for (unsigned i = 0; i < created; i++) w[i].quota = 0;
        atomic_store(&c->stop, 1);
    }

    while (atomic_load_explicit(&c->ready, memory_order_acquire) < created) usleep(100);
    trial_phase(c, RUN_PH_WORK);
    c->t0 = lab_now_ns();
    c->deadline = c->t0 + (uint64_t)(o->duration * 1e9);
    runner_gate_open(&c->gate);
    if (!rc && !o->ops) runner_fixed_time_wait(c);
    for (unsigned i = 0; i < created; i++) pthread_join(w[i].tid, NULL);
    trial_phase(c, RUN_PH_FINISH);
    for (unsigned i = created; i < threads; i++) w[i].t_end = c->t0; /* never ran */

    /* Per-thread rates and totals: the runner's bookkeeping, not counted as
       the variant's allocations (lab_alloc.h) */
    lab_alloc_pause();
    double *rate = malloc(sizeof *rate * threads);
    uint64_t t_end = c->t0;
    t->rate_min = 1e300;
    for (unsigned i = 0; i < threads && rate; i++) {
        t->ops += w[i].ops;
        if (w[i].t_end > t_end) t_end = w[i].t_end;
        double dt = (double)(w[i].t_end - c->t0) / 1e9;
        rate[i] = dt > 0 ? (double)w[i].ops / dt : 0;
        if (rate[i] < t->rate_min) t->rate_min = rate[i];
        if (rate[i] > t->rate_max) t->rate_max = rate[i];
        if (w[i].err && !t->note[0])
            snprintf(t->note, sizeof t->note, "add/op returned %s", strerror(-w[i].err));
    }
    t->seconds = (double)(t_end - c->t0) / 1e9;
    t->ops_per_s = t->seconds > 0 ? (double)t->ops / t->seconds : 0;
    t->ns_per_op = t->ops ? t->seconds * 1e9 / (double)t->ops : 0;
    t->jain = rate ? lab_jain(rate, threads) : 0;
    free(rate);
    if (ct && !rc) run_ctr_collect(&plan, ct, threads, t->ops, &t->counters);
    lab_alloc_resume();

    d->finish(c, t);
    trial_phase(c, RUN_PH_DONE);
    free(ct);
    free(ts);
    free(w);
    free(c);
    run_beat_free(own);
    return rc ? -rc : 0;
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
