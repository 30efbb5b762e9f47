/* Store conformance: the contract in impls/lab_store.h, checked for one
 * implementation at a time (every registered store). Records carry a
 * self-check (name and status derived from id and version), so a torn copy
 * is detected wherever one is read; read_write_race runs the store driver's
 * check pass (harness/families/store_check.h: readers and writers on the
 * same records, torn records and lost updates by name); and no check may
 * leave memory the variant allocated after destroy(). */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "lab_store.h"
#include "lab_util.h"
#include "store_check.h"

struct sh {
    const struct lab_store *s;
    void *self;
    struct lab_alloc_totals mark; /* before create() */
};

static int sh_open(struct sh *h, const char *name, size_t hint, unsigned nthreads, char *msg,
                   size_t len)
{
    h->s = (const struct lab_store *)run_registry_find("store", name);
    CHECK(h->s, "store/%s is not registered", name);
    struct lab_store_cfg cfg = { .capacity_hint = hint, .nthreads = nthreads };
    conf_mark(&h->mark);
    int rc = h->s->create(&cfg, &h->self);
    CHECK(rc == 0, "create failed: %s", strerror(-rc));
    /* this thread's calls, as the harness's own (impls/lab.h's hooks), and
       under fibers every carrier's */
    rc = conf_attach(&h->s->base, h->self);
    if (rc) h->s->destroy(h->self);
    CHECK(rc == 0, "thread_init failed: %s", strerror(-rc));
    return 0;
}

/* destroy(), then nothing the variant allocated may be left: rc, or -1
   with the leak in msg when rc was 0. */
static int sh_close(struct sh *h, int rc, char *msg, size_t len)
{
    conf_detach(&h->s->base, h->self);
    h->s->destroy(h->self);
    return rc ? rc : conf_no_leak(&h->mark, msg, len);
}

static void *tstate_new(const struct sh *h)
{
    return h->s->base.thread_state ? calloc(1, h->s->base.thread_state) : NULL;
}

/* A record whose every field follows from (tag, version). */
static struct lab_task mk(uint64_t tag, uint32_t version)
{
    struct lab_task t;
    memset(&t, 0, sizeof t);
    t.version = version;
    t.status = (uint32_t)(lab_mix64(tag * 31 + version) & 0xffff);
    snprintf(t.name, sizeof t.name, "task-%llu-v%u", (unsigned long long)tag, version);
    return t;
}

/* The tag is the name's number; a record is whole when it equals mk(tag, version). */
static int intact(const struct lab_task *t, uint64_t *tag)
{
    unsigned long long g;
    unsigned v;
    if (sscanf(t->name, "task-%llu-v%u", &g, &v) != 2 || v != t->version) return 0;
    struct lab_task want = mk(g, v);
    if (tag) *tag = g;
    return want.status == t->status && strcmp(want.name, t->name) == 0;
}

/* ---- single-thread semantics ---- */

struct counter {
    _Atomic uint64_t n, bad, stop_after;
};

static int count_fn(void *arg, const struct lab_task *t)
{
    struct counter *c = arg;
    if (!t->id || !intact(t, NULL)) atomic_fetch_add(&c->bad, 1);
    uint64_t n = atomic_fetch_add(&c->n, 1) + 1;
    return c->stop_after && n >= c->stop_after;
}

