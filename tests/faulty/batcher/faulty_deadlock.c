/* TEST ONLY: a batcher whose add() takes a lock it never releases, so the
 * second add by any thread blocks forever. Proves the watchdog. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lab_batcher.h"

struct dl {
    pthread_mutex_t mu;
};

static int d_create(const struct lab_batcher_cfg *cfg, const struct lab_sink *s, void **self)
{
    if (lab_batcher_cfg_error(cfg) || !s || !s->deliver) return -EINVAL;
    struct dl *d = calloc(1, sizeof *d);
    if (!d) return -ENOMEM;
    pthread_mutex_init(&d->mu, NULL);
    *self = d;
    return 0;
}

static int d_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    (void)item;
    pthread_mutex_lock(&((struct dl *)self)->mu); /* never unlocked */
    return 0;
}

static int d_flush(void *self, void *ts)
{
    (void)self;
    (void)ts;
    return 0;
}
static int d_close(void *self)
{
    (void)self;
    return 0;
}
static void d_destroy(void *self) { free(self); }

const struct lab_batcher lab_batcher_deadlock = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "batcher",
              .name = "deadlock",
              .summary = "TEST ONLY: add() deadlocks",
              .origin = "test:faulty" },
    .create = d_create,
    .add = d_add,
    .flush = d_flush,
    .close = d_close,
    .destroy = d_destroy,
};
