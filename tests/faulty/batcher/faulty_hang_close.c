/* TEST ONLY: close() waits for a consumer thread to say it has drained, but
 * no consumer was ever started: it never returns. The watchdog must call it
 * stuck ("no progress ... in close()") and cost its cell no more than its
 * stall time. */
#include "base.h"

static int hang_close(void *self)
{
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    while (b->len != SIZE_MAX) pthread_cond_wait(&b->cv, &b->mu); /* "drained" never comes */
    pthread_mutex_unlock(&b->mu);
    return 0;
}

FB_VARIANT(faulty_hang_close, "close() never returns", fb_add, hang_close, fb_destroy);
