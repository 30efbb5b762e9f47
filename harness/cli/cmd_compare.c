/* contend compare BASE.json NEW.json: benchstat-style comparison of two
 * result files (report/compare.c). Exit 0 / 1 (confirmed regression) / 2. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "compare.h"

static const char *const compare_formats[] = { "text", "md", "csv", "json", NULL };

struct compare_args {
    double alpha, threshold;
    const char *metrics;
    int format;
};

#define O(f) offsetof(struct compare_args, f)
static const struct opt_spec compare_opts[] = {
    { "alpha", OPT_DOUBLE, O(alpha), "A", "significance level (default 0.05)", 1e-9, 0.5 },
    { "threshold", OPT_DOUBLE, O(threshold), "P",
      "smallest change that counts, in percent (default 3%)", 0, 1000, OPT_PERCENT },
    { "metric", OPT_STR, O(metrics), "LIST",
      "metrics to compare (default: every metric with a known\n"
      "direction; ns_per_op is left out when ops_per_s exists)",
      .flags = OPT_NONEMPTY },
    { "format", OPT_ENUM, O(format), "F", "text (default) | md | csv | json",
      .choices = compare_formats },
    { 0 }
};
#undef O

static struct compare_args compare_a;
static const struct opt_group compare_groups[] = { { NULL, compare_opts, &compare_a } };
static void compare_defaults(void)
{
    compare_a = (struct compare_args){ .alpha = 0.05, .threshold = 0.03 };
}

const struct cli_spec cmd_compare_spec = {
    "compare",
    "usage: contend compare BASE.json NEW.json [options]\n",
    "\n"
    "Compares two result files row by row, like Go's benchstat: rows are matched\n"
    "by (family, implementation, workload, threads, metric); each row shows the\n"
    "base and new median with its 95% CI, the change, and the p-value of a\n"
    "Mann-Whitney U test (exact for small samples without ties), corrected with\n"
    "Holm-Bonferroni over the whole table. '~' means no significant change or a\n"
    "change below the threshold.\n"
    "\n",
    compare_groups,
    1,
    "\n"
    "A cell that failed its correctness check (or crashed, or hung) in either\n"
    "file is not compared: it is named, and the exit status is 1.\n"
    "\n"
    "Exit status: 0 no confirmed regression, 1 a confirmed regression or a\n"
    "failed cell, 2 bad input (unreadable, another schema, nothing in common\n"
    "that passed its check).\n",
    .defaults = compare_defaults
};

void cmd_compare_help(FILE *f) { cli_help(f, &cmd_compare_spec); }

static int compare_has_metric(const struct rf_result *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->ncells; i++)
        for (size_t m = 0; m < r->cells[i].nmetrics; m++)
            if (strlen(r->cells[i].metrics[m].name) == len
                && !strncmp(r->cells[i].metrics[m].name, name, len))
                return 1;
    return 0;
}

/* Each --metric name is a metric of both files; else say which has it. */
static int compare_check_metrics(const struct cmp *c, char *err, size_t n)
{
    for (const char *p = c->metrics; p && *p;) {
        size_t len = strcspn(p, ",");
        int b = compare_has_metric(&c->base, p, len), nw = compare_has_metric(&c->new_, p, len);
        if (!b || !nw) {
            snprintf(err, n, "--metric: '%.*s' is %s", (int)(len > 60 ? 60 : len), p,
                     b ? "not in NEW.json"
                         : nw
                         ? "not in BASE.json"
                         : "a metric of neither file (see `contend export FILE --format csv`)");
            return -EINVAL;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_compare_spec, argc, argv, &res, &status)) return status;
    if (res.npos != 2) {
        if (res.npos > 2) {
            char msg[128];
            snprintf(msg, sizeof msg, "unexpected argument '%.60s'", res.pos[2]);
            return cli_fail("compare", msg);
        }
        return cli_fail("compare", "need two result files: BASE.json NEW.json");
    }
    struct cmp c;
    rep_cmp_init(&c, res.pos[0], NULL, res.pos[1], NULL);
    c.alpha = compare_a.alpha;
    c.threshold = compare_a.threshold;
    c.metrics = compare_a.metrics;
    c.format = compare_formats[compare_a.format];
    char err[ERRLEN] = "";
    status = 2;
    if (res_load(c.base_path, &c.base, err, sizeof err) == 0
        && res_load(c.new_path, &c.new_, err, sizeof err) == 0) {
        rep_compare_diff_config(c.notes, "", c.base.config, c.new_.config);
        if (compare_check_metrics(&c, err, sizeof err) == 0
            && rep_compare_rows(&c, err, sizeof err) == 0) {
            rep_compare_warnings(&c);
            size_t i;
            const json_t *v;
            json_array_foreach(c.warnings, i, v)
                fprintf(stderr, "contend compare: warning: %s\n", json_string_value(v));
            int regressions = rep_compare_print(stdout, &c);
            if (regressions || c.nfailed) {
                if (regressions)
                    fprintf(stderr, "contend compare: %d confirmed regression(s)\n", regressions);
                if (c.nfailed)
                    fprintf(stderr,
                            "contend compare: %zu cell(s) failed their correctness check: "
                            "not compared\n",
                            c.nfailed);
                status = 1;
            } else
                status = 0;
        }
    }
    if (status == 2) cli_fail("compare", err);
    res_free(&c.base);
    res_free(&c.new_);
    rep_cmp_done(&c);
    return status;
}
