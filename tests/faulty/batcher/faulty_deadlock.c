/* TEST ONLY: add() takes the lock and forgets to release it, so the second
 * add by any thread blocks forever: stuck in the timed region. */
#include "base.h"

static int deadlock_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu); /* never unlocked */
    fb_push(b, item);
    return 0;
}

FB_VARIANT(faulty_deadlock, "add() deadlocks", deadlock_add, fb_close, fb_destroy);
