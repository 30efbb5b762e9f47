/* contend reproduce NAME: runs a named experiment (workloads/NAME.ini) and
 * prints it in the seed's table shape, with the seed's published figures in
 * a labelled reference column beside our measurements. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "harness.h"
#include "report.h"

static const char reproduce_usage[] =
"usage: contend reproduce NAME [--quick | --full] [--reps R] [--threads LIST]\n"
"                              [--ops N | --duration S] [--seed S] [--out DIR]\n"
"                              [--keys N]\n"
"       contend reproduce NAME --render-only [--out DIR]\n"
"\n"
"Reproduces a seed's evolution table. NAME is an experiment file in\n"
"workloads/ (snail, taskstore), a path to one, or all (every seed experiment\n"
"present). --quick (default) runs the small matrix of the file's [quick]\n"
"section; --full the seed-sized [full] one. The other options override the\n"
"file's values (--ops or --duration replaces its stop rule). DIR (default\n"
"results/latest/NAME) receives results.json, summary.csv, report.md,\n"
"report.html and plots/ (docs/reports.md). --render-only writes the report\n"
"again from DIR/results.json without running (results measured elsewhere).\n";

static void print_reproduction(const struct run_result *r, void *arg)
{
    const struct experiment *e = arg;
    const struct run_opts *o = r->opts;
    printf("\n%s: %s mode, measured on this machine\n\n", e->title ? e->title : e->name, e->mode);
    printf("%-22s %-10s", "Approach", "impl");
    for (size_t t = 0; t < o->nthreads; t++) {
        char h[32];
        snprintf(h, sizeof h, "%u thr", o->threads[t]);
        printf(" %11s", h);
    }
    printf("  %-8s %-5s  %s\n", "jain@max", "1x", "seed's figure (reference)");
    for (size_t i = 0; i < o->nimpls; i++) {
        const char *name = o->impls[i]->name;
        printf("%-22s %-10s", experiment_label(e, name), name);
        const struct cell *last = NULL;
        enum verdict v = VERDICT_NA;
        for (size_t t = 0; t < o->nthreads; t++) {
            const struct cell *c = &r->cells[t * o->nimpls + i];
            char buf[16];
            printf(" %11s", format_si(c->ops_per_s.median, buf, sizeof buf));
            last = c;
            if (c->verdict == VERDICT_FAIL || v == VERDICT_NA) v = c->verdict;
        }
        printf("  %-8.3f %-5s  %s\n", last ? last->jain.median : 0,
               v == VERDICT_OK ? "ok" : v == VERDICT_FAIL ? "FAIL" : "n/a",
               experiment_reference(e, name));
    }
    printf("\nops/s: median of %u reps, %s; jain@max: fairness at the largest thread count;\n"
           "1x: every item delivered exactly once. Threads are OS threads, not goroutines.\n",
           o->reps, o->ops ? "fixed work split over the threads" : "fixed time");
    if (e->seed_file) printf("Reference column: the seed's published figures (%s), not ours.\n",
                             e->seed_file);
}

/* The store family's table: the seed's columns, one block per thread count. */
static void print_store_reproduction(const struct run_result *r, void *arg)
{
    const struct experiment *e = arg;
    const struct run_opts *o = r->opts;
    printf("\n%s: %s mode, measured on this machine\n", e->title ? e->title : e->name, e->mode);
    for (size_t t = 0; t < o->nthreads; t++) {
        printf("\n%u thread%s\n%-26s %-10s %10s %11s %9s %9s %10s %-4s  %s\n", o->threads[t],
               o->threads[t] == 1 ? "" : "s", "Implementation", "impl", "Read ns/op",
               "Write ns/op", "B/op", "allocs/op", "GetAll ms", "ok", "seed's figure (reference)");
        for (size_t i = 0; i < o->nimpls; i++) {
            const struct cell *c = &r->cells[t * o->nimpls + i];
            const char *name = o->impls[i]->name;
            char v[5][24];
            const double x[5] = { c->read_ns.median, c->write_ns.median, c->bytes_per_op.median,
                                  c->allocs_per_op.median, c->scan_ms.median };
            const char *fmt[5] = { "%.1f", "%.1f", "%.1f", "%.2f", "%.3f" };
            for (int k = 0; k < 5; k++) {
                if (x[k] == x[k]) snprintf(v[k], sizeof v[k], fmt[k], x[k]);
                else snprintf(v[k], sizeof v[k], "n/a");
            }
            printf("%-26s %-10s %10s %11s %9s %9s %10s %-4s  %s\n", experiment_label(e, name), name,
                   v[0], v[1], v[2], v[3], v[4],
                   c->verdict == VERDICT_OK ? "ok" : c->verdict == VERDICT_FAIL ? "FAIL" : "n/a",
                   experiment_reference(e, name));
        }
    }
    printf("\nMedians of %u reps. Read/Write ns/op: wall time of the read phase and of the write\n"
           "phase over their op counts (as a Go parallel benchmark reports ns/op); B/op and\n"
           "allocs/op: allocations counted in the timed region, per op (all op types); GetAll:\n"
           "mean time of one scan. ok: the final scan saw exactly the expected records.\n"
           "Threads are OS threads, not goroutines.\n", o->reps);
    if (e->seed_file) printf("Reference column: the seed's published figures (%s), not ours.\n",
                             e->seed_file);
}

