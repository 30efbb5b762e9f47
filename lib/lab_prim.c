/* The primitives' threads ops (the default) and the mutex and condition
 * variable built on park/unpark, whatever the runner. */
#include "lab_prim.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void prim_threads_yield(void) { sched_yield(); }

static int prim_threads_park(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline_ns)
{
    struct timespec ts, *tp = NULL;
    if (deadline_ns) {
        ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
        ts.tv_nsec = (long)(deadline_ns % 1000000000u);
        tp = &ts;
    }
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline */
    long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expect, tp, NULL,
                      FUTEX_BITSET_MATCH_ANY);
    if (rc == 0) return 0;
    if (errno == EAGAIN) return -EAGAIN;
    if (errno == ETIMEDOUT) return -ETIMEDOUT;
    return 0; /* EINTR: spurious */
}

static void prim_threads_unpark(_Atomic uint32_t *word, uint32_t n)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n > INT_MAX ? INT_MAX : (int)n, NULL, NULL, 0);
}

static void prim_threads_sleep_until(uint64_t deadline_ns)
{
    struct timespec ts = { (time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static int prim_threads_spawn(lab_task_fn fn, void *arg, struct lab_task_handle *h)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, fn, arg);
    if (rc) return -rc;
    h->impl = NULL;
    h->id = (uintptr_t)t;
    return 0;
}

static int prim_threads_join(struct lab_task_handle *h)
{
    return -pthread_join((pthread_t)h->id, NULL);
}

const struct lab_prim_ops lab_prim_threads = {
    .name = "threads",
    .yield = prim_threads_yield,
    .park = prim_threads_park,
    .unpark = prim_threads_unpark,
    .sleep_until = prim_threads_sleep_until,
    .spawn = prim_threads_spawn,
    .join = prim_threads_join,
};

const struct lab_prim_ops *_Atomic lab_prim_current = &lab_prim_threads;

void lab_prim_install(const struct lab_prim_ops *ops)
{
    atomic_store(&lab_prim_current, ops ? ops : &lab_prim_threads);
}

/* ---- mutex: 0 unlocked, 1 locked, 2 locked and maybe contended ---- */

void lab_mutex_init(struct lab_mutex *m) { atomic_init(&m->state, 0); }
void lab_mutex_destroy(struct lab_mutex *m) { (void)m; }

int lab_mutex_trylock(struct lab_mutex *m)
{
    uint32_t z = 0;
    return atomic_compare_exchange_strong_explicit(&m->state, &z, 1, memory_order_acquire,
                                                   memory_order_relaxed)
        ? 0
        : -EBUSY;
}

void lab_mutex_lock(struct lab_mutex *m)
{
    uint32_t c = 0;
    if (atomic_compare_exchange_strong_explicit(&m->state, &c, 1, memory_order_acquire,
                                                memory_order_relaxed))
        return;
    if (c != 2) c = atomic_exchange_explicit(&m->state, 2, memory_order_acquire);
    while (c != 0) {
        lab_park(&m->state, 2, 0);
        c = atomic_exchange_explicit(&m->state, 2, memory_order_acquire);
    }
}

void lab_mutex_unlock(struct lab_mutex *m)
{
    if (atomic_exchange_explicit(&m->state, 0, memory_order_release) == 2) lab_unpark(&m->state, 1);
}

/* ---- condition variable: waiters park on a sequence number ---- */

void lab_cond_init(struct lab_cond *c) { atomic_init(&c->seq, 0); }
void lab_cond_destroy(struct lab_cond *c) { (void)c; }

int lab_cond_wait(struct lab_cond *c, struct lab_mutex *m, uint64_t deadline_ns)
{
    uint32_t seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
    lab_mutex_unlock(m);
    int rc = lab_park(&c->seq, seq, deadline_ns);
    lab_mutex_lock(m);
    return rc == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

void lab_cond_signal(struct lab_cond *c)
{
    atomic_fetch_add_explicit(&c->seq, 1, memory_order_release);
    lab_unpark(&c->seq, 1);
}

void lab_cond_broadcast(struct lab_cond *c)
{
    atomic_fetch_add_explicit(&c->seq, 1, memory_order_release);
    lab_unpark(&c->seq, UINT32_MAX);
}

/* ---- barrier: the last to arrive opens the next generation ---- */

void lab_barrier_init(struct lab_barrier *b, uint32_t n)
{
    atomic_init(&b->arrived, 0);
    atomic_init(&b->gen, 0);
    b->n = n;
}

void lab_barrier_wait(struct lab_barrier *b)
{
    uint32_t gen = atomic_load_explicit(&b->gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == b->n) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&b->gen, gen + 1, memory_order_release);
        lab_unpark(&b->gen, UINT32_MAX);
        return;
    }
    while (atomic_load_explicit(&b->gen, memory_order_acquire) == gen) lab_park(&b->gen, gen, 0);
}
