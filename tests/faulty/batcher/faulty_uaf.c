/* TEST ONLY: destroy() frees the batcher, then reads its buffer length: a
 * heap-use-after-free that only AddressSanitizer sees (the plain build and
 * TSan run it without complaint). */
#include "base.h"

static int uaf_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    fb_push(b, item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

static volatile size_t uaf_sink;

static void uaf_destroy(void *self)
{
    struct fb *volatile gone = self; /* hides the free from -Wuse-after-free */
    fb_destroy(self);
    uaf_sink = gone->len; /* read after free */
}

FB_VARIANT(faulty_uaf, "destroy() reads freed memory", uaf_add, fb_close, uaf_destroy);
