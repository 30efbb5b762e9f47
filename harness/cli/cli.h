/* cli.h: the command line. main.c dispatches to one cmd_<name>.c per
 * subcommand; each declares its options as tables (run/opt.h) from which
 * its parsing and its --help come. Exit status everywhere: 0 success; 1 ran
 * and found a problem (a confirmed regression, a failed cell); 2 bad input,
 * with a one-line error and nothing half-written; 130 interrupted.
 *
 * Uses: report/, results/, run/, workloads/, lib/. Used by: nothing. */
#ifndef CONTEND_CLI_H
#define CONTEND_CLI_H

#include <stdio.h>

#include "lab_opt.h"
#include "run.h"

/* A subcommand's help and options. */
struct cli_spec {
    const char *name;               /* "compare" */
    const char *usage;              /* "usage: contend compare ...\n" */
    const char *about;              /* what it does (between usage and options) */
    const struct opt_group *groups; /* its options */
    size_t ngroups;
    const char *epilogue;   /* after the options (exit status ...) */
    void (*defaults)(void); /* resets its options' values (cli_parse calls it) */
};

/* Every command's spec but run's (run/options.c parses run), NULL-ended:
   what the option fuzzer drives. */
extern const struct cli_spec cmd_list_spec, cmd_compare_spec, cmd_export_spec, cmd_report_spec,
    cmd_reproduce_spec, cmd_keys_spec, cmd_counters_spec, cmd_stress_spec, cmd_merge_spec,
    cmd_history_spec;
extern const struct cli_spec *const cli_specs[];

struct cli_command {
    const char *name;
    const char *summary; /* one line in `contend --help` */
    int (*fn)(int argc, char **argv);
    void (*help)(FILE *f); /* its --help */
};
extern const struct cli_command cli_commands[];

void cli_help(FILE *f, const struct cli_spec *s);
/* Parses argv with s's groups. 0: go on; else the caller returns *status
   (0 after --help, 2 after a one-line error on stderr). */
int cli_parse(const struct cli_spec *s, int argc, char **argv, struct opt_result *res, int *status);
/* When set, cli_parse stops a command after a successful parse (status 0):
   how tests/test_docs_commands.c checks documented command lines against
   the option tables without running them. */
extern int cli_parse_only;
/* Prints "contend NAME: msg" on stderr; returns 2. */
int cli_fail(const char *name, const char *msg);
/* The same, printf-style, without the status. */
void cli_errorf(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Standard output that remembers why a write failed (and SIGPIPE ignored);
   whether one has; and, at exit, the status: 2, with the reason on one
   line (unless an error was already printed), once a write has failed. */
void cli_stdout_init(void);
int cli_stdout_failed(void);
int cli_stdout_close(const char *name, int status);
/* 0 if dir can be an output directory (not "-"; with extra more bytes, at
   most RES_DIR_MAX), else cli_fail's 2. */
int cli_out_dir(const char *name, const char *dir, size_t extra);

/* Runs o (journal next to o->out, resume from o->resume), prints the table
   (or calls print), saves o->out, returns the exit status. */
int cli_run(const char *cmd, struct run_opts *o, void (*print)(const struct run_result *, void *),
            void *arg);

int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_counters(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_history(int argc, char **argv);
void cmd_list_help(FILE *f);
void cmd_run_help(FILE *f);
void cmd_reproduce_help(FILE *f);
void cmd_stress_help(FILE *f);
void cmd_compare_help(FILE *f);
void cmd_export_help(FILE *f);
void cmd_report_help(FILE *f);
void cmd_counters_help(FILE *f);
void cmd_keys_help(FILE *f);
void cmd_merge_help(FILE *f);
void cmd_history_help(FILE *f);

#endif
