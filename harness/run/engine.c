/* The engine: runs every cell of a run, --reps trials each. For each thread
 * count, round r runs one trial of every implementation, in an order
 * shuffled per round from the seed, so slow drift on a noisy machine is
 * spread over all implementations instead of landing on one.
 *
 * Each trial runs in a child process (isolate.c); a cell whose trial crashed
 * or timed out skips its remaining rounds. Every finished trial goes to the
 * journal before the next starts, so an interrupted run loses at most the
 * trial in flight and can be resumed. The journal itself is the caller's
 * (results/journal.c, through struct run_hooks): this layer writes no file. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "family.h"
#include "lab_util.h"

static void engine_shuffle(size_t *a, size_t n, uint64_t *state)
{
    for (size_t i = n; i > 1; i--) {
        *state += 0x9e3779b97f4a7c15ULL;
        size_t j = (size_t)(lab_mix64(*state) % i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

double run_cell_ctr_median(const struct cell *c, size_t i, int total)
{
    double *v = malloc((c->ntrials ? c->ntrials : 1) * sizeof *v);
    if (!v) return NAN;
    for (size_t k = 0; k < c->ntrials; k++) {
        const struct ctr_result *r = &c->trials[k].counters;
        v[k] = i < r->n ? (total ? r->total[i] : r->per_op[i]) : NAN;
    }
    struct lab_summary s;
    lab_summarize_finite(v, c->ntrials, &s);
    free(v);
    return s.median;
}

double run_machine_busy(double *ours)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    *ours = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec
                     + kids.ru_stime.tv_sec)
        + (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec
                   + kids.ru_stime.tv_usec)
            / 1e6;
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = { 0 };
    char line[256];
    int k = 0;
    if (f && fgets(line, sizeof line, f) && !strncmp(line, "cpu ", 4)) {
        char *p = line + 4, *end;
        for (; k < 8; k++, p = end) {
            errno = 0;
            v[k] = strtoull(p, &end, 10);
            if (end == p || errno) break;
        }
    }
    if (f) fclose(f);
    if (k != 8) return -1;
    /* user nice system idle iowait irq softirq steal: all but idle, iowait */
    long hz = sysconf(_SC_CLK_TCK);
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)(hz > 0 ? hz : 100);
}

int run_status(const struct run_result *r)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].verdict == VERDICT_FAIL || r->cells[i].outcome != OUTCOME_OK) return 1;
    return 0;
}

/* A fingerprint of struct trial's layout: a journal restores raw trial
   bytes, which is only meaningful for the same layout. */
uint32_t run_trial_layout(void)
{
    const size_t off[] = {
        sizeof(struct trial),
        offsetof(struct trial, ops),
        offsetof(struct trial, verdict),
        offsetof(struct trial, note),
        offsetof(struct trial, outcome),
        offsetof(struct trial, stderr_tail),
        offsetof(struct trial, counters),
        offsetof(struct trial, m),
        TRIAL_MAX_METRICS,
        sizeof(struct ctr_result),
    };
    uint32_t h = 2166136261u; /* FNV-1a over the offsets */
    for (size_t i = 0; i < sizeof off / sizeof *off; i++)
        for (int b = 0; b < 4; b++) h = (h ^ (uint32_t)((off[i] >> (8 * b)) & 0xff)) * 16777619u;
    return h;
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
static void engine_finish_cell(struct cell *c, unsigned reps)
{
    struct trial *sorted = malloc(sizeof *sorted * (reps ? reps : 1));
    double *v = malloc(sizeof *v * (reps ? reps : 1));
    if (!sorted || !v) {
        free(sorted);
        free(v);
        return;
    }
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
        if (t->outcome == OUTCOME_SKIPPED) continue; /* never ran */
        if (t->outcome != OUTCOME_OK) {
            if (c->outcome == OUTCOME_OK) {
                c->outcome = t->outcome;
                c->failed = t;
            }
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
#define ENGINE_SUMMARY(field)                                              \
    do {                                                                   \
        for (size_t i = 0; i < c->ntrials; i++) v[i] = c->trials[i].field; \
        lab_summarize(v, c->ntrials, &c->field);                           \
    } while (0)
    ENGINE_SUMMARY(ops_per_s);
    ENGINE_SUMMARY(ns_per_op);
    ENGINE_SUMMARY(jain);
    ENGINE_SUMMARY(rate_min);
    ENGINE_SUMMARY(rate_max);
#undef ENGINE_SUMMARY
    for (size_t m = 0; m < TRIAL_MAX_METRICS; m++) {
        for (size_t i = 0; i < c->ntrials; i++) v[i] = c->trials[i].m[m];
        lab_summarize_finite(v, c->ntrials, &c->m[m]);
    }
    free(v);
}

static struct cell *engine_find_cell(struct run_result *r, const char *family, const char *impl,
                                     unsigned threads)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].threads == threads && !strcmp(r->cells[i].impl->family, family)
            && !strcmp(r->cells[i].impl->name, impl))
            return &r->cells[i];
    return NULL;
}

