/* The running variant's parameter values (lab_param.h). A trial runs in a
   process of its own, so one table per process is enough. */
#include "lab_param.h"

#include <string.h>

static const struct lab_param *param_decl;
static const double *param_values;

void lab_param_set(const struct lab_param *decl, const double *values)
{
    param_decl = decl;
    param_values = values;
}

double lab_param(const char *name)
{
    for (size_t i = 0; param_decl && param_decl[i].name; i++)
        if (!strcmp(param_decl[i].name, name))
            return param_values ? param_values[i] : param_decl[i].def;
    return 0;
}
