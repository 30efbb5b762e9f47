/* store/rcu_epoch: read-copy-update records with epoch-based reclamation.
 *
 * The design of read-copy-update (McKenney & Slingwine, "Read-copy update:
 * using execution history to solve concurrency problems", PDCS 1998):
 * records are immutable once published; a writer copies, publishes the new
 * record with one atomic exchange of the pointer and retires the old one;
 * readers take no lock and write nothing shared, inside an epoch of the
 * small EBR scheme in impls/common/ebr.h (Fraser 2004), which frees a
 * retired record once no reader can still hold it.
 *
 * Layout: shards (cfg->shards, default 32) picked by id & mask as in the
 * seed's ShardStore; each shard is an open-addressing index of
 * (id, record pointer) pairs, 16 bytes each, linear probing, with a writer
 * mutex (lab_mutex). Entries never move while an index is live, so a
 * lock-free reader can probe safely: a removal leaves a tombstone (the id
 * stays, the pointer becomes NULL; ids are never reused), and growth or too
 * many tombstones build a new index that is published by exchange and the
 * old one retired like a record. An update needs a fresh 64-byte record:
 * a record freed by the epoch scheme goes to its thread's pool (up to
 * 4,096) and the next update on that thread takes it from there, so in a
 * steady state updates allocate nothing (glibc's malloc and cross-thread
 * free cost more than the rest of an update); lab_malloc only when the
 * pool is empty, which B/op and allocs/op show.
 *
 * Readers and writers never block on each other; writers of one shard
 * queue on its mutex (lab_prim: parks under every runner). Every thread
 * that calls the store registers in thread_init (an epoch record per OS
 * thread); a call from an unregistered thread returns -EPERM. The number of
 * records retired but not yet freed is `backlog`. */
#include <errno.h>
#include <string.h>

#include "common/ebr.h"
#include "common/shards.h"
#include "lab_alloc.h"
#include "lab_store.h"

struct rcu_rec {
    struct lab_task task;
    struct lab_ebr_node node;
};

struct rcu_entry {
    _Atomic uint64_t id;           /* 0: empty; never changes once set */
    _Atomic(struct rcu_rec *) rec; /* NULL: removed (a tombstone) */
};

struct rcu_index {
    struct lab_ebr_node node;
    size_t mask;
    size_t used, live; /* writers only: entries taken, records present */
    struct rcu_entry e[];
};

struct rcu_shard {
    LAB_ALIGNED struct lab_mutex mu;
    _Atomic(struct rcu_index *) ix;
};

/* a thread's epoch record and its pool of reclaimed records */
struct rcu_thread {
    struct lab_ebr_thread ebr; /* first */
    struct lab_ebr_node *pool;
    unsigned npool;
};

#define RCU_POOL_MAX 4096

struct rcu_store {
    struct lab_ebr ebr;
    LAB_ALIGNED _Atomic uint64_t next_id;
    LAB_ALIGNED unsigned nshards, mask;
    struct rcu_shard *shards;
};

static struct rcu_rec *rcu_rec_of(struct lab_ebr_node *n)
{
    return (struct rcu_rec *)((char *)n - offsetof(struct rcu_rec, node));
}

/* A record no reader can hold: into t's pool, or freed when it is full. */
static void rcu_recycle(struct lab_ebr_node *n, struct lab_ebr_thread *t)
{
    struct rcu_thread *rt = (struct rcu_thread *)t;
    if (rt->npool >= RCU_POOL_MAX) {
        lab_free(rcu_rec_of(n));
        return;
    }
    n->next = rt->pool;
    rt->pool = n;
    rt->npool++;
}

static struct rcu_rec *rcu_rec_new(struct lab_ebr_thread *t, const struct lab_task *task,
                                   uint64_t id)
{
    struct rcu_thread *rt = (struct rcu_thread *)t;
    struct rcu_rec *r;
    if (rt->pool) {
        r = rcu_rec_of(rt->pool);
        rt->pool = rt->pool->next;
        rt->npool--;
    } else if (!(r = lab_malloc(sizeof *r)))
        return NULL;
    r->task = *task;
    r->task.id = id;
    r->node.free = rcu_recycle;
    return r;
}

static void rcu_drain_pool(struct lab_ebr_thread *t)
{
    struct rcu_thread *rt = (struct rcu_thread *)t;
    while (rt->pool) {
        struct lab_ebr_node *n = rt->pool;
        rt->pool = n->next;
        lab_free(rcu_rec_of(n));
    }
    rt->npool = 0;
}

static void rcu_free_index(struct lab_ebr_node *n, struct lab_ebr_thread *t)
{
    (void)t;
    lab_free(n); /* node is first */
}

