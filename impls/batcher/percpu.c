/* batcher/percpu: per-CPU buffers, each guarded by a lock word, handed whole
 * to a consumer task through the bounded depot of batcher/perthread
 * (common/depot.h: back-pressure, timeout by steals, lazy wake-ups).
 *
 * The design this stands in for is a per-CPU buffer appended to inside a
 * restartable sequence (Desnoyers et al.; the kernel's
 * Documentation/userspace-api/rseq.rst, librseq's rseq_load_cbne_store):
 * no atomic instruction per item, because the kernel aborts the critical
 * section when the thread is preempted or migrated. That critical section
 * cannot be written in C: the ABI wants a struct rseq_cs naming the start
 * and post-commit addresses of the instructions, and an abort handler
 * preceded by the RSEQ_SIG signature, which only hand-written assembly (as
 * in librseq, not packaged in Debian 12) can place. The project allows no
 * hand-written assembly, so this is the documented fallback:
 *   - the CPU number comes from the rseq area glibc 2.36 registers
 *     (<sys/rseq.h>: __rseq_offset, __rseq_size; the kernel keeps cpu_id
 *     current), a plain load instead of a system call, and from
 *     sched_getcpu() when rseq is not registered;
 *   - each slot has a lock word: one exchange to take it, a release store to
 *     drop it. It is contended only when a thread is preempted or migrates
 *     while it holds it (a few instructions), so a thread that finds its
 *     slot busy tries the others and yields (lab_yield) only when all are;
 *   - nobody waits for a buffer while holding a slot: a thread whose slot
 *     has none and finds the pool empty (back-pressure) parks in the depot
 *     with no lock held, as snail's hybrid releases its spin lock.
 * There are min(CPUs, buffers - 1) slots, so at least one buffer is always
 * outside them and a slot waiting for a buffer always gets one back from
 * the consumer. Buffers left in slots are delivered by the tick's steal and
 * by close(). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "common/depot.h"
#include "lab_batcher.h"

struct percpu_slot {
    LAB_ALIGNED _Atomic uint32_t lock;
    struct lab_depot_buf *b; /* under lock; NULL: take one */
};

struct percpu_batcher {
    struct lab_depot d; /* first: lab_depot_vclose */
    struct percpu_slot *slots;
    unsigned nslots;
};

static unsigned percpu_cpu(void)
{
    if (__rseq_size) {
        const struct rseq *rs =
            (const struct rseq *)((const char *)__builtin_thread_pointer() + __rseq_offset);
        int cpu = (int)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
        if (cpu >= 0) return (unsigned)cpu;
    }
    int cpu = sched_getcpu();
    return cpu >= 0 ? (unsigned)cpu : 0;
}

static int percpu_trylock(struct percpu_slot *s)
{
    return atomic_exchange_explicit(&s->lock, 1, memory_order_acquire) == 0;
}

static void percpu_unlock(struct percpu_slot *s)
{
    atomic_store_explicit(&s->lock, 0, memory_order_release);
}

/* Under s's lock, with a buffer in the slot. */
static void percpu_append(struct percpu_batcher *p, struct percpu_slot *s, uint64_t item)
{
    if (lab_depot_append(&p->d, s->b, item)) {
        lab_depot_put(&p->d, s->b);
        s->b = NULL;
    }
}

/* Tries each slot from home on; 0 when the item went in, 1 when every slot
   free of others was without a buffer and the pool empty, -EBUSY when every
   such slot was busy. */
static int percpu_try_slots(struct percpu_batcher *p, unsigned home, uint64_t item)
{
    int empty = 0;
    for (unsigned k = 0, i = home; k < p->nslots; k++, i = i + 1 < p->nslots ? i + 1 : 0) {
        struct percpu_slot *s = &p->slots[i];
        if (!percpu_trylock(s)) continue;
        if (!s->b) s->b = lab_depot_tryget(&p->d);
        if (s->b) {
            percpu_append(p, s, item);
            percpu_unlock(s);
            return 0;
        }
        percpu_unlock(s);
        empty = 1;
    }
    return empty ? 1 : -EBUSY;
}

static int percpu_add(void *self, void *tstate, uint64_t item)
{
    (void)tstate;
    struct percpu_batcher *p = self;
    unsigned cpu = percpu_cpu();
    unsigned home = cpu < p->nslots ? cpu : cpu % p->nslots;
    struct percpu_slot *s = &p->slots[home];
    if (__builtin_expect(percpu_trylock(s), 1)) { /* the fast path */
        if (s->b) {
            percpu_append(p, s, item);
            percpu_unlock(s);
            return 0;
        }
        percpu_unlock(s);
    }
    for (;;) {
        int rc = percpu_try_slots(p, home, item);
        if (rc == 0) return 0;
        if (rc == -EBUSY) {
            lab_yield(); /* a holder was preempted in its few instructions */
            continue;
        }
        struct lab_depot_buf *b = lab_depot_get(&p->d); /* parks, no lock held */
        while (!percpu_trylock(s)) lab_yield();
        if (s->b)
            lab_depot_unget(&p->d, b); /* someone filled the slot meanwhile */
        else
            s->b = b;
        percpu_append(p, s, item);
        percpu_unlock(s);
        return 0;
    }
}

static void percpu_destroy(void *self)
{
    struct percpu_batcher *p = self;
    if (!p) return;
    lab_depot_destroy(&p->d);
    free(p->slots);
    free(p);
}

static int percpu_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink,
                         void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    struct percpu_batcher *p = lab_calloc_aligned(sizeof *p);
    if (!p) return -ENOMEM;
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    unsigned nbuf = (unsigned)(1 + cfg->queue_size / cfg->batch_size);
    p->nslots = ncpu > 0 && (unsigned long)ncpu < nbuf - 1 ? (unsigned)ncpu : nbuf - 1;
    p->slots = lab_calloc_aligned(p->nslots * sizeof *p->slots);
    int rc = p->slots ? lab_depot_init(&p->d, cfg, sink, (unsigned)lab_param("wake")) : -ENOMEM;
    if (rc) {
        free(p->slots);
        free(p);
        return rc;
    }
    *self = p;
    return 0;
}

const struct lab_batcher lab_batcher_percpu = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "percpu",
        .summary = "per-CPU buffers (CPU from glibc's rseq area) under a lock word each, "
                   "handed whole to a consumer task; rseq's lock-free section needs assembly",
        .origin = "design: per-CPU data with restartable sequences (Desnoyers, kernel rseq ABI); "
                  "lock-word fallback",
        .caps = LAB_CAP_TIMEOUT | LAB_CAP_BACKPRESSURE | LAB_CAP_OWN_THREADS,
        .params = lab_depot_params,
    },
    .create = percpu_create,
    .add = percpu_add,
    .flush = lab_depot_flush_none, /* a thread holds nothing of its own */
    .close = lab_depot_vclose,
    .destroy = percpu_destroy,
};
