/* contend reproduce NAME: runs a named experiment (workloads/NAME.ini) and
 * prints it in the seed's table shape, with the seed's published figures in
 * a labelled reference column beside our measurements; then writes the
 * report (report/report.c) into the output directory. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "experiment.h"
#include "family.h"
#include "merge.h"
#include "report.h"
#include "results.h"
#include "view.h"

#define REPRODUCE_MAX_SET 16

struct reproduce_args {
    int quick, full, render_only, dry_run;
    const char *reps, *threads, *ops, *duration, *seed, *out, *runners;
    struct reproduce_sets {
        const char *v[REPRODUCE_MAX_SET];
        size_t n;
    } set;
};

/* --set KEY=VALUE: any run or family option, repeatable. */
static int reproduce_set(const char *v, void *field, char *err, size_t n)
{
    struct reproduce_sets *s = field;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1] || eq - v > 60) {
        snprintf(err, n, "'%.60s' is not KEY=VALUE", v);
        return -EINVAL;
    }
    if (s->n == REPRODUCE_MAX_SET) {
        snprintf(err, n, "at most %d of them", REPRODUCE_MAX_SET);
        return -EINVAL;
    }
    s->v[s->n++] = v;
    return 0;
}

#define O(f) offsetof(struct reproduce_args, f)
static const struct opt_spec reproduce_opts[] = {
    { "quick", OPT_FLAG, O(quick), NULL, "the file's [quick] matrix (default)" },
    { "full", OPT_FLAG, O(full), NULL, "the seed-sized [full] matrix" },
    { "out", OPT_STR, O(out), "DIR", "output directory (default results/latest/NAME)",
      .flags = OPT_NONEMPTY },
    { "render-only", OPT_FLAG, O(render_only), NULL,
      "write the report again from DIR/results.json, without\n"
      "running (results measured elsewhere)" },
    { "dry-run", OPT_FLAG, O(dry_run), NULL,
      "print each run's plan (cells, trials, a time estimate)\n"
      "and the total, then exit: nothing is run or written" },
    { "reps", OPT_STR, O(reps), "R", "override the file's reps", .flags = OPT_NONEMPTY },
    { "threads", OPT_STR, O(threads), "LIST", "override its thread counts", .flags = OPT_NONEMPTY },
    { "ops", OPT_STR, O(ops), "N", "fixed work instead of its stop rule", .flags = OPT_NONEMPTY },
    { "duration", OPT_STR, O(duration), "S", "fixed time instead of its stop rule",
      .flags = OPT_NONEMPTY },
    { "seed", OPT_STR, O(seed), "S", "override its seed", .flags = OPT_NONEMPTY },
    { "runners", OPT_STR, O(runners), "LIST",
      "run every part under each of these runners (default: the\n"
      "file's `runners`, else threads), e.g. threads,fibers:2",
      .flags = OPT_NONEMPTY },
    { "set", OPT_CUSTOM, O(set), "KEY=VALUE",
      "override any other `run` option of the file (repeatable),\n"
      "e.g. --set keys=100k",
      .parse = reproduce_set },
    { 0 }
};
#undef O

static struct reproduce_args reproduce_a;
static const struct opt_group reproduce_groups[] = { { NULL, reproduce_opts, &reproduce_a } };
static void reproduce_defaults(void) { reproduce_a = (struct reproduce_args){ 0 }; }

const struct cli_spec cmd_reproduce_spec = {
    "reproduce",
    "usage: contend reproduce NAME [options]\n",
    "\n"
    "Reproduces a seed's evolution table, or ranks a family's designs (the\n"
    "frontier). NAME is an experiment file in workloads/ (snail, taskstore,\n"
    "frontier), a path to one, or all (every experiment of group seed). The\n"
    "other options override the file's values (--threads takes cpus, Nxcpus).\n"
    "DIR receives results.json, summary.csv, report.md, report.html and plots/\n"
    "(docs/reports.md; a frontier's tables: docs/frontier.md).\n"
    "\n",
    reproduce_groups,
    1,
    "\nExit status: 0 ok; 1 a cell failed; 2 bad input; 130 interrupted.\n",
    .defaults = reproduce_defaults
};

