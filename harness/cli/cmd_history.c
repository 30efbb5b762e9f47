/* contend history add|show|plot|export|detect: results across commits and
 * machines in one SQLite file (results/history.c, report/trend.c,
 * docs/history.md). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "results.h"
#include "trend.h"

struct history_args {
    const char *db, *out;
    struct res_hist_filter f;
    double alpha, threshold;
    unsigned permutations;
    uint64_t seed;
};

#define O(f) offsetof(struct history_args, f)
static const struct opt_spec history_common[] = {
    { "db", OPT_STR, O(db), "FILE", "the history (default results/history.sqlite)",
      .flags = OPT_NONEMPTY },
    { "out", OPT_STR, O(out), "PATH",
      "plot: the directory (default results/history);\n"
      "export: the CSV file (default standard output)",
      .flags = OPT_NONEMPTY },
    { 0 }
};
static const struct opt_spec history_filters[] = {
    { "impl", OPT_STR, O(f.impl), "LIST", "implementations (comma list)", .flags = OPT_NONEMPTY },
    { "family", OPT_STR, O(f.family), "F", "one family", .flags = OPT_NONEMPTY },
    { "machine", OPT_STR, O(f.machine), "M",
      "a machine: its number, a host that ran it, or part of\n"
      "its CPU model or architecture",
      .flags = OPT_NONEMPTY },
    { "since", OPT_STR, O(f.since), "DATE", "runs measured on or after DATE (YYYY-MM-DD)",
      .flags = OPT_NONEMPTY },
    { "threads", OPT_STR, O(f.threads), "LIST", "thread counts (comma list)",
      .flags = OPT_NONEMPTY },
    { "metric", OPT_STR, O(f.metric), "LIST", "metrics (comma list; default ops_per_s)",
      .flags = OPT_NONEMPTY },
    { 0 }
};
static const struct opt_spec history_detect[] = {
    { "alpha", OPT_DOUBLE, O(alpha), "A",
      "significance of a change point and of the gate\n(default 0.01)", 1e-6, 0.5, OPT_POSITIVE },
    { "threshold", OPT_DOUBLE, O(threshold), "P",
      "the gate's smallest change that counts (default 3%)", 0, 1000, OPT_PERCENT },
    { "permutations", OPT_UINT, O(permutations), "N", "of the permutation test (default 499)", 19,
      100000 },
    { "seed", OPT_U64, O(seed), "S", "seed of the permutations (default 1)", 0,
      (double)UINT64_MAX },
    { 0 }
};
#undef O

static struct history_args history_a;
static const struct opt_group history_groups[] = {
    { NULL, history_common, &history_a },
    { "filters (show, plot, export, detect)", history_filters, &history_a },
    { "detect options", history_detect, &history_a },
};
static void history_defaults(void)
{
    history_a = (struct history_args){
        .db = "results/history.sqlite", .alpha = 0.01, .threshold = 0.03, .seed = 1
    };
}

const struct cli_spec cmd_history_spec = {
    "history",
    "usage: contend history add RESULT.json... [--db FILE]\n"
    "       contend history show|plot|export|detect [filters] [options]\n",
    "\n"
    "Keeps every trial of every run in one SQLite file, keyed by the commit the\n"
    "binary was built from (and its dirty state), the machine (CPU model, cores,\n"
    "memory, architecture), the experiment, family, runner and parameters. Kernel\n"
    "and compiler are recorded and marked where they change. A series is one\n"
    "metric of one cell (implementation, threads, workload) across runs.\n"
    "\n"
    "  add      store result files (merged ones too); a run already stored is\n"
    "           skipped, so adding the same file twice stores it once\n"
    "  show     each series: its runs, commits, trials, median [95% CI]\n"
    "  plot     gnuplot: one line per implementation across runs, CI bands\n"
    "  export   CSV, one row per trial\n"
    "  detect   change points (E-Divisive, permutation test): where, how\n"
    "           large (ratio with interval), the suspect commits; then the\n"
    "           gate: the newest run against the runs since the last change\n"
    "           (Mann-Whitney U, Hodges-Lehmann ratio, as compare)\n"
    "\n",
    history_groups,
    3,
    "\n"
    "Exit status: 0 ok; 1 detect: a series' newest run is a regression; 2 bad\n"
    "input (unreadable file, not a contend history, a filter that names nothing\n"
    "stored) with a one-line error.\n",
    .defaults = history_defaults
};

void cmd_history_help(FILE *f) { cli_help(f, &cmd_history_spec); }

static int history_add_files(struct res_hist *h, const char *const *files, size_t n)
{
    char err[ERRLEN] = "";
    for (size_t i = 0; i < n; i++) {
        struct rf_result r;
        struct res_hist_added a = { 0 };
        if (res_load(files[i], &r, err, sizeof err)) return cli_fail("history", err);
        int rc = res_hist_add(h, &r, files[i], &a, err, sizeof err);
        res_free(&r);
        if (rc) return cli_fail("history", err);
        printf("%s: %zu run%s added (%zu cells, %zu values)%s", files[i], a.runs,
               a.runs == 1 ? "" : "s", a.cells, a.trials, a.already ? ", " : "\n");
        if (a.already) printf("%zu already stored\n", a.already);
    }
    return fflush(stdout) ? 2 : 0;
}

/* The options given that the action does not take: a one-line error. */
static int history_check_options(const char *action, const struct opt_result *res)
{
    static const char *const filters[] = { "impl",    "family", "machine", "since",
                                           "threads", "metric", NULL };
    static const char *const detect[] = { "alpha", "threshold", "permutations", "seed", NULL };
    char msg[128];
    int add = !strcmp(action, "add"), det = !strcmp(action, "detect");
    for (const char *const *o = filters; add && *o; o++)
        if (lab_opt_given(res, *o)) {
            snprintf(msg, sizeof msg, "--%s is a filter: add takes none", *o);
            return cli_fail("history", msg);
        }
    for (const char *const *o = detect; !det && *o; o++)
        if (lab_opt_given(res, *o)) {
            snprintf(msg, sizeof msg, "--%s is a detect option", *o);
            return cli_fail("history", msg);
        }
    if (lab_opt_given(res, "out") && strcmp(action, "plot") && strcmp(action, "export")) {
        snprintf(msg, sizeof msg, "--out is for plot and export, not %s", action);
        return cli_fail("history", msg);
    }
    return 0;
}

