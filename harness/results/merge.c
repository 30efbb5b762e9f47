/* Merging result files (docs/history.md): the shards of one run joined, any
 * other runs kept side by side, every input's context kept; and reading a
 * merged file back run by run or part by part. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "results.h"

struct merge_unit {        /* one run read from an input */
    json_t *doc;           /* a complete result document (owned) */
    const char *path;      /* the input it came from */
    unsigned index, count; /* its config.shard I/N; count 0: not a shard */
    size_t group;          /* the run it belongs to */
};

static const char *merge_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* The build's commit (older files: the run-time one). */
static const char *merge_commit(const json_t *ctx)
{
    const char *b = merge_str(ctx, "build_commit");
    return *b ? b : merge_str(ctx, "commit");
}

/* argv without the program, --shard and --out: the same sweep's command. */
static json_t *merge_argv_key(const json_t *ctx)
{
    json_t *k = json_array();
    const json_t *argv = json_object_get(ctx, "argv");
    for (size_t i = 1; i < json_array_size(argv); i++) {
        const char *a = json_string_value(json_array_get(argv, i));
        if (!a) continue;
        if (!strcmp(a, "--shard") || !strcmp(a, "--out")) {
            i++;
            continue;
        }
        if (strncmp(a, "--shard=", 8) && strncmp(a, "--out=", 6))
            json_array_append_new(k, json_string(a));
    }
    return k;
}

/* Parts of one run: same build, command and config but the shard (hosts
   may differ: a sweep spread over a fleet; merge_join warns). */
static int merge_same_run(const struct merge_unit *a, const struct merge_unit *b)
{
    if (!a->count || a->count != b->count) return 0;
    const json_t *ca = json_object_get(a->doc, "context"), *cb = json_object_get(b->doc, "context");
    json_t *fa = json_deep_copy(json_object_get(a->doc, "config"));
    json_t *fb = json_deep_copy(json_object_get(b->doc, "config"));
    json_t *aa = merge_argv_key(ca), *ab = merge_argv_key(cb);
    json_object_del(fa, "shard");
    json_object_del(fb, "shard");
    int same =
        !strcmp(merge_commit(ca), merge_commit(cb)) && json_equal(fa, fb) && json_equal(aa, ab);
    json_decref(fa);
    json_decref(fb);
    json_decref(aa);
    json_decref(ab);
    return same;
}

static int merge_add_unit(struct merge_unit **u, size_t *nu, json_t *doc, const char *path)
{
    struct merge_unit *g = realloc(*u, (*nu + 1) * sizeof *g);
    if (!g) {
        json_decref(doc);
        return -ENOMEM;
    }
    *u = g;
    struct merge_unit *x = &g[(*nu)++];
    *x = (struct merge_unit){ .doc = doc, .path = path };
    const char *sh = merge_str(json_object_get(doc, "config"), "shard");
    struct run_shard part = { 0, 0 }; /* "I/N", as run --shard wrote it; else: not a shard */
    char why[ERRLEN];
    if (*sh) (void)run_shard_parse(sh, &part, why, sizeof why); /* writes part only if valid */
    x->index = part.index;
    x->count = part.count;
    return 0;
}

/* Every run of every input, as units. */
static int merge_read(const char *const *paths, size_t n, struct merge_unit **u, size_t *nu,
                      char *err, size_t en)
{
    for (size_t i = 0; i < n; i++) {
        struct rf_result r;
        int rc = res_load(paths[i], &r, err, en);
        if (rc) return rc;
        const json_t *runs = json_object_get(r.root, "runs");
        size_t k;
        const json_t *run;
        if (json_is_array(runs)) {
            json_array_foreach(runs, k, run)
            {
                if ((rc = merge_add_unit(u, nu, json_deep_copy(run), paths[i]))) break;
            }
        } else {
            rc = merge_add_unit(u, nu, json_incref(r.root), paths[i]);
        }
        res_free(&r);
        if (rc) {
            snprintf(err, en, "out of memory");
            return rc;
        }
    }
    return 0;
}

