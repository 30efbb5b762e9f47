/* A sharded store whose lock is a parameter: shards picked by id & mask as
 * in the seed's ShardStore, each one the shared map (hashmap.h) behind a
 * reader-writer lock supplied by the variant through struct lab_lockops.
 * So the pthread rwlock peers and BRAVO differ from shard_unit only in the
 * lock, and a comparison of them isolates the lock. The lab_lockmap_*
 * operations are vtable entries when the variant's state begins with a
 * struct lab_lockmap. 0 or a negative errno. */
#ifndef LAB_LOCKMAP_H
#define LAB_LOCKMAP_H

#include <stdatomic.h>

#include "hashmap.h"
#include "lab_util.h"

struct lab_lockops {
    size_t size; /* bytes of one lock */
    int (*init)(void *lock, void *ctx);
    void (*destroy)(void *lock);
    /* rdlock returns a token that the matching rdunlock gets back */
    uintptr_t (*rdlock)(void *lock, void *ctx);
    void (*rdunlock)(void *lock, void *ctx, uintptr_t token);
    void (*wrlock)(void *lock, void *ctx);
    void (*wrunlock)(void *lock, void *ctx);
};

struct lab_lockmap {
    const struct lab_lockops *ops;
    void *ctx; /* the variant's state shared by its locks, or NULL */
    unsigned nshards, mask;
    size_t stride; /* bytes per shard: the lock, then its map, cache-line multiple */
    char *shards;
    LAB_ALIGNED _Atomic uint64_t next_id;
    char pad_[LAB_CACHELINE - sizeof(_Atomic uint64_t)];
};

/* cfg->shards (default 32, a power of two) shards, pre-sized from
   cfg->capacity_hint. */
int lab_lockmap_init(struct lab_lockmap *m, const struct lab_store_cfg *cfg,
                     const struct lab_lockops *ops, void *ctx);
void lab_lockmap_fini(struct lab_lockmap *m);
/* A cache-line aligned, zeroed object of size bytes (beginning with a
   struct lab_lockmap), initialised; lab_lockmap_delete: fini + free. */
int lab_lockmap_new(const struct lab_store_cfg *cfg, const struct lab_lockops *ops, size_t size,
                    void **self);
void lab_lockmap_delete(void *self);
int lab_lockmap_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id);
int lab_lockmap_get(void *self, void *ts, uint64_t id, struct lab_task *out);
int lab_lockmap_update(void *self, void *ts, uint64_t id, const struct lab_task *t);
int lab_lockmap_remove(void *self, void *ts, uint64_t id);
int lab_lockmap_scan(void *self, lab_scan_fn fn, void *arg); /* shard by shard, read-locked */

#endif