void cmd_reproduce_help(FILE *f) { cli_help(f, &cmd_reproduce_spec); }

static const char *reproduce_verdict(enum verdict v) { return run_verdict_name(v); }

/* The widest seed label of the run's implementations (at least min). */
static int reproduce_label_width(const struct run_opts *o, const struct experiment *e, int min)
{
    int w = min;
    for (size_t i = 0; i < o->nimpls; i++) {
        int l = (int)strlen(res_experiment_label(e, o->impls[i]->name));
        if (l > w) w = l;
    }
    return w;
}

/* A cell's median as text, or why there is none. */
static const char *reproduce_value(const struct cell *c, double v, const char *fmt, char *buf,
                                   size_t n)
{
    if (!c->ntrials && c->outcome == OUTCOME_OK) return "not run";
    if (v != v) return "n/a";
    if (fmt)
        snprintf(buf, n, fmt, v);
    else
        rep_format_si(v, buf, n);
    return buf;
}

/* The seed's throughput table: ops/s at every thread count. */
static void reproduce_print_speed(const struct run_result *r, const struct experiment *e)
{
    const struct run_opts *o = r->opts;
    int w = reproduce_label_width(o, e, 8);
    printf("%-*s", w, "Approach");
    for (size_t t = 0; t < o->threads.n; t++) {
        char h[32];
        snprintf(h, sizeof h, "%u thr", o->threads.v[t]);
        printf(" %9s", h);
    }
    printf(" %8s  %s\n", "jain@max", "check");
    for (size_t i = 0; i < o->nimpls; i++) {
        const char *name = o->impls[i]->name;
        printf("%-*s", w, res_experiment_label(e, name));
        const struct cell *last = NULL;
        enum verdict v = VERDICT_NA;
        for (size_t t = 0; t < o->threads.n; t++) {
            const struct cell *c = &r->cells[t * o->nimpls + i];
            char buf[16];
            printf(" %9s", reproduce_value(c, c->ops_per_s.median, NULL, buf, sizeof buf));
            last = c;
            if (c->verdict == VERDICT_FAIL || v == VERDICT_NA) v = c->verdict;
        }
        char j[16];
        printf(" %8s  %s\n",
               last ? reproduce_value(last, last->jain.median, "%.3g", j, sizeof j) : "n/a",
               reproduce_verdict(v));
    }
    printf("\nops/s: median of %u reps, %s;\njain@max: fairness at the largest thread "
           "count; check: %s.\nThreads are OS threads, not goroutines.\n",
           o->reps, o->ops ? "fixed work split over the threads" : "fixed time", o->fam->check);
}

/* A column's title over two lines: "read ns/op" -> "read" / "ns/op". */
static void reproduce_split(const char *col, char *top, char *bottom, size_t n)
{
    const char *sp = strrchr(col, ' ');
    snprintf(top, n, "%.*s", sp ? (int)(sp - col) : 0, col);
    snprintf(bottom, n, "%s", sp ? sp + 1 : col);
}

/* The experiment's own columns, one block per thread count; at most 80
   characters wide (the seed's figures follow the tables). */
static void reproduce_print_columns(const struct run_result *r, const struct experiment *e)
{
    const struct run_opts *o = r->opts;
    const struct family_driver *f = o->fam;
    int col[16];
    size_t ncol = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", e->columns);
    char *save = NULL;
    for (char *c = strtok_r(buf, ", ", &save); c && ncol < 16; c = strtok_r(NULL, ", ", &save))
        if ((col[ncol] = run_family_metric(f, c)) >= 0) ncol++;
    int w = reproduce_label_width(o, e, 14);
    for (size_t t = 0; t < o->threads.n; t++) {
        char head[32];
        snprintf(head, sizeof head, "%u thread%s", o->threads.v[t],
                 o->threads.v[t] == 1 ? "" : "s");
        for (int line = 0; line < 2; line++) {
            printf("\n%-*s", w, line ? "Implementation" : head);
            for (size_t k = 0; k < ncol; k++) {
                char top[32], bottom[32];
                const struct fam_metric *m = &f->metrics[col[k]];
                reproduce_split(m->col ? m->col : m->name, top, bottom, sizeof top);
                printf(" %9s", line ? bottom : top);
            }
            if (line) printf(" check");
        }
        putchar('\n');
        for (size_t i = 0; i < o->nimpls; i++) {
            const struct cell *c = &r->cells[t * o->nimpls + i];
            printf("%-*s", w, res_experiment_label(e, o->impls[i]->name));
            for (size_t k = 0; k < ncol; k++) {
                char v[24];
                const struct fam_metric *m = &f->metrics[col[k]];
                printf(
                    " %9s",
                    reproduce_value(c, c->m[col[k]].median, m->fmt ? m->fmt : "%.3g", v, sizeof v));
            }
            printf(" %s\n", reproduce_verdict(c->verdict));
        }
    }
    printf("\nMedians of %u reps (the family's metrics: docs/). check: %s.\n"
           "Threads are OS threads, not goroutines.\n",
           o->reps, f->check);
}

