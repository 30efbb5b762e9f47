/* The fiber runtime's waiting: the parking lot, timers, park/unpark, sleep,
 * join, the lab_prim ops, statistics and the watchdog (design in fiber.h).
 *
 * Locks: a bucket, then the timer heap (s->tlock). A waiter with a timer is
 * in its bucket's list and in the heap; both change only with both locks
 * held, so unpark and a firing timer cannot both claim it. The timer path
 * starts from the heap, so it only try-locks the bucket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber_int.h"
#include "lab_alloc.h"

/* ---- the parking lot: address-hashed buckets of FIFO waiter lists ---- */

#define FIBER_WAIT_BUCKETS 1024u

struct fiber_wait_bucket {
    _Alignas(64) struct fib_lock lock;
    struct fib_waiter *head, *tail;
};

static struct fiber_wait_bucket fiber_wait_lot[FIBER_WAIT_BUCKETS];

static struct fiber_wait_bucket *fiber_wait_bucket(const void *word)
{
    uint64_t x = (uint64_t)(uintptr_t)word * 0x9E3779B97F4A7C15ull;
    return &fiber_wait_lot[x >> 54]; /* the top 10 bits */
}

static void fiber_wait_link(struct fiber_wait_bucket *b, struct fib_waiter *w)
{
    w->next = NULL;
    w->prev = b->tail;
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
}

static void fiber_wait_unlink(struct fiber_wait_bucket *b, struct fib_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        b->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        b->tail = w->prev;
}

/* ---- timers: a binary min-heap by deadline, under s->tlock ---- */

static void fiber_wait_heap_set(struct fib_sched *s, size_t i, struct fib_timer t)
{
    s->heap[i] = t;
    t.f->timer_idx = i;
}

static void fiber_wait_heap_fix(struct fib_sched *s, size_t i)
{
    struct fib_timer t = s->heap[i];
    for (; i > 0 && s->heap[(i - 1) / 2].deadline > t.deadline; i = (i - 1) / 2)
        fiber_wait_heap_set(s, i, s->heap[(i - 1) / 2]);
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= s->heap_n) break;
        if (k + 1 < s->heap_n && s->heap[k + 1].deadline < s->heap[k].deadline) k++;
        if (s->heap[k].deadline >= t.deadline) break;
        fiber_wait_heap_set(s, i, s->heap[k]);
        i = k;
    }
    fiber_wait_heap_set(s, i, t);
}

static void fiber_wait_heap_next(struct fib_sched *s)
{
    atomic_store(&s->timer_next, s->heap_n ? s->heap[0].deadline : UINT64_MAX);
}

static int fiber_wait_timer_add(struct fib_sched *s, struct fib *f, uint64_t deadline)
{
    fiber_lock(&s->tlock);
    if (s->heap_n == s->heap_cap) {
        size_t cap = s->heap_cap ? 2 * s->heap_cap : 256;
        lab_alloc_pause(); /* the runtime's memory, not a variant's */
        struct fib_timer *h = realloc(s->heap, cap * sizeof *h);
        lab_alloc_resume();
        if (!h) {
            fiber_unlock(&s->tlock);
            return -ENOMEM;
        }
        s->heap = h;
        s->heap_cap = cap;
    }
    fiber_wait_heap_set(s, s->heap_n++, (struct fib_timer){ deadline, f });
    fiber_wait_heap_fix(s, s->heap_n - 1);
    fiber_wait_heap_next(s);
    int earliest = s->heap[0].f == f;
    fiber_unlock(&s->tlock);
    /* an idle carrier sleeps until the old earliest deadline: re-arm it */
    if (earliest) run_fib_wake_idle(s, 1);
    return 0;
}

/* Under s->tlock. */
static void fiber_wait_timer_del(struct fib_sched *s, struct fib *f)
{
    size_t i = f->timer_idx;
    f->timer_idx = SIZE_MAX;
    struct fib_timer last = s->heap[--s->heap_n];
    if (i != s->heap_n) {
        fiber_wait_heap_set(s, i, last);
        fiber_wait_heap_fix(s, i);
    }
    fiber_wait_heap_next(s);
}

