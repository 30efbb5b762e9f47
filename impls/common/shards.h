/* What the sharded store designs share: the shard count (cfg->shards, or
 * the seed's 32 when 0; a power of two, so a shard is id & (n - 1)) and
 * the global ID counter (one atomic add, ids from 1). */
#ifndef LAB_SHARDS_H
#define LAB_SHARDS_H

#include <errno.h>
#include <stdatomic.h>

#include "lab_store.h"

/* The number of shards, or -EINVAL. */
static inline int lab_shard_count(const struct lab_store_cfg *cfg)
{
    unsigned n = cfg->shards ? cfg->shards : 32;
    return n & (n - 1) || n > (1u << 30) ? -EINVAL : (int)n;
}

static inline uint64_t lab_next_id(_Atomic uint64_t *counter)
{
    return atomic_fetch_add_explicit(counter, 1, memory_order_relaxed) + 1;
}

#endif
