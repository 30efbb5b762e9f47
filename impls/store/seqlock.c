/* store/seqlock: seqlock-protected records with optimistic reads.
 *
 * The Linux kernel's sequence lock (seqlock_t: a sequence counter a writer
 * makes odd, then even again; Documentation/locking/seqlock.rst; Lameter,
 * "Effective synchronization on Linux/NUMA systems", Gelato 2005), one per
 * record: a reader reads the record's sequence, copies the record out,
 * reads the sequence again and retries if it was odd or changed. Readers
 * write nothing shared and never block a writer. The data are C11 atomics
 * (acquire loads, release stores: plain moves on x86-64), as Boehm
 * recommends ("Can seqlocks get along with programming language memory
 * models?", MSPC 2012): a torn copy is possible but never used, and it is
 * not a data race.
 *
 * Layout: cfg->shards shards (default 32) by id & mask as in the seed's
 * ShardStore; each an open-addressing table of 64-byte slots (linear
 * probing, backward-shift deletion, as impls/common/hashmap.c). A slot is
 * a record whose first word holds the id in its low 32 bits and the
 * record's sequence in its high 32 bits, so a read touches one cache line
 * of the table, and ids are limited to 32 bits (insert returns -EOVERFLOW
 * after 2^32 - 1 records). An update takes no lock but its record's: it
 * makes the sequence odd by CAS (which is the record's writer lock), writes,
 * and makes it even. Records move only on removal (backward shift) and
 * growth; those take the shard's mutex and make the shard's structure
 * sequence odd, so readers of the shard retry and updaters re-check it
 * after taking a record (a Dekker handshake, seq_cst on both sides). A
 * table replaced by growth is kept until destroy (a racing reader may still
 * read it: stale, never freed); growth doubles, so the kept tables total
 * less than the live one, and pre-sizing from the capacity hint avoids it.
 *
 * A reader or updater that finds an odd sequence spins briefly, then
 * yields (lab_yield) so that a preempted writer runs: it runs under every
 * runner. */
#include <errno.h>
#include <string.h>

#include "common/shards.h"
#include "lab_alloc.h"
#include "lab_store.h"

#define SEQ_WORDS (sizeof(struct lab_task) / sizeof(uint64_t))
#define SEQ_ID(w0) ((uint32_t)(w0))
#define SEQ_OF(w0) ((uint32_t)((w0) >> 32))
#define SEQ_W0(seq, id) ((uint64_t)(seq) << 32 | (uint32_t)(id))
#define SEQ_ONE (UINT64_C(1) << 32) /* +1 on the sequence half */

_Static_assert(sizeof(struct lab_task) == 64, "a record is eight words");

struct seqlock_slot {
    _Atomic uint64_t w[SEQ_WORDS]; /* w[0]: sequence << 32 | id; 0: empty */
};

struct seqlock_table {
    size_t mask;
    struct seqlock_table *older; /* replaced tables, kept until destroy */
    LAB_ALIGNED struct seqlock_slot s[];
};

struct seqlock_shard {
    LAB_ALIGNED _Atomic uint32_t sseq; /* odd while records move */
    _Atomic(struct seqlock_table *) tab;
    LAB_ALIGNED struct lab_mutex mu; /* insert, remove, growth */
    size_t len;
};

struct seqlock_store {
    LAB_ALIGNED _Atomic uint64_t next_id;
    LAB_ALIGNED unsigned nshards, mask;
    struct seqlock_shard *shards;
};

