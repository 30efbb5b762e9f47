/* The run journal: JSON lines next to the output file, one per finished
 * trial, each written and fdatasynced before the next trial starts. Line 1
 * is a header with the run's options; a trial line holds the trial as JSON
 * (for readers) and as its raw bytes in hex (so --resume restores it
 * exactly: resuming therefore needs the same build, which the header checks).
 *
 * A journal belongs to one run at a time: it is locked (flock) for as long
 * as the run holds it, and a new one appears at its path only complete
 * with its header and already locked (written under a temporary name, then
 * link()ed, which fails if anything, even a dangling symlink, is there). A
 * second run on the same --out is refused, naming the first. Opened with
 * O_NOFOLLOW: a symlink planted at the journal's path is never followed.
 * The first append that fails stops the run with its errno; the torn bytes
 * are cut off, so the journal holds exactly the trials it says.
 *
 * One reader (journal_read) serves both uses, resume and reading a journal
 * as a partial result, with one rule: every newline-terminated line must be
 * valid; an unterminated last line is a write the run did not finish (it
 * was killed) and is dropped, and cut off before a resume appends. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"
#include "results.h"

#define JOURNAL_KIND "contend-journal"

struct res_journal {
    int fd;
    char *path;
    const struct family_driver *fam;
    off_t len;      /* bytes of complete lines */
    size_t ntrials; /* trial lines */
    int error;      /* the first failed append's negative errno */
};

/* obj as one line, written and synced; on failure the journal is cut back
   to its last complete line (best effort) and keeps the error. */
static int journal_append_line(struct res_journal *j, json_t *obj)
{
    if (j->error) return j->error;
    char *s = json_dumps(obj, JSON_COMPACT);
    if (!s) return -ENOMEM;
    size_t len = strlen(s);
    s[len] = '\n'; /* json_dumps' NUL becomes the newline: one write */
    int rc = res_write_all(j->fd, s, len + 1);
    if (!rc && fdatasync(j->fd) != 0) rc = -errno;
    free(s);
    if (rc) {
        j->error = rc;
        if (ftruncate(j->fd, j->len) != 0) { /* the reader drops a torn line anyway */
        }
        return rc;
    }
    j->len += (off_t)len + 1;
    return 0;
}

/* The pid a journal's header names, or 0. */
static long journal_owner(int fd)
{
    char buf[4096];
    ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
    if (k <= 0) return 0;
    buf[k] = '\0';
    const char *p = strstr(buf, "\"pid\":");
    return p && p < buf + strcspn(buf, "\n") ? strtol(p + 6, NULL, 10) : 0;
}

/* Why the journal at path cannot be taken: another run holds it (named),
   it is a symlink, or an interrupted run left it. */
static void journal_taken(const char *path, int locked_by_other, long pid, char *err, size_t n)
{
    if (locked_by_other)
        snprintf(err, n,
                 "another contend (pid %ld) is running with this output: its journal '%s' is "
                 "in use",
                 pid, path);
    else
        snprintf(err, n,
                 "journal '%s' exists (an interrupted run?): resume it with "
                 "`contend run --resume %s`, or delete it",
                 path, path);
}

/* The existing journal at path, opened and locked for a resume: cut back to
   its last complete line, positioned at its end. */
static int journal_open_existing(struct res_journal *j, char *err, size_t n)
{
    const char *path = j->path;
    j->fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    int rc = j->fd < 0 ? -errno : fstat(j->fd, &st) != 0 ? -errno : 0;
    if (rc == -ELOOP) {
        snprintf(err, n, "journal '%s' is a symbolic link: contend does not follow it", path);
        return rc;
    }
    if (rc) {
        snprintf(err, n, "cannot open journal '%s': %s", path, strerror(-rc));
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, n, "journal '%s' is not a regular file (it is %s)", path,
                 res_file_type(st.st_mode));
        return -EINVAL;
    }
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = -errno;
        if (rc == -EWOULDBLOCK)
            journal_taken(path, 1, journal_owner(j->fd), err, n);
        else
            snprintf(err, n, "cannot lock journal '%s': %s", path, strerror(-rc));
        return rc;
    }
    char *text;
    size_t len;
    fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) & ~O_NONBLOCK);
    if ((rc = res_read_fd(j->fd, path, RES_RESULT_MAX_BYTES, &text, &len, err, n))) return rc;
    const char *nl = len ? memrchr(text, '\n', len) : NULL;
    j->len = nl ? nl - text + 1 : 0;
    for (const char *p = text; p < text + j->len; p = strchr(p, '\n') + 1) j->ntrials++;
    j->ntrials -= j->ntrials > 0; /* the header */
    free(text);
    if (ftruncate(j->fd, j->len) != 0 || lseek(j->fd, j->len, SEEK_SET) < 0) {
        rc = -errno;
        snprintf(err, n, "cannot repair journal '%s': %s", path, strerror(-rc));
    }
    return rc;
}

