/* lab_rwlock.h: a reader-writer lock on the lab's primitives (lab_prim.h),
 * writer-preferring like Go's sync.RWMutex, which the task-store seed used
 * for MemoryStore and ShardUnit.
 *
 * What Go's RWMutex does (sync/rwmutex.go), and so what this does:
 *  - Writers exclude each other with a plain mutex first.
 *  - A writer then announces itself by subtracting a large constant from the
 *    reader count. From that moment every new reader sees a negative count
 *    and sleeps on a reader semaphore: a waiting writer is never starved by
 *    a stream of readers (glibc's default pthread rwlock prefers readers).
 *  - The writer sleeps on a writer semaphore until the readers that were
 *    inside when it announced itself have left; the last of them wakes it.
 *  - Unlock adds the constant back, releases every reader that queued behind
 *    it at once, then releases the writer mutex. Readers and writers
 *    therefore alternate under contention: a batch of readers, a writer, a
 *    batch of readers ...
 *  - Uncontended, RLock and RUnlock are one atomic add each.
 * The semaphores here are counting futex words (lab_park/lab_unpark), so a
 * blocked reader or writer parks its task (a fiber under fibers, a thread
 * under threads), never its carrier.
 *
 * Conventions as in lab_prim.h. Zero is not a valid initial state: call
 * lab_rwlock_init (or use LAB_RWLOCK_INIT). */
#ifndef LAB_RWLOCK_H
#define LAB_RWLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "lab_prim.h"

struct lab_rwlock {
    struct lab_mutex w;          /* held by the writer, pending or active */
    _Atomic int32_t readers;     /* readers inside (or queued), minus
                                      LAB_RWLOCK_MAX_READERS while a writer is in */
    _Atomic int32_t departing;   /* readers the pending writer still waits for */
    _Atomic uint32_t reader_sem; /* tokens for queued readers */
    _Atomic uint32_t writer_sem; /* token for the pending writer */
};

#define LAB_RWLOCK_MAX_READERS (1 << 30)
#define LAB_RWLOCK_INIT            \
    {                              \
        LAB_MUTEX_INIT, 0, 0, 0, 0 \
    }

void lab_rwlock_init(struct lab_rwlock *l);
void lab_rwlock_rdlock(struct lab_rwlock *l);
void lab_rwlock_rdunlock(struct lab_rwlock *l);
void lab_rwlock_wrlock(struct lab_rwlock *l);
void lab_rwlock_wrunlock(struct lab_rwlock *l);
void lab_rwlock_destroy(struct lab_rwlock *l);

#endif
