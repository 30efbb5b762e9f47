/* History series: the trials a filter selects, grouped into series (one
 * metric of one cell under one key) and points (runs), oldest first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_db.h"

/* Every trial the filter selects, series by series, run by run. */
static const char history_select[] =
    "SELECT r.machine_id, m.cpu_model || ', ' || m.cores || ' cores/' || m.pus || ' PUs, ' ||"
    " CASE WHEN m.memory_gib > 0 THEN m.memory_gib || ' GiB' ELSE 'memory unknown' END || ', ' || "
    "m.arch, r.experiment, r.family, r.runner, r.params,"
    " c.workload, c.impl, c.threads, t.metric, coalesce(mt.better, 0), r.id, r.date,"
    " r.build_commit || CASE WHEN r.build_dirty THEN '-dirty' ELSE '' END, r.kernel,"
    " r.compiler, t.value"
    " FROM trial t JOIN cell c ON c.id = t.cell_id JOIN run r ON r.id = c.run_id"
    " JOIN machine m ON m.id = r.machine_id LEFT JOIN metric mt ON mt.name = t.metric"
    " WHERE (?1 IS NULL OR instr(',' || ?1 || ',', ',' || c.impl || ',') > 0)"
    " AND (?2 IS NULL OR r.family = ?2)"
    " AND (?3 IS NULL OR CAST(m.id AS TEXT) = ?3 OR r.host = ?3"
    "      OR instr(lower(m.cpu_model || ' ' || m.arch), lower(?3)) > 0)"
    " AND (?4 IS NULL OR r.date >= ?4)"
    " AND instr(',' || coalesce(?5, 'ops_per_s') || ',', ',' || t.metric || ',') > 0"
    " AND (?6 IS NULL OR instr(',' || ?6 || ',', ',' || c.threads || ',') > 0)"
    " ORDER BY r.machine_id, r.experiment, r.family, r.runner, r.params, c.workload, c.impl,"
    " c.threads, t.metric, r.date, r.id, t.idx";

/* Each value of a comma list that no stored row has: "unknown" filters. */
static int history_check_list(struct res_hist *h, const char *list, const char *what,
                              const char *sql, char *err, size_t n)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        long long v;
        int rc = res_hist_int(h, sql, item, &v, err, n);
        if (rc) return rc;
        if (v <= 0) {
            snprintf(err, n, "%s: no stored run has %s '%s'", h->path, what, item);
            return -ENOENT;
        }
    }
    return 0;
}

static int history_check_filter(struct res_hist *h, const struct res_hist_filter *f, char *err,
                                size_t n)
{
    if (f->since && (strlen(f->since) < 10 || f->since[4] != '-' || f->since[7] != '-')) {
        snprintf(err, n, "--since: '%.40s' is not a date (YYYY-MM-DD[THH:MM:SSZ])", f->since);
        return -EINVAL;
    }
    int rc = history_check_list(h, f->impl, "implementation",
                                "SELECT count(*) FROM cell WHERE impl=?", err, n);
    if (!rc)
        rc = history_check_list(h, f->family, "family", "SELECT count(*) FROM run WHERE family=?",
                                err, n);
    if (!rc)
        rc = history_check_list(h, f->metric, "metric", "SELECT count(*) FROM metric WHERE name=?",
                                err, n);
    if (!rc)
        rc = history_check_list(h, f->threads, "thread count",
                                "SELECT count(*) FROM cell WHERE CAST(threads AS TEXT)=?", err, n);
    if (!rc && f->machine) {
        long long v;
        rc = res_hist_int(h,
                          "SELECT count(*) FROM machine m WHERE CAST(m.id AS TEXT) = ?1 OR "
                          "instr(lower(m.cpu_model || ' ' || m.arch), lower(?1)) > 0 OR EXISTS "
                          "(SELECT 1 FROM run r WHERE r.machine_id = m.id AND r.host = ?1)",
                          f->machine, &v, err, n);
        if (!rc && v <= 0) {
            snprintf(err, n, "%s: no stored machine matches '%s'", h->path, f->machine);
            rc = -ENOENT;
        }
    }
    return rc;
}

static char *history_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

