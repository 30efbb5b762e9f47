/* libFuzzer target: what compare and export write from hostile result files,
 * with an oracle. The input is two result files (base, then new) split at
 * the first NUL byte (none: the same file twice). Whatever they hold, when
 * both are read: compare's JSON is valid and has every row it matched (none
 * dropped), its CSV has one record per row, each as wide as the header;
 * export's gbench-json is valid with every trial and aggregate, and its
 * CSVs are rectangular. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "export.h"
#include "results.h"

/* What fn printed on stdout (NUL-terminated, malloc'ed): stdout is a
   memory stream meanwhile (libFuzzer may close descriptor 1). */
static char *fuzz_capture(int (*fn)(const void *), const void *arg, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *saved = stdout;
    if (!(stdout = open_memstream(&buf, &len))) abort();
    *rc = fn(arg);
    fclose(stdout);
    stdout = saved;
    return buf;
}

/* Records of an RFC 4180 text; abort unless each is as wide as the first. */
static size_t fuzz_csv_records(const char *s)
{
    size_t records = 0, fields = 1, header = 0;
    int quoted = 0;
    for (; *s; s++) {
        if (*s == '"') quoted = !quoted;
        if (quoted) continue;
        if (*s == ',') fields++;
        if (*s == '\n') {
            if (!records++) header = fields;
            if (fields != header) abort();
            fields = 1;
        }
    }
    if (quoted) abort();
    return records;
}

struct fuzz_export {
    const struct rf_result *r;
    const char *format;
};

static int fuzz_do_export(const void *arg)
{
    const struct fuzz_export *x = arg;
    char err[ERRLEN];
    return rep_export(x->r, x->format, NULL, err, sizeof err);
}

static int fuzz_do_compare(const void *arg)
{
    rep_compare_print(stdout, arg);
    return 0;
}

static void fuzz_exports(const struct rf_result *r)
{
    size_t want = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        size_t t = json_array_size(json_object_get(r->cells[i].json, "trials"));
        want += t + (t > 1 ? 3 : 0); /* every trial, then mean, median, stddev */
    }
    json_t *g = rep_export_gbench(r);
    char *s = g ? json_dumps(g, 0) : NULL;
    json_t *back = s ? json_loads(s, 0, NULL) : NULL;
    if (!back || json_array_size(json_object_get(back, "benchmarks")) != want) abort();
    json_decref(back);
    free(s);
    json_decref(g);
    static const char *const csv[] = { "csv", "csv-summary" };
    for (int k = 0; k < 2; k++) {
        struct fuzz_export x = { r, csv[k] };
        int rc;
        char *out = fuzz_capture(fuzz_do_export, &x, &rc);
        if (rc) abort();
        fuzz_csv_records(out);
        free(out);
    }
    struct fuzz_export x = { r, "gobench" };
    int rc;
    free(fuzz_capture(fuzz_do_export, &x, &rc));
}

static void fuzz_compare(const struct rf_result *b, const struct rf_result *n)
{
    struct cmp c;
    char err[ERRLEN];
    rep_cmp_init(&c, "base", b, "new", n);
    if (rep_compare_rows(&c, err, sizeof err) == 0) {
        rep_compare_warnings(&c);
        c.format = "json";
        int rc;
        char *out = fuzz_capture(fuzz_do_compare, &c, &rc);
        json_t *j = json_loads(out, 0, NULL);
        if (!j || json_array_size(json_object_get(j, "rows")) != c.nrows) abort();
        json_decref(j);
        free(out);
        c.format = "csv";
        out = fuzz_capture(fuzz_do_compare, &c, &rc);
        if (fuzz_csv_records(out) != c.nrows + 1) abort();
        free(out);
    }
    rep_cmp_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    const char *text = (const char *)data, *nul = memchr(text, '\0', size);
    size_t lb = nul ? (size_t)(nul - text) : size;
    struct rf_result b, n;
    char err[ERRLEN];
    if (res_parse(text, lb, "base", &b, err, sizeof err)) return 0;
    if (res_parse(nul ? nul + 1 : text, nul ? size - lb - 1 : size, "new", &n, err, sizeof err)) {
        res_free(&b);
        return 0;
    }
    fuzz_exports(&b);
    fuzz_compare(&b, &n);
    res_free(&b);
    res_free(&n);
    return 0;
}