/* Prints text from column at (after what is already on the line), wrapped
   at 78 columns, continuation lines indented by 4. */
static void reproduce_wrap(const char *text, int at)
{
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int len = sp ? (int)(sp - p) : (int)strlen(p);
        if (at > 4 && at + 1 + len > 78) {
            fputs("\n   ", stdout);
            at = 3;
        }
        printf(" %.*s", len, p);
        at += 1 + len;
        p += len;
        while (*p == ' ') p++;
    }
    putchar('\n');
}

/* The seed's published figures, one line (or a few) per implementation. */
static void reproduce_print_reference(const struct run_result *r, const struct experiment *e)
{
    const struct run_opts *o = r->opts;
    int any = 0;
    for (size_t i = 0; i < o->nimpls; i++) {
        const char *name = o->impls[i]->name, *ref = res_experiment_reference(e, name);
        if (!*ref) continue;
        if (!any++)
            printf("\nThe seed's figures: a reference (Go, its own machine), not ours\n(%s):\n",
                   e->seed_file ? e->seed_file : "the seed");
        int at = printf("  %s (%s):", res_experiment_label(e, name), name);
        reproduce_wrap(ref, at);
    }
}

static void reproduce_print(const struct run_result *r, void *arg)
{
    const struct experiment *e = arg;
    printf("\n%s\n%s mode, measured on this machine\n%s", e->title ? e->title : e->name, e->mode,
           e->columns ? "" : "\n");
    if (e->columns)
        reproduce_print_columns(r, e);
    else
        reproduce_print_speed(r, e);
    reproduce_print_reference(r, e);
}

/* The runners an experiment runs under: --runners, else the file's
   `runners`, else threads. */
static size_t reproduce_runners(const struct experiment *e, char out[][24], size_t max)
{
    const char *list = reproduce_a.runners ? reproduce_a.runners
        : e->runners                       ? e->runners
                                           : "threads";
    size_t k = 0;
    for (const char *p = list; *p && k < max;) {
        while (*p == ' ' || *p == ',') p++;
        size_t len = strcspn(p, ", ");
        if (len) snprintf(out[k++], 24, "%.*s", (int)(len < 23 ? len : 23), p);
        p += len;
    }
    return k;
}

/* One run of the reproduction: part k under runner, into out (NULL: only
   check its options, before anything is written; with --dry-run, print its
   plan and add its estimate to *total). */
static int reproduce_part(struct experiment *e, size_t k, const char *runner, const char *out,
                          const char *const *extra, int nextra, int print, int argc, char **argv,
                          double *total)
{
    const char *more[2 * (6 + REPRODUCE_MAX_SET)];
    char err[ERRLEN];
    int nmore = 0;
    for (int i = 0; i < nextra; i++) more[nmore++] = extra[i];
    more[nmore++] = "--runner";
    more[nmore++] = runner;
    struct run_opts o;
    if (res_experiment_part_opts(e, k, more, nmore, &o, err, sizeof err))
        return cli_fail("reproduce", err);
    if (!out && reproduce_a.dry_run) {
        struct run_plan p;
        char who[200];
        run_plan_make(&o, &p);
        snprintf(who, sizeof who, "%s%s%s (%s)", e->name, e->multi ? " part " : "",
                 e->multi ? e->parts[k].name : "", runner);
        run_plan_print(stdout, who, &o, &p);
        *total += p.work_s + p.startup_s;
    }
    if (!out) return 0;
    o.out = out;
    o.part = e->multi ? e->parts[k].name : NULL;
    o.quiet = !print;
    o.argc = argc; /* record the user's command line, not the file's */
    o.argv = argv;
    fprintf(stderr, "contend reproduce %s (%s)%s%s under %s: %zu cells x %u reps\n", e->name,
            e->mode, e->multi ? ", part " : "", e->multi ? e->parts[k].name : "", runner,
            o.nimpls * o.threads.n, o.reps);
    return cli_run("reproduce", &o, print ? reproduce_print : NULL, e);
}

