/* counter/gomutex: Go's sync.Mutex (src/sync/mutex.go, Go 1.9 and later),
 * written here in C on the lab's primitives, around count += 1: the
 * mutex the snail seed's TheoreticalLimitOfMutex test really measured.
 * counter/mutex is the lab's futex mutex (Drepper's three states), which
 * neither spins nor has a starvation mode; this one follows Go:
 *
 *   - state word: locked, woken and starving bits, the waiter count above;
 *     Lock's fast path is one CAS from 0, Unlock's one atomic subtract;
 *   - a contended Lock spins a few rounds (`spins`, Go's active_spin = 4)
 *     of `pause` PAUSE instructions (Go's procyield(30)) while the holder
 *     runs and the mutex is not starving, setting the woken bit so that
 *     Unlock does not wake a sleeper it would race with; Go spins only on a
 *     multicore machine, so does this (CPUs online > 1);
 *   - then it parks on a semaphore (Go's runtime_SemacquireMutex): a FIFO
 *     queue of waiters, each parked on a word in its worker state; a waiter
 *     woken and beaten by a newcomer re-queues at the front (LIFO);
 *   - normal mode: Unlock wakes one waiter, which competes with newcomers;
 *   - starvation mode: a waiter that waited over `starve_us` (Go: 1 ms)
 *     sets the starving bit; Unlock then hands the lock to the oldest
 *     waiter directly and yields to it (Go's Semrelease(handoff=true) and
 *     goyield), newcomers queue without spinning, and the mode ends when
 *     the last waiter, or one that waited less than the threshold, takes it.
 *
 * Where it must differ: Go's semaphore is the runtime's (a treap of sudogs
 * per address) and the woken goroutine runs next on the same P; here the
 * queue sits under a lab_mutex and a waiter parks with lab_park, so under
 * threads the kernel decides who runs after the yield. Go also stops
 * spinning when its P's run queue is not empty; this has no such view.
 * It blocks and yields only through lib/lab_prim, so it runs under fibers. */
#include <unistd.h>

#include "common/counter.h"
#include "common/spinwait.h"
#include "lab_prim.h"

enum {
    GOMUTEX_LOCKED = 1u,
    GOMUTEX_WOKEN = 2u,
    GOMUTEX_STARVING = 4u,
    GOMUTEX_WAITER_SHIFT = 3,
};

struct gomutex_waiter {
    _Atomic uint32_t ready; /* set by the waker; the waiter parks while 0 */
    struct gomutex_waiter *next;
};

struct gomutex_counter {
    _Atomic uint32_t state;
    uint64_t count; /* beside the lock, as in the seed */
    unsigned spins, pause, multicore;
    uint64_t starve_ns;
    /* the semaphore (Go's m.sema): a permit count and a FIFO of sleepers */
    LAB_ALIGNED struct lab_mutex qlock;
    uint32_t permits;
    struct gomutex_waiter *head, *tail;
};

struct gomutex_tstate {
    LAB_ALIGNED struct gomutex_waiter w;
};

static const struct lab_param gomutex_params[] = {
    { "spins", "spin rounds before parking (Go: active_spin = 4)", 4, 0, 1000, 1 },
    { "pause", "PAUSE instructions per spin round (Go: active_spin_cnt = 30)", 30, 0, 100000, 1 },
    { "starve_us", "wait after which the mutex starves: hand-off to the oldest (Go: 1000)", 1000, 1,
      1e7, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

static int gomutex_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct gomutex_counter), self);
    if (rc) return rc;
    struct gomutex_counter *c = *self;
    c->spins = (unsigned)lab_param("spins");
    c->pause = (unsigned)lab_param("pause");
    c->starve_ns = (uint64_t)lab_param("starve_us") * 1000u;
    c->multicore = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    lab_mutex_init(&c->qlock);
    return 0;
}

/* Go's runtime_SemacquireMutex: takes a permit or sleeps in the queue
   (at its front when lifo) until a release hands it one. */
static void gomutex_sema_acquire(struct gomutex_counter *c, struct gomutex_waiter *w, int lifo)
{
    lab_mutex_lock(&c->qlock);
    if (c->permits) {
        c->permits--;
        lab_mutex_unlock(&c->qlock);
        return;
    }
    atomic_store_explicit(&w->ready, 0, memory_order_relaxed);
    w->next = NULL;
    if (!c->head) {
        c->head = c->tail = w;
    } else if (lifo) {
        w->next = c->head;
        c->head = w;
    } else {
        c->tail->next = w;
        c->tail = w;
    }
    lab_mutex_unlock(&c->qlock);
    while (!atomic_load_explicit(&w->ready, memory_order_acquire)) lab_park(&w->ready, 0, 0);
}

/* Go's runtime_Semrelease: the permit goes to the first sleeper (or waits
   for the next acquirer); on a hand-off the releaser yields to it. A waker
   may unpark a word whose waiter already returned: that is a spurious
   wake-up at worst, which every parker tolerates. */
static void gomutex_sema_release(struct gomutex_counter *c, int handoff)
{
    lab_mutex_lock(&c->qlock);
    struct gomutex_waiter *w = c->head;
    if (w) {
        if (!(c->head = w->next)) c->tail = NULL;
    } else {
        c->permits++;
    }
    lab_mutex_unlock(&c->qlock);
    if (!w) return;
    atomic_store_explicit(&w->ready, 1, memory_order_release);
    lab_unpark(&w->ready, 1);
    if (handoff) lab_yield();
}

