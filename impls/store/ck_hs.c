/* store/ck_hs: Concurrency Kit's hash set (ck_hs.h) in single-writer,
 * many-reader mode (CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT) with ck_epoch for
 * safe memory reclamation, as CK's documentation pairs them (Debian's
 * libck-dev, linked, not vendored).
 *  - ck_hs allows one writer at a time with any number of lock-free
 *    readers, so each of the 32 shards (cfg->shards, id & mask as in the
 *    seed's ShardStore) is a ck_hs plus a writer mutex (lab_mutex).
 *  - The set holds pointers to immutable 64-byte records; the hash and the
 *    comparison read the id, the record's first word. A reader looks up
 *    and copies out inside ck_epoch_begin/ck_epoch_end. An update
 *    allocates a record and swaps it in with ck_hs_fas; the old one, and a
 *    removed one, go to ck_epoch_call, and every 64 such calls the writer
 *    runs ck_epoch_poll, which frees what no reader can still hold.
 *    Growth frees the old table the same way (ck_hs asks its allocator for
 *    a deferred free; the allocator has no context argument, so the writer
 *    names its epoch record in a thread-local before calling ck_hs).
 *  - One ck_epoch record per OS thread, registered in thread_init
 *    (impls/common/tslot.h); a thread that leaves hands its record, with
 *    its pending frees, to the next thread that comes. A call from an
 *    unregistered thread returns -EPERM. `backlog` sums the records'
 *    n_pending: retired and not yet freed.
 * Nothing blocks but the writer mutex (lab_prim): it runs under every runner.
 * ThreadSanitizer: CK publishes with ck_pr stores in inline assembly and
 * its epoch protocol likewise, which TSan cannot see. The exact edges are
 * annotated (impls/common/tsan.h): a record is released before ck_hs
 * publishes it and acquired in the comparison, the first thing a reader
 * does with it; a reader releases the grace-period token before
 * ck_epoch_end and a deferred free acquires it, the edge ck_epoch's grace
 * period provides. No suppression. */
/* contend: pkg-config ck, debian libck-dev */
#include <ck_epoch.h>
#include <ck_hs.h>
#include <errno.h>

#include "common/shards.h"
#include "common/tsan.h"
#include "common/tslot.h"
#include "lab_alloc.h"
#include "lab_store.h"

#define CKHS_POLL_EVERY 64

struct ckhs_rec {
    struct lab_task task; /* first: the id is the record's first word */
    ck_epoch_entry_t entry;
};

/* ck_hs's tables, with room for a deferred free in front */
struct ckhs_block {
    ck_epoch_entry_t entry;
    char mem[]; /* ck_hs aligns its entries itself */
};

struct ckhs_thread {
    struct lab_tslot slot; /* first */
    ck_epoch_record_t rec;
    unsigned since_poll;
};

struct ckhs_shard {
    LAB_ALIGNED struct lab_mutex mu;
    ck_hs_t hs;
};

struct ckhs_store {
    LAB_ALIGNED ck_epoch_t epoch;
    struct lab_tslots threads;
    LAB_ALIGNED _Atomic uint64_t next_id;
    LAB_ALIGNED unsigned nshards, mask;
    struct ckhs_shard *shards;
};

static _Thread_local ck_epoch_record_t *ckhs_writer; /* for ckhs_free's deferred frees */
static char ckhs_grace;                              /* TSan's name for a grace period */

static void *ckhs_malloc(size_t n)
{
    struct ckhs_block *b = lab_malloc(sizeof *b + n);
    return b ? b->mem : NULL;
}

static void *ckhs_realloc(void *p, size_t old, size_t n, bool defer)
{
    (void)p, (void)old, (void)n, (void)defer;
    return NULL; /* ck_hs never reallocates */
}

static void ckhs_free_block(ck_epoch_entry_t *e)
{
    lab_tsan_acquire(&ckhs_grace);
    lab_free(e); /* the entry is the block's first member */
}

static void ckhs_free(void *p, size_t n, bool defer)
{
    (void)n;
    struct ckhs_block *b = (struct ckhs_block *)((char *)p - offsetof(struct ckhs_block, mem));
    if (defer && ckhs_writer)
        ck_epoch_call(ckhs_writer, &b->entry, ckhs_free_block);
    else
        lab_free(b);
}

static struct ck_malloc ckhs_allocator = { .malloc = ckhs_malloc,
                                           .realloc = ckhs_realloc,
                                           .free = ckhs_free };

