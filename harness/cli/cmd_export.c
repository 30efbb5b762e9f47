/* contend export RESULT.json --format F [--out PATH]: a result file in the
 * input formats of other tools (report/export.c). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "export.h"
#include "results.h"

static const char *const export_formats[] = { "gobench", "gbench-json", "csv", "csv-summary",
                                              NULL };

struct export_args {
    int format, aggregates_only;
    const char *out;
};

#define O(f) offsetof(struct export_args, f)
static const struct opt_spec export_opts[] = {
    { "format", OPT_ENUM, O(format), "F",
      "gobench: Go benchmark lines, one per trial (for benchstat);\n"
      "  the name ends /threads=T, and -N is GOMAXPROCS (online CPUs)\n"
      "gbench-json: google/benchmark JSON (compare.py, Bencher,\n"
      "  github-action-benchmark)\n"
      "csv: trials.csv; with --out DIR, DIR/trials.csv and\n"
      "  DIR/summary.csv\n"
      "csv-summary: summary.csv: per cell and metric, median, CI, cv",
      .choices = export_formats },
    { "out", OPT_STR, O(out), "PATH",
      "write there instead of stdout (- is stdout): a file is\n"
      "replaced atomically, a device or FIFO written through\n"
      "(docs/files.md)",
      .flags = OPT_NONEMPTY },
    { "aggregates-only", OPT_FLAG, O(aggregates_only), NULL,
      "gbench-json: only the mean, median and stddev of each\n"
      "benchmark, not every trial (github-action-benchmark)" },
    { 0 }
};
#undef O

static struct export_args export_a;
static const struct opt_group export_groups[] = { { NULL, export_opts, &export_a } };
static void export_defaults(void) { export_a = (struct export_args){ .format = -1 }; }

const struct cli_spec cmd_export_spec = {
    "export",
    "usage: contend export RESULT.json --format F [--out PATH] [--aggregates-only]\n",
    "\n",
    export_groups,
    1,
    "\nExit status: 0 ok, 2 bad input or a write error.\n",
    .defaults = export_defaults
};

void cmd_export_help(FILE *f) { cli_help(f, &cmd_export_spec); }

int cmd_export(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_export_spec, argc, argv, &res, &status)) return status;
    if (res.npos > 1) {
        char msg[128];
        snprintf(msg, sizeof msg, "unexpected argument '%.60s'", res.pos[1]);
        return cli_fail("export", msg);
    }
    if (!res.npos || export_a.format < 0)
        return cli_fail("export", "need RESULT.json and --format");
    const char *format = export_formats[export_a.format], *out = export_a.out;
    if (out && !strcmp(out, "-")) out = NULL;    /* standard output */
    int rc, dir = out && !strcmp(format, "csv"); /* csv --out DIR: both files */
    char err[ERRLEN] = "";
    if (dir && cli_out_dir("export", out, strlen("/summary.csv"))) return 2;
    struct rf_result r;
    if (res_load(res.pos[0], &r, err, sizeof err)) return cli_fail("export", err);
    if (!dir) {
        rc = rep_export_flags(&r, format, export_a.aggregates_only ? REP_EXPORT_AGGREGATES : 0, out,
                              err, sizeof err);
    } else if (mkdir(out, 0777) && errno != EEXIST) {
        rc = -errno;
        snprintf(err, sizeof err, "--out: cannot create directory '%s': %s", out, strerror(-rc));
    } else {
        char p1[RES_DIR_MAX + 16], p2[RES_DIR_MAX + 16];
        snprintf(p1, sizeof p1, "%s/trials.csv", out);
        snprintf(p2, sizeof p2, "%s/summary.csv", out);
        if (!(rc = rep_export(&r, "csv", p1, err, sizeof err)))
            rc = rep_export(&r, "csv-summary", p2, err, sizeof err);
    }
    res_free(&r);
    /* standard output's errors are main's to report */
    return rc && !(cli_stdout_failed() && !*err) ? cli_fail("export", err) : rc ? 2 : 0;
}
