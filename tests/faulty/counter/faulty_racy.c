/* TEST ONLY: count++ on the shared count with no lock and no atomic, the
 * bug every counter variant exists to avoid: two workers that both read n
 * both write n + 1, and an increment is lost. A plain count++ is one
 * instruction on x86-64 and loses nothing unless two CPUs run it at the
 * same instant, which a loaded 2-vCPU machine may never do in a short test;
 * so the read and the write are split by lab_yield(), the window a
 * preemption opens in real code, and updates are lost as soon as two
 * workers take turns on one CPU. Proves that the exact-count check names a
 * variant that loses increments and that the TSan build reports the race. */
#include <errno.h>
#include <stdlib.h>

#include "lab_counter.h"
#include "lab_prim.h"

struct racy {
    uint64_t count;
};

static int racy_create(const struct lab_counter_cfg *cfg, void **self)
{
    if (!cfg) return -EINVAL;
    struct racy *r = calloc(1, sizeof *r);
    if (!r) return -ENOMEM;
    *self = r;
    return 0;
}

static int racy_inc(void *self, void *tstate)
{
    (void)tstate;
    struct racy *r = self;
    uint64_t n = r->count;
    lab_yield();
    r->count = n + 1;
    return 0;
}

static int racy_flush(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

static int racy_close(void *self, uint64_t *total)
{
    *total = ((struct racy *)self)->count;
    return 0;
}

static void racy_destroy(void *self) { free(self); }

const struct lab_counter lab_counter_faulty_racy = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "counter",
              .name = "faulty_racy",
              .summary = "TEST ONLY: count++ without a lock",
              .origin = "test:faulty" },
    .create = racy_create,
    .inc = racy_inc,
    .flush = racy_flush,
    .close = racy_close,
    .destroy = racy_destroy,
};
