/* The fiber runner (--runner fibers[:P]): the workers are fibers on P
 * carrier threads (fiber.h), as goroutines on GOMAXPROCS. The variant sees
 * the same lab_prim calls: a yield is a user-space switch, a contended
 * lab_mutex parks the fiber, lab_spawn in create() makes a fiber.
 *
 * Order of a trial: the scheduler is made, its ops installed and its
 * carriers started before the driver's setup (so the variant's own tasks
 * are fibers, running when the setup needs them: an actor answering the
 * prefill); once the variant exists each carrier calls its thread_init
 * (under fibers the OS threads that call it are the carriers); the
 * carriers stop after the driver's finish (a consumer fiber drains in
 * close()). Counters are per carrier
 * thread, counting from the gate to the last worker's end; context switches
 * are the carriers' kernel switches, not fiber switches. A watchdog thread
 * reports a carrier blocked in the kernel by a fiber (a blocking call the
 * variant should have made through lab_prim) instead of letting the trial
 * hang until its timeout. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fiber.h"
#include "runner_int.h"

/* a carrier blocked in the kernel this long by one fiber ends the trial */
#define FIBERS_STUCK_NS (10ull * 1000000000ull)
/* Go's sysmon preempts a goroutine after 10 ms: the preemption tick */
#define FIBERS_TICK_US 10000
#define FIBERS_WATCH_EVERY 25 /* ticks between two watchdog looks */

struct fibers {
    struct fib_sched *s;
    unsigned ncar;
    struct ctr_plan plan;
    struct ctr_thread *ct; /* one per carrier, or NULL */
    int init_err;          /* a carrier's thread_init failed */
    pthread_t wd;
    _Atomic int wd_stop, wd_up;
    int wd_running;
};

static void runner_fibers_carrier_start(void *arg, unsigned carrier)
{
    struct fibers *f = ((struct trial_ctx *)arg)->rstate;
    if (f->ct) run_ctr_thread_open(&f->ct[carrier]);
}

static void runner_fibers_carrier_end(void *arg, unsigned carrier)
{
    struct trial_ctx *c = arg;
    struct fibers *f = c->rstate;
    if (f->ct) run_ctr_thread_close(&f->ct[carrier]);
}

static void runner_fibers_count_start(void *arg, unsigned carrier)
{
    struct fibers *f = ((struct trial_ctx *)arg)->rstate;
    run_ctr_thread_start(&f->ct[carrier]);
}

static void runner_fibers_count_stop(void *arg, unsigned carrier)
{
    struct fibers *f = ((struct trial_ctx *)arg)->rstate;
    run_ctr_thread_stop(&f->ct[carrier]);
}

/* The variant's per-thread hooks on every carrier (fiber.h). */
struct fibers_hooks {
    const struct lab_impl *m;
    void *self;
    _Atomic int err; /* the first thread_init that failed */
};

static void runner_fibers_hook_init(void *arg, unsigned carrier)
{
    struct fibers_hooks *h = arg;
    (void)carrier;
    int rc = h->m->thread_init(h->self), none = 0;
    if (rc) atomic_compare_exchange_strong(&h->err, &none, rc);
}

static void runner_fibers_hook_exit(void *arg, unsigned carrier)
{
    struct fibers_hooks *h = arg;
    (void)carrier;
    h->m->thread_exit(h->self);
}

int run_fib_carriers_init(struct fib_sched *s, const struct lab_impl *m, void *self)
{
    if (!m->thread_init) return 0;
    struct fibers_hooks h = { m, self, 0 };
    int rc = run_fib_on_carriers(s, runner_fibers_hook_init, &h);
    return rc ? rc : atomic_load(&h.err);
}

void run_fib_carriers_exit(struct fib_sched *s, const struct lab_impl *m, void *self)
{
    if (!m->thread_exit) return;
    struct fibers_hooks h = { m, self, 0 };
    run_fib_on_carriers(s, runner_fibers_hook_exit, &h);
}

static void runner_fibers_started(void *arg, unsigned carrier)
{
    (void)arg;
    (void)carrier;
}

int run_fib_session_open(unsigned carriers, void (*on_start)(void *arg, unsigned carrier),
                         void (*on_exit)(void *arg, unsigned carrier), void *arg,
                         struct fib_sched **out, char *err, size_t n)
{
    struct fib_sched *s;
    int rc = run_fib_sched_new(carriers, 0, 0, &s);
    if (rc) {
        snprintf(err, n, "fibers: cannot make a scheduler: %s", strerror(-rc));
        return rc;
    }
    run_fib_sched_hooks(s, on_start, on_exit, arg);
    lab_prim_install(run_fib_prim_bind(s));
    rc = run_fib_start(s);
    if (rc) {
        snprintf(err, n, "fibers: cannot start the carriers: %s", strerror(-rc));
        run_fib_prim_bind(NULL);
        lab_prim_install(NULL);
        run_fib_sched_free(s);
        return rc;
    }
    /* every carrier past its start-up: under the sanitizers a new thread
       allocates and frees a block before it runs (lab_alloc.h), which a
       leak check that begins now must not catch in flight */
    run_fib_on_carriers(s, runner_fibers_started, NULL);
    *out = s;
    return 0;
}

void run_fib_session_close(struct fib_sched *s)
{
    run_fib_wait(s);
    run_fib_prim_bind(NULL);
    lab_prim_install(NULL);
    run_fib_sched_free(s);
}

/* The preemption tick (trial_preempt_point in runner.h), and the watchdog:
   a carrier whose fiber sleeps in the kernel does not come back; say which
   and end the trial (the parent records the message). */
