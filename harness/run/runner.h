/* runner.h: what a family driver sees of a trial. One driver per family
 * drives every implementation of that family (no per-implementation code). */
#ifndef CONTEND_RUNNER_H
#define CONTEND_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>

#include "lab_util.h"
#include "run.h"

struct trial_ctx;

/* One producer/client thread. Own cache line(s): nothing here is shared
   with another thread while the trial runs. */
struct worker {
    LAB_ALIGNED unsigned idx;
    uint64_t quota; /* fixed work: ops to do; 0 in fixed-time mode */
    uint64_t ops;   /* ops done, written once at the end */
    uint64_t t_end; /* CLOCK_MONOTONIC ns when this thread finished */
    int err;        /* first error returned by the implementation */
    void *tstate;   /* impl->thread_state bytes, or NULL */
    void *fstate;   /* the family driver's per-thread data */
    struct trial_ctx *ctx;
    pthread_t tid;
    struct ctr_thread *ctr; /* this thread's counters, or NULL when off */
    _Atomic uint64_t *beat; /* its progress line for the watchdog (trial_beat) */
};

struct trial_ctx {
    const struct run_opts *o;
    const void *fcfg; /* the family's options (o->fcfg) */
    const struct lab_impl *impl;
    unsigned threads;
    struct worker *w;
    void *fam;                    /* the family driver's state */
    LAB_ALIGNED _Atomic int stop; /* fixed-time stop flag, read every STOP_CHECK ops */
    LAB_ALIGNED _Atomic unsigned ready;
    _Atomic int gate;
    uint64_t t0;
    uint64_t deadline;     /* fixed time: t0 + duration */
    struct run_beat *beat; /* progress the watchdog samples (run.h) */
};

/* Fixed time: the stop flag is read once per STOP_CHECK ops (a relaxed load
   of a line nobody writes until the end). Small, so that a design that blocks
   (channel at 10,000 threads) drains few ops after the stop. */
#define STOP_CHECK 16

/* Every STOP_CLOCK_EVERY checks (1,024 ops) a worker also reads the clock
   (vDSO, ~20 ns) and raises the flag itself once the deadline has passed. */
#define STOP_CLOCK_EVERY 64

/* Fixed time: call once per STOP_CHECK ops with a counter of the thread's own. */
static inline int trial_should_stop(struct trial_ctx *c, unsigned *checks)
{
    if (atomic_load_explicit(&c->stop, memory_order_relaxed)) return 1;
    if (++*checks % STOP_CLOCK_EVERY == 0 && lab_now_ns() >= c->deadline) {
        atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
        return 1;
    }
    return 0;
}

/* Progress for the watchdog (run.h, struct run_beat), which tells a stuck
   trial (nothing moves) from a slow one. A worker publishes its ops done so
   far every few ops (a relaxed store to a line of its own, which the
   watchdog reads a few times a second); a driver names the phase it enters
   (close, check, destroy) and ticks during long untimed work. */
static inline void trial_beat(struct worker *w, uint64_t done)
{
    atomic_store_explicit(w->beat, done, memory_order_relaxed);
}
static inline void trial_phase(struct trial_ctx *c, enum run_phase p)
{
    run_beat_phase(c->beat, p);
}
static inline void trial_tick(struct trial_ctx *c) { run_beat_tick(c->beat); }

struct lab_alloc_totals;
/* After a variant's destroy(): fails t ("leaked N bytes in M blocks after
   destroy()") when memory allocated since before (taken just before its
   create()) is still held, unless t failed already. */
void run_trial_leak_check(struct trial *t, const struct lab_alloc_totals *before);

#endif