static int check_single(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    if (sh_open(&h, impl, 16, 1, msg, len)) return -1; /* small hint: maps must grow */
    void *ts = h.s->base.thread_state ? conf_calloc(1, h.s->base.thread_state) : NULL;
    const unsigned K = 3000;
    uint64_t *ids = conf_calloc(K, sizeof *ids);
    int ok = -1;
    struct lab_task t, out;
    memset(msg, 0, len);
    for (unsigned i = 0; i < K; i++) {
        t = mk(i, 0);
        int rc = h.s->insert(h.self, ts, &t, &ids[i]);
        if (rc || !ids[i]) {
            snprintf(msg, len, "insert %u: rc %d id %llu", i, rc, (unsigned long long)ids[i]);
            goto out;
        }
        for (unsigned j = i > 8 ? i - 8 : 0; j < i; j++)
            if (ids[j] == ids[i]) {
                snprintf(msg, len, "insert returned id %llu twice", (unsigned long long)ids[i]);
                goto out;
            }
    }
    for (unsigned i = 0; i < K; i++) {
        int rc = h.s->get(h.self, ts, ids[i], &out);
        if (rc || out.id != ids[i] || !intact(&out, NULL) || out.version != 0) {
            snprintf(msg, len, "get of inserted id %llu: rc %d, id %llu",
                     (unsigned long long)ids[i], rc, (unsigned long long)out.id);
            goto out;
        }
    }
    for (unsigned i = 0; i < K; i += 2) {
        t = mk(i, 7);
        t.id = 12345; /* ignored: the stored id stays ids[i] */
        int rc = h.s->update(h.self, ts, ids[i], &t);
        if (rc) {
            snprintf(msg, len, "update of live id: %s", strerror(-rc));
            goto out;
        }
    }
    for (unsigned i = 0; i < K; i += 3) {
        int rc = h.s->remove(h.self, ts, ids[i]);
        if (rc) {
            snprintf(msg, len, "remove of live id: %s", strerror(-rc));
            goto out;
        }
    }
    uint64_t live = 0;
    for (unsigned i = 0; i < K; i++) {
        int rc = h.s->get(h.self, ts, ids[i], &out);
        if (i % 3 == 0) {
            if (rc != -ENOENT) {
                snprintf(msg, len, "get after remove: rc %d, want -ENOENT", rc);
                goto out;
            }
            continue;
        }
        live++;
        uint32_t want_v = i % 2 == 0 ? 7 : 0;
        if (rc || out.id != ids[i] || out.version != want_v || !intact(&out, NULL)) {
            snprintf(msg, len, "get after update: rc %d id %llu (want %llu) version %u (want %u)",
                     rc, (unsigned long long)out.id, (unsigned long long)ids[i], out.version,
                     want_v);
            goto out;
        }
    }
    t = mk(0, 0);
    if (h.s->remove(h.self, ts, ids[0]) != -ENOENT) {
        snprintf(msg, len, "second remove not -ENOENT");
        goto out;
    }
    if (h.s->update(h.self, ts, ids[0], &t) != -ENOENT) {
        snprintf(msg, len, "update of removed id not -ENOENT");
        goto out;
    }
    if (h.s->get(h.self, ts, 0, &out) != -ENOENT) {
        snprintf(msg, len, "get(0) not -ENOENT");
        goto out;
    }
    if (h.s->get(h.self, ts, UINT64_MAX / 2, &out) != -ENOENT) {
        snprintf(msg, len, "get of unknown id not -ENOENT");
        goto out;
    }
    if (h.s->insert(h.self, ts, NULL, NULL) != -EINVAL) {
        snprintf(msg, len, "insert(NULL) not -EINVAL");
        goto out;
    }
    struct counter c = { 0 };
    int rc = h.s->scan(h.self, count_fn, &c);
    if (rc || c.n != live || c.bad) {
        snprintf(msg, len, "scan: rc %d, visited %llu of %llu live (%llu bad)", rc,
                 (unsigned long long)c.n, (unsigned long long)live, (unsigned long long)c.bad);
        goto out;
    }
    struct counter stop = { .stop_after = 1 };
    rc = h.s->scan(h.self, count_fn, &stop);
    if (rc || stop.n < 1 || stop.n >= live) {
        snprintf(msg, len, "scan that stops after 1: rc %d, visited %llu", rc,
                 (unsigned long long)stop.n);
        goto out;
    }
    ok = 0;
out:
    ok = sh_close(&h, ok, msg, len);
    conf_free(ids);
    conf_free(ts);
    return ok;
}

/* ---- concurrency ---- */

enum job { J_INSERT, J_UPDATE, J_GET_RACE, J_REMOVE_RACE };

