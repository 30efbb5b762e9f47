/* What every subcommand shares: help from its option tables, parsing with
 * one-line errors, and running a matrix with its journal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results.h"
#include "table.h"

void cli_help(FILE *f, const struct cli_spec *s)
{
    fputs(s->usage, f);
    if (s->about) fputs(s->about, f);
    lab_opt_print_help(f, s->groups, s->ngroups);
    if (s->epilogue) fputs(s->epilogue, f);
}

int cli_fail(const char *name, const char *msg)
{
    fprintf(stderr, "contend %s: %s\n", name, msg);
    return 2;
}

int cli_parse(const struct cli_spec *s, int argc, char **argv, struct opt_result *res, int *status)
{
    char err[ERRLEN] = "";
    int rc = lab_opt_parse(argc, argv, s->groups, s->ngroups, NULL, 0, res, err, sizeof err);
    if (rc == 1) {
        cli_help(stdout, s);
        *status = fflush(stdout) ? 2 : 0;
        return 1;
    }
    if (rc) {
        *status = cli_fail(s->name, err);
        return 1;
    }
    return 0;
}

int cli_run(const char *cmd, struct run_opts *o, void (*print)(const struct run_result *, void *),
            void *arg)
{
    char err[ERRLEN] = "", jpath[1024] = "";
    struct res_journal_data resumed = { 0 };
    struct res_journal *j = NULL;
    if (o->resume) {
        if (res_journal_load(o->resume, &resumed, err, sizeof err)) return cli_fail(cmd, err);
        fprintf(stderr, "contend: resuming %s: %zu trials already done\n", o->resume,
                resumed.ndone);
    }
    if (o->out) {
        if (o->resume)
            snprintf(jpath, sizeof jpath, "%s", o->resume);
        else
            snprintf(jpath, sizeof jpath, "%s.journal", o->out);
        if (!(j = res_journal_open(jpath, o, err, sizeof err))) {
            res_journal_data_free(&resumed);
            return cli_fail(cmd, err);
        }
    }
    struct run_hooks h = { j ? res_journal_append : NULL, j, resumed.done, resumed.ndone };
    struct run_result r;
    int rc = run_engine(o, &h, &r, err, sizeof err);
    res_journal_close(j, 0);
    res_journal_data_free(&resumed);
    if (rc) return cli_fail(cmd, err);
    snprintf(r.journal, sizeof r.journal, "%s", jpath);

    if (print)
        print(&r, arg);
    else if (!o->quiet)
        rep_print_table(stdout, &r);
    fflush(stdout);
    int status = run_status(&r);
    if (o->out) {
        if (res_write_result(o->out, &r, err, sizeof err) != 0) {
            fprintf(stderr, "contend %s: %s (the journal %s keeps the trials)\n", cmd, err,
                    r.journal);
            run_result_free(&r);
            return 2;
        }
        if (!r.interrupted && r.journal[0]) remove(r.journal);
    }
    if (r.interrupted) {
        fprintf(stderr, "contend %s: interrupted; %s%s%s\n", cmd,
                o->out ? "partial results in " : "nothing saved (no --out)", o->out ? o->out : "",
                o->out ? ", resume with --resume on the journal" : "");
        status = 130;
    } else if (status == 1) {
        fprintf(stderr, "contend %s: a cell failed (see the table)\n", cmd);
    }
    run_result_free(&r);
    return status;
}
