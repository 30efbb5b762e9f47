/* store/shard_unit: the seed's ShardStore rebuilt on ShardUnit (phase 3):
 * each shard is only a map and a reader-writer lock; the parent owns the
 * global atomic ID and the id & mask routing. */
#include "common/store_unit.h"

static int su_create(const struct lab_store_cfg *cfg, void **self)
{
    return lab_sharded_new(cfg, sizeof(struct lab_unit), sizeof(struct lab_sharded), self);
}

const struct lab_store lab_store_shard_unit = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "shard_unit",
              .summary = "ShardStore on ShardUnit: 32 shards of map+rwlock only, atomic global ID",
              .origin = "seed:taskstore phase 3",
              .caps = 0,
              .thread_state = 0 },
    .create = su_create,
    .insert = lab_sharded_insert,
    .get = lab_sharded_get,
    .update = lab_sharded_update,
    .remove = lab_sharded_remove,
    .scan = lab_sharded_scan,
    .destroy = lab_sharded_delete,
};
