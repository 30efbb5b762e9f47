/* Loading of named experiment files. Options in [run] and in the mode's
 * section ([quick] or [full]) become `contend run` arguments, so an
 * experiment is validated by exactly the same code as the command line. A
 * file whose table's rows come from different runs has [part NAME]
 * sections instead (each its own run, with [part NAME quick] and [part
 * NAME full] for the modes) and [row KEY] sections naming the part and
 * implementation of each row; docs/experiments.md. */
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

static int experiment_add_arg(struct exp_part *p, const char *s)
{
    if (p->argc >= EXP_MAX_ARGS - 1) return -1;
    if (!(p->argv[p->argc] = strdup(s))) return -1;
    p->argc++;
    return 0;
}

/* The part called name (made on first use), or NULL when there are too many. */
static struct exp_part *experiment_part(struct experiment *e, const char *name)
{
    for (size_t i = 0; i < e->nparts; i++)
        if (!strcmp(e->parts[i].name, name)) return &e->parts[i];
    if (e->nparts == EXP_MAX_PARTS) return NULL;
    struct exp_part *p = &e->parts[e->nparts];
    if (!(p->name = strdup(name)) || experiment_add_arg(p, "run")) return NULL;
    e->nparts++;
    return p;
}

/* "20M-25M" or "4.0-7.5" (k, M, G allowed): 0, or -1. */
static int experiment_range(const char *v, double *lo, double *hi)
{
    double x[2];
    const char *p = v;
    for (int i = 0; i < 2; i++) {
        char *end;
        x[i] = strtod(p, &end);
        if (end == p || !(x[i] > 0) || !isfinite(x[i])) return -1;
        if (*end == 'k')
            x[i] *= 1e3, end++;
        else if (*end == 'M')
            x[i] *= 1e6, end++;
        else if (*end == 'G')
            x[i] *= 1e9, end++;
        if (i == 0 && *end != '-') return -1;
        if (i == 1 && *end) return -1;
        p = end + 1;
    }
    if (x[0] > x[1]) return -1;
    *lo = x[0], *hi = x[1];
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

/* [ratio] a/b[@metric] = the seed's ratio of a's speed over b's: a
   number, a band LO-HI, or nothing (the band from the rows' ranges). */
static int experiment_add_ratio(struct load_ctx *l, const char *key, const char *value)
{
    struct experiment *e = l->e;
    const char *slash = strchr(key, '/'), *at = strchr(key, '@');
    char *end;
    double v = strtod(value, &end), blo = 0, bhi = 0;
    int number = end != value && !*end && v > 0 && isfinite(v);
    int band = !number && *value && experiment_range(value, &blo, &bhi) == 0;
    if (!slash || slash == key || (at && at < slash) || (*value && !number && !band)
        || e->nratios == EXP_MAX_ROWS) {
        snprintf(l->err, l->n,
                 "%s: [ratio] wants 'a/b = positive number', 'a/b = LO-HI' or 'a/b =', not "
                 "'%.60s = %.60s'",
                 e->path, key, value);
        l->failed = 1;
        return 0;
    }
    if (!number) v = 0;
    e->ratios[e->nratios].band_lo = blo;
    e->ratios[e->nratios].band_hi = bhi;
    size_t lb = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
    e->ratios[e->nratios].a = strndup(key, (size_t)(slash - key));
    e->ratios[e->nratios].b = strndup(slash + 1, lb);
    e->ratios[e->nratios].metric = at ? strdup(at + 1) : NULL;
    e->ratios[e->nratios++].value = v;
    return 1;
}

static int experiment_fail(struct load_ctx *l, const char *fmt, const char *a, const char *b)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, a, b);
    snprintf(l->err, l->n, "%s: %s", l->e->path, msg);
    l->failed = 1;
    return 0;
}

static int experiment_set(char **slot, const char *value)
{
    free(*slot);
    *slot = strdup(value);
    return *slot != NULL;
}