struct cthr {
    struct sh *h;
    enum job job;
    unsigned idx, nthreads;
    uint64_t *ids; /* shared array; each thread owns its slice */
    unsigned per;
    unsigned rounds;
    char err[160];
    struct conf_task task;
};

static void *cworker(void *arg)
{
    struct cthr *c = arg;
    const struct lab_store *s = c->h->s;
    void *self = c->h->self, *ts = tstate_new(c->h);
    uint64_t *mine = c->ids + (size_t)c->idx * c->per;
    struct lab_task t, out;
    switch (c->job) {
    case J_INSERT:
        for (unsigned i = 0; i < c->per && !c->err[0]; i++) {
            if (i % 64 == 0) conf_tick();
            t = mk((uint64_t)c->idx * c->per + i, 0);
            int rc = s->insert(self, ts, &t, &mine[i]);
            if (rc) snprintf(c->err, sizeof c->err, "insert: %s", strerror(-rc));
        }
        break;
    case J_UPDATE:
        for (unsigned r = 1; r <= c->rounds && !c->err[0]; r++)
            for (unsigned i = 0; i < c->per && !c->err[0]; i++) {
                if (i % 64 == 0) conf_tick();
                t = mk((uint64_t)c->idx * c->per + i, r);
                int rc = s->update(self, ts, mine[i], &t);
                if (rc) {
                    snprintf(c->err, sizeof c->err, "update: %s", strerror(-rc));
                    break;
                }
                rc = s->get(self, ts, mine[i], &out);
                if (rc || !intact(&out, NULL))
                    snprintf(c->err, sizeof c->err, "torn record or error (rc %d) on read-back",
                             rc);
                else if (out.version != r)
                    snprintf(c->err, sizeof c->err,
                             "lost update: update to version %u returned 0, read-back gave %u", r,
                             out.version);
            }
        break;
    case J_GET_RACE: /* reads the whole key space while others remove it */
        for (unsigned r = 0; r < c->rounds && !c->err[0]; r++)
            for (size_t i = 0; i < (size_t)c->per * c->nthreads && !c->err[0]; i++) {
                if (i % 64 == 0) conf_tick();
                int rc = s->get(self, ts, c->ids[i], &out);
                if (rc == -ENOENT) continue;
                if (rc || out.id != c->ids[i] || !intact(&out, NULL))
                    snprintf(c->err, sizeof c->err,
                             "torn or wrong record from get() during remove (rc %d)", rc);
            }
        break;
    case J_REMOVE_RACE:
        for (unsigned i = 0; i < c->per * c->nthreads && !c->err[0]; i++) {
            if (i % c->nthreads != c->idx) continue;
            if (i % 64 == 0) conf_tick();
            int rc = s->remove(self, ts, c->ids[i]);
            if (rc) snprintf(c->err, sizeof c->err, "remove of a live id: %s", strerror(-rc));
        }
        break;
    }
    free(ts);
    return NULL;
}

