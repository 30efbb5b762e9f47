/* TEST ONLY: destroy() frees the batcher, then reads its buffer length: a
 * heap-use-after-free that the sanitizers name (AddressSanitizer and
 * ThreadSanitizer both do) and the plain build runs without complaint. */
#include "base.h"

static volatile size_t uaf_sink;

static void uaf_destroy(void *self)
{
    struct fb *volatile gone = self; /* hides the free from -Wuse-after-free */
    fb_destroy(self);
    uaf_sink = gone->len; /* read after free */
}

FB_VARIANT(faulty_uaf, "destroy() reads freed memory", fb_add, fb_close, uaf_destroy);