static int merge_cmp_shard(const void *a, const void *b)
{
    const struct merge_unit *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The parts u[0..n) of one run joined: cells concatenated (each marked with
   its part), "parts" kept, the config without "shard". */
static json_t *merge_join(const struct merge_unit *u, size_t n, json_t *warn, char *err, size_t en)
{
    json_t *doc = json_deep_copy(u[0].doc), *cells = json_array(), *parts = json_array();
    json_object_del(json_object_get(doc, "config"), "shard");
    for (size_t p = 0; p < n; p++) {
        const json_t *pc = json_object_get(u[p].doc, "cells");
        if (p && u[p].index == u[p - 1].index) {
            snprintf(err, en, "%s and %s are both shard %u/%u of one run", u[p - 1].path, u[p].path,
                     u[p].index, u[p].count);
            goto fail;
        }
        json_array_append_new(parts,
                              json_pack("{s:s, s:O, s:O}", "path", u[p].path, "context",
                                        json_object_get(u[p].doc, "context"), "config",
                                        json_object_get(u[p].doc, "config")));
        json_object_update_missing(json_object_get(doc, "metrics"),
                                   json_object_get(u[p].doc, "metrics"));
        if (json_is_true(json_object_get(u[p].doc, "interrupted")))
            json_object_set_new(doc, "interrupted", json_true());
        size_t k;
        const json_t *c;
        json_array_foreach(pc, k, c)
        {
            json_t *copy = json_deep_copy(c);
            json_object_set_new(copy, "part", json_integer((json_int_t)p));
            json_array_append_new(cells, copy);
        }
    }
    const json_t *c0 = json_object_get(u[0].doc, "context");
    for (size_t p = 1; warn && p < n; p++) {
        const json_t *cp = json_object_get(u[p].doc, "context");
        if (strcmp(merge_str(c0, "host"), merge_str(cp, "host"))) {
            char w[512];
            snprintf(w, sizeof w,
                     "%s and %s: shards of one run measured on different hosts (%.60s, %.60s): "
                     "across their thread counts the run compares machines, not designs",
                     u[0].path, u[p].path, merge_str(c0, "host"), merge_str(cp, "host"));
            json_array_append_new(warn, json_string(w));
            break;
        }
    }
    if (n < u[0].count && warn) {
        char w[512];
        snprintf(w, sizeof w, "%s: %zu of the %u shards of its run are here", u[0].path, n,
                 u[0].count);
        json_array_append_new(warn, json_string(w));
    }
    json_object_set_new(doc, "cells", cells);
    json_object_set_new(doc, "parts", parts);
    /* the joined document must read as one run: no cell in two shards */
    char *text = json_dumps(doc, JSON_COMPACT);
    struct rf_result r;
    int rc = text ? res_parse(text, strlen(text), u[0].path, &r, err, en) : -ENOMEM;
    free(text);
    if (!rc) {
        res_free(&r);
        return doc;
    }
    if (rc == -ENOMEM) snprintf(err, en, "out of memory");
    json_decref(doc);
    return NULL;
fail:
    json_decref(doc);
    json_decref(cells);
    json_decref(parts);
    return NULL;
}

json_t *res_merge(const char *const *paths, size_t n, json_t *warn, char *err, size_t en)
{
    struct merge_unit *u = NULL;
    size_t nu = 0, ng = 0;
    json_t *runs = json_array(), *out = NULL;
    if (merge_read(paths, n, &u, &nu, err, en)) goto done;
    for (size_t i = 0; i < nu; i++) {
        u[i].group = ng;
        for (size_t j = 0; j < i; j++) {
            if (json_equal(json_object_get(u[i].doc, "context"),
                           json_object_get(u[j].doc, "context"))
                && json_equal(json_object_get(u[i].doc, "config"),
                              json_object_get(u[j].doc, "config"))) {
                snprintf(err, en, "%s and %s hold the same run", u[j].path, u[i].path);
                goto done;
            }
            if (merge_same_run(&u[i], &u[j])) {
                u[i].group = u[j].group;
                break;
            }
        }
        if (u[i].group == ng) ng++;
    }
    qsort(u, nu, sizeof *u, merge_cmp_shard); /* stable enough: groups, then shard index */
    for (size_t i = 0, e; i < nu; i = e) {
        for (e = i; e < nu && u[e].group == u[i].group;) e++;
        json_t *doc = u[i].count ? merge_join(&u[i], e - i, warn, err, en) : json_incref(u[i].doc);
        if (!doc) goto done;
        if (!json_object_get(doc, "source")) /* where the run came from */
            json_object_set_new(doc, "source", json_string(u[i].path));
        json_array_append_new(runs, doc);
    }
    if (json_array_size(runs) == 1) {
        out = json_incref(json_array_get(runs, 0));
    } else {
        out = json_pack("{s:s, s:i, s:s, s:O, s:[]}", "schema", CONTEND_SCHEMA, "schema_version",
                        CONTEND_SCHEMA_VERSION, "note",
                        "a merge of several runs: each is in \"runs\" with its context; "
                        "`contend report` and `contend history add` read them",
                        "runs", runs, "cells");
    }
    json_t *from = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(from, json_string(paths[i]));
    json_object_set_new(out, "merged_from", from);
done:
    for (size_t i = 0; i < nu; i++) json_decref(u[i].doc);
    free(u);
    json_decref(runs);
    return out;
}

size_t res_merge_count(const struct rf_result *r)
{
    const json_t *runs = json_object_get(r->root, "runs");
    return json_is_array(runs) ? json_array_size(runs) : 1;
}

/* A document (a run, or a part made from one) read as a result file. */
static int merge_parse(const json_t *doc, const char *name, struct rf_result *out, char *err,
                       size_t n)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text) {
        snprintf(err, n, "%s: out of memory", name);
        return -ENOMEM;
    }
    int rc = res_parse(text, strlen(text), name, out, err, n);
    free(text);
    return rc;
}

