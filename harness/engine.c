/* The engine: runs every cell of a run, --reps trials each. For each thread
 * count, round r runs one trial of every implementation, in an order
 * shuffled per round from the seed, so slow drift on a noisy machine is
 * spread over all implementations instead of landing on one.
 *
 * Each trial runs in a child process (isolate.c); a cell whose trial crashed
 * or timed out skips its remaining rounds. Every finished trial goes to the
 * journal before the next starts, so an interrupted run loses at most the
 * trial in flight and can be resumed. */
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

/* Summaries over the trials that ran to completion. Those are moved to
   the front (trials[0, ntrials)), in their original order; the trials that
   crashed, hung or failed to run follow them, and never-run ones last. */
static void finish_cell(struct cell *c, unsigned reps)
{
    struct trial *sorted = malloc(sizeof *sorted * (reps ? reps : 1));
    double *v = malloc(sizeof *v * (reps ? reps : 1));
    if (!sorted || !v) { free(sorted); free(v); return; }
    size_t k = 0;
    for (int pass = 0; pass < 3; pass++)
        for (unsigned r = 0; r < reps; r++) {
            enum outcome out = c->trials[r].outcome;
            int which = out == OUTCOME_OK ? 0 : out == OUTCOME_SKIPPED ? 2 : 1;
            if (which == pass) sorted[k++] = c->trials[r];
        }
    memcpy(c->trials, sorted, sizeof *sorted * reps);
    free(sorted);

    c->outcome = OUTCOME_OK;
    c->failed = NULL;
    c->verdict = VERDICT_NA;
    c->ntrials = 0;
    for (unsigned r = 0; r < reps; r++) {
        const struct trial *t = &c->trials[r];
        if (t->outcome == OUTCOME_SKIPPED) continue;            /* never ran */
        if (t->outcome != OUTCOME_OK) {
            if (c->outcome == OUTCOME_OK) { c->outcome = t->outcome; c->failed = t; }
            c->verdict = VERDICT_FAIL;
            continue;
        }
        c->ntrials++;
        if (t->verdict == VERDICT_FAIL) {
            c->verdict = VERDICT_FAIL;
            if (!c->failed) c->failed = t;
        } else if (t->verdict == VERDICT_OK && c->verdict == VERDICT_NA) {
            c->verdict = VERDICT_OK;
        }
    }
    for (size_t i = 0; i < c->ntrials; i++) v[i] = c->trials[i].ops_per_s;
    summarize(v, c->ntrials, &c->ops_per_s);
    for (size_t i = 0; i < c->ntrials; i++) v[i] = c->trials[i].ns_per_op;
    summarize(v, c->ntrials, &c->ns_per_op);
    for (size_t i = 0; i < c->ntrials; i++) v[i] = c->trials[i].jain;
    summarize(v, c->ntrials, &c->jain);
    free(v);
    store_cell_finish(c);
}

static struct cell *find_cell(struct run_result *r, const char *family, const char *impl,
                              unsigned threads)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].threads == threads && !strcmp(r->cells[i].impl->family, family)
            && !strcmp(r->cells[i].impl->name, impl))
            return &r->cells[i];
    return NULL;
}

/* done[cell * reps + round]: finished (from the journal or this run) */
static int load_resume(const struct run_opts *o, struct run_result *r, unsigned char *done,
                       char *err, size_t n)
{
    char **argv;
    int argc;
    struct journal_trial *tr;
    size_t ntr;
    int rc = journal_load(o->resume, &argv, &argc, &tr, &ntr, err, n);
    if (rc) return rc;
    journal_free_argv(argv, argc);
    for (size_t i = 0; i < ntr; i++) {
        struct cell *c = find_cell(r, tr[i].family, tr[i].impl, tr[i].threads);
        if (!c || tr[i].round >= (int)o->reps) continue;
        c->trials[tr[i].round] = tr[i].t;
        enum outcome out = tr[i].t.outcome;
        if (out != OUTCOME_OK && out != OUTCOME_SKIPPED) c->outcome = out;  /* no reruns */
        /* the only pointer in a trial: re-point it at this process's spec,
           re-parsed from the same journaled options */
        c->trials[tr[i].round].counters.spec = &o->counters;
        done[(size_t)(c - r->cells) * o->reps + (size_t)tr[i].round] = 1;
    }
    fprintf(stderr, "contend: resuming %s: %zu trials already done\n", o->resume, ntr);
    free(tr);
    return 0;
}