void run_fib_timers_run(struct fib_carrier *c)
{
    struct fib_sched *s = c->s;
    if (atomic_load_explicit(&s->timer_next, memory_order_relaxed) == UINT64_MAX) return;
    uint64_t now = fiber_now_ns();
    while (atomic_load_explicit(&s->timer_next, memory_order_relaxed) <= now) {
        fiber_lock(&s->tlock);
        struct fib *f = s->heap_n && s->heap[0].deadline <= now ? s->heap[0].f : NULL;
        if (!f) {
            fiber_unlock(&s->tlock);
            break;
        }
        struct fiber_wait_bucket *b = fiber_wait_bucket(f->w.word);
        if (!fiber_trylock(&b->lock)) { /* against the lock order: back off */
            fiber_unlock(&s->tlock);
            fiber_relax();
            continue;
        }
        fiber_wait_timer_del(s, f);
        fiber_unlock(&s->tlock);
        fiber_wait_unlink(b, &f->w);
        f->w.has_timer = 0;
        f->w.result = -ETIMEDOUT;
        fiber_unlock(&b->lock);
        c->st.timers++;
        run_fib_ready(f);
    }
}

/* ---- park and unpark ---- */

/* A plain thread: a waiter on its own stack, asleep in futex on its flag. */
static int fiber_wait_thread(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline)
{
    struct fib_waiter w = { .word = word };
    struct fiber_wait_bucket *b = fiber_wait_bucket(word);
    fiber_lock(&b->lock);
    if (atomic_load(word) != expect) {
        fiber_unlock(&b->lock);
        return -EAGAIN;
    }
    fiber_wait_link(b, &w);
    fiber_unlock(&b->lock);
    while (!atomic_load_explicit(&w.flag, memory_order_acquire))
        if (lab_prim_threads.park(&w.flag, 0, deadline) == -ETIMEDOUT) break;
    fiber_lock(&b->lock); /* the waker is done with w after this */
    int rc = 0;
    if (!atomic_load_explicit(&w.flag, memory_order_relaxed)) {
        fiber_wait_unlink(b, &w);
        rc = -ETIMEDOUT;
    }
    fiber_unlock(&b->lock);
    return rc;
}

int run_fib_park(_Atomic uint32_t *word, uint32_t expect, uint64_t deadline)
{
    struct fib_carrier *c = run_fib_carrier_self();
    if (!c || !c->cur) return fiber_wait_thread(word, expect, deadline);
    if (deadline && fiber_now_ns() >= deadline)
        return atomic_load(word) != expect ? -EAGAIN : -ETIMEDOUT;
    struct fib *f = c->cur;
    struct fiber_wait_bucket *b = fiber_wait_bucket(word);
    fiber_lock(&b->lock);
    /* seq_cst: the waker changes *word before it takes this lock */
    if (atomic_load(word) != expect) {
        fiber_unlock(&b->lock);
        return -EAGAIN;
    }
    f->w.word = word;
    f->w.fib = f;
    f->w.result = 0;
    f->w.has_timer = deadline != 0;
    if (deadline && fiber_wait_timer_add(c->s, f, deadline)) {
        fiber_unlock(&b->lock);
        return 0; /* no memory for a timer: spurious */
    }
    f->st.parks++;
    fiber_wait_link(b, &f->w);
    run_fib_block(c, FIB_OP_PARK, &b->lock); /* the next fiber unlocks b */
    return f->w.result;
}

void run_fib_unpark(_Atomic uint32_t *word, uint32_t n)
{
    struct fiber_wait_bucket *b = fiber_wait_bucket(word);
    struct fib *first = NULL, **last = &first;
    fiber_lock(&b->lock);
    for (struct fib_waiter *w = b->head, *nx; w && n; w = nx) {
        nx = w->next;
        if (w->word != word) continue;
        n--;
        fiber_wait_unlink(b, w);
        if (!w->fib) {
            atomic_store_explicit(&w->flag, 1, memory_order_release);
            lab_prim_threads.unpark(&w->flag, 1);
            continue;
        }
        struct fib *f = w->fib;
        if (w->has_timer) {
            fiber_lock(&f->s->tlock);
            fiber_wait_timer_del(f->s, f);
            fiber_unlock(&f->s->tlock);
            w->has_timer = 0;
        }
        f->next = NULL;
        *last = f;
        last = &f->next;
    }
    fiber_unlock(&b->lock);
    for (struct fib *f = first, *nx; f; f = nx) {
        nx = f->next;
        run_fib_ready(f);
    }
}

