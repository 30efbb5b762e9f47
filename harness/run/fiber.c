/* The fiber runtime's core: carriers and their loop, the switch and what
 * follows it, the sanitizer hooks, spawn and exit, start/wait/free. The
 * design is in fiber.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fiber_int.h"

#ifdef FIB_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef FIB_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#if defined(FIB_ASAN) || defined(FIB_TSAN)
#define FIBER_STACK_DEFAULT (512u << 10)
#else
#define FIBER_STACK_DEFAULT (64u << 10)
#endif

static __thread struct fib_carrier *fiber_tls;

/* Never inlined: a fiber can resume on another carrier thread, so the
   thread-local's address must not be kept across a switch by a caller. */
FIBER_NOINLINE struct fib_carrier *run_fib_carrier_self(void) { return fiber_tls; }

struct fib *run_fib_self(void)
{
    struct fib_carrier *c = run_fib_carrier_self();
    return c ? c->cur : NULL;
}

uint64_t run_fib_id(const struct fib *f) { return f->id; }

unsigned run_fib_default_carriers(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---- sanitizers: tell them which stack is about to run ---- */

static void fiber_san_start(struct fib *from, struct fib *to, int op)
{
#ifdef FIB_ASAN
    /* NULL when leaving for good: ASan frees the fiber's fake stack */
    __sanitizer_start_switch_fiber(op == FIB_OP_EXIT ? NULL : &from->asan_fake, to->mem.stack_lo,
                                   to->mem.stack_size);
#endif
#ifdef FIB_TSAN
    __tsan_switch_to_fiber(to->tsan, 0);
#endif
    (void)from;
    (void)to;
    (void)op;
}

static void fiber_san_finish(struct fib *me)
{
#ifdef FIB_ASAN
    __sanitizer_finish_switch_fiber(me->asan_fake, NULL, NULL);
#endif
    (void)me;
}

static void fiber_san_exited(struct fib *f, void *fctx)
{
#ifdef FIB_ASAN
    /* the frames still on its stack left their redzones poisoned; the
       saved context marks the deepest of them */
    char *top = f->mem.stack_lo + f->mem.stack_size;
    if ((char *)fctx >= f->mem.stack_lo && (char *)fctx < top)
        __asan_unpoison_memory_region(fctx, (size_t)(top - (char *)fctx));
#endif
#ifdef FIB_TSAN
    if (f->tsan) __tsan_destroy_fiber(f->tsan);
    f->tsan = NULL;
#endif
    (void)f;
    (void)fctx;
}

static void fiber_san_self(struct fib_carrier *c)
{
#ifdef FIB_ASAN
    pthread_attr_t a;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        void *lo;
        size_t sz;
        if (pthread_attr_getstack(&a, &lo, &sz) == 0) {
            c->self.mem.stack_lo = lo;
            c->self.mem.stack_size = sz;
        }
        pthread_attr_destroy(&a);
    }
#endif
#ifdef FIB_TSAN
    c->self.tsan = __tsan_get_current_fiber();
#endif
    (void)c;
}

/* ---- switching ---- */

/* Due timers, looked at every 16th schedule: a pending timer (a ticker)
   then costs a clock read per 16 switches, not per switch. */
static inline void fiber_timers_soon(struct fib_carrier *c)
{
    if (atomic_load_explicit(&c->s->timer_next, memory_order_relaxed) != UINT64_MAX
        && c->tick % 16 == 0)
        run_fib_timers_run(c);
}

static void fiber_exited(struct fib_carrier *c, struct fib *f, void *fctx);

/* Runs on the stack just resumed: finishes the switch that `from` started. */
static FIBER_INLINE void fiber_resumed(fib_transfer t)
{
    struct fib_post *p = t.data;
    struct fib_carrier *c = p->c;
    fiber_san_finish(c->cur ? c->cur : &c->self);
    struct fib *from = p->from;
    switch (p->op) {
    case FIB_OP_YIELD:
        from->ctx = t.fctx;
        fiber_runq_put(c, from);
        break;
    case FIB_OP_PARK:
        from->ctx = t.fctx;
        fiber_unlock(p->lock);
        break;
    case FIB_OP_EXIT: fiber_exited(c, from, t.fctx); break;
    default: from->ctx = t.fctx; break;
    }
    fiber_timers_soon(c);
}

