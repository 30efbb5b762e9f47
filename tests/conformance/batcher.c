/* Batcher conformance: the contract in impls/lab_batcher.h, checked for one
 * implementation at a time: every item delivered exactly once (lost,
 * duplicated and foreign items told apart), from a few items to millions,
 * the sink never called concurrently, close() delivering the tail, the
 * timeout, back-pressure, invalid configurations refused, and no memory
 * left allocated after destroy(). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"
#include "lab_batcher.h"
#include "lab_util.h"

/* A checking sink: every item seen once, never two deliveries at a time. */
struct tsink {
    _Atomic int inside;
    int overlapped;
    unsigned char *seen; /* by item index */
    uint64_t nitems, per_thread;
    _Atomic uint64_t delivered;
    uint64_t dups, bogus, batches, oversize;
    size_t batch;
    unsigned sleep_us;      /* slow consumer */
    int track;              /* count add() calls (a shared atomic: back-pressure only) */
    _Atomic uint64_t added; /* add() calls that returned */
    uint64_t max_outstanding;
    _Atomic int hold; /* while set, deliver() waits: a blocked consumer */
};

static void tsink_deliver(void *arg, const uint64_t *items, size_t n)
{
    struct tsink *s = arg;
    if (atomic_exchange(&s->inside, 1)) s->overlapped = 1;
    conf_tick();
    uint64_t added = atomic_load(&s->added), done = atomic_load(&s->delivered);
    if (s->track && added >= done && added - done > s->max_outstanding)
        s->max_outstanding = added - done;
    s->batches++;
    if (n == 0 || n > s->batch) s->oversize++;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = items[i] >> 40, k = items[i] & ((1ull << 40) - 1);
        uint64_t idx = t * s->per_thread + k;
        if (k >= s->per_thread || idx >= s->nitems) {
            s->bogus++;
            continue;
        }
        if (s->seen[idx]) s->dups++;
        s->seen[idx] = 1;
    }
    atomic_fetch_add(&s->delivered, n);
    /* a consumer fiber sleeps, not its carrier */
    if (s->sleep_us) conf_sleep_us(s->sleep_us);
    while (atomic_load(&s->hold)) conf_sleep_us(1000);
    atomic_store(&s->inside, 0);
}

struct bh {
    const struct lab_batcher *b;
    void *self;
    struct tsink sink;
    unsigned producers;
    _Atomic unsigned entered;     /* producers that have started adding */
    struct lab_alloc_totals mark; /* before create() */
};

static int bh_setup(struct bh *h, const char *name, struct lab_batcher_cfg cfg, unsigned producers,
                    uint64_t per_thread, char *msg, size_t len)
{
    memset(h, 0, sizeof *h);
    h->b = (const struct lab_batcher *)run_registry_find("batcher", name);
    CHECK(h->b, "batcher/%s is not registered", name);
    h->producers = producers;
    h->sink.per_thread = per_thread;
    h->sink.nitems = per_thread * producers;
    h->sink.seen = conf_calloc(h->sink.nitems, 1);
    CHECK(h->sink.seen, "out of memory for %llu items", (unsigned long long)h->sink.nitems);
    h->sink.batch = cfg.batch_size;
    cfg.nthreads = producers;
    struct lab_sink sink = { tsink_deliver, &h->sink };
    conf_mark(&h->mark);
    int rc = h->b->create(&cfg, &sink, &h->self);
    CHECK(rc == 0, "create failed: %s", strerror(-rc));
    if ((rc = conf_attach(&h->b->base, h->self)) != 0) {
        h->b->destroy(h->self);
        h->self = NULL;
    }
    CHECK(rc == 0, "thread_init failed: %s", strerror(-rc));
    return 0;
}

struct prod {
    struct bh *h;
    unsigned idx;
    uint64_t count;
    void *tstate;
    int err;
    struct conf_task task;
    pthread_t tid; /* the thread it runs on (its CPU clock, under threads) */
};

static void *producer(void *arg)
{
    struct prod *p = arg;
    const struct lab_batcher *b = p->h->b;
    p->tid = pthread_self();
    atomic_fetch_add(&p->h->entered, 1);
    for (uint64_t k = 0; k < p->count; k++) {
        int rc = b->add(p->h->self, p->tstate, ((uint64_t)p->idx << 40) | k);
        if (rc) {
            p->err = rc;
            break;
        }
        if (p->h->sink.track) atomic_fetch_add(&p->h->sink.added, 1);
        if (k % 256 == 0) conf_tick();
    }
    int rc = b->flush(p->h->self, p->tstate);
    if (rc && !p->err) p->err = rc;
    return NULL;
}

