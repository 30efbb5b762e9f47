/* Deferred reclamation (impls/common/ebr.h, and every store that reports a
 * backlog): nothing a reader may still hold is freed, everything else is
 * freed eventually, and the backlog counts exactly what is pending. */
#include <pthread.h>
#include <stdatomic.h>

#include "common/ebr.h"
#include "lab_store.h"
#include "testutil.h"

struct node {
    struct lab_ebr_node n;
    _Atomic unsigned *freed;
};

static void node_free(struct lab_ebr_node *p, struct lab_ebr_thread *t)
{
    (void)t;
    struct node *x = (struct node *)p;
    atomic_fetch_add(x->freed, 1);
    free(x);
}

static void retire_n(struct lab_ebr *d, unsigned n, _Atomic unsigned *freed)
{
    struct lab_ebr_thread *t = lab_ebr_self(d);
    cr_assert_not_null(t, "retiring thread is not registered");
    for (unsigned i = 0; i < n; i++) {
        struct node *x = malloc(sizeof *x);
        cr_assert_not_null(x);
        x->n.free = node_free;
        x->freed = freed;
        lab_ebr_retire(d, t, &x->n);
    }
}

struct reader {
    struct lab_ebr *d;
    _Atomic int inside, leave;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    lab_ebr_thread_init(r->d);
    struct lab_ebr_thread *t = lab_ebr_self(r->d);
    lab_ebr_enter(r->d, t);
    atomic_store(&r->inside, 1);
    while (!atomic_load(&r->leave)) sched_yield();
    lab_ebr_exit(t);
    lab_ebr_thread_exit(r->d);
    return NULL;
}

Test(ebr, a_reader_inside_holds_back_what_is_retired_after_it_entered)
{
    struct lab_ebr d;
    _Atomic unsigned early = 0, late = 0;
    lab_ebr_init(&d, sizeof(struct lab_ebr_thread));
    cr_assert_eq(lab_ebr_thread_init(&d), 0);
    struct reader r = { .d = &d };
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, reader_main, &r), 0);
    while (!atomic_load(&r.inside)) sched_yield();
    retire_n(&d, 4000, &early); /* 62 advance attempts: at most one can succeed */
    cr_expect_eq(atomic_load(&early), 0, "%u freed while a reader could hold them",
                 atomic_load(&early));
    cr_expect_eq(lab_ebr_backlog(&d), 4000);
    atomic_store(&r.leave, 1);
    pthread_join(th, NULL);
    retire_n(&d, 4000, &late); /* no reader: the epoch moves, old bags go */
    cr_expect_eq(atomic_load(&early), 4000, "after the reader left, %u of 4000 freed",
                 atomic_load(&early));
    cr_expect_eq(lab_ebr_backlog(&d), 4000 - atomic_load(&late));
    lab_ebr_thread_exit(&d);
    lab_ebr_fini(&d, NULL);
    cr_expect_eq(atomic_load(&late), 4000, "fini left %u unfreed", 4000 - atomic_load(&late));
}

Test(ebr, a_slot_left_behind_is_taken_over_with_its_garbage)
{
    struct lab_ebr d;
    _Atomic unsigned freed = 0;
    lab_ebr_init(&d, sizeof(struct lab_ebr_thread));
    cr_assert_eq(lab_ebr_thread_init(&d), 0);
    struct lab_ebr_thread *first = lab_ebr_self(&d);
    retire_n(&d, 10, &freed); /* fewer than an advance needs: all pending */
    lab_ebr_thread_exit(&d);
    cr_expect_null(lab_ebr_self(&d));
    cr_assert_eq(lab_ebr_thread_init(&d), 0);
    cr_expect_eq(lab_ebr_self(&d), first, "a released slot is not reused");
    cr_expect_eq(lab_ebr_backlog(&d), 10);
    lab_ebr_thread_exit(&d);
    lab_ebr_fini(&d, NULL);
    cr_expect_eq(atomic_load(&freed), 10);
}

/* Every store with a backlog: zero before any retirement, at most the
   number of records replaced after it, never more (an underflow would
   show as a huge number). */
Test(reclaim, store_backlogs_count_replaced_records)
{
    const struct lab_impl *impls[MAX_LIST];
    size_t k = run_registry_list("store", impls, MAX_LIST), with = 0;
    for (size_t i = 0; i < k; i++) {
        const struct lab_store *s = (const struct lab_store *)impls[i];
        if (!s->backlog) continue;
        with++;
        void *self;
        struct lab_store_cfg cfg = { .capacity_hint = 100, .nthreads = 1 };
        cr_assert_eq(s->create(&cfg, &self), 0, "%s", impls[i]->name);
        cr_assert_eq(s->base.thread_init ? s->base.thread_init(self) : 0, 0);
        struct lab_task t = { .name = "x" };
        uint64_t ids[100];
        for (int j = 0; j < 100; j++) cr_assert_eq(s->insert(self, NULL, &t, &ids[j]), 0);
        cr_expect_eq(s->backlog(self), 0, "%s: backlog %llu before any update", impls[i]->name,
                     (unsigned long long)s->backlog(self));
        for (int r = 0; r < 50; r++)
            for (int j = 0; j < 100; j++) cr_assert_eq(s->update(self, NULL, ids[j], &t), 0);
        uint64_t b = s->backlog(self);
        cr_expect_leq(b, 5000, "%s: backlog %llu after 5000 replacements", impls[i]->name,
                      (unsigned long long)b);
        if (s->base.thread_exit) s->base.thread_exit(self);
        s->destroy(self);
    }
    cr_expect_geq(with, 1, "no store reports a backlog");
}