static int reproduce_all(int argc, char **argv, int at, const char *outdir);

int cmd_reproduce(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "quick", no_argument, 0, 'q' }, { "full", no_argument, 0, 'f' },
        { "reps", required_argument, 0, 'r' }, { "threads", required_argument, 0, 't' },
        { "ops", required_argument, 0, 'o' }, { "seed", required_argument, 0, 's' },
        { "out", required_argument, 0, 'O' }, { "help", no_argument, 0, 'h' },
        { "keys", required_argument, 0, 'k' },
        { "render-only", no_argument, 0, 'R' },
        { "duration", required_argument, 0, 'd' },
        { 0, 0, 0, 0 }
    };
    const char *mode = "quick", *extra[16], *outdir = NULL;
    int nextra = 0, render_only = 0;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1) break;
        switch (c) {
        case 'h': fputs(reproduce_usage, stdout); return 0;
        case 'q': mode = "quick"; break;
        case 'f': mode = "full"; break;
        case 'O': outdir = optarg; break;
        case 'R': render_only = 1; break;
        case 'r': case 't': case 'o': case 's': case 'k': case 'd': {
            const char *name = c == 'r' ? "--reps" : c == 't' ? "--threads" : c == 'o' ? "--ops"
                             : c == 's' ? "--seed" : c == 'd' ? "--duration" : "--keys";
            if (nextra + 2 > (int)(sizeof extra / sizeof extra[0])) {
                fprintf(stderr, "contend reproduce: too many options\n");
                return 2;
            }
            extra[nextra++] = name;
            extra[nextra++] = optarg;
            break;
        }
        default:
            fprintf(stderr, "contend reproduce: bad option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "contend reproduce: name one experiment (e.g. snail)\n");
        return 2;
    }
    if (strcmp(argv[optind], "all") == 0) return reproduce_all(argc, argv, optind, outdir);
    struct experiment e;
    char err[ERRLEN];
    if (experiment_load(argv[optind], mode, &e, err, sizeof err) != 0) {
        fprintf(stderr, "contend reproduce: %s\n", err);
        return 2;
    }
    if (render_only) {
        /* the report of results measured earlier, maybe on another machine */
        char rdir[512];
        snprintf(rdir, sizeof rdir, outdir ? "%s" : "results/latest/%s", outdir ? outdir : e.name);
        int rc = reproduce_report(rdir, &e, argc, argv, err, sizeof err);
        if (rc) fprintf(stderr, "contend reproduce: %s\n", err);
        else fprintf(stderr, "contend reproduce: wrote %s/report.md\n", rdir);
        experiment_free(&e);
        return rc ? 2 : 0;
    }
    struct run_opts o;
    int rc = experiment_opts(&e, extra, nextra, &o, err, sizeof err);
    if (rc) {
        fprintf(stderr, "contend reproduce: %s\n", err);
        experiment_free(&e);
        return 2;
    }
    char dir[512], json[600];
    snprintf(dir, sizeof dir, outdir ? "%s" : "results/latest/%s", outdir ? outdir : e.name);
    snprintf(json, sizeof json, "%s/results.json", dir);
    if (make_dirs(dir, err, sizeof err) != 0) {
        fprintf(stderr, "contend reproduce: %s\n", err);
        experiment_free(&e);
        return 2;
    }
    o.out = json;
    o.argc = argc;           /* record the user's command line, not the file's */
    o.argv = argv;
    struct run_result r;
    fprintf(stderr, "contend reproduce %s (%s): %zu cells x %u reps\n", e.name, mode,
            o.nimpls * o.nthreads, o.reps);
    if ((rc = engine_run(&o, &r, err, sizeof err)) != 0) {
        fprintf(stderr, "contend reproduce: %s\n", err);
        experiment_free(&e);
        return 2;
    }
    int status = finish_run("reproduce", &r,
                            strcmp(o.family, "store") == 0 ? print_store_reproduction
                                                           : print_reproduction, &e);
    run_result_free(&r);
    if (status <= 1 && reproduce_report(dir, &e, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "contend reproduce: %s (the results are in %s)\n", err, json);
        status = 2;
    } else if (status <= 1) fprintf(stderr, "contend reproduce: wrote %s/report.md\n", dir);
    experiment_free(&e);
    return status;
}

/* `reproduce all`: every seed experiment present in workloads/, each into
   its own directory (DIR/NAME with --out DIR). The worst status wins. */
static int reproduce_all(int argc, char **argv, int at, const char *outdir)
{
    static const char *const names[] = { "snail", "taskstore" };
    int worst = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char ini[600], dir[600];
        snprintf(ini, sizeof ini, "%s/%s.ini", workloads_dir(), names[i]);
        if (access(ini, R_OK) != 0) continue;
        char **av = calloc((size_t)argc + 3, sizeof *av);
        if (!av) return 2;
        int k = 0;
        for (int j = 0; j < argc; j++) {
            if (j == at) av[k++] = (char *)names[i];
            else if (!strcmp(argv[j], "--out")) j++;
            else if (strncmp(argv[j], "--out=", 6)) av[k++] = argv[j];
        }
        if (outdir) {
            snprintf(dir, sizeof dir, "%s/%s", outdir, names[i]);
            av[k++] = "--out";
            av[k++] = dir;
        }
        int st = cmd_reproduce(k, av);
        free(av);
        if (st > worst) worst = st;
    }
    return worst;
}