/* Inlined into its callers: one call level less between a fiber and the
   jump, so fewer mispredicted returns after it. */
static FIBER_INLINE void fiber_switch(struct fib_carrier *c, struct fib *from, struct fib *to,
                                      int op, struct fib_lock *lock)
{
    c->post = (struct fib_post){ c, from, op, lock };
    if (to == &c->self) {
        c->cur = NULL;
        atomic_store_explicit(&c->pub_running, 0, memory_order_relaxed);
    } else {
        c->cur = to;
        to->st.switches++;
        if (to->st.carrier != c->id) {
            to->st.migrations += to->st.switches > 1;
            to->st.carrier = c->id;
        }
        atomic_store_explicit(&c->pub_running, to->id, memory_order_relaxed);
        atomic_store_explicit(&c->pub_switches, ++c->st.switches, memory_order_relaxed);
    }
    fiber_san_start(from, to, op);
    fiber_resumed(jump_fcontext(to->ctx, &c->post));
}

/* The running fiber gives its carrier away: to the next runnable fiber, or
   to the carrier's loop when there is none (a yield then just returns).
   The caller must not use c afterwards: it may resume on another carrier. */
void run_fib_block(struct fib_carrier *c, int op, struct fib_lock *lock)
{
    struct fib *next = fiber_runq_find(c);
    if (!next) {
        if (op == FIB_OP_YIELD) return;
        next = &c->self;
    }
    fiber_switch(c, c->cur, next, op, lock);
}

void run_fib_yield(void)
{
    struct fib_carrier *c = run_fib_carrier_self();
    if (!c || !c->cur) {
        sched_yield();
        return;
    }
    c->cur->st.yields++;
    fiber_timers_soon(c);
    run_fib_block(c, FIB_OP_YIELD, NULL);
}

/* ---- idle carriers ---- */

/* A full barrier between publishing work and reading nidle (the sleeper
   does the reverse). TSan ignores fences, so it gets an RMW instead. */
static uint32_t fiber_idle_count(struct fib_sched *s)
{
#ifdef FIB_TSAN
    return atomic_fetch_add(&s->nidle, 0);
#else
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&s->nidle, memory_order_relaxed);
#endif
}

void run_fib_wake_idle(struct fib_sched *s, uint32_t n)
{
    if (fiber_idle_count(s) == 0) return;
    atomic_fetch_add(&s->idle_seq, 1);
    lab_prim_threads.unpark(&s->idle_seq, n);
}

void run_fib_ready(struct fib *f)
{
    struct fib_carrier *c = run_fib_carrier_self();
    struct fib_sched *s = f->s;
    if (c && c->s == s)
        fiber_runq_put(c, f);
    else
        run_fib_global_put(s, f);
    run_fib_wake_idle(s, 1);
}

/* The next fiber for the carrier's loop, sleeping while there is none;
   NULL when the scheduler stops. */
/* A run_fib_on_carriers call not yet made on this carrier: make it. */
static void fiber_call(struct fib_carrier *c)
{
    struct fib_sched *s = c->s;
    uint32_t seq = atomic_load_explicit(&s->call_seq, memory_order_acquire);
    if (seq == c->call_seen) return;
    c->call_seen = seq;
    s->call_fn(s->call_arg, c->id);
    if (atomic_fetch_sub(&s->call_left, 1) == 1) lab_prim_threads.unpark(&s->call_left, 1);
}

static struct fib *fiber_idle(struct fib_carrier *c)
{
    struct fib_sched *s = c->s;
    for (;;) {
        fiber_call(c);
        run_fib_timers_run(c);
        struct fib *f = fiber_runq_find(c);
        if (f) return f;
        if (atomic_load(&s->quit)) return NULL;
        uint32_t seq = atomic_load(&s->idle_seq);
        atomic_fetch_add(&s->nidle, 1);
        f = fiber_runq_find(c); /* a waker may have missed us */
        if (!f && !atomic_load(&s->quit) && atomic_load(&s->call_seq) == c->call_seen) {
            uint64_t dl = atomic_load(&s->timer_next);
            c->st.sleeps++;
            lab_prim_threads.park(&s->idle_seq, seq, dl == UINT64_MAX ? 0 : dl);
        }
        atomic_fetch_sub(&s->nidle, 1);
        if (f) {
            run_fib_wake_idle(s, 1); /* there may be more: pass it on */
            return f;
        }
    }
}

