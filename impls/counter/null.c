/* counter/null: does nothing. Its ops/s is the harness's own ceiling (the
 * loop, the indirect call, the stop check); every other row should be read
 * against it, as will-it-scale's baseline. It counts nothing: close()
 * returns a total of 0, and LAB_CAP_DISCARDS tells the driver not to expect
 * the exact count. */
#include "common/counter.h"

static int null_create(const struct lab_counter_cfg *cfg, void **self)
{
    if (lab_counter_cfg_error(cfg) || !self) return -EINVAL;
    static char token;
    *self = &token;
    return 0;
}

static int null_inc(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int null_close(void *self, uint64_t *total)
{
    (void)self;
    *total = 0;
    return 0;
}

static void null_destroy(void *self) { (void)self; }

const struct lab_counter lab_counter_null = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "null",
        .summary = "does nothing: the harness's own cost per op (counts nothing)",
        .origin = "harness",
        .caps = LAB_CAP_DISCARDS,
    },
    .create = null_create,
    .inc = null_inc,
    .flush = lab_counter_flush_none,
    .close = null_close,
    .destroy = null_destroy,
};
