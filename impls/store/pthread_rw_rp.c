/* store/pthread_rw_rp: the seed's ShardStore shape (32 shards, id & mask,
 * each a map behind a reader-writer lock, one atomic ID) with glibc's
 * pthread_rwlock_t in its default kind, PTHREAD_RWLOCK_PREFER_READER_NP:
 * a reader gets in whenever no writer holds the lock, even while writers
 * wait, so a steady stream of readers can starve a writer. The library
 * peer for shard_unit, whose lock (lab_rwlock, as Go's sync.RWMutex)
 * prefers writers. Calls pthread directly: LAB_CAP_THREADS_ONLY. */
#include <pthread.h>

#include "common/pthread_rw.h"
#include "lab_store.h"

static int pthread_rw_rp_create(const struct lab_store_cfg *cfg, void **self)
{
    return lab_pthread_rw_create(cfg, PTHREAD_RWLOCK_PREFER_READER_NP, self);
}

const struct lab_store lab_store_pthread_rw_rp = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "pthread_rw_rp",
              .summary = "32 shards of map + glibc pthread_rwlock (default: reader-preferring)",
              .origin = "peer:glibc pthread_rwlock (PREFER_READER_NP)",
              .caps = LAB_CAP_THREADS_ONLY },
    .create = pthread_rw_rp_create,
    .insert = lab_lockmap_insert,
    .get = lab_lockmap_get,
    .update = lab_lockmap_update,
    .remove = lab_lockmap_remove,
    .scan = lab_lockmap_scan,
    .destroy = lab_lockmap_delete,
};
