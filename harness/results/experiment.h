/* Named experiments: small INI files in workloads/ (parsed with inih). */
#ifndef CONTEND_EXPERIMENT_H
#define CONTEND_EXPERIMENT_H

#include <stddef.h>

#define EXP_MAX_ARGS 64
#define EXP_MAX_ROWS 32
#define EXP_MAX_PARTS 16
#define EXP_MAX_GOALS 8

/* [goal KEY] (a frontier's performance goal, docs/frontier.md): at each
   thread count of part's run that threads selects, the fastest of best
   over the fastest of against, by median ops/s, must be >= ratio. best and
   against are implementation lists or a kind (seed, peer, design). */
struct exp_goal {
    char *key, *label, *part, *best, *against;
    char *threads; /* a list of all, upto-cpus, cpus, Nxcpus, counts (default all) */
    double ratio;  /* > 0; 0 until given */
};

/* One run of an experiment: `contend run` argv from its keys. */
struct exp_part {
    char *name; /* "" for a file of one run ([run], [quick], [full]) */
    char *argv[EXP_MAX_ARGS];
    int argc;
    /* what res_experiment_part_opts parsed last: argv with the extra
       options (borrowed strings; run_opts points into them) */
    char *run_argv[3 * EXP_MAX_ARGS];
    int run_argc;
};

/* An experiment file is one run, or, for a table whose rows come from
   different runs (the seed's own conditions row by row), several [part
   NAME] sections; docs/experiments.md describes both. */
struct experiment {
    char *path; /* the file (owned) */
    char name[64];
    char *title, *family, *impl, *seed_file, *note;
    char *beyond_note;  /* the paragraph above the beyond-the-seed table */
    char *explain;      /* rows whose time the report breaks down (keys) */
    char *explain_note; /* and what that breakdown shows, in words */
    char *columns;      /* metrics of the evolution table, in order (or NULL) */
    char *runners;      /* "threads,fibers": each part runs under each; NULL: threads */
    char *group;        /* `reproduce all` runs the files of group "seed" */
    char *report;       /* "evolution" (the seed's table; NULL) or "frontier" */
    double widen;       /* a ratio band widened by this factor each way (another
                      platform); 0: 1 */
    unsigned focus_threads;
    struct exp_part parts[EXP_MAX_PARTS];
    size_t nparts;
    /* rows of the seed's table: [label] + [reference] keyed by impl (one
       run), or [row KEY] sections (from = part/impl) */
    struct {
        char *key, *label, *reference, *from, *table;
        double range_lo, range_hi; /* the seed's published range; 0: none */
    } rows[EXP_MAX_ROWS];
    size_t nrows;
    /* [ratio] a/b[@metric] = the seed's speed ratio of a over b: a number,
       a band LO-HI, or nothing (the band from the rows' ranges); a and b are
       row keys (or impls in a file of one run) */
    struct {
        char *a, *b, *metric;
        double value, band_lo, band_hi;
    } ratios[EXP_MAX_ROWS];
    size_t nratios;
    struct exp_goal goals[EXP_MAX_GOALS];
    size_t ngoals;
    int multi;        /* rows come from [part] sections */
    const char *mode; /* "quick" or "full" */
};

/* Finds NAME (a file path, or NAME.ini in $CONTEND_WORKLOADS or the source
   tree's workloads/) and loads it for mode. 0 or -errno with err. */
int res_experiment_load(const char *name, const char *mode, struct experiment *e, char *err,
                        size_t n);
/* The same from an INI document in memory (tests, fuzzing). */
int res_experiment_load_string(const char *text, const char *mode, struct experiment *e, char *err,
                               size_t n);
void res_experiment_free(struct experiment *e);
struct run_opts;
/* Part i's options with extra appended (`contend run` options overriding
   the file's; --ops or --duration replaces the file's stop rule), parsed
   into o. 0, or -EINVAL/-E2BIG with "PATH: reason" in err. */
int res_experiment_part_opts(struct experiment *e, size_t i, const char *const *extra, int nextra,
                             struct run_opts *o, char *err, size_t n);
/* The same for an experiment of one run (part 0). */
int res_experiment_opts(struct experiment *e, const char *const *extra, int nextra,
                        struct run_opts *o, char *err, size_t n);
/* [goal KEY] key = value into e (experiment_goal.c): 1, or 0 with "PATH:
   reason" in err. */
int res_experiment_goal_key(struct experiment *e, const char *goal, const char *key,
                            const char *value, char *err, size_t n);
/* After loading: every goal names a part of e and a ratio. 0 or -EINVAL. */
int res_experiment_goals_check(const struct experiment *e, char *err, size_t n);
void res_experiment_goals_free(struct experiment *e);
/* Is e a frontier (report = frontier)? */
int res_experiment_is_frontier(const struct experiment *e);
/* The part called name, or -1. */
int res_experiment_part(const struct experiment *e, const char *name);
/* The row called key, or -1. */
int res_experiment_row(const struct experiment *e, const char *key);
/* The band [lo, hi] (widened) of ratio k: 0, or -ENOENT when the file
   gives none (no value, no band, no ranges for its rows). */
int res_experiment_band(const struct experiment *e, size_t k, double *lo, double *hi);
/* The implementation row key measures (its from's IMPL; in a file of one
   run, key itself), and in *family the family its part runs (or NULL). */
const char *res_experiment_row_impl(const struct experiment *e, const char *key,
                                    const char **family);
const char *res_experiment_label(const struct experiment *e, const char *impl);
const char *res_experiment_reference(const struct experiment *e, const char *impl);
const char *res_workloads_dir(void); /* $CONTEND_WORKLOADS, else DATA/workloads */
/* PREFIX/share/contend beside an installed binary, else the source tree
   (results/datadir.c). */
const char *res_data_dir(void);

#endif