/* Starts producer idx adding h->sink.per_thread items. 0 or a negative
   errno. */
static int prod_start(struct bh *h, struct prod *p, unsigned idx)
{
    *p = (struct prod){ .h = h, .idx = idx, .count = h->sink.per_thread };
    if (h->b->base.thread_state && !(p->tstate = lab_calloc_aligned(h->b->base.thread_state)))
        return -ENOMEM;
    int err = conf_spawn(&p->task, &h->b->base, h->self, producer, p);
    if (err) {
        free(p->tstate);
        p->tstate = NULL;
    }
    return err;
}

/* Joins producers [0, k); returns the first error any of them saw (or
   their thread_init returned). */
static int prod_join(struct prod *p, unsigned k)
{
    int first = 0;
    for (unsigned i = 0; i < k; i++) {
        int hook = conf_join(&p[i].task);
        if ((hook || p[i].err) && !first) first = hook ? hook : p[i].err;
        free(p[i].tstate);
        p[i].tstate = NULL;
    }
    return first;
}

static int run_producers(struct bh *h, char *msg, size_t len)
{
    struct prod *p = calloc(h->producers, sizeof *p);
    CHECK(p, "out of memory");
    unsigned made = 0;
    int err = 0;
    for (; made < h->producers; made++)
        if ((err = prod_start(h, &p[made], made)) != 0) break;
    int first = prod_join(p, made);
    free(p);
    CHECK(!err, "lab_spawn failed after %u producers: %s", made, strerror(-err));
    CHECK(!first, "add/flush (or thread_init) returned %s", strerror(-first));
    return 0;
}

static int check_exactly_once(struct bh *h, char *msg, size_t len)
{
    struct tsink *s = &h->sink;
    CHECK(!s->overlapped, "the sink was called concurrently with itself");
    CHECK(!s->bogus, "foreign: %llu delivered items were never added",
          (unsigned long long)s->bogus);
    CHECK(!s->dups, "duplicated: %llu items delivered twice", (unsigned long long)s->dups);
    CHECK(!s->oversize, "%llu batches empty or larger than the batch size",
          (unsigned long long)s->oversize);
    uint64_t missing = 0;
    for (uint64_t i = 0; i < s->nitems; i++) missing += !s->seen[i];
    CHECK(!missing, "lost: %llu of %llu items never delivered", (unsigned long long)missing,
          (unsigned long long)s->nitems);
    return 0;
}

static void bh_free(struct bh *h)
{
    if (h->self) {
        conf_detach(&h->b->base, h->self);
        h->b->destroy(h->self);
    }
    conf_free(h->sink.seen);
}

/* The end of a check that passed so far: destroy(), then nothing the
   variant allocated may be left. */
static int bh_done(struct bh *h, char *msg, size_t len)
{
    conf_detach(&h->b->base, h->self);
    h->b->destroy(h->self);
    h->self = NULL;
    int rc = conf_no_leak(&h->mark, msg, len);
    bh_free(h);
    return rc;
}

static const struct lab_batcher_cfg base_cfg = {
    .batch_size = 16,
    .queue_size = 64,
    .timeout_ms = 5,
    .pad = 64,
};

#define TRY(x)           \
    do {                 \
        if ((x) != 0) {  \
            bh_free(&h); \
            return -1;   \
        }                \
    } while (0)

/* close(), then every item delivered exactly once. */
static int close_and_check(struct bh *h, char *msg, size_t len)
{
    int rc = h->b->close(h->self);
    CHECK(rc == 0, "close returned %s", strerror(-rc));
    return check_exactly_once(h, msg, len);
}

static int exactly_once(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    uint64_t per = n >= 1000 ? 40 : n >= 64 ? 200 : 3000;
    TRY(bh_setup(&h, impl, base_cfg, n, per, msg, len));
    TRY(run_producers(&h, msg, len));
    if (h.b->base.caps & LAB_CAP_DISCARDS) {
        int rc = h.b->close(h.self);
        if (rc || atomic_load(&h.sink.delivered)) {
            snprintf(msg, len,
                     rc ? "close returned an error" : "a discarding variant delivered items");
            bh_free(&h);
            return -1;
        }
    } else {
        TRY(close_and_check(&h, msg, len));
    }
    return bh_done(&h, msg, len);
}

/* Millions of items (a loss of one in 100,000 shows): the same check. */
#if defined(__SANITIZE_THREAD__)
/* TSan runs this 5 to 15 times slower; under fibers each of its fiber
   switches is costly too, and ck_ring's in-order publishing yields for
   about every item (16 producers: over 2 minutes with 1,000,000) */
