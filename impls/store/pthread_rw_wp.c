/* store/pthread_rw_wp: as pthread_rw_rp, with the lock made
 * writer-preferring through pthread_rwlockattr_setkind_np(
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP): once a writer waits, new
 * readers queue behind it. (glibc treats PTHREAD_RWLOCK_PREFER_WRITER_NP
 * like the reader-preferring default; only the NONRECURSIVE kind changes
 * the policy, at the price of deadlocking a thread that read-locks
 * recursively while a writer waits.) The glibc counterpart of the
 * lab_rwlock under shard_unit. Calls pthread directly: LAB_CAP_THREADS_ONLY. */
#include <pthread.h>

#include "common/pthread_rw.h"
#include "lab_store.h"

static int pthread_rw_wp_create(const struct lab_store_cfg *cfg, void **self)
{
    return lab_pthread_rw_create(cfg, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, self);
}

const struct lab_store lab_store_pthread_rw_wp = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "pthread_rw_wp",
              .summary =
                  "32 shards of map + glibc pthread_rwlock, writer-preferring (NONRECURSIVE_NP)",
              .origin = "peer:glibc pthread_rwlock (PREFER_WRITER_NONRECURSIVE_NP)",
              .caps = LAB_CAP_THREADS_ONLY },
    .create = pthread_rw_wp_create,
    .insert = lab_lockmap_insert,
    .get = lab_lockmap_get,
    .update = lab_lockmap_update,
    .remove = lab_lockmap_remove,
    .scan = lab_lockmap_scan,
    .destroy = lab_lockmap_delete,
};
