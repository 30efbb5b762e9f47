/* TEST ONLY: MemoryStore, but update() gives up when the lock is busy
 * (readers inside, or another update in flight: "a concurrent writer wins
 * anyway") and still returns 0: under contention updates are silently
 * lost. The check pass must say "lost update". */
#include <stdatomic.h>

#include "base.h"

static _Atomic int lost_busy; /* an update is in flight (any instance) */

static int lost_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    (void)ts;
    struct lab_unit *u = &((struct lab_memstore *)self)->u;
    if (!t) return -EINVAL;
    if (atomic_load(&u->mu.readers) != 0) return 0; /* readers inside: dropped */
    if (atomic_exchange(&lost_busy, 1)) return 0;   /* a writer inside: dropped */
    lab_rwlock_wrlock(&u->mu);
    int rc = lab_map_update(&u->map, id, t);
    lab_rwlock_wrunlock(&u->mu);
    atomic_store(&lost_busy, 0);
    return rc;
}

FS_VARIANT(faulty_lost_update, "update() drops the write when the lock is busy", fs_insert, fs_get,
           lost_update);
