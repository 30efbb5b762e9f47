/* The result file: a run as JSON (jansson; versioned schema; readers ignore
 * unknown fields), written atomically. Trials carry the common fields and
 * the family's metrics by name; cells carry a summary (median, CI) of each
 * summarised metric; "metrics" says each one's unit and direction. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"
#include "results.h"

json_t *res_json_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

void res_csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* obj with the members of src (name, value) set, or NULL (and obj freed) if
   any could not be built or set: nothing is dropped silently. */
static json_t *output_fill(json_t *obj, const char *const *names, json_t *const *values, size_t k)
{
    int bad = !obj;
    for (size_t i = 0; i < k; i++)
        bad |= !values[i] || json_object_set_new(obj, names[i], values[i]) != 0;
    if (!bad) return obj;
    json_decref(obj);
    return NULL;
}

json_t *res_summary_json(const struct lab_summary *s)
{
    if (!s->n || !isfinite(s->median)) return json_null(); /* nothing ran: no 0 */
    static const char *const names[] = { "n",  "median", "min",     "max",      "mean",
                                         "cv", "ci_low", "ci_high", "ci_level", "unstable" };
    json_t *const values[] = { json_integer((json_int_t)s->n), res_json_num(s->median),
                               res_json_num(s->min),           res_json_num(s->max),
                               res_json_num(s->mean),          res_json_num(s->cv),
                               res_json_num(s->ci_low),        res_json_num(s->ci_high),
                               res_json_num(s->ci_level),      json_boolean(s->unstable) };
    return output_fill(json_object(), names, values, sizeof names / sizeof *names);
}

/* Every number through res_json_num: a NaN or infinite field (no ops
   completed: ns/op and Jain's index have no value) is null, never a
   trial that vanishes from the journal and the result. */
json_t *res_trial_json(const struct trial *t, const struct family_driver *fam)
{
    static const char *const names[] = {
        "seconds",  "ops",  "ops_per_s", "ns_per_op", "rate_min",
        "rate_max", "jain", "verdict",   "expected",  "delivered"
    };
    json_t *const values[] = { res_json_num(t->seconds),
                               json_integer((json_int_t)t->ops),
                               res_json_num(t->ops_per_s),
                               res_json_num(t->ns_per_op),
                               res_json_num(t->rate_min),
                               res_json_num(t->rate_max),
                               res_json_num(t->jain),
                               json_string(run_verdict_name(t->verdict)),
                               json_integer((json_int_t)t->expected),
                               json_integer((json_int_t)t->delivered) };
    json_t *j = output_fill(json_object(), names, values, sizeof names / sizeof *names);
    if (!j) return NULL;
    int bad = 0;
    for (size_t i = 0; fam && i < fam->nmetrics; i++) {
        const struct fam_metric *m = &fam->metrics[i];
        bad |= json_object_set_new(j, m->name,
                                   !isfinite(t->m[i])         ? json_null()
                                       : m->flags & FAM_M_INT ? json_integer((json_int_t)t->m[i])
                                                              : json_real(t->m[i]));
    }
    /* texts a trial wrote (its stderr) need not be UTF-8: kept as far as valid */
    if (t->note[0]) bad |= json_object_set_new(j, "note", res_json_text(t->note));
    bad |= json_object_set_new(j, "outcome", json_string(run_outcome_name(t->outcome)));
    if (t->outcome_detail[0])
        bad |= json_object_set_new(j, "outcome_detail", res_json_text(t->outcome_detail));
    if (t->stderr_tail[0])
        bad |= json_object_set_new(j, "stderr_tail", res_json_text(t->stderr_tail));
    json_t *ctr = res_ctr_trial_json(&t->counters);
    if (ctr) bad |= json_object_set_new(j, "counters", ctr);
    json_t *proc = json_object();
    if (isfinite(t->cpu_ns_per_op) && isfinite(t->csw_per_op))
        bad |= json_object_set_new(proc, "cpu_ns_per_op", json_real(t->cpu_ns_per_op))
            | json_object_set_new(proc, "switches_per_op", json_real(t->csw_per_op));
    if (isfinite(t->peak_rss_kib))
        bad |= json_object_set_new(proc, "peak_rss_kib", json_integer((json_int_t)t->peak_rss_kib));
    if (proc && json_object_size(proc))
        bad |= json_object_set_new(j, "process", proc);
    else
        json_decref(proc);
    if (!bad) return j;
    json_decref(j);
    return NULL;
}

