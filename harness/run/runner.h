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
    int init_err;   /* what its thread_init or worker_init returned */
    void *tstate;   /* impl->thread_state bytes, or NULL */
    void *fstate;   /* the family driver's per-thread data */
    struct trial_ctx *ctx;
    pthread_t tid;          /* threads runner */
    struct fib *fib;        /* fibers runner */
    struct ctr_thread *ctr; /* this thread's counters, or NULL when off */
    uint32_t epoch_seen;    /* fibers: the preemption tick it last ran in */
    _Atomic uint64_t *beat; /* its progress line for the watchdog (trial_beat) */
};

struct runner_kind; /* threads or fibers (runner.c, runner_fibers.c) */

struct trial_ctx {
    const struct run_opts *o;
    const void *fcfg; /* the family's options (o->fcfg) */
    const struct lab_impl *impl;
    unsigned threads;
    struct worker *w;
    void *fam;                    /* the family driver's state */
    void *self;                   /* the variant's instance (drivers set it after create) */
    _Atomic int init_failed;      /* a worker's thread_init/worker_init failed */
    LAB_ALIGNED _Atomic int stop; /* fixed-time stop flag, read every STOP_CHECK ops */
    LAB_ALIGNED _Atomic unsigned ready;
    _Atomic uint32_t gate; /* parked on through lab_park, whatever the runner */
    uint64_t t0;
    uint64_t deadline; /* fixed time: t0 + duration */
    double cpu0, csw0; /* the process's CPU seconds and context switches at t0 */
    const struct runner_kind *kind;
    void *rstate; /* the runner's own */
    int preempt;  /* fibers: workers yield at preemption points once a tick passed */
    LAB_ALIGNED _Atomic uint32_t epoch; /* the preemption tick (every 10 ms) */
    int carriers_exited;
    struct run_beat *beat; /* progress the watchdog samples (run.h) */
};

/* The variant's per-thread hooks (impls/lab.h) for the driver's own calls
   on the harness's thread (prefill, close, checks): after create, before
   destroy. Workers' threads are the runner's business. */
static inline int run_impl_thread_init(struct trial_ctx *c)
{
    return c->impl->thread_init ? c->impl->thread_init(c->self) : 0;
}
/* (Under fibers also on every carrier thread, which the runner registered
   as it started.) */
void run_impl_thread_exit(struct trial_ctx *c);

/* Fixed time: the stop flag is read once per STOP_CHECK ops (a relaxed load
   of a line nobody writes until the end). Small, so that a design that blocks
   (channel at 10,000 threads) drains few ops after the stop. */
#define STOP_CHECK 16

/* Every STOP_CLOCK_EVERY checks (1,024 ops) a worker also reads the clock
   (vDSO, ~20 ns) and raises the flag itself once the deadline has passed. */
#define STOP_CLOCK_EVERY 64

static inline void trial_preempt_point(struct trial_ctx *c, struct worker *w);

/* Fixed time: call once per STOP_CHECK ops with a counter of the worker's
   own (also a preemption point under fibers). */
static inline int trial_should_stop(struct trial_ctx *c, struct worker *w, unsigned *checks)
{
    if (c->preempt) trial_preempt_point(c, w);
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

/* Fibers cannot be interrupted; Go preempts a goroutine that has run for
   10 ms (sysmon). So under fibers the drivers' loops offer a preemption
   point every STOP_CHECK ops, and a worker yields there when the 10 ms tick
   has moved since it last ran. Under threads c->preempt is 0 and the loops
   do not look. */
static inline void trial_preempt_point(struct trial_ctx *c, struct worker *w)
{
    uint32_t e = atomic_load_explicit(&c->epoch, memory_order_relaxed);
    if (e != w->epoch_seen) {
        lab_yield();
        w->epoch_seen = atomic_load_explicit(&c->epoch, memory_order_relaxed);
    }
}

/* Fixed work: the end of the next chunk of at most STOP_CHECK ops from i
   (a preemption point under fibers between chunks). */
static inline uint64_t trial_chunk(struct trial_ctx *c, struct worker *w, uint64_t i)
{
    trial_beat(w, i);
    if (c->preempt) trial_preempt_point(c, w);
    return w->quota - i > STOP_CHECK ? i + STOP_CHECK : w->quota;
}
struct lab_alloc_totals;
/* After a variant's destroy(): fails t ("leaked N bytes in M blocks after
   destroy()") when memory allocated since before (taken just before its
   create()) is still held, unless t failed already. */
void run_trial_leak_check(struct trial *t, const struct lab_alloc_totals *before);

#endif
