/* store/bravo: BRAVO, a reader-biased lock over each shard (Dice & Kogan,
 * "BRAVO: Biased Locking for Reader-Writer Locks", USENIX ATC 2019), over
 * the same 32 shards of map as shard_unit (impls/common/lockmap.h), with
 * the same underlying lock: lab_rwlock, writer-preferring as Go's
 * sync.RWMutex. Written here from the paper's description:
 *  - While a lock's reader bias (rbias) is on, a reader publishes itself
 *    by a CAS of the lock's address into a slot of a visible-readers table
 *    (one per store, shared by all its locks, slot = hash of thread and
 *    lock), re-checks rbias and reads without touching the
 *    underlying lock: its only write is to its own slot, so readers stop
 *    bouncing the lock's cache line between cores. Unlock clears the slot.
 *    A taken slot or a bias turned off sends it down the slow path.
 *  - A writer takes the underlying write lock; if rbias is on it turns it
 *    off (revocation) and waits until no slot holds this lock.
 *  - The slow path takes the underlying read lock and turns rbias back on
 *    once the inhibition window has passed: N = 9 times the last
 *    revocation's duration (the paper's choice), so write-heavy phases
 *    stay on the underlying lock and pay for revocations at most ~10%.
 * Table size: the paper's 4,096 slots make a revocation a scan of 32 KiB;
 * with 32 shard locks each revoking up to once per inhibition window, that
 * scan dominates once writes are frequent, so the default here is 256
 * slots (2 KiB), and `--param slots=4096` restores the paper's. With a
 * few dozen threads a collision (a reader sent down the slow path) is rare.
 * rbias and the slots are seq_cst: a reader's slot store and a writer's
 * rbias store are the two halves of a Dekker handshake. The writer's wait
 * spins, then yields (lab_yield): it runs under every runner. */
#include <errno.h>

#include "common/lockmap.h"
#include "lab_rwlock.h"
#include "lab_store.h"

#define BRAVO_SLOTS 256 /* the default; the paper's is 4096 */
#define BRAVO_N 9u      /* inhibition: N times the revocation's cost */

struct bravo_lock {
    struct lab_rwlock u;
    _Atomic int rbias;
    uint64_t inhibit_until; /* written under the write lock, read under the read lock */
};

struct bravo_store {
    struct lab_lockmap m; /* first: the lab_lockmap_* entries use it */
    _Atomic(void *) *slots;
    size_t nslots; /* a power of two */
};

static _Thread_local char bravo_self; /* its address names the thread */

static int bravo_init(void *lock, void *ctx)
{
    (void)ctx;
    struct bravo_lock *l = lock;
    lab_rwlock_init(&l->u);
    atomic_init(&l->rbias, 1);
    l->inhibit_until = 0;
    return 0;
}

static void bravo_fini(void *lock) { lab_rwlock_destroy(&((struct bravo_lock *)lock)->u); }

static uintptr_t bravo_rdlock(void *lock, void *ctx)
{
    struct bravo_lock *l = lock;
    struct bravo_store *s = ctx;
    if (atomic_load_explicit(&l->rbias, memory_order_relaxed)) {
        uint64_t h = lab_mix64((uintptr_t)&bravo_self ^ (uintptr_t)lock * 31);
        _Atomic(void *) *slot = &s->slots[h & (s->nslots - 1)];
        void *none = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &none, lock, memory_order_seq_cst,
                                                    memory_order_relaxed)) {
            if (atomic_load_explicit(&l->rbias, memory_order_seq_cst)) return (uintptr_t)slot;
            atomic_store_explicit(slot, NULL, memory_order_release); /* lost to a writer */
        }
    }
    lab_rwlock_rdlock(&l->u);
    if (!atomic_load_explicit(&l->rbias, memory_order_relaxed) && lab_now_ns() >= l->inhibit_until)
        atomic_store_explicit(&l->rbias, 1, memory_order_seq_cst);
    return 0;
}

static void bravo_rdunlock(void *lock, void *ctx, uintptr_t token)
{
    (void)ctx;
    if (token)
        atomic_store_explicit((_Atomic(void *) *)token, NULL, memory_order_release);
    else
        lab_rwlock_rdunlock(&((struct bravo_lock *)lock)->u);
}

static void bravo_wrlock(void *lock, void *ctx)
{
    struct bravo_lock *l = lock;
    struct bravo_store *s = ctx;
    lab_rwlock_wrlock(&l->u);
    if (!atomic_load_explicit(&l->rbias, memory_order_relaxed)) return;
    atomic_store_explicit(&l->rbias, 0, memory_order_seq_cst); /* revoke */
    uint64_t start = lab_now_ns();
    for (size_t i = 0; i < s->nslots; i++)
        for (unsigned spins = 0; atomic_load_explicit(&s->slots[i], memory_order_seq_cst) == lock;)
            if (++spins > 64) lab_yield();
    uint64_t now = lab_now_ns();
    l->inhibit_until = now + (now - start) * BRAVO_N;
}

static void bravo_wrunlock(void *lock, void *ctx)
{
    (void)ctx;
    lab_rwlock_wrunlock(&((struct bravo_lock *)lock)->u);
}

static const struct lab_lockops bravo_ops = {
    .size = sizeof(struct bravo_lock),
    .init = bravo_init,
    .destroy = bravo_fini,
    .rdlock = bravo_rdlock,
    .rdunlock = bravo_rdunlock,
    .wrlock = bravo_wrlock,
    .wrunlock = bravo_wrunlock,
};

static void bravo_destroy(void *self)
{
    struct bravo_store *s = self;
    lab_lockmap_fini(&s->m);
    free(s->slots);
    free(s);
}

static int bravo_create(const struct lab_store_cfg *cfg, void **self)
{
    size_t n = (size_t)lab_param("slots"); /* 0: not set by a harness */
    if (!n) n = BRAVO_SLOTS;
    if (n & (n - 1)) return -EINVAL;
    struct bravo_store *s = lab_calloc_aligned(sizeof *s);
    if (!s) return -ENOMEM;
    s->nslots = n;
    s->slots = lab_calloc_aligned(sizeof *s->slots * n); /* zero: all free */
    int rc = s->slots ? lab_lockmap_init(&s->m, cfg, &bravo_ops, s) : -ENOMEM;
    if (rc) {
        free(s->slots);
        free(s);
        return rc;
    }
    *self = s;
    return 0;
}

static const struct lab_param bravo_params[] = {
    { "slots", "visible-readers table entries, a power of two (the paper: 4096)", BRAVO_SLOTS, 16,
      1 << 20, 1 },
    { NULL, NULL, 0, 0, 0, 0 },
};

const struct lab_store lab_store_bravo = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "bravo",
              .summary =
                  "BRAVO reader bias (visible-readers table) over shard_unit's lab_rwlock shards",
              .origin = "design: BRAVO (Dice & Kogan, USENIX ATC 2019)",
              .caps = 0,
              .params = bravo_params },
    .create = bravo_create,
    .insert = lab_lockmap_insert,
    .get = lab_lockmap_get,
    .update = lab_lockmap_update,
    .remove = lab_lockmap_remove,
    .scan = lab_lockmap_scan,
    .destroy = bravo_destroy,
};
