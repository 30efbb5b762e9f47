/* contend: the CLI. It checks the registries, then dispatches to the
 * subcommand (cmd_<name>.c); `contend help CMD` is `contend CMD --help`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "results.h"

#ifndef CONTEND_VERSION
#define CONTEND_VERSION "0"
#endif
#ifndef CONTEND_BUILD_TYPE
#define CONTEND_BUILD_TYPE ""
#endif

static void main_usage(FILE *f)
{
    fputs("usage: contend <command> [options]     (contend <command> --help for details)\n"
          "\n"
          "A laboratory that measures concurrency designs side by side: every\n"
          "implementation of a family behind one interface, driven by one harness.\n"
          "\n"
          "commands:\n",
          f);
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-11s %s\n", c->name, c->summary);
    fputs("  help CMD    the same as `contend CMD --help`\n"
          "\n"
          "Exit status: 0 success; 1 ran, and found a problem (a confirmed regression,\n"
          "or a cell that crashed, hung or failed its correctness check); 2 bad input,\n"
          "with a one-line error and nothing half-written; 130 interrupted (results kept).\n"
          "README.md and docs/ explain the lab; `contend <command> --help` each command.\n",
          f);
}

static const struct cli_command *main_find(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* Runs the command argv names (*name: it, for messages). */
static int main_dispatch(int argc, char **argv, const char **name)
{
    char err[ERRLEN];
    if (run_registry_check(err, sizeof err) != 0) {
        fprintf(stderr, "contend: registry: %s\n", err);
        return 2;
    }
    if (argc < 2) {
        main_usage(stderr);
        return 2;
    }
    *name = argv[1];
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")
        || (!strcmp(argv[1], "help") && argc == 2)) {
        main_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        int dirty;
        const char *built = res_context_build(&dirty);
        printf("contend %s (commit %s%s, %s build, %s)\n", CONTEND_VERSION,
               built[0] ? built : "unknown", dirty ? "-dirty" : "", CONTEND_BUILD_TYPE,
               __VERSION__);
        return 0;
    }
    if (!strcmp(argv[1], "help")) {
        const struct cli_command *c = main_find(argv[2]);
        if (!c || argc > 3) return cli_fail("help", "name one command (contend --help lists them)");
        c->help(stdout);
        return 0;
    }
    /* the subcommands' getopt permutes argv: keep a copy of it as typed */
    static char *typed[256];
    int ntyped = argc < 255 ? argc : 255;
    memcpy(typed, argv, sizeof *typed * (size_t)ntyped);
    res_context_set_cmdline(ntyped, typed);
    const struct cli_command *c = main_find(argv[1]);
    if (c) return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "contend: unknown command '%s' (try contend --help)\n", argv[1]);
    return 2;
}

int main(int argc, char **argv)
{
    cli_stdout_init();
    const char *name = "";
    int status = main_dispatch(argc, argv, &name);
    return cli_stdout_close(name, status); /* a failed write to stdout: 2, said once */
}
