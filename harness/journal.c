/* The run journal: JSON lines next to the output file, one per finished
 * trial, each flushed and fsynced before the next trial starts. Line 1 is a
 * header with the run's options; a trial line holds the trial as JSON (for
 * readers) and as its raw bytes in hex (so --resume restores it exactly:
 * resuming therefore needs the same build, which the header checks). */
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define JOURNAL_KIND "contend-journal"

/* A fingerprint of struct trial's layout: a journal restores raw trial
   bytes, which is only meaningful for the same layout. */
uint32_t trial_layout(void)
{
    const size_t off[] = {
        sizeof(struct trial), offsetof(struct trial, ops), offsetof(struct trial, verdict),
        offsetof(struct trial, note), offsetof(struct trial, outcome),
        offsetof(struct trial, stderr_tail), offsetof(struct trial, counters),
        offsetof(struct trial, op_count), offsetof(struct trial, allocs_per_op),
        sizeof(struct ctr_result),
    };
    uint32_t h = 2166136261u;                  /* FNV-1a over the offsets */
    for (size_t i = 0; i < sizeof off / sizeof *off; i++)
        for (int b = 0; b < 4; b++) h = (h ^ (uint32_t)((off[i] >> (8 * b)) & 0xff)) * 16777619u;
    return h;
}

/* A trial read from bytes on disk: bound everything a reader trusts. */
static int trial_sane(struct trial *t)
{
    t->note[sizeof t->note - 1] = '\0';
    t->outcome_detail[sizeof t->outcome_detail - 1] = '\0';
    t->stderr_tail[sizeof t->stderr_tail - 1] = '\0';
    for (size_t i = 0; i < CTR_MAX; i++)
        t->counters.note[i][sizeof t->counters.note[i] - 1] = '\0';
    t->counters.spec = NULL;
    return t->counters.n <= CTR_MAX && (unsigned)t->outcome <= OUTCOME_SKIPPED
           && (t->verdict == VERDICT_NA || t->verdict == VERDICT_FAIL || t->verdict == VERDICT_OK);
}

struct journal {
    FILE *f;
    char *path;
};

static int append_line(struct journal *j, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    if (!s) return -ENOMEM;
    int rc = fputs(s, j->f) < 0 || fputc('\n', j->f) == EOF || fflush(j->f) != 0
             || fsync(fileno(j->f)) != 0 ? -EIO : 0;
    free(s);
    return rc;
}

struct journal *journal_open(const char *path, const struct run_opts *o, char *err, size_t n)
{
    int resuming = o->resume != NULL;
    if (!resuming && access(path, F_OK) == 0) {
        snprintf(err, n, "journal '%s' exists (an interrupted run?): resume it with "
                 "`contend run --resume %s`, or delete it", path, path);
        return NULL;
    }
    struct journal *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) { free(j); snprintf(err, n, "out of memory"); return NULL; }
    /* a torn last line (the run was killed mid-write) is cut off before
       appending, or the next line would join it and the journal could not
       be resumed again */
    if (resuming) {
        FILE *r = fopen(path, "r");
        long keep = 0, pos = 0;
        int ch;
        while (r && (ch = fgetc(r)) != EOF) {
            pos++;
            if (ch == '\n') keep = pos;
        }
        if (r) fclose(r);
        if (r && keep < pos && truncate(path, keep) != 0) {
            snprintf(err, n, "cannot repair journal '%s': %s", path, strerror(errno));
            free(j->path);
            free(j);
            return NULL;
        }
    }
    j->f = fopen(path, resuming ? "a" : "w");
    if (!j->f) {
        snprintf(err, n, "cannot open journal '%s': %s", path, strerror(errno));
        free(j->path);
        free(j);
        return NULL;
    }
    if (!resuming) {
        json_t *argv = json_array();
        for (int i = 0; i < o->parse_argc; i++)
            json_array_append_new(argv, json_string(o->parse_argv[i]));
        json_t *h = json_pack("{s:s, s:i, s:I, s:I, s:o, s:o, s:o}", "journal", JOURNAL_KIND,
                              "schema_version", CONTEND_SCHEMA_VERSION,
                              "trial_size", (json_int_t)sizeof(struct trial),
                              "trial_layout", (json_int_t)trial_layout(), "argv", argv,
                              "context", context_json(o->argc, o->argv, o->seed),
                              "config", config_json(o));
        int rc = append_line(j, h);
        json_decref(h);
        if (rc) {
            snprintf(err, n, "cannot write journal '%s': %s", path, strerror(-rc));
            journal_close(j, 1);
            return NULL;
        }
    }
    return j;
}

