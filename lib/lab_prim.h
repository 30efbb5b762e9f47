/* lab_prim.h: the blocking and yielding primitives every variant uses, so
 * that one variant runs under every runner.
 *
 * A variant never calls sched_yield, futex, pthread_mutex_*, pthread_cond_*,
 * nanosleep or pthread_create itself (unless it declares LAB_CAP_THREADS_ONLY):
 * it calls lab_yield(), lab_park()/lab_unpark(), lab_mutex_*, lab_cond_*,
 * lab_sleep_until() and lab_spawn()/lab_join(). These dispatch through one
 * small ops table (struct lab_prim_ops) that the runner installs before a
 * trial: the threads runner installs lab_prim_threads (sched_yield, the futex
 * system call, nanosleep, pthread_create), which is the default; a fiber
 * runner installs its own (a user-space switch, a parked fiber, a timer, a
 * new fiber). lib/ never depends on a runner: the runner depends on this.
 *
 * lab_mutex and lab_cond are built once, here, on park/unpark (a futex
 * mutex as in Drepper's "Futexes Are Tricky", which is what glibc's default
 * pthread mutex is): under threads they cost what pthread_mutex costs; under
 * fibers a contended lock parks the fiber, not its carrier thread.
 *
 * Conventions as in lab.h: 0 or a negative errno. Times are CLOCK_MONOTONIC
 * nanoseconds (lab_now_ns()); a deadline of 0 means none. */
#ifndef LAB_PRIM_H
#define LAB_PRIM_H

#include <stdatomic.h>
#include <stdint.h>

/* A task started by a variant (a consumer, a worker pool thread, an actor):
   an OS thread under threads, a fiber under fibers. */
typedef void *(*lab_task_fn)(void *arg);
struct lab_task_handle {
    void *impl; /* the runner's handle (a pthread_t, a fiber) */
    uintptr_t id;
};

struct lab_prim_ops {
    const char *name; /* "threads", "fibers" */
    /* Lets another worker run (Go's runtime.Gosched). */
    void (*yield)(void);
    /* Futex semantics: if *word == expect, sleeps until lab_unpark(word) or
       the deadline (0 = none); spurious returns are allowed. 0 when woken or
       spurious, -EAGAIN if *word != expect, -ETIMEDOUT at the deadline. */
    int (*park)(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline_ns);
    /* Wakes up to n tasks parked on word (UINT32_MAX: all). Works from any
       context, including a thread that is not one of the runner's workers. */
    void (*unpark)(_Atomic uint32_t *word, uint32_t n);
    /* Sleeps until the deadline. */
    void (*sleep_until)(uint64_t deadline_ns);
    /* Starts fn(arg) as a task of the variant's own. 0 or -errno. */
    int (*spawn)(lab_task_fn fn, void *arg, struct lab_task_handle *h);
    /* Waits for it to return. */
    int (*join)(struct lab_task_handle *h);
};

/* The ops in force (never NULL). Installed by the runner between trials,
   never while a trial runs. */
extern const struct lab_prim_ops *_Atomic lab_prim_current;
extern const struct lab_prim_ops lab_prim_threads;
void lab_prim_install(const struct lab_prim_ops *ops); /* NULL: threads */

static inline const struct lab_prim_ops *lab_prim(void)
{
    return atomic_load_explicit(&lab_prim_current, memory_order_relaxed);
}
static inline void lab_yield(void) { lab_prim()->yield(); }
static inline int lab_park(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline_ns)
{
    return lab_prim()->park(word, expect, deadline_ns);
}
static inline void lab_unpark(_Atomic uint32_t *word, uint32_t n) { lab_prim()->unpark(word, n); }
static inline void lab_sleep_until(uint64_t deadline_ns) { lab_prim()->sleep_until(deadline_ns); }
static inline int lab_spawn(lab_task_fn fn, void *arg, struct lab_task_handle *h)
{
    return lab_prim()->spawn(fn, arg, h);
}
static inline int lab_join(struct lab_task_handle *h) { return lab_prim()->join(h); }

/* A blocking mutex: 0 unlocked, 1 locked, 2 locked with waiters. Zero is a
   valid unlocked mutex (LAB_MUTEX_INIT). */
struct lab_mutex {
    _Atomic uint32_t state;
};
#define LAB_MUTEX_INIT \
    {                  \
        0              \
    }
void lab_mutex_init(struct lab_mutex *m);
void lab_mutex_lock(struct lab_mutex *m);
int lab_mutex_trylock(struct lab_mutex *m); /* 0 or -EBUSY */
void lab_mutex_unlock(struct lab_mutex *m);
void lab_mutex_destroy(struct lab_mutex *m);

/* The seed's spin lock (snail phase 4): try-lock, yield between tries. */
static inline void lab_mutex_spin_lock(struct lab_mutex *m)
{
    while (lab_mutex_trylock(m) != 0) lab_yield();
}

/* A condition variable (sequence-counter futex condvar). */
struct lab_cond {
    _Atomic uint32_t seq;
};
#define LAB_COND_INIT \
    {                 \
        0             \
    }
void lab_cond_init(struct lab_cond *c);
/* Releases m, waits for a signal or the deadline (0 = none), re-takes m.
   0 or -ETIMEDOUT; spurious wake-ups are allowed (re-check the predicate). */
int lab_cond_wait(struct lab_cond *c, struct lab_mutex *m, uint64_t deadline_ns);
void lab_cond_signal(struct lab_cond *c);
void lab_cond_broadcast(struct lab_cond *c);
void lab_cond_destroy(struct lab_cond *c);

/* A reusable barrier for n participants (a worker that blocks here parks
   its fiber, not its carrier). */
struct lab_barrier {
    _Atomic uint32_t arrived, gen;
    uint32_t n;
};
void lab_barrier_init(struct lab_barrier *b, uint32_t n);
void lab_barrier_wait(struct lab_barrier *b);

#endif