void run_fib_sleep_until(uint64_t deadline)
{
    struct fib *f = run_fib_self();
    if (!f) {
        lab_prim_threads.sleep_until(deadline);
        return;
    }
    for (int rc; (rc = run_fib_park(&f->sleep_word, 0, deadline)) != -ETIMEDOUT;)
        if (rc == 0) run_fib_yield(); /* only spurious: nobody wakes sleep_word */
}

int run_fib_join(struct fib *f, void **ret)
{
    if (f == run_fib_self()) return -EDEADLK;
    while (!atomic_load_explicit(&f->done, memory_order_acquire)) run_fib_park(&f->done, 0, 0);
    if (ret) *ret = f->ret;
    return 0;
}

/* ---- the lab_prim ops ---- */

static struct fib_sched *_Atomic fiber_wait_bound;

const struct lab_prim_ops *run_fib_prim_bind(struct fib_sched *s)
{
    atomic_store(&fiber_wait_bound, s);
    return &lab_prim_fibers;
}

static int fiber_wait_spawn(lab_task_fn fn, void *arg, struct lab_task_handle *h)
{
    struct fib_carrier *c = run_fib_carrier_self();
    struct fib_sched *s = c ? c->s : atomic_load(&fiber_wait_bound);
    if (!s) return -ENXIO;
    struct fib *f;
    int rc = run_fib_spawn(s, fn, arg, &f);
    if (rc) return rc;
    h->impl = f;
    h->id = f->id;
    return 0;
}

static int fiber_wait_join(struct lab_task_handle *h)
{
    if (!h->impl) return lab_prim_threads.join(h); /* started under threads */
    int rc = run_fib_join(h->impl, NULL);
    if (!rc) run_fib_release(h->impl);
    return rc;
}

const struct lab_prim_ops lab_prim_fibers = {
    .name = "fibers",
    .yield = run_fib_yield,
    .park = run_fib_park,
    .unpark = run_fib_unpark,
    .sleep_until = run_fib_sleep_until,
    .spawn = fiber_wait_spawn,
    .join = fiber_wait_join,
};

/* ---- statistics and the watchdog ---- */

void run_fib_stats(const struct fib *f, struct fib_stats *st) { *st = f->st; }

int run_fib_carrier_stats(const struct fib_sched *s, unsigned carrier, struct fib_carrier_stats *st)
{
    if (carrier >= s->ncar) return -EINVAL;
    *st = s->car[carrier].st;
    return 0;
}

static char fiber_wait_kstate(pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *fp = fopen(path, "r");
    if (!fp) return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the name may contain spaces */
    return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

int run_fib_sched_stuck(struct fib_sched *s, uint64_t threshold_ns, struct fib_stuck *out)
{
    uint64_t now = fiber_now_ns();
    int runnable = run_fib_runnable(s);
    for (unsigned i = 0; i < s->ncar; i++) {
        struct fib_carrier *c = &s->car[i];
        uint64_t sw = atomic_load_explicit(&c->pub_switches, memory_order_relaxed);
        uint64_t fid = atomic_load_explicit(&c->pub_running, memory_order_relaxed);
        if (sw != c->wd_seen || !c->wd_since || !fid) {
            c->wd_seen = sw;
            c->wd_since = now;
            continue;
        }
        if (now - c->wd_since < threshold_ns) continue;
        pid_t tid = atomic_load(&c->tid);
        char k = fiber_wait_kstate(tid);
        if (!runnable && k != 'S' && k != 'D') continue;
        *out = (struct fib_stuck){ i, tid, fid, now - c->wd_since, k, runnable };
        return 1;
    }
    return 0;
}
