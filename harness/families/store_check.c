/* The store family's correctness pass (store_check.h): readers and writers
 * race on the same records, every copy is checked for being whole, every
 * update for not being lost. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_check.h"

static void store_chk_hex(char *at, uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--, v >>= 4) at[i] = "0123456789abcdef"[v & 15];
}

/* Cheap to build (the writers build one per update, the readers one per
   read): the tear window a busy machine leaves is a share of that time. */
void fam_store_check_record(struct lab_task *t, uint64_t id, uint32_t version)
{
    t->id = id;
    t->version = version;
    char *n = t->name; /* "chk <16 hex id> v<8 hex version> " + 16 derived letters */
    memcpy(n, "chk ", 4);
    store_chk_hex(n + 4, id, 16);
    memcpy(n + 20, " v", 2);
    store_chk_hex(n + 22, version, 8);
    n[30] = ' ';
    uint64_t x = lab_mix64(id ^ ((uint64_t)version << 40) ^ 0x5bd1e995u);
    for (size_t i = 31; i < sizeof t->name - 1; i++, x >>= 4) n[i] = (char)('a' + (x & 15));
    n[sizeof t->name - 1] = '\0';
    uint64_t w[sizeof t->name / 8], h = id + version;
    memcpy(w, t->name, sizeof w);
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) h = h * 0x9e3779b97f4a7c15ULL ^ w[i];
    t->status = (uint32_t)lab_mix64(h);
}

int fam_store_check_intact(const struct lab_task *t)
{
    struct lab_task want;
    fam_store_check_record(&want, t->id, t->version);
    return memcmp(&want, t, sizeof want) == 0;
}

struct store_chk {
    const struct fam_store_check *c;
    uint64_t *ids;
    uint32_t *last; /* the version its writer last wrote, per record */
    unsigned writers;
    _Atomic unsigned writing;  /* writers still running */
    _Atomic unsigned hot;      /* the record a writer is about to update */
    _Atomic uint64_t wrote;    /* updates so far, all writers */
    _Atomic uint64_t overlaps; /* reads that followed an update since the last */
    uint64_t deadline;         /* lab_now_ns() past which writers stop after their rounds */
    _Atomic int failed;
    _Atomic uint64_t scan_bad;
    char why[200];
};

struct store_chk_thr {
    struct store_chk *k;
    unsigned idx, writer;
    void *ts;
    pthread_t tid;
};

static void store_chk_fail(struct store_chk *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void store_chk_fail(struct store_chk *k, const char *fmt, ...)
{
    if (atomic_exchange(&k->failed, 1)) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->why, sizeof k->why, fmt, ap);
    va_end(ap);
}

static void store_chk_tick(struct store_chk *k, uint64_t ops)
{
    if (ops % 64 == 0 && k->c->tick) k->c->tick(k->c->tick_arg);
}

/* Reads record j and checks it: 0, or -1 after naming the fault. */
static int store_chk_read(struct store_chk *k, void *ts, unsigned j, struct lab_task *out,
                          const char *who)
{
    const struct lab_store *s = k->c->s;
    unsigned long long id = k->ids[j];
    int rc = s->get(k->c->self, ts, k->ids[j], out);
    if (rc)
        store_chk_fail(k, "get() of live record %llu returned %s (%s)", id, strerror(-rc), who);
    else if (out->id != k->ids[j])
        store_chk_fail(k, "wrong record: get() of id %llu returned id %llu (%s)", id,
                       (unsigned long long)out->id, who);
    else if (!fam_store_check_intact(out))
        store_chk_fail(k,
                       "torn record: get() of id %llu gave a copy mixed from two writes (v%u, %s)",
                       id, out->version, who);
    else
        return 0;
    return -1;
}

