/* Loading of named experiment files. Options in [run] and in the mode's
 * section ([quick] or [full]) become `contend run` arguments, so an
 * experiment is validated by exactly the same code as the command line. */
#include "experiment.h"
#include "results.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *res_workloads_dir(void)
{
    static char dir[300];
    const char *d = getenv("CONTEND_WORKLOADS");
    if (d && *d) return d;
    snprintf(dir, sizeof dir, "%s/workloads", res_data_dir());
    return dir;
}

struct load_ctx {
    struct experiment *e;
    char *err;
    size_t n;
    int failed;
};

static int experiment_add_arg(struct experiment *e, const char *s)
{
    if (e->argc >= EXP_MAX_ARGS - 1) return -1;
    if (!(e->argv[e->argc] = strdup(s))) return -1;
    e->argc++;
    return 0;
}

static int experiment_row_for(struct experiment *e, const char *key)
{
    for (size_t i = 0; i < e->nrows; i++)
        if (strcmp(e->rows[i].key, key) == 0) return (int)i;
    if (e->nrows == EXP_MAX_ROWS) return -1;
    e->rows[e->nrows].key = strdup(key);
    return e->rows[e->nrows].key ? (int)e->nrows++ : -1;
}

/* [ratio] a/b[@metric] = value: the seed's ratio of a's speed over b's. */
static int experiment_add_ratio(struct load_ctx *l, const char *key, const char *value)
{
    struct experiment *e = l->e;
    const char *slash = strchr(key, '/'), *at = strchr(key, '@');
    char *end;
    double v = strtod(value, &end);
    if (!slash || slash == key || (at && at < slash) || end == value || *end || !(v > 0)
        || !isfinite(v) || e->nratios == EXP_MAX_ROWS) {
        snprintf(l->err, l->n,
                 "%s: [ratio] wants 'a/b = finite positive number', not '%.60s = %.60s'", e->path,
                 key, value);
        l->failed = 1;
        return 0;
    }
    size_t lb = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
    e->ratios[e->nratios].a = strndup(key, (size_t)(slash - key));
    e->ratios[e->nratios].b = strndup(slash + 1, lb);
    e->ratios[e->nratios].metric = at ? strdup(at + 1) : NULL;
    e->ratios[e->nratios++].value = v;
    return 1;
}

static int experiment_handler(void *user, const char *section, const char *key, const char *value)
{
    struct load_ctx *l = user;
    struct experiment *e = l->e;
    char **slot = NULL;
    if (strcmp(section, "experiment") == 0) {
        if (!strcmp(key, "title"))
            slot = &e->title;
        else if (!strcmp(key, "family"))
            slot = &e->family;
        else if (!strcmp(key, "impl"))
            slot = &e->impl;
        else if (!strcmp(key, "seed"))
            slot = &e->seed_file;
        else if (!strcmp(key, "columns"))
            slot = &e->columns;
        else if (!strcmp(key, "focus_threads")) {
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            if (*end || v > MAX_THREADS) {
                snprintf(l->err, l->n, "%s: focus_threads '%s' is not a thread count", e->path,
                         value);
                l->failed = 1;
                return 0;
            }
            e->focus_threads = (unsigned)v;
            return 1;
        } else {
            snprintf(l->err, l->n, "%s: unknown key '%s' in [experiment]", e->path, key);
            l->failed = 1;
            return 0;
        }
        free(*slot);
        *slot = strdup(value);
        return 1;
    }
    if (strcmp(section, "run") == 0 || strcmp(section, e->mode) == 0) {
        char opt[80];
        snprintf(opt, sizeof opt, "--%s", key);
        if (experiment_add_arg(e, opt) || experiment_add_arg(e, value)) {
            snprintf(l->err, l->n, "%s: too many options", e->path);
            l->failed = 1;
            return 0;
        }
        return 1;
    }
    if (strcmp(section, "label") == 0 || strcmp(section, "reference") == 0) {
        int r = experiment_row_for(e, key);
        if (r < 0) {
            snprintf(l->err, l->n, "%s: too many rows", e->path);
            l->failed = 1;
            return 0;
        }
        char **dst = section[0] == 'l' ? &e->rows[r].label : &e->rows[r].reference;
        free(*dst);
        *dst = strdup(value);
        return 1;
    }
    if (strcmp(section, "ratio") == 0) return experiment_add_ratio(l, key, value);
    if (strcmp(section, "quick") == 0 || strcmp(section, "full") == 0) return 1;
    snprintf(l->err, l->n, "%s: unknown section [%s]", e->path, section);
    l->failed = 1;
    return 0;
}

