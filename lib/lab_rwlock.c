/* A writer-preferring reader-writer lock (see lab_rwlock.h), on two
 * counting semaphores built from futex words. */
#include "lab_rwlock.h"

/* A counting semaphore in one futex word: the word holds the free tokens. */
static void rwlock_sem_acquire(_Atomic uint32_t *sem)
{
    for (;;) {
        uint32_t v = atomic_load_explicit(sem, memory_order_relaxed);
        while (v > 0)
            if (atomic_compare_exchange_weak_explicit(sem, &v, v - 1, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
        lab_park(sem, 0, 0); /* returns at once if a token came meanwhile */
    }
}

static void rwlock_sem_release(_Atomic uint32_t *sem, uint32_t n)
{
    atomic_fetch_add_explicit(sem, n, memory_order_release);
    lab_unpark(sem, n);
}

void lab_rwlock_init(struct lab_rwlock *l)
{
    lab_mutex_init(&l->w);
    atomic_init(&l->readers, 0);
    atomic_init(&l->departing, 0);
    atomic_init(&l->reader_sem, 0);
    atomic_init(&l->writer_sem, 0);
}

void lab_rwlock_destroy(struct lab_rwlock *l) { lab_mutex_destroy(&l->w); }

void lab_rwlock_rdlock(struct lab_rwlock *l)
{
    /* negative: a writer is in or waiting; queue behind it */
    if (atomic_fetch_add_explicit(&l->readers, 1, memory_order_acq_rel) + 1 < 0)
        rwlock_sem_acquire(&l->reader_sem);
}

void lab_rwlock_rdunlock(struct lab_rwlock *l)
{
    if (atomic_fetch_sub_explicit(&l->readers, 1, memory_order_acq_rel) - 1 >= 0) return;
    /* a writer waits: the last reader it waits for wakes it */
    if (atomic_fetch_sub_explicit(&l->departing, 1, memory_order_acq_rel) - 1 == 0)
        rwlock_sem_release(&l->writer_sem, 1);
}

void lab_rwlock_wrlock(struct lab_rwlock *l)
{
    lab_mutex_lock(&l->w);
    int32_t inside =
        atomic_fetch_sub_explicit(&l->readers, LAB_RWLOCK_MAX_READERS, memory_order_acq_rel);
    /* wait for the readers that were inside when we announced ourselves
       (some may already have left and counted themselves out of departing) */
    if (inside != 0
        && atomic_fetch_add_explicit(&l->departing, inside, memory_order_acq_rel) + inside != 0)
        rwlock_sem_acquire(&l->writer_sem);
}

void lab_rwlock_wrunlock(struct lab_rwlock *l)
{
    int32_t queued =
        atomic_fetch_add_explicit(&l->readers, LAB_RWLOCK_MAX_READERS, memory_order_acq_rel)
        + LAB_RWLOCK_MAX_READERS;
    if (queued > 0) rwlock_sem_release(&l->reader_sem, (uint32_t)queued);
    lab_mutex_unlock(&l->w);
}