/* The seed's tables on stdout, as text for a terminal. */
static int reproduce_tables(const char *dir, const struct experiment *e, const char *mode,
                            char *err, size_t n)
{
    const char *title = e->title ? e->title : e->name;
    printf("\n%s\n", title);
    for (size_t i = 0; title[i] && i < 80; i++) putchar('=');
    printf("\n%s mode, measured on this machine\n\n", mode);
    int rc = rep_reproduce_print(stdout, dir, e, err, n);
    fflush(stdout);
    return rc;
}

static int reproduce_one(const char *name, const char *outdir, int argc, char **argv)
{
    const struct reproduce_args *a = &reproduce_a;
    const char *mode = a->full ? "full" : "quick";
    struct experiment e;
    char err[ERRLEN], dir[RES_DIR_MAX + 80];
    if (res_experiment_load(name, mode, &e, err, sizeof err) != 0)
        return cli_fail("reproduce", err);
    snprintf(dir, sizeof dir, outdir ? "%s" : "results/latest/%s", outdir ? outdir : e.name);
    if (a->render_only) {
        int rc = reproduce_tables(dir, &e, mode, err, sizeof err);
        if (!rc) rc = rep_reproduce(dir, &e, argc, argv, err, sizeof err);
        if (rc)
            cli_fail("reproduce", err);
        else
            fprintf(stderr, "contend reproduce: wrote %s/report.md\n", dir);
        res_experiment_free(&e);
        return rc ? 2 : 0;
    }
    const char *extra[2 * (5 + REPRODUCE_MAX_SET)];
    char setbuf[REPRODUCE_MAX_SET][128];
    int nextra = 0;
    const char *over[][2] = { { "--reps", a->reps },
                              { "--threads", a->threads },
                              { "--ops", a->ops },
                              { "--duration", a->duration },
                              { "--seed", a->seed } };
    for (size_t i = 0; i < 5; i++)
        if (over[i][1]) extra[nextra++] = over[i][0], extra[nextra++] = over[i][1];
    for (size_t i = 0; i < a->set.n; i++) {
        const char *eq = strchr(a->set.v[i], '=');
        snprintf(setbuf[i], sizeof setbuf[i], "--%.*s", (int)(eq - a->set.v[i]), a->set.v[i]);
        extra[nextra++] = setbuf[i];
        extra[nextra++] = eq + 1;
    }
    char runners[4][24];
    double total = 0;
    size_t nrun = reproduce_runners(&e, runners, 4), nruns = e.nparts * nrun;
    char(*paths)[1200] = calloc(nruns ? nruns : 1, sizeof *paths);
    int status = paths ? 0 : cli_fail("reproduce", "out of memory");
    for (size_t k = 0; !status && k < e.nparts; k++) /* every run's options, first */
        for (size_t u = 0; !status && u < nrun; u++)
            status = reproduce_part(&e, k, runners[u], NULL, extra, nextra, 0, argc, argv, &total);
    if (!status && a->dry_run) {
        printf("%s: %zu run%s, estimate %.0f s (%.1f min) in all\n", e.name, nruns,
               nruns == 1 ? "" : "s", total, total / 60);
        free(paths);
        res_experiment_free(&e);
        return 0;
    }
    if (!status && res_make_dirs(dir, err, sizeof err)) status = cli_fail("reproduce", err);
    if (!status && nruns > 1) {
        snprintf(paths[0], sizeof paths[0], "%s/parts", dir);
        if (res_make_dirs(paths[0], err, sizeof err)) status = cli_fail("reproduce", err);
    }
    /* every part under every runner; one run goes straight to results.json */
    for (size_t k = 0, r = 0; status < 2 && k < e.nparts; k++)
        for (size_t u = 0; status < 2 && u < nrun; u++, r++) {
            if (nruns == 1)
                snprintf(paths[r], sizeof paths[r], "%s/results.json", dir);
            else
                snprintf(paths[r], sizeof paths[r], "%s/parts/%s-%s.json", dir,
                         *e.parts[k].name ? e.parts[k].name : "run", runners[u]);
            int st = reproduce_part(&e, k, runners[u], paths[r], extra, nextra, nruns == 1, argc,
                                    argv, NULL);
            if (st > status) status = st;
        }
    if (status <= 1 && nruns > 1) { /* the runs as one file, then the seed's tables */
        const char *in[EXP_MAX_PARTS * 4];
        char json[1100];
        for (size_t r = 0; r < nruns; r++) in[r] = paths[r];
        snprintf(json, sizeof json, "%s/results.json", dir);
        json_t *m = res_merge(in, nruns, NULL, err, sizeof err);
        if (!m || res_write_json_atomic(json, m, err, sizeof err))
            status = cli_fail("reproduce", err);
        json_decref(m);
    }
    if (status <= 1 && reproduce_tables(dir, &e, mode, err, sizeof err))
        status = cli_fail("reproduce", err);
    if (status <= 1 && rep_reproduce(dir, &e, argc, argv, err, sizeof err) != 0) {
        cli_errorf("reproduce", "%s (the results are in %s)", err, dir);
        status = 2;
    } else if (status <= 1)
        fprintf(stderr, "contend reproduce: wrote %s/report.md\n", dir);
    free(paths);
    res_experiment_free(&e);
    return status;
}