json_t *res_json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    /* not UTF-8: every byte that is not printable ASCII becomes '?' */
    char *copy = strdup(s);
    for (char *p = copy; p && *p; p++)
        if ((unsigned char)*p < ' ' || (unsigned char)*p > 126) *p = *p == '\n' ? '\n' : '?';
    j = copy ? json_string(copy) : NULL;
    free(copy);
    return j;
}

static json_t *output_metric(const char *unit, int better)
{
    return json_pack("{s:s, s:s?}", "unit", unit, "better",
                     better > 0       ? "higher"
                         : better < 0 ? "lower"
                                      : NULL);
}

/* Every metric's unit and direction: the common ones, then the family's. */
static json_t *output_metrics(const struct family_driver *fam)
{
    json_t *j =
        json_pack("{s:o, s:o, s:o}", "ops_per_s", output_metric("ops/s", 1), "ns_per_op",
                  output_metric("ns/op", -1), "jain", output_metric("Jain index, 1 = fair", 0));
    for (size_t i = 0; j && i < fam->nmetrics; i++)
        json_object_set_new(j, fam->metrics[i].name,
                            output_metric(fam->metrics[i].unit, fam->metrics[i].better));
    return j;
}

static json_t *output_cell(const struct cell *c, const struct run_opts *o)
{
    const struct family_driver *fam = o->fam;
    json_t *trials = json_array();
    for (size_t k = 0; trials && k < o->reps; k++)
        if (c->trials[k].outcome != OUTCOME_SKIPPED
            && json_array_append_new(trials, res_trial_json(&c->trials[k], fam)) != 0) {
            json_decref(trials); /* never a result with a trial missing */
            trials = NULL;
        }
    json_t *sum =
        json_pack("{s:o, s:o, s:o}", "ops_per_s", res_summary_json(&c->ops_per_s), "ns_per_op",
                  res_summary_json(&c->ns_per_op), "jain", res_summary_json(&c->jain));
    for (size_t i = 0; sum && i < fam->nmetrics; i++)
        if (fam->metrics[i].flags & FAM_M_SUMMARY)
            json_object_set_new(sum, fam->metrics[i].name, res_summary_json(&c->m[i]));
    json_t *cell = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "family", c->impl->family,
                             "impl", c->impl->name, "origin", c->impl->origin, "source",
                             run_registry_source(c->impl), "threads", (int)c->threads, "verdict",
                             run_verdict_name(c->verdict), "summary", sum, "trials", trials);
    if (!cell) return NULL;
    json_t *ctr = res_ctr_cell_json(c);
    if (ctr) json_object_set_new(cell, "counters", ctr);
    double pv[RUN_MAX_PARAMS];
    size_t np = run_param_values(o, c->impl, pv);
    if (np) { /* the variant's parameters: part of the benchmark's identity */
        json_t *params = json_object();
        for (size_t i = 0; i < np; i++)
            json_object_set_new(params, c->impl->params[i].name, json_real(pv[i]));
        json_object_set_new(cell, "params", params);
    }
    const char *sha = run_registry_sha256(c->impl);
    if (sha) json_object_set_new(cell, "source_sha256", json_string(sha));
    size_t ran = 0;
    for (size_t k = 0; k < o->reps; k++) ran += c->trials[k].outcome != OUTCOME_SKIPPED;
    json_object_set_new(cell, "outcome",
                        json_string(c->skipped[0] ? "skipped"
                                        : ran     ? run_outcome_name(c->outcome)
                                                  : "not run"));
    if (c->skipped[0]) json_object_set_new(cell, "skipped", json_string(c->skipped));
    if (c->failed && c->failed->outcome_detail[0])
        json_object_set_new(cell, "outcome_detail", json_string(c->failed->outcome_detail));
    return cell;
}

