/* The fiber runtime's scenarios (see fiber_scen.h). Each asserts exact
 * results, never timing. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fiber.h"
#include "fiber_scen.h"

#define SCEN_CHECK(cond, ...)              \
    do {                                   \
        if (!(cond)) {                     \
            snprintf(err, n, __VA_ARGS__); \
            return -1;                     \
        }                                  \
    } while (0)

#define MS 1000000ull

static uint64_t scen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A scheduler with the fiber ops installed and bound, or NULL. */
static struct fib_sched *scen_sched(const struct fiber_scen *sc)
{
    struct fib_sched *s;
    if (run_fib_sched_new(sc->carriers, 0, sc->flags, &s)) return NULL;
    lab_prim_install(run_fib_prim_bind(s));
    return s;
}

static void scen_done(struct fib_sched *s)
{
    lab_prim_install(NULL);
    run_fib_prim_bind(NULL);
    run_fib_sched_free(s);
}

/* Spawns `fibers` copies of fn(arg) and runs them all to the end. */
static int scen_spawn_run(const struct fiber_scen *sc, unsigned fibers, fib_fn fn, void *arg)
{
    struct fib_sched *s = scen_sched(sc);
    if (!s) return -ENOMEM;
    int rc = 0;
    for (unsigned i = 0; i < fibers && !rc; i++) rc = run_fib_spawn(s, fn, arg, NULL);
    if (!rc) rc = run_fib_run(s);
    scen_done(s);
    return rc;
}

/* ---- yield ping-pong: one carrier gives the exact interleaving ---- */

struct pingpong {
    int log[64];
    int pos;
};
struct pingpong_arg {
    struct pingpong *pp;
    int who;
};

static void *pingpong_fiber(void *arg)
{
    struct pingpong_arg *a = arg;
    for (int i = 0; i < 32; i++) {
        a->pp->log[a->pp->pos++] = a->who;
        lab_yield();
    }
    return NULL;
}

static int scen_pingpong(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct pingpong pp = { .pos = 0 };
    struct pingpong_arg a[2] = { { &pp, 0 }, { &pp, 1 } };
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    run_fib_spawn(s, pingpong_fiber, &a[0], NULL);
    run_fib_spawn(s, pingpong_fiber, &a[1], NULL);
    int rc = run_fib_run(s);
    scen_done(s);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    SCEN_CHECK(pp.pos == 64, "%d entries, not 64", pp.pos);
    for (int i = 0; i < 64; i++)
        SCEN_CHECK(pp.log[i] == i % 2, "entry %d is fiber %d: not A B A B ...", i, pp.log[i]);
    return 0;
}

/* ---- park/unpark between fibers ---- */

struct pair {
    _Atomic uint32_t word;
    _Atomic int got;
};

static void *pair_waiter(void *arg)
{
    struct pair *p = arg;
    while (atomic_load(&p->word) == 0) lab_park(&p->word, 0, 0);
    atomic_store(&p->got, 1);
    return NULL;
}

static void *pair_waker(void *arg)
{
    struct pair *p = arg;
    for (int i = 0; i < 3; i++) lab_yield();
    atomic_store(&p->word, 1);
    lab_unpark(&p->word, 1);
    return NULL;
}

static int scen_park(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct pair *p = calloc(fibers, sizeof *p);
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(p && s, "out of memory");
    for (unsigned i = 0; i < fibers; i++) {
        run_fib_spawn(s, pair_waiter, &p[i], NULL);
        run_fib_spawn(s, pair_waker, &p[i], NULL);
    }
    int rc = run_fib_run(s);
    scen_done(s);
    unsigned got = 0;
    for (unsigned i = 0; i < fibers; i++) got += (unsigned)atomic_load(&p[i].got);
    free(p);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    SCEN_CHECK(got == fibers, "%u of %u waiters woke", got, fibers);
    return 0;
}

/* ---- a plain OS thread wakes fibers; fibers wake a plain thread ---- */

struct crowd {
    _Atomic uint32_t word;
    _Atomic unsigned parked, woke;
};

static void *crowd_fiber(void *arg)
{
    struct crowd *c = arg;
    atomic_fetch_add(&c->parked, 1);
    while (atomic_load(&c->word) == 0) lab_park(&c->word, 0, 0);
    atomic_fetch_add(&c->woke, 1);
    return NULL;
}

static void *crowd_waker(void *arg)
{
    struct crowd *c = arg;
    lab_sleep_until(scen_now() + 2 * MS);
    atomic_store(&c->word, 1);
    lab_unpark(&c->word, UINT32_MAX);
    return NULL;
}

