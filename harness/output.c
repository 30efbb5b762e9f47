/* Output: the terminal table, the JSON result file (written atomically),
 * and the progress line. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

const char *format_si(double v, char *buf, size_t n)
{
    const char *u = "";
    double a = fabs(v);
    if (a >= 1e9) v /= 1e9, u = "G";
    else if (a >= 1e6) v /= 1e6, u = "M";
    else if (a >= 1e3) v /= 1e3, u = "k";
    snprintf(buf, n, fabs(v) >= 100 ? "%.0f%s" : fabs(v) >= 10 ? "%.1f%s" : "%.2f%s", v, u);
    return buf;
}

static const char *verdict_name(enum verdict v)
{
    return v == VERDICT_OK ? "ok" : v == VERDICT_FAIL ? "FAIL" : "n/a";
}

/* ---- store family: its own columns, under the common table ---- */

static const char *num_or_na(double v, const char *fmt, char *buf, size_t n)
{
    if (!isfinite(v)) snprintf(buf, n, "n/a");
    else snprintf(buf, n, fmt, v);
    return buf;
}

static void print_store_table(FILE *f, const struct run_result *r)
{
    char mix[128], keys[24];
    wl_mix_format(r->opts->store.mix, mix, sizeof mix);
    fprintf(f, "\n%-18s %8s %12s %12s %10s %10s %10s\n", "impl", "threads", "read ns/op",
            "write ns/op", "B/op", "allocs/op", "scan ms");
    for (size_t i = 0; i < r->ncells; i++) {
        const struct cell *c = &r->cells[i];
        char name[64], a[24], b[24], d[24], e[24], g[24];
        snprintf(name, sizeof name, "%s/%s", c->impl->family, c->impl->name);
        fprintf(f, "%-18s %8u %12s %12s %10s %10s %10s\n", name, c->threads,
                num_or_na(c->read_ns.median, "%.1f", a, sizeof a),
                num_or_na(c->write_ns.median, "%.1f", b, sizeof b),
                num_or_na(c->bytes_per_op.median, "%.2f", d, sizeof d),
                num_or_na(c->allocs_per_op.median, "%.3f", e, sizeof e),
                num_or_na(c->scan_ms.median, "%.3f", g, sizeof g));
    }
    fprintf(f, "%s keys, %s%s, mix %s; medians; read/write ns/op from separate timed phases"
            " (n/a with --duration); B/op, allocs/op: counted allocations per op\n",
            format_si((double)r->opts->store.keys, keys, sizeof keys), wl_dist_name(r->opts->store.dist),
            r->opts->store.scramble ? " scrambled" : "", mix);
}

/* Median over the completed trials of one per-trial field. */
static double trial_median(const struct cell *c, size_t offset)
{
    double v[MAX_LIST * 16];
    size_t n = 0;
    for (size_t k = 0; k < c->ntrials && n < sizeof v / sizeof *v; k++)
        v[n++] = *(const double *)((const char *)&c->trials[k] + offset);
    struct summary s;
    summarize(v, n, &s);
    return s.median;
}

void print_table(FILE *f, const struct run_result *r)
{
    const struct run_opts *o = r->opts;
    fprintf(f, "%-18s %8s %9s %9s %9s %9s %6s  %9s %9s %6s %s\n", "impl", "threads", "ops/s",
            "min", "max", "ns/op", "cv%", "thr-min", "thr-max", "jain", "exactly-once");
    for (size_t i = 0; i < r->ncells; i++) {
        const struct cell *c = &r->cells[i];
        char a[16], b[16], d[16], tmin[16], tmax[16];
        char name[64];
        snprintf(name, sizeof name, "%s/%s", c->impl->family, c->impl->name);
        fprintf(f, "%-18s %8u %9s %9s %9s %9.2f %5.1f%c  %9s %9s %6.3f %s", name, c->threads,
                format_si(c->ops_per_s.median, a, sizeof a), format_si(c->ops_per_s.min, b, sizeof b),
                format_si(c->ops_per_s.max, d, sizeof d), c->ns_per_op.median,
                c->ops_per_s.cv * 100, c->ops_per_s.unstable ? '!' : ' ',
                format_si(trial_median(c, offsetof(struct trial, rate_min)), tmin, sizeof tmin),
                format_si(trial_median(c, offsetof(struct trial, rate_max)), tmax, sizeof tmax),
                c->jain.median, verdict_name(c->verdict));
        if (c->outcome != OUTCOME_OK && c->failed)
            fprintf(f, " (%s%s%s)", outcome_name(c->outcome),
                    c->failed->outcome_detail[0] ? " " : "", c->failed->outcome_detail);
        else if (c->verdict == VERDICT_FAIL && c->failed && c->failed->note[0])
            fprintf(f, " (%s)", c->failed->note);
        fputc('\n', f);
    }
    fprintf(f, "%s, %u reps, median ops/s over the reps (min, max: the slowest and fastest "
            "rep);\nthr-min, thr-max: the slowest and fastest thread's ops/s; jain: Jain's "
            "fairness index over the threads (1 = fair)\n", o->ops ? "fixed work" : "fixed time",
            o->reps);
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].ops_per_s.unstable) {
            fprintf(f, "! unstable: cv over %.0f%%; the JSON has each cell's 95%% CI of the "
                    "median\n", UNSTABLE_CV * 100);
            break;
        }
    ctr_print_table(f, r);
    if (strcmp(o->family, "store") == 0) print_store_table(f, r);
}