static void seqlock_relax(unsigned tries)
{
    if (tries > 32)
        lab_yield();
    else {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static struct seqlock_table *seqlock_table_new(size_t hint)
{
    size_t cap = 16;
    while (cap - cap / 4 < hint) cap <<= 1;
    struct seqlock_table *t = lab_calloc_aligned(sizeof *t + cap * sizeof t->s[0]);
    if (t) t->mask = cap - 1;
    return t;
}

static uint64_t seqlock_w(const struct seqlock_slot *s, size_t k, memory_order mo)
{
    return atomic_load_explicit(&s->w[k], mo);
}

/* Index of id's slot or of the empty slot where it would go; SIZE_MAX if a
   reader racing a writer probes the whole table without finding either. */
static size_t seqlock_find(const struct seqlock_table *t, uint32_t id, memory_order mo)
{
    size_t i = lab_mix64(id) & t->mask;
    for (size_t n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
        uint64_t w0 = seqlock_w(&t->s[i], 0, mo);
        if (!w0 || SEQ_ID(w0) == id) return i;
    }
    return SIZE_MAX;
}

/* Words 1..7 of a record (word 0 is the slot's own). */
static void seqlock_put(struct seqlock_slot *s, const uint64_t *w)
{
    for (size_t k = 1; k < SEQ_WORDS; k++)
        atomic_store_explicit(&s->w[k], w[k], memory_order_release);
}

static void seqlock_copy(const struct seqlock_slot *s, uint64_t *w, memory_order mo)
{
    for (size_t k = 1; k < SEQ_WORDS; k++) w[k] = seqlock_w(s, k, mo);
}

/* Structural writer (shard mutex held): takes a slot's record lock, waiting
   for an updater that holds it; returns the word it locked (odd). */
static uint64_t seqlock_take(struct seqlock_slot *s)
{
    for (unsigned tries = 0;; tries++) {
        uint64_t w0 = seqlock_w(s, 0, memory_order_relaxed);
        if (!(SEQ_OF(w0) & 1)
            && atomic_compare_exchange_weak_explicit(&s->w[0], &w0, w0 + SEQ_ONE,
                                                     memory_order_seq_cst, memory_order_relaxed))
            return w0 + SEQ_ONE;
        seqlock_relax(tries);
    }
}

static void seqlock_sseq_bump(struct seqlock_shard *sh)
{
    atomic_store_explicit(&sh->sseq, atomic_load_explicit(&sh->sseq, memory_order_relaxed) + 1,
                          memory_order_seq_cst);
}

static void seqlock_destroy(void *self)
{
    struct seqlock_store *st = self;
    for (unsigned i = 0; st->shards && i < st->nshards; i++) {
        struct seqlock_table *t = atomic_load_explicit(&st->shards[i].tab, memory_order_relaxed);
        while (t) {
            struct seqlock_table *older = t->older;
            free(t);
            t = older;
        }
        lab_mutex_destroy(&st->shards[i].mu);
    }
    free(st->shards);
    free(st);
}

static int seqlock_create(const struct lab_store_cfg *cfg, void **self)
{
    int n = lab_shard_count(cfg);
    if (n < 0) return n;
    struct seqlock_store *st = lab_calloc_aligned(sizeof *st);
    if (!st) return -ENOMEM;
    atomic_init(&st->next_id, 0);
    st->mask = (unsigned)n - 1;
    if (!(st->shards = lab_calloc_aligned(sizeof *st->shards * (unsigned)n))) {
        seqlock_destroy(st);
        return -ENOMEM;
    }
    for (; st->nshards < (unsigned)n; st->nshards++) {
        struct seqlock_shard *sh = &st->shards[st->nshards];
        struct seqlock_table *t = seqlock_table_new(cfg->capacity_hint / (unsigned)n + 1);
        if (!t) {
            seqlock_destroy(st);
            return -ENOMEM;
        }
        lab_mutex_init(&sh->mu);
        atomic_init(&sh->sseq, 0);
        atomic_init(&sh->tab, t);
    }
    *self = st;
    return 0;
}

static struct seqlock_shard *seqlock_shard(struct seqlock_store *st, uint64_t id)
{
    return &st->shards[id & st->mask];
}

static int seqlock_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    if (!out) return -EINVAL;
    if (!id || id > UINT32_MAX) return -ENOENT;
    struct seqlock_shard *sh = seqlock_shard(self, id);
    uint64_t w[SEQ_WORDS];
    for (unsigned tries = 0;; seqlock_relax(tries++)) {
        uint32_t s1 = atomic_load_explicit(&sh->sseq, memory_order_acquire);
        if (s1 & 1) continue;
        const struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_acquire);
        size_t i = seqlock_find(t, (uint32_t)id, memory_order_acquire);
        if (i == SIZE_MAX) continue;
        const struct seqlock_slot *s = &t->s[i];
        uint64_t w0 = seqlock_w(s, 0, memory_order_acquire);
        int found = w0 && SEQ_ID(w0) == id;
        if (found) {
            if (SEQ_OF(w0) & 1) continue;
            seqlock_copy(s, w, memory_order_acquire);
            /* the acquire loads above keep these two re-reads after them */
            if (seqlock_w(s, 0, memory_order_relaxed) != w0) continue;
        }
        if (atomic_load_explicit(&sh->sseq, memory_order_relaxed) != s1) continue;
        if (!found) return -ENOENT;
        w[0] = id;
        memcpy(out, w, sizeof *out);
        return 0;
    }
}

