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
