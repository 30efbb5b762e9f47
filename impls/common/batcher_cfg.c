#include <stdio.h>

#include "lab_batcher.h"

#define LAB_MAX_BATCH (1u << 24)
#define LAB_MAX_BUFFERS 65536u

const char *lab_batcher_cfg_error(const struct lab_batcher_cfg *cfg)
{
    if (!cfg) return "no configuration";
    if (cfg->batch_size == 0) return "batch size must be at least 1";
    if (cfg->batch_size > LAB_MAX_BATCH) return "batch size is larger than 16777216";
    if (cfg->queue_size == 0) return "queue size must be a positive multiple of the batch size";
    if (cfg->queue_size % cfg->batch_size)
        return "queue size must be a positive multiple of the batch size";
    if (cfg->queue_size / cfg->batch_size + 1 > LAB_MAX_BUFFERS)
        return "queue/batch gives more than 65536 buffers";
    if (cfg->pad > 4096) return "padding must be at most 4096 bytes";
    return NULL;
}
