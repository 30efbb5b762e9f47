/* fiber.h: an M:N fiber runtime, the core of `--runner fibers[:P]`: N
 * stackful fibers on P carrier OS threads, like goroutines on GOMAXPROCS.
 *
 * Design (learned from Go's runtime/proc.go and runtime/sema.go; written
 * afresh):
 *
 * Switching. Boost.Context's fcontext (make_fcontext/jump_fcontext, plain C
 * symbols in libboost_context): no system call, no signal mask. A fiber
 * switches straight to the next runnable fiber (one jump), not through a
 * scheduler context as Go does through g0 (two). The price is that the fiber
 * we leave is not yet saved when we jump, so it must not be visible to other
 * carriers: the one we resume finishes the switch for us (stores the saved
 * context, then re-queues a yielder, unlocks a parker's bucket, or releases
 * an exited fiber), the way sv6's post_swtch or Go's gopark(unlockf) do.
 *
 * Run queues: per-carrier rings with stealing, as in Go (a 256-slot ring per
 * P, owner pushes at the tail without an atomic read-modify-write, owner and
 * thieves take from the head with a CAS; an idle carrier steals half of a
 * victim's ring; overflow and wake-ups from outside go to one locked global
 * queue, checked first every 61 schedules so it cannot starve). A yield
 * costs one CAS and one store, inline. FIB_SHARED_QUEUE instead uses only
 * the global queue (one lock, no stealing); bench_fiber measures both. Rings
 * are the default: a shared queue takes its lock twice per yield and every
 * carrier bounces the same lines. Measured (bench_fiber, 7 reps, medians,
 * this 2-vCPU machine at load 37, shared with other builds): a yield round
 * trip between two fibers on one carrier 35.8 ns of CPU with rings, 43.0
 * shared (a bare fcontext round trip: 11.0); 1,000 fibers x 1,000 yields on
 * 2 carriers 45 vs 68 ns a yield; a lab_mutex counter over 10,000 fibers on
 * 2 carriers 10.5 vs 17.4 ns an op. Creating and joining 10,000 fibers:
 * 1.3 ms from a warm pool, 111 ms cold.
 *
 * Parking lot (runtime/sema.go's semtable idea): lab_park(word) queues the
 * fiber in one of 1,024 address-hashed buckets, each a spin lock and a FIFO
 * list, after checking *word == expect under that lock (futex semantics).
 * The bucket stays locked until the fiber's context is saved (the post-switch
 * step), so lab_unpark never finds a half-parked fiber. The lot is
 * process-wide (the ops table has no scheduler argument), so it also serves
 * plain OS threads: a thread that parks while the fiber ops are installed
 * queues a waiter on its own stack and sleeps in the futex system call on a
 * flag; lab_unpark wakes fibers and threads alike, from any thread.
 *
 * Timers: one binary heap per scheduler (under a lock), of parked fibers by
 * absolute CLOCK_MONOTONIC deadline; timer_next caches the earliest, so a
 * carrier reads the clock only while a timer is pending, and then every
 * 16th switch or yield, and before sleeping (an idle carrier sleeps until
 * the earliest deadline; a new earliest timer wakes one to re-arm, as Go's
 * wakeNetPoller). Per-carrier heaps would cut contention on the lock; parks
 * with a deadline are rare (tickers, timeouts), so one heap is enough.
 * Sleep is a park with a deadline on a private word.
 *
 * Idle: a carrier that finds nothing (local ring, global queue, stealing
 * from every other carrier) counts itself idle, looks once more, and sleeps
 * in futex(idle_seq) until the earliest timer; making a fiber runnable
 * (spawn, unpark, timer) wakes one sleeping carrier when any is idle (a
 * fence and a load when none is), and a carrier that grabs a batch wakes
 * another (Go's spinning-M chain). No carrier spins forever.
 *
 * Stacks: mmap'd, a PROT_NONE guard page below, the struct fib at the top
 * (one mapping per fiber), default 64 KiB (512 KiB under ASan/TSan, as the
 * threads runner), recycled through a process-wide pool per size, so a
 * trial after the first creates fibers without a system call or a page
 * fault. run_fib_pool_trim() unmaps the pool.
 *
 * Sanitizers: TSan through __tsan_create_fiber/__tsan_switch_to_fiber
 * (synchronising: each switch is a happens-before edge)/__tsan_destroy_fiber,
 * ASan through __sanitizer_start_switch_fiber/__sanitizer_finish_switch_fiber
 * (the carrier's own stack bounds from pthread_getattr_np); an exited fiber's
 * stack is unpoisoned before reuse. GCC 12's TSan stops at 8,128 live fibers
 * plus threads ("Thread limit exceeded"); its tests stay at 4,000.
 *
 * Watchdog: a fiber that blocks its carrier in the kernel (pthread_mutex,
 * sleep, read) stalls every fiber queued there. Each carrier publishes a
 * switch counter; run_fib_sched_stuck(), called periodically from one watchdog
 * thread, reports a carrier whose fiber has not switched for threshold_ns
 * while fibers are runnable or while the carrier sleeps in the kernel.
 *
 * Limits: not preemptive (a fiber that never yields keeps its carrier, as
 * Go before 1.14); carriers are not pinned; a fiber must not call
 * pthread_exit; run_fib_wait must not be called from a fiber; run_fib_sched_stuck
 * from one thread at a time.
 *
 * Conventions: 0 or a negative errno; times are CLOCK_MONOTONIC ns. */
