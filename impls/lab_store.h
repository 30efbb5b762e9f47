/* lab_store.h: the store family's interface (see lab.h for the conventions). */
#ifndef LAB_STORE_H
#define LAB_STORE_H

#include "lab.h"

/* Family: store. A concurrent key-value store of Task records. */

#define LAB_TASK_NAME_MAX 48 /* including the terminating NUL */

struct lab_task {
    uint64_t id;
    uint32_t status;
    uint32_t version; /* free for the caller (tests version updates) */
    char name[LAB_TASK_NAME_MAX];
}; /* 64 bytes */

struct lab_store_cfg {
    size_t capacity_hint; /* expected number of records (pre-sizing) */
    unsigned shards;      /* power of two; 0 = variant default */
    unsigned workers;     /* worker threads (channel, pooled); 0 = default */
    unsigned nthreads;    /* client threads (a hint) */
};

/* scan callback: return 0 to continue, non-zero to stop. May be called
   concurrently from several threads for LAB_CAP_PARALLEL_SCAN variants. */
typedef int (*lab_scan_fn)(void *arg, const struct lab_task *task);

struct lab_store {
    struct lab_impl base;
    int (*create)(const struct lab_store_cfg *cfg, void **self);
    /* Assigns a fresh unique id (written to *id and to the stored record). */
    int (*insert)(void *self, void *tstate, const struct lab_task *t, uint64_t *id);
    int (*get)(void *self, void *tstate, uint64_t id, struct lab_task *out);
    int (*update)(void *self, void *tstate, uint64_t id, const struct lab_task *t);
    int (*remove)(void *self, void *tstate, uint64_t id);
    /* GetAll: visits each live record once. */
    int (*scan)(void *self, lab_scan_fn fn, void *arg);
    void (*destroy)(void *self);
    /* Optional (appended; NULL = call insert n times): bulk insert used to
       prefill outside any timed region; ids[i] receives t[i]'s id. */
    int (*insert_many)(void *self, void *tstate, const struct lab_task *t, size_t n, uint64_t *ids);
    /* Optional (appended): scan with the calling worker's thread state (a
       variant that needs per-thread state to read, e.g. an epoch record);
       the harness calls it instead of scan when present. */
    int (*scan_ts)(void *self, void *tstate, lab_scan_fn fn, void *arg);
    /* Optional (appended): for designs that defer frees (RCU, epochs), how
       many objects are retired but not yet freed: the reclamation backlog.
       Exact when no thread is inside the store (after the timed region);
       not yet reported by the driver. */
    uint64_t (*backlog)(void *self);
};

#endif