static unsigned long ckhs_hash(const void *obj, unsigned long seed)
{
    return (unsigned long)lab_mix64(*(const uint64_t *)obj ^ seed);
}

/* stored: a published record; key: a record or a bare id (its first word) */
static bool ckhs_same(const void *stored, const void *key)
{
    lab_tsan_acquire(stored);
    return *(const uint64_t *)stored == *(const uint64_t *)key;
}

static void ckhs_free_rec(ck_epoch_entry_t *e)
{
    lab_tsan_acquire(&ckhs_grace);
    lab_free((char *)e - offsetof(struct ckhs_rec, entry));
}

static void ckhs_fin(struct lab_tslot *s, void *arg)
{
    (void)arg;
    ck_epoch_reclaim(&((struct ckhs_thread *)s)->rec);
}

static void ckhs_destroy(void *self)
{
    struct ckhs_store *s = self;
    lab_tslots_fini(&s->threads, ckhs_fin, NULL); /* no reader is left: free what is pending */
    for (unsigned i = 0; s->shards && i < s->nshards; i++) {
        ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
        void *obj;
        while (ck_hs_next(&s->shards[i].hs, &it, &obj)) lab_free(obj);
        ck_hs_destroy(&s->shards[i].hs);
        lab_mutex_destroy(&s->shards[i].mu);
    }
    free(s->shards);
    free(s);
}

static int ckhs_create(const struct lab_store_cfg *cfg, void **self)
{
    int n = lab_shard_count(cfg);
    if (n < 0) return n;
    struct ckhs_store *s = lab_calloc_aligned(sizeof *s);
    if (!s) return -ENOMEM;
    ck_epoch_init(&s->epoch);
    lab_tslots_init(&s->threads, sizeof(struct ckhs_thread));
    atomic_init(&s->next_id, 0);
    s->mask = n - 1;
    if (!(s->shards = lab_calloc_aligned(sizeof *s->shards * n))) {
        ckhs_destroy(s);
        return -ENOMEM;
    }
    /* ck_hs grows past half full: room for twice the expected records */
    unsigned long size = 2 * (cfg->capacity_hint / n + 1);
    for (; s->nshards < (unsigned)n; s->nshards++) {
        struct ckhs_shard *sh = &s->shards[s->nshards];
        if (!ck_hs_init(&sh->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, ckhs_hash, ckhs_same,
                        &ckhs_allocator, size, 0x9e3779b9u)) {
            ckhs_destroy(s);
            return -ENOMEM;
        }
        lab_mutex_init(&sh->mu);
    }
    *self = s;
    return 0;
}

static int ckhs_thread_init(void *self)
{
    struct ckhs_store *s = self;
    struct lab_tslot *slot;
    int fresh, rc = lab_tslot_claim(&s->threads, &slot, &fresh);
    if (!rc && fresh) ck_epoch_register(&s->epoch, &((struct ckhs_thread *)slot)->rec, NULL);
    return rc;
}

static void ckhs_thread_exit(void *self)
{
    lab_tslot_release(&((struct ckhs_store *)self)->threads);
}

static struct ckhs_thread *ckhs_self(struct ckhs_store *s)
{
    return (struct ckhs_thread *)lab_tslot_self(&s->threads);
}

static int ckhs_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct ckhs_store *s = self;
    struct ckhs_thread *t = ckhs_self(s);
    if (!out) return -EINVAL;
    if (!t) return -EPERM;
    ck_epoch_begin(&t->rec, NULL);
    const struct ckhs_rec *r =
        ck_hs_get(&s->shards[id & s->mask].hs, ckhs_hash(&id, 0x9e3779b9u), &id);
    if (r) *out = r->task;
    lab_tsan_release(&ckhs_grace);
    ck_epoch_end(&t->rec, NULL);
    return r ? 0 : -ENOENT;
}

/* Writer, shard lock held: old is no longer reachable for new readers. */
static void ckhs_retire(struct ckhs_thread *t, struct ckhs_rec *old)
{
    ck_epoch_call(&t->rec, &old->entry, ckhs_free_rec);
    if (++t->since_poll >= CKHS_POLL_EVERY) {
        t->since_poll = 0;
        ck_epoch_poll(&t->rec);
    }
}

static struct ckhs_rec *ckhs_rec_new(const struct lab_task *task, uint64_t id)
{
    struct ckhs_rec *r = lab_malloc(sizeof *r);
    if (!r) return NULL;
    r->task = *task;
    r->task.id = id;
    lab_tsan_release(r); /* before ck_hs publishes it */
    return r;
}