static json_t *summary_json(const struct summary *s)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b}", "n", (json_int_t)s->n,
                     "median", s->median, "min", s->min, "max", s->max,
                     "mean", s->mean, "cv", s->cv, "ci_low", s->ci_low,
                     "ci_high", s->ci_high, "ci_level", s->ci_level, "unstable", s->unstable);
}

json_t *config_json(const struct run_opts *o)
{
    json_t *j = json_pack("{s:s, s:I, s:f, s:i, s:b, s:s, s:I}",
                          "family", o->family, "ops", (json_int_t)o->ops,
                          "duration_s", o->duration, "reps", (int)o->reps,
                          "warmup", o->warmup, "pin", pin_mode_name(o->pin),
                          "seed", (json_int_t)o->seed);
    if (strcmp(o->family, "batcher") == 0)
        json_object_set_new(j, "batcher", json_pack("{s:I, s:I, s:i, s:I, s:I}",
            "batch", (json_int_t)o->batcher.batch_size, "queue", (json_int_t)o->batcher.queue_size,
            "timeout_ms", (int)o->batcher.timeout_ms, "pad", (json_int_t)o->batcher.pad,
            "sink_cost_ns", (json_int_t)o->sink_cost_ns));
    if (strcmp(o->family, "store") == 0) {
        char mix[128];
        wl_mix_format(o->store.mix, mix, sizeof mix);
        json_object_set_new(j, "store", json_pack("{s:I, s:s, s:f, s:f, s:f, s:b, s:s, s:i, s:i}",
            "keys", (json_int_t)o->store.keys, "dist", wl_dist_name(o->store.dist),
            "theta", o->store.theta, "hot_keys", o->store.hot_keys, "hot_ops", o->store.hot_ops,
            "scramble", o->store.scramble, "mix", mix, "shards", (int)o->store.shards,
            "workers", (int)o->store.workers));
    }
    return j;
}

static json_t *real_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *summary_or_null(const struct summary *s)
{
    return isfinite(s->median) ? summary_json(s) : json_null();
}

/* Store fields of a cell and of its trials (added to the objects built above). */
static void add_store_json(json_t *cell, const struct cell *c)
{
    json_t *sum = json_object_get(cell, "summary");
    json_object_set_new(sum, "read_ns", summary_or_null(&c->read_ns));
    json_object_set_new(sum, "write_ns", summary_or_null(&c->write_ns));
    json_object_set_new(sum, "scan_ms", summary_or_null(&c->scan_ms));
    json_object_set_new(sum, "bytes_per_op", summary_or_null(&c->bytes_per_op));
    json_object_set_new(sum, "allocs_per_op", summary_or_null(&c->allocs_per_op));
}

/* Store fields of a trial. */
static void add_store_trial_json(json_t *j, const struct trial *t)
{
    json_t *ops = json_object();
    for (int op = 0; op < WL_NOPS; op++)
        json_object_set_new(ops, wl_op_name((enum wl_op)op), json_integer((json_int_t)t->op_count[op]));
    json_object_set_new(j, "op_count", ops);
    json_object_set_new(j, "read_ns", real_or_null(t->read_ns));
    json_object_set_new(j, "write_ns", real_or_null(t->write_ns));
    json_object_set_new(j, "scan_ms", real_or_null(t->scan_ms));
    json_object_set_new(j, "bytes_per_op", real_or_null(t->bytes_per_op));
    json_object_set_new(j, "allocs_per_op", real_or_null(t->allocs_per_op));
}

