#include <errno.h>
#include <string.h>

#include "hashmap.h"
#include "lab_alloc.h"
#include "lab_util.h"

static size_t slots_for(size_t hint)
{
    size_t cap = 16;
    while (cap - cap / 4 < hint) cap <<= 1; /* stay at most 3/4 full */
    return cap;
}

int lab_map_init(struct lab_map *m, size_t hint)
{
    size_t cap = slots_for(hint);
    m->slots = lab_calloc(cap, sizeof *m->slots);
    if (!m->slots) return -ENOMEM;
    m->mask = cap - 1;
    m->len = 0;
    return 0;
}

void lab_map_destroy(struct lab_map *m)
{
    lab_free(m->slots);
    m->slots = NULL;
    m->mask = m->len = 0;
}

static size_t home(const struct lab_map *m, uint64_t id) { return (size_t)lab_mix64(id) & m->mask; }

/* Index of id's slot, or of the empty slot where it would go. */
static size_t find(const struct lab_map *m, uint64_t id)
{
    size_t i = home(m, id);
    while (m->slots[i].id && m->slots[i].id != id) i = (i + 1) & m->mask;
    return i;
}

static int grow(struct lab_map *m)
{
    struct lab_map bigger;
    if (lab_map_init(&bigger, (m->mask + 1) * 3 / 4 + 1) != 0) return -ENOMEM;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].id) bigger.slots[find(&bigger, m->slots[i].id)] = m->slots[i];
    bigger.len = m->len;
    lab_free(m->slots);
    *m = bigger;
    return 0;
}

int lab_map_get(const struct lab_map *m, uint64_t id, struct lab_task *out)
{
    if (!id) return -ENOENT;
    const struct lab_task *s = &m->slots[find(m, id)];
    if (!s->id) return -ENOENT;
    *out = *s;
    return 0;
}

int lab_map_put(struct lab_map *m, const struct lab_task *t)
{
    if (!t->id) return -EINVAL;
    size_t i = find(m, t->id);
    if (!m->slots[i].id) {
        if (m->len + 1 > (m->mask + 1) - (m->mask + 1) / 4) {
            if (grow(m) != 0) return -ENOMEM;
            i = find(m, t->id);
        }
        m->len++;
    }
    m->slots[i] = *t;
    return 0;
}

int lab_map_update(struct lab_map *m, uint64_t id, const struct lab_task *t)
{
    if (!id) return -ENOENT;
    struct lab_task *s = &m->slots[find(m, id)];
    if (!s->id) return -ENOENT;
    *s = *t;
    s->id = id;
    return 0;
}

int lab_map_remove(struct lab_map *m, uint64_t id)
{
    if (!id) return -ENOENT;
    size_t i = find(m, id);
    if (!m->slots[i].id) return -ENOENT;
    /* backward shift: pull later members of the probe run into the hole */
    for (size_t j = (i + 1) & m->mask; m->slots[j].id; j = (j + 1) & m->mask) {
        size_t h = home(m, m->slots[j].id);
        /* move j to i unless h lies cyclically in (i, j] */
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    memset(&m->slots[i], 0, sizeof m->slots[i]);
    m->len--;
    return 0;
}

int lab_map_scan(const struct lab_map *m, lab_scan_fn fn, void *arg)
{
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].id) {
            int rc = fn(arg, &m->slots[i]);
            if (rc) return rc;
        }
    return 0;
}
