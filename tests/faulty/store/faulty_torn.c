/* TEST ONLY: a first attempt at a store (one reader-writer lock, a record
 * per id, allocated on insert, updated in place field by field) whose get()
 * copies the record without taking the lock ("reads are safe, only writers
 * need it"): a get racing an update returns a record mixed from two
 * writes. The timed phases never race reads with updates; the check pass
 * does and must say "torn record" (the TSan build: "data race"). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lab_store.h"

struct torn {
    pthread_rwlock_t mu;
    struct lab_task **rec; /* rec[id], NULL when none */
    uint64_t cap, next;
};

static int torn_create(const struct lab_store_cfg *cfg, void **self)
{
    struct torn *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    s->cap = cfg->capacity_hint + 64;
    if (!(s->rec = calloc(s->cap, sizeof *s->rec))) {
        free(s);
        return -ENOMEM;
    }
    pthread_rwlock_init(&s->mu, NULL);
    s->next = 1;
    *self = s;
    return 0;
}

static int torn_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    (void)ts;
    struct torn *s = self;
    struct lab_task *r = t ? malloc(sizeof *r) : NULL;
    if (!r) return t ? -ENOMEM : -EINVAL;
    *r = *t;
    pthread_rwlock_wrlock(&s->mu);
    if (s->next == s->cap) {
        struct lab_task **n = realloc(s->rec, 2 * s->cap * sizeof *n);
        if (!n) {
            pthread_rwlock_unlock(&s->mu);
            free(r);
            return -ENOMEM;
        }
        memset(n + s->cap, 0, s->cap * sizeof *n);
        s->rec = n;
        s->cap *= 2;
    }
    r->id = s->next++;
    s->rec[r->id] = r;
    if (id) *id = r->id;
    pthread_rwlock_unlock(&s->mu);
    return 0;
}

static int torn_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    (void)ts;
    struct torn *s = self;
    if (!out) return -EINVAL;
    if (id >= s->cap || !s->rec[id]) return -ENOENT; /* no lock: the fault */
    *out = *s->rec[id];
    return 0;
}

static int torn_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    (void)ts;
    struct torn *s = self;
    if (!t) return -EINVAL;
    pthread_rwlock_wrlock(&s->mu);
    struct lab_task *r = id < s->cap ? s->rec[id] : NULL;
    if (r) {
        r->status = t->status;
        r->version = t->version;
        memcpy(r->name, t->name, sizeof r->name);
    }
    pthread_rwlock_unlock(&s->mu);
    return r ? 0 : -ENOENT;
}

static int torn_remove(void *self, void *ts, uint64_t id)
{
    (void)ts;
    struct torn *s = self;
    pthread_rwlock_wrlock(&s->mu);
    struct lab_task *r = id < s->cap ? s->rec[id] : NULL;
    if (r) s->rec[id] = NULL;
    pthread_rwlock_unlock(&s->mu);
    free(r);
    return r ? 0 : -ENOENT;
}

static int torn_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct torn *s = self;
    if (!fn) return -EINVAL;
    pthread_rwlock_rdlock(&s->mu);
    for (uint64_t i = 1; i < s->next; i++)
        if (s->rec[i] && fn(arg, s->rec[i])) break;
    pthread_rwlock_unlock(&s->mu);
    return 0;
}

static void torn_destroy(void *self)
{
    struct torn *s = self;
    for (uint64_t i = 1; i < s->next; i++) free(s->rec[i]);
    free(s->rec);
    pthread_rwlock_destroy(&s->mu);
    free(s);
}

const struct lab_store lab_store_faulty_torn = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "faulty_torn",
              .summary = "TEST ONLY: get() copies without the lock (torn reads)",
              .origin = "test:faulty" },
    .create = torn_create,
    .insert = torn_insert,
    .get = torn_get,
    .update = torn_update,
    .remove = torn_remove,
    .scan = torn_scan,
    .destroy = torn_destroy,
};