/* Runs n workers of job (or, when job2 differs, half of each) and joins them. */
static int crun(struct sh *h, unsigned n, enum job job, enum job job2, uint64_t *ids, unsigned per,
                unsigned rounds, char *msg, size_t len)
{
    struct cthr *c = calloc(n, sizeof *c);
    CHECK(c, "out of memory");
    unsigned started = 0;
    for (; started < n; started++) {
        c[started] = (struct cthr){ .h = h,
                                    .job = started % 2 ? job2 : job,
                                    .idx = started,
                                    .nthreads = n,
                                    .ids = ids,
                                    .per = per,
                                    .rounds = rounds };
        if (conf_spawn(&c[started].task, &h->s->base, h->self, cworker, &c[started])) break;
    }
    for (unsigned i = 0; i < started; i++) {
        int hook = conf_join(&c[i].task);
        if (hook) snprintf(c[i].err, sizeof c[i].err, "thread_init: %s", strerror(-hook));
    }
    int rc = started == n ? 0 : -1;
    if (rc) snprintf(msg, len, "could not start worker %u", started);
    for (unsigned i = 0; i < started && !rc; i++)
        if (c[i].err[0]) {
            snprintf(msg, len, "thread %u: %s", i, c[i].err);
            rc = -1;
        }
    free(c);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct idset {
    const uint64_t *sorted;
    size_t n;
    _Atomic uint64_t seen, bad;
    unsigned char *hit;
};

static int idset_fn(void *arg, const struct lab_task *t)
{
    struct idset *s = arg;
    const uint64_t *p = bsearch(&t->id, s->sorted, s->n, sizeof *p, cmp_u64);
    if (!p || !intact(t, NULL)) {
        atomic_fetch_add(&s->bad, 1);
        return 0;
    }
    /* distinct ids hit distinct bytes: no two threads write the same byte */
    s->hit[p - s->sorted]++;
    atomic_fetch_add(&s->seen, 1);
    return 0;
}

/* Scan must visit exactly the ids in live[0..n) (sorted in place here). */
static int scan_exact(struct sh *h, uint64_t *live, size_t n, char *msg, size_t len)
{
    qsort(live, n, sizeof *live, cmp_u64);
    for (size_t i = 1; i < n; i++)
        CHECK(live[i] != live[i - 1], "id %llu was handed out twice", (unsigned long long)live[i]);
    struct idset s = { .sorted = live, .n = n, .hit = calloc(n ? n : 1, 1) };
    CHECK(s.hit, "out of memory");
    int rc = h->s->scan(h->self, idset_fn, &s);
    size_t missing = 0, dup = 0;
    for (size_t i = 0; i < n; i++) missing += s.hit[i] == 0, dup += s.hit[i] > 1;
    free(s.hit);
    CHECK(rc == 0, "scan: %s", strerror(-rc));
    CHECK(!s.bad && !missing && !dup && s.seen == n,
          "scan of %zu live records: %llu visits, %llu unknown/torn, %zu missing, %zu twice", n,
          (unsigned long long)s.seen, (unsigned long long)s.bad, missing, dup);
    return 0;
}

#define PER 1500u

static int check_insert_unique(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    if (sh_open(&h, impl, 64, n, msg, len)) return -1;
    uint64_t *ids = conf_calloc((size_t)n * PER, sizeof *ids);
    int rc = ids ? crun(&h, n, J_INSERT, J_INSERT, ids, PER, 0, msg, len) : -1;
    if (!rc) rc = scan_exact(&h, ids, (size_t)n * PER, msg, len);
    rc = sh_close(&h, rc, msg, len);
    conf_free(ids);
    return rc;
}

/* Fills count records from one thread; ids[i] holds the record tagged i. */
static int prefill(struct sh *h, uint64_t *ids, size_t count, char *msg, size_t len)
{
    void *ts = tstate_new(h);
    size_t i = 0;
    int rc = 0;
    if (h->s->insert_many) { /* the first half in bulk, where offered */
        struct lab_task *many = calloc(count / 2 + 1, sizeof *many);
        for (; many && i < count / 2; i++) many[i] = mk(i, 0);
        rc = many ? h->s->insert_many(h->self, ts, many, i, ids) : -ENOMEM;
        free(many);
    }
    for (; i < count && !rc; i++) {
        struct lab_task t = mk(i, 0);
        rc = h->s->insert(h->self, ts, &t, &ids[i]);
    }
    free(ts);
    CHECK(rc == 0, "prefill insert: %s", strerror(-rc));
    return 0;
}

static int check_update_no_loss(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    /* many workers (fibers): fewer records each, about as many in all */
    const unsigned per = n > 64 ? PER * 128 / n : PER;
    if (sh_open(&h, impl, (size_t)n * per, n, msg, len)) return -1;
    size_t count = (size_t)n * per;
    uint64_t *ids = conf_calloc(count, sizeof *ids);
    const unsigned rounds = 3;
    int rc = ids ? prefill(&h, ids, count, msg, len) : -1;
    if (!rc) rc = crun(&h, n, J_UPDATE, J_UPDATE, ids, per, rounds, msg, len);
    for (size_t i = 0; !rc && i < count; i++) {
        struct lab_task out;
        if (i % 256 == 0) conf_tick();
        int g = h.s->get(h.self, NULL, ids[i], &out);
        uint64_t tag = 0;
        if (g || out.version != rounds || !intact(&out, &tag) || tag != i) {
            snprintf(msg, len,
                     "record %zu after concurrent updates: rc %d version %u (want %u) tag %llu", i,
                     g, out.version, rounds, (unsigned long long)tag);
            rc = -1;
        }
    }
    rc = sh_close(&h, rc, msg, len);
    conf_free(ids);
    return rc;
}

static int check_scan_live_set(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    if (sh_open(&h, impl, 100, 1, msg, len)) return -1;
    size_t count = 4000, live = 0;
    uint64_t *ids = conf_calloc(count, sizeof *ids);
    int rc = ids ? prefill(&h, ids, count, msg, len) : -1;
    for (size_t i = 0; !rc && i < count; i++) {
        if (lab_mix64(i + 17) % 3 == 0) {
            int r = h.s->remove(h.self, NULL, ids[i]);
            if (r) {
                snprintf(msg, len, "remove: %s", strerror(-r));
                rc = -1;
            }
        } else {
            ids[live++] = ids[i];
        }
    }
    if (!rc) rc = scan_exact(&h, ids, live, msg, len);
    rc = sh_close(&h, rc, msg, len);
    conf_free(ids);
    return rc;
}

static int check_remove_get_race(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    if (sh_open(&h, impl, (size_t)n * PER, n, msg, len)) return -1;
    size_t count = (size_t)n * PER;
    uint64_t *ids = conf_calloc(count, sizeof *ids);
    int rc = ids ? prefill(&h, ids, count, msg, len) : -1;
    /* even threads read everything twice; odd threads remove every id i
       with i % n == their index (so with n even, half the ids go) */
    if (!rc) rc = crun(&h, n, J_GET_RACE, J_REMOVE_RACE, ids, PER, 2, msg, len);
    struct counter c = { 0 };
    if (!rc) {
        int s = h.s->scan(h.self, count_fn, &c);
        size_t removed = 0;
        for (size_t i = 0; i < count; i++) removed += (i % n) % 2 == 1;
        if (s || c.bad || c.n != count - removed) {
            snprintf(msg, len, "after the race scan saw %llu (want %zu), %llu torn",
                     (unsigned long long)c.n, count - removed, (unsigned long long)c.bad);
            rc = -1;
        }
    }
    rc = sh_close(&h, rc, msg, len);
    conf_free(ids);
    return rc;
}

static void rw_tick(void *arg)
{
    (void)arg;
    conf_tick();
}

/* Readers and writers on the same records at once: the store driver's check
   pass, raced longer than in a run (torn records, lost updates). */
static int check_read_write_race(const char *impl, unsigned n, char *msg, size_t len)
{
    struct sh h;
    if (sh_open(&h, impl, 64, n, msg, len)) return -1;
    struct fam_store_check c = {
        .s = h.s, .self = h.self, .threads = n, .overlaps = 5000, .max_ms = 2000, .tick = rw_tick
    };
    int rc = fam_store_check_pass(&c, msg, len);
    return sh_close(&h, rc, msg, len);
}

const struct conf_case store_cases[] = {
    { "store", "single_thread", check_single, 0, 0, { 1 } },
    { "store", "insert_unique", check_insert_unique, 0, 0, { 1, 2, 4 } },
    /* 1,000 fibers: ck_hs and rcu_epoch kept a carrier's epoch record across
       the shard lock (a leak, an abort) until 0613bf4; found in 2 runs of 3 */
    { "store", "update_no_loss", check_update_no_loss, 0, 0, { 2, 4 }, NULL, 1000 },
    { "store", "scan_live_set", check_scan_live_set, 0, 0, { 1 } },
    { "store", "remove_get_race", check_remove_get_race, 0, 0, { 2, 4 } },
    { "store", "read_write_race", check_read_write_race, 0, 0, { 2, 8 } },
    { 0 }
};
