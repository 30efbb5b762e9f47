/* lab.h: the one interface every implementation of every family provides.
 *
 * Model: SQLite's sqlite3_io_methods / liburcu's cds_lfht_mm_type. Each
 * family has a header of its own (lab_batcher.h, lab_store.h,
 * lab_counter.h) with one struct of function pointers whose first member is
 * struct lab_impl. Each implementation file includes its family's header and
 * defines exactly one exported, const descriptor named
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

#include "lab_param.h" /* struct lab_param, lab_param(name): a variant's tunables */
#include "lab_prim.h"  /* lab_yield, lab_mutex, lab_park ...: block and yield only through these */
#include "lab_util.h"  /* lab_now_ns, LAB_ALIGNED, lab_calloc_aligned, lab_mix64 */

#define LAB_ABI_VERSION 2u /* 2: params and per-thread hooks in struct lab_impl */

/* Capability bits (struct lab_impl.caps). */
enum {
    LAB_CAP_TIMEOUT = 1u << 0,       /* honours a flush timeout */
    LAB_CAP_BACKPRESSURE = 1u << 1,  /* bounded memory: producers block when full */
    LAB_CAP_OWN_THREADS = 1u << 2,   /* starts threads of its own */
    LAB_CAP_DISCARDS = 1u << 3,      /* delivers nothing (harness-overhead row) */
    LAB_CAP_PARALLEL_SCAN = 1u << 4, /* scan runs on worker threads */
    LAB_CAP_THREADS_ONLY = 1u << 5,  /* calls OS blocking functions itself (pthread,
                                       futex, sched_yield): refused by any runner
                                       but threads, with this reason */
    LAB_CAP_NO_OVERSUB = 1u << 6     /* FIFO spinning (ticket, MCS, ...): collapses
                                       once workers outnumber CPUs, so oversubscribed
                                       cells run only in fixed-time mode, up to 4x the
                                       CPUs, and are skipped past that as slow, not
                                       failed, with the reason */
};

/* Common header: the first member of every family descriptor. */
struct lab_impl {
    unsigned abi;        /* LAB_ABI_VERSION */
    const char *family;  /* "batcher", "store" */
    const char *name;    /* registry name == file stem */
    const char *summary; /* one line for `contend list` */
    const char *origin;  /* "seed:snail phase 5", "roofline", "new", "peer:ck" */
    unsigned caps;       /* LAB_CAP_* */
    size_t thread_state; /* bytes of per-thread state the harness allocates
                              (cache-line aligned, zeroed); 0 for none */
    /* ---- ABI 2 (all optional) ---- */
    const struct lab_param *params; /* its parameters, or NULL */
    /* Per-thread hooks, for libraries that register OS threads (liburcu's
       rcu_register_thread, ck_epoch_register ...). thread_init runs on each
       OS thread that will call the variant, before that thread's first
       call (workers before the start gate; the harness's own thread after
       create() for its untimed calls: prefill, checks), thread_exit on the
       same thread after its last call. Under a fiber runner: once per
       carrier thread. Threads the variant starts itself are its own to
       register. self: what create() returned. 0 or -errno. */
    int (*thread_init)(void *self);
    void (*thread_exit)(void *self);
    /* Once per worker (a thread or a fiber), with its thread_state, before
       the start gate: per-worker setup that is not per OS thread (an index,
       a node of a queue lock, a per-CPU slot hint). 0 or -errno. */
    int (*worker_init)(void *self, void *tstate, unsigned idx);
};

#endif