/* An empty index with room for at least n records at 3/4 load. */
static struct rcu_index *rcu_index_new(size_t n)
{
    size_t cap = 16;
    while (cap - cap / 4 < n) cap <<= 1;
    struct rcu_index *ix = lab_calloc(1, sizeof *ix + cap * sizeof ix->e[0]);
    if (ix) ix->mask = cap - 1;
    return ix;
}

static struct rcu_entry *rcu_probe(struct rcu_index *ix, uint64_t id)
{
    for (size_t i = lab_mix64(id) & ix->mask;; i = (i + 1) & ix->mask) {
        uint64_t k = atomic_load_explicit(&ix->e[i].id, memory_order_acquire);
        if (k == id || !k) return &ix->e[i]; /* at most 3/4 full: ends */
    }
}

static struct rcu_shard *rcu_shard_of(struct rcu_store *s, uint64_t id)
{
    return &s->shards[id & s->mask];
}

static void rcu_destroy(void *self)
{
    struct rcu_store *s = self;
    lab_ebr_fini(&s->ebr, rcu_drain_pool);
    for (unsigned i = 0; s->shards && i < s->nshards; i++) {
        struct rcu_index *ix = atomic_load_explicit(&s->shards[i].ix, memory_order_relaxed);
        for (size_t k = 0; ix && k <= ix->mask; k++) {
            struct rcu_rec *r = atomic_load_explicit(&ix->e[k].rec, memory_order_relaxed);
            if (r) lab_free(r);
        }
        lab_free(ix);
        lab_mutex_destroy(&s->shards[i].mu);
    }
    free(s->shards);
    free(s);
}

static int rcu_create(const struct lab_store_cfg *cfg, void **self)
{
    int n = lab_shard_count(cfg);
    if (n < 0) return n;
    struct rcu_store *s = lab_calloc_aligned(sizeof *s);
    if (!s) return -ENOMEM;
    lab_ebr_init(&s->ebr, sizeof(struct rcu_thread));
    atomic_init(&s->next_id, 0);
    s->nshards = n;
    s->mask = n - 1;
    if (!(s->shards = lab_calloc_aligned(sizeof *s->shards * n))) {
        rcu_destroy(s);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < (unsigned)n; i++) {
        lab_mutex_init(&s->shards[i].mu);
        struct rcu_index *ix = rcu_index_new(cfg->capacity_hint / n + 1);
        if (!ix) {
            s->nshards = i;
            rcu_destroy(s);
            return -ENOMEM;
        }
        atomic_init(&s->shards[i].ix, ix);
    }
    s->nshards = n;
    *self = s;
    return 0;
}

static int rcu_thread_init(void *self)
{
    return lab_ebr_thread_init(&((struct rcu_store *)self)->ebr);
}
static void rcu_thread_exit(void *self) { lab_ebr_thread_exit(&((struct rcu_store *)self)->ebr); }

static int rcu_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct rcu_store *s = self;
    struct lab_ebr_thread *t = lab_ebr_self(&s->ebr);
    if (!out) return -EINVAL;
    if (!t) return -EPERM;
    if (!id) return -ENOENT;
    struct rcu_shard *sh = rcu_shard_of(s, id);
    lab_ebr_enter(&s->ebr, t);
    struct rcu_entry *e = rcu_probe(atomic_load_explicit(&sh->ix, memory_order_acquire), id);
    struct rcu_rec *r = atomic_load_explicit(&e->rec, memory_order_acquire);
    if (r) *out = r->task;
    lab_ebr_exit(t);
    return r ? 0 : -ENOENT;
}

/* Writer (shard lock held): a new index holding the live records, with room
   for `room` more; the old one retired. NULL when out of memory. */
static struct rcu_index *rcu_rebuild(struct rcu_store *s, struct lab_ebr_thread *t,
                                     struct rcu_shard *sh, struct rcu_index *old, size_t room)
{
    struct rcu_index *ix = rcu_index_new(2 * (old->live + room));
    if (!ix) return NULL;
    for (size_t k = 0; k <= old->mask; k++) {
        struct rcu_rec *r = atomic_load_explicit(&old->e[k].rec, memory_order_relaxed);
        if (!r) continue;
        uint64_t id = atomic_load_explicit(&old->e[k].id, memory_order_relaxed);
        struct rcu_entry *e = rcu_probe(ix, id);
        atomic_store_explicit(&e->rec, r, memory_order_relaxed);
        atomic_store_explicit(&e->id, id, memory_order_relaxed);
        ix->used++;
        ix->live++;
    }
    atomic_exchange_explicit(&sh->ix, ix, memory_order_seq_cst); /* publishes it */
    old->node.free = rcu_free_index;
    lab_ebr_retire(&s->ebr, t, &old->node);
    return ix;
}