static void *runner_fibers_watchdog(void *arg)
{
    struct trial_ctx *c = arg;
    struct fibers *f = c->rstate;
    atomic_store(&f->wd_up, 1);
    for (unsigned tick = 0; !atomic_load(&f->wd_stop); tick++) {
        usleep(FIBERS_TICK_US);
        atomic_fetch_add_explicit(&c->epoch, 1, memory_order_relaxed);
        struct fib_stuck st;
        if (tick % FIBERS_WATCH_EVERY) continue;
        if (run_fib_sched_stuck(f->s, FIBERS_STUCK_NS, &st) == 1 && st.kstate != 'R') {
            fprintf(stderr,
                    "contend: fiber %llu blocked its carrier %u in the kernel for %.1f s (state "
                    "%c): %s/%s calls a blocking function outside lab_prim (declare "
                    "LAB_CAP_THREADS_ONLY, or block through lab_prim)\n",
                    (unsigned long long)st.fiber, st.carrier, (double)st.for_ns / 1e9, st.kstate,
                    c->impl->family, c->impl->name);
            fflush(stderr);
            _exit(5);
        }
    }
    return NULL;
}

static int runner_fibers_begin(struct trial_ctx *c, char *err, size_t n)
{
    struct fibers *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, n, "fibers: out of memory");
        return -ENOMEM;
    }
    f->ncar = c->o->runner.carriers ? c->o->runner.carriers : run_fib_default_carriers();
    if (c->o->counters.enabled) {
        run_ctr_plan_make(&c->o->counters, f->ncar, &f->plan);
        f->ct = run_ctr_threads_new(&f->plan, f->ncar);
    }
    c->rstate = f;
    c->preempt = 1;
    /* the carriers run from here on: the driver's setup may already need a
       fiber of the variant's (an actor answering the prefill) */
    int rc = run_fib_session_open(f->ncar, runner_fibers_carrier_start, runner_fibers_carrier_end,
                                  c, &f->s, err, n);
    if (rc) {
        free(f->ct);
        free(f);
        c->rstate = NULL;
        return rc;
    }
    /* the workers' stacks, mapped before the clock starts (a trial's child
       process starts with an empty pool): under --start seed creating
       10,000 fibers is then 2-3 ms, not 75 ms of mmap and page faults;
       short of memory, spawning maps them itself */
    (void)run_fib_reserve(f->s, c->threads);
    return 0;
}

static int runner_fibers_start(struct trial_ctx *c, unsigned *created, char *err, size_t n)
{
    struct fibers *f = c->rstate;
    int rc = run_fib_carriers_init(f->s, c->impl, c->self);
    if (rc) {
        f->init_err = rc;
        atomic_store(&c->init_failed, 1);
        rc = 0;
    }
    /* --start seed: the workers run as they are made, so the carriers are
       busy from here on and would make a later call only when idle, at the
       end: count from now */
    if (f->ct && c->o->start == RUN_START_SEED)
        run_fib_on_carriers(f->s, runner_fibers_count_start, c);
    for (*created = 0; !rc && *created < c->threads; ++*created)
        rc = run_fib_spawn(f->s, run_worker_main, &c->w[*created], &c->w[*created].fib);
    if (rc)
        snprintf(err, n, "fibers: cannot start fiber %u of %u: %s", *created + 1, c->threads,
                 strerror(-rc));
    if (!pthread_create(&f->wd, NULL, runner_fibers_watchdog, c)) f->wd_running = 1;
    /* Under the sanitizers a new thread's start-up allocates and frees a
       block before its function runs (lab_alloc.h): wait for it, or a short
       trial's leak check can catch that block in flight. */
    while (f->wd_running && !atomic_load(&f->wd_up)) usleep(100);
    return rc;
}

static void runner_fibers_go(struct trial_ctx *c)
{
    struct fibers *f = c->rstate;
    if (f->ct && c->o->start != RUN_START_SEED)
        run_fib_on_carriers(f->s, runner_fibers_count_start, c);
}

static void runner_fibers_join(struct trial_ctx *c, unsigned created)
{
    struct fibers *f = c->rstate;
    for (unsigned i = 0; i < created; i++) run_fib_join(c->w[i].fib, NULL);
    if (f->ct) run_fib_on_carriers(f->s, runner_fibers_count_stop, c);
}

static void runner_fibers_carriers_exit(struct trial_ctx *c)
{
    struct fibers *f = c->rstate;
    run_fib_carriers_exit(f->s, c->impl, c->self);
}

static void runner_fibers_end(struct trial_ctx *c, struct trial *t)
{
    struct fibers *f = c->rstate;
    if (f->wd_running) {
        atomic_store(&f->wd_stop, 1);
        pthread_join(f->wd, NULL);
    }
    run_fib_session_close(f->s);
    if (t && f->ct) run_ctr_collect(&f->plan, f->ct, f->ncar, t->ops, &t->counters);
    if (t && f->init_err && !t->note[0]) {
        snprintf(t->note, sizeof t->note, "thread_init on a carrier returned %s",
                 strerror(-f->init_err));
        t->verdict = VERDICT_FAIL;
    }
    free(f->ct);
    free(f);
    c->rstate = NULL;
}

const struct runner_kind run_kind_fibers = {
    .name = "fibers",
    .begin = runner_fibers_begin,
    .start = runner_fibers_start,
    .go = runner_fibers_go,
    .join = runner_fibers_join,
    .carriers_exit = runner_fibers_carriers_exit,
    .end = runner_fibers_end,
};
