/* contend: the CLI. It only parses the subcommand and dispatches; each
 * subcommand lives in harness/cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char usage[] =
"usage: contend <command> [options]     (contend <command> --help for details)\n"
"\n"
"A laboratory that measures concurrency designs side by side: every\n"
"implementation of a family behind one interface, driven by one harness.\n"
"\n"
"commands:\n"
"  list        the registered implementations, by family\n"
"  run         run implementations x thread counts, repeated; table and JSON\n"
"  reproduce   reproduce a seed's evolution table and report (snail, taskstore, all)\n"
"  compare     compare two result files (Mann-Whitney U, Holm; benchstat-like)\n"
"  report      Markdown + HTML report with plots, verdict and A/A noise control\n"
"  export      a result file as Go benchmark lines, google/benchmark JSON or CSV\n"
"  keys        print a store workload's keys, one per line\n"
"  counters    which event counters this machine can count, and why not\n"
"  stress      every implementation far past the cores, correctness checks on\n"
"\n"
"Exit status: 0 success; 1 ran, and found a problem (a confirmed regression,\n"
"or a cell that crashed, hung or failed its correctness check); 2 bad input,\n"
"with a one-line error and nothing half-written; 130 interrupted (results kept).\n"
"README.md and docs/ explain the lab; `contend <command> --help` each command.\n";

struct command {
    const char *name;
    int (*fn)(int, char **);
};

static const struct command commands[] = {
    { "list", cmd_list },
    { "run", cmd_run },
    { "reproduce", cmd_reproduce },
    { "stress", cmd_stress },
    { "compare", cmd_compare },
    { "export", cmd_export },
    { "counters", cmd_counters },
    { "keys", cmd_keys },
    { "report", cmd_report },
};

int main(int argc, char **argv)
{
    char err[ERRLEN];
    if (registry_check(err, sizeof err) != 0) {
        fprintf(stderr, "contend: registry: %s\n", err);
        return 2;
    }
    if (argc < 2) { fputs(usage, stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    /* the subcommands' getopt permutes argv: keep a copy of it as typed */
    static char *typed[256];
    int ntyped = argc < 255 ? argc : 255;
    memcpy(typed, argv, sizeof *typed * (size_t)ntyped);
    context_set_cmdline(ntyped, typed);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "contend: unknown command '%s' (try contend --help)\n", argv[1]);
    return 2;
}
