/* What the faulty stores share: the MemoryStore design (one reader-writer
 * lock over one map, impls/common/store_unit.h), so that each
 * tests/faulty/store/faulty_<fault>.c differs from a correct variant by
 * its one fault. A file that includes this is a drop-in variant once this
 * header is pasted in its place. */
#ifndef FAULTY_STORE_BASE_H
#define FAULTY_STORE_BASE_H

#include <errno.h>
#include <stdlib.h>

#include "common/store_unit.h"

static inline int fs_create(const struct lab_store_cfg *cfg, void **self)
{
    struct lab_memstore *m = calloc(1, sizeof *m);
    if (!m) return -ENOMEM;
    int rc = lab_memstore_init(m, cfg->capacity_hint);
    if (rc) {
        free(m);
        return rc;
    }
    *self = m;
    return 0;
}

static inline int fs_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    (void)ts;
    struct lab_memstore *m = self;
    if (!t) return -EINVAL;
    uint64_t nid = lab_memstore_next_id(m);
    int rc = lab_unit_put(&m->u, nid, t);
    if (!rc && id) *id = nid;
    return rc;
}

static inline int fs_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    return out ? lab_unit_get(&((struct lab_memstore *)self)->u, id, out) : -EINVAL;
}

static inline int fs_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    (void)ts;
    return t ? lab_unit_update(&((struct lab_memstore *)self)->u, id, t) : -EINVAL;
}

static inline int fs_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    return lab_unit_remove(&((struct lab_memstore *)self)->u, id);
}

static inline int fs_scan(void *self, lab_scan_fn fn, void *arg)
{
    if (!fn) return -EINVAL;
    lab_unit_scan(&((struct lab_memstore *)self)->u, fn, arg);
    return 0;
}

static inline void fs_destroy(void *self)
{
    lab_memstore_destroy(self);
    free(self);
}

#define FS_VARIANT(stem, what, insert_fn, get_fn, update_fn) \
    const struct lab_store lab_store_##stem = {              \
        .base = { .abi = LAB_ABI_VERSION,                    \
                  .family = "store",                         \
                  .name = #stem,                             \
                  .summary = "TEST ONLY: " what,             \
                  .origin = "test:faulty" },                 \
        .create = fs_create,                                 \
        .insert = insert_fn,                                 \
        .get = get_fn,                                       \
        .update = update_fn,                                 \
        .remove = fs_remove,                                 \
        .scan = fs_scan,                                     \
        .destroy = fs_destroy,                               \
    }

#endif
