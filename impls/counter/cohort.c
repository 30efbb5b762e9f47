/* counter/cohort: a cohort lock from Concurrency Kit's ck_cohort.h (Debian's
 * libck-dev; Dice, Marathe & Shavit, "Lock Cohorting: A General Technique
 * for Designing NUMA Locks", PPoPP 2012) around count += 1: C-BO-MCS, the
 * paper's pick. One global lock, a test-and-set lock with exponential
 * backoff (ck_spinlock_fas_lock_eb: thread-oblivious, as cohorting needs,
 * since one thread of a cohort may release what another took), and per NUMA
 * node a cohort with its own local MCS lock (ck_spinlock_mcs). A thread
 * takes its node's local lock, then the global lock unless the previous
 * local holder left it to the cohort; on release it passes the global lock
 * within the cohort while someone waits locally, at most `pass_limit` times
 * in a row (CK's default 10), so the lock's data stays on one node.
 *
 * This machine has one NUMA node, so there is one cohort and the global
 * lock is never contended: the design degenerates to the local MCS lock,
 * plus the cohort's bookkeeping on every acquisition (an atomic increment
 * and decrement of its waiter count, on a line every locker writes) and an
 * uncontended swap of the global lock whenever nobody waits locally or the
 * pass limit is reached. Its row against counter/mcs is the cost of
 * cohorting where it cannot pay off. The node is read with getcpu() only
 * when /sys lists more than one node; up to COHORT_NODES cohorts.
 *
 * Both locks are CK's as shipped (pure spinning, the local one FIFO):
 * LAB_CAP_NO_OVERSUB and LAB_CAP_THREADS_ONLY, as counter/mcs. CK
 * synchronises in inline assembly TSan cannot see: both locks are annotated
 * (common/tsan.h) in the wrappers the cohort calls. */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_cohort.h>
#include <ck_spinlock.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "common/counter.h"
#include "common/tsan.h"

#define COHORT_NODES 8

static void cohort_global_lock(ck_spinlock_fas_t *lock, void *ctx)
{
    (void)ctx;
    ck_spinlock_fas_lock_eb(lock);
    lab_tsan_acquire(lock);
}

static void cohort_global_unlock(ck_spinlock_fas_t *lock, void *ctx)
{
    (void)ctx;
    lab_tsan_release(lock);
    ck_spinlock_fas_unlock(lock);
}

static bool cohort_global_locked(ck_spinlock_fas_t *lock, void *ctx)
{
    (void)ctx;
    return ck_spinlock_fas_locked(lock);
}

static void cohort_local_lock(ck_spinlock_mcs_t *lock, void *node)
{
    ck_spinlock_mcs_lock(lock, node);
    lab_tsan_acquire(lock);
}

static void cohort_local_unlock(ck_spinlock_mcs_t *lock, void *node)
{
    lab_tsan_release(lock);
    ck_spinlock_mcs_unlock(lock, node);
}

static bool cohort_local_locked(ck_spinlock_mcs_t *lock, void *node)
{
    (void)node;
    return ck_spinlock_mcs_locked(lock);
}

CK_COHORT_PROTOTYPE(lab_bo_mcs, cohort_global_lock, cohort_global_unlock, cohort_global_locked,
                    cohort_local_lock, cohort_local_unlock, cohort_local_locked)

struct cohort_node {
    LAB_ALIGNED CK_COHORT_INSTANCE(lab_bo_mcs) cohort;
    ck_spinlock_mcs_t local;
};

struct cohort_counter {
    ck_spinlock_fas_t global;
    unsigned nodes;
    struct cohort_node node[COHORT_NODES];
    LAB_ALIGNED uint64_t count;
};

struct cohort_tstate {
    LAB_ALIGNED ck_spinlock_mcs_context_t node;
};

static const struct lab_param cohort_params[] = {
    { "pass_limit", "local hand-offs before the global lock is released (CK: 10)", 10, 1, 1e6, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

/* NUMA nodes online, from /sys ("0", "0-3", "0-1,3": the highest + 1); 1
   when unreadable. */
static unsigned cohort_numa_nodes(void)
{
    char line[256] = "";
    FILE *f = fopen("/sys/devices/system/node/online", "r");
    if (f) {
        if (!fgets(line, sizeof line, f)) line[0] = '\0';
        fclose(f);
    }
    const char *last = line + strcspn(line, "\n");
    while (last > line && last[-1] != '-' && last[-1] != ',') last--;
    char *end;
    unsigned long hi = strtoul(last, &end, 10);
    unsigned nodes = end != last ? (unsigned)hi + 1 : 1;
    return nodes > COHORT_NODES ? COHORT_NODES : nodes;
}

static int cohort_create(const struct lab_counter_cfg *cfg, void **self)
{
    int rc = lab_counter_new(cfg, sizeof(struct cohort_counter), self);
    if (rc) return rc;
    struct cohort_counter *c = *self;
    unsigned pass = (unsigned)lab_param("pass_limit");
    c->nodes = cohort_numa_nodes();
    ck_spinlock_fas_init(&c->global);
    for (unsigned i = 0; i < COHORT_NODES; i++) {
        ck_spinlock_mcs_init(&c->node[i].local);
        CK_COHORT_INIT(lab_bo_mcs, &c->node[i].cohort, &c->global, &c->node[i].local, pass);
    }
    return 0;
}

/* The cohort of the node this thread runs on. */
static struct cohort_node *cohort_here(struct cohort_counter *c)
{
    unsigned cpu, node = 0;
    if (c->nodes > 1 && getcpu(&cpu, &node) != 0) node = 0;
    return &c->node[node % c->nodes];
}

static uint64_t cohort_locked_add(struct cohort_counter *c, ck_spinlock_mcs_context_t *mine,
                                  uint64_t add)
{
    struct cohort_node *n = cohort_here(c); /* unlock the same one after a migration */
    CK_COHORT_LOCK(lab_bo_mcs, &n->cohort, NULL, mine);
    uint64_t total = c->count += add;
    CK_COHORT_UNLOCK(lab_bo_mcs, &n->cohort, NULL, mine);
    return total;
}

static int cohort_inc(void *self, void *tstate)
{
    cohort_locked_add(self, &((struct cohort_tstate *)tstate)->node, 1);
    return 0;
}

static int cohort_close(void *self, uint64_t *total)
{
    ck_spinlock_mcs_context_t mine;
    *total = cohort_locked_add(self, &mine, 0);
    return 0;
}

const struct lab_counter lab_counter_cohort = {
    .base = {
        .abi = LAB_ABI_VERSION,
        .family = "counter",
        .name = "cohort",
        .summary = "CK cohort lock C-BO-MCS (per-node MCS, global TAS+backoff; one node here: MCS "
                   "plus bookkeeping): threads only, no oversub",
        .origin = "peer:ck ck_cohort (Dice, Marathe & Shavit, PPoPP 2012)",
        .caps = LAB_CAP_THREADS_ONLY | LAB_CAP_NO_OVERSUB,
        .thread_state = sizeof(struct cohort_tstate),
        .params = cohort_params,
    },
    .create = cohort_create,
    .inc = cohort_inc,
    .flush = lab_counter_flush_none,
    .close = cohort_close,
    .destroy = lab_counter_free,
};
