/* store/memory: the seed's MemoryStore, the baseline. One reader-writer lock
 * over one map, and a separate mutex around the ID counter. */
#include <errno.h>

#include "common/store_unit.h"
#include "lab_alloc.h"

static int m_create(const struct lab_store_cfg *cfg, void **self)
{
    struct lab_memstore *m = lab_calloc(1, sizeof *m);
    if (!m) return -ENOMEM;
    int rc = lab_memstore_init(m, cfg->capacity_hint);
    if (rc) {
        lab_free(m);
        return rc;
    }
    *self = m;
    return 0;
}

static int m_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    struct lab_memstore *m = self;
    if (!t) return -EINVAL;
    uint64_t nid = lab_memstore_next_id(m);
    int rc = lab_unit_put(&m->u, nid, t);
    if (!rc && id) *id = nid;
    return rc;
}

static int m_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    if (!out) return -EINVAL;
    return lab_unit_get(&((struct lab_memstore *)self)->u, id, out);
}

static int m_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    if (!t) return -EINVAL;
    return lab_unit_update(&((struct lab_memstore *)self)->u, id, t);
}

static int m_remove(void *self, void *ts, uint64_t id)
{
    return lab_unit_remove(&((struct lab_memstore *)self)->u, id);
}

static int m_scan(void *self, lab_scan_fn fn, void *arg)
{
    if (!fn) return -EINVAL;
    lab_unit_scan(&((struct lab_memstore *)self)->u, fn, arg);
    return 0;
}

static void m_destroy(void *self)
{
    lab_memstore_destroy(self);
    lab_free(self);
}

const struct lab_store lab_store_memory = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "memory",
              .summary = "MemoryStore: one rwlock over one map, a mutex for the ID counter",
              .origin = "seed:taskstore baseline",
              .caps = 0,
              .thread_state = 0 },
    .create = m_create,
    .insert = m_insert,
    .get = m_get,
    .update = m_update,
    .remove = m_remove,
    .scan = m_scan,
    .destroy = m_destroy,
};
