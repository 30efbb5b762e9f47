/* Counter conformance: the contract in impls/lab_counter.h, checked for one
 * implementation at a time (every registered counter). Workers are this
 * file's own tasks (threads or fibers: conformance.h), released together by
 * a gate so that they contend from the first increment; each does its
 * increments, then flush(), and close() must return the exact total. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/counter.h"
#include "conformance.h"

/* The seed's tests split a fixed number of operations over the goroutines;
   so do these, with a total that takes well under a second per check. */
#define TOTAL 200000u
/* Increments per worker for FIFO spin locks past the CPU count. */
#define FIFO_OVERSUB_PER 20u
/* The most parameters params_at_min sets. */
#define PARAMS_MAX 16

/* Holds the workers until all exist (or releases them to quit). */
struct gate {
    struct lab_mutex mu;
    struct lab_cond cv;
    int open, abandon;
};

struct cw { /* one worker */
    const struct lab_counter *c;
    void *self, *tstate;
    uint64_t incs;
    struct gate *start;
    int err;
};

static void *counter_worker(void *arg)
{
    struct cw *w = arg;
    struct gate *g = w->start;
    lab_mutex_lock(&g->mu);
    while (!g->open) lab_cond_wait(&g->cv, &g->mu, 0);
    int abandon = g->abandon;
    lab_mutex_unlock(&g->mu);
    if (abandon) return NULL;
    for (uint64_t k = 0; k < w->incs && !w->err; k++) {
        w->err = w->c->inc(w->self, w->tstate);
        /* the watchdog tells slow from stuck: a beat every 16 increments,
           or every one when there are few (a FIFO lock oversubscribed
           hands over once per scheduling round: under TSan, 15 hand-offs
           of 100 threads took over 10 s) */
        if (w->incs <= 1000 || k % 16 == 0) conf_tick();
    }
    int rc = w->c->flush(w->self, w->tstate);
    if (rc && !w->err) w->err = rc;
    return NULL;
}

/* Creates counter/impl with its parameters at values (NULL: the defaults,
   as a run gives them). */
static int counter_open(const char *impl, size_t capacity, unsigned n, const double *values,
                        const struct lab_counter **c, void **self, char *msg, size_t len)
{
    *c = (const struct lab_counter *)run_registry_find("counter", impl);
    CHECK(*c, "counter/%s is not registered", impl);
    lab_param_set((*c)->base.params, values);
    struct lab_counter_cfg cfg = { .nthreads = n, .capacity = capacity };
    int rc = (*c)->create(&cfg, self);
    CHECK(rc == 0, "counter/%s: create failed: %s", impl, strerror(-rc));
    rc = conf_attach(&(*c)->base, *self);
    if (rc) (*c)->destroy(*self);
    CHECK(rc == 0, "counter/%s: thread_init failed: %s", impl, strerror(-rc));
    return 0;
}

static void counter_destroy(const struct lab_counter *c, void *self)
{
    conf_detach(&c->base, self);
    c->destroy(self);
}

/* n workers, worker i doing incs[i] increments; joins them all. */
static int counter_run(const struct lab_counter *c, void *self, unsigned n, const uint64_t *incs,
                       char *msg, size_t len)
{
    struct cw *w = calloc(n, sizeof *w);
    struct conf_task *t = calloc(n, sizeof *t);
    struct gate start = { LAB_MUTEX_INIT, LAB_COND_INIT, 0, 0 };
    if (!w || !t) {
        free(w);
        free(t);
        CHECK(0, "out of memory");
    }
    unsigned made = 0;
    int err = 0, nomem = 0, hook = 0;
    for (; made < n; made++) {
        w[made] = (struct cw){ c, self, NULL, incs[made], &start, 0 };
        if (c->base.thread_state && !(w[made].tstate = lab_calloc_aligned(c->base.thread_state)))
            nomem = 1;
        if (nomem || (err = conf_spawn(&t[made], &c->base, self, counter_worker, &w[made])) != 0)
            break;
    }
    lab_mutex_lock(&start.mu);
    start.open = 1;
    start.abandon = made < n;
    lab_cond_broadcast(&start.cv);
    lab_mutex_unlock(&start.mu);
    int first = 0;
    for (unsigned i = 0; i < made; i++) {
        int rc = conf_join(&t[i]);
        if (rc && !hook) hook = rc;
        if (w[i].err && !first) first = w[i].err;
    }
    for (unsigned i = 0; i < n; i++) free(w[i].tstate); /* calloc: NULL past made */
    free(w);
    free(t);
    CHECK(!nomem, "out of memory for worker state");
    CHECK(!err, "lab_spawn failed after %u workers: %s", made, strerror(-err));
    CHECK(!hook, "counter/%s: thread_init returned %s", c->base.name, strerror(-hook));
    CHECK(!first, "counter/%s: inc/flush returned %s", c->base.name, strerror(-first));
    return 0;
}