static int seqlock_update(void *self, void *ts, uint64_t id, const struct lab_task *task)
{
    (void)ts;
    if (!task) return -EINVAL;
    if (!id || id > UINT32_MAX) return -ENOENT;
    struct seqlock_shard *sh = seqlock_shard(self, id);
    uint64_t w[SEQ_WORDS];
    memcpy(w, task, sizeof w);
    for (unsigned tries = 0;; seqlock_relax(tries++)) {
        uint32_t s1 = atomic_load_explicit(&sh->sseq, memory_order_acquire);
        if (s1 & 1) continue;
        struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_acquire);
        size_t i = seqlock_find(t, (uint32_t)id, memory_order_acquire);
        if (i == SIZE_MAX) continue;
        struct seqlock_slot *s = &t->s[i];
        uint64_t w0 = seqlock_w(s, 0, memory_order_acquire);
        if (!w0 || SEQ_ID(w0) != id) {
            if (atomic_load_explicit(&sh->sseq, memory_order_acquire) == s1) return -ENOENT;
            continue;
        }
        if ((SEQ_OF(w0) & 1)
            || !atomic_compare_exchange_strong_explicit(&s->w[0], &w0, w0 + SEQ_ONE,
                                                        memory_order_seq_cst, memory_order_relaxed))
            continue;
        /* the record is ours; if records started to move, let them */
        if (atomic_load_explicit(&sh->sseq, memory_order_seq_cst) != s1) {
            atomic_store_explicit(&s->w[0], w0, memory_order_release);
            continue;
        }
        seqlock_put(s, w);
        atomic_store_explicit(&s->w[0], w0 + 2 * SEQ_ONE, memory_order_release);
        return 0;
    }
}

/* Shard mutex held, records moving: a table twice the size, every record
   copied over (each taken first, so no updater writes the old copy after),
   published; the old table stays for racing readers. */
static int seqlock_grow(struct seqlock_shard *sh, struct seqlock_table **tp)
{
    struct seqlock_table *old = *tp, *t = seqlock_table_new((old->mask + 1) * 3 / 4 + 1);
    if (!t) return -ENOMEM;
    uint64_t w[SEQ_WORDS];
    for (size_t k = 0; k <= old->mask; k++) {
        if (!seqlock_w(&old->s[k], 0, memory_order_relaxed)) continue;
        uint64_t w0 = seqlock_take(&old->s[k]); /* left taken: the table is retired */
        seqlock_copy(&old->s[k], w, memory_order_relaxed);
        struct seqlock_slot *s = &t->s[seqlock_find(t, SEQ_ID(w0), memory_order_relaxed)];
        seqlock_put(s, w);
        atomic_store_explicit(&s->w[0], w0 + SEQ_ONE, memory_order_relaxed);
    }
    t->older = old;
    atomic_store_explicit(&sh->tab, t, memory_order_release);
    *tp = t;
    return 0;
}

static int seqlock_insert(void *self, void *ts, const struct lab_task *task, uint64_t *id)
{
    (void)ts;
    struct seqlock_store *st = self;
    if (!task) return -EINVAL;
    uint64_t nid = lab_next_id(&st->next_id), w[SEQ_WORDS];
    if (nid > UINT32_MAX) return -EOVERFLOW;
    memcpy(w, task, sizeof w);
    struct seqlock_shard *sh = seqlock_shard(st, nid);
    lab_mutex_lock(&sh->mu);
    struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
    int rc = 0;
    if (sh->len + 1 > t->mask + 1 - (t->mask + 1) / 4) {
        seqlock_sseq_bump(sh);
        rc = seqlock_grow(sh, &t);
        seqlock_sseq_bump(sh);
    }
    if (!rc) {
        /* an empty slot: no updater touches it, and inserting moves nothing */
        struct seqlock_slot *s = &t->s[seqlock_find(t, (uint32_t)nid, memory_order_relaxed)];
        atomic_store_explicit(&s->w[0], SEQ_W0(1, nid), memory_order_relaxed);
        seqlock_put(s, w);
        atomic_store_explicit(&s->w[0], SEQ_W0(2, nid), memory_order_release);
        sh->len++;
    }
    lab_mutex_unlock(&sh->mu);
    if (!rc && id) *id = nid;
    return rc;
}