static int experiment_head(struct load_ctx *l, const char *key, const char *value)
{
    struct experiment *e = l->e;
    static const char *const keys[] = { "title",   "family",       "impl",    "seed",
                                        "columns", "note",         "runners", "beyond_note",
                                        "explain", "explain_note", "group",   "report" };
    char **slots[] = { &e->title,   &e->family,       &e->impl,    &e->seed_file,
                       &e->columns, &e->note,         &e->runners, &e->beyond_note,
                       &e->explain, &e->explain_note, &e->group,   &e->report };
    if (!strcmp(key, "report") && strcmp(value, "evolution") && strcmp(value, "frontier"))
        return experiment_fail(l, "report is evolution or frontier, not '%.40s'%s", value, "");
    if (!strcmp(key, "group") && (!*value || value[strcspn(value, " ,/")]))
        return experiment_fail(l, "group '%.40s' is not one word%s", value, "");
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        if (strcmp(key, keys[i])) continue;
        if (!strstr(key, "note") || !*slots[i]) return experiment_set(slots[i], value);
        /* a note's indented lines continue it */
        size_t len = strlen(*slots[i]) + strlen(value) + 2;
        char *more = realloc(*slots[i], len);
        if (!more) return 0;
        strcat(strcat(more, " "), value);
        *slots[i] = more;
        return 1;
    }
    char *end;
    if (!strcmp(key, "focus_threads")) {
        unsigned long v = strtoul(value, &end, 10);
        if (*end || v > MAX_THREADS)
            return experiment_fail(l, "focus_threads '%.40s' is not a thread count%s", value, "");
        e->focus_threads = (unsigned)v;
        return 1;
    }
    if (!strcmp(key, "widen")) {
        double v = strtod(value, &end);
        if (*end || !(v >= 1 && v <= 100))
            return experiment_fail(l, "widen '%.40s' is not a factor in [1, 100]%s", value, "");
        e->widen = v;
        return 1;
    }
    return experiment_fail(l, "unknown key '%.60s' in [experiment]%s", key, "");
}

/* [row KEY]: label, reference, from = part/impl, range = LO-HI, table. */
static int experiment_row_key(struct load_ctx *l, const char *row, const char *key,
                              const char *value)
{
    struct experiment *e = l->e;
    int r = experiment_row_for(e, row);
    if (r < 0) return experiment_fail(l, "too many rows%s%s", "", "");
    e->multi = 1;
    if (!strcmp(key, "label")) return experiment_set(&e->rows[r].label, value);
    if (!strcmp(key, "reference")) return experiment_set(&e->rows[r].reference, value);
    if (!strcmp(key, "from")) {
        const char *slash = strchr(value, '/');
        if (!slash || slash == value || !slash[1])
            return experiment_fail(l, "[row %.40s] from wants PART/IMPL, not '%.40s'", row, value);
        return experiment_set(&e->rows[r].from, value);
    }
    if (!strcmp(key, "table")) {
        if (strcmp(value, "seed") && strcmp(value, "beyond"))
            return experiment_fail(l, "[row %.40s] table is seed or beyond, not '%.40s'", row,
                                   value);
        return experiment_set(&e->rows[r].table, value);
    }
    if (!strcmp(key, "range")) {
        if (experiment_range(value, &e->rows[r].range_lo, &e->rows[r].range_hi))
            return experiment_fail(l, "[row %.40s] range wants LO-HI (e.g. 20M-25M), not '%.40s'",
                                   row, value);
        return 1;
    }
    return experiment_fail(l, "unknown key '%.40s' in [row %.40s]", key, row);
}

/* A `contend run` option of part p. */
static int experiment_arg(struct load_ctx *l, struct exp_part *p, const char *key,
                          const char *value)
{
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", key);
    if (!p || experiment_add_arg(p, opt) || experiment_add_arg(p, value))
        return experiment_fail(l, "too many options or parts%s%s", "", "");
    return 1;
}

