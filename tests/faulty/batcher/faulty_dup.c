/* TEST ONLY: the mutex design, but the 500th item is delivered twice. The
 * oracle must say "duplicated", not "delivered N+1 of N". */
#include "base.h"

static int dup_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    fb_push(b, item);
    if (++b->seen == 500) fb_push(b, item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

FB_VARIANT(faulty_dup, "delivers the 500th item twice", dup_add, fb_close, fb_destroy);
