/* The plan of a run and its time estimate (run.h, struct run_plan): what
 * `run --dry-run` and `reproduce --dry-run` print, and what a long sweep
 * prints on stderr before it starts. The estimate is a budget, not a
 * prediction: fixed work is costed at RUN_PLAN_OPS_PER_S (a real cell runs
 * 100x faster or slower), every trial pays the isolated child's start-up
 * and the threads' creation. docs/latency.md, "Time budgets". */
#include <stdio.h>

#include "family.h"
#include "run.h"

#define RUN_PLAN_OPS_PER_S 5e6   /* fixed work's assumed pace */
#define RUN_PLAN_TRIAL_S 0.05    /* fork, setup, check, destroy */
#define RUN_PLAN_THREAD_S 50e-6  /* creating and joining one worker */
#define RUN_PLAN_LONG_S 30       /* a sweep this long prints its plan */
#define RUN_PLAN_LONG_TRIALS 100 /* or with this many trials */

void run_plan_make(const struct run_opts *o, struct run_plan *p)
{
    char why[160];
    *p = (struct run_plan){ .reps = o->reps + (o->warmup ? 1u : 0u) };
    for (size_t t = 0; t < o->threads.n; t++)
        for (size_t i = 0; i < o->nimpls; i++) {
            p->cells++;
            if (run_cell_refusal(o, o->impls[i], o->threads.v[t], why, sizeof why)) {
                p->refused++;
                continue;
            }
            double work = o->ops ? (double)o->ops / RUN_PLAN_OPS_PER_S : o->duration;
            double start = RUN_PLAN_TRIAL_S + o->threads.v[t] * RUN_PLAN_THREAD_S;
            p->work_s += work * p->reps;
            p->startup_s += start * p->reps;
        }
    p->trials = (p->cells - p->refused) * p->reps;
}

int run_plan_long(const struct run_plan *p)
{
    return p->work_s + p->startup_s >= RUN_PLAN_LONG_S || p->trials >= RUN_PLAN_LONG_TRIALS;
}

void run_plan_print(FILE *f, const char *who, const struct run_opts *o, const struct run_plan *p)
{
    double total = p->work_s + p->startup_s;
    fprintf(f, "%s%splan: %s, %zu impl%s x %zu thread count%s = %zu cell%s", who ? who : "",
            who ? ": " : "", o->fam->name, o->nimpls, o->nimpls == 1 ? "" : "s", o->threads.n,
            o->threads.n == 1 ? "" : "s", p->cells, p->cells == 1 ? "" : "s");
    if (p->refused) fprintf(f, " (%zu refused)", p->refused);
    fprintf(f, " x %u trial%s%s = %zu trials\n", p->reps, p->reps == 1 ? "" : "s",
            o->warmup ? " (a warm-up included)" : "", p->trials);
    fprintf(f, "%s%sestimate: %.0f s of timed work (%s) + %.0f s start-up = %.0f s (%.1f min)\n",
            who ? who : "", who ? ": " : "", p->work_s,
            o->ops ? "fixed work at an assumed 5M ops/s" : "fixed time", p->startup_s, total,
            total / 60);
}