json_t *res_result_json(const struct run_result *r)
{
    const struct run_opts *o = r->opts;
    json_t *cells = json_array();
    for (size_t i = 0; cells && i < r->ncells; i++)
        if (json_array_append_new(cells, output_cell(&r->cells[i], o)) != 0) {
            json_decref(cells);
            return NULL;
        }
    json_t *root =
        json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o}", "schema", CONTEND_SCHEMA,
                  "schema_version", CONTEND_SCHEMA_VERSION, "check", o->fam->check, "context",
                  res_context_json(o->argc, o->argv, o->seed, r->loadavg_start), "config",
                  run_opts_json(o), "counters", res_ctr_spec_json(&o->counters), "metrics",
                  output_metrics(o->fam), "cells", cells);
    if (root && r->interrupted) json_object_set_new(root, "interrupted", json_true());
    if (root && r->others_cpu >= 0) /* others' share of the CPUs while it ran */
        json_object_set_new(json_object_get(root, "context"), "others_cpu",
                            json_real(r->others_cpu));
    return root;
}

/* --out rules (docs/files.md): "-" is standard output; a missing path or a
   regular file is (re)placed atomically; a device, FIFO or socket (directly
   or through a symlink) is written through; anything else is refused:
   a directory, a block device, a dangling symlink, a symlink to a regular
   file (replacing it would replace the link, following it would let a
   planted link aim the write anywhere). */
int res_out_check(const char *path, char *err, size_t n)
{
    size_t len = strlen(path);
    if (len > RES_OUT_MAX) {
        snprintf(err, n, "--out: '%.40s...' is too long (%zu bytes; at most %d)", path, len,
                 RES_OUT_MAX);
        return -ENAMETOOLONG;
    }
    if (!strcmp(path, "-")) return RES_OUT_STDOUT;
    struct stat st, target;
    int e = lstat(path, &st) == 0 ? 0 : errno;
    if (!e && S_ISLNK(st.st_mode)) {
        if (stat(path, &target) != 0) {
            snprintf(err, n,
                     "--out: '%s' is a dangling symbolic link (contend does not create "
                     "its target)",
                     path);
            return -ENOENT;
        }
        if (S_ISREG(target.st_mode)) {
            snprintf(err, n,
                     "--out: '%s' is a symbolic link to a regular file: name the file "
                     "itself (contend replaces files atomically, never a link)",
                     path);
            return -ELOOP;
        }
        st = target;
    }
    if (e && e != ENOENT) {
        snprintf(err, n, "--out: '%s': %s", path, strerror(e));
        return -e;
    }
    if (!e && (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))) {
        snprintf(err, n, "--out: '%s' is %s", path, res_file_type(st.st_mode));
        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    }
    if (!e && !S_ISREG(st.st_mode)) return RES_OUT_STREAM;
    char *copy = strdup(path);
    if (!copy) return -ENOMEM;
    const char *dir = dirname(copy);
    int ok = access(dir, W_OK | X_OK) == 0;
    e = errno;
    if (!ok) snprintf(err, n, "--out: cannot write in directory '%s': %s", dir, strerror(e));
    free(copy);
    return ok ? RES_OUT_FILE : -e;
}

