/* Building blocks of the store variants (impls/store/), written once:
 *  - lab_unit: the seed's ShardUnit, a map and a reader-writer lock (a
 *    lab_rwlock: writer-preferring like the seed's sync.RWMutex);
 *  - lab_memstore: the seed's MemoryStore, a unit plus its own ID counter
 *    under a separate mutex;
 *  - lab_sharded: the seed's ShardStore frame: a power-of-two array of
 *    shards picked by id & mask and a global atomic ID. Each shard is an
 *    element of elem_size bytes that begins with a lab_unit (a bare unit
 *    for shard_unit/pooled, a whole lab_memstore for shard). The
 *    lab_sharded_* operations can be used directly as a variant's vtable
 *    entries when the variant's state begins with a struct lab_sharded. */
#ifndef LAB_STORE_UNIT_H
#define LAB_STORE_UNIT_H

#include <stdatomic.h>

#include "hashmap.h"
#include "lab_prim.h"
#include "lab_rwlock.h"
#include "lab_util.h"

struct lab_unit {
    struct lab_rwlock mu;
    struct lab_map map;
};

int lab_unit_init(struct lab_unit *u, size_t hint);
void lab_unit_destroy(struct lab_unit *u);
int lab_unit_get(struct lab_unit *u, uint64_t id, struct lab_task *out);
int lab_unit_put(struct lab_unit *u, uint64_t id, const struct lab_task *t);
int lab_unit_update(struct lab_unit *u, uint64_t id, const struct lab_task *t);
int lab_unit_remove(struct lab_unit *u, uint64_t id);
int lab_unit_scan(struct lab_unit *u, lab_scan_fn fn, void *arg);

struct lab_memstore {
    struct lab_unit u;      /* tasks + mu */
    struct lab_mutex id_mu; /* idMutex */
    uint64_t next_id;       /* nextID (unused when the store is a shard) */
};

int lab_memstore_init(struct lab_memstore *m, size_t hint);
void lab_memstore_destroy(struct lab_memstore *m);
uint64_t lab_memstore_next_id(struct lab_memstore *m);

struct lab_sharded {
    unsigned nshards, mask;
    size_t elem_size;
    void **shards; /* each begins with a struct lab_unit */
    LAB_ALIGNED _Atomic uint64_t next_id;
    char pad_[LAB_CACHELINE - sizeof(_Atomic uint64_t)];
};

#define LAB_SHARDS_DEFAULT 32u

/* elem_size: sizeof(struct lab_unit) or sizeof(struct lab_memstore). */
int lab_sharded_init(struct lab_sharded *s, const struct lab_store_cfg *cfg, size_t elem_size);
void lab_sharded_fini(struct lab_sharded *s);
/* Allocates a cache-line aligned, zeroed object of size bytes (>= sizeof
   struct lab_sharded, which it begins with) and initialises the frame. */
int lab_sharded_new(const struct lab_store_cfg *cfg, size_t elem_size, size_t size, void **self);
void lab_sharded_delete(void *self); /* fini + free */
static inline struct lab_unit *lab_sharded_unit(struct lab_sharded *s, uint64_t id)
{
    return (struct lab_unit *)s->shards[id & s->mask];
}
int lab_sharded_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id);
int lab_sharded_get(void *self, void *ts, uint64_t id, struct lab_task *out);
int lab_sharded_update(void *self, void *ts, uint64_t id, const struct lab_task *t);
int lab_sharded_remove(void *self, void *ts, uint64_t id);
int lab_sharded_scan(void *self, lab_scan_fn fn, void *arg); /* shard by shard */

#endif
