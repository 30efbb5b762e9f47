/* contend report RESULTS.json [more.json ...] [--baseline BASE.json] [--out DIR]:
 * a Markdown + HTML performance report (report/report.c, docs/reports.md). */
#include <stddef.h>

#include "cli.h"
#include "report.h"
#include "results.h"

struct report_args {
    const char *baseline, *out;
};

#define O(f) offsetof(struct report_args, f)
static const struct opt_spec report_opts[] = {
    { "baseline", OPT_STR, O(baseline), "BASE.json",
      "compare each result with this one, as `contend compare` does", .flags = OPT_NONEMPTY },
    { "out", OPT_STR, O(out), "DIR", "where to write (default results/report)",
      .flags = OPT_NONEMPTY },
    { 0 }
};
#undef O

static struct report_args report_a;
static const struct opt_group report_groups[] = { { NULL, report_opts, &report_a } };
static void report_defaults(void) { report_a = (struct report_args){ NULL, "results/report" }; }

const struct cli_spec cmd_report_spec = {
    "report",
    "usage: contend report RESULTS.json [MORE.json ...] [--baseline BASE.json] [--out DIR]\n",
    "\n"
    "Writes DIR/report.md and DIR/report.html (self-contained, inline SVG) with\n"
    "plots in DIR/plots/ (PNG, SVG and their TSV data; drawn by gnuplot).\n"
    "Several result files (e.g. from different machines) are shown side by side.\n"
    "With --baseline, each result is compared with it as `contend compare` does:\n"
    "a verdict (regressed, improved, unchanged, geomean) and the significant\n"
    "changes. Every result gets an A/A noise control (odd against even trials).\n"
    "\n",
    report_groups,
    1,
    "\nExit status: 0, or 2 on bad input.\n",
    .defaults = report_defaults
};

void cmd_report_help(FILE *f) { cli_help(f, &cmd_report_spec); }

int cmd_report(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_report_spec, argc, argv, &res, &status)) return status;
    if (!res.npos) return cli_fail("report", "name at least one result file");
    if (cli_out_dir("report", report_a.out, 0)) return 2;
    if (res.npos > REPORT_MAX_INPUTS) {
        char msg[64];
        snprintf(msg, sizeof msg, "at most %d result files", REPORT_MAX_INPUTS);
        return cli_fail("report", msg);
    }
    struct report rp = { .dir = report_a.out, .argc = argc, .argv = argv };
    struct report_input base = { 0 };
    char err[ERRLEN] = "";
    int rc = 0;
    for (size_t i = 0; !rc && i < res.npos; i++) {
        rp.in[i].path = res.pos[i];
        rc = res_load(res.pos[i], &rp.in[i].r, err, sizeof err);
        if (!rc) rp.nin++;
    }
    if (!rc && report_a.baseline) {
        base.path = report_a.baseline;
        if (!(rc = res_load(base.path, &base.r, err, sizeof err))) rp.baseline = &base;
    }
    if (!rc) rc = rep_write(&rp, err, sizeof err);
    if (rc)
        cli_fail("report", err);
    else
        printf("contend report: wrote %s/report.md and %s/report.html\n", rp.dir, rp.dir);
    for (size_t i = 0; i < rp.nin; i++) res_free(&rp.in[i].r);
    if (rp.baseline) res_free(&base.r);
    return rc ? 2 : 0;
}
