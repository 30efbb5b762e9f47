#include "chan.h"

#include <errno.h>
#include <stdlib.h>

/* A parked sender, on the sender's stack. done: 0 parked, 1 sent, 2 closed. */
struct lab_chan_waiter {
    struct lab_chan_waiter *next;
    uint64_t v;
    _Atomic uint32_t done;
};

static void chan_park(_Atomic uint32_t *word)
{
    while (!atomic_load_explicit(word, memory_order_acquire)) lab_park(word, 0, 0);
}

/* Wake after the store: the waiter may already be gone, and an unpark of a
   dead address is harmless (it changes no memory; at worst a later parker
   on that address wakes spuriously, which park allows). */
static void chan_unpark(_Atomic uint32_t *word, uint32_t value)
{
    atomic_store_explicit(word, value, memory_order_release);
    lab_unpark(word, 1);
}

int lab_chan_init(struct lab_chan *c, size_t cap)
{
    if (cap == 0) return -EINVAL;
    c->ring = calloc(cap, sizeof *c->ring);
    if (!c->ring) return -ENOMEM;
    c->cap = cap;
    c->head = c->len = 0;
    c->recv_waiting = 0;
    c->closed = 0;
    c->sendq = c->sendq_tail = NULL;
    lab_mutex_init(&c->mu);
    lab_cond_init(&c->not_empty);
    return 0;
}

void lab_chan_destroy(struct lab_chan *c)
{
    lab_cond_destroy(&c->not_empty);
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
    if (c->len < c->cap) {
        c->ring[(c->head + c->len) % c->cap] = v;
        c->len++;
        if (c->recv_waiting) lab_cond_signal(&c->not_empty);
        lab_mutex_unlock(&c->mu);
        return 0;
    }
    struct lab_chan_waiter w = { .v = v };      /* full: park on sendq */
    if (c->sendq_tail) c->sendq_tail->next = &w;
    else c->sendq = &w;
    c->sendq_tail = &w;
    lab_mutex_unlock(&c->mu);
    chan_park(&w.done);
    return atomic_load_explicit(&w.done, memory_order_acquire) == 1 ? 0 : -EPIPE;
}

/* Takes the head; refills the freed slot from the first parked sender.
   Returns that sender (to wake once the lock is dropped) or NULL. */
static struct lab_chan_waiter *take_locked(struct lab_chan *c, uint64_t *v)
{
    *v = c->ring[c->head];
    c->head = (c->head + 1) % c->cap;
    c->len--;
    struct lab_chan_waiter *w = c->sendq;
    if (w) {
        c->sendq = w->next;
        if (!c->sendq) c->sendq_tail = NULL;
        c->ring[(c->head + c->len) % c->cap] = w->v;
        c->len++;
    }
    return w;
}

int lab_chan_recv(struct lab_chan *c, uint64_t *v, const struct timespec *deadline)
{
    int rc = 0;
    struct lab_chan_waiter *w = NULL;
    /* 0 is "no deadline" for lab_cond_wait; a deadline at the epoch has passed */
    uint64_t deadline_ns = deadline ? (uint64_t)deadline->tv_sec * 1000000000u
                                      + (uint64_t)deadline->tv_nsec : 0;
    if (deadline && !deadline_ns) deadline_ns = 1;
    lab_mutex_lock(&c->mu);
    while (c->len == 0 && !c->closed) {
        c->recv_waiting++;
        int e = lab_cond_wait(&c->not_empty, &c->mu, deadline_ns);
        c->recv_waiting--;
        if (e == -ETIMEDOUT && c->len == 0) {
            rc = -ETIMEDOUT;
            break;
        }
    }
    if (rc == 0) {
        if (c->len) w = take_locked(c, v);
        else rc = -EPIPE;
    }
    lab_mutex_unlock(&c->mu);
    if (w) chan_unpark(&w->done, 1);
    return rc;
}

int lab_chan_try_recv(struct lab_chan *c, uint64_t *v)
{
    struct lab_chan_waiter *w = NULL;
    lab_mutex_lock(&c->mu);
    int rc = c->len ? 0 : (c->closed ? -EPIPE : -EAGAIN);
    if (rc == 0) w = take_locked(c, v);
    lab_mutex_unlock(&c->mu);
    if (w) chan_unpark(&w->done, 1);
    return rc;
}

void lab_chan_close(struct lab_chan *c)
{
    lab_mutex_lock(&c->mu);
    c->closed = 1;
    struct lab_chan_waiter *w = c->sendq;
    c->sendq = c->sendq_tail = NULL;
    lab_cond_broadcast(&c->not_empty);
    lab_mutex_unlock(&c->mu);
    while (w) {
        struct lab_chan_waiter *next = w->next;   /* read before w may vanish */
        chan_unpark(&w->done, 2);
        w = next;
    }
}
