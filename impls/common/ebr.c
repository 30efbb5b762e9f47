#include "ebr.h"

void lab_ebr_init(struct lab_ebr *d, size_t size)
{
    atomic_init(&d->epoch, 1);
    lab_tslots_init(&d->threads,
                    size < sizeof(struct lab_ebr_thread) ? sizeof(struct lab_ebr_thread) : size);
}

static uint64_t ebr_free_bag(struct lab_ebr_thread *t, struct lab_ebr_bag *b)
{
    uint64_t n = b->n;
    for (struct lab_ebr_node *p = b->head, *next; p; p = next) {
        next = p->next;
        p->free(p, t);
    }
    b->head = NULL;
    b->n = 0;
    return n;
}

struct ebr_fin_arg {
    void (*fin)(struct lab_ebr_thread *);
};

static void ebr_fin(struct lab_tslot *s, void *arg)
{
    struct lab_ebr_thread *t = (struct lab_ebr_thread *)s;
    const struct ebr_fin_arg *a = arg;
    for (int i = 0; i < 3; i++) ebr_free_bag(t, &t->bag[i]);
    if (a->fin) a->fin(t);
}

void lab_ebr_fini(struct lab_ebr *d, void (*fin)(struct lab_ebr_thread *))
{
    struct ebr_fin_arg a = { fin };
    lab_tslots_fini(&d->threads, ebr_fin, &a);
}

int lab_ebr_thread_init(struct lab_ebr *d)
{
    struct lab_tslot *s;
    int fresh;
    return lab_tslot_claim(&d->threads, &s, &fresh);
}

void lab_ebr_thread_exit(struct lab_ebr *d) { lab_tslot_release(&d->threads); }

/* Moves the global epoch from e to e+1 if every active thread entered in
   e; returns the global epoch as this thread last saw it. */
static uint64_t ebr_try_advance(struct lab_ebr *d)
{
    uint64_t e = atomic_load_explicit(&d->epoch, memory_order_seq_cst);
    LAB_TSLOTS_EACH(&d->threads, s)
    {
        uint64_t st =
            atomic_load_explicit(&((struct lab_ebr_thread *)s)->state, memory_order_seq_cst);
        if ((st & 1) && st >> 1 != e) return e;
    }
    if (atomic_compare_exchange_strong_explicit(&d->epoch, &e, e + 1, memory_order_seq_cst,
                                                memory_order_seq_cst))
        return e + 1;
    return e; /* someone else moved it: e holds the newer value */
}

static void ebr_count_freed(struct lab_ebr_thread *t, uint64_t n)
{
    if (n)
        atomic_store_explicit(&t->freed, atomic_load_explicit(&t->freed, memory_order_relaxed) + n,
                              memory_order_relaxed);
}

void lab_ebr_retire(struct lab_ebr *d, struct lab_ebr_thread *t, struct lab_ebr_node *n)
{
    /* read after the unlinking exchange: a reader that can still see n
       entered no later than this epoch */
    uint64_t tag = atomic_load_explicit(&d->epoch, memory_order_seq_cst);
    struct lab_ebr_bag *b = &t->bag[tag % 3];
    uint64_t freed = 0;
    if (b->head && b->epoch != tag) freed += ebr_free_bag(t, b); /* tagged tag-3 or older */
    b->epoch = tag;
    n->next = b->head;
    b->head = n;
    b->n++;
    atomic_store_explicit(&t->retired, atomic_load_explicit(&t->retired, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    if (++t->since_advance >= LAB_EBR_ADVANCE_EVERY) {
        t->since_advance = 0;
        uint64_t g = ebr_try_advance(d);
        for (int i = 0; i < 3; i++)
            if (t->bag[i].head && t->bag[i].epoch + 2 <= g) freed += ebr_free_bag(t, &t->bag[i]);
    }
    ebr_count_freed(t, freed);
}

uint64_t lab_ebr_backlog(struct lab_ebr *d)
{
    uint64_t retired = 0, freed = 0;
    LAB_TSLOTS_EACH(&d->threads, s)
    {
        struct lab_ebr_thread *t = (struct lab_ebr_thread *)s;
        retired += atomic_load_explicit(&t->retired, memory_order_relaxed);
        freed += atomic_load_explicit(&t->freed, memory_order_relaxed);
    }
    return retired - freed;
}
