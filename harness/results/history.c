/* The history: result files stored in SQLite, every trial kept, keyed by
 * the build's commit, the machine, the experiment and the cell
 * (history.h, docs/history.md). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "history_db.h"
#include "merge.h"
#include "results.h"

static const char history_schema[] =
    "CREATE TABLE contend_history(version INTEGER NOT NULL);"
    "CREATE TABLE machine(id INTEGER PRIMARY KEY, cpu_model TEXT NOT NULL, cores INTEGER NOT "
    "NULL, pus INTEGER NOT NULL, memory_gib INTEGER NOT NULL, arch TEXT NOT NULL,"
    " UNIQUE(cpu_model, cores, pus, memory_gib, arch));"
    "CREATE TABLE run(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"
    " machine_id INTEGER NOT NULL REFERENCES machine(id), build_commit TEXT NOT NULL,"
    " build_dirty INTEGER NOT NULL, source_commit TEXT, date TEXT NOT NULL, host TEXT,"
    " kernel TEXT, compiler TEXT, cflags TEXT, experiment TEXT NOT NULL, family TEXT NOT NULL,"
    " runner TEXT NOT NULL, params TEXT NOT NULL, file TEXT, context TEXT NOT NULL,"
    " config TEXT);"
    "CREATE TABLE cell(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES run(id),"
    " impl TEXT NOT NULL, threads INTEGER NOT NULL, workload TEXT NOT NULL, verdict TEXT,"
    " UNIQUE(run_id, impl, threads, workload));"
    "CREATE TABLE trial(cell_id INTEGER NOT NULL REFERENCES cell(id), metric TEXT NOT NULL,"
    " idx INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(cell_id, metric, idx))"
    " WITHOUT ROWID;"
    "CREATE TABLE metric(name TEXT PRIMARY KEY, unit TEXT, better INTEGER NOT NULL);"
    "CREATE INDEX run_key ON run(machine_id, family, experiment, runner, params, date);"
    "INSERT INTO contend_history VALUES(1);";

static const char *const history_tables[] = { "contend_history", "machine", "run", "cell",
                                              "trial",           "metric",  NULL };

int res_hist_fail(const struct res_hist *h, char *err, size_t n)
{
    snprintf(err, n, "%s: %s", h->path, sqlite3_errmsg(h->db));
    return -EINVAL;
}

static int history_exec(struct res_hist *h, const char *sql, char *err, size_t n)
{
    return sqlite3_exec(h->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : res_hist_fail(h, err, n);
}

/* The first column of the first row of sql as an integer (-1: no row). */
int res_hist_int(struct res_hist *h, const char *sql, const char *arg, long long *v, char *err,
                 size_t n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return res_hist_fail(h, err, n);
    if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : res_hist_fail(h, err, n);
}

/* Creates the schema in an empty database, or checks an existing one. */
static int history_check(struct res_hist *h, int create, char *err, size_t n)
{
    long long ntables, v;
    int rc = res_hist_int(h, "SELECT count(*) FROM sqlite_master", NULL, &ntables, err, n);
    if (rc) return rc;
    if (ntables == 0 && create)
        return history_exec(h, "BEGIN IMMEDIATE", err, n) || history_exec(h, history_schema, err, n)
                || history_exec(h, "COMMIT", err, n)
            ? -EINVAL
            : 0;
    for (const char *const *t = history_tables; *t; t++) {
        rc = res_hist_int(h, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", *t,
                          &v, err, n);
        if (!rc && v != 1) {
            snprintf(err, n, "%s: not a contend history (no table '%s')", h->path, *t);
            rc = -EINVAL;
        }
        if (rc) return rc;
    }
    if ((rc = res_hist_int(h, "SELECT max(version) FROM contend_history", NULL, &v, err, n)))
        return rc;
    if (v != RES_HIST_SCHEMA) {
        snprintf(err, n, "%s: history schema version %lld; this contend reads version %d", h->path,
                 v, RES_HIST_SCHEMA);
        return -EINVAL;
    }
    return 0;
}

