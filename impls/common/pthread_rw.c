#include <errno.h>
#include <pthread.h>

#include "pthread_rw.h"

struct pthread_rw_store {
    struct lab_lockmap m; /* first: the lab_lockmap_* entries use it */
    int kind;
};

static int pthread_rw_init(void *lock, void *ctx)
{
    const struct pthread_rw_store *s = ctx;
    pthread_rwlockattr_t a;
    int rc = pthread_rwlockattr_init(&a);
    if (!rc) rc = pthread_rwlockattr_setkind_np(&a, s->kind);
    if (!rc) rc = pthread_rwlock_init(lock, &a);
    pthread_rwlockattr_destroy(&a);
    return -rc;
}

static void pthread_rw_destroy(void *lock) { pthread_rwlock_destroy(lock); }

static uintptr_t pthread_rw_rdlock(void *lock, void *ctx)
{
    (void)ctx;
    pthread_rwlock_rdlock(lock);
    return 0;
}

static void pthread_rw_rdunlock(void *lock, void *ctx, uintptr_t token)
{
    (void)ctx, (void)token;
    pthread_rwlock_unlock(lock);
}

static void pthread_rw_wrlock(void *lock, void *ctx)
{
    (void)ctx;
    pthread_rwlock_wrlock(lock);
}

static void pthread_rw_wrunlock(void *lock, void *ctx)
{
    (void)ctx;
    pthread_rwlock_unlock(lock);
}

static const struct lab_lockops pthread_rw_ops = {
    .size = sizeof(pthread_rwlock_t),
    .init = pthread_rw_init,
    .destroy = pthread_rw_destroy,
    .rdlock = pthread_rw_rdlock,
    .rdunlock = pthread_rw_rdunlock,
    .wrlock = pthread_rw_wrlock,
    .wrunlock = pthread_rw_wrunlock,
};

int lab_pthread_rw_create(const struct lab_store_cfg *cfg, int kind, void **self)
{
    struct pthread_rw_store *s = lab_calloc_aligned(sizeof *s);
    if (!s) return -ENOMEM;
    s->kind = kind;
    int rc = lab_lockmap_init(&s->m, cfg, &pthread_rw_ops, s);
    if (rc) {
        free(s);
        return rc;
    }
    *self = s;
    return 0;
}
