/* counter/hooked: a test-only variant (not a faulty one) that checks what
 * the harness promises a variant in impls/lab.h: every OS thread that calls
 * it went through thread_init first (a thread-local flag; liburcu-like
 * libraries depend on it), every worker's state went through worker_init
 * with its own index, thread_exit balances thread_init, and its parameter
 * `spins` (busy-loop iterations per increment) arrives through lab_param.
 * An operation on an unregistered thread or state returns -EPERM, so a
 * missed hook fails the run's check. */
#include <errno.h>
#include <stdatomic.h>

#include "common/counter.h"

struct hooked {
    _Atomic uint64_t count;
    _Atomic long registered; /* thread_init minus thread_exit */
    unsigned spins;
};

struct hooked_worker {
    unsigned idx, inited;
};

static _Thread_local int hooked_thread_ok;

static int hooked_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct hooked), self);
    if (rc) return rc;
    ((struct hooked *)*self)->spins = (unsigned)lab_param("spins");
    return 0;
}

static int hooked_thread_init(void *self)
{
    struct hooked *h = self;
    if (hooked_thread_ok) return -EALREADY;
    hooked_thread_ok = 1;
    atomic_fetch_add(&h->registered, 1);
    return 0;
}

static void hooked_thread_exit(void *self)
{
    struct hooked *h = self;
    hooked_thread_ok = 0;
    atomic_fetch_sub(&h->registered, 1);
}

static int hooked_worker_init(void *self, void *tstate, unsigned idx)
{
    (void)self;
    struct hooked_worker *w = tstate;
    if (!hooked_thread_ok || w->inited) return -EPERM;
    w->idx = idx;
    w->inited = 1;
    return 0;
}

static int hooked_inc(void *self, void *tstate)
{
    struct hooked *h = self;
    struct hooked_worker *w = tstate;
    if (!hooked_thread_ok || !w->inited) return -EPERM;
    for (volatile unsigned i = 0; i < h->spins; i++) {}
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    return 0;
}

static int hooked_flush(void *self, void *tstate)
{
    (void)self;
    return hooked_thread_ok && ((struct hooked_worker *)tstate)->inited ? 0 : -EPERM;
}

/* close runs on the harness's own thread, registered after create */
static int hooked_close(void *self, uint64_t *total)
{
    struct hooked *h = self;
    if (!hooked_thread_ok || atomic_load(&h->registered) != 1) return -EPERM;
    *total = atomic_load(&h->count);
    return 0;
}

static void hooked_destroy(void *self) { free(self); }

static const struct lab_param hooked_params[] = {
    { "spins", "busy-loop iterations per increment", 0, 0, 1000000, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

const struct lab_counter lab_counter_faulty_hooked = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "faulty_hooked",
        .summary = "test-only: fails unless thread_init, worker_init and params arrive as promised",
        .origin = "test",
        .thread_state = sizeof(struct hooked_worker),
        .params = hooked_params,
        .thread_init = hooked_thread_init,
        .thread_exit = hooked_thread_exit,
        .worker_init = hooked_worker_init,
    },
    .create = hooked_create,
    .inc = hooked_inc,
    .flush = hooked_flush,
    .close = hooked_close,
    .destroy = hooked_destroy,
};
