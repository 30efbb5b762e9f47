/* TEST ONLY: a batcher that dereferences NULL on its 1000th add. Built into
 * contend-faulty, never into contend: it proves a crash is isolated. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "lab_batcher.h"

struct crash {
    _Atomic uint64_t n;
};

static int c_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *s, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !s || !s->deliver) return -EINVAL;
    return (*self = calloc(1, sizeof(struct crash))) ? 0 : -ENOMEM;
}

static int c_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    (void)item;
    struct crash *c = self;
    if (atomic_fetch_add(&c->n, 1) == 999) {
        fprintf(stderr, "crash: about to dereference NULL\n");
        fflush(stderr);
        volatile int *p = NULL;
        *p = 1;
    }
    return 0;
}

static int c_flush(void *self, void *ts)
{
    (void)self;
    (void)ts;
    return 0;
}
static int c_close(void *self)
{
    (void)self;
    return 0;
}
static void c_destroy(void *self) { free(self); }

const struct lab_batcher lab_batcher_crash = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "batcher",
              .name = "crash",
              .summary = "TEST ONLY: segfaults on the 1000th add",
              .origin = "test:faulty" },
    .create = c_create,
    .add = c_add,
    .flush = c_flush,
    .close = c_close,
    .destroy = c_destroy,
};