int engine_run(const struct run_opts *o, struct run_result *r, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    context_mark_start();
    r->opts = o;
    r->ncells = o->nthreads * o->nimpls;
    r->cells = calloc(r->ncells, sizeof *r->cells);
    unsigned char *done = calloc(r->ncells * o->reps + 1, 1);
    if (!r->cells || !done) { free(done); snprintf(err, n, "out of memory"); return -ENOMEM; }
    for (size_t t = 0; t < o->nthreads; t++)
        for (size_t i = 0; i < o->nimpls; i++) {
            struct cell *c = &r->cells[t * o->nimpls + i];
            c->impl = o->impls[i];
            c->threads = o->threads[t];
            c->trials = calloc(o->reps, sizeof *c->trials);
            if (!c->trials) {
                run_result_free(r);
                free(done);
                snprintf(err, n, "out of memory");
                return -ENOMEM;
            }
            for (unsigned k = 0; k < o->reps; k++) c->trials[k].outcome = OUTCOME_SKIPPED;
        }
    int rc = 0;
    if (o->resume && (rc = load_resume(o, r, done, err, n)) != 0) {
        run_result_free(r);
        free(done);
        return rc;
    }
    struct journal *jr = NULL;
    if (o->out) {
        if (o->resume) snprintf(r->journal, sizeof r->journal, "%s", o->resume);
        else snprintf(r->journal, sizeof r->journal, "%s.journal", o->out);
        if (!(jr = journal_open(r->journal, o, err, n))) {
            run_result_free(r);
            free(done);
            return -EEXIST;
        }
    }
    install_stop_handlers();

    uint64_t rng = o->seed;
    size_t order[MAX_LIST];
    size_t total = r->ncells * (o->reps + (o->warmup ? 1 : 0)), count = 0;
    uint64_t start = lab_now_ns();
    struct trial scratch;
    for (size_t t = 0; t < o->nthreads && !rc; t++) {
        topo_print_bindings(stderr, o->pin, o->threads[t]);
        for (int round = o->warmup ? -1 : 0; round < (int)o->reps && !rc; round++) {
            for (size_t i = 0; i < o->nimpls; i++) order[i] = i;
            shuffle(order, o->nimpls, &rng);
            for (size_t k = 0; k < o->nimpls && !rc; k++, count++) {
                size_t ci = t * o->nimpls + order[k];
                struct cell *c = &r->cells[ci];
                if (round >= 0 && done[ci * o->reps + (size_t)round]) continue;
                if (c->outcome != OUTCOME_OK) continue;     /* it crashed or hung */
                char what[128];
                snprintf(what, sizeof what, "%s/%s threads=%u %s %d/%u", c->impl->family,
                         c->impl->name, c->threads, round < 0 ? "warm-up" : "rep",
                         round < 0 ? 0 : round + 1, o->reps);
                progress(count, total, what, (double)(lab_now_ns() - start) / 1e9);
                struct trial *dst = round < 0 ? &scratch : &c->trials[round];
                rc = isolated_trial(o, c->impl, c->threads, dst, err, n);
                if (rc == -EINTR) { r->interrupted = 1; break; }
                if (rc) break;
                if (round < 0 && dst->outcome != OUTCOME_OK) {
                    /* a warm-up that crashed or hung is the cell's result:
                       keep it as the cell's first trial */
                    char d[sizeof dst->outcome_detail];
                    snprintf(d, sizeof d, "warm-up, %.38s", dst->outcome_detail);
                    snprintf(dst->outcome_detail, sizeof dst->outcome_detail, "%s", d);
                    c->trials[0] = *dst;
                    done[ci * o->reps] = 1;
                    journal_append(jr, c, 0, dst);
                }
                if (dst->outcome != OUTCOME_OK) {
                    c->outcome = dst->outcome;
                    progress_done();
                    fprintf(stderr, "contend: %s/%s threads=%u %s%s%s; skipping its other reps\n",
                            c->impl->family, c->impl->name, c->threads, outcome_name(dst->outcome),
                            dst->outcome_detail[0] ? " " : "", dst->outcome_detail);
                }
                if (round >= 0) {
                    done[ci * o->reps + (size_t)round] = 1;
                    if (journal_append(jr, c, round, dst) != 0)
                        fprintf(stderr, "contend: warning: could not append to journal %s\n",
                                r->journal);
                }
            }
        }
    }
    progress_done();
    free(done);
    for (size_t i = 0; i < r->ncells; i++) finish_cell(&r->cells[i], o->reps);
    journal_close(jr, 0);
    if (r->interrupted) return 0;
    if (rc) { run_result_free(r); return rc; }
    return 0;
}
