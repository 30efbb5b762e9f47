/* contend run: one run of one family, printed and optionally saved. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    char err[ERRLEN] = "";
    run_opts_defaults(&o);
    int rc = run_opts_parse(argc, argv, &o, err, sizeof err);
    if (rc == 1) { fputs(run_usage, stdout); return 0; }
    if (rc) { fprintf(stderr, "contend run: %s\n", err); return 2; }

    context_warn(stderr, "contend run");
    struct run_result r;
    if ((rc = engine_run(&o, &r, err, sizeof err)) != 0) {
        fprintf(stderr, "contend run: %s\n", err);
        return 2;
    }
    if (!o.quiet) print_table(stdout, &r);
    int status = 0;
    for (size_t i = 0; i < r.ncells; i++)
        if (r.cells[i].verdict == VERDICT_FAIL) status = 1;
    if (o.out && write_result_json(o.out, &r, err, sizeof err) != 0) {
        fprintf(stderr, "contend run: %s\n", err);
        status = 2;
    }
    if (status == 1) fprintf(stderr, "contend run: a cell failed its correctness check\n");
    run_result_free(&r);
    return status;
}
