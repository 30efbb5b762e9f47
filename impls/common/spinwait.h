/* Waiting by spinning, then yielding: the wait loop of the variants that
 * spin but must still run oversubscribed and under fibers.
 *
 * A pure spinner deadlocks once fibers outnumber carriers (the fiber it
 * waits for cannot run while it spins on that fiber's carrier) and burns
 * whole time slices when OS threads outnumber CPUs. A variant that waits
 * with lab_spinwait() spins at most `spins` rounds, then calls lab_yield()
 * (Go's Gosched: sched_yield under threads, a switch under fibers) and
 * starts over, so whatever it waits for gets to run. lab_cpu_relax() is the
 * CPU's spin-wait hint (PAUSE on x86), which also lets the sibling
 * hyperthread run. */
#ifndef LAB_COMMON_SPINWAIT_H
#define LAB_COMMON_SPINWAIT_H

#include "lab_prim.h"

static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* One wait loop's state: zero it before the loop. */
struct lab_spinwait {
    unsigned rounds;
};

/* One round of waiting: a relax hint, and a yield every `spins` rounds
   (spins 0: yield every round). */
static inline void lab_spinwait(struct lab_spinwait *w, unsigned spins)
{
    if (w->rounds++ < spins) {
        lab_cpu_relax();
        return;
    }
    w->rounds = 0;
    lab_yield();
}

#endif
