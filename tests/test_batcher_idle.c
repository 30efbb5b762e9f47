/* The timeout guarantee where it is hardest to keep: items that a producer
 * added and then left, without flush() and without adding more. Designs
 * that buffer per thread or per CPU (batcher/perthread, percpu,
 * flat_combining) must reach into those buffers from their consumer; the
 * conformance check timeout_flushes_partial cannot tell, because its
 * producers call flush(). Every batcher with LAB_CAP_TIMEOUT, while its
 * producers sit idle: all their items delivered within 10 s (timeout
 * 10 ms), then exactly once after flush and close. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "lab_batcher.h"
#include "lab_util.h"
#include "testutil.h"

#define IDLE_PRODUCERS 3
#define IDLE_ITEMS 5

struct idle {
    const struct lab_batcher *b;
    void *self;
    _Atomic uint64_t delivered, sum;
    _Atomic int go_on; /* producers flush and leave once set */
};

struct idle_prod {
    struct idle *s;
    unsigned idx;
    int err;
};

static void idle_deliver(void *arg, const uint64_t *items, size_t n)
{
    struct idle *s = arg;
    for (size_t i = 0; i < n; i++) atomic_fetch_add(&s->sum, items[i]);
    atomic_fetch_add(&s->delivered, n);
}

static void *idle_producer(void *arg)
{
    struct idle_prod *p = arg;
    void *ts = p->s->b->base.thread_state ? lab_calloc_aligned(p->s->b->base.thread_state) : NULL;
    for (uint64_t k = 0; k < IDLE_ITEMS && !p->err; k++)
        p->err = p->s->b->add(p->s->self, ts, (uint64_t)p->idx * 100 + k + 1);
    while (!atomic_load(&p->s->go_on)) usleep(1000); /* idle, holding what it added */
    if (!p->err) p->err = p->s->b->flush(p->s->self, ts);
    free(ts);
    return NULL;
}

static void idle_check(const struct lab_batcher *b)
{
    struct idle s = { .b = b };
    const struct lab_batcher_cfg cfg = { .batch_size = 1000,
                                         .queue_size = 4000,
                                         .timeout_ms = 10,
                                         .nthreads = IDLE_PRODUCERS,
                                         .pad = 64 };
    const struct lab_sink sink = { idle_deliver, &s };
    cr_assert_eq(b->create(&cfg, &sink, &s.self), 0, "%s: create", b->base.name);
    struct idle_prod p[IDLE_PRODUCERS];
    pthread_t t[IDLE_PRODUCERS];
    uint64_t want = 0;
    for (unsigned i = 0; i < IDLE_PRODUCERS; i++) {
        p[i] = (struct idle_prod){ &s, i, 0 };
        cr_assert_eq(pthread_create(&t[i], NULL, idle_producer, &p[i]), 0);
        for (uint64_t k = 0; k < IDLE_ITEMS; k++) want += (uint64_t)i * 100 + k + 1;
    }
    const uint64_t n = IDLE_PRODUCERS * IDLE_ITEMS;
    for (int i = 0; i < 1000 && atomic_load(&s.delivered) < n; i++) usleep(10000);
    uint64_t got = atomic_load(&s.delivered);
    atomic_store(&s.go_on, 1);
    for (unsigned i = 0; i < IDLE_PRODUCERS; i++) pthread_join(t[i], NULL);
    int rc = b->close(s.self);
    uint64_t total = atomic_load(&s.delivered), sum = atomic_load(&s.sum);
    b->destroy(s.self);
    cr_expect_eq(got, n, "%s: %llu of %llu items of idle producers delivered in 10 s", b->base.name,
                 (unsigned long long)got, (unsigned long long)n);
    for (unsigned i = 0; i < IDLE_PRODUCERS; i++) cr_expect_eq(p[i].err, 0, "%s", b->base.name);
    cr_expect_eq(rc, 0, "%s: close", b->base.name);
    cr_expect(total == n && sum == want, "%s: %llu delivered in all, of %llu (or duplicates)",
              b->base.name, (unsigned long long)total, (unsigned long long)n);
}

Test(batcher_idle, timeout_reaches_idle_producers)
{
    const struct lab_impl *impls[MAX_LIST];
    size_t k = run_registry_list("batcher", impls, MAX_LIST), tested = 0;
    for (size_t i = 0; i < k && i < MAX_LIST; i++) {
        if (!(impls[i]->caps & LAB_CAP_TIMEOUT) || (impls[i]->caps & LAB_CAP_DISCARDS)) continue;
        idle_check((const struct lab_batcher *)impls[i]);
        tested++;
    }
    cr_expect_gt(tested, 0, "no batcher declares LAB_CAP_TIMEOUT");
}
