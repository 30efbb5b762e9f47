/* TEST ONLY: a batcher whose create() always fails with ENOMEM. Proves a
 * cell that cannot run says why (the reason, not just "error"). */
#include <errno.h>

#include "lab_batcher.h"

static int n_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *s, void **self)
{
    (void)cfg;
    (void)s;
    (void)self;
    return -ENOMEM;
}

static int n_add(void *self, void *ts, uint64_t item)
{
    (void)self;
    (void)ts;
    (void)item;
    return 0;
}

static int n_flush(void *self, void *ts)
{
    (void)self;
    (void)ts;
    return 0;
}

static int n_close(void *self)
{
    (void)self;
    return 0;
}

static void n_destroy(void *self) { (void)self; }

const struct lab_batcher lab_batcher_faulty_nomem = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "batcher",
              .name = "faulty_nomem",
              .summary = "TEST ONLY: create() fails with ENOMEM",
              .origin = "test:faulty" },
    .create = n_create,
    .add = n_add,
    .flush = n_flush,
    .close = n_close,
    .destroy = n_destroy,
};
