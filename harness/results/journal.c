/* The run journal: JSON lines next to the output file, one per finished
 * trial, each flushed and fsynced before the next trial starts. Line 1 is a
 * header with the run's options; a trial line holds the trial as JSON (for
 * readers) and as its raw bytes in hex (so --resume restores it exactly:
 * resuming therefore needs the same build, which the header checks).
 *
 * One reader (journal_read) serves both uses, resume and reading a journal
 * as a partial result, with one rule: every newline-terminated line must be
 * valid; an unterminated last line is a write the run did not finish (it
 * was killed) and is dropped, and cut off before a resume appends. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "family.h"
#include "results.h"

#define JOURNAL_KIND "contend-journal"
#define JOURNAL_MAX_BYTES (512u << 20)

struct res_journal {
    FILE *f;
    char *path;
    const struct family_driver *fam;
};

static int journal_append_line(struct res_journal *j, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    if (!s) return -ENOMEM;
    int rc = fputs(s, j->f) < 0 || fputc('\n', j->f) == EOF || fflush(j->f) != 0
            || fsync(fileno(j->f)) != 0
        ? -errno
        : 0;
    free(s);
    return rc ? rc : 0;
}

/* Bytes up to and including the last newline of the file at path. */
static long journal_complete_len(const char *path)
{
    FILE *r = fopen(path, "r");
    long keep = 0, pos = 0;
    int ch;
    while (r && (ch = fgetc(r)) != EOF) {
        pos++;
        if (ch == '\n') keep = pos;
    }
    if (r) fclose(r);
    return r ? keep : -1;
}

struct res_journal *res_journal_open(const char *path, const struct run_opts *o, char *err,
                                     size_t n)
{
    int resuming = o->resume != NULL;
    if (!resuming && access(path, F_OK) == 0) {
        snprintf(err, n,
                 "journal '%s' exists (an interrupted run?): resume it with "
                 "`contend run --resume %s`, or delete it",
                 path, path);
        return NULL;
    }
    struct res_journal *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) {
        free(j);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    j->fam = o->fam;
    long keep = resuming ? journal_complete_len(path) : 0;
    if (resuming && keep >= 0 && truncate(path, keep) != 0) {
        snprintf(err, n, "cannot repair journal '%s': %s", path, strerror(errno));
        res_journal_close(j, 0);
        return NULL;
    }
    j->f = fopen(path, resuming ? "a" : "w");
    if (!j->f) {
        snprintf(err, n, "cannot open journal '%s': %s", path, strerror(errno));
        res_journal_close(j, 0);
        return NULL;
    }
    if (!resuming) {
        json_t *argv = json_array();
        for (int i = 0; i < o->parse_argc; i++)
            json_array_append_new(argv, json_string(o->parse_argv[i]));
        json_t *h = json_pack(
            "{s:s, s:i, s:I, s:I, s:o, s:o, s:o}", "journal", JOURNAL_KIND, "schema_version",
            CONTEND_SCHEMA_VERSION, "trial_size", (json_int_t)sizeof(struct trial), "trial_layout",
            (json_int_t)run_trial_layout(), "argv", argv, "context",
            res_context_json(o->argc, o->argv, o->seed, NULL), "config", run_opts_json(o));
        int rc = h ? journal_append_line(j, h) : -ENOMEM;
        json_decref(h);
        if (rc) {
            snprintf(err, n, "cannot write journal '%s': %s", path, strerror(-rc));
            res_journal_close(j, 1);
            return NULL;
        }
    }
    return j;
}

int res_journal_append(void *journal, const struct cell *c, int round, const struct trial *t)
{
    struct res_journal *j = journal;
    if (!j) return 0;
    char *hex = malloc(sizeof *t * 2 + 1);
    if (!hex) return -ENOMEM;
    const unsigned char *b = (const unsigned char *)t;
    for (size_t i = 0; i < sizeof *t; i++) sprintf(hex + 2 * i, "%02x", b[i]);
    json_t *line = json_pack("{s:s, s:s, s:i, s:i, s:o, s:s}", "family", c->impl->family, "impl",
                             c->impl->name, "threads", (int)c->threads, "round", round, "trial",
                             res_trial_json(t, j->fam), "raw", hex);
    int rc = line ? journal_append_line(j, line) : -ENOMEM;
    json_decref(line);
    free(hex);
    return rc;
}

void res_journal_close(struct res_journal *j, int remove_file)
{
    if (!j) return;
    if (j->f) fclose(j->f);
    if (remove_file) unlink(j->path);
    free(j->path);
    free(j);
}

/* ---------------- the one reader ------------------------------------------ */