static int experiment_handler(void *user, const char *section, const char *key, const char *value)
{
    struct load_ctx *l = user;
    struct experiment *e = l->e;
    if (!strcmp(section, "experiment")) return experiment_head(l, key, value);
    if (!strcmp(section, "run") || !strcmp(section, e->mode))
        return experiment_arg(l, experiment_part(e, ""), key, value);
    if (!strncmp(section, "part ", 5)) {
        char name[64];
        const char *sp = strchr(section + 5, ' ');
        size_t len = sp ? (size_t)(sp - section - 5) : strlen(section + 5);
        if (!len || len >= sizeof name)
            return experiment_fail(l, "[%.60s]: a part needs a short name%s", section, "");
        snprintf(name, sizeof name, "%.*s", (int)len, section + 5);
        if (sp && strcmp(sp + 1, "quick") && strcmp(sp + 1, "full"))
            return experiment_fail(l, "[%.60s]: a part's mode is quick or full%s", section, "");
        if (sp && strcmp(sp + 1, e->mode)) return 1; /* the other mode's keys */
        e->multi = 1;
        return experiment_arg(l, experiment_part(e, name), key, value);
    }
    if (!strncmp(section, "row ", 4)) return experiment_row_key(l, section + 4, key, value);
    if (!strncmp(section, "goal ", 5)) {
        int ok = res_experiment_goal_key(e, section + 5, key, value, l->err, l->n);
        l->failed |= !ok;
        return ok;
    }
    if (!strcmp(section, "label") || !strcmp(section, "reference")) {
        int r = experiment_row_for(e, key);
        if (r < 0) return experiment_fail(l, "too many rows%s%s", "", "");
        return experiment_set(section[0] == 'l' ? &e->rows[r].label : &e->rows[r].reference, value);
    }
    if (!strcmp(section, "ratio")) return experiment_add_ratio(l, key, value);
    if (!strcmp(section, "quick") || !strcmp(section, "full")) return 1;
    return experiment_fail(l, "unknown section [%.60s]%s", section, "");
}

/* A file of one run: its [experiment] family and impl, appended to its
   part. A file of parts: each part names its own, rows name their part. */
static int experiment_check(struct experiment *e, char *err, size_t n)
{
    if (res_experiment_goals_check(e, err, n)) return -EINVAL;
    if (!e->multi) {
        struct exp_part *p = experiment_part(e, "");
        if (!e->family || !e->impl) {
            snprintf(err, n, "%s: [experiment] needs family and impl", e->path);
            return -EINVAL;
        }
        if (!p || experiment_add_arg(p, "--family") || experiment_add_arg(p, e->family)
            || experiment_add_arg(p, "--impl") || experiment_add_arg(p, e->impl)) {
            snprintf(err, n, "%s: too many options", e->path);
            return -EINVAL;
        }
        return 0;
    }
    if (e->nparts == 0 || !strcmp(e->parts[0].name, "")) {
        snprintf(err, n, "%s: [part NAME] sections cannot mix with [run], [quick], [full]",
                 e->path);
        return -EINVAL;
    }
    for (size_t r = 0; r < e->nrows; r++) {
        const char *from = e->rows[r].from;
        size_t k = 0, len = from ? strcspn(from, "/") : 0;
        while (from && k < e->nparts
               && (strlen(e->parts[k].name) != len || strncmp(e->parts[k].name, from, len)))
            k++;
        if (!from || k == e->nparts) {
            snprintf(err, n, "%s: [row %.40s] needs from = PART/IMPL naming one of its parts",
                     e->path, e->rows[r].key);
            return -EINVAL;
        }
    }
    for (size_t k = 0; k < e->nratios; k++)
        if (res_experiment_row(e, e->ratios[k].a) < 0
            || res_experiment_row(e, e->ratios[k].b) < 0) {
            snprintf(err, n, "%s: [ratio] %.40s/%.40s: both must be rows", e->path, e->ratios[k].a,
                     e->ratios[k].b);
            return -EINVAL;
        }
    return 0;
}

