#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "fiber.h"

const struct conf_case *const conf_tables[] = { batcher_cases, store_cases, counter_cases, NULL };

const struct conf_case *conf_find(const char *family, const char *name)
{
    for (size_t t = 0; conf_tables[t]; t++)
        for (const struct conf_case *c = conf_tables[t]; c->name; c++)
            if (!strcmp(c->family, family) && !strcmp(c->name, name)) return c;
    return NULL;
}

int conf_applies(const struct conf_case *c, const struct lab_impl *m, int fibers, const char **why)
{
    if ((m->caps & c->need_caps) != c->need_caps || (m->caps & c->skip_caps)) return 0;
    const char *no = !fibers             ? NULL
        : m->caps & LAB_CAP_THREADS_ONLY ? "the variant is threads only (LAB_CAP_THREADS_ONLY: it "
                                           "blocks or spins in the OS itself)"
                                         : c->threads_only;
    if (why) *why = no;
    return !no;
}

size_t conf_counts(const struct conf_case *c, int fibers, unsigned *out)
{
    size_t k = 0;
    for (; k < 6 && c->counts[k]; k++) out[k] = c->counts[k];
    if (fibers && c->fibers_n) out[k++] = c->fibers_n;
    return k;
}

/* ---- the runner ---- */

static struct fib_sched *cases_sched; /* NULL: threads */

int conf_runner_begin(const char *spec, char *err, size_t n)
{
    struct run_runner r;
    int rc = run_runner_parse(spec, &r, err, n);
    if (rc || r.kind == RUN_RUNNER_THREADS) return rc;
    return run_fib_session_open(r.carriers, NULL, NULL, NULL, &cases_sched, err, n);
}

void conf_runner_end(void)
{
    if (cases_sched) run_fib_session_close(cases_sched);
    cases_sched = NULL;
}

int conf_fibers(void) { return cases_sched != NULL; }

/* A worker under threads: the variant's hooks around fn. */
static void *cases_task(void *arg)
{
    struct conf_task *t = arg;
    if (!t->m || !t->m->thread_init || !(t->init_err = t->m->thread_init(t->self))) t->fn(t->arg);
    if (t->m && t->m->thread_exit && !t->init_err) t->m->thread_exit(t->self);
    return NULL;
}

int conf_spawn(struct conf_task *t, const struct lab_impl *m, void *self, lab_task_fn fn, void *arg)
{
    *t = (struct conf_task){ .m = cases_sched ? NULL : m, .self = self, .arg = arg, .fn = fn };
    return lab_spawn(cases_task, t, &t->h);
}

int conf_join(struct conf_task *t)
{
    lab_join(&t->h);
    return t->init_err;
}

int conf_attach(const struct lab_impl *m, void *self)
{
    int rc = m->thread_init ? m->thread_init(self) : 0;
    if (rc || !cases_sched) return rc;
    rc = run_fib_carriers_init(cases_sched, m, self);
    if (rc && m->thread_exit) m->thread_exit(self);
    return rc;
}

void conf_detach(const struct lab_impl *m, void *self)
{
    if (cases_sched) run_fib_carriers_exit(cases_sched, m, self);
    if (m->thread_exit) m->thread_exit(self);
}

void conf_sleep_us(unsigned us) { lab_sleep_until(lab_now_ns() + (uint64_t)us * 1000); }

struct run_beat *conf_beat;

void conf_tick(void)
{
    if (conf_beat) run_beat_tick(conf_beat);
}

void conf_mark(struct lab_alloc_totals *t) { lab_alloc_totals(t); }

int conf_no_leak(const struct lab_alloc_totals *before, char *msg, size_t len)
{
    struct lab_alloc_totals now;
    lab_alloc_totals(&now);
    char why[96];
    CHECK(!lab_alloc_leak(before, &now, why, sizeof why), "%s after destroy()", why);
    return 0;
}

void *conf_calloc(size_t n, size_t size)
{
    lab_alloc_pause();
    void *p = calloc(n ? n : 1, size);
    lab_alloc_resume();
    return p;
}

void conf_free(void *p)
{
    lab_alloc_pause();
    free(p);
    lab_alloc_resume();
}