/* op 0: insert r, 1: replace id's record with r, 2: remove id's record */
static int ckhs_write(struct ckhs_store *s, struct ckhs_thread *t, int op, uint64_t id,
                      struct ckhs_rec *r)
{
    struct ckhs_shard *sh = &s->shards[id & s->mask];
    unsigned long h = ckhs_hash(&id, 0x9e3779b9u);
    void *old = NULL;
    int rc = 0;
    lab_mutex_lock(&sh->mu);
    /* The lock may have parked this worker (a fiber) and resumed it on
       another carrier: the epoch record is the carrier's, so find it again
       (impls/common/tslot.h). */
    t = ckhs_self(s);
    ckhs_writer = &t->rec;
    if (op == 0)
        rc = ck_hs_put_unique(&sh->hs, h, r) ? 0 : -ENOMEM;
    else if (op == 1)
        rc = ck_hs_fas(&sh->hs, h, r, &old) ? 0 : -ENOENT;
    else
        rc = (old = ck_hs_remove(&sh->hs, h, &id)) ? 0 : -ENOENT;
    if (old) ckhs_retire(t, old);
    ckhs_writer = NULL;
    lab_mutex_unlock(&sh->mu);
    return rc;
}

static int ckhs_insert(void *self, void *ts, const struct lab_task *task, uint64_t *id)
{
    (void)ts;
    struct ckhs_store *s = self;
    struct ckhs_thread *t = ckhs_self(s);
    if (!task) return -EINVAL;
    if (!t) return -EPERM;
    uint64_t nid = lab_next_id(&s->next_id);
    struct ckhs_rec *r = ckhs_rec_new(task, nid);
    int rc = r ? ckhs_write(s, t, 0, nid, r) : -ENOMEM;
    if (rc) lab_free(r);
    if (!rc && id) *id = nid;
    return rc;
}

static int ckhs_update(void *self, void *ts, uint64_t id, const struct lab_task *task)
{
    (void)ts;
    struct ckhs_store *s = self;
    struct ckhs_thread *t = ckhs_self(s);
    if (!task) return -EINVAL;
    if (!t) return -EPERM;
    if (!id) return -ENOENT;
    struct ckhs_rec *r = ckhs_rec_new(task, id);
    int rc = r ? ckhs_write(s, t, 1, id, r) : -ENOMEM;
    if (rc) lab_free(r);
    return rc;
}

static int ckhs_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    struct ckhs_store *s = self;
    struct ckhs_thread *t = ckhs_self(s);
    if (!t) return -EPERM;
    return id ? ckhs_write(s, t, 2, id, NULL) : -ENOENT;
}

static int ckhs_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct ckhs_store *s = self;
    struct ckhs_thread *t = ckhs_self(s);
    if (!fn) return -EINVAL;
    if (!t) return -EPERM;
    int stop = 0;
    ck_epoch_begin(&t->rec, NULL);
    for (unsigned i = 0; i < s->nshards && !stop; i++) {
        ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
        void *obj;
        while (!stop && ck_hs_next_spmc(&s->shards[i].hs, &it, &obj)) {
            lab_tsan_acquire(obj);
            stop = fn(arg, &((const struct ckhs_rec *)obj)->task);
        }
    }
    lab_tsan_release(&ckhs_grace);
    ck_epoch_end(&t->rec, NULL);
    return 0;
}

static uint64_t ckhs_backlog(void *self)
{
    uint64_t n = 0;
    LAB_TSLOTS_EACH(&((struct ckhs_store *)self)->threads, p)
    n += ((struct ckhs_thread *)p)->rec.n_pending;
    return n;
}

const struct lab_store lab_store_ck_hs = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "ck_hs",
              .summary =
                  "32 shards of Concurrency Kit ck_hs (SPMC, writer mutex), ck_epoch reclamation",
              .origin = "peer:ck ck_hs (SPMC) + ck_epoch",
              .caps = 0,
              .thread_init = ckhs_thread_init,
              .thread_exit = ckhs_thread_exit },
    .create = ckhs_create,
    .insert = ckhs_insert,
    .get = ckhs_get,
    .update = ckhs_update,
    .remove = ckhs_remove,
    .scan = ckhs_scan,
    .destroy = ckhs_destroy,
    .backlog = ckhs_backlog,
};
