#include <errno.h>

#include "lab_util.h"
#include "tslot.h"

/* The calling thread's slots, one per instance it has claimed in, and the
   last one found (the common case: one instance per thread). */
static _Thread_local struct lab_tslot *tslot_mine, *tslot_last;

void lab_tslots_init(struct lab_tslots *s, size_t size)
{
    atomic_init(&s->head, NULL);
    atomic_init(&s->nfree, 0);
    s->size = size < sizeof(struct lab_tslot) ? sizeof(struct lab_tslot) : size;
}

void lab_tslots_fini(struct lab_tslots *s, void (*fin)(struct lab_tslot *, void *), void *arg)
{
    struct lab_tslot *p = atomic_load_explicit(&s->head, memory_order_acquire);
    while (p) {
        struct lab_tslot *next = p->next;
        if (fin) fin(p, arg);
        free(p);
        p = next;
    }
    atomic_store_explicit(&s->head, NULL, memory_order_relaxed);
}

struct lab_tslot *lab_tslot_self(const struct lab_tslots *s)
{
    struct lab_tslot *p = tslot_last;
    if (p && p->owner == s) return p;
    for (p = tslot_mine; p && p->owner != s; p = p->mine) {}
    if (p) tslot_last = p;
    return p;
}

/* A slot some thread released, or NULL. */
static struct lab_tslot *tslot_take_free(struct lab_tslots *s)
{
    LAB_TSLOTS_EACH(s, q)
    {
        int free_ = 0;
        if (!atomic_load_explicit(&q->claimed, memory_order_relaxed)
            && atomic_compare_exchange_strong_explicit(&q->claimed, &free_, 1, memory_order_acquire,
                                                       memory_order_relaxed)) {
            atomic_fetch_sub_explicit(&s->nfree, 1, memory_order_relaxed);
            return q;
        }
    }
    return NULL;
}

int lab_tslot_claim(struct lab_tslots *s, struct lab_tslot **slot, int *fresh)
{
    struct lab_tslot *p = lab_tslot_self(s);
    *fresh = 0;
    if (p) { /* nested on this thread */
        p->nest++;
        *slot = p;
        return 0;
    }
    if (atomic_load_explicit(&s->nfree, memory_order_relaxed)) p = tslot_take_free(s);
    if (!p) {
        if (!(p = lab_calloc_aligned(s->size))) return -ENOMEM;
        p->owner = s;
        atomic_init(&p->claimed, 1);
        p->next = atomic_load_explicit(&s->head, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&s->head, &p->next, p, memory_order_release,
                                                      memory_order_relaxed)) {}
        *fresh = 1;
    }
    p->nest = 1;
    p->mine = tslot_mine;
    tslot_mine = tslot_last = p;
    *slot = p;
    return 0;
}

void lab_tslot_release(struct lab_tslots *s)
{
    struct lab_tslot *p = lab_tslot_self(s);
    if (!p || --p->nest) return;
    for (struct lab_tslot **pp = &tslot_mine; *pp; pp = &(*pp)->mine)
        if (*pp == p) {
            *pp = p->mine;
            break;
        }
    p->mine = NULL;
    tslot_last = NULL;
    atomic_fetch_add_explicit(&s->nfree, 1, memory_order_relaxed);
    atomic_store_explicit(&p->claimed, 0, memory_order_release);
}
