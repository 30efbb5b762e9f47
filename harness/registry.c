/* The registry: the generated table of every implementation file, plus
 * the start-up checks (ABI, name == file stem, family, duplicates). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

const char *const lab_families[] = { "batcher", "store", NULL };

int family_known(const char *family)
{
    for (size_t i = 0; lab_families[i]; i++)
        if (strcmp(lab_families[i], family) == 0) return 1;
    return 0;
}

int registry_check(char *err, size_t n)
{
    for (size_t i = 0; i < lab_registry_len; i++) {
        const struct lab_registry_entry *e = &lab_registry[i];
        const struct lab_impl *m = e->impl;
        if (m->abi != LAB_ABI_VERSION) {
            snprintf(err, n, "%s/%s: ABI %u, harness expects %u", e->family, e->stem,
                     m->abi, LAB_ABI_VERSION);
            return -EINVAL;
        }
        if (!m->name || strcmp(m->name, e->stem) != 0) {
            snprintf(err, n, "impls/%s/%s.c: descriptor name \"%s\" differs from the file stem",
                     e->family, e->stem, m->name ? m->name : "(null)");
            return -EINVAL;
        }
        if (!m->family || strcmp(m->family, e->family) != 0) {
            snprintf(err, n, "impls/%s/%s.c: descriptor says family \"%s\"", e->family,
                     e->stem, m->family ? m->family : "(null)");
            return -EINVAL;
        }
        if (!m->summary || !m->origin) {
            snprintf(err, n, "%s/%s: summary and origin are required", e->family, e->stem);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(lab_registry[j].family, e->family) == 0
                && strcmp(lab_registry[j].impl->name, m->name) == 0) {
                snprintf(err, n, "duplicate implementation name %s/%s", e->family, m->name);
                return -EINVAL;
            }
    }
    return 0;
}

const struct lab_impl *registry_find(const char *family, const char *name)
{
    for (size_t i = 0; i < lab_registry_len; i++)
        if (strcmp(lab_registry[i].family, family) == 0
            && strcmp(lab_registry[i].impl->name, name) == 0)
            return lab_registry[i].impl;
    return NULL;
}

size_t registry_list(const char *family, const struct lab_impl **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < lab_registry_len; i++)
        if (strcmp(lab_registry[i].family, family) == 0) {
            if (k < max && out) out[k] = lab_registry[i].impl;
            k++;
        }
    return k;
}
