/* lab.h: the one interface every implementation of every family provides.
 *
 * Model: SQLite's sqlite3_io_methods / liburcu's cds_lfht_mm_type. Each
 * implementation file defines exactly one exported, const descriptor named
 * lab_<family>_<file stem>, with designated initializers, and keeps
 * everything else static. The build generates the registry from the files
 * present in impls/<family>/, so adding a variant is adding a file.
 *
 * Conventions: functions return 0 or a negative errno (-EINVAL, -ENOMEM,
 * -ENOENT ...); global errno is never part of the interface. Fields are only
 * ever appended; `abi` must equal LAB_ABI_VERSION.
 */
#ifndef LAB_H
#define LAB_H

#include <stddef.h>
#include <stdint.h>

#define LAB_ABI_VERSION 1u
#define LAB_CACHELINE 64

/* Capability bits (struct lab_impl.caps). */
enum {
    LAB_CAP_TIMEOUT      = 1u << 0, /* honours a flush timeout */
    LAB_CAP_BACKPRESSURE = 1u << 1, /* bounded memory: producers block when full */
    LAB_CAP_OWN_THREADS  = 1u << 2, /* starts threads of its own */
    LAB_CAP_DISCARDS     = 1u << 3, /* delivers nothing (harness-overhead row) */
    LAB_CAP_PARALLEL_SCAN = 1u << 4, /* scan runs on worker threads */
    LAB_CAP_THREADS_ONLY = 1u << 5, /* calls OS blocking functions itself (pthread,
                                       futex, sched_yield): refused by any runner
                                       but threads, with this reason */
    LAB_CAP_NO_OVERSUB   = 1u << 6  /* FIFO spinning (ticket, MCS, ...): collapses
                                       once workers outnumber CPUs, so oversubscribed
                                       cells run only in fixed-time mode and are
                                       reported as slow, not failed */
};

/* Common header: the first member of every family descriptor. */
struct lab_impl {
    unsigned abi;          /* LAB_ABI_VERSION */
    const char *family;    /* "batcher", "store" */
    const char *name;      /* registry name == file stem */
    const char *summary;   /* one line for `contend list` */
    const char *origin;    /* "seed:snail phase 5", "roofline", "new", "peer:ck" */
    unsigned caps;         /* LAB_CAP_* */
    size_t thread_state;   /* bytes of per-thread state the harness allocates
                              (cache-line aligned, zeroed); 0 for none */
};

/* ------------------------------------------------------------------ */
/* Family: batcher. Many producers add() items; one consumer (the sink)
 * receives them in batches of at most batch_size. Every item added is
 * delivered exactly once by the time close() returns. The sink is never
 * called concurrently with itself (the variant serialises deliveries). */

struct lab_batcher_cfg {
    size_t batch_size;     /* items per batch, >= 1 */
    size_t queue_size;     /* n-buffering: 1 + queue/batch buffers; a positive
                              multiple of batch_size */
    unsigned timeout_ms;   /* flush timeout for LAB_CAP_TIMEOUT variants; 0 = none */
    unsigned nthreads;     /* producer threads that will call add() (a hint) */
    size_t pad;            /* bytes of padding between hot fields (lockfree) */
};

struct lab_sink {
    void (*deliver)(void *arg, const uint64_t *items, size_t n);
    void *arg;
};

struct lab_batcher {
    struct lab_impl base;
    int  (*create)(const struct lab_batcher_cfg *cfg, const struct lab_sink *sink,
                   void **self);
    /* tstate: this thread's state (base.thread_state bytes) or NULL if 0. */
    int  (*add)(void *self, void *tstate, uint64_t item);
    /* Called once by each producer thread when it is done adding: hands over
       whatever that thread still holds. */
    int  (*flush)(void *self, void *tstate);
    /* Delivers everything still pending and joins the variant's threads. */
    int  (*close)(void *self);
    void (*destroy)(void *self);
};

/* Returns NULL when cfg is valid, else a one-line reason. */
const char *lab_batcher_cfg_error(const struct lab_batcher_cfg *cfg);

/* ------------------------------------------------------------------ */
/* Family: store. A concurrent key-value store of Task records. */

#define LAB_TASK_NAME_MAX 48   /* including the terminating NUL */

struct lab_task {
    uint64_t id;
    uint32_t status;
    uint32_t version;          /* free for the caller (tests version updates) */
    char name[LAB_TASK_NAME_MAX];
};                             /* 64 bytes */

struct lab_store_cfg {
    size_t capacity_hint;      /* expected number of records (pre-sizing) */
    unsigned shards;           /* power of two; 0 = variant default */
    unsigned workers;          /* worker threads (channel, pooled); 0 = default */
    unsigned nthreads;         /* client threads (a hint) */
};

/* scan callback: return 0 to continue, non-zero to stop. May be called
   concurrently from several threads for LAB_CAP_PARALLEL_SCAN variants. */
typedef int (*lab_scan_fn)(void *arg, const struct lab_task *task);

struct lab_store {
    struct lab_impl base;
    int  (*create)(const struct lab_store_cfg *cfg, void **self);
    /* Assigns a fresh unique id (written to *id and to the stored record). */
    int  (*insert)(void *self, void *tstate, const struct lab_task *t, uint64_t *id);
    int  (*get)(void *self, void *tstate, uint64_t id, struct lab_task *out);
    int  (*update)(void *self, void *tstate, uint64_t id, const struct lab_task *t);
    int  (*remove)(void *self, void *tstate, uint64_t id);
    /* GetAll: visits each live record once. */
    int  (*scan)(void *self, lab_scan_fn fn, void *arg);
    void (*destroy)(void *self);
    /* Optional (appended; NULL = call insert n times): bulk insert used to
       prefill outside any timed region; ids[i] receives t[i]'s id. */
    int  (*insert_many)(void *self, void *tstate, const struct lab_task *t, size_t n,
                        uint64_t *ids);
};

#endif