int journal_append(struct journal *j, const struct cell *c, int round, const struct trial *t)
{
    if (!j) return 0;
    char *hex = malloc(sizeof *t * 2 + 1);
    if (!hex) return -ENOMEM;
    const unsigned char *b = (const unsigned char *)t;
    for (size_t i = 0; i < sizeof *t; i++) sprintf(hex + 2 * i, "%02x", b[i]);
    json_t *line = json_pack("{s:s, s:s, s:i, s:i, s:o, s:s}", "family", c->impl->family,
                             "impl", c->impl->name, "threads", (int)c->threads, "round", round,
                             "trial", trial_to_json(t, c->impl->family), "raw", hex);
    int rc = line ? append_line(j, line) : -ENOMEM;
    json_decref(line);
    free(hex);
    return rc;
}

void journal_close(struct journal *j, int remove_file)
{
    if (!j) return;
    if (j->f) fclose(j->f);
    if (remove_file) unlink(j->path);
    free(j->path);
    free(j);
}

void journal_free_argv(char **argv, int argc)
{
    for (int i = 0; i < argc; i++) free(argv[i]);
    free(argv);
}

static int unhex(const char *s, void *out, size_t size)
{
    if (strlen(s) != size * 2) return -1;
    unsigned char *b = out;
    for (size_t i = 0; i < size; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        b[i] = (unsigned char)v;
    }
    return 0;
}

int journal_load(const char *path, char ***argv_out, int *argc_out, struct journal_trial **out,
                 size_t *nout, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, n, "cannot read journal '%s': %s", path, strerror(errno)); return -ENOENT; }
    char *line = NULL;
    size_t cap = 0, ntr = 0, alloc = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    char **argv = NULL;
    int argc = 0;
    struct journal_trial *tr = NULL;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o) {
            /* a torn last line (killed mid-write) is expected; elsewhere it is not */
            if (lineno == 1) {
                snprintf(err, n, "%s: not a contend journal", path);
                rc = -EINVAL;
            } else if (getline(&line, &cap, f) > 0) {
                snprintf(err, n, "%s:%d: corrupt journal line", path, lineno);
                rc = -EINVAL;
            }
            break;
        }
        if (lineno == 1) {
            const char *kind = json_string_value(json_object_get(o, "journal"));
            json_int_t ver = json_integer_value(json_object_get(o, "schema_version"));
            json_int_t size = json_integer_value(json_object_get(o, "trial_size"));
            json_int_t layout = json_integer_value(json_object_get(o, "trial_layout"));
            json_t *av = json_object_get(o, "argv");
            if (!kind || strcmp(kind, JOURNAL_KIND) != 0) {
                snprintf(err, n, "%s: not a contend journal", path);
                rc = -EINVAL;
            } else if (ver != CONTEND_SCHEMA_VERSION) {
                snprintf(err, n, "%s: journal schema version %lld, this contend reads %d", path,
                         (long long)ver, CONTEND_SCHEMA_VERSION);
                rc = -EINVAL;
            } else if (size != (json_int_t)sizeof(struct trial)
                       || layout != (json_int_t)trial_layout()) {
                snprintf(err, n, "%s: written by a different build of contend; cannot resume",
                         path);
                rc = -EINVAL;
            } else if (!json_is_array(av) || json_array_size(av) == 0
                       || json_array_size(av) > 200) {
                snprintf(err, n, "%s: journal header has no options", path);
                rc = -EINVAL;
            } else {
                argc = (int)json_array_size(av);
                argv = calloc((size_t)argc + 1, sizeof *argv);
                for (int i = 0; argv && i < argc; i++) {
                    const char *s = json_string_value(json_array_get(av, (size_t)i));
                    argv[i] = strdup(s ? s : "");
                }
                if (!argv) rc = -ENOMEM;
            }
        } else {
            const char *fam = json_string_value(json_object_get(o, "family"));
            const char *impl = json_string_value(json_object_get(o, "impl"));
            const char *raw = json_string_value(json_object_get(o, "raw"));
            json_int_t th = json_integer_value(json_object_get(o, "threads"));
            json_int_t round = json_integer_value(json_object_get(o, "round"));
            if (ntr == alloc) {
                alloc = alloc ? alloc * 2 : 64;
                struct journal_trial *nt = realloc(tr, alloc * sizeof *tr);
                if (!nt) { rc = -ENOMEM; json_decref(o); break; }
                tr = nt;
            }
            struct journal_trial *x = &tr[ntr];
            memset(x, 0, sizeof *x);
            if (!fam || !impl || !raw || th <= 0 || round < 0 || strlen(fam) >= sizeof x->family
                || strlen(impl) >= sizeof x->impl || unhex(raw, &x->t, sizeof x->t) != 0
                || !trial_sane(&x->t)) {
                snprintf(err, n, "%s:%d: corrupt journal line", path, lineno);
                rc = -EINVAL;
            } else {
                strcpy(x->family, fam);
                strcpy(x->impl, impl);
                x->threads = (unsigned)th;
                x->round = (int)round;
                ntr++;
            }
        }
        json_decref(o);
        if (rc) break;
    }
    free(line);
    fclose(f);
    if (!rc && lineno == 0) { snprintf(err, n, "%s: empty journal", path); rc = -EINVAL; }
    if (!rc && !argv) { snprintf(err, n, "%s: not a contend journal", path); rc = -EINVAL; }
    if (rc) {
        journal_free_argv(argv, argc);
        free(tr);
        return rc;
    }
    *argv_out = argv;
    *argc_out = argc;
    *out = tr;
    *nout = ntr;
    return 0;
}

