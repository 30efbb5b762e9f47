/* The fiber runtime's run queues and stack pool (design in fiber.h).
 *
 * A carrier's ring (Go's P runq): the owner writes slots and publishes them
 * with a release store of tail; the owner and thieves claim slots by a CAS
 * on head, reading the slots first (a thief whose CAS fails read slots that
 * may have been reused, and throws them away). Slots are atomics so that a
 * thief's early read is not a data race. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fiber_int.h"
#include "lab_alloc.h"

/* ---- the global queue ---- */

static void fiber_queue_global_append(struct fib_sched *s, struct fib *first, struct fib *last,
                                      uint32_t n)
{
    last->next = NULL;
    fiber_lock(&s->glock);
    if (s->gtail)
        s->gtail->next = first;
    else
        s->ghead = first;
    s->gtail = last;
    atomic_fetch_add_explicit(&s->gsize, n, memory_order_release);
    fiber_unlock(&s->glock);
}

void run_fib_global_put(struct fib_sched *s, struct fib *f)
{
    fiber_queue_global_append(s, f, f, 1);
}

/* Takes one fiber, and with c up to max - 1 more into c's (empty) ring. */
static struct fib *fiber_queue_global_get(struct fib_sched *s, struct fib_carrier *c, uint32_t max)
{
    if (!atomic_load_explicit(&s->gsize, memory_order_acquire)) return NULL;
    fiber_lock(&s->glock);
    uint32_t size = atomic_load_explicit(&s->gsize, memory_order_relaxed);
    uint32_t n = size / s->ncar + 1;
    if (n > size) n = size;
    if (n > max) n = max;
    struct fib *first = s->ghead;
    if (n) {
        struct fib *last = first;
        for (uint32_t i = 1; i < n; i++) last = last->next;
        s->ghead = last->next;
        if (!s->ghead) s->gtail = NULL;
        atomic_fetch_sub_explicit(&s->gsize, n, memory_order_relaxed);
    }
    fiber_unlock(&s->glock);
    if (!n) return NULL;
    if (n > 1) {
        struct fib_runq *q = &c->q;
        uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        struct fib *f = first->next;
        for (uint32_t i = 0; i < n - 1; i++, f = f->next)
            atomic_store_explicit(&q->ring[(t + i) % FIB_RUNQ], f, memory_order_relaxed);
        atomic_store_explicit(&q->tail, t + n - 1, memory_order_release);
    }
    return first;
}

/* ---- a carrier's ring ---- */

/* The ring is full: moves its older half and f to the global queue. */
static int fiber_queue_spill(struct fib_carrier *c, struct fib *f, uint32_t h)
{
    struct fib_runq *q = &c->q;
    enum { half = FIB_RUNQ / 2 };
    struct fib *batch[half + 1];
    for (uint32_t i = 0; i < half; i++)
        batch[i] = atomic_load_explicit(&q->ring[(h + i) % FIB_RUNQ], memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(&q->head, &h, h + half, memory_order_release,
                                                 memory_order_relaxed))
        return 0; /* a thief took some: try again */
    batch[half] = f;
    for (uint32_t i = 0; i < half; i++) batch[i]->next = batch[i + 1];
    fiber_queue_global_append(c->s, batch[0], f, half + 1);
    return 1;
}

/* The ring is full, or there is none (FIB_SHARED_QUEUE). */
void run_fib_runq_put_slow(struct fib_carrier *c, struct fib *f)
{
    struct fib_runq *q = &c->q;
    while (!c->shared) {
        uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        if (t - h < FIB_RUNQ) { /* a thief made room */
            fiber_runq_put(c, f);
            return;
        }
        if (fiber_queue_spill(c, f, h)) return;
    }
    run_fib_global_put(c->s, f);
}

