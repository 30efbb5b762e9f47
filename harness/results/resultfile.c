/* The result-file reader: a contend JSON result back into memory. It checks
 * the schema name and version, ignores unknown fields and rejects anything
 * malformed with one line: it is meant to survive hostile input. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resultfile.h"
#include "results.h"

#define RF_MAX_METRICS 256
#define RF_MAX_VALUE 1e18

enum metric_dir res_metric_direction(const char *name)
{
    size_t len = strlen(name);
    if (len >= 6 && strcmp(name + len - 6, "_per_s") == 0) return DIR_HIGHER;
    if (strstr(name, "ns_per_op") || strstr(name, "bytes_per_op") || strstr(name, "allocs_per_op")
        || (len >= 3 && strcmp(name + len - 3, "_ms") == 0)
        || (len >= 3 && strcmp(name + len - 3, "_ns") == 0) || strstr(name, "_ms_"))
        return DIR_LOWER;
    return DIR_NONE;
}

const struct rf_metric *res_cell_metric(const struct rf_cell *c, const char *name)
{
    for (size_t i = 0; i < c->nmetrics; i++)
        if (strcmp(c->metrics[i].name, name) == 0) return &c->metrics[i];
    return NULL;
}

int res_same_bench(const struct rf_cell *a, const struct rf_cell *b)
{
    return a->threads == b->threads && !strcmp(a->family, b->family) && !strcmp(a->impl, b->impl)
        && !strcmp(a->workload, b->workload);
}

void res_cell_name(const struct rf_cell *c, char *buf, size_t n)
{
    if (*c->workload)
        snprintf(buf, n, "%s/%s/%s/threads=%u", c->family, c->impl, c->workload, c->threads);
    else
        snprintf(buf, n, "%s/%s/threads=%u", c->family, c->impl, c->threads);
}

void res_free(struct rf_result *r)
{
    for (size_t i = 0; i < r->ncells; i++) {
        struct rf_cell *c = &r->cells[i];
        for (size_t k = 0; k < c->nmetrics; k++) free(c->metrics[k].v);
        free(c->metrics);
        free(c->workload);
    }
    free(r->cells);
    free(r->index);
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

/* A string as is; an object or array as compact JSON with sorted keys. */
static char *resultfile_workload_key(const json_t *w)
{
    if (!w || json_is_null(w)) return strdup("");
    if (json_is_string(w)) return strdup(json_string_value(w));
    return json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static int resultfile_bad(char *err, size_t n, const char *name, const char *what, size_t idx)
{
    snprintf(err, n, "%s: cell %zu: %s", name, idx, what);
    return -EINVAL;
}

static int resultfile_add_value(struct rf_cell *c, const char *key, double v, size_t ntrials,
                                enum metric_dir dir)
{
    struct rf_metric *m = (struct rf_metric *)res_cell_metric(c, key);
    if (!m) {
        if (c->nmetrics == RF_MAX_METRICS) return -E2BIG;
        struct rf_metric *grown = realloc(c->metrics, (c->nmetrics + 1) * sizeof *grown);
        if (!grown) return -ENOMEM;
        c->metrics = grown;
        m = &c->metrics[c->nmetrics];
        *m = (struct rf_metric){ .name = key, .dir = dir };
        if (!(m->v = malloc(ntrials * sizeof *m->v))) return -ENOMEM;
        c->nmetrics++;
    }
    if (m->n < ntrials) m->v[m->n++] = v;
    return 0;
}

/* Per-op counter events in a trial, as metrics (names with static storage). */
static const struct {
    const char *event, *metric;
} counter_metrics[] = {
    { "cycles", "cycles_per_op" },
    { "instructions", "instructions_per_op" },
    { "llc_misses", "llc_misses_per_op" },
    { "branch_misses", "branch_misses_per_op" },
    { "context_switches", "context_switches_per_op" },
    { "page_faults", "page_faults_per_op" },
    { "task_clock_ns", "task_clock_ns_per_op" },
};

/* The process's usage over a trial (trial.process), as metrics of their
   own names: counter-like, they explain rather than gate. */
static const char *const process_metrics[] = { "cpu_ns_per_op", "switches_per_op", "peak_rss_kib" };

int res_is_counter_metric(const char *name)
{
    for (size_t e = 0; e < sizeof counter_metrics / sizeof *counter_metrics; e++)
        if (strcmp(name, counter_metrics[e].metric) == 0) return 1;
    for (size_t e = 0; e < sizeof process_metrics / sizeof *process_metrics; e++)
        if (strcmp(name, process_metrics[e]) == 0) return 1;
    return 0;
}

/* A metric's direction: as the file declares it ("metrics"), else by name. */
static enum metric_dir resultfile_direction(const json_t *units, const char *key)
{
    const json_t *b = json_object_get(json_object_get(units, key), "better");
    if (json_is_string(b))
        return !strcmp(json_string_value(b), "higher") ? DIR_HIGHER
            : !strcmp(json_string_value(b), "lower")   ? DIR_LOWER
                                                       : DIR_NONE;
    if (json_is_null(b) && json_object_get(units, key)) return DIR_NONE;
    return res_metric_direction(key);
}

/* Fields that must be numbers (or null: not measured) where present: the
   common ones and those the file declares in "metrics". */
static int resultfile_numeric(const json_t *units, const char *key)
{
    static const char *const common[] = { "seconds",  "ops",  "ops_per_s", "ns_per_op", "rate_min",
                                          "rate_max", "jain", "expected",  "delivered" };
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        if (!strcmp(common[i], key)) return 1;
    return json_object_get(units, key) != NULL;
}

static const char *resultfile_type_name(const json_t *v)
{
    return json_is_string(v) ? "a string"
        : json_is_object(v)  ? "an object"
        : json_is_array(v)   ? "an array"
                             : "a boolean";
}

/* One value of a trial: a count, a time, a rate or a ratio, so finite and in
   [0, RF_MAX_VALUE] (export converts counts to int64; sums must not
   overflow). 0, or -EINVAL with "name: cell i, trial k: "field" ...". */
static int resultfile_value(struct rf_cell *c, const char *key, const char *field, double d,
                            enum metric_dir dir, const char *name, size_t idx, size_t k, char *err,
                            size_t n)
{
    const char *why = !isfinite(d) ? "is not a finite number"
        : d < 0                    ? "is negative (a count, time or rate cannot be)"
        : d > RF_MAX_VALUE         ? "is out of range (at most 1e18)"
                                   : NULL;
    if (why) {
        snprintf(err, n, "%s: cell %zu, trial %zu: \"%s\" = %g %s", name, idx, k, field, d, why);
        return -EINVAL;
    }
    int rc = resultfile_add_value(c, key, d, c->ntrials, dir);
    if (rc == -E2BIG) return resultfile_bad(err, n, name, "too many metrics in a trial", idx);
    if (rc) snprintf(err, n, "%s: out of memory", name);
    return rc;
}

static int resultfile_trial(const json_t *t, const struct rf_result *r, struct rf_cell *c,
                            const char *name, size_t idx, size_t k, char *err, size_t n)
{
    if (!json_is_object(t)) return resultfile_bad(err, n, name, "a trial is not an object", idx);
    const char *key;
    const json_t *v;
    int rc = 0;
    json_object_foreach((json_t *)t, key, v)
    {
        if (json_is_number(v))
            rc = resultfile_value(c, key, key, json_number_value(v),
                                  resultfile_direction(r->metrics, key), name, idx, k, err, n);
        else if (!json_is_null(v) && resultfile_numeric(r->metrics, key)) {
            snprintf(err, n, "%s: cell %zu, trial %zu: \"%s\" is %s, not a number", name, idx, k,
                     key, resultfile_type_name(v));
            rc = -EINVAL;
        }
        if (rc) return rc;
    }
    /* counters: trial.counters.per_op.<event> (null: not counted, skipped) */
    const json_t *per_op = json_object_get(json_object_get(t, "counters"), "per_op");
    for (size_t e = 0;
         json_is_object(per_op) && e < sizeof counter_metrics / sizeof *counter_metrics; e++) {
        const json_t *cv = json_object_get(per_op, counter_metrics[e].event);
        if (!json_is_number(cv)) continue;
        char field[64];
        snprintf(field, sizeof field, "counters.per_op.%s", counter_metrics[e].event);
        rc =
            resultfile_value(c, counter_metrics[e].metric, field, json_number_value(cv),
                             res_metric_direction(counter_metrics[e].metric), name, idx, k, err, n);
        if (rc) return rc;
    }
    /* the process's usage: trial.process.<metric> */
    const json_t *proc = json_object_get(t, "process");
    for (size_t e = 0; json_is_object(proc) && e < sizeof process_metrics / sizeof *process_metrics;
         e++) {
        const json_t *pv = json_object_get(proc, process_metrics[e]);
        if (!json_is_number(pv)) continue;
        char field[64];
        snprintf(field, sizeof field, "process.%s", process_metrics[e]);
        rc = resultfile_value(c, process_metrics[e], field, json_number_value(pv),
                              res_metric_direction(process_metrics[e]), name, idx, k, err, n);
        if (rc) return rc;
    }
    return 0;
}

static int resultfile_load_cell(const json_t *j, const struct rf_result *r, struct rf_cell *c,
                                const char *name, size_t idx, char *err, size_t n)
{
    if (!json_is_object(j)) return resultfile_bad(err, n, name, "not an object", idx);
    const json_t *fam = json_object_get(j, "family"), *impl = json_object_get(j, "impl");
    const json_t *thr = json_object_get(j, "threads"), *trials = json_object_get(j, "trials");
    const json_t *verdict = json_object_get(j, "verdict");
    if (!json_is_string(fam) || !json_is_string(impl))
        return resultfile_bad(err, n, name, "\"family\" and \"impl\" must be strings", idx);
    if (!json_is_integer(thr) || json_integer_value(thr) < 1
        || json_integer_value(thr) > (json_int_t)MAX_THREADS)
        return resultfile_bad(err, n, name, "\"threads\" must be an integer in [1, 100000]", idx);
    if (!json_is_array(trials))
        return resultfile_bad(err, n, name, "\"trials\" must be an array", idx);
    c->json = j;
    c->family = json_string_value(fam);
    c->impl = json_string_value(impl);
    c->threads = (unsigned)json_integer_value(thr);
    c->verdict = json_is_string(verdict) ? json_string_value(verdict) : NULL;
    const json_t *w = json_object_get(j, "workload");
    if (!w && r->config) w = json_object_get(r->config, "workload");
    if (!(c->workload = resultfile_workload_key(w))) return -ENOMEM;
    const json_t *params = json_object_get(j, "params");
    if (json_is_object(params) && json_object_size(params)) {
        /* a variant's parameters are part of what was measured */
        char *pk = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
        size_t len = strlen(c->workload) + (pk ? strlen(pk) : 0) + 2;
        char *both = pk ? malloc(len) : NULL;
        if (both) snprintf(both, len, "%s%s%s", c->workload, *c->workload ? "," : "", pk);
        free(pk);
        if (!both) return -ENOMEM;
        free(c->workload);
        c->workload = both;
    }
    c->ntrials = json_array_size(trials);
    size_t k;
    const json_t *t;
    json_array_foreach(trials, k, t)
    {
        int rc = resultfile_trial(t, r, c, name, idx, k, err, n);
        if (rc) return rc;
    }
    return 0;
}

/* A journal: several lines, the first an object with a "journal" member
   (contend writes it first; a hand-edited header may not). */
static int resultfile_is_journal(const char *buf, size_t len)
{
    if (len > 12 && memmem(buf, len < 64 ? len : 64, "\"journal\"", 9)) return 1;
    const char *nl = memchr(buf, '\n', len);
    if (!nl || nl + 1 >= buf + len || !memmem(buf, (size_t)(nl - buf), "\"journal\"", 9)) return 0;
    json_t *h = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
    int yes = json_is_string(json_object_get(h, "journal"));
    json_decref(h);
    return yes;
}

int res_parse(const char *buf, size_t len, const char *name, struct rf_result *r, char *err,
              size_t n)
{
    memset(r, 0, sizeof *r);
    json_error_t je;
    /* the journal of an interrupted run reads as a (partial) result */
    if (resultfile_is_journal(buf, len)) {
        if (!(r->root = res_journal_to_result(buf, len, name, err, n))) return -EINVAL;
    } else {
        r->root = json_loadb(buf, len, 0, &je);
    }
    if (!r->root) {
        snprintf(err, n, "%s: not valid JSON (line %d: %s)", name, je.line, je.text);
        return -EINVAL;
    }
    const json_t *schema = json_object_get(r->root, "schema");
    const json_t *ver = json_object_get(r->root, "schema_version");
    const json_t *cells = json_object_get(r->root, "cells");
    int rc = -EINVAL;
    if (!json_is_string(schema)) {
        snprintf(err, n, "%s: not a contend result (no \"schema\": \"%s\")", name, CONTEND_SCHEMA);
    } else if (strcmp(json_string_value(schema), CONTEND_SCHEMA) != 0) {
        snprintf(err, n, "%s: schema '%.60s' is not %s", name, json_string_value(schema),
                 CONTEND_SCHEMA);
    } else if (!json_is_integer(ver) || json_integer_value(ver) < CONTEND_SCHEMA_OLDEST
               || json_integer_value(ver) > CONTEND_SCHEMA_VERSION) {
        char v[32] = "missing";
        if (json_is_integer(ver)) snprintf(v, sizeof v, "%lld", (long long)json_integer_value(ver));
        snprintf(err, n, "%s: schema_version %s is not supported (this contend reads %d to %d)",
                 name, v, CONTEND_SCHEMA_OLDEST, CONTEND_SCHEMA_VERSION);
    } else if (!json_is_array(cells)) {
        snprintf(err, n, "%s: \"cells\" must be an array", name);
    } else {
        rc = 0;
    }
    if (rc) {
        res_free(r);
        return rc;
    }
    r->schema_version = (int)json_integer_value(ver);
    const json_t *units = json_object_get(r->root, "metrics");
    r->metrics = json_is_object(units) ? units : NULL;
    const json_t *ctx = json_object_get(r->root, "context"),
                 *cfg = json_object_get(r->root, "config");
    r->context = json_is_object(ctx) ? ctx : NULL;
    r->config = json_is_object(cfg) ? cfg : NULL;
    size_t nc = json_array_size(cells);
    if ((nc && !(r->cells = calloc(nc, sizeof *r->cells))) || res_index_init(r, nc)) {
        snprintf(err, n, "%s: out of memory", name);
        res_free(r);
        return -ENOMEM;
    }
    for (size_t i = 0; i < nc; i++) {
        r->ncells = i + 1;
        rc = resultfile_load_cell(json_array_get(cells, i), r, &r->cells[i], name, i, err, n);
        if (!rc && (rc = res_index_add(r, i)) == -EEXIST) {
            char nm[160];
            res_cell_name(&r->cells[i], nm, sizeof nm);
            snprintf(err, n, "%s: cell %zu (%.100s) appears twice", name, i, nm);
            rc = -EINVAL;
        } else if (rc == -ENOMEM) {
            snprintf(err, n, "%s: out of memory", name);
        }
        if (rc) {
            res_free(r);
            return rc;
        }
    }
    return 0;
}

int res_load(const char *path, struct rf_result *r, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    char *buf;
    size_t len;
    int rc = res_read_file(path, RES_RESULT_MAX_BYTES, &buf, &len, err, n);
    if (rc) return rc;
    rc = res_parse(buf, len, path, r, err, n);
    free(buf);
    return rc;
}

const char *res_metric_unit(const struct rf_result *r, const char *metric)
{
    const json_t *u = json_object_get(json_object_get(r->metrics, metric), "unit");
    if (json_is_string(u)) return json_string_value(u);
    if (strstr(metric, "_per_s")) return "ops/s";
    if (strstr(metric, "ns_per_op")) return "ns/op";
    size_t len = strlen(metric);
    if (len > 3 && !strcmp(metric + len - 3, "_ns")) return "ns/op";
    if (strstr(metric, "bytes_per_op")) return "B/op";
    if (strstr(metric, "allocs_per_op")) return "allocs/op";
    if (strstr(metric, "_ms")) return "ms";
    if (len > 4 && !strcmp(metric + len - 4, "_kib")) return "KiB";
    if (!strcmp(metric, "jain")) return "Jain index, 1 = fair";
    return "per op";
}
