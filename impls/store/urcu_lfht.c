/* store/urcu_lfht: liburcu's RCU lock-free resizable hash table
 * (urcu/rculfhash.h, cds_lfht: Desnoyers, McKenney & Triplett's design,
 * split-ordered lists after Shalev & Shavit, JACM 2006), with the
 * membarrier flavour of userspace RCU (urcu-memb: readers pay no memory
 * barrier; Desnoyers et al., "User-level implementations of read-copy
 * update", IEEE TPDS 2012). Debian's liburcu-dev, linked as a shared
 * library: no _LGPL_SOURCE, so liburcu's LGPL code is not inlined here and
 * every rcu_read_lock is a call into the library.
 *  - One table for the whole store, pre-sized from the capacity hint (a
 *    bucket per expected record, at least 1,024) and never resized
 *    (auto-resize was erratic on 2 cores; a table that outgrows its size
 *    gets longer chains, never wrong answers).
 *  - A node is a record (64 bytes) plus liburcu's link and rcu_head.
 *    Reads look up and copy out under rcu_read_lock. An update allocates
 *    a node and cds_lfht_replace's the old one (retrying if a concurrent
 *    update or removal replaced it first); removal is cds_lfht_del. The
 *    old node goes to call_rcu, whose worker thread (liburcu's own) frees
 *    it after a grace period, so no application thread ever waits for one.
 *  - Threads register with liburcu in thread_init (counted per thread, so
 *    two stores can share a thread) and unregister in thread_exit; a call
 *    from an unregistered thread returns -EPERM. `backlog` is what went to
 *    call_rcu minus what its callbacks freed.
 * No application thread blocks (reads and updates are lock-free, call_rcu
 * only queues), so it runs under every runner; liburcu starts its call_rcu
 * worker as an OS thread of its own.
 * ThreadSanitizer: liburcu is not instrumented and publishes with its own
 * barriers, so the edges are annotated (impls/common/tsan.h): a node is
 * released before it is published and acquired in the match function, the
 * first thing a reader does with it; every read-side section releases the
 * grace-period token before rcu_read_unlock, and the call_rcu callback
 * acquires it before freeing, the edge a grace period provides. No
 * suppression. */
/* contend: pkg-config liburcu-cds liburcu-memb, debian liburcu-dev */
#include <urcu/urcu-memb.h> /* first: rculfhash.h wants the flavour */

#include <errno.h>
#include <urcu/rculfhash.h>

#include "common/tsan.h"
#include "common/tslot.h"
#include "lab_alloc.h"
#include "lab_store.h"

struct lfht_store;

struct lfht_node {
    struct cds_lfht_node node;
    struct rcu_head rcu;
    struct lfht_store *owner;
    struct lab_task task;
};

struct lfht_thread {
    struct lab_tslot slot;    /* first */
    _Atomic uint64_t retired; /* written by the holder only */
};

struct lfht_store {
    struct cds_lfht *ht;
    struct lab_tslots threads;
    LAB_ALIGNED _Atomic uint64_t next_id;
    LAB_ALIGNED _Atomic uint64_t freed; /* by call_rcu's worker */
};

static _Thread_local unsigned lfht_registered; /* thread_init calls on this thread */
static char lfht_grace;                        /* TSan's name for a grace period */

static unsigned long lfht_hash(uint64_t id) { return (unsigned long)lab_mix64(id); }

static int lfht_match(struct cds_lfht_node *node, const void *key)
{
    const struct lfht_node *n = caa_container_of(node, struct lfht_node, node);
    lab_tsan_acquire(n);
    return n->task.id == *(const uint64_t *)key;
}

static void lfht_free_cb(struct rcu_head *head)
{
    struct lfht_node *n = caa_container_of(head, struct lfht_node, rcu);
    lab_tsan_acquire(&lfht_grace);
    lab_tsan_acquire(n); /* before the first read of n */
    struct lfht_store *s = n->owner;
    lab_free(n);
    atomic_fetch_add_explicit(&s->freed, 1, memory_order_release); /* the last touch of s */
}