#define MANY_ITEMS (conf_fibers() ? 200000u : 1000000u)
#else
#define MANY_ITEMS 2000000u
#endif

static int exactly_once_many(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    /* the run's default batch and queue: this check is about volume (tiny
       batches and queues are exactly_once_tiny_batches') */
    struct lab_batcher_cfg cfg = base_cfg;
    cfg.batch_size = 100;
    cfg.queue_size = 10000;
    TRY(bh_setup(&h, impl, cfg, n, MANY_ITEMS / n, msg, len));
    TRY(run_producers(&h, msg, len));
    TRY(close_and_check(&h, msg, len));
    return bh_done(&h, msg, len);
}

/* Batches of one item and two buffers: every add swaps or recycles a buffer,
   the tightest window for races between a swap and stale producers. */
static int exactly_once_tiny_batches(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    struct lab_batcher_cfg cfg = base_cfg;
    cfg.batch_size = 1;
    cfg.queue_size = 1;
    TRY(bh_setup(&h, impl, cfg, n, n >= 64 ? 100 : 2000, msg, len));
    TRY(run_producers(&h, msg, len));
    TRY(close_and_check(&h, msg, len));
    return bh_done(&h, msg, len);
}

static int close_delivers_tail(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    struct lab_batcher_cfg cfg = base_cfg;
    cfg.timeout_ms = 0; /* nothing else will flush */
    TRY(bh_setup(&h, impl, cfg, n, 3 * cfg.batch_size + 7, msg, len));
    TRY(run_producers(&h, msg, len));
    TRY(close_and_check(&h, msg, len));
    return bh_done(&h, msg, len);
}

static int timeout_flushes_partial(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    struct lab_batcher_cfg cfg = base_cfg;
    cfg.batch_size = 1000;
    cfg.queue_size = 4000;
    cfg.timeout_ms = 10;
    TRY(bh_setup(&h, impl, cfg, n, 5, msg, len));
    TRY(run_producers(&h, msg, len));
    /* generous: the timeout is 10 ms, we wait up to 10 s */
    for (int i = 0; i < 1000 && atomic_load(&h.sink.delivered) < 5ull * n; i++, conf_tick())
        usleep(10000);
    uint64_t got = atomic_load(&h.sink.delivered);
    if (got != 5ull * n) {
        snprintf(msg, len, "the timeout flushed %llu of %u items in 10 s", (unsigned long long)got,
                 5 * n);
        bh_free(&h);
        return -1;
    }
    TRY(close_and_check(&h, msg, len));
    return bh_done(&h, msg, len);
}

static int backpressure_bounds_memory(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    struct lab_batcher_cfg cfg = base_cfg;
    cfg.batch_size = 10;
    cfg.queue_size = 40;
    TRY(bh_setup(&h, impl, cfg, n, 300, msg, len));
    h.sink.sleep_us = 1000; /* a slow consumer */
    h.sink.track = 1;
    TRY(run_producers(&h, msg, len));
    TRY(close_and_check(&h, msg, len));
    uint64_t bound = cfg.queue_size + 2 * cfg.batch_size + n;
    if (h.sink.max_outstanding > bound) {
        snprintf(msg, len, "%llu items accepted but undelivered (bound %llu): no back-pressure",
                 (unsigned long long)h.sink.max_outstanding, (unsigned long long)bound);
        bh_free(&h);
        return -1;
    }
    return bh_done(&h, msg, len);
}

/* ---- back-pressure against a blocked consumer (sink held shut) ---- */

/* Three buffers: one being delivered, two queued; 12 items in all. */
static const struct lab_batcher_cfg held_cfg = {
    .batch_size = 4,
    .queue_size = 8,
    .timeout_ms = 0,
    .pad = 64,
};

/* Waits up to 10 s until want adds have returned; returns how many did. */
static uint64_t wait_added(struct bh *h, uint64_t want)
{
    for (int i = 0; i < 10000 && atomic_load(&h->sink.added) < want; i++) {
        usleep(1000);
        conf_tick(); /* the check itself is alive: it has its own limit */
    }
    return atomic_load(&h->sink.added);
}

/* With the sink blocked, a back-pressured variant still takes what it is
   configured to hold: a batch being delivered plus queue_size queued. In
   snail's hybrid the pull is lazy: the add() that fills the last free
   buffer returns, and only the next add() waits for a buffer. */
