/* Per-thread slots of one variant instance, claimed in the thread_init
 * hook and found again on every call through thread-local storage.
 *
 * Epoch-based designs (store/rcu_epoch's lab_ebr, store/ck_hs's ck_epoch
 * records) need a record per OS thread that calls them: its read-side
 * state and its list of retired memory. The hooks of impls/lab.h say when
 * a thread starts and stops calling (under fibers: once per carrier), so:
 *  - lab_tslot_claim (thread_init) takes a slot for the calling thread:
 *    a slot some earlier thread released, with whatever it still holds
 *    (retired memory not yet freed), or a new zeroed one;
 *  - lab_tslot_self (every call) returns it: one thread-local load and a
 *    compare in the common case of one instance per thread;
 *  - lab_tslot_release (thread_exit) gives it back, contents kept.
 * Slots are never freed before lab_tslots_fini, so a scan of every slot
 * (LAB_TSLOTS_EACH: an epoch advance, a backlog sum) needs no lock: the
 * list only grows at its head, published with a release store.
 * Under fibers a slot belongs to the carrier thread, not to the worker: a
 * worker that parks (lab_mutex_lock, lab_park) may resume on another
 * carrier, so never keep a slot pointer across a call that can park; call
 * lab_tslot_self again after it.
 * A slot is a variant's struct that begins with struct lab_tslot; it is
 * cache-line aligned. Functions return 0 or a negative errno. */
#ifndef LAB_TSLOT_H
#define LAB_TSLOT_H

#include <stdatomic.h>
#include <stddef.h>

struct lab_tslot {
    struct lab_tslot *next; /* every slot of the instance, newest first */
    struct lab_tslot *mine; /* the claiming thread's slots of other instances */
    const void *owner;      /* the struct lab_tslots it belongs to */
    _Atomic int claimed;    /* a thread holds it */
    unsigned nest;          /* thread_init calls on that thread, minus thread_exit */
};

struct lab_tslots {
    _Atomic(struct lab_tslot *) head;
    _Atomic unsigned nfree; /* released slots: a claim looks for one only then */
    size_t size;            /* bytes of one slot, >= sizeof(struct lab_tslot) */
};

void lab_tslots_init(struct lab_tslots *s, size_t size);
/* Calls fin(slot, arg) on every slot (no thread may hold one), then frees
   them. */
void lab_tslots_fini(struct lab_tslots *s, void (*fin)(struct lab_tslot *, void *), void *arg);
/* thread_init: the calling thread's slot (*fresh = 1: new and zeroed).
   Nested calls on one thread return the same slot. 0 or -ENOMEM. */
int lab_tslot_claim(struct lab_tslots *s, struct lab_tslot **slot, int *fresh);
/* thread_exit: balances one lab_tslot_claim. */
void lab_tslot_release(struct lab_tslots *s);
/* The calling thread's slot, or NULL when it has not claimed one. */
struct lab_tslot *lab_tslot_self(const struct lab_tslots *s);

#define LAB_TSLOTS_EACH(s, p)                                                             \
    for (struct lab_tslot *p = atomic_load_explicit(&(s)->head, memory_order_acquire); p; \
         p = p->next)

#endif
