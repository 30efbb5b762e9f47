/* batcher/null: does nothing. Its ops/s is the harness's own ceiling (the
 * loop, the indirect call, the barrier); every other row should be read
 * against it. It delivers nothing, so its exactly-once verdict is n/a. */
#include <errno.h>
#include <stdlib.h>

#include "lab_batcher.h"

static int nb_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !sink || !sink->deliver) return -EINVAL;
    static char token;
    *self = &token;
    return 0;
}

static int nb_add(void *self, void *tstate, uint64_t item)
{
    (void)self;
    (void)tstate;
    (void)item;
    return 0;
}

static int nb_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}
static int nb_close(void *self)
{
    (void)self;
    return 0;
}
static void nb_destroy(void *self) { (void)self; }

const struct lab_batcher lab_batcher_null = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "batcher",
        .name = "null",
        .summary = "does nothing: the harness's own cost per op (delivers nothing)",
        .origin = "harness",
        .caps = LAB_CAP_DISCARDS,
    },
    .create = nb_create,
    .add = nb_add,
    .flush = nb_flush,
    .close = nb_close,
    .destroy = nb_destroy,
};
