/* Counters in the results: the run-level "counters" section (each event's
 * status and reason, recorded once), per-trial and per-cell values (JSON
 * null where not counted), and the counters table (n/a where not counted). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

json_t *ctr_spec_json(const struct ctr_spec *s)
{
    char pmus[512];
    ctr_pmus(pmus, sizeof pmus);
    json_t *events = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct ctr_event *e = &s->ev[i];
        json_array_append_new(events, json_pack("{s:s, s:s, s:b, s:b, s:o, s:o}",
            "name", e->name, "key", e->key, "perf", e->perf_ok, "user_only", e->user_only,
            "fallback", e->ru ? json_string("getrusage(RUSAGE_THREAD)") : json_null(),
            "reason", e->reason[0] ? json_string(e->reason) : json_null()));
    }
    json_t *j = json_pack("{s:b, s:s, s:i, s:b, s:s, s:o}", "enabled", s->enabled,
                          "pmus", pmus, "perf_event_paranoid", ctr_paranoid(),
                          "pmu_usable", ctr_have_pmu(),
                          "normalised", "per op, summed over the worker threads",
                          "events", events);
    if (s->off_reason[0]) json_object_set_new(j, "reason", json_string(s->off_reason));
    return j;
}

json_t *ctr_trial_json(const struct ctr_result *r)
{
    if (!r->n) return NULL;
    json_t *per_op = json_object(), *total = json_object(), *src = json_object();
    json_t *notes = json_object(), *mux = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const char *k = r->spec->ev[i].key;
        json_object_set_new(per_op, k, num_or_null(r->per_op[i]));
        json_object_set_new(total, k, num_or_null(r->total[i]));
        json_object_set_new(src, k, json_string(ctr_src_name((enum ctr_src)r->src[i])));
        if (r->note[i][0]) json_object_set_new(notes, k, json_string(r->note[i]));
        if (r->multiplexed[i]) json_array_append_new(mux, json_string(k));
    }
    json_t *j = json_pack("{s:o, s:o, s:o}", "per_op", per_op, "total", total, "source", src);
    if (json_object_size(notes)) json_object_set_new(j, "notes", notes);
    else json_decref(notes);
    if (json_array_size(mux)) json_object_set_new(j, "multiplexed", mux);
    else json_decref(mux);
    return j;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over the trials that counted event i (per op, or total); NaN if none. */
static double cell_median(const struct cell *c, size_t i, int total)
{
    double v[64], *buf = c->ntrials > 64 ? malloc(sizeof *buf * c->ntrials) : v;
    if (!buf) return NAN;
    size_t m = 0;
    for (size_t k = 0; k < c->ntrials; k++) {
        const struct ctr_result *r = &c->trials[k].counters;
        double x = i < r->n ? (total ? r->total[i] : r->per_op[i]) : NAN;
        if (!isnan(x)) buf[m++] = x;
    }
    double med = NAN;
    if (m) {
        qsort(buf, m, sizeof *buf, cmp_double);
        med = m % 2 ? buf[m / 2] : (buf[m / 2 - 1] + buf[m / 2]) / 2;
    }
    if (buf != v) free(buf);
    return med;
}

static const struct ctr_spec *cell_spec(const struct cell *c)
{
    return c->ntrials && c->trials[0].counters.n ? c->trials[0].counters.spec : NULL;
}

json_t *ctr_cell_json(const struct cell *c)
{
    const struct ctr_spec *s = cell_spec(c);
    if (!s) return NULL;
    json_t *j = json_object();
    for (size_t i = 0; i < s->n; i++)
        json_object_set_new(j, s->ev[i].key, num_or_null(cell_median(c, i, 0)));
    return json_pack("{s:o}", "per_op_median", j);
}

/* The run-level note on event e for the table's footer; 0 if none. */
static int footer_line(const struct ctr_event *e, char *buf, size_t n)
{
    if (!e->reason[0] && !e->force_rusage) return 0;
    int perf = e->perf_ok && !e->force_rusage;
    snprintf(buf, n, "%s%s", perf ? "" : e->ru ? "from getrusage; perf: " : "n/a: ",
             e->reason[0] ? e->reason : "skipped (getrusage forced)");
    return 1;
}

void ctr_print_table(FILE *f, const struct run_result *r)
{
    const struct ctr_spec *s = &r->opts->counters;
    if (s->off_reason[0]) fprintf(f, "\ncounters off: %s\n", s->off_reason);
    if (!s->enabled || !s->n) return;
    fprintf(f, "\n%-18s %8s", "counters", "threads");
    for (size_t i = 0; i < s->n; i++) fprintf(f, " %10s", s->ev[i].col);
    fputc('\n', f);
    for (size_t c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        char name[64];
        snprintf(name, sizeof name, "%s/%s", cl->impl->family, cl->impl->name);
        fprintf(f, "%-18s %8u", name, cl->threads);
        for (size_t i = 0; i < s->n; i++) {
            int is_time = ctr_event_is_time(&s->ev[i]);
            double v = cell_median(cl, i, is_time);
            if (isnan(v)) fprintf(f, " %10s", "n/a");
            else if (is_time) fprintf(f, " %10.1f", v / 1e6);
            else fprintf(f, " %10.4g", v);
        }
        fputc('\n', f);
    }
    fprintf(f, "median over the reps, per op, summed over the worker threads "
               "(task-ms: total CPU ms)\n");
    /* Each run-level reason once; events that share one share the line. */
    for (size_t i = 0; i < s->n; i++) {
        char what[CTR_REASONLEN + 32], cols[160] = "";
        if (!footer_line(&s->ev[i], what, sizeof what)) continue;
        int seen = 0;
        for (size_t j = 0; j < s->n; j++) {
            char other[CTR_REASONLEN + 32];
            if (!footer_line(&s->ev[j], other, sizeof other) || strcmp(what, other)) continue;
            if (j < i) { seen = 1; break; }
            size_t len = strlen(cols);
            snprintf(cols + len, sizeof cols - len, "%s%s", len ? ", " : "", s->ev[j].col);
        }
        if (!seen) fprintf(f, "  %s: %s\n", cols, what);
    }
    /* Trial-specific reasons (fd budget, per-thread failures): once per cell and event. */
    for (size_t c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        for (size_t i = 0; i < s->n; i++)
            for (size_t k = 0; k < cl->ntrials; k++) {
                const struct ctr_result *t = &cl->trials[k].counters;
                if (i >= t->n || !t->note[i][0] || s->ev[i].force_rusage) continue;
                fprintf(f, "  %s/%s threads=%u %s: %s\n", cl->impl->family, cl->impl->name,
                        cl->threads, s->ev[i].col, t->note[i]);
                break;
            }
    }
}