int res_merge_run(const struct rf_result *r, size_t i, struct rf_result *out, char *err, size_t n)
{
    const json_t *runs = json_object_get(r->root, "runs");
    if (!json_is_array(runs)) return i ? -EINVAL : merge_parse(r->root, "result", out, err, n);
    const json_t *run = json_array_get(runs, i);
    char name[64];
    snprintf(name, sizeof name, "run %zu", i + 1);
    return run ? merge_parse(run, name, out, err, n) : -EINVAL;
}

/* Part p of a joined run: its context and config, its cells. */
static json_t *merge_part(const json_t *run, size_t p)
{
    const json_t *part = json_array_get(json_object_get(run, "parts"), p);
    json_t *doc = json_deep_copy(run), *cells = json_array();
    json_object_del(doc, "parts");
    json_object_set(doc, "context", json_object_get(part, "context"));
    json_object_set(doc, "config", json_object_get(part, "config"));
    size_t k;
    const json_t *c;
    json_array_foreach(json_object_get(run, "cells"), k, c)
    {
        const json_t *pi = json_object_get(c, "part");
        if (json_is_integer(pi) && (size_t)json_integer_value(pi) == p)
            json_array_append(cells, (json_t *)c);
    }
    json_object_set_new(doc, "cells", cells);
    return doc;
}

int res_merge_foreach_part(const struct rf_result *r,
                           int (*fn)(void *arg, const struct rf_result *part), void *arg, char *err,
                           size_t n)
{
    const json_t *runs = json_object_get(r->root, "runs");
    size_t nruns = json_is_array(runs) ? json_array_size(runs) : 1;
    for (size_t i = 0; i < nruns; i++) {
        const json_t *run = json_is_array(runs) ? json_array_get(runs, i) : r->root;
        const json_t *parts = json_object_get(run, "parts");
        size_t np = json_is_array(parts) ? json_array_size(parts) : 0;
        for (size_t p = 0; p < (np ? np : 1); p++) {
            json_t *doc = np ? merge_part(run, p) : json_incref((json_t *)run);
            char name[64];
            snprintf(name, sizeof name, "run %zu, part %zu", i + 1, p + 1);
            struct rf_result pr;
            int rc = merge_parse(doc, name, &pr, err, n);
            json_decref(doc);
            if (rc) return rc;
            rc = fn(arg, &pr);
            res_free(&pr);
            if (rc) return rc;
        }
    }
    return 0;
}