/* Moves half of victim's ring into c's empty ring; returns one of them. */
static struct fib *fiber_queue_grab(struct fib_carrier *c, struct fib_runq *v)
{
    struct fib_runq *q = &c->q;
    uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    for (;;) {
        uint32_t vh = atomic_load_explicit(&v->head, memory_order_acquire);
        uint32_t vt = atomic_load_explicit(&v->tail, memory_order_acquire);
        uint32_t n = vt - vh;
        n -= n / 2;
        if (n == 0) return NULL;
        if (n > FIB_RUNQ / 2) continue; /* read head and tail apart: again */
        for (uint32_t i = 0; i < n; i++) {
            struct fib *f =
                atomic_load_explicit(&v->ring[(vh + i) % FIB_RUNQ], memory_order_relaxed);
            atomic_store_explicit(&q->ring[(t + i) % FIB_RUNQ], f, memory_order_relaxed);
        }
        if (!atomic_compare_exchange_strong_explicit(&v->head, &vh, vh + n, memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue;
        c->st.steals++;
        struct fib *f =
            atomic_load_explicit(&q->ring[(t + n - 1) % FIB_RUNQ], memory_order_relaxed);
        if (n > 1) atomic_store_explicit(&q->tail, t + n - 1, memory_order_release);
        return f;
    }
}

static struct fib *fiber_queue_steal(struct fib_carrier *c)
{
    struct fib_sched *s = c->s;
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    unsigned start = (unsigned)(c->rng % s->ncar);
    for (unsigned i = 0; i < s->ncar; i++) {
        struct fib_carrier *v = &s->car[(start + i) % s->ncar];
        if (v == c) continue;
        struct fib *f = fiber_queue_grab(c, &v->q);
        if (f) return f;
    }
    return NULL;
}

/* After fiber_runq_find's fast path: the global queue first every 61st time
   (so that it cannot starve), the ring, the global queue, then stealing. */
struct fib *run_fib_runq_find_slow(struct fib_carrier *c)
{
    struct fib_sched *s = c->s;
    if (c->shared) return fiber_queue_global_get(s, c, 1);
    struct fib *f;
    if (c->tick % 61 == 0 && (f = fiber_queue_global_get(s, c, 1))) return f;
    if ((f = fiber_runq_local(&c->q))) return f;
    if ((f = fiber_queue_global_get(s, c, FIB_RUNQ / 2))) return f;
    return s->ncar > 1 ? fiber_queue_steal(c) : NULL;
}

int run_fib_runnable(struct fib_sched *s)
{
    if (atomic_load_explicit(&s->gsize, memory_order_relaxed)) return 1;
    for (unsigned i = 0; i < s->ncar; i++)
        if (atomic_load_explicit(&s->car[i].q.tail, memory_order_relaxed)
            != atomic_load_explicit(&s->car[i].q.head, memory_order_relaxed))
            return 1;
    return 0;
}

/* ---- the stack pool: one per stack size, process-wide ---- */

#define FIBER_POOL_MAX 20000u /* kept per size; more are unmapped */

struct fib_pool {
    struct fib_pool *next;
    size_t stack_size;
    struct fib_lock lock;
    struct fib *free;
    size_t n;
};

static struct fib_lock fiber_queue_pools_lock;
static struct fib_pool *fiber_queue_pools;

static struct fib_pool *fiber_queue_pool(size_t stack_size)
{
    fiber_lock(&fiber_queue_pools_lock);
    struct fib_pool *p = fiber_queue_pools;
    while (p && p->stack_size != stack_size) p = p->next;
    if (!p) { /* the runtime's memory, kept for the process: not a variant's */
        lab_alloc_pause();
        p = calloc(1, sizeof *p);
        lab_alloc_resume();
    }
    if (p && !p->stack_size) {
        p->stack_size = stack_size;
        p->next = fiber_queue_pools;
        fiber_queue_pools = p;
    }
    fiber_unlock(&fiber_queue_pools_lock);
    return p;
}

/* A new mapping: a guard page, the stack, the struct fib at the top. */
static int fiber_queue_map(struct fib_pool *p, struct fib **out)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t head = (sizeof(struct fib) + 63) / 64 * 64;
    size_t size = (p->stack_size + head + page - 1) / page * page + page;
    char *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) return -ENOMEM;
    if (mprotect(map, page, PROT_NONE)) {
        munmap(map, size);
        return -ENOMEM;
    }
    struct fib *f = (struct fib *)(map + size - head);
    f->mem = (struct fib_mem){ map, size, map + page, (size_t)((char *)f - (map + page)), p };
    *out = f;
    return 0;
}

int run_fib_pool_get(size_t stack_size, struct fib **out)
{
    struct fib_pool *p = fiber_queue_pool(stack_size);
    if (!p) return -ENOMEM;
    fiber_lock(&p->lock);
    struct fib *f = p->free;
    if (f) {
        p->free = f->next;
        p->n--;
    }
    fiber_unlock(&p->lock);
    if (!f) return fiber_queue_map(p, out);
    *out = f;
    return 0;
}

void run_fib_pool_put(struct fib *f)
{
    struct fib_pool *p = f->mem.pool;
    fiber_lock(&p->lock);
    if (p->n < FIBER_POOL_MAX) {
        f->next = p->free;
        p->free = f;
        p->n++;
        f = NULL;
    }
    fiber_unlock(&p->lock);
    if (f) munmap(f->mem.map, f->mem.map_size);
}

int run_fib_pool_reserve(size_t stack_size, unsigned n)
{
    struct fib_pool *p = fiber_queue_pool(stack_size);
    if (!p) return -ENOMEM;
    if (n > FIBER_POOL_MAX) n = FIBER_POOL_MAX;
    for (;;) {
        fiber_lock(&p->lock);
        unsigned have = p->n;
        fiber_unlock(&p->lock);
        if (have >= n) return 0;
        struct fib *f;
        int rc = fiber_queue_map(p, &f); /* writes f->mem: its page is faulted in */
        if (rc) return rc;
        run_fib_pool_put(f);
    }
}

void run_fib_pool_trim(void)
{
    fiber_lock(&fiber_queue_pools_lock);
    for (struct fib_pool *p = fiber_queue_pools; p; p = p->next) {
        fiber_lock(&p->lock);
        struct fib *f = p->free;
        p->free = NULL;
        p->n = 0;
        fiber_unlock(&p->lock);
        for (struct fib *nx; f; f = nx) {
            nx = f->next;
            munmap(f->mem.map, f->mem.map_size);
        }
    }
    fiber_unlock(&fiber_queue_pools_lock);
}
