/* TEST ONLY: the mutex design, but one item in 100,000 is dropped (the one
 * that arrives as the add counter wraps). Too rare for a 40,000-item check:
 * the oracle's multi-million-item check must catch it, as "lost". */
#include "base.h"

static int lose_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    if (++b->seen % 100000 != 0) fb_push(b, item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

FB_VARIANT(faulty_lose, "loses one item in 100,000", lose_add, fb_close, fb_destroy);