static int history_query(struct res_hist *h, const char *action)
{
    char err[ERRLEN] = "";
    struct res_hist_series *s;
    size_t n;
    if (res_hist_series(h, &history_a.f, &s, &n, err, sizeof err)) return cli_fail("history", err);
    int status = 0, rc = 0;
    if (!strcmp(action, "show")) {
        rep_trend_show(stdout, s, n);
    } else if (!strcmp(action, "plot")) {
        rc = rep_trend_plot(stdout, history_a.out ? history_a.out : "results/history", s, n, err,
                            sizeof err);
    } else if (!strcmp(action, "export")) {
        FILE *f = history_a.out ? fopen(history_a.out, "w") : stdout;
        if (!f) {
            snprintf(err, sizeof err, "--out: cannot write '%s': %s", history_a.out,
                     strerror(errno));
            rc = -EIO;
        } else {
            rep_trend_csv(f, s, n);
            if ((f != stdout && fclose(f)) || ferror(stdout)) rc = -EIO;
            if (rc) snprintf(err, sizeof err, "cannot write the CSV");
        }
    } else {
        struct rep_trend_opts o = { history_a.alpha, history_a.threshold, history_a.permutations,
                                    history_a.seed };
        rc = rep_trend_detect(stdout, s, n, &o, err, sizeof err);
        if (rc > 0) {
            fflush(stdout);
            fprintf(stderr, "contend history: %d series regressed in the newest run\n", rc);
            status = 1, rc = 0;
        }
    }
    res_hist_series_free(s, n);
    if (rc) return cli_fail("history", err);
    return fflush(stdout) ? 2 : status;
}

int cmd_history(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_history_spec, argc, argv, &res, &status)) return status;
    static const char *const actions[] = { "add", "show", "plot", "export", "detect", NULL };
    const char *action = res.npos ? res.pos[0] : NULL;
    size_t a = 0;
    while (action && actions[a] && strcmp(actions[a], action)) a++;
    if (!action || !actions[a])
        return cli_fail("history", "name an action: add, show, plot, export or detect");
    if ((status = history_check_options(action, &res))) return status;
    int add = a == 0;
    if (add && res.npos < 2) return cli_fail("history", "add: name the result files to store");
    if (!add && res.npos > 1) {
        char msg[128];
        snprintf(msg, sizeof msg, "unexpected argument '%.60s'", res.pos[1]);
        return cli_fail("history", msg);
    }
    char err[ERRLEN] = "";
    struct res_hist *h;
    if (res_hist_open(history_a.db, add, &h, err, sizeof err)) return cli_fail("history", err);
    status = add ? history_add_files(h, res.pos + 1, res.npos - 1) : history_query(h, action);
    res_hist_close(h);
    return status;
}
