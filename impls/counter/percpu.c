/* counter/percpu: a per-CPU counter, the design of the Linux kernel's
 * percpu_counter and of the counters restartable sequences were made for
 * (the rseq system call, Linux 4.18: P. Turner, A. Hunter, M. Desnoyers;
 * include/uapi/linux/rseq.h and librseq's rseq(2)): a slot per CPU, each in its own
 * cache line; an increment adds to the slot of the CPU it runs on, and
 * close() sums the slots (the only read, once every worker is done, so the
 * sum is exact). Workers on different CPUs never share a line; two on one
 * CPU share one that stays in that CPU's cache.
 *
 * Why it is not an rseq critical section: the rseq ABI makes a per-CPU add
 * safe without an atomic by having the kernel restart a sequence that was
 * preempted or migrated, and the sequence is described to the kernel by
 * instruction addresses (start, the commit instruction's end, an abort
 * handler preceded by the RSEQ_SIG signature in the code). C cannot name
 * or place those instructions, nor keep the compiler from spilling or
 * moving work across the commit, so that section is hand-written assembly
 * per architecture (librseq's, which Debian 12 does not package). This
 * file writes none: the add is an atomic fetch-and-add (LOCK XADD, about
 * the cost of the seed's atomic row but on a line private to the CPU), so
 * a migration between reading the CPU number and the add costs one remote
 * line, never a lost count.
 *
 * The CPU number is the rseq ABI's all the same: glibc 2.35+ registers each
 * thread's struct rseq, whose cpu_id the kernel keeps current, and this
 * reads it at the thread pointer plus __rseq_offset (<sys/rseq.h>), a load
 * and no call; where glibc did not register rseq (__rseq_size 0, e.g.
 * GLIBC_TUNABLES=glibc.pthread.rseq=0) it calls sched_getcpu(). Never waits,
 * so it runs under every runner. */
#include <sched.h>
#include <stdatomic.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "common/counter.h"

struct percpu_slot {
    LAB_ALIGNED _Atomic uint64_t n;
};

struct percpu_counter {
    unsigned nslots, rseq;
    struct percpu_slot slot[]; /* nslots, from the next cache line */
};

static int percpu_create(const struct lab_counter_cfg *cfg, void **self)
{
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    unsigned n = cpus > 0 && cpus < 65536 ? (unsigned)cpus : 1;
    int rc =
        lab_counter_new(cfg, sizeof(struct percpu_counter) + n * sizeof(struct percpu_slot), self);
    if (rc) return rc;
    struct percpu_counter *c = *self;
    c->nslots = n;
    c->rseq = __rseq_size > 0;
    return 0;
}

/* The CPU this thread runs on (or ran on a moment ago). */
static unsigned percpu_cpu(const struct percpu_counter *c)
{
    if (c->rseq) {
        const struct rseq *rs =
            (const struct rseq *)((const char *)__builtin_thread_pointer() + __rseq_offset);
        return *(const volatile uint32_t *)&rs->cpu_id; /* kernel-written */
    }
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : (unsigned)cpu;
}

static int percpu_inc(void *self, void *tstate)
{
    (void)tstate;
    struct percpu_counter *c = self;
    unsigned cpu = percpu_cpu(c);
    atomic_fetch_add_explicit(&c->slot[cpu < c->nslots ? cpu : cpu % c->nslots].n, 1,
                              memory_order_relaxed);
    return 0;
}

static int percpu_close(void *self, uint64_t *total)
{
    struct percpu_counter *c = self;
    uint64_t sum = 0;
    for (unsigned i = 0; i < c->nslots; i++)
        sum += atomic_load_explicit(&c->slot[i].n, memory_order_relaxed);
    *total = sum;
    return 0;
}

const struct lab_counter lab_counter_percpu = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "percpu",
        .summary = "a slot per CPU (CPU number from glibc's rseq area), atomic add, summed at "
                   "close (not an rseq critical section: that needs assembly)",
        .origin = "design: per-CPU counter (Linux percpu_counter; rseq, Linux 4.18)",
    },
    .create = percpu_create,
    .inc = percpu_inc,
    .flush = lab_counter_flush_none,
    .close = percpu_close,
    .destroy = lab_counter_free,
};
