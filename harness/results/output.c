/* The result file: a run as JSON (jansson; versioned schema; readers ignore
 * unknown fields), written atomically. Trials carry the common fields and
 * the family's metrics by name; cells carry a summary (median, CI) of each
 * summarised metric; "metrics" says each one's unit and direction. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"
#include "results.h"

json_t *res_summary_json(const struct lab_summary *s)
{
    if (!isfinite(s->median)) return json_null();
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b}", "n", (json_int_t)s->n,
                     "median", s->median, "min", s->min, "max", s->max, "mean", s->mean, "cv",
                     s->cv, "ci_low", s->ci_low, "ci_high", s->ci_high, "ci_level", s->ci_level,
                     "unstable", s->unstable);
}

json_t *res_trial_json(const struct trial *t, const struct family_driver *fam)
{
    json_t *j =
        json_pack("{s:f, s:I, s:f, s:f, s:f, s:f, s:f, s:s, s:I, s:I}", "seconds", t->seconds,
                  "ops", (json_int_t)t->ops, "ops_per_s", t->ops_per_s, "ns_per_op", t->ns_per_op,
                  "rate_min", t->rate_min, "rate_max", t->rate_max, "jain", t->jain, "verdict",
                  run_verdict_name(t->verdict), "expected", (json_int_t)t->expected, "delivered",
                  (json_int_t)t->delivered);
    if (!j) return NULL;
    for (size_t i = 0; fam && i < fam->nmetrics; i++) {
        const struct fam_metric *m = &fam->metrics[i];
        json_object_set_new(j, m->name,
                            !isfinite(t->m[i])         ? json_null()
                                : m->flags & FAM_M_INT ? json_integer((json_int_t)t->m[i])
                                                       : json_real(t->m[i]));
    }
    if (t->note[0]) json_object_set_new(j, "note", json_string(t->note));
    json_object_set_new(j, "outcome", json_string(run_outcome_name(t->outcome)));
    if (t->outcome_detail[0])
        json_object_set_new(j, "outcome_detail", json_string(t->outcome_detail));
    if (t->stderr_tail[0]) json_object_set_new(j, "stderr_tail", json_string(t->stderr_tail));
    json_t *ctr = res_ctr_trial_json(&t->counters);
    if (ctr) json_object_set_new(j, "counters", ctr);
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
    for (size_t k = 0; k < o->reps; k++)
        if (c->trials[k].outcome != OUTCOME_SKIPPED)
            json_array_append_new(trials, res_trial_json(&c->trials[k], fam));
    json_t *sum =
        json_pack("{s:o, s:o, s:o}", "ops_per_s", res_summary_json(&c->ops_per_s), "ns_per_op",
                  res_summary_json(&c->ns_per_op), "jain", res_summary_json(&c->jain));
    for (size_t i = 0; sum && i < fam->nmetrics; i++)
        if (fam->metrics[i].flags & FAM_M_SUMMARY)
            json_object_set_new(sum, fam->metrics[i].name, res_summary_json(&c->m[i]));
    json_t *cell =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "family", c->impl->family, "impl",
                  c->impl->name, "origin", c->impl->origin, "threads", (int)c->threads, "verdict",
                  run_verdict_name(c->verdict), "summary", sum, "trials", trials);
    if (!cell) return NULL;
    json_t *ctr = res_ctr_cell_json(c);
    if (ctr) json_object_set_new(cell, "counters", ctr);
    const char *sha = run_registry_sha256(c->impl);
    if (sha) json_object_set_new(cell, "source_sha256", json_string(sha));
    json_object_set_new(cell, "outcome", json_string(run_outcome_name(c->outcome)));
    if (c->failed && c->failed->outcome_detail[0])
        json_object_set_new(cell, "outcome_detail", json_string(c->failed->outcome_detail));
    return cell;
}

json_t *res_result_json(const struct run_result *r)
{
    const struct run_opts *o = r->opts;
    json_t *cells = json_array();
    for (size_t i = 0; cells && i < r->ncells; i++) {
        json_t *c = output_cell(&r->cells[i], o);
        if (!c) {
            json_decref(cells);
            return NULL;
        }
        json_array_append_new(cells, c);
    }
    json_t *root =
        json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o}", "schema", CONTEND_SCHEMA,
                  "schema_version", CONTEND_SCHEMA_VERSION, "check", o->fam->check, "context",
                  res_context_json(o->argc, o->argv, o->seed, r->loadavg_start), "config",
                  run_opts_json(o), "counters", res_ctr_spec_json(&o->counters), "metrics",
                  output_metrics(o->fam), "cells", cells);
    if (root && r->interrupted) json_object_set_new(root, "interrupted", json_true());
    return root;
}

int res_check_writable(const char *path, char *err, size_t n)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, n, "--out: '%s' is a directory", path);
        return -EISDIR;
    }
    char *copy = strdup(path);
    if (!copy) return -ENOMEM;
    const char *dir = dirname(copy);
    int ok = access(dir, W_OK | X_OK) == 0;
    int e = errno;
    if (!ok) snprintf(err, n, "--out: cannot write in directory '%s': %s", dir, strerror(e));
    free(copy);
    return ok ? 0 : -EACCES;
}

int res_make_dirs(const char *path, char *err, size_t n)
{
    char buf[1024];
    if (strlen(path) >= sizeof buf) {
        snprintf(err, n, "path too long: '%.60s...'", path);
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

/* The file gets the usual 0666 & ~umask mode (mkstemp's is 0600). */
int res_write_file_atomic(const char *path, const char *buf, size_t len, char *err, size_t n)
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
    for (const char *p = buf; !rc && len;) {
        ssize_t k = write(fd, p, len);
        if (k <= 0)
            rc = k < 0 ? -errno : -EIO;
        else
            p += k, len -= (size_t)k;
    }
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