static uint64_t fiber_tv_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

static void *fiber_carrier_main(void *arg)
{
    struct fib_carrier *c = arg;
    fiber_tls = c;
    atomic_store(&c->tid, gettid());
    fiber_san_self(c);
    if (c->s->on_start) c->s->on_start(c->s->hook_arg, c->id);
    getrusage(RUSAGE_THREAD, &c->ru0);
    for (struct fib *f; (f = fiber_idle(c));) fiber_switch(c, &c->self, f, FIB_OP_NONE, NULL);
    if (c->s->on_exit) c->s->on_exit(c->s->hook_arg, c->id);
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    c->st.user_ns = fiber_tv_ns(ru.ru_utime) - fiber_tv_ns(c->ru0.ru_utime);
    c->st.sys_ns = fiber_tv_ns(ru.ru_stime) - fiber_tv_ns(c->ru0.ru_stime);
    c->st.nvcsw = ru.ru_nvcsw - c->ru0.ru_nvcsw;
    c->st.nivcsw = ru.ru_nivcsw - c->ru0.ru_nivcsw;
    fiber_tls = NULL;
    return NULL;
}

/* ---- spawn and exit ---- */

static void fiber_entry(fib_transfer t)
{
    fiber_resumed(t);
    struct fib *f = ((struct fib_post *)t.data)->c->cur;
    f->ret = f->fn(f->arg);
    struct fib_carrier *c = run_fib_carrier_self();
    struct fib *next = fiber_runq_find(c);
    fiber_switch(c, f, next ? next : &c->self, FIB_OP_EXIT, NULL);
    abort(); /* an exited fiber is never resumed */
}

static void fiber_unlink(struct fib_sched *s, struct fib *f)
{
    fiber_lock(&s->alock);
    if (f->all_prev)
        f->all_prev->all_next = f->all_next;
    else
        s->all = f->all_next;
    if (f->all_next) f->all_next->all_prev = f->all_prev;
    fiber_unlock(&s->alock);
}

/* After the switch away from f for the last time: nothing runs on its
   stack any more. */
static void fiber_exited(struct fib_carrier *c, struct fib *f, void *fctx)
{
    struct fib_sched *s = c->s;
    fiber_san_exited(f, fctx);
    if (f->attached) {
        atomic_store_explicit(&f->done, 1, memory_order_release);
        run_fib_unpark(&f->done, UINT32_MAX);
    } else {
        fiber_unlink(s, f);
        run_fib_pool_put(f);
    }
    if (atomic_fetch_sub(&s->live, 1) == 1) lab_prim_threads.unpark(&s->live, INT_MAX);
}

int run_fib_spawn(struct fib_sched *s, fib_fn fn, void *arg, struct fib **out)
{
    struct fib *f;
    int rc = run_fib_pool_get(s->stack_size, &f);
    if (rc) return rc;
    memset(f, 0, offsetof(struct fib, mem));
    f->s = s;
    f->fn = fn;
    f->arg = arg;
    f->attached = out != NULL;
    f->id = atomic_fetch_add(&s->next_id, 1);
    f->timer_idx = SIZE_MAX;
    f->st.carrier = UINT_MAX;
    f->ctx = make_fcontext(f->mem.stack_lo + f->mem.stack_size, f->mem.stack_size, fiber_entry);
#ifdef FIB_TSAN
    f->tsan = __tsan_create_fiber(0);
#endif
    fiber_lock(&s->alock);
    f->all_next = s->all;
    if (s->all) s->all->all_prev = f;
    s->all = f;
    fiber_unlock(&s->alock);
    if (out) *out = f;
    atomic_fetch_add(&s->live, 1);
    run_fib_ready(f);
    return 0;
}

void run_fib_release(struct fib *f)
{
    if (!f || !atomic_load_explicit(&f->done, memory_order_acquire)) return;
    fiber_unlink(f->s, f);
    run_fib_pool_put(f);
}

/* ---- the scheduler ---- */