static int seqlock_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    if (!id || id > UINT32_MAX) return -ENOENT;
    struct seqlock_shard *sh = seqlock_shard(self, id);
    lab_mutex_lock(&sh->mu);
    struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
    size_t i = seqlock_find(t, (uint32_t)id, memory_order_relaxed), m = t->mask;
    uint64_t wi = seqlock_w(&t->s[i], 0, memory_order_relaxed), w[SEQ_WORDS];
    if (!wi || SEQ_ID(wi) != id) {
        lab_mutex_unlock(&sh->mu);
        return -ENOENT;
    }
    seqlock_sseq_bump(sh); /* odd: records move */
    wi = seqlock_take(&t->s[i]);
    /* backward shift: pull later members of the probe run into the hole */
    for (size_t j = (i + 1) & m;; j = (j + 1) & m) {
        uint64_t wj = seqlock_w(&t->s[j], 0, memory_order_relaxed);
        if (!wj) break;
        size_t h = lab_mix64(SEQ_ID(wj)) & m;
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            wj = seqlock_take(&t->s[j]);
            seqlock_copy(&t->s[j], w, memory_order_relaxed);
            seqlock_put(&t->s[i], w);
            atomic_store_explicit(&t->s[i].w[0], SEQ_W0(SEQ_OF(wi) + 1, SEQ_ID(wj)),
                                  memory_order_release);
            i = j;
            wi = wj;
        }
    }
    memset(w, 0, sizeof w);
    seqlock_put(&t->s[i], w);
    atomic_store_explicit(&t->s[i].w[0], 0, memory_order_release);
    sh->len--;
    seqlock_sseq_bump(sh); /* even */
    lab_mutex_unlock(&sh->mu);
    return 0;
}

/* GetAll: shard by shard under the shard mutex (records stay put; updates
   and reads go on), each record read as a reader does. */
static int seqlock_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct seqlock_store *st = self;
    if (!fn) return -EINVAL;
    int stop = 0;
    struct lab_task rec;
    uint64_t w[SEQ_WORDS];
    for (unsigned i = 0; i < st->nshards && !stop; i++) {
        struct seqlock_shard *sh = &st->shards[i];
        lab_mutex_lock(&sh->mu);
        const struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
        for (size_t k = 0; k <= t->mask && !stop; k++) {
            const struct seqlock_slot *s = &t->s[k];
            uint64_t w0;
            for (unsigned tries = 0;; seqlock_relax(tries++)) {
                w0 = seqlock_w(s, 0, memory_order_acquire);
                if (!w0 || SEQ_OF(w0) & 1) {
                    if (!w0) break;
                    continue;
                }
                seqlock_copy(s, w, memory_order_acquire);
                if (seqlock_w(s, 0, memory_order_relaxed) == w0) break;
            }
            if (!w0) continue;
            w[0] = SEQ_ID(w0);
            memcpy(&rec, w, sizeof rec);
            stop = fn(arg, &rec);
        }
        lab_mutex_unlock(&sh->mu);
    }
    return 0;
}

const struct lab_store lab_store_seqlock = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "seqlock",
              .summary =
                  "a sequence lock per record: optimistic reads, updates CAS the record only",
              .origin = "design: seqlock (Linux seqlock_t; Lameter, Gelato 2005; Boehm, MSPC 2012)",
              .caps = 0 },
    .create = seqlock_create,
    .insert = seqlock_insert,
    .get = seqlock_get,
    .update = seqlock_update,
    .remove = seqlock_remove,
    .scan = seqlock_scan,
    .destroy = seqlock_destroy,
};
