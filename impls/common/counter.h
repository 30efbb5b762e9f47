/* What the counter family's variants share: the config check every create()
 * makes (so that all of them reject the same configurations) and the
 * allocation of the shared count in its own cache lines. */
#ifndef LAB_COMMON_COUNTER_H
#define LAB_COMMON_COUNTER_H

#include <errno.h>

#include "lab_counter.h"
#include "lab_util.h"

/* The seed's channel test: make(chan struct{}, 100_000). */
#define LAB_COUNTER_DEFAULT_CAPACITY 100000u
/* 2^26 slots of 8 bytes: 512 MiB, far above any useful channel. */
#define LAB_COUNTER_MAX_CAPACITY (1u << 26)

/* NULL when cfg is valid, else a one-line reason. capacity 0 means the
   default; nthreads is only a hint. */
static inline const char *lab_counter_cfg_error(const struct lab_counter_cfg *cfg)
{
    if (!cfg) return "no configuration";
    if (cfg->capacity > LAB_COUNTER_MAX_CAPACITY) return "capacity over 2^26 items";
    return 0;
}

/* Checks cfg and allocates size zeroed, cache-line aligned bytes in *self:
   0, -EINVAL or -ENOMEM. */
static inline int lab_counter_new(const struct lab_counter_cfg *cfg, size_t size, void **self)
{
    if (lab_counter_cfg_error(cfg) || !self) return -EINVAL;
    *self = lab_calloc_aligned(size);
    return *self ? 0 : -ENOMEM;
}

/* flush() of the variants that hold nothing per worker. */
static inline int lab_counter_flush_none(void *self, void *tstate)
{
    (void)self;
    (void)tstate;
    return 0;
}

/* destroy() of the variants that are one lab_counter_new() block. */
static inline void lab_counter_free(void *self) { free(self); }

#endif