int res_hist_open(const char *path, int create, struct res_hist **out, char *err, size_t n)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (!create) {
            snprintf(err, n, "no history at '%s' (`contend history add` creates it)", path);
            return -ENOENT;
        }
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            int rc = res_make_dirs(dir, err, n);
            if (rc) return rc;
        }
    } else if (!S_ISREG(sb.st_mode)) {
        snprintf(err, n, "'%s' is not a file", path);
        return -EINVAL;
    }
    struct res_hist *h = calloc(1, sizeof *h);
    if (!h) return -ENOMEM;
    h->path = path;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &h->db, flags, NULL) == SQLITE_OK ? 0 : -EINVAL;
    if (rc)
        snprintf(err, n, "%s: %s", path, h->db ? sqlite3_errmsg(h->db) : "cannot open");
    else {
        sqlite3_busy_timeout(h->db, 10000); /* shards adding at once */
        rc = history_check(h, create, err, n);
    }
    if (!rc) rc = history_exec(h, "PRAGMA foreign_keys=ON", err, n);
    if (rc) {
        res_hist_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

void res_hist_close(struct res_hist *h)
{
    if (!h) return;
    sqlite3_close(h->db);
    free(h);
}

/* ---------------- adding ------------------------------------------------- */

static const char *history_str(const json_t *o, const char *key, const char *def)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

static char *history_canonical(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
}

/* What a run is keyed by, from its context and config. */
struct history_key {
    char commit[64], arch[64], experiment[64], fingerprint[17];
    int dirty;
    long long gib;
    char *params; /* owned */
};

static void history_key_of(const struct rf_result *r, struct history_key *k)
{
    const json_t *ctx = r->context;
    const char *bc = history_str(ctx, "build_commit", NULL);
    const char *c = history_str(ctx, "commit", "unknown");
    snprintf(k->commit, sizeof k->commit, "%s", bc ? bc : c);
    if (!bc) /* before build_commit: the run-time commit, its suffixes off */
        k->commit[strcspn(k->commit, "-")] = '\0';
    const json_t *bd = json_object_get(ctx, "build_dirty");
    k->dirty = json_is_boolean(bd) ? json_is_true(bd) : strstr(c, "-dirty") != NULL;
    const char *kernel = history_str(ctx, "kernel", ""), *sp = strrchr(kernel, ' ');
    snprintf(k->arch, sizeof k->arch, "%s", sp ? sp + 1 : "");
    const json_t *mem = json_object_get(ctx, "memory_bytes");
    k->gib = json_is_integer(mem) ? llround((double)json_integer_value(mem) / (1 << 30)) : 0;
    const json_t *argv = json_object_get(ctx, "argv");
    const char *cmd = json_string_value(json_array_get(argv, 1));
    const char *name = json_string_value(json_array_get(argv, 2));
    const char *exp = history_str(r->config, "experiment", NULL);
    if (!exp) exp = cmd && name && !strcmp(cmd, "reproduce") ? name : "run";
    const char *base = strrchr(exp, '/');
    snprintf(k->experiment, sizeof k->experiment, "%s", base ? base + 1 : exp);
    if (strstr(k->experiment, ".ini")) *strstr(k->experiment, ".ini") = '\0';
    /* parameters: the config without what does not change the quantity */
    json_t *p = r->config ? json_deep_copy(r->config) : json_object();
    for (const char *const *d = (const char *const[]){ "seed", "reps", "shard", "family", "runner",
                                                       "experiment", NULL };
         *d; d++)
        json_object_del(p, *d);
    k->params = history_canonical(p);
    json_decref(p);
    /* the run's identity: its context and config (a shard file and the same
       part of a merged file are the same run) */
    char *a = history_canonical(ctx), *b = history_canonical(r->config);
    uint64_t hsh = 1469598103934665603ULL;
    for (const char *s = a ? a : ""; *s; s++) hsh = (hsh ^ (unsigned char)*s) * 1099511628211ULL;
    for (const char *s = b ? b : ""; *s; s++) hsh = (hsh ^ (unsigned char)*s) * 1099511628211ULL;
    snprintf(k->fingerprint, sizeof k->fingerprint, "%016llx", (unsigned long long)hsh);
    free(a);
    free(b);
}

/* Binds values (text, or integers given as "#%lld" strings) and steps once;
   *id is the row id of an insert. */
static int history_run_sql(struct res_hist *h, const char *sql, const char *const *txt, size_t nt,
                           long long *id, char *err, size_t n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return res_hist_fail(h, err, n);
    for (size_t i = 0; i < nt; i++) sqlite3_bind_text(st, (int)i + 1, txt[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (id) *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : sqlite3_last_insert_rowid(h->db);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : res_hist_fail(h, err, n);
}

static int history_add_cells(struct res_hist *h, const struct rf_result *r, long long run,
                             struct res_hist_added *a, char *err, size_t n)
{
    sqlite3_stmt *tr = NULL;
    int rc = sqlite3_prepare_v2(h->db, "INSERT INTO trial VALUES(?,?,?,?)", -1, &tr, NULL);
    if (rc != SQLITE_OK) return res_hist_fail(h, err, n);
    rc = 0;
    for (size_t i = 0; !rc && i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        char srun[32], sthr[32];
        snprintf(srun, sizeof srun, "%lld", run);
        snprintf(sthr, sizeof sthr, "%u", c->threads);
        const char *v[] = { srun, c->impl, sthr, c->workload, c->verdict };
        long long cell;
        rc = history_run_sql(h,
                             "INSERT INTO cell(run_id, impl, threads, workload, verdict) "
                             "VALUES(?,?,?,?,?)",
                             v, 5, &cell, err, n);
        a->cells += !rc;
        for (size_t m = 0; !rc && m < c->nmetrics; m++) {
            const struct rf_metric *mt = &c->metrics[m];
            char better[8];
            snprintf(better, sizeof better, "%d", (int)mt->dir);
            const char *mv[] = { mt->name, res_metric_unit(r, mt->name), better };
            rc = history_run_sql(h, "INSERT OR IGNORE INTO metric VALUES(?,?,?)", mv, 3, NULL, err,
                                 n);
            for (size_t t = 0; !rc && t < mt->n; t++) {
                sqlite3_reset(tr);
                sqlite3_bind_int64(tr, 1, cell);
                sqlite3_bind_text(tr, 2, mt->name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(tr, 3, (long long)t);
                sqlite3_bind_double(tr, 4, mt->v[t]);
                rc = sqlite3_step(tr) == SQLITE_DONE ? 0 : res_hist_fail(h, err, n);
                a->trials += !rc;
            }
        }
    }
    sqlite3_finalize(tr);
    return rc;
}

struct history_add_ctx {
    struct res_hist *h;
    const char *file;
    struct res_hist_added *a;
    char *err;
    size_t n;
};

static int history_add_part(void *arg, const struct rf_result *r)
{
    struct history_add_ctx *x = arg;
    struct res_hist *h = x->h;
    if (!r->context) {
        snprintf(x->err, x->n, "%s: a run without a context cannot be keyed", x->file);
        return -EINVAL;
    }
    struct history_key k;
    history_key_of(r, &k);
    long long have;
    int rc = res_hist_int(h, "SELECT id FROM run WHERE fingerprint=?", k.fingerprint, &have, x->err,
                          x->n);
    if (rc || have >= 0) {
        x->a->already += !rc;
        free(k.params);
        return rc;
    }
    const json_t *topo = json_object_get(r->context, "topology");
    char cores[32], pus[32], gib[32], dirty[4], machine[32];
    snprintf(cores, sizeof cores, "%lld",
             (long long)json_integer_value(json_object_get(topo, "cores")));
    snprintf(pus, sizeof pus, "%lld", (long long)json_integer_value(json_object_get(topo, "pus")));
    snprintf(gib, sizeof gib, "%lld", k.gib);
    snprintf(dirty, sizeof dirty, "%d", k.dirty);
    const char *mk[] = { history_str(topo, "cpu_model", "unknown CPU"), cores, pus, gib, k.arch };
    long long mid = 0, run = 0;
    rc = history_run_sql(h,
                         "INSERT OR IGNORE INTO machine(cpu_model, cores, pus, memory_gib, arch)"
                         " VALUES(?,?,?,?,?)",
                         mk, 5, NULL, x->err, x->n);
    if (!rc)
        rc = history_run_sql(h,
                             "SELECT id FROM machine WHERE cpu_model=? AND cores=? AND pus=? "
                             "AND memory_gib=? AND arch=?",
                             mk, 5, &mid, x->err, x->n);
    snprintf(machine, sizeof machine, "%lld", mid);
    char *ctx = history_canonical(r->context), *cfg = history_canonical(r->config);
    const char *fam = history_str(r->config, "family", r->ncells ? r->cells[0].family : "");
    const char *rv[] = { k.fingerprint,
                         machine,
                         k.commit,
                         dirty,
                         history_str(r->context, "commit", NULL),
                         history_str(r->context, "date", ""),
                         history_str(r->context, "host", NULL),
                         history_str(r->context, "kernel", NULL),
                         history_str(r->context, "compiler", NULL),
                         history_str(r->context, "cflags", NULL),
                         k.experiment,
                         fam,
                         history_str(r->config, "runner", "threads"),
                         k.params,
                         x->file,
                         ctx ? ctx : "{}",
                         cfg };
    if (!rc)
        rc = history_run_sql(h,
                             "INSERT INTO run(fingerprint, machine_id, build_commit, build_dirty, "
                             "source_commit, date, host, kernel, compiler, cflags, experiment, "
                             "family, runner, params, file, context, config) "
                             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             rv, 17, &run, x->err, x->n);
    free(ctx);
    free(cfg);
    free(k.params);
    if (!rc) rc = history_add_cells(h, r, run, x->a, x->err, x->n);
    x->a->runs += !rc;
    return rc;
}

int res_hist_add(struct res_hist *h, const struct rf_result *r, const char *file,
                 struct res_hist_added *a, char *err, size_t n)
{
    struct history_add_ctx x = { h, file, a, err, n };
    int rc = history_exec(h, "BEGIN IMMEDIATE", err, n);
    if (!rc) rc = res_merge_foreach_part(r, history_add_part, &x, err, n);
    if (!rc) return history_exec(h, "COMMIT", err, n);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