/* Parses text (an INI document named e->path, for messages) into e. */
static int experiment_parse(const char *text, struct experiment *e, char *err, size_t n)
{
    struct load_ctx l = { e, err, n, 0 };
    int rc = ini_parse_string(text, experiment_handler, &l);
    if (rc != 0 || l.failed) {
        if (!l.failed) snprintf(err, n, "%s:%d: syntax error", e->path, rc);
        res_experiment_free(e);
        return -EINVAL;
    }
    if ((rc = experiment_check(e, err, n))) {
        res_experiment_free(e);
        return rc;
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
    for (size_t k = 0; k < e->nparts; k++) {
        for (int i = 0; i < e->parts[k].argc; i++) free(e->parts[k].argv[i]);
        free(e->parts[k].name);
    }
    for (size_t i = 0; i < e->nrows; i++) {
        free(e->rows[i].key);
        free(e->rows[i].label);
        free(e->rows[i].reference);
        free(e->rows[i].from);
        free(e->rows[i].table);
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
    free(e->note);
    free(e->beyond_note);
    free(e->explain);
    free(e->explain_note);
    free(e->runners);
    free(e->group);
    free(e->report);
    res_experiment_goals_free(e);
    free(e->path);
    memset(e, 0, sizeof *e);
}

int res_experiment_row(const struct experiment *e, const char *key)
{
    for (size_t i = 0; i < e->nrows; i++)
        if (strcmp(e->rows[i].key, key) == 0) return (int)i;
    return -1;
}

int res_experiment_band(const struct experiment *e, size_t k, double *lo, double *hi)
{
    double w = e->widen > 0 ? e->widen : 1;
    int a = res_experiment_row(e, e->ratios[k].a), b = res_experiment_row(e, e->ratios[k].b);
    if (e->ratios[k].band_hi > 0) {
        *lo = e->ratios[k].band_lo, *hi = e->ratios[k].band_hi;
    } else if (e->ratios[k].value > 0) {
        *lo = *hi = e->ratios[k].value;
    } else if (a >= 0 && b >= 0 && e->rows[a].range_hi > 0 && e->rows[b].range_hi > 0) {
        /* a's speed over b's: from the slowest a over the fastest b, to the
           fastest a over the slowest b */
        *lo = e->rows[a].range_lo / e->rows[b].range_hi;
        *hi = e->rows[a].range_hi / e->rows[b].range_lo;
    } else {
        return -ENOENT;
    }
    *lo /= w;
    *hi *= w;
    return 0;
}

const char *res_experiment_row_impl(const struct experiment *e, const char *key,
                                    const char **family)
{
    int r = res_experiment_row(e, key);
    *family = e->family;
    if (!e->multi || r < 0 || !e->rows[r].from) return key;
    const char *from = e->rows[r].from;
    size_t len = strcspn(from, "/");
    for (size_t k = 0; k < e->nparts; k++) {
        const struct exp_part *p = &e->parts[k];
        if (strlen(p->name) != len || strncmp(p->name, from, len)) continue;
        for (int i = 0; i + 1 < p->argc; i++)
            if (!strcmp(p->argv[i], "--family")) *family = p->argv[i + 1];
    }
    return from[len] ? from + len + 1 : from;
}

const char *res_experiment_label(const struct experiment *e, const char *impl)
{
    int r = res_experiment_row(e, impl);
    return r >= 0 && e->rows[r].label ? e->rows[r].label : impl;
}

const char *res_experiment_reference(const struct experiment *e, const char *impl)
{
    int r = res_experiment_row(e, impl);
    return r >= 0 && e->rows[r].reference ? e->rows[r].reference : "";
}

int res_experiment_opts(struct experiment *e, const char *const *extra, int nextra,
                        struct run_opts *o, char *err, size_t n)
{
    return res_experiment_part_opts(e, 0, extra, nextra, o, err, n);
}

int res_experiment_part_opts(struct experiment *e, size_t part, const char *const *extra,
                             int nextra, struct run_opts *o, char *err, size_t n)
{
    if (part >= e->nparts) {
        snprintf(err, n, "%s: no part %zu", e->path, part);
        return -EINVAL;
    }
    struct exp_part *p = &e->parts[part];
    /* a stop rule given here replaces the file's (--ops and --duration
       exclude each other): the file's is left out of this parse */
    const char *drop = NULL;
    for (int i = 0; i + 1 < nextra; i += 2)
        if (!strcmp(extra[i], "--ops"))
            drop = "--duration";
        else if (!strcmp(extra[i], "--duration"))
            drop = "--ops";
    if (p->argc + nextra >= (int)(sizeof p->run_argv / sizeof *p->run_argv)) {
        snprintf(err, n, "%s: too many options", e->path);
        return -E2BIG;
    }
    p->run_argc = 0;
    for (int i = 0; i < p->argc; i++) {
        if (drop && !strcmp(p->argv[i], drop) && i + 1 < p->argc) {
            i++;
            continue;
        }
        p->run_argv[p->run_argc++] = p->argv[i];
    }
    for (int i = 0; i < nextra; i++) p->run_argv[p->run_argc++] = (char *)extra[i];
    p->run_argv[p->run_argc] = NULL;
    char why[ERRLEN];
    int rc = run_opts_parse(p->run_argc, p->run_argv, o, why, sizeof why);
    if (rc) {
        snprintf(err, n, "%s%s%s: %s", e->path, *p->name ? ": part " : "", p->name,
                 rc == 1 ? "--help in the file" : why);
        return -EINVAL;
    }
    return 0;
}