static int scen_thread_wake(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct crowd c = { 0 };
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, crowd_fiber, &c, NULL);
    run_fib_start(s);
    while (atomic_load(&c.parked) < fibers) lab_prim_threads.sleep_until(scen_now() + MS / 10);
    lab_prim_threads.sleep_until(scen_now() + MS); /* most are parked by now */
    atomic_store(&c.word, 1);
    lab_unpark(&c.word, UINT32_MAX); /* from the main thread */
    /* the main thread parks (futex fallback) and a fiber wakes it */
    struct crowd back = { 0 };
    run_fib_spawn(s, crowd_waker, &back, NULL);
    while (atomic_load(&back.word) == 0) {
        int rc = lab_park(&back.word, 0, 0);
        SCEN_CHECK(rc == 0 || rc == -EAGAIN, "thread lab_park: %d", rc);
    }
    int rc = run_fib_wait(s);
    scen_done(s);
    SCEN_CHECK(rc == 0, "run_fib_wait: %d", rc);
    unsigned woke = atomic_load(&c.woke);
    SCEN_CHECK(woke == fibers, "%u of %u fibers woke", woke, fibers);
    return 0;
}

/* ---- deadlines: park times out (fibers and a plain thread) ---- */

static void *timeout_fiber(void *arg)
{
    _Atomic int *bad = arg;
    _Atomic uint32_t w = 0;
    if (lab_park(&w, 0, scen_now() + 2 * MS) != -ETIMEDOUT) atomic_fetch_add(bad, 1);
    if (lab_park(&w, 1, scen_now() + 2 * MS) != -EAGAIN) atomic_fetch_add(bad, 1);
    if (lab_park(&w, 0, 1) != -ETIMEDOUT) atomic_fetch_add(bad, 1); /* long past */
    return NULL;
}

static int scen_timeout(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    _Atomic int bad = 0;
    int rc = scen_spawn_run(sc, fibers, timeout_fiber, &bad);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    SCEN_CHECK(bad == 0, "%d fiber parks did not return -ETIMEDOUT/-EAGAIN", (int)bad);
    struct fib_sched *s = scen_sched(sc); /* installed: the fallback */
    _Atomic uint32_t w = 0;
    rc = lab_park(&w, 0, scen_now() + 2 * MS);
    scen_done(s);
    SCEN_CHECK(rc == -ETIMEDOUT, "thread lab_park with a deadline: %d", rc);
    return 0;
}

/* ---- lab_mutex across many fibers: an exact count ---- */

struct counted {
    struct lab_mutex m;
    long count;
    unsigned iters;
};

static void *mutex_fiber(void *arg)
{
    struct counted *c = arg;
    for (unsigned i = 0; i < c->iters; i++) {
        lab_mutex_lock(&c->m);
        long v = c->count;
        if (i % 4 == 0) lab_yield(); /* hold it across a switch */
        c->count = v + 1;
        lab_mutex_unlock(&c->m);
    }
    return NULL;
}

static int scen_mutex(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct counted c = { LAB_MUTEX_INIT, 0, fibers > 2000 ? 10 : 100 };
    int rc = scen_spawn_run(sc, fibers, mutex_fiber, &c);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    SCEN_CHECK(c.count == (long)fibers * c.iters, "count %ld, expected %ld", c.count,
               (long)fibers * c.iters);
    return 0;
}

/* The main thread (futex fallback) contends with the fibers for the lock. */
static int scen_mixed(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct counted c = { LAB_MUTEX_INIT, 0, 100 };
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, mutex_fiber, &c, NULL);
    run_fib_start(s);
    for (unsigned i = 0; i < 20 * c.iters; i++) {
        lab_mutex_lock(&c.m);
        c.count++;
        lab_mutex_unlock(&c.m);
    }
    int rc = run_fib_wait(s);
    scen_done(s);
    SCEN_CHECK(rc == 0, "run_fib_wait: %d", rc);
    long want = ((long)fibers + 20) * c.iters;
    SCEN_CHECK(c.count == want, "count %ld, expected %ld", c.count, want);
    return 0;
}

/* ---- lab_cond: bounded buffer, producers and consumers ---- */

#define PC_CAP 8
#define PC_ITEMS 500
struct pc {
    struct lab_mutex m;
    struct lab_cond not_full, not_empty;
    long buf[PC_CAP];
    unsigned head, len, producers_left;
    long sum;
};

static void *pc_producer(void *arg)
{
    struct pc *p = arg;
    for (long i = 1; i <= PC_ITEMS; i++) {
        lab_mutex_lock(&p->m);
        while (p->len == PC_CAP) lab_cond_wait(&p->not_full, &p->m, 0);
        p->buf[(p->head + p->len++) % PC_CAP] = i;
        lab_cond_signal(&p->not_empty);
        lab_mutex_unlock(&p->m);
    }
    lab_mutex_lock(&p->m);
    if (--p->producers_left == 0) lab_cond_broadcast(&p->not_empty);
    lab_mutex_unlock(&p->m);
    return NULL;
}

