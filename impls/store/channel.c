/* store/channel: the seed's ChannelStore, the actor model it abandoned.
 * Worker threads own the data: worker k alone touches its map, and every
 * operation is a message sent through worker k's queue (a Go-style bounded
 * channel). As in the seed, each call allocates its request (the workerJob)
 * and its reply (the per-request response channel; here a one-shot
 * mutex/condvar future) and frees both when answered.
 * cfg->workers workers (default 4, the seed's count). Worker k hands out the
 * ids k+1, k+1+W, k+1+2W ... so an id's owner is (id-1) % W; inserts go
 * round-robin per client thread (its thread state). GetAll asks each worker
 * in turn to run the callback over its map. Actors are started with
 * lab_spawn and every wait is a lab_chan or lab_cond wait, so under a fiber
 * runner the actors are fibers, as the seed's were goroutines. */
#include <errno.h>

#include "common/chan.h"
#include "common/hashmap.h"
#include "lab_alloc.h"
#include "lab_util.h"

#define DEFAULT_WORKERS 4u
#define QUEUE_CAP 1024u

enum op { OP_INSERT, OP_GET, OP_UPDATE, OP_REMOVE, OP_SCAN, OP_INSERT_MANY };

struct reply {
    struct lab_mutex mu;
    struct lab_cond cv;
    int done;
};

struct request {
    enum op op;
    int rc;
    uint64_t id;
    struct lab_task task;
    lab_scan_fn fn;
    void *arg;
    const struct lab_task *many; /* OP_INSERT_MANY: n records, ids out */
    size_t n;
    uint64_t *ids;
    struct reply *reply;
};

struct actor {
    LAB_ALIGNED struct lab_chan q;
    struct lab_map map; /* owned by the actor's thread alone */
    uint64_t next_seq;
    unsigned idx, nworkers;
    struct lab_task_handle tid;
    int started;
};

struct chstore {
    unsigned n;
    struct actor *a;
};

struct cthread {
    unsigned rr;
}; /* per-client-thread insert round robin */

static int put_new(struct actor *a, const struct lab_task *t, uint64_t *id)
{
    struct lab_task copy = *t;
    copy.id = a->idx + 1 + (uint64_t)a->nworkers * a->next_seq;
    int rc = lab_map_put(&a->map, &copy);
    if (!rc) a->next_seq++, *id = copy.id;
    return rc;
}

static void serve(struct actor *a, struct request *r)
{
    switch (r->op) {
    case OP_INSERT: r->rc = put_new(a, &r->task, &r->id); break;
    case OP_INSERT_MANY:
        r->rc = 0;
        for (size_t i = 0; i < r->n && !r->rc; i++) r->rc = put_new(a, &r->many[i], &r->ids[i]);
        break;
    case OP_GET: r->rc = lab_map_get(&a->map, r->id, &r->task); break;
    case OP_UPDATE: r->rc = lab_map_update(&a->map, r->id, &r->task); break;
    case OP_REMOVE: r->rc = lab_map_remove(&a->map, r->id); break;
    case OP_SCAN: r->rc = lab_map_scan(&a->map, r->fn, r->arg) ? 1 : 0; break;
    }
}

static void *actor_main(void *arg)
{
    struct actor *a = arg;
    uint64_t v;
    while (lab_chan_recv(&a->q, &v, 0) == 0) {
        struct request *r = (struct request *)(uintptr_t)v;
        serve(a, r);
        struct reply *rep = r->reply;
        lab_mutex_lock(&rep->mu);
        rep->done = 1;
        lab_cond_signal(&rep->cv);
        lab_mutex_unlock(&rep->mu); /* the caller may free r and rep now */
    }
    return NULL;
}

/* Sends r to actor k with a freshly allocated reply, waits for the answer
   and frees the reply. Returns r->rc (or -ENOMEM, -EPIPE). */
static int send_wait(struct chstore *s, unsigned k, struct request *r)
{
    struct reply *rep = lab_malloc(sizeof *rep);
    if (!rep) return -ENOMEM;
    r->reply = rep;
    lab_mutex_init(&rep->mu);
    lab_cond_init(&rep->cv);
    rep->done = 0;
    if (lab_chan_send(&s->a[k].q, (uint64_t)(uintptr_t)r) != 0) {
        r->rc = -EPIPE;
    } else {
        lab_mutex_lock(&rep->mu);
        while (!rep->done) lab_cond_wait(&rep->cv, &rep->mu, 0);
        lab_mutex_unlock(&rep->mu);
    }
    lab_cond_destroy(&rep->cv);
    lab_mutex_destroy(&rep->mu);
    lab_free(rep);
    return r->rc;
}

/* Allocates a request, sends it, waits. Returns the answered request (the
   caller frees it) or NULL when out of memory. fn/arg: GetAll's callback. */
static struct request *call(struct chstore *s, unsigned k, enum op op, uint64_t id,
                            const struct lab_task *t, lab_scan_fn fn, void *arg)
{
    struct request *r = lab_malloc(sizeof *r);
    if (!r) return NULL;
    *r = (struct request){ .op = op, .id = id, .fn = fn, .arg = arg };
    if (t) r->task = *t;
    if (send_wait(s, k, r) == -ENOMEM) {
        lab_free(r);
        return NULL;
    }
    return r;
}

