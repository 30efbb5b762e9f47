/* Named experiments: small INI files in workloads/ (parsed with inih). */
#ifndef CONTEND_EXPERIMENT_H
#define CONTEND_EXPERIMENT_H

#include <stddef.h>

#define EXP_MAX_ARGS 64
#define EXP_MAX_ROWS 32

struct experiment {
    char *path; /* the file (owned) */
    char name[64];
    char *title, *family, *impl, *seed_file;
    char *columns; /* metrics of the evolution table, in order (or NULL) */
    unsigned focus_threads;
    /* `contend run` argv built from [run] and the chosen mode's section */
    char *argv[EXP_MAX_ARGS];
    int argc;
    struct {
        char *key, *label, *reference;
    } rows[EXP_MAX_ROWS];
    size_t nrows;
    /* [ratio]: "a/b" (or "a/b@metric") = the seed's speed ratio of a over b */
    struct {
        char *a, *b, *metric;
        double value;
    } ratios[EXP_MAX_ROWS];
    size_t nratios;
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
/* Appends extra (`contend run` options overriding the file's; --ops or
   --duration replaces the file's stop rule) and parses the result into o.
   0, or -EINVAL/-E2BIG with "PATH: reason" in err. */
int res_experiment_opts(struct experiment *e, const char *const *extra, int nextra,
                        struct run_opts *o, char *err, size_t n);
/* Removes every "OPT VALUE" pair from the experiment's run options. */
void res_experiment_drop_option(struct experiment *e, const char *opt);
const char *res_experiment_label(const struct experiment *e, const char *impl);
const char *res_experiment_reference(const struct experiment *e, const char *impl);
const char *res_workloads_dir(void); /* $CONTEND_WORKLOADS, else DATA/workloads */
/* PREFIX/share/contend beside an installed binary, else the source tree
   (results/datadir.c). */
const char *res_data_dir(void);

#endif
