/* store/shard: the seed's ShardStore (phase 1). 32 shards picked by
 * id & mask, each one a whole MemoryStore, including its per-shard ID
 * counter and mutex that the sharded store never uses; IDs come from one
 * global atomic counter. */
#include "common/store_unit.h"

static int sh_create(const struct lab_store_cfg *cfg, void **self)
{
    return lab_sharded_new(cfg, sizeof(struct lab_memstore), sizeof(struct lab_sharded), self);
}

const struct lab_store lab_store_shard = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "shard",
              .summary = "ShardStore: 32 MemoryStore shards (id & mask), atomic global ID",
              .origin = "seed:taskstore phase 1",
              .caps = 0,
              .thread_state = 0 },
    .create = sh_create,
    .insert = lab_sharded_insert,
    .get = lab_sharded_get,
    .update = lab_sharded_update,
    .remove = lab_sharded_remove,
    .scan = lab_sharded_scan,
    .destroy = lab_sharded_delete,
};
