/* store/pooled: the seed's ShardStoreGopool (phase 2, on ShardUnit shards
 * as in phase 3). Reads and writes go straight to the shard, as in
 * shard_unit. GetAll (scan) is split shard by shard over per-core worker
 * pools: shard i goes to pool i & core_mask, whose workers are pinned with
 * hwloc to that processing unit, so a shard is always scanned on the same
 * core. One pool per hwloc PU (what Go's NumCPU counts), rounded down to a
 * power of two; cfg->workers threads per pool (default 1). Each scan
 * allocates its job descriptors, as pool.Go allocates a closure per shard.
 *
 * Workers are started with lab_spawn and wait on lab_chan/lab_cond, so under
 * a fiber runner they are fibers. Pinning binds the calling OS thread, so it
 * happens only under the threads runner (lab_prim()->name); under any other
 * runner a worker would pin its carrier, which the runner owns: there the
 * pools are per-core in name only, as Go's goroutine pools were (the seed
 * could not pin a goroutine either). */
#include <errno.h>
#include <hwloc.h>
#include <stdatomic.h>
#include <string.h>

#include "common/chan.h"
#include "common/store_unit.h"
#include "lab_alloc.h"

#define MAX_POOLS 64u

struct scan_ctx {
    lab_scan_fn fn;
    void *arg;
    _Atomic int stop;
    struct lab_mutex mu;
    struct lab_cond done;
    unsigned left;
};

struct job {
    struct lab_unit *unit;
    struct scan_ctx *ctx;
};

struct pooled;

struct pool {
    struct lab_chan q;
    hwloc_cpuset_t set; /* NULL: not pinned */
    struct lab_task_handle *tids;
    unsigned nthreads;
    struct pooled *owner;
};

struct pooled {
    struct lab_sharded s; /* first: the lab_sharded_* entries use it */
    hwloc_topology_t topo;
    int have_topo;
    struct pool *pools;
    unsigned npools, core_mask;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;
    if (p->set && p->owner->have_topo && !strcmp(lab_prim()->name, "threads"))
        hwloc_set_cpubind(p->owner->topo, p->set, HWLOC_CPUBIND_THREAD);
    uint64_t v;
    while (lab_chan_recv(&p->q, &v, 0) == 0) {
        struct job *j = (struct job *)(uintptr_t)v;
        struct scan_ctx *c = j->ctx;
        if (!atomic_load_explicit(&c->stop, memory_order_relaxed)
            && lab_unit_scan(j->unit, c->fn, c->arg))
            atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
        lab_mutex_lock(&c->mu);
        if (--c->left == 0) lab_cond_signal(&c->done);
        lab_mutex_unlock(&c->mu);
    }
    return NULL;
}

static void p_destroy(void *self)
{
    struct pooled *p = self;
    for (unsigned i = 0; i < p->npools; i++) lab_chan_close(&p->pools[i].q);
    for (unsigned i = 0; i < p->npools; i++) {
        struct pool *pl = &p->pools[i];
        for (unsigned k = 0; k < pl->nthreads; k++) lab_join(&pl->tids[k]);
        lab_chan_destroy(&pl->q);
        if (pl->set) hwloc_bitmap_free(pl->set);
        lab_free(pl->tids);
    }
    lab_free(p->pools);
    if (p->have_topo) hwloc_topology_destroy(p->topo);
    lab_sharded_delete(p);
}

static int p_create(const struct lab_store_cfg *cfg, void **self)
{
    void *obj;
    int rc = lab_sharded_new(cfg, sizeof(struct lab_unit), sizeof(struct pooled), &obj);
    if (rc) return rc;
    struct pooled *p = obj;
    unsigned pus = 1;
    if (hwloc_topology_init(&p->topo) == 0) {
        if (hwloc_topology_load(p->topo) == 0) {
            p->have_topo = 1;
            int n = hwloc_get_nbobjs_by_type(p->topo, HWLOC_OBJ_PU);
            if (n > 0) pus = (unsigned)n;
        } else {
            hwloc_topology_destroy(p->topo);
        }
    }
    p->npools = 1;
    while (p->npools * 2 <= pus && p->npools * 2 <= MAX_POOLS) p->npools *= 2;
    p->core_mask = p->npools - 1;
    unsigned per_pool = cfg->workers ? cfg->workers : 1;
    unsigned made = 0;
    if (!(p->pools = lab_calloc(p->npools, sizeof *p->pools))) {
        p->npools = 0;
        rc = -ENOMEM;
    }
    for (; !rc && made < p->npools; made++) {
        struct pool *pl = &p->pools[made];
        pl->owner = p;
        if ((rc = lab_chan_init(&pl->q, 1024)) != 0) break;
        if (p->have_topo) {
            hwloc_obj_t pu = hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_PU, made);
            if (pu && pu->cpuset) pl->set = hwloc_bitmap_dup(pu->cpuset);
        }
        if (!(pl->tids = lab_calloc(per_pool, sizeof *pl->tids))) {
            rc = -ENOMEM;
            made++;
            break;
        }
        for (; pl->nthreads < per_pool; pl->nthreads++)
            if ((rc = lab_spawn(pool_worker, pl, &pl->tids[pl->nthreads])) != 0) break;
        if (rc) {
            made++;
            break;
        }
    }
    if (rc) {
        p->npools = made;
        p_destroy(p);
        return rc;
    }
    *self = p;
    return 0;
}

static int p_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct pooled *p = self;
    if (!fn) return -EINVAL;
    unsigned n = p->s.nshards;
    struct scan_ctx *c = lab_malloc(sizeof *c + n * sizeof(struct job));
    if (!c) return -ENOMEM;
    struct job *jobs = (struct job *)(c + 1);
    c->fn = fn;
    c->arg = arg;
    atomic_init(&c->stop, 0);
    lab_mutex_init(&c->mu);
    lab_cond_init(&c->done);
    c->left = n;
    for (unsigned i = 0; i < n; i++) {
        jobs[i] = (struct job){ p->s.shards[i], c };
        lab_chan_send(&p->pools[i & p->core_mask].q, (uint64_t)(uintptr_t)&jobs[i]);
    }
    lab_mutex_lock(&c->mu);
    while (c->left) lab_cond_wait(&c->done, &c->mu, 0);
    lab_mutex_unlock(&c->mu);
    lab_cond_destroy(&c->done);
    lab_mutex_destroy(&c->mu);
    lab_free(c);
    return 0;
}

const struct lab_store lab_store_pooled = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "pooled",
              .summary = "ShardStoreGopool: shard_unit + per-core pinned worker pools for GetAll",
              .origin = "seed:taskstore phase 2",
              .caps = LAB_CAP_PARALLEL_SCAN | LAB_CAP_OWN_THREADS,
              .thread_state = 0 },
    .create = p_create,
    .insert = lab_sharded_insert,
    .get = lab_sharded_get,
    .update = lab_sharded_update,
    .remove = lab_sharded_remove,
    .scan = p_scan,
    .destroy = p_destroy,
};
