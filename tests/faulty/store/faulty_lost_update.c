/* TEST ONLY: MemoryStore, but update() gives up when the lock is busy ("a
 * concurrent writer wins anyway") and still returns 0: under contention
 * updates are silently lost. The check pass must say "lost update". */
#include "base.h"

static int lost_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    (void)ts;
    struct lab_unit *u = &((struct lab_memstore *)self)->u;
    if (!t) return -EINVAL;
    if (pthread_rwlock_trywrlock(&u->mu)) return 0; /* busy: dropped */
    int rc = lab_map_update(&u->map, id, t);
    pthread_rwlock_unlock(&u->mu);
    return rc;
}

FS_VARIANT(faulty_lost_update, "update() drops the write when the lock is busy", fs_insert, fs_get,
           lost_update);