static int backpressure_holds_queue(const char *impl, unsigned n, char *msg, size_t len)
{
    (void)n;
    struct bh h;
    const uint64_t cap = held_cfg.batch_size + held_cfg.queue_size;
    TRY(bh_setup(&h, impl, held_cfg, 1, cap, msg, len));
    h.sink.track = 1;
    atomic_store(&h.sink.hold, 1);
    struct prod p;
    int err = prod_start(&h, &p, 0);
    uint64_t got = err ? 0 : wait_added(&h, cap);
    atomic_store(&h.sink.hold, 0);
    int first = err ? 0 : prod_join(&p, 1);
    if (err || first || got < cap) {
        if (err)
            snprintf(msg, len, "lab_spawn: %s", strerror(-err));
        else if (first)
            snprintf(msg, len, "add/flush returned %s", strerror(-first));
        else
            snprintf(msg, len,
                     "with the sink blocked, %llu of %llu adds (batch + queue) returned "
                     "in 10 s: the add() that fills the last free buffer waits for the next one",
                     (unsigned long long)got, (unsigned long long)cap);
        bh_free(&h);
        return -1;
    }
    TRY(close_and_check(&h, msg, len));
    bh_free(&h);
    return 0;
}

static double thread_cpu_ms(pthread_t t)
{
    clockid_t c;
    struct timespec ts;
    if (pthread_getcpuclockid(t, &c) || clock_gettime(c, &ts)) return -1;
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct spinner {
    _Atomic int stop;
};

static void *spin_yield(void *arg)
{
    struct spinner *s = arg;
    while (!atomic_load(&s->stop)) sched_yield();
    return NULL;
}

/* The CPU time (ms) each of the n producers' threads uses over one window, and
   that of a thread spinning on sched_yield over the same window: the
   yardstick, so that the check does not depend on the machine's load. The
   window lasts at least 300 ms and until the spinner has had 50 ms of CPU,
   at most 20 s. 0, or -1 when a clock cannot be read. */
static int waiters_cpu(const struct prod *w, unsigned n, double *cpu, double *spin_ms)
{
    struct spinner s = { 0 };
    pthread_t st;
    if (pthread_create(&st, NULL, spin_yield, &s)) return -1;
    int bad = 0;
    double s0 = thread_cpu_ms(st);
    for (unsigned i = 0; i < n; i++) bad |= (cpu[i] = thread_cpu_ms(w[i].tid)) < 0;
    uint64_t t0 = lab_now_ns();
    for (;;) {
        usleep(10000);
        conf_tick();
        uint64_t el = lab_now_ns() - t0;
        if ((el >= 300000000u && thread_cpu_ms(st) - s0 >= 50) || el >= 20000000000u) break;
    }
    for (unsigned i = 0; i < n; i++) {
        double c = thread_cpu_ms(w[i].tid);
        bad |= c < 0;
        cpu[i] = c - cpu[i];
    }
    *spin_ms = thread_cpu_ms(st) - s0;
    atomic_store(&s.stop, 1);
    pthread_join(st, NULL);
    return bad || *spin_ms <= 0 ? -1 : 0;
}

/* Producers that wait for room sleep: with the sink blocked and the variant
   full, n producers blocked in add() use, all together, under 30% of the
   CPU that one sched_yield spinner gets in the same window (n spinners get
   about n times as much, wherever the scheduler puts them; sleepers get
   none). In snail's hybrid they sleep on newBackBufferLock and in the pull;
   a port that pulls while it holds the spin lock leaves them spinning on a
   holder that sleeps. */
static int backpressure_waiters_sleep(const char *impl, unsigned n, char *msg, size_t len)
{
    struct bh h;
    const uint64_t cap = held_cfg.batch_size + held_cfg.queue_size;
    TRY(bh_setup(&h, impl, held_cfg, n + 1, cap - 1, msg, len));
    h.sink.track = 1;
    struct prod *p = calloc(n + 1, sizeof *p);
    double *cpu = calloc(n, sizeof *cpu), spin_ms = 0;
    unsigned made = 0;
    int rc = -1;
    atomic_store(&h.sink.hold, 1);
    if (!p || !cpu) {
        snprintf(msg, len, "out of memory");
        goto out;
    }
    /* the filler stops one add short of full, so it returns in any variant */
    if (prod_start(&h, &p[0], 0) != 0) {
        snprintf(msg, len, "lab_spawn failed");
        goto out;
    }
    made = 1;
    uint64_t got = wait_added(&h, cap - 1);
    if (got < cap - 1) {
        snprintf(msg, len, "with the sink blocked, %llu of %llu adds returned in 10 s",
                 (unsigned long long)got, (unsigned long long)cap - 1);
        goto out;
    }
    for (; made < n + 1; made++)
        if (prod_start(&h, &p[made], made) != 0) {
            snprintf(msg, len, "lab_spawn failed");
            goto out;
        }
    for (int i = 0; i < 10000 && atomic_load(&h.entered) < n + 1; i++, conf_tick()) usleep(1000);
    usleep(50000); /* let them reach their wait */
    if (waiters_cpu(p + 1, n, cpu, &spin_ms) != 0) {
        snprintf(msg, len, "cannot read the threads' CPU clocks");
        goto out;
    }
    got = atomic_load(&h.sink.added);
    if (got > cap) {
        snprintf(msg, len,
                 "%llu adds returned with the sink blocked and room for %llu: "
                 "no back-pressure",
                 (unsigned long long)got, (unsigned long long)cap);
        goto out;
    }
    double sum = 0;
    for (unsigned i = 0; i < n; i++) sum += cpu[i];
    if (sum >= 0.3 * spin_ms) {
        snprintf(msg, len,
                 "%u producers blocked in add() used %.1f ms of CPU together while a "
                 "sched_yield spinner used %.1f ms (limit 30%%): producers waiting for room "
                 "must sleep, not spin",
                 n, sum, spin_ms);
        goto out;
    }
    rc = 0;
out:
    atomic_store(&h.sink.hold, 0);
    int first = made ? prod_join(p, made) : 0;
    if (rc == 0 && first) {
        snprintf(msg, len, "add/flush returned %s", strerror(-first));
        rc = -1;
    }
    if (rc == 0) rc = close_and_check(&h, msg, len);
    free(p);
    free(cpu);
    bh_free(&h);
    return rc;
}

static void noop_deliver(void *arg, const uint64_t *items, size_t n)
{
    (void)arg;
    (void)items;
    (void)n;
}

static int rejects_invalid_config(const char *impl, unsigned n, char *msg, size_t len)
{
    (void)n;
    const struct lab_batcher *b = (const struct lab_batcher *)run_registry_find("batcher", impl);
    CHECK(b, "batcher/%s is not registered", impl);
    struct lab_sink sink = { noop_deliver, NULL };
    struct lab_alloc_totals mark;
    conf_mark(&mark);
    static const struct {
        size_t batch, queue;
    } bad[] = {
        { 0, 64 }, { 16, 0 }, { 10, 25 }, { 100, 10 }, { 1u << 25, 1u << 25 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct lab_batcher_cfg cfg = base_cfg;
        cfg.batch_size = bad[i].batch;
        cfg.queue_size = bad[i].queue;
        void *self = NULL;
        CHECK(b->create(&cfg, &sink, &self) == -EINVAL, "batch %zu, queue %zu was accepted",
              bad[i].batch, bad[i].queue);
        CHECK(lab_batcher_cfg_error(&cfg), "lab_batcher_cfg_error accepts batch %zu queue %zu",
              bad[i].batch, bad[i].queue);
    }
    void *self = NULL;
    CHECK(b->create(&base_cfg, NULL, &self) == -EINVAL, "a NULL sink was accepted");
    struct lab_sink nodeliver = { NULL, NULL };
    CHECK(b->create(&base_cfg, &nodeliver, &self) == -EINVAL,
          "a sink without deliver was accepted");
    return conf_no_leak(&mark, msg, len);
}

const struct conf_case batcher_cases[] = {
    { "batcher", "exactly_once", exactly_once, 0, 0, { 1, 2, 8, 64, 1000 } },
    { "batcher", "exactly_once_many", exactly_once_many, 0, LAB_CAP_DISCARDS, { 2, 8, 16 } },
    { "batcher",
      "exactly_once_tiny_batches",
      exactly_once_tiny_batches,
      0,
      LAB_CAP_DISCARDS,
      { 4, 64 } },
    { "batcher", "close_delivers_tail", close_delivers_tail, 0, LAB_CAP_DISCARDS, { 1, 4 } },
    { "batcher", "timeout_flushes_partial", timeout_flushes_partial, LAB_CAP_TIMEOUT, 0, { 1, 3 } },
    { "batcher",
      "backpressure_bounds_memory",
      backpressure_bounds_memory,
      LAB_CAP_BACKPRESSURE,
      0,
      { 4 } },
    { "batcher",
      "backpressure_holds_queue",
      backpressure_holds_queue,
      LAB_CAP_BACKPRESSURE,
      0,
      { 1 } },
    { "batcher",
      "backpressure_waiters_sleep",
      backpressure_waiters_sleep,
      LAB_CAP_BACKPRESSURE,
      0,
      { 4 },
      "it compares the waiting producers' thread CPU time with a sched_yield spinner's: "
      "under fibers a parked producer has no thread of its own (its carrier runs others)" },
    { "batcher", "rejects_invalid_config", rejects_invalid_config, 0, 0, { 1 } },
    { 0 }
};