static void *pc_consumer(void *arg)
{
    struct pc *p = arg;
    lab_mutex_lock(&p->m);
    for (;;) {
        while (p->len == 0 && p->producers_left) lab_cond_wait(&p->not_empty, &p->m, 0);
        if (p->len == 0) break;
        p->sum += p->buf[p->head];
        p->head = (p->head + 1) % PC_CAP;
        p->len--;
        lab_cond_signal(&p->not_full);
    }
    lab_mutex_unlock(&p->m);
    return NULL;
}

static int scen_cond(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct pc p = { .m = LAB_MUTEX_INIT, .producers_left = fibers };
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    for (unsigned i = 0; i < fibers; i++) {
        run_fib_spawn(s, pc_producer, &p, NULL);
        if (i % 2 == 0) run_fib_spawn(s, pc_consumer, &p, NULL);
    }
    int rc = run_fib_run(s);
    scen_done(s);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    long want = (long)fibers * PC_ITEMS * (PC_ITEMS + 1) / 2;
    SCEN_CHECK(p.sum == want, "consumed sum %ld, expected %ld", p.sum, want);
    return 0;
}

/* ---- lab_spawn/lab_join inside fibers, and from the main thread ---- */

static void *child_fiber(void *arg)
{
    uintptr_t v = (uintptr_t)arg;
    if (v % 2 == 0) { /* one more generation */
        struct lab_task_handle h;
        if (lab_spawn(child_fiber, (void *)(v + 1), &h) || lab_join(&h)) return NULL;
    }
    return (void *)(v * 2);
}

static void *parent_fiber(void *arg)
{
    _Atomic int *bad = arg;
    struct lab_task_handle h[16];
    struct fib *f[16];
    for (uintptr_t i = 0; i < 16; i++)
        if (lab_spawn(child_fiber, (void *)(i + 1), &h[i])) atomic_fetch_add(bad, 1);
    for (uintptr_t i = 0; i < 16; i++) { /* run_fib_join gives the return value */
        f[i] = h[i].impl;
        void *ret = NULL;
        if (run_fib_join(f[i], &ret) || ret != (void *)((i + 1) * 2)) atomic_fetch_add(bad, 1);
        if (lab_join(&h[i])) atomic_fetch_add(bad, 1);
    }
    return NULL;
}

static int scen_spawn(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    _Atomic int bad = 0;
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    struct lab_task_handle outside; /* lab_spawn from the main thread: bound */
    int rc = lab_spawn(child_fiber, (void *)7, &outside);
    SCEN_CHECK(rc == 0 && outside.impl, "lab_spawn from the main thread: %d", rc);
    for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, parent_fiber, &bad, NULL);
    run_fib_start(s);
    void *ret = NULL;
    rc = run_fib_join(outside.impl, &ret); /* the main thread parks in futex */
    int jrc = lab_join(&outside);
    int wrc = run_fib_wait(s);
    scen_done(s);
    SCEN_CHECK(rc == 0 && jrc == 0 && ret == (void *)14, "join from main: %d %d %p", rc, jrc, ret);
    SCEN_CHECK(wrc == 0, "run_fib_wait: %d", wrc);
    SCEN_CHECK(bad == 0, "%d spawn/join failures inside fibers", (int)bad);
    return 0;
}

/* ---- stacks come back from the pool: the same memory, second time ---- */

static void *noop_fiber(void *arg) { return arg; }

static int scen_reuse(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct fib **first = calloc(fibers, sizeof *first), **again = calloc(fibers, sizeof *again);
    SCEN_CHECK(first && again, "out of memory");
    for (int round = 0; round < 2; round++) {
        struct fib **f = round ? again : first;
        struct fib_sched *s = scen_sched(sc);
        SCEN_CHECK(s, "run_fib_sched_new failed");
        for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, noop_fiber, NULL, &f[i]);
        int rc = run_fib_run(s);
        scen_done(s); /* gives every stack back */
        SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    }
    unsigned reused = 0;
    for (unsigned i = 0; i < fibers; i++)
        for (unsigned j = 0; j < fibers; j++)
            if (again[i] == first[j]) {
                reused++;
                break;
            }
    free(first);
    free(again);
    SCEN_CHECK(reused == fibers, "%u of %u stacks reused", reused, fibers);
    return 0;
}

/* ---- sleep_until never returns early ---- */

static void *sleep_fiber(void *arg)
{
    _Atomic int *bad = arg;
    uint64_t dl = scen_now() + (uint64_t)(atomic_fetch_add(bad, 0) & 3) * MS + MS;
    lab_sleep_until(dl);
    if (scen_now() < dl) atomic_fetch_add(bad, 1000);
    return NULL;
}