/* Hands a finished trial to the hook (the journal). A failure stops the run:
   going on would measure trials that a resume could not find. */
static int engine_record(const struct run_hooks *h, const struct cell *c, int round,
                         const struct trial *t, char *err, size_t n)
{
    int rc = h && h->on_trial ? h->on_trial(h->arg, c, round, t) : 0;
    if (rc)
        snprintf(err, n, "could not record a trial of %s/%s threads=%u: %s", c->impl->family,
                 c->impl->name, c->threads, strerror(rc < 0 ? -rc : EIO));
    return rc < 0 ? rc : rc ? -EIO : 0;
}

/* done[cell * reps + round]: finished (restored or run here) */
static void engine_restore(const struct run_opts *o, const struct run_hooks *h,
                           struct run_result *r, unsigned char *done)
{
    for (size_t i = 0; h && i < h->ndone; i++) {
        const struct run_done *d = &h->done[i];
        struct cell *c = engine_find_cell(r, d->family, d->impl, d->threads);
        if (!c || d->round < 0 || d->round >= (int)o->reps) continue;
        c->trials[d->round] = d->t;
        enum outcome out = d->t.outcome;
        if (out != OUTCOME_OK && out != OUTCOME_SKIPPED) c->outcome = out; /* no reruns */
        /* the only pointer in a trial: re-point it at this process's spec,
           re-parsed from the same journaled options */
        c->trials[d->round].counters.spec = &o->counters;
        done[(size_t)(c - r->cells) * o->reps + (size_t)d->round] = 1;
    }
}

/* FIFO spinning oversubscribed: every hand-off waits for one particular
   thread to be scheduled. Past this many threads per CPU a trial, even of
   fixed time, does not drain in minutes (ticket at 1,000 threads on 2 CPUs:
   over 30 s past a 0.1 s deadline), so the cell is refused with the reason. */
#define ENGINE_FIFO_OVERSUB_MAX 4

const char *run_cell_refusal(const struct run_opts *o, const struct lab_impl *impl,
                             unsigned threads, char *buf, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if ((impl->caps & LAB_CAP_THREADS_ONLY) && o->runner.kind != RUN_RUNNER_THREADS) {
        snprintf(buf, n,
                 "threads only: it blocks or spins in the OS itself, which would block a "
                 "fiber's carrier");
        return buf;
    }
    if (!(impl->caps & LAB_CAP_NO_OVERSUB) || cpus <= 0 || threads <= (unsigned)cpus) return NULL;
    if (o->ops)
        snprintf(buf, n,
                 "FIFO spinning, %u threads on %ld CPUs: slow, not broken; oversubscribed "
                 "it runs with --duration only",
                 threads, cpus);
    else if (threads > ENGINE_FIFO_OVERSUB_MAX * (unsigned)cpus)
        snprintf(buf, n,
                 "FIFO spinning, %u threads on %ld CPUs: slow, not broken; it runs up to "
                 "%ld threads (%dx the CPUs)",
                 threads, cpus, ENGINE_FIFO_OVERSUB_MAX * cpus, ENGINE_FIFO_OVERSUB_MAX);
    else
        return NULL;
    return buf;
}