/* call() and return its result code; out receives the record, *id the id. */
static int call_rc(struct chstore *s, unsigned k, enum op op, uint64_t id, const struct lab_task *t,
                   struct lab_task *out, uint64_t *id_out, lab_scan_fn fn, void *arg)
{
    struct request *r = call(s, k, op, id, t, fn, arg);
    if (!r) return -ENOMEM;
    int rc = r->rc;
    if (!rc && out) *out = r->task;
    if (!rc && id_out) *id_out = r->id;
    lab_free(r);
    return rc;
}

static unsigned owner(const struct chstore *s, uint64_t id) { return (unsigned)((id - 1) % s->n); }

static void c_destroy(void *self)
{
    struct chstore *s = self;
    for (unsigned k = 0; k < s->n; k++)
        if (s->a[k].started) lab_chan_close(&s->a[k].q);
    for (unsigned k = 0; k < s->n; k++) {
        if (!s->a[k].started) continue;
        lab_join(&s->a[k].tid);
        lab_chan_destroy(&s->a[k].q);
        lab_map_destroy(&s->a[k].map);
    }
    free(s->a);
    lab_free(s);
}

static int c_create(const struct lab_store_cfg *cfg, void **self)
{
    struct chstore *s = lab_calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    s->n = cfg->workers ? cfg->workers : DEFAULT_WORKERS;
    if (!(s->a = lab_calloc_aligned(sizeof *s->a * s->n))) {
        lab_free(s);
        return -ENOMEM;
    }
    int rc = 0;
    for (unsigned k = 0; k < s->n && !rc; k++) {
        struct actor *a = &s->a[k];
        a->idx = k;
        a->nworkers = s->n;
        if ((rc = lab_map_init(&a->map, cfg->capacity_hint / s->n + 1)) != 0) break;
        if ((rc = lab_chan_init(&a->q, QUEUE_CAP)) != 0) {
            lab_map_destroy(&a->map);
            break;
        }
        if ((rc = lab_spawn(actor_main, a, &a->tid)) != 0) {
            lab_chan_destroy(&a->q);
            lab_map_destroy(&a->map);
            break;
        }
        a->started = 1;
    }
    if (rc) {
        c_destroy(s);
        return rc;
    }
    *self = s;
    return 0;
}

static int c_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    struct chstore *s = self;
    if (!t) return -EINVAL;
    struct cthread *ct = ts;
    unsigned k = ct ? ct->rr++ % s->n : 0;
    return call_rc(s, k, OP_INSERT, 0, t, NULL, id, NULL, NULL);
}

static int c_get(void *self, void *ts, uint64_t id, struct lab_task *out)
{
    if (!out) return -EINVAL;
    if (!id) return -ENOENT;
    return call_rc(self, owner(self, id), OP_GET, id, NULL, out, NULL, NULL, NULL);
}

static int c_update(void *self, void *ts, uint64_t id, const struct lab_task *t)
{
    if (!t) return -EINVAL;
    if (!id) return -ENOENT;
    return call_rc(self, owner(self, id), OP_UPDATE, id, t, NULL, NULL, NULL, NULL);
}

static int c_remove(void *self, void *ts, uint64_t id)
{
    if (!id) return -ENOENT;
    return call_rc(self, owner(self, id), OP_REMOVE, id, NULL, NULL, NULL, NULL, NULL);
}

/* Prefill: one message per chunk, chunks dealt round-robin to the actors. */
static int c_insert_many(void *self, void *ts, const struct lab_task *t, size_t n, uint64_t *ids)
{
    struct chstore *s = self;
    const size_t chunk = 4096;
    struct cthread *ct = ts;
    for (size_t at = 0; at < n; at += chunk) {
        unsigned k = ct ? ct->rr++ % s->n : 0;
        struct request *r = lab_malloc(sizeof *r);
        if (!r) return -ENOMEM;
        *r = (struct request){ .op = OP_INSERT_MANY,
                               .many = t + at,
                               .n = n - at < chunk ? n - at : chunk,
                               .ids = ids + at };
        int rc = send_wait(s, k, r);
        lab_free(r);
        if (rc) return rc;
    }
    return 0;
}

static int c_scan(void *self, lab_scan_fn fn, void *arg)
{
    struct chstore *s = self;
    if (!fn) return -EINVAL;
    for (unsigned k = 0; k < s->n; k++) {
        int rc = call_rc(s, k, OP_SCAN, 0, NULL, NULL, NULL, fn, arg);
        if (rc < 0) return rc;
        if (rc) break; /* the callback asked to stop */
    }
    return 0;
}

const struct lab_store lab_store_channel = {
    .base = { .abi = LAB_ABI_VERSION,
              .family = "store",
              .name = "channel",
              .summary = "ChannelStore: actor threads own the maps; a malloc'd message per op",
              .origin = "seed:taskstore (abandoned)",
              .caps = LAB_CAP_OWN_THREADS,
              .thread_state = sizeof(struct cthread) },
    .create = c_create,
    .insert = c_insert,
    .get = c_get,
    .update = c_update,
    .remove = c_remove,
    .scan = c_scan,
    .destroy = c_destroy,
    .insert_many = c_insert_many,
};