/* A trial line's fields, checked. */
static int journal_trial_line(const json_t *o)
{
    const json_t *th = json_object_get(o, "threads"), *round = json_object_get(o, "round");
    return json_is_string(json_object_get(o, "family"))
        && json_is_string(json_object_get(o, "impl")) && json_is_integer(th)
        && json_integer_value(th) > 0 && json_integer_value(th) <= (json_int_t)MAX_THREADS
        && json_is_integer(round) && json_integer_value(round) >= 0
        && json_is_object(json_object_get(o, "trial"));
}

/* Splits text into the header and an array of trial lines, by the rule
   above. 0, or -EINVAL with "name:line: reason". */
static int journal_read(const char *text, size_t len, const char *name, json_t **header,
                        json_t **lines, char *err, size_t n)
{
    *header = NULL;
    *lines = json_array();
    size_t lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl) break; /* torn: an unfinished last write */
        size_t end = (size_t)(nl - text);
        json_error_t je;
        json_t *o = json_loadb(text + pos, end - pos, 0, &je);
        lineno++;
        pos = end + 1;
        const char *kind = o ? json_string_value(json_object_get(o, "journal")) : NULL;
        if (lineno == 1 && (!kind || strcmp(kind, JOURNAL_KIND))) {
            snprintf(err, n, "%s: not a contend journal", name);
            json_decref(o);
            goto fail;
        }
        if (!o || (lineno > 1 && !journal_trial_line(o))) {
            snprintf(err, n, "%s:%zu: corrupt journal line", name, lineno);
            json_decref(o);
            goto fail;
        }
        if (lineno == 1)
            *header = o;
        else
            json_array_append_new(*lines, o);
    }
    if (*header) return 0;
    snprintf(err, n, "%s: empty journal", name);
fail:
    json_decref(*header);
    json_decref(*lines);
    *header = *lines = NULL;
    return -EINVAL;
}

static int journal_unhex(const char *s, void *out, size_t size)
{
    if (!s || strlen(s) != size * 2) return -1;
    static const char digits[] = "0123456789abcdef";
    unsigned char *b = out;
    for (size_t i = 0; i < size; i++) {
        const char *hi = strchr(digits, s[2 * i]), *lo = strchr(digits, s[2 * i + 1]);
        if (!s[2 * i] || !s[2 * i + 1] || !hi || !lo) return -1;
        b[i] = (unsigned char)((hi - digits) << 4 | (lo - digits));
    }
    return 0;
}

/* A trial read from bytes on disk: bound everything a reader trusts. */
static int journal_trial_sane(struct trial *t)
{
    t->note[sizeof t->note - 1] = '\0';
    t->outcome_detail[sizeof t->outcome_detail - 1] = '\0';
    t->stderr_tail[sizeof t->stderr_tail - 1] = '\0';
    for (size_t i = 0; i < CTR_MAX; i++) t->counters.note[i][sizeof t->counters.note[i] - 1] = '\0';
    t->counters.spec = NULL;
    return t->counters.n <= CTR_MAX && (unsigned)t->outcome <= OUTCOME_SKIPPED
        && (t->verdict == VERDICT_NA || t->verdict == VERDICT_FAIL || t->verdict == VERDICT_OK);
}

/* The header's checks for a resume: same schema, same build, options. */
static int journal_header_argv(const json_t *h, const char *path, struct res_journal_data *d,
                               char *err, size_t n)
{
    json_int_t ver = json_integer_value(json_object_get(h, "schema_version"));
    json_int_t size = json_integer_value(json_object_get(h, "trial_size"));
    json_int_t layout = json_integer_value(json_object_get(h, "trial_layout"));
    const json_t *av = json_object_get(h, "argv");
    if (ver != CONTEND_SCHEMA_VERSION) {
        snprintf(err, n, "%s: journal schema version %lld, this contend reads %d", path,
                 (long long)ver, CONTEND_SCHEMA_VERSION);
        return -EINVAL;
    }
    if (size != (json_int_t)sizeof(struct trial) || layout != (json_int_t)run_trial_layout()) {
        snprintf(err, n, "%s: written by a different build of contend; cannot resume", path);
        return -EINVAL;
    }
    if (!json_is_array(av) || json_array_size(av) == 0 || json_array_size(av) > 200) {
        snprintf(err, n, "%s: journal header has no options", path);
        return -EINVAL;
    }
    d->argc = (int)json_array_size(av);
    if (!(d->argv = calloc((size_t)d->argc + 1, sizeof *d->argv))) return -ENOMEM;
    for (int i = 0; i < d->argc; i++) {
        const char *s = json_string_value(json_array_get(av, (size_t)i));
        if (!s || !(d->argv[i] = strdup(s))) {
            snprintf(err, n, "%s: journal header has a bad option", path);
            return -EINVAL;
        }
    }
    return 0;
}

