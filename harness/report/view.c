/* A result file seen as families x implementations x thread counts. */
#include <errno.h>
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

/* Drops vendor marks, "CPU", the clock and the core count from a model. */
void rep_cpu_trim(const char *model, char *buf, size_t n)
{
    static const char *const drop[] = { "(R)",  "(r)",        "(TM)",      "(tm)",
                                        " CPU", " Processor", " processor" };
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", model);
    char *at = strstr(tmp, " @ ");
    if (at) *at = '\0';
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
        for (char *p; (p = strstr(tmp, drop[i])) != NULL;)
            memmove(p, p + strlen(drop[i]), strlen(p + strlen(drop[i])) + 1);
    char *core = strstr(tmp, "-Core"); /* "64-Core": the PU count says it */
    if (core) {
        char *s = core;
        while (s > tmp && s[-1] >= '0' && s[-1] <= '9') s--;
        if (s > tmp && s[-1] == ' ') memmove(s - 1, core + 5, strlen(core + 5) + 1);
    }
    size_t k = 0;
    for (const char *p = tmp; *p && k + 1 < n; p++)
        if (!(*p == ' ' && (k == 0 || buf[k - 1] == ' '))) buf[k++] = *p;
    while (k && buf[k - 1] == ' ') k--;
    buf[k] = '\0';
}

static void view_label(const struct rf_result *r, char *buf, size_t n, int trim)
{
    const json_t *topo = json_object_get(r->context, "topology");
    const json_t *model = json_object_get(topo, "cpu_model"), *pus = json_object_get(topo, "pus");
    const char *kernel = rep_ctx_str(r, "kernel"), *host = rep_ctx_str(r, "host");
    char p[32] = "", cpu[256];
    if (json_is_integer(pus)) snprintf(p, sizeof p, ", %d PUs", (int)json_integer_value(pus));
    snprintf(cpu, sizeof cpu, "%s",
             json_is_string(model) ? json_string_value(model) : "unknown CPU");
    if (trim)
        rep_cpu_trim(json_is_string(model) ? json_string_value(model) : "unknown CPU", cpu,
                     sizeof cpu);
    snprintf(buf, n, "%s%s, %s%s%s%s", cpu, p, kernel ? kernel : "unknown kernel", host ? " (" : "",
             host ? host : "", host ? ")" : "");
}

void rep_machine_label(const struct rf_result *r, char *buf, size_t n) { view_label(r, buf, n, 0); }
void rep_machine_short(const struct rf_result *r, char *buf, size_t n) { view_label(r, buf, n, 1); }

int rep_names_add(struct rep_names *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        const char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

void rep_names_free(struct rep_names *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void rep_uns_free(struct rep_uns *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int rep_families(const struct rf_result *r, struct rep_names *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < r->ncells; i++) rc = rep_names_add(out, r->cells[i].family);
    return rc;
}

int rep_impls_of(const struct rf_result *r, const char *fam, struct rep_names *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < r->ncells; i++)
        if (!strcmp(r->cells[i].family, fam)) rc = rep_names_add(out, r->cells[i].impl);
    return rc;
}

static int view_cmp_uns(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

int rep_threads_of(const struct rf_result *r, const char *fam, struct rep_uns *out)
{
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].family, fam)) continue;
        size_t j = 0;
        while (j < out->n && out->v[j] != r->cells[i].threads) j++;
        if (j < out->n) continue;
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 16;
            unsigned *v = realloc(out->v, cap * sizeof *v);
            if (!v) return -ENOMEM;
            out->v = v;
            out->cap = cap;
        }
        out->v[out->n++] = r->cells[i].threads;
    }
    if (out->n) qsort(out->v, out->n, sizeof *out->v, view_cmp_uns);
    return 0;
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

const char *rep_cell_missing(const struct rf_result *r, const struct rf_cell *c)
{
    if (!c) return "n/a";
    const char *out = json_string_value(json_object_get(c->json, "outcome"));
    if (!c->ntrials && (!out || !strcmp(out, "ok") || !strcmp(out, "not run")))
        return json_is_true(json_object_get(r->root, "interrupted")) ? "not run (interrupted)"
                                                                     : "not run";
    if (out && strcmp(out, "ok")) return out; /* crashed, timed out, error */
    return "n/a";
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

const char *rep_metric_label(const char *metric)
{
    static const char *const names[][2] = {
        { "ops_per_s", "throughput" },
        { "ns_per_op", "time per operation" },
        { "jain", "fairness" },
        { "read_ns", "read time per operation" },
        { "write_ns", "write time per operation" },
        { "bytes_per_op", "bytes allocated per operation" },
        { "allocs_per_op", "allocations per operation" },
        { "scan_ms", "GetAll (scan) time" },
        { "cycles_per_op", "CPU cycles per operation" },
        { "instructions_per_op", "instructions per operation" },
        { "context_switches_per_op", "context switches per operation" },
        { "page_faults_per_op", "page faults per operation" },
        { "task_clock_ns_per_op", "CPU time per operation" },
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(metric, names[i][0])) return names[i][1];
    return metric;
}

void rep_med_ci(const struct lab_summary *s, char *buf, size_t n, int mark_unstable)
{
    char a[16], b[16], c[16];
    snprintf(buf, n, "%s [%s, %s]%s", rep_format_si(s->median, a, sizeof a),
             rep_format_si(s->ci_low, b, sizeof b), rep_format_si(s->ci_high, c, sizeof c),
             mark_unstable && s->unstable ? " !" : "");
}
