/* The one hash map every store variant uses (uint64 id -> struct lab_task,
 * copied in and out), so a comparison of variants isolates synchronization,
 * not map quality. Open addressing with linear probing over 64-byte slots
 * (the record itself is the slot; id 0 marks an empty slot) and
 * backward-shift deletion (no tombstones). Not thread-safe: the variants
 * supply the locking. Grows by doubling past 3/4 full; pre-size it with the
 * expected record count to keep growth out of a timed region. */
#ifndef LAB_HASHMAP_H
#define LAB_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lab_store.h"

struct lab_map {
    struct lab_task *slots;
    size_t mask; /* capacity - 1 (capacity is a power of two) */
    size_t len;
};

int lab_map_init(struct lab_map *m, size_t hint); /* 0 or -ENOMEM */
void lab_map_destroy(struct lab_map *m);
/* 0 or -ENOENT; copies the record out. */
int lab_map_get(const struct lab_map *m, uint64_t id, struct lab_task *out);
/* Inserts or replaces t (t->id != 0): 0, -EINVAL or -ENOMEM. */
int lab_map_put(struct lab_map *m, const struct lab_task *t);
/* Replaces an existing record: 0 or -ENOENT. The stored id stays id. */
int lab_map_update(struct lab_map *m, uint64_t id, const struct lab_task *t);
int lab_map_remove(struct lab_map *m, uint64_t id); /* 0 or -ENOENT */
/* Calls fn on each record; returns fn's first non-zero result, else 0. */
int lab_map_scan(const struct lab_map *m, lab_scan_fn fn, void *arg);

#endif
