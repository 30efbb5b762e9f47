/* The engine: runs every cell of a run, --reps trials each. For each thread
 * count, round r runs one trial of every implementation, in an order
 * shuffled per round from the seed, so slow drift on a noisy machine is
 * spread over all implementations instead of landing on one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "common/util.h"

static void shuffle(size_t *a, size_t n, uint64_t *state)
{
    for (size_t i = n; i > 1; i--) {
        *state += 0x9e3779b97f4a7c15ULL;
        size_t j = (size_t)(lab_mix64(*state) % i);
        size_t t = a[i - 1]; a[i - 1] = a[j]; a[j] = t;
    }
}

void run_result_free(struct run_result *r)
{
    for (size_t i = 0; i < r->ncells; i++) free(r->cells[i].trials);
    free(r->cells);
    r->cells = NULL;
    r->ncells = 0;
}

static void finish_cell(struct cell *c)
{
    double *v = malloc(sizeof *v * (c->ntrials ? c->ntrials : 1));
    if (!v) return;
    for (size_t k = 0; k < c->ntrials; k++) v[k] = c->trials[k].ops_per_s;
    summarize(v, c->ntrials, &c->ops_per_s);
    for (size_t k = 0; k < c->ntrials; k++) v[k] = c->trials[k].ns_per_op;
    summarize(v, c->ntrials, &c->ns_per_op);
    for (size_t k = 0; k < c->ntrials; k++) v[k] = c->trials[k].jain;
    summarize(v, c->ntrials, &c->jain);
    free(v);
    store_cell_finish(c);
    c->verdict = VERDICT_NA;
    for (size_t k = 0; k < c->ntrials; k++) {
        if (c->trials[k].verdict == VERDICT_FAIL) { c->verdict = VERDICT_FAIL; break; }
        if (c->trials[k].verdict == VERDICT_OK) c->verdict = VERDICT_OK;
    }
}

int engine_run(const struct run_opts *o, struct run_result *r, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->opts = o;
    r->ncells = o->nthreads * o->nimpls;
    r->cells = calloc(r->ncells, sizeof *r->cells);
    if (!r->cells) { snprintf(err, n, "out of memory"); return -ENOMEM; }
    for (size_t t = 0; t < o->nthreads; t++)
        for (size_t i = 0; i < o->nimpls; i++) {
            struct cell *c = &r->cells[t * o->nimpls + i];
            c->impl = o->impls[i];
            c->threads = o->threads[t];
            c->trials = calloc(o->reps, sizeof *c->trials);
            if (!c->trials) { run_result_free(r); snprintf(err, n, "out of memory"); return -ENOMEM; }
        }

    uint64_t rng = o->seed;
    size_t order[MAX_LIST];
    size_t total = r->ncells * (o->reps + (o->warmup ? 1 : 0)), done = 0;
    uint64_t start = lab_now_ns();
    struct trial scratch;
    for (size_t t = 0; t < o->nthreads; t++) {
        topo_print_bindings(stderr, o->pin, o->threads[t]);
        for (int round = o->warmup ? -1 : 0; round < (int)o->reps; round++) {
            for (size_t i = 0; i < o->nimpls; i++) order[i] = i;
            shuffle(order, o->nimpls, &rng);
            for (size_t k = 0; k < o->nimpls; k++) {
                struct cell *c = &r->cells[t * o->nimpls + order[k]];
                char what[128];
                snprintf(what, sizeof what, "%s/%s threads=%u %s %d/%u", c->impl->family,
                         c->impl->name, c->threads, round < 0 ? "warm-up" : "rep",
                         round < 0 ? 0 : round + 1, o->reps);
                progress(done, total, what, (double)(lab_now_ns() - start) / 1e9);
                struct trial *dst = round < 0 ? &scratch : &c->trials[round];
                int rc = runner_trial(o, c->impl, c->threads, dst, err, n);
                if (rc) { progress_done(); run_result_free(r); return rc; }
                if (round >= 0) c->ntrials++;
                done++;
            }
        }
    }
    progress_done();
    for (size_t i = 0; i < r->ncells; i++) finish_cell(&r->cells[i]);
    return 0;
}