int run_engine(const struct run_opts *o, const struct run_hooks *h, struct run_result *r, char *err,
               size_t n)
{
    memset(r, 0, sizeof *r);
    if (getloadavg(r->loadavg_start, 3) != 3)
        r->loadavg_start[0] = r->loadavg_start[1] = r->loadavg_start[2] = -1;
    double ours0, busy0 = run_machine_busy(&ours0);
    uint64_t wall0 = lab_now_ns();
    r->opts = o;
    r->ncells = o->threads.n * o->nimpls;
    r->cells = calloc(r->ncells, sizeof *r->cells);
    unsigned char *done = calloc(r->ncells * o->reps + 1, 1);
    if (!r->cells || !done) {
        free(done);
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    for (size_t t = 0; t < o->threads.n; t++)
        for (size_t i = 0; i < o->nimpls; i++) {
            struct cell *c = &r->cells[t * o->nimpls + i];
            c->impl = o->impls[i];
            c->threads = o->threads.v[t];
            c->trials = calloc(o->reps, sizeof *c->trials);
            if (!c->trials) {
                run_result_free(r);
                free(done);
                snprintf(err, n, "out of memory");
                return -ENOMEM;
            }
            for (unsigned k = 0; k < o->reps; k++) c->trials[k].outcome = OUTCOME_SKIPPED;
            run_cell_refusal(o, c->impl, c->threads, c->skipped, sizeof c->skipped);
        }
    engine_restore(o, h, r, done);
    if (o->shard.count && !o->threads.n) /* more shards than comparison groups */
        fprintf(stderr, "contend: shard %u/%u holds no comparison group: nothing to run\n",
                o->shard.index, o->shard.count);
    run_install_stop_handlers();
    int rc = 0;

    uint64_t rng = o->seed;
    size_t order[MAX_LIST];
    size_t total = r->ncells * (o->reps + (o->warmup ? 1 : 0)), count = 0;
    uint64_t start = lab_now_ns();
    struct trial scratch;
    for (size_t t = 0; t < o->threads.n && !rc; t++) {
        run_topo_print_bindings(stderr, o->pin, o->threads.v[t]);
        for (int round = o->warmup ? -1 : 0; round < (int)o->reps && !rc; round++) {
            for (size_t i = 0; i < o->nimpls; i++) order[i] = i;
            engine_shuffle(order, o->nimpls, &rng);
            for (size_t k = 0; k < o->nimpls && !rc; k++, count++) {
                size_t ci = t * o->nimpls + order[k];
                struct cell *c = &r->cells[ci];
                if (round >= 0 && done[ci * o->reps + (size_t)round]) continue;
                if (c->outcome != OUTCOME_OK || c->skipped[0])
                    continue; /* crashed, hung, refused */
                char what[128];
                snprintf(what, sizeof what, "%s/%s threads=%u %s %d/%u", c->impl->family,
                         c->impl->name, c->threads, round < 0 ? "warm-up" : "rep",
                         round < 0 ? 0 : round + 1, o->reps);
                run_progress(count, total, what, (double)(lab_now_ns() - start) / 1e9);
                struct trial *dst = round < 0 ? &scratch : &c->trials[round];
                rc = run_isolated_trial(o, c->impl, c->threads, dst, err, n);
                if (rc == -EINTR) {
                    /* the trial in flight was killed: it did not run, and
                       --resume runs it (it never reached the journal) */
                    memset(dst, 0, sizeof *dst);
                    dst->outcome = OUTCOME_SKIPPED;
                    r->interrupted = 1;
                    break;
                }
                if (rc) break;
                if (round < 0 && dst->outcome != OUTCOME_OK) {
                    /* a warm-up that crashed or hung is the cell's result:
                       keep it as the cell's first trial */
                    char d[sizeof dst->outcome_detail];
                    snprintf(d, sizeof d, "warm-up, %.38s", dst->outcome_detail);
                    snprintf(dst->outcome_detail, sizeof dst->outcome_detail, "%s", d);
                    c->trials[0] = *dst;
                    done[ci * o->reps] = 1;
                    if ((rc = engine_record(h, c, 0, dst, err, n))) break;
                }
                if (dst->outcome != OUTCOME_OK) {
                    c->outcome = dst->outcome;
                    run_progress_done();
                    fprintf(stderr, "contend: %s/%s threads=%u %s%s%s; skipping its other reps\n",
                            c->impl->family, c->impl->name, c->threads,
                            run_outcome_name(dst->outcome), dst->outcome_detail[0] ? " " : "",
                            dst->outcome_detail);
                }
                if (round >= 0) {
                    done[ci * o->reps + (size_t)round] = 1;
                    if ((rc = engine_record(h, c, round, dst, err, n))) break;
                }
            }
        }
    }
    run_progress_done();
    free(done);
    for (size_t i = 0; i < r->ncells; i++) engine_finish_cell(&r->cells[i], o->reps);
    double ours1, busy1 = run_machine_busy(&ours1);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double wall = (double)(lab_now_ns() - wall0) / 1e9;
    r->others_cpu = busy0 < 0 || busy1 < 0 || cpus <= 0 || wall < 0.05
        ? -1
        : fmax(0, fmin(1, ((busy1 - busy0) - (ours1 - ours0)) / (wall * (double)cpus)));
    if (r->interrupted) return 0;
    if (rc) {
        run_result_free(r);
        return rc;
    }
    return 0;
}