int run_fib_reserve(struct fib_sched *s, unsigned n)
{
    return run_fib_pool_reserve(s->stack_size, n);
}

int run_fib_sched_new(unsigned carriers, size_t stack_size, unsigned flags, struct fib_sched **out)
{
    struct fib_sched *s = aligned_alloc(64, sizeof *s);
    if (!s) return -ENOMEM;
    memset(s, 0, sizeof *s);
    s->ncar = carriers ? carriers : run_fib_default_carriers();
    s->stack_size = stack_size ? stack_size : FIBER_STACK_DEFAULT;
    s->flags = flags;
    s->next_id = 1;
    s->timer_next = UINT64_MAX;
    size_t sz = sizeof *s->car * s->ncar;
    s->car = aligned_alloc(64, (sz + 63) / 64 * 64);
    if (!s->car) {
        free(s);
        return -ENOMEM;
    }
    memset(s->car, 0, sz);
    for (unsigned i = 0; i < s->ncar; i++) {
        s->car[i].s = s;
        s->car[i].id = i;
        s->car[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
        s->car[i].shared = (flags & FIB_SHARED_QUEUE) != 0;
        s->car[i].self.s = s;
    }
    *out = s;
    return 0;
}

unsigned run_fib_sched_carriers(const struct fib_sched *s) { return s->ncar; }

/* Carriers leave their loop once idle with quit set. */
static void fiber_stop(struct fib_sched *s, unsigned started)
{
    atomic_store(&s->quit, 1);
    atomic_fetch_add(&s->idle_seq, 1);
    lab_prim_threads.unpark(&s->idle_seq, INT_MAX);
    for (unsigned i = 0; i < started; i++) pthread_join(s->car[i].thread, NULL);
}

int run_fib_start(struct fib_sched *s)
{
    if (s->running) return -EBUSY;
    atomic_store(&s->quit, 0);
    for (unsigned i = 0; i < s->ncar; i++) {
        int rc = pthread_create(&s->car[i].thread, NULL, fiber_carrier_main, &s->car[i]);
        if (rc) {
            fiber_stop(s, i);
            return -rc;
        }
    }
    s->running = 1;
    return 0;
}

int run_fib_wait(struct fib_sched *s)
{
    if (run_fib_carrier_self()) return -EDEADLK;
    if (!s->running) return -EINVAL;
    for (uint32_t n; (n = atomic_load(&s->live)) != 0;) lab_prim_threads.park(&s->live, n, 0);
    fiber_stop(s, s->ncar);
    s->running = 0;
    return 0;
}

int run_fib_run(struct fib_sched *s)
{
    int rc = run_fib_start(s);
    return rc ? rc : run_fib_wait(s);
}

void run_fib_sched_free(struct fib_sched *s)
{
    if (!s) return;
    if (s->running) run_fib_wait(s);
    /* never run: drop the queued fibers (the global queue links them too) */
    for (struct fib *f = s->all, *nx; f; f = nx) {
        nx = f->all_next;
        fiber_san_exited(f, NULL);
        run_fib_pool_put(f);
    }
    free(s->heap);
    free(s->car);
    free(s);
}

void run_fib_sched_hooks(struct fib_sched *s, void (*on_start)(void *arg, unsigned carrier),
                         void (*on_exit)(void *arg, unsigned carrier), void *arg)
{
    s->on_start = on_start;
    s->on_exit = on_exit;
    s->hook_arg = arg;
}

int run_fib_on_carriers(struct fib_sched *s, void (*fn)(void *arg, unsigned carrier), void *arg)
{
    if (!s->running) return -EINVAL;
    if (run_fib_carrier_self()) return -EDEADLK;
    s->call_fn = fn;
    s->call_arg = arg;
    atomic_store(&s->call_left, s->ncar);
    atomic_fetch_add_explicit(&s->call_seq, 1, memory_order_release);
    atomic_fetch_add(&s->idle_seq, 1); /* every idle carrier wakes to make it */
    lab_prim_threads.unpark(&s->idle_seq, UINT32_MAX);
    for (uint32_t left; (left = atomic_load(&s->call_left)) != 0;)
        lab_prim_threads.park(&s->call_left, left, 0);
    return 0;
}
