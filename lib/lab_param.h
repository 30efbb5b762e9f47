/* lab_param.h: the values of a variant's parameters (struct lab_param in
 * impls/lab.h) for the trial that runs it. The harness sets them before
 * create(); the variant reads them with lab_param(name). */
#ifndef LAB_PARAM_H
#define LAB_PARAM_H

#include <stddef.h>

/* A tunable parameter of a variant (struct lab_impl.params), set with
   `--param NAME=VALUE` (or `--param IMPL.NAME=VALUE`, or in an experiment
   file), shown by `contend list`, checked against its range and recorded
   in results. The variant reads it with lab_param(name), e.g. in create(). */
struct lab_param {
    const char *name; /* [a-z][a-z0-9_]*; NULL ends a table */
    const char *help; /* one line */
    double def, min, max;
    int integer; /* 1: an integer */
};

/* The value of the running variant's parameter name: the one given
   (--param) or its default. 0 for a name the variant does not declare. */
double lab_param(const char *name);

/* The harness: the parameters of the variant about to run and their values
   (parallel to decl; values NULL: every default). Both stay borrowed until
   the next call. Not for use while a trial runs. */
void lab_param_set(const struct lab_param *decl, const double *values);

#endif