/* A new journal: its header written and synced under a temporary name,
   locked, then linked into place (never over anything that is there). */
static int journal_create(struct res_journal *j, json_t *header, char *err, size_t n)
{
    const char *path = j->path;
    char *tmp = malloc(strlen(path) + 16);
    if (!tmp) return -ENOMEM;
    sprintf(tmp, "%s.tmp.XXXXXX", path);
    j->fd = mkostemp(tmp, O_CLOEXEC);
    int rc = j->fd < 0 ? -errno : 0;
    if (rc) {
        snprintf(err, n, "cannot create journal '%s': %s", tmp, strerror(-rc));
        free(tmp);
        return rc;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(j->fd, 0666 & ~um) != 0 || flock(j->fd, LOCK_EX | LOCK_NB) != 0) rc = -errno;
    if (!rc && (rc = journal_append_line(j, header)) != 0)
        snprintf(err, n, "cannot write journal '%s': %s", path, strerror(-rc));
    if (!rc && link(tmp, path) != 0) {
        rc = -errno;
        int other = -1;
        if (rc == -EEXIST) {
            other = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            if (other < 0 && errno == ELOOP)
                snprintf(err, n, "journal '%s' is a symbolic link: contend does not follow it",
                         path);
            else
                journal_taken(path, other >= 0 && flock(other, LOCK_SH | LOCK_NB) != 0,
                              other >= 0 ? journal_owner(other) : 0, err, n);
        } else {
            snprintf(err, n, "cannot create journal '%s': %s", path, strerror(-rc));
        }
        if (other >= 0) close(other);
    }
    unlink(tmp);
    free(tmp);
    return rc;
}

static json_t *journal_header(const struct run_opts *o, char *err, size_t n)
{
    json_t *argv = json_array();
    for (int i = 0; argv && i < o->parse_argc; i++)
        if (json_array_append_new(argv, json_string(o->parse_argv[i])) != 0) {
            snprintf(err, n, "option %d of the run is not valid UTF-8", i);
            json_decref(argv);
            return NULL;
        }
    json_t *h = json_pack(
        "{s:s, s:i, s:I, s:I, s:I, s:o, s:o, s:o}", "journal", JOURNAL_KIND, "schema_version",
        CONTEND_SCHEMA_VERSION, "trial_size", (json_int_t)sizeof(struct trial), "trial_layout",
        (json_int_t)run_trial_layout(), "pid", (json_int_t)getpid(), "argv", argv, "context",
        res_context_json(o->argc, o->argv, o->seed, NULL), "config", run_opts_json(o));
    if (!h) snprintf(err, n, "could not build the journal's header");
    return h;
}

struct res_journal *res_journal_open(const char *path, const struct run_opts *o, char *err,
                                     size_t n)
{
    struct res_journal *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) {
        free(j);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    j->fd = -1;
    j->fam = o->fam;
    int rc;
    if (o->resume) {
        rc = journal_open_existing(j, err, n);
    } else {
        json_t *h = journal_header(o, err, n);
        rc = h ? journal_create(j, h, err, n) : -EINVAL;
        json_decref(h);
    }
    if (rc) {
        res_journal_close(j, 0);
        return NULL;
    }
    j->error = 0;
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
    if (!rc)
        j->ntrials++;
    else if (!j->error)
        j->error = rc;
    json_decref(line);
    free(hex);
    return rc;
}

int res_journal_error(const struct res_journal *j, size_t *ntrials)
{
    if (ntrials) *ntrials = j ? j->ntrials : 0;
    return j ? j->error : 0;
}

void res_journal_close(struct res_journal *j, int remove_file)
{
    if (!j) return;
    if (remove_file && j->fd >= 0) unlink(j->path); /* still locked: no one takes it first */
    if (j->fd >= 0) close(j->fd);
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

int res_journal_load(const char *path, struct res_journal_data *d, char *err, size_t n)
{
    memset(d, 0, sizeof *d);
    size_t len;
    char *text;
    int rc = res_read_file(path, RES_RESULT_MAX_BYTES, &text, &len, err, n);
    if (rc) return rc;
    json_t *h, *lines;
    rc = journal_read(text, len, path, &h, &lines, err, n);
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