json_t *trial_to_json(const struct trial *t, const char *family)
{
    json_t *j = json_pack("{s:f, s:I, s:f, s:f, s:f, s:f, s:f, s:s, s:I, s:I, s:I, s:I}",
                          "seconds", t->seconds, "ops", (json_int_t)t->ops,
                          "ops_per_s", t->ops_per_s, "ns_per_op", t->ns_per_op,
                          "rate_min", t->rate_min, "rate_max", t->rate_max, "jain", t->jain,
                          "verdict", verdict_name(t->verdict),
                          "expected", (json_int_t)t->expected,
                          "delivered", (json_int_t)t->delivered,
                          "batches", (json_int_t)t->batches,
                          "max_batch", (json_int_t)t->max_batch);
    if (t->note[0]) json_object_set_new(j, "note", json_string(t->note));
    json_object_set_new(j, "outcome", json_string(outcome_name(t->outcome)));
    if (t->outcome_detail[0])
        json_object_set_new(j, "outcome_detail", json_string(t->outcome_detail));
    if (t->stderr_tail[0]) json_object_set_new(j, "stderr_tail", json_string(t->stderr_tail));
    json_t *ctr = ctr_trial_json(&t->counters);
    if (ctr) json_object_set_new(j, "counters", ctr);
    if (family && strcmp(family, "store") == 0) add_store_trial_json(j, t);
    return j;
}

static json_t *result_json(const struct run_result *r)
{
    const struct run_opts *o = r->opts;
    json_t *cells = json_array();
    for (size_t i = 0; i < r->ncells; i++) {
        const struct cell *c = &r->cells[i];
        json_t *trials = json_array();
        for (size_t k = 0; k < r->opts->reps; k++)
            if (c->trials[k].outcome != OUTCOME_SKIPPED)
                json_array_append_new(trials, trial_to_json(&c->trials[k], c->impl->family));
        json_t *cell = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:o, s:o, s:o}, s:o}",
            "family", c->impl->family, "impl", c->impl->name, "origin", c->impl->origin,
            "threads", (int)c->threads, "verdict", verdict_name(c->verdict),
            "summary", "ops_per_s", summary_json(&c->ops_per_s),
            "ns_per_op", summary_json(&c->ns_per_op), "jain", summary_json(&c->jain),
            "trials", trials);
        json_t *ctr = ctr_cell_json(c);
        if (ctr) json_object_set_new(cell, "counters", ctr);
        json_object_set_new(cell, "outcome", json_string(outcome_name(c->outcome)));
        if (c->failed && c->failed->outcome_detail[0])
            json_object_set_new(cell, "outcome_detail", json_string(c->failed->outcome_detail));
        if (strcmp(c->impl->family, "store") == 0) add_store_json(cell, c);
        json_array_append_new(cells, cell);
    }
    json_t *root = json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "schema", CONTEND_SCHEMA,
                             "schema_version", CONTEND_SCHEMA_VERSION,
                             "context", context_json(o->argc, o->argv, o->seed),
                             "config", config_json(o), "counters", ctr_spec_json(&o->counters),
                             "cells", cells);
    if (root && r->interrupted) json_object_set_new(root, "interrupted", json_true());
    return root;
}

int check_writable(const char *path, char *err, size_t n)
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

/* Writes buf to path through a temporary file in the same directory,
   fsynced and renamed: readers see the old file or the new one, never half
   of one. The file gets the usual 0666 & ~umask mode (mkstemp's is 0600). */
int write_file_atomic(const char *path, const char *buf, size_t len, char *err, size_t n)
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
        if (k <= 0) rc = k < 0 ? -errno : -EIO;
        else p += k, len -= (size_t)k;
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

int write_json_atomic(const char *path, json_t *j, char *err, size_t n)
{
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    if (!s) { snprintf(err, n, "could not serialise the JSON for '%s'", path); return -ENOMEM; }
    size_t len = strlen(s);
    char *withnl = realloc(s, len + 2);
    if (!withnl) { free(s); return -ENOMEM; }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = write_file_atomic(path, withnl, len + 1, err, n);
    free(withnl);
    return rc;
}

int write_result_json(const char *path, const struct run_result *r, char *err, size_t n)
{
    json_t *j = result_json(r);
    if (!j) { snprintf(err, n, "could not build the JSON result"); return -ENOMEM; }
    int rc = write_json_atomic(path, j, err, n);
    json_decref(j);
    return rc;
}

int progress_enabled(void)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(STDERR_FILENO) && !getenv("CI");
    return tty;
}

void progress(size_t done, size_t total, const char *what, double elapsed_s)
{
    if (!progress_enabled()) return;
    double eta = done ? elapsed_s / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s  elapsed %.0fs", done, total, what, elapsed_s);
    if (done) fprintf(stderr, "  ETA %.0fs", eta);
    fflush(stderr);
}

void progress_done(void)
{
    if (progress_enabled()) fputs("\r\033[K", stderr);
}
