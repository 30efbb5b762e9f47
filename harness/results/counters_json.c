/* Counters in the result file: the run-level "counters" section (each
 * event's status and reason, recorded once), per-trial and per-cell values
 * (JSON null where not counted, never 0). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

static json_t *counters_json_num(double v) { return isnan(v) ? json_null() : json_real(v); }

json_t *res_ctr_spec_json(const struct ctr_spec *s)
{
    char pmus[512];
    run_ctr_pmus(pmus, sizeof pmus);
    json_t *events = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct ctr_event *e = &s->ev[i];
        json_array_append_new(
            events,
            json_pack("{s:s, s:s, s:b, s:b, s:o, s:o}", "name", e->name, "key", e->key, "perf",
                      e->perf_ok, "user_only", e->user_only, "fallback",
                      e->ru ? json_string("getrusage(RUSAGE_THREAD)") : json_null(), "reason",
                      e->reason[0] ? json_string(e->reason) : json_null()));
    }
    json_t *j =
        json_pack("{s:b, s:s, s:i, s:b, s:s, s:o}", "enabled", s->enabled, "pmus", pmus,
                  "perf_event_paranoid", run_ctr_paranoid(), "pmu_usable", run_ctr_have_pmu(),
                  "normalised", "per op, summed over the worker threads", "events", events);
    if (s->off_reason[0]) json_object_set_new(j, "reason", json_string(s->off_reason));
    return j;
}

json_t *res_ctr_trial_json(const struct ctr_result *r)
{
    if (!r->n) return NULL;
    json_t *per_op = json_object(), *total = json_object(), *src = json_object();
    json_t *notes = json_object(), *mux = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const char *k = r->spec->ev[i].key;
        json_object_set_new(per_op, k, counters_json_num(r->per_op[i]));
        json_object_set_new(total, k, counters_json_num(r->total[i]));
        json_object_set_new(src, k, json_string(run_ctr_src_name((enum ctr_src)r->src[i])));
        if (r->note[i][0]) json_object_set_new(notes, k, json_string(r->note[i]));
        if (r->multiplexed[i]) json_array_append_new(mux, json_string(k));
    }
    json_t *j = json_pack("{s:o, s:o, s:o}", "per_op", per_op, "total", total, "source", src);
    if (json_object_size(notes))
        json_object_set_new(j, "notes", notes);
    else
        json_decref(notes);
    if (json_array_size(mux))
        json_object_set_new(j, "multiplexed", mux);
    else
        json_decref(mux);
    return j;
}

static const struct ctr_spec *counters_json_spec(const struct cell *c)
{
    return c->ntrials && c->trials[0].counters.n ? c->trials[0].counters.spec : NULL;
}

json_t *res_ctr_cell_json(const struct cell *c)
{
    const struct ctr_spec *s = counters_json_spec(c);
    if (!s) return NULL;
    json_t *j = json_object();
    for (size_t i = 0; i < s->n; i++)
        json_object_set_new(j, s->ev[i].key, counters_json_num(run_cell_ctr_median(c, i, 0)));
    return json_pack("{s:o}", "per_op_median", j);
}