static int reproduce_by_name(const void *a, const void *b) { return strcmp(a, b); }

/* The experiments of workloads/ whose `group` is group, by name: how many
   (at most max), or -errno with err (a file that does not load is an error,
   not skipped). */
static int reproduce_group(const char *group, char names[][64], int max, char *err, size_t n)
{
    DIR *d = opendir(res_workloads_dir());
    if (!d) {
        snprintf(err, n, "%s: %s", res_workloads_dir(), strerror(errno));
        return -errno;
    }
    int k = 0, rc = 0;
    for (struct dirent *de; !rc && k < max && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || len > 60 || strcmp(de->d_name + len - 4, ".ini"))
            continue;
        struct experiment e;
        snprintf(names[k], 64, "%.*s", (int)(len - 4), de->d_name);
        if ((rc = res_experiment_load(names[k], "quick", &e, err, n))) break;
        k += e.group && !strcmp(e.group, group);
        res_experiment_free(&e);
    }
    closedir(d);
    if (rc) return rc;
    qsort(names, (size_t)k, sizeof *names, reproduce_by_name);
    return k;
}

int cmd_reproduce(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_reproduce_spec, argc, argv, &res, &status)) return status;
    if (reproduce_a.quick && reproduce_a.full)
        return cli_fail("reproduce", "--quick or --full, not both");
    if (res.npos != 1) return cli_fail("reproduce", "name one experiment (e.g. snail)");
    int all = !strcmp(res.pos[0], "all");
    /* all: DIR/NAME for each experiment (a NAME is at most 63 bytes) */
    if (reproduce_a.out && cli_out_dir("reproduce", reproduce_a.out, all ? 64 : 0)) return 2;
    if (!all) return reproduce_one(res.pos[0], reproduce_a.out, argc, argv);
    /* all: every experiment of group seed in workloads/, each into its own
       directory (DIR/NAME with --out DIR); the worst status wins */
    char names[32][64], err[ERRLEN];
    int k = reproduce_group("seed", names, 32, err, sizeof err);
    if (k < 0) return cli_fail("reproduce", err);
    int worst = 0;
    for (int i = 0; i < k; i++) {
        char dir[RES_DIR_MAX + 3000];
        if (reproduce_a.out) snprintf(dir, sizeof dir, "%s/%s", reproduce_a.out, names[i]);
        int st = reproduce_one(names[i], reproduce_a.out ? dir : NULL, argc, argv);
        if (st > worst) worst = st;
        if (st >= 2) break; /* bad input, or interrupted (130): said once */
    }
    return worst;
}
