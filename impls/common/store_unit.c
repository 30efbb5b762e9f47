#include <errno.h>
#include <string.h>

#include "lab_alloc.h"
#include "store_unit.h"

int lab_unit_init(struct lab_unit *u, size_t hint)
{
    int rc = lab_map_init(&u->map, hint);
    if (rc) return rc;
    lab_rwlock_init(&u->mu);
    return 0;
}

void lab_unit_destroy(struct lab_unit *u)
{
    lab_rwlock_destroy(&u->mu);
    lab_map_destroy(&u->map);
}

int lab_unit_get(struct lab_unit *u, uint64_t id, struct lab_task *out)
{
    lab_rwlock_rdlock(&u->mu);
    int rc = lab_map_get(&u->map, id, out);
    lab_rwlock_rdunlock(&u->mu);
    return rc;
}

int lab_unit_put(struct lab_unit *u, uint64_t id, const struct lab_task *t)
{
    struct lab_task copy = *t;
    copy.id = id;
    lab_rwlock_wrlock(&u->mu);
    int rc = lab_map_put(&u->map, &copy);
    lab_rwlock_wrunlock(&u->mu);
    return rc;
}

int lab_unit_update(struct lab_unit *u, uint64_t id, const struct lab_task *t)
{
    lab_rwlock_wrlock(&u->mu);
    int rc = lab_map_update(&u->map, id, t);
    lab_rwlock_wrunlock(&u->mu);
    return rc;
}

int lab_unit_remove(struct lab_unit *u, uint64_t id)
{
    lab_rwlock_wrlock(&u->mu);
    int rc = lab_map_remove(&u->map, id);
    lab_rwlock_wrunlock(&u->mu);
    return rc;
}

int lab_unit_scan(struct lab_unit *u, lab_scan_fn fn, void *arg)
{
    lab_rwlock_rdlock(&u->mu);
    int rc = lab_map_scan(&u->map, fn, arg);
    lab_rwlock_rdunlock(&u->mu);
    return rc;
}

int lab_memstore_init(struct lab_memstore *m, size_t hint)
{
    int rc = lab_unit_init(&m->u, hint);
    if (rc) return rc;
    lab_mutex_init(&m->id_mu);
    m->next_id = 1;
    return 0;
}

void lab_memstore_destroy(struct lab_memstore *m)
{
    lab_mutex_destroy(&m->id_mu);
    lab_unit_destroy(&m->u);
}

uint64_t lab_memstore_next_id(struct lab_memstore *m)
{
    lab_mutex_lock(&m->id_mu);
    uint64_t id = m->next_id++;
    lab_mutex_unlock(&m->id_mu);
    return id;
}

int lab_sharded_init(struct lab_sharded *s, const struct lab_store_cfg *cfg, size_t elem_size)
{
    unsigned n = cfg->shards ? cfg->shards : LAB_SHARDS_DEFAULT;
    if (n & (n - 1)) return -EINVAL;
    s->nshards = n;
    s->mask = n - 1;
    s->elem_size = elem_size;
    atomic_init(&s->next_id, 0);
    s->shards = lab_calloc(n, sizeof *s->shards);
    if (!s->shards) return -ENOMEM;
    size_t hint = cfg->capacity_hint / n + 1;
    for (unsigned i = 0; i < n; i++) {
        int rc = -ENOMEM;
        if ((s->shards[i] = lab_calloc(1, elem_size)) != NULL)
            rc = elem_size == sizeof(struct lab_memstore) ? lab_memstore_init(s->shards[i], hint)
                                                          : lab_unit_init(s->shards[i], hint);
        if (rc) {
            lab_free(s->shards[i]);
            s->nshards = i;
            lab_sharded_fini(s);
            return rc;
        }
    }
    return 0;
}

void lab_sharded_fini(struct lab_sharded *s)
{
    for (unsigned i = 0; i < s->nshards; i++) {
        if (s->elem_size == sizeof(struct lab_memstore))
            lab_memstore_destroy(s->shards[i]);
        else
            lab_unit_destroy(s->shards[i]);
        lab_free(s->shards[i]);
    }
    lab_free(s->shards);
    s->shards = NULL;
}

int lab_sharded_new(const struct lab_store_cfg *cfg, size_t elem_size, size_t size, void **self)
{
    struct lab_sharded *s = lab_calloc_aligned(size);
    if (!s) return -ENOMEM;
    int rc = lab_sharded_init(s, cfg, elem_size);
    if (rc) {
        free(s);
        return rc;
    }
    *self = s;
    return 0;
}

void lab_sharded_delete(void *self)
{
    lab_sharded_fini(self);
    free(self);
}

int lab_sharded_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    struct lab_sharded *s = self;
    if (!t) return -EINVAL;
    uint64_t nid = atomic_fetch_add_explicit(&s->next_id, 1, memory_order_relaxed) + 1;
    int rc = lab_unit_put(lab_sharded_unit(s, nid), nid, t);
    if (!rc && id) *id = nid;
    return rc;
}

int lab_sharded_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    if (!out) return -EINVAL;
    return lab_unit_get(lab_sharded_unit(self, id), id, out);
}

int lab_sharded_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    if (!t) return -EINVAL;
    return lab_unit_update(lab_sharded_unit(self, id), id, t);
}

int lab_sharded_remove(void *self, void *ts, uint64_t id)
{
    return lab_unit_remove(lab_sharded_unit(self, id), id);
}

int lab_sharded_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct lab_sharded *s = self;
    if (!fn) return -EINVAL;
    for (unsigned i = 0; i < s->nshards; i++)
        if (lab_unit_scan(s->shards[i], fn, arg)) break;
    return 0;
}
