/* [goal KEY] sections of an experiment file: a frontier's performance
 * goals (docs/frontier.md), read beside experiment.c's sections. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"

/* The goal called key (made on first use), or NULL when there are too many. */
static struct exp_goal *experiment_goal_for(struct experiment *e, const char *key)
{
    for (size_t i = 0; i < e->ngoals; i++)
        if (!strcmp(e->goals[i].key, key)) return &e->goals[i];
    if (e->ngoals == EXP_MAX_GOALS) return NULL;
    struct exp_goal *g = &e->goals[e->ngoals];
    if (!(g->key = strdup(key))) return NULL;
    e->ngoals++;
    return g;
}

/* A comma list of all, upto-cpus, cpus, Nxcpus or counts N (N >= 1). */
static int experiment_goal_threads_ok(const char *v)
{
    for (const char *p = v;; p++) {
        size_t len = strcspn(p, ","), digits = strspn(p, "0123456789");
        const char *rest = p + digits;
        size_t left = len - (digits < len ? digits : len);
        int ok = (len == 3 && !strncmp(p, "all", 3)) || (len == 9 && !strncmp(p, "upto-cpus", 9))
            || (!digits && left == 4 && !strncmp(rest, "cpus", 4))
            || (digits && *p != '0' && (!left || (left == 5 && !strncmp(rest, "xcpus", 5))));
        if (!ok) return 0;
        p += len;
        if (!*p) return 1;
    }
}

int res_experiment_goal_key(struct experiment *e, const char *goal, const char *key,
                            const char *value, char *err, size_t n)
{
    struct exp_goal *g = experiment_goal_for(e, goal);
    if (!g) {
        snprintf(err, n, "%s: more than %d goals", e->path, EXP_MAX_GOALS);
        return 0;
    }
    char **slot = !strcmp(key, "label") ? &g->label
        : !strcmp(key, "part")          ? &g->part
        : !strcmp(key, "best")          ? &g->best
        : !strcmp(key, "against")       ? &g->against
        : !strcmp(key, "threads")       ? &g->threads
                                        : NULL;
    if (slot && !strcmp(key, "threads") && !experiment_goal_threads_ok(value)) {
        snprintf(err, n,
                 "%s: [goal %.40s] threads lists all, upto-cpus, cpus, Nxcpus or counts, not "
                 "'%.40s'",
                 e->path, goal, value);
        return 0;
    }
    if (slot) {
        free(*slot);
        *slot = strdup(value);
        return *slot != NULL;
    }
    if (!strcmp(key, "ratio")) {
        char *end;
        double v = strtod(value, &end);
        if (end != value && !*end && v > 0 && isfinite(v)) {
            g->ratio = v;
            return 1;
        }
        snprintf(err, n, "%s: [goal %.40s] ratio wants a positive number, not '%.40s'", e->path,
                 goal, value);
        return 0;
    }
    snprintf(err, n, "%s: unknown key '%.40s' in [goal %.40s]", e->path, key, goal);
    return 0;
}

int res_experiment_goals_check(const struct experiment *e, char *err, size_t n)
{
    for (size_t i = 0; i < e->ngoals; i++) {
        const struct exp_goal *g = &e->goals[i];
        const char *miss = !e->multi                          ? "[part] sections"
            : !g->part || res_experiment_part(e, g->part) < 0 ? "part = one of its parts"
            : !g->best || !g->against                         ? "best and against"
            : !(g->ratio > 0)                                 ? "ratio"
                                                              : NULL;
        if (miss) {
            snprintf(err, n, "%s: [goal %.40s] needs %s", e->path, g->key, miss);
            return -EINVAL;
        }
    }
    return 0;
}

void res_experiment_goals_free(struct experiment *e)
{
    for (size_t i = 0; i < e->ngoals; i++) {
        struct exp_goal *g = &e->goals[i];
        free(g->key);
        free(g->label);
        free(g->part);
        free(g->best);
        free(g->against);
        free(g->threads);
    }
    e->ngoals = 0;
}

int res_experiment_is_frontier(const struct experiment *e)
{
    return e->report && !strcmp(e->report, "frontier");
}

int res_experiment_part(const struct experiment *e, const char *name)
{
    for (size_t i = 0; i < e->nparts; i++)
        if (!strcmp(e->parts[i].name, name)) return (int)i;
    return -1;
}
