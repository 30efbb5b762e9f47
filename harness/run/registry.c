/* The registries: the generated tables of every implementation file and of
 * every family driver, with the start-up checks (ABI, name == file stem,
 * known family, duplicates). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "family.h"

const struct family_driver *run_family_find(const char *name)
{
    for (size_t i = 0; fam_registry[i]; i++)
        if (!strcmp(fam_registry[i]->name, name)) return fam_registry[i];
    return NULL;
}

int run_family_metric(const struct family_driver *f, const char *name)
{
    for (size_t i = 0; i < f->nmetrics; i++)
        if (!strcmp(f->metrics[i].name, name)) return (int)i;
    return -1;
}

static int registry_check_families(char *err, size_t n)
{
    for (size_t i = 0; fam_registry[i]; i++) {
        const struct family_driver *f = fam_registry[i];
        if (f->abi != FAM_ABI_VERSION || f->cfg_size > RUN_FCFG_MAX
            || f->nmetrics > TRIAL_MAX_METRICS || !f->setup || !f->work || !f->finish) {
            snprintf(err, n,
                     "family %s: ABI %u (expects %u), %zu bytes of options (max %d), "
                     "%zu metrics (max %d), or a hook missing",
                     f->name, f->abi, FAM_ABI_VERSION, f->cfg_size, RUN_FCFG_MAX, f->nmetrics,
                     TRIAL_MAX_METRICS);
            return -EINVAL;
        }
    }
    return 0;
}

int run_registry_check(char *err, size_t n)
{
    int rc = registry_check_families(err, n);
    if (rc) return rc;
    for (size_t i = 0; i < lab_registry_len; i++) {
        const struct lab_registry_entry *e = &lab_registry[i];
        const struct lab_impl *m = e->impl;
        if (m->abi != LAB_ABI_VERSION) {
            snprintf(err, n, "%s/%s: ABI %u, harness expects %u", e->family, e->stem, m->abi,
                     LAB_ABI_VERSION);
            return -EINVAL;
        }
        if (!m->name || strcmp(m->name, e->stem) != 0) {
            snprintf(err, n, "impls/%s/%s.c: descriptor name \"%s\" differs from the file stem",
                     e->family, e->stem, m->name ? m->name : "(null)");
            return -EINVAL;
        }
        if (!m->family || strcmp(m->family, e->family) != 0) {
            snprintf(err, n, "impls/%s/%s.c: descriptor says family \"%s\"", e->family, e->stem,
                     m->family ? m->family : "(null)");
            return -EINVAL;
        }
        if (!run_family_find(e->family)) {
            snprintf(err, n, "impls/%s/%s.c: no driver harness/families/%s.c", e->family, e->stem,
                     e->family);
            return -EINVAL;
        }
        size_t np = 0;
        for (const struct lab_param *p = m->params; p && p->name; p++, np++)
            if (!(p->def >= p->min && p->def <= p->max) || !p->help || np >= RUN_MAX_PARAMS) {
                snprintf(err, n,
                         "%s/%s: parameter %s: a help line, a default in [min, max], "
                         "at most %d parameters",
                         e->family, e->stem, p->name, RUN_MAX_PARAMS);
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

const struct lab_impl *run_registry_find(const char *family, const char *name)
{
    for (size_t i = 0; i < lab_registry_len; i++)
        if (strcmp(lab_registry[i].family, family) == 0
            && strcmp(lab_registry[i].impl->name, name) == 0)
            return lab_registry[i].impl;
    return NULL;
}

size_t run_registry_list(const char *family, const struct lab_impl **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < lab_registry_len; i++)
        if (strcmp(lab_registry[i].family, family) == 0) {
            if (k < max && out) out[k] = lab_registry[i].impl;
            k++;
        }
    return k;
}

const char *run_registry_unavailable(const char *family, const char *name)
{
    for (size_t i = 0; lab_unavailable[i].family; i++)
        if (!strcmp(lab_unavailable[i].family, family) && !strcmp(lab_unavailable[i].name, name))
            return lab_unavailable[i].needs;
    return NULL;
}

const char *run_registry_source(const struct lab_impl *impl)
{
    for (size_t i = 0; i < lab_registry_len; i++)
        if (lab_registry[i].impl == impl) return lab_registry[i].source;
    return "?";
}

const char *run_registry_sha256(const struct lab_impl *m)
{
    for (size_t i = 0; i < lab_registry_len; i++)
        if (lab_registry[i].impl == m) return lab_registry[i].sha256;
    return NULL;
}
