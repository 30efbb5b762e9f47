/* fiber_int.h: what the fiber runtime's files share (not a public header;
 * see fiber.h for the design). Three files:
 *   fiber.c        carriers, switching, sanitizer hooks, spawn/exit, run/wait
 *   fiber_queue.c  run queues (per-carrier rings, the global queue, stealing)
 *                  and the stack pool
 *   fiber_wait.c   the parking lot, timers, park/unpark/sleep/join, the
 *                  lab_prim ops, statistics and the watchdog */
#ifndef FIBER_INT_H
#define FIBER_INT_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include "fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIB_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define FIB_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIB_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define FIB_TSAN 1
#endif
#endif

/* Never inlined (run_fib_carrier_self) and always inlined (the switch). */
#define FIBER_NOINLINE __attribute__((noinline))
#define FIBER_INLINE inline __attribute__((always_inline))

/* Boost.Context's fcontext (libboost_context): plain C symbols, declared
   here because boost/context/detail/fcontext.hpp is C++. */
typedef struct {
    void *fctx;
    void *data;
} fib_transfer;
void *make_fcontext(void *sp, size_t size, void (*fn)(fib_transfer));
fib_transfer jump_fcontext(void *to, void *data);

static inline uint64_t fiber_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void fiber_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The runtime's own lock: tiny critical sections (a queue splice, a list
   link), test-and-test-and-set, giving the CPU away after a while so that a
   preempted holder on an oversubscribed machine gets to run. */
struct fib_lock {
    _Atomic uint32_t v;
};

