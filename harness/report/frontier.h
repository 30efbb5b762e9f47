/* frontier.h (report/ internal): a frontier experiment's tables
 * (report = frontier, docs/frontier.md): per run (family and condition)
 * and thread count, the designs ranked by median ops/s, each with its kind
 * (from its origin), its ratio to the best seed design with a bootstrap
 * interval and a verdict; then the experiment's goals. */
#ifndef CONTEND_FRONTIER_H
#define CONTEND_FRONTIER_H

#include <stddef.h>

#include "lab_ratio.h"
#include "report.h"
#include "view.h"

struct exp_goal;

/* What a design is, from the prefix of its origin ("seed:snail phase 5",
   "peer:ck ...", "design: flat combining ...", "roofline", "harness"). */
enum rep_kind { REP_KIND_SEED, REP_KIND_PEER, REP_KIND_DESIGN, REP_KIND_ROOFLINE, REP_KIND_OTHER };
enum rep_kind rep_origin_kind(const char *origin);
/* "seed", "library peer", "published design", "roofline", "other" */
const char *rep_kind_name(enum rep_kind k);
/* A cell's kind, from its "origin" in the result file. */
enum rep_kind rep_cell_kind(const struct rf_cell *c);

/* Within this factor of the best seed (either way), a design "agrees" with it. */
#define FRONTIER_SAME 1.05

/* One row of a ranking. */
struct rep_rank {
    const struct rf_cell *c;
    enum rep_kind kind;
    int has_value;        /* ops/s measured: ranked; else listed last */
    struct lab_summary s; /* its ops/s */
    int has_ratio;        /* a ratio to the best seed (q) */
    struct rep_ratio q;   /* over the best seed's ops/s */
    enum lab_ratio_verdict v;
};

/* The cells of family fam at threads in r: measured designs first, by
   median ops/s (fastest first), rooflines after them, cells without a
   value last; each with its ratio to the best seed design (the seed cell
   of highest median, *best_seed; NULL when there is none). How many rows
   (at most max). */
size_t rep_frontier_rank(const struct rf_result *r, const char *fam, unsigned threads,
                         struct rep_rank *out, size_t max, const struct rf_cell **best_seed);

/* A goal at one thread count: the fastest cell of g->best over the fastest
   of g->against, against g->ratio. */
enum rep_goal_status { REP_GOAL_MET, REP_GOAL_MISSED, REP_GOAL_INCONCLUSIVE, REP_GOAL_NO_DATA };
struct rep_goal_eval {
    const struct rf_cell *best, *against;
    struct rep_ratio q;
    enum rep_goal_status status;
    double missed_by; /* MISSED: 1 - est / ratio */
};
void rep_frontier_goal(const struct rf_result *r, const struct exp_goal *g, unsigned threads,
                       struct rep_goal_eval *out);
/* Does g select threads in r (its `threads`: all, upto-cpus, cpus,
   Nxcpus, counts; the CPUs are the run's)? */
int rep_frontier_goal_threads(const struct rf_result *r, const struct exp_goal *g,
                              unsigned threads);

/* The frontier section of a reproduction's report (or the terminal). */
void rep_frontier(struct doc *d, const struct experiment *e, const struct report *rp);

#endif