static void lfht_register(void)
{
    if (lfht_registered++ == 0) urcu_memb_register_thread();
}

static void lfht_unregister(void)
{
    if (--lfht_registered == 0) urcu_memb_unregister_thread();
}

static int lfht_thread_init(void *self)
{
    struct lfht_store *s = self;
    struct lab_tslot *slot;
    int fresh, rc = lab_tslot_claim(&s->threads, &slot, &fresh);
    if (!rc) lfht_register();
    return rc;
}

static void lfht_thread_exit(void *self)
{
    lab_tslot_release(&((struct lfht_store *)self)->threads);
    lfht_unregister();
}

static struct lfht_thread *lfht_self(struct lfht_store *s)
{
    return (struct lfht_thread *)lab_tslot_self(&s->threads);
}

/* Retires a node this (registered) thread unlinked, read-side section held. */
static void lfht_retire(struct lfht_store *s, struct lfht_node *n)
{
    struct lfht_thread *t = lfht_self(s);
    atomic_store_explicit(&t->retired, atomic_load_explicit(&t->retired, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    urcu_memb_call_rcu(&n->rcu, lfht_free_cb);
}

/* Unlinks every node and waits until call_rcu's worker has freed every
   node retired so far: then no callback refers to s. (rcu_barrier would
   wait too, but its own bookkeeping races in ThreadSanitizer's eyes:
   liburcu is not instrumented.) */
static void lfht_destroy(void *self)
{
    struct lfht_store *s = self;
    if (s->ht) {
        uint64_t retired = 0;
        LAB_TSLOTS_EACH(&s->threads, p)
        retired += atomic_load_explicit(&((struct lfht_thread *)p)->retired, memory_order_relaxed);
        lfht_register(); /* this thread may have left already */
        struct cds_lfht_iter it;
        struct lfht_node *n;
        urcu_memb_read_lock();
        cds_lfht_for_each_entry(s->ht, &it, n, node)
        {
            if (cds_lfht_del(s->ht, &n->node) == 0) {
                urcu_memb_call_rcu(&n->rcu, lfht_free_cb);
                retired++;
            }
        }
        urcu_memb_read_unlock();
        lfht_unregister();
        while (atomic_load_explicit(&s->freed, memory_order_acquire) < retired)
            lab_sleep_until(lab_now_ns() + 100000);
        cds_lfht_destroy(s->ht, NULL);
    }
    lab_tslots_fini(&s->threads, NULL, NULL);
    free(s);
}

static int lfht_create(const struct lab_store_cfg *cfg, void **self)
{
    /* liburcu's default call_rcu worker and its data are made on the
       process's first call_rcu and never freed: made here, uncounted, so
       that the leak check after destroy() sees only the store's memory. */
    lab_alloc_pause();
    (void)urcu_memb_get_default_call_rcu_data();
    lab_alloc_resume();
    struct lfht_store *s = lab_calloc_aligned(sizeof *s);
    if (!s) return -ENOMEM;
    lab_tslots_init(&s->threads, sizeof(struct lfht_thread));
    atomic_init(&s->next_id, 0);
    atomic_init(&s->freed, 0);
    unsigned long buckets = 1024;
    while (buckets < cfg->capacity_hint) buckets <<= 1;
    s->ht = cds_lfht_new_flavor(buckets, buckets, buckets, 0, &urcu_memb_flavor, NULL);
    if (!s->ht) {
        lfht_destroy(s);
        return -ENOMEM;
    }
    *self = s;
    return 0;
}

static int lfht_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct lfht_store *s = self;
    if (!out) return -EINVAL;
    if (!lfht_self(s)) return -EPERM;
    struct cds_lfht_iter it;
    urcu_memb_read_lock();
    cds_lfht_lookup(s->ht, lfht_hash(id), lfht_match, &id, &it);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&it);
    if (node) *out = caa_container_of(node, struct lfht_node, node)->task;
    lab_tsan_release(&lfht_grace);
    urcu_memb_read_unlock();
    return node ? 0 : -ENOENT;
}

