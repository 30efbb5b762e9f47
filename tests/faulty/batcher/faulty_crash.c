/* TEST ONLY: dereferences NULL on its 1000th add: a crash is recorded for
 * its own cell ("SIGSEGV"), and the other cells are intact. */
#include <stdio.h>

#include "base.h"

static int crash_add(void *self, void *ts, uint64_t item)
{
    (void)ts;
    struct fb *b = self;
    pthread_mutex_lock(&b->mu);
    if (++b->seen == 1000) {
        fprintf(stderr, "crash: about to dereference NULL\n");
        fflush(stderr);
        volatile int *p = NULL;
        *p = 1;
    }
    fb_push(b, item);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

FB_VARIANT(faulty_crash, "segfaults on the 1000th add", crash_add, fb_close, fb_destroy);
