/* The store driver: not written yet (see the store issue). */
#include <errno.h>
#include <stdio.h>

#include "runner.h"

static int s_setup(struct trial_ctx *c, char *err, size_t n)
{
    (void)c;
    snprintf(err, n, "the store family's driver is not built yet");
    return -ENOSYS;
}
static void s_work(struct trial_ctx *c, struct worker *w) { (void)c; (void)w; }
static void s_finish(struct trial_ctx *c, struct trial *t) { (void)c; (void)t; }

const struct family_driver store_driver = {
    .family = "store", .setup = s_setup, .work = s_work, .finish = s_finish,
};
