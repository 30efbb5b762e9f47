#include "chan.h"

#include <errno.h>
#include <stdlib.h>

/* A parked sender or receiver, on its own stack. done: 0 parked, 1 done
   (v sent, or v received), 2 closed. */
struct lab_chan_waiter {
    struct lab_chan_waiter *next;
    uint64_t v;
    _Atomic uint32_t done;
};

/* Sleeps until done is set or the deadline passes (0 = none); the result. */
static uint32_t chan_park(_Atomic uint32_t *done, uint64_t deadline_ns)
{
    uint32_t d;
    while (!(d = atomic_load_explicit(done, memory_order_acquire)))
        if (lab_park(done, 0, deadline_ns) == -ETIMEDOUT) break;
    return d ? d : atomic_load_explicit(done, memory_order_acquire);
}

/* Wake after the store: the waiter may already be gone, and an unpark of a
   word nobody waits on is harmless (it changes no memory). */
static void chan_unpark(_Atomic uint32_t *done, uint32_t value)
{
    atomic_store_explicit(done, value, memory_order_release);
    lab_unpark(done, 1);
}

static void chan_enqueue(struct lab_chan_waiter **head, struct lab_chan_waiter **tail,
                         struct lab_chan_waiter *w)
{
    w->next = NULL;
    if (*tail)
        (*tail)->next = w;
    else
        *head = w;
    *tail = w;
}

static struct lab_chan_waiter *chan_dequeue(struct lab_chan_waiter **head,
                                            struct lab_chan_waiter **tail)
{
    struct lab_chan_waiter *w = *head;
    if (w && !(*head = w->next)) *tail = NULL;
    return w;
}

/* Takes w out of the queue if it is still there; 1 if it was. */
static int chan_unlink(struct lab_chan_waiter **head, struct lab_chan_waiter **tail,
                       struct lab_chan_waiter *w)
{
    struct lab_chan_waiter *prev = NULL;
    for (struct lab_chan_waiter *p = *head; p; prev = p, p = p->next) {
        if (p != w) continue;
        if (prev)
            prev->next = p->next;
        else
            *head = p->next;
        if (*tail == p) *tail = prev;
        return 1;
    }
    return 0;
}

int lab_chan_init(struct lab_chan *c, size_t cap)
{
    if (cap == 0) return -EINVAL;
    c->ring = calloc(cap, sizeof *c->ring);
    if (!c->ring) return -ENOMEM;
    c->cap = cap;
    c->head = c->len = 0;
    c->closed = 0;
    c->sendq = c->sendq_tail = c->recvq = c->recvq_tail = NULL;
    lab_mutex_init(&c->mu);
    return 0;
}

void lab_chan_destroy(struct lab_chan *c)
{
    lab_mutex_destroy(&c->mu);
    free(c->ring);
    c->ring = NULL;
}

int lab_chan_send(struct lab_chan *c, uint64_t v)
{
    lab_mutex_lock(&c->mu);
    if (c->closed) {
        lab_mutex_unlock(&c->mu);
        return -EPIPE;
    }
    struct lab_chan_waiter *r = chan_dequeue(&c->recvq, &c->recvq_tail);
    if (r) { /* a parked receiver: hand it over */
        r->v = v;
        lab_mutex_unlock(&c->mu);
        chan_unpark(&r->done, 1);
        return 0;
    }
    if (c->len < c->cap) {
        c->ring[(c->head + c->len) % c->cap] = v;
        c->len++;
        lab_mutex_unlock(&c->mu);
        return 0;
    }
    struct lab_chan_waiter w = { .v = v }; /* full: park on sendq */
    chan_enqueue(&c->sendq, &c->sendq_tail, &w);
    lab_mutex_unlock(&c->mu);
    return chan_park(&w.done, 0) == 1 ? 0 : -EPIPE;
}

/* Takes the head; refills the freed slot from the first parked sender.
   Returns that sender (to wake once the lock is dropped) or NULL. */
static struct lab_chan_waiter *chan_take_locked(struct lab_chan *c, uint64_t *v)
{
    *v = c->ring[c->head];
    c->head = (c->head + 1) % c->cap;
    c->len--;
    struct lab_chan_waiter *w = chan_dequeue(&c->sendq, &c->sendq_tail);
    if (w) {
        c->ring[(c->head + c->len) % c->cap] = w->v;
        c->len++;
    }
    return w;
}

int lab_chan_recv(struct lab_chan *c, uint64_t *v, uint64_t deadline_ns)
{
    lab_mutex_lock(&c->mu);
    if (c->len) {
        struct lab_chan_waiter *w = chan_take_locked(c, v);
        lab_mutex_unlock(&c->mu);
        if (w) chan_unpark(&w->done, 1);
        return 0;
    }
    if (c->closed) {
        lab_mutex_unlock(&c->mu);
        return -EPIPE;
    }
    struct lab_chan_waiter r = { 0 }; /* empty: park on recvq */
    chan_enqueue(&c->recvq, &c->recvq_tail, &r);
    lab_mutex_unlock(&c->mu);
    uint32_t d = chan_park(&r.done, deadline_ns);
    if (!d) { /* timed out, unless a sender just came */
        lab_mutex_lock(&c->mu);
        int still_parked = chan_unlink(&c->recvq, &c->recvq_tail, &r);
        lab_mutex_unlock(&c->mu);
        if (still_parked) return -ETIMEDOUT;
        d = chan_park(&r.done, 0); /* dequeued: its sender is setting done */
    }
    if (d != 1) return -EPIPE;
    *v = r.v;
    return 0;
}

int lab_chan_try_recv(struct lab_chan *c, uint64_t *v)
{
    struct lab_chan_waiter *w = NULL;
    lab_mutex_lock(&c->mu);
    int rc = c->len ? 0 : (c->closed ? -EPIPE : -EAGAIN);
    if (rc == 0) w = chan_take_locked(c, v);
    lab_mutex_unlock(&c->mu);
    if (w) chan_unpark(&w->done, 1);
    return rc;
}

/* Tells every waiter in a detached queue that the channel is closed. */
static void chan_wake_closed(struct lab_chan_waiter *w)
{
    while (w) {
        struct lab_chan_waiter *next = w->next; /* read before w may vanish */
        chan_unpark(&w->done, 2);
        w = next;
    }
}

void lab_chan_close(struct lab_chan *c)
{
    lab_mutex_lock(&c->mu);
    c->closed = 1;
    struct lab_chan_waiter *s = c->sendq, *r = c->recvq;
    c->sendq = c->sendq_tail = c->recvq = c->recvq_tail = NULL;
    lab_mutex_unlock(&c->mu);
    chan_wake_closed(s);
    chan_wake_closed(r);
}