#ifndef FIBER_H
#define FIBER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lab_prim.h"

struct fib_sched;
struct fib;
typedef void *(*fib_fn)(void *arg); /* the same shape as lab_task_fn */

#define FIB_SHARED_QUEUE 1u /* flags: one global queue, no rings */

/* A scheduler of `carriers` carrier threads (0: the CPUs in the affinity
   mask, like GOMAXPROCS) and stacks of stack_size bytes (0: 64 KiB, 512 KiB
   under a sanitizer). */
int run_fib_sched_new(unsigned carriers, size_t stack_size, unsigned flags, struct fib_sched **out);
/* Frees the scheduler and gives every fiber's stack back to the pool; not
   while it runs. */
void run_fib_sched_free(struct fib_sched *s);
unsigned run_fib_sched_carriers(const struct fib_sched *s);
unsigned run_fib_default_carriers(void);

/* Starts fn(arg) as a fiber, from outside (before or while the scheduler
   runs) or from a fiber. With out, the fiber is kept (joinable, its stats
   readable) until run_fib_release or run_fib_sched_free; without, its memory goes
   back to the pool when it returns. -ENOMEM. */
int run_fib_spawn(struct fib_sched *s, fib_fn fn, void *arg, struct fib **out);

/* run_fib_run = run_fib_start + run_fib_wait: starts the P carriers; waits until every
   fiber spawned so far or later has returned, then stops the carriers.
   run_fib_wait from a fiber is -EDEADLK. A scheduler can be started again. */
int run_fib_start(struct fib_sched *s);
int run_fib_wait(struct fib_sched *s);
int run_fib_run(struct fib_sched *s);

/* Waits for f to return (parks a fiber; a plain thread sleeps in futex) and
   stores its return value. -EDEADLK on itself. */
int run_fib_join(struct fib *f, void **ret);
/* Gives a returned fiber's memory back now (it must have been joined). */
void run_fib_release(struct fib *f);

/* The running fiber, or NULL on a plain thread or a carrier's own loop. */
struct fib *run_fib_self(void);
uint64_t run_fib_id(const struct fib *f);

/* The primitives (lab_prim.h semantics). Inside a fiber: a user-space
   switch, a parked fiber, a timer, a new fiber. Elsewhere: sched_yield, the
   futex system call (woken by run_fib_unpark too), clock_nanosleep; run_fib_spawn
   from a plain thread goes to the bound scheduler (run_fib_prim_bind). */
void run_fib_yield(void);
int run_fib_park(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline_ns);
void run_fib_unpark(_Atomic uint32_t *word, uint32_t n);
void run_fib_sleep_until(uint64_t deadline_ns);

/* The ops to install with lab_prim_install(): lab_prim_fibers. Binds s as
   the scheduler that lab_spawn from a plain thread (a variant's create()
   called by the runner's thread) starts fibers in; NULL unbinds. */
extern const struct lab_prim_ops lab_prim_fibers;
const struct lab_prim_ops *run_fib_prim_bind(struct fib_sched *s);

