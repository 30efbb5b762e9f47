/* Epoch-based reclamation (Fraser, "Practical lock-freedom", Cambridge
 * TR-579, 2004, section 5.2.3; Hart, McKenney, Brown & Walpole, "Performance
 * of memory reclamation for lockless synchronization", JPDC 2007), small,
 * written here for store/rcu_epoch.
 *
 *  - A reader brackets its accesses with lab_ebr_enter / lab_ebr_exit: the
 *    enter publishes "active in epoch e" with one exchange on the thread's
 *    own cache line (a full barrier: the publication is visible before any
 *    pointer is read), the exit is a release store. Nothing shared is
 *    written.
 *  - A writer unlinks an object with an atomic exchange (seq_cst) and then
 *    retires it: lab_ebr_retire tags it with the global epoch read *after*
 *    the unlink and puts it in the thread's bag for that epoch.
 *  - The global epoch moves from e to e+1 only when every active thread
 *    has entered in e. A reader active in e may hold what was unlinked
 *    while the epoch was e-1 or later, so an object tagged t is freed once
 *    the global epoch reaches t+2 (three bags per thread, reused round
 *    robin). Every LAB_EBR_ADVANCE_EVERY retirements the retiring thread
 *    tries to advance the epoch and frees its bags that are old enough.
 *  - Writers never wait: a reader that stalls (preempted inside a section)
 *    delays the advance, so garbage piles up, which lab_ebr_backlog shows.
 * Threads register in thread_init (lab_ebr_thread_init), one slot per OS
 * thread (impls/common/tslot.h); a thread that leaves keeps its bags in its
 * slot for the next thread that takes it, and lab_ebr_fini frees the rest.
 * ThreadSanitizer sees every ordering here (C11 atomics only). */
#ifndef LAB_EBR_H
#define LAB_EBR_H

#include <stdatomic.h>
#include <stdint.h>

#include "lab_util.h"
#include "tslot.h"

#define LAB_EBR_ADVANCE_EVERY 64

struct lab_ebr_thread;

/* Embedded in every retired object. free runs on the thread whose record
   t held it (its retirer, or whoever took the record over): it may free
   the object or keep it for reuse in t (a per-thread pool). */
struct lab_ebr_node {
    struct lab_ebr_node *next;
    void (*free)(struct lab_ebr_node *, struct lab_ebr_thread *t);
};

struct lab_ebr_bag {
    struct lab_ebr_node *head;
    uint64_t epoch, n;
};

struct lab_ebr_thread {
    struct lab_tslot slot;              /* first */
    LAB_ALIGNED _Atomic uint64_t state; /* epoch << 1 | active */
    struct lab_ebr_bag bag[3];          /* by epoch % 3 */
    unsigned since_advance;
    _Atomic uint64_t retired, freed; /* written by the holder only */
};

struct lab_ebr {
    LAB_ALIGNED _Atomic uint64_t epoch;
    LAB_ALIGNED struct lab_tslots threads;
};

/* size: bytes of a thread's record, >= sizeof(struct lab_ebr_thread) (a
   variant's struct that begins with one). */
void lab_ebr_init(struct lab_ebr *d, size_t size);
/* Frees everything still retired, then calls fin (if any) on each thread's
   record; no thread may be inside or registered. */
void lab_ebr_fini(struct lab_ebr *d, void (*fin)(struct lab_ebr_thread *));
int lab_ebr_thread_init(struct lab_ebr *d); /* 0 or -ENOMEM */
void lab_ebr_thread_exit(struct lab_ebr *d);
/* The caller's record (registered by lab_ebr_thread_init), or NULL. */
static inline struct lab_ebr_thread *lab_ebr_self(const struct lab_ebr *d)
{
    return (struct lab_ebr_thread *)lab_tslot_self(&d->threads);
}

static inline void lab_ebr_enter(struct lab_ebr *d, struct lab_ebr_thread *t)
{
    uint64_t e = atomic_load_explicit(&d->epoch, memory_order_relaxed);
    atomic_exchange_explicit(&t->state, e << 1 | 1, memory_order_seq_cst);
}

static inline void lab_ebr_exit(struct lab_ebr_thread *t)
{
    atomic_store_explicit(&t->state, 0, memory_order_release);
}

/* n was unlinked by an atomic exchange (seq_cst) by this thread. */
void lab_ebr_retire(struct lab_ebr *d, struct lab_ebr_thread *t, struct lab_ebr_node *n);
/* Retired and not yet freed, over every thread (exact when quiescent). */
uint64_t lab_ebr_backlog(struct lab_ebr *d);

#endif