static void gomutex_lock_slow(struct gomutex_counter *c, struct gomutex_waiter *w)
{
    uint64_t wait_start = 0;
    int starving = 0, awoke = 0;
    unsigned iter = 0;
    uint32_t old = atomic_load_explicit(&c->state, memory_order_relaxed);
    for (;;) {
        /* spin while the holder runs, never in starvation mode */
        if ((old & (GOMUTEX_LOCKED | GOMUTEX_STARVING)) == GOMUTEX_LOCKED && c->multicore
            && iter < c->spins) {
            if (!awoke && !(old & GOMUTEX_WOKEN) && old >> GOMUTEX_WAITER_SHIFT
                && atomic_compare_exchange_strong(&c->state, &old, old | GOMUTEX_WOKEN))
                awoke = 1;
            for (unsigned k = 0; k < c->pause; k++) lab_cpu_relax();
            iter++;
            old = atomic_load_explicit(&c->state, memory_order_relaxed);
            continue;
        }
        uint32_t new = old;
        if (!(old & GOMUTEX_STARVING)) new |= GOMUTEX_LOCKED; /* newcomers queue when starving */
        if (old & (GOMUTEX_LOCKED | GOMUTEX_STARVING)) new += 1u << GOMUTEX_WAITER_SHIFT;
        if (starving && (old & GOMUTEX_LOCKED)) new |= GOMUTEX_STARVING;
        if (awoke) new &= ~(uint32_t)GOMUTEX_WOKEN; /* ours to clear, acquired or not */
        if (!atomic_compare_exchange_strong(&c->state, &old, new)) continue;
        if (!(old & (GOMUTEX_LOCKED | GOMUTEX_STARVING))) return; /* taken by the CAS */
        int lifo = wait_start != 0;
        if (!wait_start) wait_start = lab_now_ns();
        gomutex_sema_acquire(c, w, lifo);
        starving = starving || lab_now_ns() - wait_start > c->starve_ns;
        old = atomic_load_explicit(&c->state, memory_order_relaxed);
        if (old & GOMUTEX_STARVING) {
            /* handed to us: set locked, leave the waiters, maybe end starvation */
            uint32_t delta = GOMUTEX_LOCKED - (1u << GOMUTEX_WAITER_SHIFT);
            if (!starving || old >> GOMUTEX_WAITER_SHIFT == 1) delta -= GOMUTEX_STARVING;
            atomic_fetch_add_explicit(&c->state, delta, memory_order_acquire);
            return;
        }
        awoke = 1;
        iter = 0;
    }
}

static void gomutex_lock(struct gomutex_counter *c, struct gomutex_waiter *w)
{
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong_explicit(&c->state, &zero, GOMUTEX_LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        gomutex_lock_slow(c, w);
}

static void gomutex_unlock_slow(struct gomutex_counter *c, uint32_t old)
{
    if (old & GOMUTEX_STARVING) {
        gomutex_sema_release(c, 1); /* the oldest waiter sets locked itself */
        return;
    }
    for (;;) {
        /* nobody to wake, or someone already woken or holding it */
        if (!(old >> GOMUTEX_WAITER_SHIFT)
            || (old & (GOMUTEX_LOCKED | GOMUTEX_WOKEN | GOMUTEX_STARVING)))
            return;
        uint32_t new = (old - (1u << GOMUTEX_WAITER_SHIFT)) | GOMUTEX_WOKEN;
        if (atomic_compare_exchange_strong(&c->state, &old, new)) {
            gomutex_sema_release(c, 0);
            return;
        }
    }
}

static void gomutex_unlock(struct gomutex_counter *c)
{
    uint32_t left =
        atomic_fetch_sub_explicit(&c->state, GOMUTEX_LOCKED, memory_order_release) - GOMUTEX_LOCKED;
    if (left) gomutex_unlock_slow(c, left);
}

static int gomutex_inc(void *self, void *tstate)
{
    struct gomutex_counter *c = self;
    gomutex_lock(c, &((struct gomutex_tstate *)tstate)->w);
    c->count += 1;
    gomutex_unlock(c);
    return 0;
}

static int gomutex_close(void *self, uint64_t *total)
{
    struct gomutex_counter *c = self;
    struct gomutex_waiter w; /* every worker is done: never parks */
    gomutex_lock(c, &w);
    *total = c->count;
    gomutex_unlock(c);
    return 0;
}

const struct lab_counter lab_counter_gomutex = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "gomutex",
        .summary = "Go's sync.Mutex in C: spin, then park in a FIFO; starvation mode hands the "
                   "lock to the oldest waiter after 1 ms",
        .origin = "design: Go sync.Mutex (src/sync/mutex.go, Go 1.9 starvation mode)",
        .thread_state = sizeof(struct gomutex_tstate),
        .params = gomutex_params,
    },
    .create = gomutex_create,
    .inc = gomutex_inc,
    .flush = lab_counter_flush_none,
    .close = gomutex_close,
    .destroy = lab_counter_free,
};