/* close(), then the total must be want (0 for a discarding variant). */
static int counter_close_expect(const struct lab_counter *c, void *self, uint64_t want, char *msg,
                                size_t len)
{
    uint64_t got = ~0ull;
    int rc = c->close(self, &got);
    counter_destroy(c, self);
    CHECK(rc == 0, "counter/%s: close returned %s", c->base.name, strerror(-rc));
    CHECK(got <= want, "counter/%s counted %llu of %llu increments: %llu extra", c->base.name,
          (unsigned long long)got, (unsigned long long)want, (unsigned long long)(got - want));
    CHECK(got == want, "counter/%s counted %llu of %llu increments: %llu lost", c->base.name,
          (unsigned long long)got, (unsigned long long)want, (unsigned long long)(want - got));
    return 0;
}

/* n workers doing per increments each; the total must be exact. */
static int counter_exact(const char *impl, unsigned n, uint64_t per, const double *values,
                         char *msg, size_t len)
{
    const struct lab_counter *c;
    void *self;
    if (counter_open(impl, 0, n, values, &c, &self, msg, len)) return -1;
    uint64_t *incs = malloc(n * sizeof *incs);
    if (!incs) {
        counter_destroy(c, self);
        CHECK(0, "out of memory");
    }
    for (unsigned i = 0; i < n; i++) incs[i] = per;
    int rc = counter_run(c, self, n, incs, msg, len);
    free(incs);
    if (rc) {
        counter_destroy(c, self);
        return -1;
    }
    uint64_t want = c->base.caps & LAB_CAP_DISCARDS ? 0 : (uint64_t)n * per;
    return counter_close_expect(c, self, want, msg, len);
}

static int exact_count(const char *impl, unsigned n, char *msg, size_t len)
{
    return counter_exact(impl, n, TOTAL / n, NULL, msg, len);
}

static unsigned counter_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    return (unsigned)CPU_COUNT(&set);
}

/* FIFO spin locks: the full count while every worker has a CPU, a token
   count past that (each hand-off then waits for one given thread to be
   scheduled: thousands of increments a second, not millions). */
static int exact_count_fifo(const char *impl, unsigned n, char *msg, size_t len)
{
    return counter_exact(impl, n, n <= counter_cpus() ? TOTAL / n : FIFO_OVERSUB_PER, NULL, msg,
                         len);
}

/* A discarding variant (the harness's cost) counts nothing. */
static int discards_count_nothing(const char *impl, unsigned n, char *msg, size_t len)
{
    return counter_exact(impl, n, 1000, NULL, msg, len);
}

/* The flush-before-close contract: workers with uneven counts (worker 0
   none at all) each flush once, and close() then delivers everything still
   held by a worker's flush or by the variant (a channel of capacity 1: every
   increment but the first waits for the receiver, and close must drain).
   A counter nobody used closes at 0. */
static int flush_then_close(const char *impl, unsigned n, char *msg, size_t len)
{
    const struct lab_counter *c;
    void *self;
    if (counter_open(impl, 1, 0, NULL, &c, &self, msg, len)) return -1;
    if (counter_close_expect(c, self, 0, msg, len)) return -1;

    if (counter_open(impl, 1, n, NULL, &c, &self, msg, len)) return -1;
    uint64_t *incs = malloc(n * sizeof *incs), want = 0;
    if (!incs) {
        counter_destroy(c, self);
        CHECK(0, "out of memory");
    }
    for (unsigned i = 0; i < n; i++) want += incs[i] = (uint64_t)i * 37 % 101;
    int rc = counter_run(c, self, n, incs, msg, len);
    free(incs);
    if (rc) {
        counter_destroy(c, self);
        return -1;
    }
    return counter_close_expect(c, self, want, msg, len);
}

