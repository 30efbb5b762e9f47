#include <errno.h>

#include "lab_alloc.h"
#include "lockmap.h"
#include "shards.h"

#define LOCKMAP_LOCK_BYTES(ops) (((ops)->size + 15) / 16 * 16)

static void *lockmap_lock(const struct lab_lockmap *m, unsigned i)
{
    return m->shards + (size_t)i * m->stride;
}

static struct lab_map *lockmap_map(const struct lab_lockmap *m, unsigned i)
{
    return (struct lab_map *)(m->shards + (size_t)i * m->stride + LOCKMAP_LOCK_BYTES(m->ops));
}

int lab_lockmap_init(struct lab_lockmap *m, const struct lab_store_cfg *cfg,
                     const struct lab_lockops *ops, void *ctx)
{
    int n = lab_shard_count(cfg);
    if (n < 0) return n;
    m->ops = ops;
    m->ctx = ctx;
    m->mask = n - 1;
    m->nshards = 0;
    atomic_init(&m->next_id, 0);
    size_t raw = LOCKMAP_LOCK_BYTES(ops) + sizeof(struct lab_map);
    m->stride = (raw + LAB_CACHELINE - 1) / LAB_CACHELINE * LAB_CACHELINE;
    if (!(m->shards = lab_calloc_aligned(m->stride * n))) return -ENOMEM;
    for (; m->nshards < (unsigned)n; m->nshards++) {
        int rc = lab_map_init(lockmap_map(m, m->nshards), cfg->capacity_hint / n + 1);
        if (!rc && (rc = ops->init(lockmap_lock(m, m->nshards), ctx)) != 0)
            lab_map_destroy(lockmap_map(m, m->nshards));
        if (rc) {
            lab_lockmap_fini(m);
            return rc;
        }
    }
    return 0;
}

void lab_lockmap_fini(struct lab_lockmap *m)
{
    for (unsigned i = 0; i < m->nshards; i++) {
        m->ops->destroy(lockmap_lock(m, i));
        lab_map_destroy(lockmap_map(m, i));
    }
    free(m->shards);
    m->shards = NULL;
    m->nshards = 0;
}

int lab_lockmap_new(const struct lab_store_cfg *cfg, const struct lab_lockops *ops, size_t size,
                    void **self)
{
    struct lab_lockmap *m = lab_calloc_aligned(size);
    if (!m) return -ENOMEM;
    int rc = lab_lockmap_init(m, cfg, ops, NULL);
    if (rc) {
        free(m);
        return rc;
    }
    *self = m;
    return 0;
}

void lab_lockmap_delete(void *self)
{
    lab_lockmap_fini(self);
    free(self);
}

int lab_lockmap_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct lab_lockmap *m = self;
    if (!out) return -EINVAL;
    unsigned i = (unsigned)(id & m->mask);
    uintptr_t tok = m->ops->rdlock(lockmap_lock(m, i), m->ctx);
    int rc = lab_map_get(lockmap_map(m, i), id, out);
    m->ops->rdunlock(lockmap_lock(m, i), m->ctx, tok);
    return rc;
}

/* op 0: put (a new record), 1: update, 2: remove */
static int lockmap_write(struct lab_lockmap *m, int op, uint64_t id, const struct lab_task *t)
{
    unsigned i = (unsigned)(id & m->mask);
    struct lab_map *map = lockmap_map(m, i);
    m->ops->wrlock(lockmap_lock(m, i), m->ctx);
    int rc = op == 0 ? lab_map_put(map, t)
        : op == 1    ? lab_map_update(map, id, t)
                     : lab_map_remove(map, id);
    m->ops->wrunlock(lockmap_lock(m, i), m->ctx);
    return rc;
}

int lab_lockmap_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    (void)ts;
    struct lab_lockmap *m = self;
    if (!t) return -EINVAL;
    struct lab_task copy = *t;
    copy.id = lab_next_id(&m->next_id);
    int rc = lockmap_write(m, 0, copy.id, &copy);
    if (!rc && id) *id = copy.id;
    return rc;
}

int lab_lockmap_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    (void)ts;
    if (!t) return -EINVAL;
    return lockmap_write(self, 1, id, t);
}

int lab_lockmap_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    return lockmap_write(self, 2, id, NULL);
}

int lab_lockmap_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct lab_lockmap *m = self;
    if (!fn) return -EINVAL;
    int stop = 0;
    for (unsigned i = 0; i < m->nshards && !stop; i++) {
        uintptr_t tok = m->ops->rdlock(lockmap_lock(m, i), m->ctx);
        stop = lab_map_scan(lockmap_map(m, i), fn, arg);
        m->ops->rdunlock(lockmap_lock(m, i), m->ctx, tok);
    }
    return 0;
}