json_t *journal_to_result(const char *text, size_t len, const char *name, char *err, size_t n)
{
    json_t *root = NULL, *cells = json_array();
    size_t lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        json_error_t je;
        json_t *o = json_loadb(text + pos, end - pos, 0, &je);
        lineno++;
        pos = end + 1;
        if (!o) {
            if (pos >= len) break;               /* a torn last line */
            snprintf(err, n, "%s:%zu: corrupt journal line", name, lineno);
            goto fail;
        }
        if (lineno == 1) {
            const char *kind = json_string_value(json_object_get(o, "journal"));
            if (!kind || strcmp(kind, JOURNAL_KIND) != 0) {
                snprintf(err, n, "%s: not a contend journal", name);
                json_decref(o);
                goto fail;
            }
            json_t *ver = json_object_get(o, "schema_version");
            json_t *ctx = json_object_get(o, "context"), *cfg = json_object_get(o, "config");
            /* "o" steals a reference: take one on what we borrow from o */
            root = json_pack("{s:s, s:o, s:o, s:o, s:b}", "schema", CONTEND_SCHEMA,
                             "schema_version", ver ? json_incref(ver) : json_null(),
                             "context", json_is_object(ctx) ? json_incref(ctx) : json_object(),
                             "config", json_is_object(cfg) ? json_incref(cfg) : json_object(),
                             "interrupted", 1);
            json_decref(o);
            if (!root) { snprintf(err, n, "%s: out of memory", name); goto fail; }
            continue;
        }
        const char *fam = json_string_value(json_object_get(o, "family"));
        const char *impl = json_string_value(json_object_get(o, "impl"));
        json_t *th = json_object_get(o, "threads"), *trial = json_object_get(o, "trial");
        if (!fam || !impl || !json_is_integer(th) || !json_is_object(trial)) {
            snprintf(err, n, "%s:%zu: corrupt journal line", name, lineno);
            json_decref(o);
            goto fail;
        }
        json_t *cell = NULL, *c;
        size_t i;
        json_array_foreach(cells, i, c)
            if (!strcmp(json_string_value(json_object_get(c, "family")), fam)
                && !strcmp(json_string_value(json_object_get(c, "impl")), impl)
                && json_integer_value(json_object_get(c, "threads")) == json_integer_value(th))
                cell = c;
        if (!cell) {
            cell = json_pack("{s:s, s:s, s:O, s:[]}", "family", fam, "impl", impl, "threads", th,
                             "trials");
            json_array_append_new(cells, cell);
        }
        json_array_append(json_object_get(cell, "trials"), trial);
        json_decref(o);
    }
    if (!root) { snprintf(err, n, "%s: empty journal", name); goto fail; }
    json_object_set_new(root, "cells", cells);
    return root;
fail:
    json_decref(root);
    json_decref(cells);
    return NULL;
}