int res_make_dirs(const char *path, char *err, size_t n)
{
    char buf[RES_OUT_MAX + 1];
    if (strlen(path) >= sizeof buf) {
        snprintf(err, n, "'%.40s...' is too long (at most %d bytes)", path, RES_OUT_MAX);
        return -ENAMETOOLONG;
    }
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, n, "cannot create directory '%s': %s", buf, strerror(e));
            return -e;
        }
        *p = c;
        if (!c) break;
    }
    return 0;
}

/* Standard output, a device, a FIFO or a socket: written in place. Opened
   non-blocking without O_CREAT (a FIFO without a reader is refused, not
   waited for), and checked again on the descriptor. */
static int output_write_through(const char *path, const char *buf, size_t len, char *err, size_t n)
{
    if (!strcmp(path, "-")) { /* through stdio: after what was printed, errors in one place */
        if (fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0) return 0;
        int e = errno ? errno : EIO;
        snprintf(err, n, "cannot write to standard output: %s", strerror(e));
        return -e;
    }
    if (fflush(stdout) != 0) { /* a device may be our stdout: what was printed comes first */
        int e = errno ? errno : EIO;
        snprintf(err, n, "cannot write to standard output: %s", strerror(e));
        return -e;
    }
    int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    int rc = fd < 0 ? -errno : 0;
    if (rc == -ENXIO)
        snprintf(err, n, "cannot write '%s': no process is reading it", path);
    else if (rc)
        snprintf(err, n, "cannot write '%s': %s", path, strerror(-rc));
    else if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)
             || S_ISBLK(st.st_mode)) {
        rc = -EINVAL;
        snprintf(err, n, "cannot write '%s': it changed while contend ran", path);
    } else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0
               || (rc = res_write_all(fd, buf, len)) != 0) {
        rc = rc ? rc : -errno;
        snprintf(err, n, "cannot write '%s': %s", path, strerror(-rc));
    }
    if (fd >= 0) close(fd);
    return rc;
}

/* A regular file: a temporary file in the same directory, fsynced and
   renamed, so the path holds the old file or the new one, never half of
   one. The file gets the usual 0666 & ~umask mode (mkstemp's is 0600). */
static int output_atomic(const char *path, const char *buf, size_t len, char *err, size_t n)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return -ENOMEM;
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp), rc = 0;
    if (fd < 0) {
        rc = -errno;
        snprintf(err, n, "cannot create '%s': %s", tmp, strerror(-rc));
        free(tmp);
        return rc;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0) rc = -errno;
    if (!rc) rc = res_write_all(fd, buf, len);
    if (!rc && fsync(fd) != 0) rc = -errno;
    if (close(fd) != 0 && !rc) rc = -errno;
    if (!rc && rename(tmp, path) != 0) rc = -errno;
    if (rc) {
        unlink(tmp);
        snprintf(err, n, "cannot write '%s': %s", path, strerror(-rc));
    }
    free(tmp);
    return rc;
}

int res_write_file_atomic(const char *path, const char *buf, size_t len, char *err, size_t n)
{
    int kind = res_out_check(path, err, n);
    if (kind < 0) return kind;
    return kind == RES_OUT_FILE ? output_atomic(path, buf, len, err, n)
                                : output_write_through(path, buf, len, err, n);
}

int res_write_json_atomic(const char *path, json_t *j, char *err, size_t n)
{
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    if (!s) {
        snprintf(err, n, "could not serialise the JSON for '%s'", path);
        return -ENOMEM;
    }
    size_t len = strlen(s);
    char *withnl = realloc(s, len + 2);
    if (!withnl) {
        free(s);
        return -ENOMEM;
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = res_write_file_atomic(path, withnl, len + 1, err, n);
    free(withnl);
    return rc;
}

int res_write_result(const char *path, const struct run_result *r, char *err, size_t n)
{
    json_t *j = res_result_json(r);
    if (!j) {
        snprintf(err, n, "could not build the JSON result");
        return -ENOMEM;
    }
    int rc = res_write_json_atomic(path, j, err, n);
    json_decref(j);
    return rc;
}