/* Does the row continue series s (same key columns 0..10)? */
static int history_same_series(sqlite3_stmt *st, const struct res_hist_series *s)
{
    const char *k[] = { s->experiment, s->family, s->runner, s->params, s->workload, s->impl };
    if (sqlite3_column_int64(st, 0) != s->machine) return 0;
    for (int i = 0; i < 6; i++) {
        const unsigned char *t = sqlite3_column_text(st, i + 2);
        if (strcmp(t ? (const char *)t : "", k[i])) return 0;
    }
    const unsigned char *m = sqlite3_column_text(st, 9);
    return (unsigned)sqlite3_column_int(st, 8) == s->threads && m
        && !strcmp((const char *)m, s->metric);
}

static int history_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap * 2 : 8;
    while (c < need) c *= 2;
    void *g = realloc(*p, c * size);
    if (!g) return -ENOMEM;
    memset((char *)g + *cap * size, 0, (c - *cap) * size);
    *p = g;
    *cap = c;
    return 0;
}

/* Appends the row's value to the last point of the last series, starting
   a new series or point when the row does. */
static int history_take_row(sqlite3_stmt *st, struct res_hist_series **out, size_t *n, size_t *cap)
{
    struct res_hist_series *s = *n ? &(*out)[*n - 1] : NULL;
    if (!s || !history_same_series(st, s)) {
        if (history_grow((void **)out, cap, *n + 1, sizeof **out)) return -ENOMEM;
        s = &(*out)[(*n)++];
        s->machine = sqlite3_column_int64(st, 0);
        s->machine_label = history_col(st, 1);
        s->experiment = history_col(st, 2);
        s->family = history_col(st, 3);
        s->runner = history_col(st, 4);
        s->params = history_col(st, 5);
        s->workload = history_col(st, 6);
        s->impl = history_col(st, 7);
        s->threads = (unsigned)sqlite3_column_int(st, 8);
        s->metric = history_col(st, 9);
        s->better = sqlite3_column_int(st, 10);
    }
    long long run = sqlite3_column_int64(st, 11);
    struct res_hist_point *p = s->npts ? &s->pts[s->npts - 1] : NULL;
    if (!p || p->run != run) {
        size_t pcap = s->npts; /* points grow one by one; keep it simple */
        struct res_hist_point *g = realloc(s->pts, (pcap + 1) * sizeof *g);
        if (!g) return -ENOMEM;
        s->pts = g;
        p = &s->pts[s->npts++];
        memset(p, 0, sizeof *p);
        p->run = run;
        snprintf(p->date, sizeof p->date, "%s", (const char *)sqlite3_column_text(st, 12));
        snprintf(p->commit, sizeof p->commit, "%s", (const char *)sqlite3_column_text(st, 13));
        p->kernel = history_col(st, 14);
        p->compiler = history_col(st, 15);
    }
    double *v = realloc(p->v, (p->n + 1) * sizeof *v);
    if (!v) return -ENOMEM;
    p->v = v;
    p->v[p->n++] = sqlite3_column_double(st, 16);
    return 0;
}

int res_hist_series(struct res_hist *h, const struct res_hist_filter *f,
                    struct res_hist_series **out, size_t *n, char *err, size_t en)
{
    *out = NULL;
    *n = 0;
    int rc = history_check_filter(h, f, err, en);
    if (rc) return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, history_select, -1, &st, NULL) != SQLITE_OK)
        return res_hist_fail(h, err, en);
    const char *args[] = { f->impl, f->family, f->machine, f->since, f->metric, f->threads };
    for (int i = 0; i < 6; i++) sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    size_t cap = 0;
    int s;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) rc = history_take_row(st, out, n, &cap);
    if (!rc && s != SQLITE_DONE) rc = res_hist_fail(h, err, en);
    if (rc == -ENOMEM) snprintf(err, en, "out of memory");
    sqlite3_finalize(st);
    if (!rc && !*n) {
        snprintf(err, en, "%s: no stored series matches these filters", h->path);
        rc = -ENOENT;
    }
    if (rc) {
        res_hist_series_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void res_hist_series_free(struct res_hist_series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < s[i].npts; p++) {
            free(s[i].pts[p].kernel);
            free(s[i].pts[p].compiler);
            free(s[i].pts[p].v);
        }
        free(s[i].pts);
        char *strs[] = { s[i].machine_label, s[i].experiment, s[i].family, s[i].runner,
                         s[i].params,        s[i].workload,   s[i].impl,   s[i].metric };
        for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) free(strs[k]);
    }
    free(s);
}

void res_hist_series_name(const struct res_hist_series *s, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s%s%s threads=%u %s", s->family, s->impl, *s->workload ? "/" : "",
             s->workload, s->threads, s->metric);
}
