/* bench_fiber: what the fiber runtime costs (a benchmark, not a test).
 *   flock /tmp/contend-bench.lock build/bench_fiber [REPS [FILTER]]
 * Each figure is the median of REPS runs (default 7) with min and max; the
 * load average is printed before and after. FILTER keeps the figures whose
 * name contains it. The single-thread figures (bare, one carrier) are given
 * twice: wall time, and the thread's CPU time (CLOCK_THREAD_CPUTIME_ID:
 * time preempted by other processes does not count). Figures:
 *   - a bare fcontext round trip (two jump_fcontext), for reference;
 *   - a yield round trip between two fibers on one carrier (A yields to B,
 *     B yields back), rings and shared queue;
 *   - 10,000 yields each by 1,000 fibers on the default carriers, per yield;
 *   - creating and joining 10,000 fibers, warm (stacks from the pool) and
 *     cold (the pool trimmed first: mmap, guard page, first faults);
 *   - a lab_mutex counter, 10,000 fibers on the default carriers, per op;
 *   - lab_mutex lock+unlock uncontended under the threads ops, next to
 *     pthread_mutex (the primitives cost nothing extra under threads). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber_int.h"

#define ROUNDS 1000000u

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void bench_report(const char *what, const char *unit, double *v, int reps)
{
    qsort(v, (size_t)reps, sizeof *v, bench_cmp);
    double med = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
    printf("%-58s %10.2f %-3s [%.2f, %.2f]\n", what, med, unit, v[0], v[reps - 1]);
    fflush(stdout);
}

static void bench_loadavg(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = '\0';
        fclose(f);
    }
    printf("load average %s: %s", when, buf);
}

static uint64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A timed stretch of one thread: wall and CPU nanoseconds. */
struct bench_span {
    uint64_t w0, c0, w1, c1;
};
static void bench_begin(struct bench_span *b)
{
    b->w0 = fiber_now_ns();
    b->c0 = bench_cpu_ns();
}
static void bench_end(struct bench_span *b)
{
    b->c1 = bench_cpu_ns();
    b->w1 = fiber_now_ns();
}
static double bench_per(const struct bench_span *b, int cpu, double n)
{
    return (double)(cpu ? b->c1 - b->c0 : b->w1 - b->w0) / n;
}

/* ---- a bare fcontext round trip ---- */

static void bench_bare_entry(fib_transfer t)
{
    for (;;) t = jump_fcontext(t.fctx, NULL);
}

static double bench_bare(int cpu)
{
    static char stack[64 << 10];
    void *ctx = make_fcontext(stack + sizeof stack, sizeof stack, bench_bare_entry);
    struct bench_span b;
    bench_begin(&b);
    for (unsigned i = 0; i < ROUNDS; i++) ctx = jump_fcontext(ctx, NULL).fctx;
    bench_end(&b);
    return bench_per(&b, cpu, ROUNDS);
}

/* ---- yield round trips ---- */

/* One carrier: the first fiber to start and the last to end bound it. */
static void *bench_yielder(void *arg)
{
    struct bench_span *b = arg, mine;
    bench_begin(&mine);
    for (unsigned i = 0; i < ROUNDS; i++) lab_yield(); /* as variants do */
    bench_end(&mine);
    if (!b->w0) {
        b->w0 = mine.w0;
        b->c0 = mine.c0;
    }
    b->w1 = mine.w1;
    b->c1 = mine.c1;
    return NULL;
}

static void *bench_spinner(void *arg)
{
    for (uintptr_t i = (uintptr_t)arg; i; i--) lab_yield();
    return NULL;
}

/* ns per yield of `fibers` fibers doing `rounds` yields on `carriers`. */
static double bench_yields(unsigned fibers, unsigned carriers, unsigned flags, unsigned rounds)
{
    struct fib_sched *s;
    if (run_fib_sched_new(carriers, 0, flags, &s)) exit(1);
    for (unsigned i = 0; i < fibers; i++)
        run_fib_spawn(s, bench_spinner, (void *)(uintptr_t)rounds, NULL);
    uint64_t t0 = fiber_now_ns();
    run_fib_run(s);
    uint64_t t1 = fiber_now_ns();
    run_fib_sched_free(s);
    return (double)(t1 - t0) / ((double)fibers * rounds);
}

static double bench_pingpong(unsigned flags, int cpu)
{
    struct fib_sched *s;
    if (run_fib_sched_new(1, 0, flags, &s)) exit(1);
    struct bench_span b = { 0 };
    run_fib_spawn(s, bench_yielder, &b, NULL);
    run_fib_spawn(s, bench_yielder, &b, NULL);
    run_fib_run(s);
    run_fib_sched_free(s);
    return bench_per(&b, cpu, ROUNDS); /* A's yield + B's yield */
}

/* ---- create and join ---- */

static void *bench_noop(void *arg) { return arg; }

static double bench_create(unsigned n, int cold)
{
    static struct fib *f[10000];
    if (cold) run_fib_pool_trim();
    uint64_t t0 = fiber_now_ns();
    struct fib_sched *s;
    if (run_fib_sched_new(0, 0, 0, &s)) exit(1);
    for (unsigned i = 0; i < n; i++)
        if (run_fib_spawn(s, bench_noop, NULL, &f[i])) exit(1);
    run_fib_start(s);
    for (unsigned i = 0; i < n; i++) run_fib_join(f[i], NULL);
    run_fib_wait(s);
    run_fib_sched_free(s);
    return (double)(fiber_now_ns() - t0) / 1e6;
}