static int scen_sleep(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    _Atomic int bad = 0;
    int rc = scen_spawn_run(sc, fibers, sleep_fiber, &bad);
    SCEN_CHECK(rc == 0, "run_fib_run: %d", rc);
    SCEN_CHECK(bad == 0, "%d fibers woke before their deadline", (int)bad / 1000);
    struct fib_sched *s = scen_sched(sc);
    uint64_t dl = scen_now() + MS;
    lab_sleep_until(dl); /* a plain thread, fibers installed */
    scen_done(s);
    SCEN_CHECK(scen_now() >= dl, "the main thread woke early");
    return 0;
}

/* ---- stats and run_fib_wait's refusal inside a fiber ---- */

static void *yielder(void *arg)
{
    for (int i = 0; i < 100; i++) lab_yield();
    if (run_fib_wait(arg) != -EDEADLK) abort();
    return NULL;
}

static int scen_stats(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s && run_fib_self() == NULL, "run_fib_self outside a fiber");
    struct fib **f = calloc(fibers, sizeof *f);
    SCEN_CHECK(f, "out of memory");
    for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, yielder, s, &f[i]);
    int rc = run_fib_run(s);
    uint64_t sum = 0, csum = 0;
    for (unsigned i = 0; i < fibers; i++) {
        struct fib_stats st;
        run_fib_stats(f[i], &st);
        sum += st.switches;
        if (st.yields != 100 || st.switches < 1 || st.carrier >= run_fib_sched_carriers(s)) rc = -1;
    }
    for (unsigned i = 0; i < run_fib_sched_carriers(s); i++) {
        struct fib_carrier_stats cs;
        run_fib_carrier_stats(s, i, &cs);
        csum += cs.switches;
    }
    free(f);
    scen_done(s);
    SCEN_CHECK(rc == 0, "per-fiber stats wrong or run_fib_run failed");
    SCEN_CHECK(sum == csum, "fibers' switches %llu, carriers' %llu", (unsigned long long)sum,
               (unsigned long long)csum);
    return 0;
}

/* ---- the watchdog sees a fiber that blocks its carrier in the kernel ---- */

static pthread_mutex_t blocker = PTHREAD_MUTEX_INITIALIZER;

static void *blocking_fiber(void *arg)
{
    pthread_mutex_lock(&blocker); /* what a fiber must not do */
    pthread_mutex_unlock(&blocker);
    return arg;
}

static int scen_watchdog(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n)
{
    struct fib_sched *s = scen_sched(sc);
    SCEN_CHECK(s, "run_fib_sched_new failed");
    struct fib *bad, *other;
    pthread_mutex_lock(&blocker);
    run_fib_spawn(s, blocking_fiber, NULL, &bad);
    run_fib_spawn(s, noop_fiber, NULL, &other);
    run_fib_start(s);
    struct fib_stuck st = { 0 };
    int found = 0;
    for (int i = 0; i < 2000 && !found; i++) { /* up to ~10 s */
        lab_prim_threads.sleep_until(scen_now() + 5 * MS);
        found = run_fib_sched_stuck(s, 20 * MS, &st);
    }
    pthread_mutex_unlock(&blocker);
    int rc = run_fib_wait(s);
    uint64_t want = run_fib_id(bad);
    scen_done(s);
    SCEN_CHECK(rc == 0, "run_fib_wait: %d", rc);
    SCEN_CHECK(found, "the watchdog never reported the blocked carrier");
    SCEN_CHECK(st.fiber == want && st.runnable && (st.kstate == 'S' || st.kstate == 'D'),
               "reported fiber %llu (want %llu), runnable %d, state %c",
               (unsigned long long)st.fiber, (unsigned long long)want, st.runnable, st.kstate);
    return 0;
}

const struct fiber_scen fiber_scens[] = {
    { "pingpong", scen_pingpong, 2, 1, 0 },
    { "park", scen_park, 200, 2, 0 },
    { "thread_wake", scen_thread_wake, 50, 2, 0 },
    { "timeout", scen_timeout, 50, 2, 0 },
    { "mutex_1000", scen_mutex, 1000, 2, 0 },
    { "mutex_1000_shared", scen_mutex, 1000, 2, FIB_SHARED_QUEUE },
    { "mutex_10000", scen_mutex, 10000, 2, 0 },
    { "mutex_thread", scen_mixed, 100, 2, 0 },
    { "cond", scen_cond, 8, 2, 0 },
    { "spawn_join", scen_spawn, 8, 2, 0 },
    { "stack_reuse", scen_reuse, 300, 2, 0 },
    { "sleep", scen_sleep, 40, 2, 0 },
    { "stats", scen_stats, 20, 2, 0 },
    { "watchdog", scen_watchdog, 2, 1, 0 },
};
const size_t fiber_scens_len = sizeof fiber_scens / sizeof fiber_scens[0];
