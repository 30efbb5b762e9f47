/* contend stress: every implementation of every family at a thread count
 * far past the cores (workloads/stress-<family>.ini), with the correctness
 * checks on (exactly-once for batchers, no lost update for stores). Exit 1
 * if any cell fails, crashes or hangs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "experiment.h"
#include "harness.h"

static const char stress_usage[] =
"usage: contend stress [--family F] [--threads N]\n"
"\n"
"Runs every implementation of each family (or of F) under\n"
"workloads/stress-<family>.ini: batchers at 10,000 threads, stores at 256,\n"
"one rep each, with the correctness checks. Not a benchmark.\n"
"Exit status: 0 all passed, 1 a cell failed, 2 bad input.\n";

int cmd_stress(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "family", required_argument, 0, 'f' }, { "threads", required_argument, 0, 't' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
    };
    const char *only = NULL, *threads = NULL;
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1;) {
        if (c == 'h') { fputs(stress_usage, stdout); return 0; }
        if (c == 'f') only = optarg;
        else if (c == 't') threads = optarg;
        else {
            fprintf(stderr, "contend stress: bad option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "contend stress: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (only && !family_known(only)) {
        fprintf(stderr, "contend stress: unknown family '%s'\n", only);
        return 2;
    }
    int status = 0;
    for (size_t f = 0; lab_families[f]; f++) {
        const char *fam = lab_families[f];
        if ((only && strcmp(only, fam)) || !registry_list(fam, NULL, 0)) continue;
        char name[64], err[ERRLEN];
        snprintf(name, sizeof name, "stress-%s", fam);
        struct experiment e;
        if (experiment_load(name, "quick", &e, err, sizeof err) != 0) {
            fprintf(stderr, "contend stress: %s\n", err);
            return 2;
        }
        const char *extra[] = { "--threads", threads };
        struct run_opts o;
        if (experiment_opts(&e, extra, threads ? 2 : 0, &o, err, sizeof err) != 0) {
            fprintf(stderr, "contend stress: %s\n", err);
            experiment_free(&e);
            return 2;
        }
        o.argc = argc;
        o.argv = argv;
        struct run_result r;
        printf("== %s\n", e.title ? e.title : name);
        if (engine_run(&o, &r, err, sizeof err) != 0) {
            fprintf(stderr, "contend stress: %s\n", err);
            experiment_free(&e);
            return 2;
        }
        int s = finish_run("stress", &r, NULL, NULL);
        if (s > status) status = s;
        run_result_free(&r);
        experiment_free(&e);
    }
    return status;
}
