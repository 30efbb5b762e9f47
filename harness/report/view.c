/* A result file seen as families x implementations x thread counts. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

const char *rep_format_si(double v, char *buf, size_t n)
{
    const char *u = "";
    double a = fabs(v);
    if (a >= 1e9)
        v /= 1e9, u = "G";
    else if (a >= 1e6)
        v /= 1e6, u = "M";
    else if (a >= 1e3)
        v /= 1e3, u = "k";
    snprintf(buf, n, fabs(v) >= 100 ? "%.0f%s" : fabs(v) >= 10 ? "%.1f%s" : "%.2f%s", v, u);
    return buf;
}

const char *rep_ctx_str(const struct rf_result *r, const char *key)
{
    const json_t *v = json_object_get(r->context, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "Intel(R) Xeon(R) ..., 2 PUs, Linux 6.1.0 x86_64 (host)" */
void rep_machine_label(const struct rf_result *r, char *buf, size_t n)
{
    const json_t *topo = json_object_get(r->context, "topology");
    const json_t *model = json_object_get(topo, "cpu_model"), *pus = json_object_get(topo, "pus");
    const char *kernel = rep_ctx_str(r, "kernel"), *host = rep_ctx_str(r, "host");
    char p[32] = "";
    if (json_is_integer(pus)) snprintf(p, sizeof p, ", %d PUs", (int)json_integer_value(pus));
    snprintf(
        buf, n, "%s%s, %s%s%s%s", json_is_string(model) ? json_string_value(model) : "unknown CPU",
        p, kernel ? kernel : "unknown kernel", host ? " (" : "", host ? host : "", host ? ")" : "");
}

/* Distinct strings (families, impls of a family) in first-seen order. */
size_t rep_add_unique(const char **list, size_t k, const char *s)
{
    for (size_t i = 0; i < k; i++)
        if (!strcmp(list[i], s)) return k;
    if (k < VIEW_MAX) list[k++] = s;
    return k;
}

size_t rep_families(const struct rf_result *r, const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++) k = rep_add_unique(out, k, r->cells[i].family);
    return k;
}

size_t rep_impls_of(const struct rf_result *r, const char *fam, const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam)) k = rep_add_unique(out, k, r->cells[i].impl);
    return k;
}

static int view_cmp_uns(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

void rep_sort_uns(unsigned *v, size_t n) { qsort(v, n, sizeof *v, view_cmp_uns); }

size_t rep_threads_of(const struct rf_result *r, const char *fam, unsigned *out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].family, fam)) continue;
        size_t j = 0;
        while (j < k && out[j] != r->cells[i].threads) j++;
        if (j == k && k < VIEW_MAX) out[k++] = r->cells[i].threads;
    }
    rep_sort_uns(out, k);
    return k;
}

const struct rf_cell *rep_find(const struct rf_result *r, const char *fam, const char *impl,
                               unsigned threads)
{
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (c->threads == threads && !strcmp(c->family, fam) && !strcmp(c->impl, impl)) return c;
    }
    return NULL;
}

int rep_cell_summary(const struct rf_cell *c, const char *metric, struct lab_summary *s)
{
    const struct rf_metric *m = c ? res_cell_metric(c, metric) : NULL;
    if (!m || !m->n) return 0;
    lab_summarize(m->v, m->n, s);
    return 1;
}

/* The family's headline metric: ops_per_s, else the first with a direction. */
const char *rep_primary_metric(const struct rf_result *r, const char *fam)
{
    const char *first = NULL;
    for (size_t i = 0; i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        if (strcmp(c->family, fam)) continue;
        if (res_cell_metric(c, "ops_per_s")) return "ops_per_s";
        for (size_t k = 0; k < c->nmetrics && !first; k++)
            if (c->metrics[k].dir != DIR_NONE) first = c->metrics[k].name;
    }
    return first;
}

/* The first metric of the family whose name contains part. */
const char *rep_metric_like(const struct rf_result *r, const char *fam, const char *part)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam))
            for (size_t k = 0; k < r->cells[i].nmetrics; k++)
                if (strstr(r->cells[i].metrics[k].name, part)) return r->cells[i].metrics[k].name;
    return NULL;
}

void rep_med_ci(const struct lab_summary *s, char *buf, size_t n, int mark_unstable)
{
    char a[16], b[16], c[16];
    snprintf(buf, n, "%s [%s, %s]%s", rep_format_si(s->median, a, sizeof a),
             rep_format_si(s->ci_low, b, sizeof b), rep_format_si(s->ci_high, c, sizeof c),
             mark_unstable && s->unstable ? " !" : "");
}

/* ---------------- gnuplot ------------------------------------------------ */