/* Per fiber, readable once it has returned (or after run_fib_wait). */
struct fib_stats {
    uint64_t switches;      /* times it was switched to */
    uint64_t yields, parks; /* calls that could switch away */
    uint64_t migrations;    /* switched in on another carrier than last time */
    unsigned carrier;       /* where it last ran */
};
void run_fib_stats(const struct fib *f, struct fib_stats *st);

/* Per carrier, readable after run_fib_wait: scheduler counters and the carrier
   thread's getrusage(RUSAGE_THREAD) between its start and its end. */
struct fib_carrier_stats {
    uint64_t switches;        /* fiber context switches done on it */
    uint64_t steals;          /* successful steals from another carrier */
    uint64_t sleeps;          /* times it slept in the kernel, idle */
    uint64_t timers;          /* deadlines it fired */
    uint64_t user_ns, sys_ns; /* CPU time */
    long nvcsw, nivcsw;       /* kernel context switches: voluntary, not */
};
int run_fib_carrier_stats(const struct fib_sched *s, unsigned carrier,
                          struct fib_carrier_stats *st);

/* The watchdog: 1 (and *out) when a carrier has run the same fiber for at
   least threshold_ns while other fibers are runnable or while the carrier
   thread is asleep in the kernel (the fiber blocked it); 0 otherwise. Call
   it periodically (e.g. every threshold/4) from one thread. */
struct fib_stuck {
    unsigned carrier;
    pid_t tid;       /* the carrier's kernel thread id */
    uint64_t fiber;  /* run_fib_id of the fiber on it */
    uint64_t for_ns; /* since it was first seen there */
    char kstate;     /* /proc state: 'R' running, 'S'/'D' asleep */
    int runnable;    /* other fibers were waiting to run */
};
int run_fib_sched_stuck(struct fib_sched *s, uint64_t threshold_ns, struct fib_stuck *out);

/* Called on each carrier thread as it starts (before it runs a fiber) and
   as it ends (after its last), with its index: per-OS-thread registration
   (liburcu, perf counters). Set before run_fib_start. */
void run_fib_sched_hooks(struct fib_sched *s, void (*on_start)(void *arg, unsigned carrier),
                         void (*on_exit)(void *arg, unsigned carrier), void *arg);

/* Makes each carrier call fn(arg, carrier) on its own thread the next time
   it is between fibers (at once when idle), and waits until all have: a
   per-OS-thread step (liburcu's rcu_unregister_thread) that must happen
   before something the scheduler outlives. From a plain thread, while the
   scheduler runs; -EINVAL when it does not, -EDEADLK from a carrier. */
int run_fib_on_carriers(struct fib_sched *s, void (*fn)(void *arg, unsigned carrier), void *arg);

/* Maps stacks for n fibers of s into the pool now, so that spawning them
   later makes no system call (a trial reserves its workers' stacks before
   its clock starts, as a warm runtime would hold them). 0 or -ENOMEM. */
int run_fib_reserve(struct fib_sched *s, unsigned n);
/* Unmaps every pooled stack (they are kept warm between trials). */
void run_fib_pool_trim(void);

/* ---- what a fibers trial runs in (runner_fibers.c), also contend-check's
   --runner fibers ---- */

/* A scheduler of `carriers` carriers (0: the CPUs) with the per-carrier
   hooks (run_fib_sched_hooks; NULL: none), lab_prim's ops installed and
   bound to it, its carriers started (and past their start-up). On failure
   nothing is left installed and err says why. */
int run_fib_session_open(unsigned carriers, void (*on_start)(void *arg, unsigned carrier),
                         void (*on_exit)(void *arg, unsigned carrier), void *arg,
                         struct fib_sched **out, char *err, size_t n);
/* Waits for every fiber, installs the threads ops back, frees s. */
void run_fib_session_close(struct fib_sched *s);

/* A variant's per-thread hooks (impls/lab.h) on every carrier thread: after
   create, thread_init (0, or the first error); before destroy, thread_exit.
   Nothing when the variant has no such hook. */
struct lab_impl;
int run_fib_carriers_init(struct fib_sched *s, const struct lab_impl *m, void *self);
void run_fib_carriers_exit(struct fib_sched *s, const struct lab_impl *m, void *self);

#endif
