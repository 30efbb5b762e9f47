/* TEST ONLY: the mutex design, but the 700th item has a bit flipped on its
 * way in: one item lost, and one delivered that was never added. */
#include "base.h"

static int foreign_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    fb_push(b, ++b->seen == 700 ? item ^ (UINT64_C(1) << 39) : item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

FB_VARIANT(faulty_foreign, "corrupts the 700th item (a foreign item)", foreign_add, fb_close,
           fb_destroy);
