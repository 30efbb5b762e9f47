/* runner_int.h (run/ internal): what a runner provides to run_trial
 * (runner.c): the threads runner (runner.c) and the fiber runner
 * (runner_fibers.c). */
#ifndef CONTEND_RUNNER_INT_H
#define CONTEND_RUNNER_INT_H

#include "runner.h"

struct runner_kind {
    const char *name;
    /* Before the driver's setup (create): install the lab_prim ops, so a
       variant's own tasks (lab_spawn in create) are of this runner. */
    int (*begin)(struct trial_ctx *c, char *err, size_t n);
    /* Starts the workers (run_worker_main each); *created of them. */
    int (*start)(struct trial_ctx *c, unsigned *created, char *err, size_t n);
    /* Every worker is parked at the gate (or, --start seed, running): the
       timed region begins. Optional. */
    void (*go)(struct trial_ctx *c);
    /* Waits for every worker: the timed region has ended. */
    void (*join)(struct trial_ctx *c, unsigned created);
    /* The variant's thread_exit on the runner's own OS threads (carriers),
       before destroy; optional (threads: each worker did its own). */
    void (*carriers_exit)(struct trial_ctx *c);
    /* After the driver's finish: counters into t (NULL: the trial failed),
       stop and free what begin made, install the threads ops back. */
    void (*end)(struct trial_ctx *c, struct trial *t);
};

extern const struct runner_kind run_kind_threads, run_kind_fibers;

/* One worker's body, whatever runs it. */
void *run_worker_main(void *arg);

#endif