static int rcu_insert(void *self, void *ts, const struct lab_task *task, uint64_t *id)
{
    (void)ts;
    struct rcu_store *s = self;
    struct lab_ebr_thread *t = lab_ebr_self(&s->ebr);
    if (!task) return -EINVAL;
    if (!t) return -EPERM;
    uint64_t nid = lab_next_id(&s->next_id);
    struct rcu_rec *r = rcu_rec_new(t, task, nid);
    if (!r) return -ENOMEM;
    struct rcu_shard *sh = rcu_shard_of(s, nid);
    lab_mutex_lock(&sh->mu);
    t = lab_ebr_self(&s->ebr); /* the lock may have moved a fiber to another carrier */
    struct rcu_index *ix = atomic_load_explicit(&sh->ix, memory_order_relaxed);
    if (ix->used + 1 > ix->mask + 1 - (ix->mask + 1) / 4 && !(ix = rcu_rebuild(s, t, sh, ix, 1))) {
        lab_mutex_unlock(&sh->mu);
        lab_free(r);
        return -ENOMEM;
    }
    struct rcu_entry *e = rcu_probe(ix, nid);
    atomic_store_explicit(&e->rec, r, memory_order_relaxed);
    atomic_store_explicit(&e->id, nid, memory_order_release); /* publishes both */
    ix->used++;
    ix->live++;
    lab_mutex_unlock(&sh->mu);
    if (id) *id = nid;
    return 0;
}

/* Replaces id's record with nr (NULL: removes it). */
static int rcu_swap(struct rcu_store *s, struct lab_ebr_thread *t, uint64_t id, struct rcu_rec *nr)
{
    struct rcu_shard *sh = rcu_shard_of(s, id);
    lab_mutex_lock(&sh->mu);
    /* The lock may have parked this worker (a fiber) and resumed it on
       another carrier: the epoch record is the carrier's, so find it again
       (impls/common/tslot.h). */
    t = lab_ebr_self(&s->ebr);
    struct rcu_index *ix = atomic_load_explicit(&sh->ix, memory_order_relaxed);
    struct rcu_entry *e = rcu_probe(ix, id);
    struct rcu_rec *old = atomic_load_explicit(&e->rec, memory_order_relaxed);
    if (old) {
        atomic_exchange_explicit(&e->rec, nr, memory_order_seq_cst); /* unlinks old */
        lab_ebr_retire(&s->ebr, t, &old->node);
        if (!nr) ix->live--;
    }
    lab_mutex_unlock(&sh->mu);
    return old ? 0 : -ENOENT;
}

static int rcu_update(void *self, void *ts, uint64_t id, const struct lab_task *task)
{
    (void)ts;
    struct rcu_store *s = self;
    struct lab_ebr_thread *t = lab_ebr_self(&s->ebr);
    if (!task) return -EINVAL;
    if (!t) return -EPERM;
    if (!id) return -ENOENT;
    struct rcu_rec *r = rcu_rec_new(t, task, id);
    if (!r) return -ENOMEM;
    int rc = rcu_swap(s, t, id, r);
    if (rc) rcu_recycle(&r->node, lab_ebr_self(&s->ebr)); /* never published; t may be stale */
    return rc;
}

static int rcu_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    struct rcu_store *s = self;
    struct lab_ebr_thread *t = lab_ebr_self(&s->ebr);
    if (!t) return -EPERM;
    return id ? rcu_swap(s, t, id, NULL) : -ENOENT;
}

static int rcu_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct rcu_store *s = self;
    struct lab_ebr_thread *t = lab_ebr_self(&s->ebr);
    if (!fn) return -EINVAL;
    if (!t) return -EPERM;
    lab_ebr_enter(&s->ebr, t);
    int stop = 0;
    for (unsigned i = 0; i < s->nshards && !stop; i++) {
        struct rcu_index *ix = atomic_load_explicit(&s->shards[i].ix, memory_order_acquire);
        for (size_t k = 0; k <= ix->mask && !stop; k++) {
            struct rcu_rec *r = atomic_load_explicit(&ix->e[k].rec, memory_order_acquire);
            if (r) stop = fn(arg, &r->task);
        }
    }
    lab_ebr_exit(t);
    return 0;
}

static uint64_t rcu_backlog(void *self)
{
    return lab_ebr_backlog(&((struct rcu_store *)self)->ebr);
}

const struct lab_store lab_store_rcu_epoch = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "rcu_epoch",
              .summary =
                  "RCU records: lock-free readers in an epoch, writers copy+exchange, EBR frees",
              .origin =
                  "design: RCU (McKenney & Slingwine, PDCS 1998) + EBR (Fraser, TR-579, 2004)",
              .caps = 0,
              .thread_init = rcu_thread_init,
              .thread_exit = rcu_thread_exit },
    .create = rcu_create,
    .insert = rcu_insert,
    .get = rcu_get,
    .update = rcu_update,
    .remove = rcu_remove,
    .scan = rcu_scan,
    .destroy = rcu_destroy,
    .backlog = rcu_backlog,
};
