#include <stdlib.h>
#include <string.h>

#include "conformance.h"

const struct conf_case *const conf_tables[] = { batcher_cases, store_cases, counter_cases, NULL };

const struct conf_case *conf_find(const char *family, const char *name)
{
    for (size_t t = 0; conf_tables[t]; t++)
        for (const struct conf_case *c = conf_tables[t]; c->name; c++)
            if (!strcmp(c->family, family) && !strcmp(c->name, name)) return c;
    return NULL;
}

int conf_applies(const struct conf_case *c, const struct lab_impl *m)
{
    return (m->caps & c->need_caps) == c->need_caps && !(m->caps & c->skip_caps);
}

struct run_beat *conf_beat;

void conf_tick(void)
{
    if (conf_beat) run_beat_tick(conf_beat);
}

void conf_mark(struct lab_alloc_totals *t) { lab_alloc_totals(t); }

int conf_no_leak(const struct lab_alloc_totals *before, char *msg, size_t len)
{
    struct lab_alloc_totals now;
    lab_alloc_totals(&now);
    char why[96];
    CHECK(!lab_alloc_leak(before, &now, why, sizeof why), "%s after destroy()", why);
    return 0;
}

void *conf_calloc(size_t n, size_t size)
{
    lab_alloc_pause();
    void *p = calloc(n ? n : 1, size);
    lab_alloc_resume();
    return p;
}

void conf_free(void *p)
{
    lab_alloc_pause();
    free(p);
    lab_alloc_resume();
}