/* ---- lab_mutex ---- */

struct bench_count {
    struct lab_mutex m;
    unsigned long count;
    unsigned iters;
};

static void *bench_counter(void *arg)
{
    struct bench_count *c = arg;
    for (unsigned i = 0; i < c->iters; i++) {
        lab_mutex_lock(&c->m);
        c->count++;
        lab_mutex_unlock(&c->m);
    }
    return NULL;
}

static double bench_mutex_fibers(unsigned fibers, unsigned flags)
{
    struct fib_sched *s;
    if (run_fib_sched_new(0, 0, flags, &s)) exit(1);
    lab_prim_install(run_fib_prim_bind(s));
    struct bench_count c = { LAB_MUTEX_INIT, 0, 100 };
    for (unsigned i = 0; i < fibers; i++) run_fib_spawn(s, bench_counter, &c, NULL);
    uint64_t t0 = fiber_now_ns();
    run_fib_run(s);
    uint64_t t1 = fiber_now_ns();
    lab_prim_install(&lab_prim_fibers);
    run_fib_prim_bind(NULL);
    run_fib_sched_free(s);
    if (c.count != (unsigned long)fibers * c.iters) exit(2);
    return (double)(t1 - t0) / (double)c.count;
}

static double bench_lab_mutex(void)
{
    struct lab_mutex m = LAB_MUTEX_INIT;
    volatile unsigned long x = 0;
    uint64_t t0 = fiber_now_ns();
    for (unsigned i = 0; i < 10 * ROUNDS; i++) {
        lab_mutex_lock(&m);
        x++;
        lab_mutex_unlock(&m);
    }
    return (double)(fiber_now_ns() - t0) / (10.0 * ROUNDS);
}

static double bench_pthread_mutex(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    volatile unsigned long x = 0;
    uint64_t t0 = fiber_now_ns();
    for (unsigned i = 0; i < 10 * ROUNDS; i++) {
        pthread_mutex_lock(&m);
        x++;
        pthread_mutex_unlock(&m);
    }
    return (double)(fiber_now_ns() - t0) / (10.0 * ROUNDS);
}

int main(int argc, char **argv)
{
    int reps = 7;
    if (argc > 1) {
        char *end;
        long r = strtol(argv[1], &end, 10);
        if (end == argv[1] || *end || r < 1 || r > 100) {
            fprintf(stderr, "usage: bench_fiber [REPS (1 to 100) [FILTER]]\n");
            return 2;
        }
        reps = (int)r;
    }
    const char *filter = argc > 2 ? argv[2] : "";
    double v[100];
    unsigned P = run_fib_default_carriers();
    lab_prim_install(&lab_prim_fibers); /* the lab_mutex figures switch it */
    printf("bench_fiber: %d reps, median [min, max]; %u carriers by default\n", reps, P);
    bench_loadavg("before");
#define BENCH(what, unit, expr)                       \
    do {                                              \
        if (!strstr(what, filter)) break;             \
        for (int r = 0; r < reps; r++) v[r] = (expr); \
        bench_report(what, unit, v, reps);            \
    } while (0)
    BENCH("bare fcontext round trip, wall", "ns", bench_bare(0));
    BENCH("bare fcontext round trip, CPU", "ns", bench_bare(1));
    BENCH("yield round trip, 2 fibers, 1 carrier (rings), wall", "ns", bench_pingpong(0, 0));
    BENCH("yield round trip, 2 fibers, 1 carrier (rings), CPU", "ns", bench_pingpong(0, 1));
    BENCH("yield round trip, 2 fibers, 1 carrier (shared), wall", "ns",
          bench_pingpong(FIB_SHARED_QUEUE, 0));
    BENCH("yield round trip, 2 fibers, 1 carrier (shared), CPU", "ns",
          bench_pingpong(FIB_SHARED_QUEUE, 1));
    BENCH("yield, 1,000 fibers x 1,000, default carriers (rings)", "ns",
          bench_yields(1000, P, 0, 1000));
    BENCH("yield, 1,000 fibers x 1,000, default carriers (shared)", "ns",
          bench_yields(1000, P, FIB_SHARED_QUEUE, 1000));
    bench_create(10000, 0); /* fill the pool */
    BENCH("create+join 10,000 fibers, warm pool", "ms", bench_create(10000, 0));
    BENCH("create+join 10,000 fibers, cold (pool trimmed)", "ms", bench_create(10000, 1));
    BENCH("lab_mutex counter, 10,000 fibers x 100 (rings), per op", "ns",
          bench_mutex_fibers(10000, 0));
    BENCH("lab_mutex counter, 10,000 fibers x 100 (shared), per op", "ns",
          bench_mutex_fibers(10000, FIB_SHARED_QUEUE));
    lab_prim_install(NULL); /* the threads ops */
    BENCH("lab_mutex lock+unlock, threads ops, uncontended", "ns", bench_lab_mutex());
    BENCH("pthread_mutex lock+unlock, uncontended", "ns", bench_pthread_mutex());
    bench_loadavg("after");
    return 0;
}
