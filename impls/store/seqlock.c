/* store/seqlock: seqlock-protected shards with optimistic reads.
 *
 * The Linux kernel's sequence lock (seqlock_t, from Stephen Hemminger's
 * frlock, Linux 2.5, 2003; Documentation/locking/seqlock.rst; described by
 * Lameter, "Effective synchronization on Linux/NUMA systems", Gelato 2005): a
 * writer makes a sequence counter odd, changes the data, makes it even
 * again; a reader reads the counter, copies the data out, reads the
 * counter again and retries if it was odd or changed. Readers write
 * nothing shared and never block a writer; a writer never waits for
 * readers. The data are accessed as C11 atomics (relaxed-or-stronger, as
 * Boehm recommends in "Can seqlocks get along with programming language
 * memory models?", MSPC 2012): a reader's copy may be torn, but it is
 * never used, and it is not a data race.
 *
 * Layout: cfg->shards shards (default 32) picked by id & mask as in the
 * seed's ShardStore; each is a sequence counter, a writer mutex (lab_mutex:
 * writers of one shard park, they do not spin) and an open-addressing
 * table of 64-byte records read and written word by word (linear probing,
 * backward-shift deletion, as impls/common/hashmap.c). A reader may probe
 * a table a writer is changing, so probes are bounded, and a table
 * replaced by growth is kept (not freed) until destroy: a reader that
 * loaded the old pointer reads stale memory, never freed memory. Growth
 * doubles, so the kept tables total less than the live one; pre-sized from
 * the capacity hint, a run does not grow.
 *
 * A reader that finds the counter odd (a writer inside) spins briefly,
 * then yields (lab_yield), so a preempted writer gets the CPU; it runs
 * under every runner. */
#include <errno.h>
#include <string.h>

#include "common/shards.h"
#include "lab_alloc.h"
#include "lab_store.h"

#define SEQ_WORDS (sizeof(struct lab_task) / sizeof(uint64_t)) /* word 0: the id */

struct seqlock_slot {
    _Atomic uint64_t w[SEQ_WORDS];
};

struct seqlock_table {
    size_t mask;
    struct seqlock_table *older; /* replaced tables, kept until destroy */
    LAB_ALIGNED struct seqlock_slot s[];
};

struct seqlock_shard {
    LAB_ALIGNED _Atomic uint32_t seq; /* odd while a writer changes the shard */
    _Atomic(struct seqlock_table *) tab;
    struct lab_mutex mu; /* writers */
    size_t len;          /* writers only */
};

struct seqlock_store {
    LAB_ALIGNED _Atomic uint64_t next_id;
    LAB_ALIGNED unsigned nshards, mask;
    struct seqlock_shard *shards;
};

_Static_assert(sizeof(struct lab_task) == 64, "a record is eight words");

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

static uint64_t seqlock_word(const struct seqlock_slot *s, size_t k, memory_order mo)
{
    return atomic_load_explicit(&s->w[k], mo);
}

/* Index of id's slot or of the empty slot where it would go; SIZE_MAX if
   a reader racing a writer probes the whole table without finding either. */
static size_t seqlock_find(const struct seqlock_table *t, uint64_t id, memory_order mo)
{
    size_t i = lab_mix64(id) & t->mask;
    for (size_t n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
        uint64_t k = seqlock_word(&t->s[i], 0, mo);
        if (k == id || !k) return i;
    }
    return SIZE_MAX;
}

static void seqlock_put_words(struct seqlock_slot *s, const uint64_t *w)
{
    for (size_t k = 0; k < SEQ_WORDS; k++)
        atomic_store_explicit(&s->w[k], w[k], memory_order_release);
}

static void seqlock_get_words(const struct seqlock_slot *s, uint64_t *w, memory_order mo)
{
    for (size_t k = 0; k < SEQ_WORDS; k++) w[k] = seqlock_word(s, k, mo);
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
    st->mask = n - 1;
    if (!(st->shards = lab_calloc_aligned(sizeof *st->shards * n))) {
        seqlock_destroy(st);
        return -ENOMEM;
    }
    for (; st->nshards < (unsigned)n; st->nshards++) {
        struct seqlock_shard *sh = &st->shards[st->nshards];
        struct seqlock_table *t = seqlock_table_new(cfg->capacity_hint / n + 1);
        if (!t) {
            seqlock_destroy(st);
            return -ENOMEM;
        }
        lab_mutex_init(&sh->mu);
        atomic_init(&sh->seq, 0);
        atomic_init(&sh->tab, t);
    }
    *self = st;
    return 0;
}