static struct lfht_node *lfht_node_new(struct lfht_store *s, const struct lab_task *task,
                                       uint64_t id)
{
    struct lfht_node *n = lab_malloc(sizeof *n);
    if (!n) return NULL;
    cds_lfht_node_init(&n->node);
    n->owner = s;
    n->task = *task;
    n->task.id = id;
    lab_tsan_release(n); /* before liburcu publishes it */
    return n;
}

static int lfht_insert(void *self, void *ts, const struct lab_task *task, uint64_t *id)
{
    (void)ts;
    struct lfht_store *s = self;
    if (!task) return -EINVAL;
    if (!lfht_self(s)) return -EPERM;
    uint64_t nid = atomic_fetch_add_explicit(&s->next_id, 1, memory_order_relaxed) + 1;
    struct lfht_node *n = lfht_node_new(s, task, nid);
    if (!n) return -ENOMEM;
    urcu_memb_read_lock();
    cds_lfht_add(s->ht, lfht_hash(nid), &n->node);
    urcu_memb_read_unlock();
    if (id) *id = nid;
    return 0;
}

/* Replaces id's node with n, or removes it when n is NULL; retries when a
   concurrent writer replaced the node it found. */
static int lfht_change(struct lfht_store *s, uint64_t id, struct lfht_node *n)
{
    struct cds_lfht_iter it;
    struct cds_lfht_node *old;
    int rc = 0;
    urcu_memb_read_lock();
    do {
        cds_lfht_lookup(s->ht, lfht_hash(id), lfht_match, &id, &it);
        if (!(old = cds_lfht_iter_get_node(&it))) break;
        rc = n ? cds_lfht_replace(s->ht, &it, lfht_hash(id), lfht_match, &id, &n->node)
               : cds_lfht_del(s->ht, old);
    } while (rc != 0);
    if (old) lfht_retire(s, caa_container_of(old, struct lfht_node, node));
    lab_tsan_release(&lfht_grace);
    urcu_memb_read_unlock();
    return old ? 0 : -ENOENT;
}

static int lfht_update(void *self, void *ts, uint64_t id, const struct lab_task *task)
{
    (void)ts;
    struct lfht_store *s = self;
    if (!task) return -EINVAL;
    if (!lfht_self(s)) return -EPERM;
    struct lfht_node *n = lfht_node_new(s, task, id);
    if (!n) return -ENOMEM;
    int rc = lfht_change(s, id, n);
    if (rc) lab_free(n);
    return rc;
}

static int lfht_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    if (!lfht_self(self)) return -EPERM;
    return lfht_change(self, id, NULL);
}

static int lfht_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct lfht_store *s = self;
    if (!fn) return -EINVAL;
    if (!lfht_self(s)) return -EPERM;
    struct cds_lfht_iter it;
    struct lfht_node *n;
    urcu_memb_read_lock();
    cds_lfht_for_each_entry(s->ht, &it, n, node)
    {
        lab_tsan_acquire(n);
        if (fn(arg, &n->task)) break;
    }
    lab_tsan_release(&lfht_grace);
    urcu_memb_read_unlock();
    return 0;
}

static uint64_t lfht_backlog(void *self)
{
    struct lfht_store *s = self;
    uint64_t retired = 0;
    LAB_TSLOTS_EACH(&s->threads, p)
    retired += atomic_load_explicit(&((struct lfht_thread *)p)->retired, memory_order_relaxed);
    return retired - atomic_load_explicit(&s->freed, memory_order_relaxed);
}

const struct lab_store lab_store_urcu_lfht = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "urcu_lfht",
              .summary = "liburcu cds_lfht (lock-free, pre-sized), urcu-memb reads, call_rcu frees",
              .origin = "peer:liburcu cds_lfht + urcu-memb (Desnoyers et al., TPDS 2012)",
              .caps = 0,
              .thread_init = lfht_thread_init,
              .thread_exit = lfht_thread_exit },
    .create = lfht_create,
    .insert = lfht_insert,
    .get = lfht_get,
    .update = lfht_update,
    .remove = lfht_remove,
    .scan = lfht_scan,
    .destroy = lfht_destroy,
    .backlog = lfht_backlog,
};