/* Every parameter at the low end of its declared range: the paths a run
   with the defaults rarely takes (no spinning, a yield after every failed
   try, Go's starvation hand-off after 1 us, publication records dropped
   after one idle session, a cohort passing the lock once). The count must
   still be exact. Variants without parameters have nothing to check. */
static int params_at_min(const char *impl, unsigned n, char *msg, size_t len)
{
    const struct lab_counter *c = (const struct lab_counter *)run_registry_find("counter", impl);
    CHECK(c, "counter/%s is not registered", impl);
    const struct lab_param *p = c->base.params;
    double v[PARAMS_MAX];
    size_t k = 0;
    for (; p && p[k].name && k < PARAMS_MAX; k++) v[k] = p[k].min;
    if (!k) return 0;
    CHECK(!p[k].name, "counter/%s declares over %d parameters", impl, PARAMS_MAX);
    uint64_t per =
        c->base.caps & LAB_CAP_NO_OVERSUB && n > counter_cpus() ? FIFO_OVERSUB_PER : TOTAL / n;
    return counter_exact(impl, n, per, v, msg, len);
}

static int rejects_invalid_config(const char *impl, unsigned n, char *msg, size_t len)
{
    (void)n;
    const struct lab_counter *c = (const struct lab_counter *)run_registry_find("counter", impl);
    CHECK(c, "counter/%s is not registered", impl);
    lab_param_set(c->base.params, NULL);
    void *self = NULL;
    CHECK(c->create(NULL, &self) == -EINVAL, "counter/%s accepted a NULL config", impl);
    static const size_t bad[] = { LAB_COUNTER_MAX_CAPACITY + 1, SIZE_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct lab_counter_cfg cfg = { .nthreads = 4, .capacity = bad[i] };
        CHECK(lab_counter_cfg_error(&cfg), "lab_counter_cfg_error accepts capacity %zu", bad[i]);
        CHECK(c->create(&cfg, &self) == -EINVAL, "counter/%s accepted capacity %zu", impl, bad[i]);
    }
    /* a valid one is accepted, and destroy() without close() cleans up */
    struct lab_counter_cfg ok = { .nthreads = 4, .capacity = LAB_COUNTER_MAX_CAPACITY };
    CHECK(!lab_counter_cfg_error(&ok), "lab_counter_cfg_error rejects the maximum capacity");
    ok.capacity = 0;
    int rc = c->create(&ok, &self);
    CHECK(rc == 0, "counter/%s rejected a valid config: %s", impl, strerror(-rc));
    c->destroy(self);
    return 0;
}

const struct conf_case counter_cases[] = {
    { "counter",
      "exact_count",
      exact_count,
      0,
      LAB_CAP_NO_OVERSUB | LAB_CAP_DISCARDS,
      { 1, 2, 16, 100, 1000 } },
    /* LAB_CAP_NO_OVERSUB (ticket, mcs): FIFO spinning collapses past the CPU
       count, so oversubscribed counts do FIFO_OVERSUB_PER increments per
       worker, and 1,000 workers are skipped (minutes of hand-offs). */
    { "counter",
      "exact_count_fifo",
      exact_count_fifo,
      LAB_CAP_NO_OVERSUB,
      LAB_CAP_DISCARDS,
      { 1, 2, 16, 100 } },
    { "counter", "discards_count_nothing", discards_count_nothing, LAB_CAP_DISCARDS, 0, { 1, 4 } },
    { "counter", "flush_then_close", flush_then_close, 0, LAB_CAP_DISCARDS, { 1, 8 } },
    { "counter", "params_at_min", params_at_min, 0, LAB_CAP_DISCARDS, { 2, 16, 100 } },
    { "counter", "rejects_invalid_config", rejects_invalid_config, 0, 0, { 1 } },
    { 0 }
};