static void store_chk_write(struct store_chk_thr *t)
{
    struct store_chk *k = t->k;
    const struct lab_store *s = k->c->s;
    struct lab_task rec, out;
    uint64_t ops = 0;
    /* the rounds, then on until reads and writes have overlapped in time
       often enough (on a busy machine the threads seldom run at once), or
       until the deadline */
    for (uint32_t v = 2; !k->failed; v++) {
        if (v > k->c->rounds + 1
            && (atomic_load(&k->overlaps) >= k->c->overlaps || lab_now_ns() > k->deadline))
            break;
        for (unsigned j = t->idx; j < k->c->keys && !k->failed; j += k->writers) {
            atomic_store_explicit(&k->hot, j, memory_order_relaxed);
            fam_store_check_record(&rec, k->ids[j], v);
            int rc = s->update(k->c->self, t->ts, k->ids[j], &rec);
            if (rc) {
                store_chk_fail(k, "update() of live record %llu returned %s",
                               (unsigned long long)k->ids[j], strerror(-rc));
                break;
            }
            if (store_chk_read(k, t->ts, j, &out, "read-back")) break;
            if (out.version != v) {
                store_chk_fail(
                    k, "lost update: update() of id %llu to v%u returned 0, then get() read v%u",
                    (unsigned long long)k->ids[j], v, out.version);
                break;
            }
            k->last[j] = v;
            atomic_fetch_add_explicit(&k->wrote, 1, memory_order_relaxed);
            store_chk_tick(k, ++ops);
        }
    }
    atomic_fetch_sub(&k->writing, 1);
}

static int store_chk_scan_fn(void *arg, const struct lab_task *t)
{
    struct store_chk *k = arg;
    if (!strncmp(t->name, "chk ", 4) && !fam_store_check_intact(t))
        atomic_fetch_add_explicit(&k->scan_bad, 1, memory_order_relaxed);
    return 0;
}

static void store_chk_readall(struct store_chk_thr *t)
{
    struct store_chk *k = t->k;
    uint32_t *seen = calloc(k->c->keys, sizeof *seen);
    if (!seen) {
        store_chk_fail(k, "out of memory");
        return;
    }
    struct lab_task out;
    uint64_t ops = 0, wrote_seen = 0;
    for (unsigned pass = 0; !k->failed && (!pass || atomic_load(&k->writing)); pass++) {
        /* every other read is of the record being written right now */
        for (unsigned i = 0; i < 2 * k->c->keys && !k->failed; i++) {
            unsigned j = i % 2 ? atomic_load_explicit(&k->hot, memory_order_relaxed) : i / 2;
            /* interleaved: an update completed since this reader's last read
               (every read, when the threads run at once; once a time slice,
               when they only take turns on one CPU) */
            uint64_t w = atomic_load_explicit(&k->wrote, memory_order_relaxed);
            if (w != wrote_seen) atomic_fetch_add_explicit(&k->overlaps, 1, memory_order_relaxed);
            wrote_seen = w;
            if (store_chk_read(k, t->ts, j, &out, "reader")) break;
            if (out.version < seen[j])
                store_chk_fail(k, "version went back: id %llu read at v%u after v%u (lost update?)",
                               (unsigned long long)k->ids[j], out.version, seen[j]);
            seen[j] = out.version;
            store_chk_tick(k, ++ops);
        }
        /* one scan, by the first reader, during the race: a scan visits
           every record (a million after a taskstore run) */
        if (pass == 1 && t->idx == 0) {
            int rc = k->c->s->scan(k->c->self, store_chk_scan_fn, k);
            if (rc) store_chk_fail(k, "scan() returned %s", strerror(-rc));
            if (atomic_load(&k->scan_bad))
                store_chk_fail(k, "torn record: scan() visited a copy mixed from two writes");
        }
    }
    free(seen);
}

/* A check thread: an OS thread of its own under either runner (lab_prim
   parks an OS thread as well as a fiber), so the variant's per-thread
   hooks run on it. */
static void *store_chk_main(void *arg)
{
    struct store_chk_thr *t = arg;
    const struct lab_impl *im = &t->k->c->s->base;
    void *self = t->k->c->self;
    int rc = im->thread_init ? im->thread_init(self) : 0;
    if (rc) {
        store_chk_fail(t->k, "thread_init on a check thread returned %s", strerror(-rc));
        if (t->writer) atomic_fetch_sub(&t->k->writing, 1);
        return NULL;
    }
    if (t->writer)
        store_chk_write(t);
    else
        store_chk_readall(t);
    if (im->thread_exit) im->thread_exit(self);
    return NULL;
}