/* The whole file (a regular file, at most JOURNAL_MAX_BYTES). */
static char *journal_slurp(const char *path, size_t *len, char *err, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n, "cannot read journal '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = 0;
    while (buf) {
        if (*len == cap) {
            char *g = cap >= JOURNAL_MAX_BYTES ? NULL : realloc(buf, cap * 2);
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g, cap *= 2;
        }
        size_t k = fread(buf + *len, 1, cap - *len, f);
        *len += k;
        if (k == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, n, "cannot read journal '%s': %s", path, bad ? "read error" : "too large");
        return NULL;
    }
    return buf;
}

int res_journal_load(const char *path, struct res_journal_data *d, char *err, size_t n)
{
    memset(d, 0, sizeof *d);
    size_t len;
    char *text = journal_slurp(path, &len, err, n);
    if (!text) return -ENOENT;
    json_t *h, *lines;
    int rc = journal_read(text, len, path, &h, &lines, err, n);
    free(text);
    if (rc) return rc;
    rc = journal_header_argv(h, path, d, err, n);
    size_t nl = json_array_size(lines);
    if (!rc && !(d->done = calloc(nl ? nl : 1, sizeof *d->done))) rc = -ENOMEM;
    for (size_t i = 0; !rc && i < nl; i++) {
        const json_t *o = json_array_get(lines, i);
        struct run_done *x = &d->done[d->ndone];
        const char *fam = json_string_value(json_object_get(o, "family"));
        const char *impl = json_string_value(json_object_get(o, "impl"));
        if (strlen(fam) >= sizeof x->family || strlen(impl) >= sizeof x->impl
            || journal_unhex(json_string_value(json_object_get(o, "raw")), &x->t, sizeof x->t)
            || !journal_trial_sane(&x->t)) {
            snprintf(err, n, "%s:%zu: corrupt journal line", path, i + 2);
            rc = -EINVAL;
            break;
        }
        strcpy(x->family, fam);
        strcpy(x->impl, impl);
        x->threads = (unsigned)json_integer_value(json_object_get(o, "threads"));
        x->round = (int)json_integer_value(json_object_get(o, "round"));
        d->ndone++;
    }
    json_decref(h);
    json_decref(lines);
    if (rc) res_journal_data_free(d);
    return rc;
}

void res_journal_data_free(struct res_journal_data *d)
{
    for (int i = 0; d->argv && i < d->argc; i++) free(d->argv[i]);
    free(d->argv);
    free(d->done);
    memset(d, 0, sizeof *d);
}

json_t *res_journal_to_result(const char *text, size_t len, const char *name, char *err, size_t n)
{
    json_t *h, *lines;
    if (journal_read(text, len, name, &h, &lines, err, n)) return NULL;
    json_t *ver = json_object_get(h, "schema_version");
    json_t *ctx = json_object_get(h, "context"), *cfg = json_object_get(h, "config");
    json_t *cells = json_array();
    /* "o" steals a reference: take one on what is borrowed from h */
    json_t *root = json_pack("{s:s, s:o, s:o, s:o, s:b, s:o}", "schema", CONTEND_SCHEMA,
                             "schema_version", ver ? json_incref(ver) : json_null(), "context",
                             json_is_object(ctx) ? json_incref(ctx) : json_object(), "config",
                             json_is_object(cfg) ? json_incref(cfg) : json_object(), "interrupted",
                             1, "cells", cells);
    size_t i;
    json_t *o;
    json_array_foreach(lines, i, o)
    {
        const char *fam = json_string_value(json_object_get(o, "family"));
        const char *impl = json_string_value(json_object_get(o, "impl"));
        json_t *th = json_object_get(o, "threads"), *cell = NULL, *c;
        size_t k;
        json_array_foreach(cells, k,
                           c) if (!strcmp(json_string_value(json_object_get(c, "family")), fam)
                                  && !strcmp(json_string_value(json_object_get(c, "impl")), impl)
                                  && json_integer_value(json_object_get(c, "threads"))
                                      == json_integer_value(th)) cell = c;
        if (!cell) {
            cell = json_pack("{s:s, s:s, s:O, s:[]}", "family", fam, "impl", impl, "threads", th,
                             "trials");
            json_array_append_new(cells, cell);
        }
        json_array_append(json_object_get(cell, "trials"), json_object_get(o, "trial"));
    }
    json_decref(h);
    json_decref(lines);
    if (!root) snprintf(err, n, "%s: out of memory", name);
    return root;
}
