/* contend report RESULTS.json [more.json ...] [--baseline BASE.json] [--out DIR]:
 * a Markdown + HTML performance report (harness/report.c, docs/reports.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "report.h"

static const char report_usage[] =
"usage: contend report RESULTS.json [MORE.json ...] [--baseline BASE.json] [--out DIR]\n"
"\n"
"Writes DIR/report.md and DIR/report.html (self-contained, inline SVG) with\n"
"plots in DIR/plots/ (PNG, SVG and their TSV data; drawn by gnuplot).\n"
"Several result files (e.g. from different machines) are shown side by side.\n"
"With --baseline, each result is compared with it as `contend compare` does:\n"
"a verdict (regressed, improved, unchanged, geomean) and the significant\n"
"changes. Every result gets an A/A noise control (odd against even trials).\n"
"DIR defaults to results/report. Exit status: 0, or 2 on bad input.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "baseline", required_argument, 0, 'b' }, { "out", required_argument, 0, 'o' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    struct report rp = { .dir = "results/report", .argc = argc, .argv = argv };
    struct report_input base = { 0 };
    const char *paths[REPORT_MAX_INPUTS], *bpath = NULL;
    size_t np = 0;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "-h", longopts, NULL);
        if (c == -1) break;
        switch (c) {
        case 1:
            if (np == REPORT_MAX_INPUTS) {
                fprintf(stderr, "contend report: at most %d result files\n", REPORT_MAX_INPUTS);
                return 2;
            }
            paths[np++] = optarg;
            break;
        case 'b': bpath = optarg; break;
        case 'o': rp.dir = optarg; break;
        case 'h': fputs(report_usage, stdout); return 0;
        default:
            fprintf(stderr, "contend report: bad option or missing value '%s' (see --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (!np) { fprintf(stderr, "contend report: name at least one result file\n"); return 2; }
    char err[ERRLEN] = "";
    int rc = 0;
    for (size_t i = 0; !rc && i < np; i++) {
        rp.in[i].path = paths[i];
        rc = rf_load(paths[i], &rp.in[i].r, err, sizeof err);
        if (!rc) rp.nin++;
    }
    if (!rc && bpath) {
        base.path = bpath;
        if (!(rc = rf_load(bpath, &base.r, err, sizeof err))) rp.baseline = &base;
    }
    if (!rc) rc = report_write(&rp, err, sizeof err);
    if (rc) fprintf(stderr, "contend report: %s\n", err);
    else printf("contend report: wrote %s/report.md and %s/report.html\n", rp.dir, rp.dir);
    for (size_t i = 0; i < rp.nin; i++) rf_free(&rp.in[i].r);
    if (rp.baseline) rf_free(&base.r);
    return rc ? 2 : 0;
}