static void *store_chk_tstate(const struct lab_store *s)
{
    return s->base.thread_state ? lab_calloc_aligned(s->base.thread_state) : NULL;
}

/* Inserts the records at version 0, then writes version 1 (its id is known
   only now), from this thread. */
static int store_chk_fill(struct store_chk *k, void *ts)
{
    const struct fam_store_check *c = k->c;
    struct lab_task rec;
    for (unsigned j = 0; j < c->keys; j++) {
        fam_store_check_record(&rec, 0, 0);
        int rc = c->s->insert(c->self, ts, &rec, &k->ids[j]);
        if (!rc) {
            fam_store_check_record(&rec, k->ids[j], 1);
            rc = c->s->update(c->self, ts, k->ids[j], &rec);
        }
        if (rc) {
            store_chk_fail(k, "insert/update of a check record returned %s", strerror(-rc));
            return -1;
        }
        k->last[j] = 1;
    }
    return 0;
}

/* After the race: each record is at its last version, then removed. */
static void store_chk_final(struct store_chk *k, void *ts)
{
    const struct fam_store_check *c = k->c;
    struct lab_task out;
    for (unsigned j = 0; j < c->keys && !k->failed; j++) {
        if (store_chk_read(k, ts, j, &out, "final read")) break;
        if (out.version != k->last[j])
            store_chk_fail(k, "lost update: id %llu ends at version %u, last written %u",
                           (unsigned long long)k->ids[j], out.version, k->last[j]);
    }
    for (unsigned j = 0; j < c->keys; j++) {
        int rc = c->s->remove(c->self, ts, k->ids[j]);
        if (rc) store_chk_fail(k, "remove() of a check record returned %s", strerror(-rc));
    }
}

static void store_chk_race(struct store_chk *k, struct store_chk_thr *t, unsigned n)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256u << 10);
    unsigned made = 0;
    for (; made < n; made++) {
        t[made].k = k;
        t[made].writer = made < k->writers;
        t[made].idx = t[made].writer ? made : made - k->writers;
        if (!(t[made].ts = store_chk_tstate(k->c->s)) && k->c->s->base.thread_state) break;
        if (pthread_create(&t[made].tid, &attr, store_chk_main, &t[made])) {
            free(t[made].ts);
            break;
        }
    }
    pthread_attr_destroy(&attr);
    if (made < n) {
        store_chk_fail(k, "could not start check thread %u", made);
        atomic_store(&k->writing, 0);
    }
    for (unsigned i = 0; i < made; i++) {
        pthread_join(t[i].tid, NULL);
        free(t[i].ts);
    }
}

int fam_store_check_pass(const struct fam_store_check *c, char *why, size_t n)
{
    struct fam_store_check cfg = *c;
    if (!cfg.keys) cfg.keys = 16;
    if (!cfg.rounds) cfg.rounds = 256;
    if (!cfg.overlaps) cfg.overlaps = 500;
    if (!cfg.max_ms) cfg.max_ms = 250;
    if (cfg.threads < 2) cfg.threads = 2;
    struct store_chk k = { .c = &cfg };
    k.writers = cfg.threads / 2 < cfg.keys ? cfg.threads / 2 : cfg.keys;
    atomic_store(&k.writing, k.writers);
    k.deadline = lab_now_ns() + (uint64_t)cfg.max_ms * 1000000;
    k.ids = calloc(cfg.keys, sizeof *k.ids);
    k.last = calloc(cfg.keys, sizeof *k.last);
    struct store_chk_thr *t = calloc(cfg.threads, sizeof *t);
    void *ts = store_chk_tstate(cfg.s);
    if (!k.ids || !k.last || !t || (!ts && cfg.s->base.thread_state))
        store_chk_fail(&k, "out of memory");
    else if (!store_chk_fill(&k, ts)) {
        store_chk_race(&k, t, cfg.threads);
        if (!k.failed) store_chk_final(&k, ts);
    }
    free(ts);
    free(t);
    free(k.last);
    free(k.ids);
    if (!k.failed) return 0;
    snprintf(why, n, "%s", k.why);
    return -1;
}