static inline int fiber_trylock(struct fib_lock *l)
{
    return !atomic_load_explicit(&l->v, memory_order_relaxed)
        && !atomic_exchange_explicit(&l->v, 1, memory_order_acquire);
}
static inline void fiber_lock(struct fib_lock *l)
{
    for (unsigned spins = 0; !fiber_trylock(l);)
        if (++spins % 128 == 0)
            sched_yield();
        else
            fiber_relax();
}
static inline void fiber_unlock(struct fib_lock *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* A parked task in the parking lot: a fiber, or (fib == NULL) a plain OS
   thread sleeping in the futex system call on flag. */
struct fib_waiter {
    struct fib_waiter *next, *prev;
    _Atomic uint32_t *word;
    struct fib *fib;
    _Atomic uint32_t flag;
    int result;    /* 0 woken, -ETIMEDOUT */
    int has_timer; /* in the timer heap (under the bucket lock) */
};

/* Where a fiber's memory comes from; kept across reuse from the pool. */
struct fib_mem {
    char *map; /* the mapping: guard page, stack, struct fib */
    size_t map_size;
    char *stack_lo;    /* lowest usable stack byte (above the guard) */
    size_t stack_size; /* up to the struct fib at the top */
    struct fib_pool *pool;
};

struct fib {
    void *ctx; /* saved fcontext while not running */
    struct fib_sched *s;
    struct fib *next;                /* global queue, ready lists, pool free list */
    struct fib *all_next, *all_prev; /* s->all: every fiber not yet released */
    fib_fn fn;
    void *arg, *ret;
    uint64_t id;
    int attached;                /* has a handle: kept until released */
    _Atomic uint32_t done;       /* 1 once it has returned and left its stack */
    _Atomic uint32_t sleep_word; /* parked on by run_fib_sleep_until; never woken */
    struct fib_waiter w;
    size_t timer_idx; /* in s->heap (under s->tlock), SIZE_MAX if not */
    struct fib_stats st;
    void *tsan;         /* TSan fiber context */
    void *asan_fake;    /* ASan fake stack saved across a switch */
    struct fib_mem mem; /* last: spawn clears everything above it */
};

/* What the fiber that switched away asks the one that resumes to do, once
   its context is saved (sv6's post_swtch, Go's unlockf in gopark). */
enum fib_op { FIB_OP_NONE, FIB_OP_YIELD, FIB_OP_PARK, FIB_OP_EXIT };
struct fib_post {
    struct fib_carrier *c; /* the carrier that did the switch */
    struct fib *from;
    int op;
    struct fib_lock *lock; /* FIB_OP_PARK: the bucket to unlock */
};

#define FIB_RUNQ 256u /* a carrier's local ring (Go's P runq) */
struct fib_runq {
    _Alignas(64) _Atomic uint32_t head; /* taken by the owner and thieves (CAS) */
    _Alignas(64) _Atomic uint32_t tail; /* written by the owner only */
    _Atomic(struct fib *) ring[FIB_RUNQ];
};

struct fib_carrier {
    struct fib_runq q;
    _Alignas(64) struct fib_sched *s;
    unsigned id;
    pthread_t thread;
    _Atomic pid_t tid;
    struct fib self; /* the carrier's own context (its loop) */
    struct fib *cur; /* the running fiber, NULL in the loop */
    struct fib_post post;
    uint64_t tick, rng;
    int shared; /* FIB_SHARED_QUEUE: no ring */
    struct fib_carrier_stats st;
    struct rusage ru0;
    /* published for the watchdog (relaxed stores, one each per switch) */
    _Atomic uint64_t pub_switches;
    _Atomic uint64_t pub_running; /* the running fiber's id, 0 idle */
    uint64_t wd_seen, wd_since;   /* the watchdog's own bookkeeping */
    uint32_t call_seen;           /* the last run_fib_on_carriers call made */
};

struct fib_timer {
    uint64_t deadline;
    struct fib *f;
};

struct fib_sched {
    unsigned ncar, flags;
    size_t stack_size;
    struct fib_carrier *car;
    struct fib_pool *pool;
    /* the global queue: spawns from outside, wake-ups from plain threads,
       ring overflow; the only queue with FIB_SHARED_QUEUE */
    _Alignas(64) struct fib_lock glock;
    struct fib *ghead, *gtail;
    _Atomic uint32_t gsize;
    /* idle carriers sleep on idle_seq */
    _Alignas(64) _Atomic uint32_t nidle;
    _Atomic uint32_t idle_seq;
    _Atomic int quit;
    _Alignas(64) _Atomic uint32_t live; /* spawned, not yet exited */
    /* timers: a binary min-heap of parked fibers by deadline */
    _Alignas(64) struct fib_lock tlock;
    struct fib_timer *heap;
    size_t heap_n, heap_cap;
    _Atomic uint64_t timer_next; /* UINT64_MAX: none */
    /* every fiber not yet released (stats after the run, freeing) */
    struct fib_lock alock;
    struct fib *all;
    _Atomic uint64_t next_id;
    int running;
    /* run on each carrier thread as it starts and before it ends */
    void (*on_start)(void *arg, unsigned carrier);
    void (*on_exit)(void *arg, unsigned carrier);
    void *hook_arg;
    /* run_fib_on_carriers: a call each carrier makes on its own thread */
    void (*call_fn)(void *arg, unsigned carrier);
    void *call_arg;
    _Atomic uint32_t call_seq, call_left;
};

/* fiber.c */
struct fib_carrier *run_fib_carrier_self(void);
void run_fib_block(struct fib_carrier *c, int op, struct fib_lock *lock);
void run_fib_ready(struct fib *f);
void run_fib_wake_idle(struct fib_sched *s, uint32_t n);

/* fiber_queue.c */
void run_fib_runq_put_slow(struct fib_carrier *c, struct fib *f);
struct fib *run_fib_runq_find_slow(struct fib_carrier *c);
void run_fib_global_put(struct fib_sched *s, struct fib *f);
int run_fib_runnable(struct fib_sched *s);
int run_fib_pool_get(size_t stack_size, struct fib **out);
void run_fib_pool_put(struct fib *f);
/* Maps stacks into the pool until it holds n (at most its cap). */
int run_fib_pool_reserve(size_t stack_size, unsigned n);

/* fiber_wait.c */
void run_fib_timers_run(struct fib_carrier *c);

/* ---- a carrier's ring: the owner's fast paths, inline because they run on
   every switch (a call into another file cost ~25% of a yield round trip);
   the rest is in fiber_queue.c ---- */

static inline struct fib *fiber_runq_local(struct fib_runq *q)
{
    uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
    for (;;) {
        uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        if (t == h) return NULL;
        struct fib *f = atomic_load_explicit(&q->ring[h % FIB_RUNQ], memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&q->head, &h, h + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return f;
    }
}

/* Queues f on c (c's own thread only). */
static inline void fiber_runq_put(struct fib_carrier *c, struct fib *f)
{
    struct fib_runq *q = &c->q;
    uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (!c->shared && t - h < FIB_RUNQ) {
        atomic_store_explicit(&q->ring[t % FIB_RUNQ], f, memory_order_relaxed);
        atomic_store_explicit(&q->tail, t + 1, memory_order_release);
        return;
    }
    run_fib_runq_put_slow(c, f);
}

/* The next fiber for c: its ring, except every 61st time (fiber_queue.c
   looks at the global queue first then, as Go does); NULL when none. */
static inline struct fib *fiber_runq_find(struct fib_carrier *c)
{
    struct fib *f;
    if (++c->tick % 61 != 0 && !c->shared && (f = fiber_runq_local(&c->q))) return f;
    return run_fib_runq_find_slow(c);
}

#endif