static int seqlock_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct seqlock_store *st = self;
    if (!out) return -EINVAL;
    if (!id) return -ENOENT;
    struct seqlock_shard *sh = &st->shards[id & st->mask];
    uint64_t w[SEQ_WORDS];
    for (unsigned tries = 0;; tries++) {
        uint32_t s1 = atomic_load_explicit(&sh->seq, memory_order_acquire);
        if (s1 & 1) {
            seqlock_relax(tries);
            continue;
        }
        const struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_acquire);
        size_t i = seqlock_find(t, id, memory_order_acquire);
        int found = i != SIZE_MAX && seqlock_word(&t->s[i], 0, memory_order_acquire) == id;
        if (found) seqlock_get_words(&t->s[i], w, memory_order_acquire);
        /* the acquire loads above keep this one after them */
        if (i != SIZE_MAX && atomic_load_explicit(&sh->seq, memory_order_relaxed) == s1) {
            if (!found) return -ENOENT;
            memcpy(out, w, sizeof *out);
            return 0;
        }
        seqlock_relax(tries);
    }
}

static void seqlock_wlock(struct seqlock_shard *sh)
{
    lab_mutex_lock(&sh->mu);
    /* odd; the release stores of the data that follow keep it first */
    atomic_store_explicit(&sh->seq, atomic_load_explicit(&sh->seq, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static void seqlock_wunlock(struct seqlock_shard *sh)
{
    atomic_store_explicit(&sh->seq, atomic_load_explicit(&sh->seq, memory_order_relaxed) + 1,
                          memory_order_release);
    lab_mutex_unlock(&sh->mu);
}

/* Writer: doubles the table; the old one is kept for racing readers. */
static int seqlock_grow(struct seqlock_shard *sh, struct seqlock_table **tp)
{
    struct seqlock_table *old = *tp, *t = seqlock_table_new((old->mask + 1) * 3 / 4 + 1);
    if (!t) return -ENOMEM;
    uint64_t w[SEQ_WORDS];
    for (size_t i = 0; i <= old->mask; i++) {
        seqlock_get_words(&old->s[i], w, memory_order_relaxed);
        if (w[0]) seqlock_put_words(&t->s[seqlock_find(t, w[0], memory_order_relaxed)], w);
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
    memcpy(w, task, sizeof w);
    w[0] = nid;
    struct seqlock_shard *sh = &st->shards[nid & st->mask];
    seqlock_wlock(sh);
    struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
    int rc = sh->len + 1 > t->mask + 1 - (t->mask + 1) / 4 ? seqlock_grow(sh, &t) : 0;
    if (!rc) {
        seqlock_put_words(&t->s[seqlock_find(t, nid, memory_order_relaxed)], w);
        sh->len++;
    }
    seqlock_wunlock(sh);
    if (!rc && id) *id = nid;
    return rc;
}

static int seqlock_update(void *self, void *ts, uint64_t id, const struct lab_task *task)
{
    (void)ts;
    struct seqlock_store *st = self;
    if (!task) return -EINVAL;
    if (!id) return -ENOENT;
    uint64_t w[SEQ_WORDS];
    memcpy(w, task, sizeof w);
    w[0] = id;
    struct seqlock_shard *sh = &st->shards[id & st->mask];
    seqlock_wlock(sh);
    struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
    size_t i = seqlock_find(t, id, memory_order_relaxed);
    int found = seqlock_word(&t->s[i], 0, memory_order_relaxed) == id;
    if (found) seqlock_put_words(&t->s[i], w);
    seqlock_wunlock(sh);
    return found ? 0 : -ENOENT;
}

static int seqlock_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    struct seqlock_store *st = self;
    if (!id) return -ENOENT;
    struct seqlock_shard *sh = &st->shards[id & st->mask];
    seqlock_wlock(sh);
    struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
    size_t i = seqlock_find(t, id, memory_order_relaxed), m = t->mask;
    int found = seqlock_word(&t->s[i], 0, memory_order_relaxed) == id;
    if (found) {
        uint64_t w[SEQ_WORDS];
        /* backward shift: pull later members of the probe run into the hole */
        for (size_t j = (i + 1) & m; (w[0] = seqlock_word(&t->s[j], 0, memory_order_relaxed));
             j = (j + 1) & m) {
            size_t h = lab_mix64(w[0]) & m;
            if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
                seqlock_get_words(&t->s[j], w, memory_order_relaxed);
                seqlock_put_words(&t->s[i], w);
                i = j;
            }
        }
        memset(w, 0, sizeof w);
        seqlock_put_words(&t->s[i], w);
        sh->len--;
    }
    seqlock_wunlock(sh);
    return found ? 0 : -ENOENT;
}

/* GetAll: shard by shard under the writer mutex (readers go on). */
static int seqlock_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct seqlock_store *st = self;
    if (!fn) return -EINVAL;
    int stop = 0;
    struct lab_task rec;
    for (unsigned i = 0; i < st->nshards && !stop; i++) {
        struct seqlock_shard *sh = &st->shards[i];
        lab_mutex_lock(&sh->mu);
        const struct seqlock_table *t = atomic_load_explicit(&sh->tab, memory_order_relaxed);
        for (size_t k = 0; k <= t->mask && !stop; k++) {
            uint64_t w[SEQ_WORDS];
            seqlock_get_words(&t->s[k], w, memory_order_relaxed);
            if (!w[0]) continue;
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
              .summary = "32 shards, each a sequence lock: readers copy optimistically and retry",
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