/* Parses text (an INI document named e->path, for messages) into e. */
static int experiment_parse(const char *text, struct experiment *e, char *err, size_t n)
{
    experiment_add_arg(e, "run");
    struct load_ctx l = { e, err, n, 0 };
    int rc = ini_parse_string(text, experiment_handler, &l);
    if (rc != 0 || l.failed) {
        if (!l.failed) snprintf(err, n, "%s:%d: syntax error", e->path, rc);
        res_experiment_free(e);
        return -EINVAL;
    }
    if (!e->family || !e->impl) {
        snprintf(err, n, "%s: [experiment] needs family and impl", e->path);
        res_experiment_free(e);
        return -EINVAL;
    }
    if (experiment_add_arg(e, "--family") || experiment_add_arg(e, e->family)
        || experiment_add_arg(e, "--impl") || experiment_add_arg(e, e->impl)) {
        snprintf(err, n, "%s: too many options", e->path);
        res_experiment_free(e);
        return -EINVAL;
    }
    return 0;
}

int res_experiment_load_string(const char *text, const char *mode, struct experiment *e, char *err,
                               size_t n)
{
    memset(e, 0, sizeof *e);
    e->mode = mode;
    if (!(e->path = strdup("(string)"))) return -ENOMEM;
    snprintf(e->name, sizeof e->name, "string");
    return experiment_parse(text, e, err, n);
}

int res_experiment_load(const char *name, const char *mode, struct experiment *e, char *err,
                        size_t n)
{
    memset(e, 0, sizeof *e);
    e->mode = mode;
    int len = strchr(name, '/') || strstr(name, ".ini")
        ? asprintf(&e->path, "%s", name)
        : asprintf(&e->path, "%s/%s.ini", res_workloads_dir(), name);
    if (len < 0) {
        e->path = NULL;
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    const char *base = strrchr(e->path, '/');
    snprintf(e->name, sizeof e->name, "%.63s", base ? base + 1 : e->path);
    e->name[strcspn(e->name, ".")] = '\0';
    char *text, why[ERRLEN];
    size_t tlen;
    int rc = res_read_file(e->path, RES_EXPERIMENT_MAX_BYTES, &text, &tlen, why, sizeof why);
    if (rc == -ENOENT)
        snprintf(err, n, "no experiment '%.100s' (%s)", name, why);
    else if (rc)
        snprintf(err, n, "experiment: %s", why);
    else if (strlen(text) != tlen) {
        snprintf(err, n, "%s: a NUL byte in an experiment file", e->path);
        free(text);
        rc = -EINVAL;
    }
    if (rc) {
        res_experiment_free(e);
        return rc;
    }
    rc = experiment_parse(text, e, err, n);
    free(text);
    return rc;
}

void res_experiment_free(struct experiment *e)
{
    for (int i = 0; i < e->argc; i++) free(e->argv[i]);
    for (size_t i = 0; i < e->nrows; i++) {
        free(e->rows[i].key);
        free(e->rows[i].label);
        free(e->rows[i].reference);
    }
    for (size_t i = 0; i < e->nratios; i++) {
        free(e->ratios[i].a);
        free(e->ratios[i].b);
        free(e->ratios[i].metric);
    }
    free(e->title);
    free(e->family);
    free(e->impl);
    free(e->seed_file);
    free(e->columns);
    free(e->path);
    memset(e, 0, sizeof *e);
}

static int experiment_find_row(const struct experiment *e, const char *impl)
{
    for (size_t i = 0; i < e->nrows; i++)
        if (strcmp(e->rows[i].key, impl) == 0) return (int)i;
    return -1;
}

const char *res_experiment_label(const struct experiment *e, const char *impl)
{
    int r = experiment_find_row(e, impl);
    return r >= 0 && e->rows[r].label ? e->rows[r].label : impl;
}

const char *res_experiment_reference(const struct experiment *e, const char *impl)
{
    int r = experiment_find_row(e, impl);
    return r >= 0 && e->rows[r].reference ? e->rows[r].reference : "";
}

void res_experiment_drop_option(struct experiment *e, const char *opt)
{
    int k = 0;
    for (int i = 0; i < e->argc; i++) {
        if (!strcmp(e->argv[i], opt) && i + 1 < e->argc) {
            free(e->argv[i]);
            free(e->argv[++i]);
            continue;
        }
        e->argv[k++] = e->argv[i];
    }
    e->argc = k;
    e->argv[k] = NULL;
}

int res_experiment_opts(struct experiment *e, const char *const *extra, int nextra,
                        struct run_opts *o, char *err, size_t n)
{
    /* a stop rule given here replaces the file's (--ops and --duration
       exclude each other) */
    for (int i = 0; i + 1 < nextra; i += 2) {
        const char *other = !strcmp(extra[i], "--ops") ? "--duration"
            : !strcmp(extra[i], "--duration")          ? "--ops"
                                                       : NULL;
        if (other) res_experiment_drop_option(e, other);
    }
    for (int i = 0; i < nextra; i++) {
        if (experiment_add_arg(e, extra[i])) {
            snprintf(err, n, "%s: too many options", e->path);
            return -E2BIG;
        }
    }
    char why[ERRLEN];
    int rc = run_opts_parse(e->argc, e->argv, o, why, sizeof why);
    if (rc) {
        snprintf(err, n, "%s: %s", e->path, rc == 1 ? "--help in the file" : why);
        return -EINVAL;
    }
    return 0;
}
