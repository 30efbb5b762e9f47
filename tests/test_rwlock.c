/* lib/lab_rwlock: readers share, writers exclude everyone, and a waiting
 * writer goes before readers that arrive after it (Go's sync.RWMutex). */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "lab_rwlock.h"
#include "testutil.h"

static struct lab_rwlock lk;
static int shared_a, shared_b; /* a writer keeps them equal */
static _Atomic int torn;

static void *mixed(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 8 == 0) {
            lab_rwlock_wrlock(&lk);
            shared_a++;
            shared_b++;
            lab_rwlock_wrunlock(&lk);
        } else {
            lab_rwlock_rdlock(&lk);
            if (shared_a != shared_b) atomic_store(&torn, 1);
            lab_rwlock_rdunlock(&lk);
        }
    }
    return NULL;
}

Test(rwlock, writers_exclude_readers_and_writers)
{
    lab_rwlock_init(&lk);
    shared_a = shared_b = 0;
    pthread_t t[6];
    for (uintptr_t i = 0; i < 6; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, mixed, (void *)i), 0);
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
    cr_expect_eq(atomic_load(&torn), 0, "a reader saw a half-done write");
    cr_expect_eq(shared_a, shared_b);
    cr_expect_eq(atomic_load(&lk.readers), 0, "the lock is left with readers inside");
    lab_rwlock_destroy(&lk);
}

Test(rwlock, readers_share)
{
    lab_rwlock_init(&lk);
    lab_rwlock_rdlock(&lk);
    lab_rwlock_rdlock(&lk); /* would deadlock if readers excluded each other */
    cr_expect_eq(atomic_load(&lk.readers), 2);
    lab_rwlock_rdunlock(&lk);
    lab_rwlock_rdunlock(&lk);
    lab_rwlock_wrlock(&lk); /* and would block if one were left inside */
    lab_rwlock_wrunlock(&lk);
    lab_rwlock_destroy(&lk);
}

static int value;
static _Atomic int reader_saw = -1;

static void *writer(void *arg)
{
    (void)arg;
    lab_rwlock_wrlock(&lk);
    value = 1;
    lab_rwlock_wrunlock(&lk);
    return NULL;
}

static void *late_reader(void *arg)
{
    (void)arg;
    lab_rwlock_rdlock(&lk);
    atomic_store(&reader_saw, value);
    lab_rwlock_rdunlock(&lk);
    return NULL;
}

/* Readers inside; a writer queues; a reader arriving after the writer must
   wait for it, not join the readers already inside. */
Test(rwlock, waiting_writer_goes_before_later_readers)
{
    lab_rwlock_init(&lk);
    value = 0;
    lab_rwlock_rdlock(&lk);
    pthread_t w, r;
    cr_assert_eq(pthread_create(&w, NULL, writer, NULL), 0);
    while (atomic_load(&lk.readers) >= 0) usleep(1000); /* the writer announced itself */
    cr_assert_eq(pthread_create(&r, NULL, late_reader, NULL), 0);
    /* the late reader has queued once the count shows two readers */
    while (atomic_load(&lk.readers) != 2 - LAB_RWLOCK_MAX_READERS && atomic_load(&reader_saw) == -1)
        usleep(1000);
    cr_expect_eq(atomic_load(&reader_saw), -1, "a reader got in past a waiting writer");
    lab_rwlock_rdunlock(&lk);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    cr_expect_eq(atomic_load(&reader_saw), 1, "the late reader went before the writer");
    lab_rwlock_destroy(&lk);
}
