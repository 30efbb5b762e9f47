/* What every subcommand shares: help from its option tables, parsing with
 * one-line errors, and running a matrix with its journal. */
#include <errno.h>
#include <jansson.h>
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

int cli_out_dir(const char *name, const char *dir, size_t extra)
{
    char msg[160];
    if (!strcmp(dir, "-"))
        return cli_fail(name, "--out: a directory is needed here; - (standard output) is not one");
    if (strlen(dir) + extra <= RES_DIR_MAX) return 0;
    snprintf(msg, sizeof msg, "--out: '%.40s...' is too long (%zu bytes; at most %zu)", dir,
             strlen(dir), RES_DIR_MAX - extra);
    return cli_fail(name, msg);
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

/* What a run records (the journal's header, the result's context) is JSON
   text: an argument that is not UTF-8 would be lost from it, and a resume
   would lose the output path with it. Refused before anything runs. */
static int cli_check_utf8(const struct run_opts *o, char *err, size_t n)
{
    char *const one[] = { (char *)o->out };
    struct {
        char *const *v;
        int c;
    } lists[] = { { o->parse_argv, o->parse_argc }, { o->argv, o->argc }, { one, !!o->out } };
    for (size_t k = 0; k < sizeof lists / sizeof *lists; k++)
        for (int i = 0; lists[k].v && i < lists[k].c; i++) {
            json_t *s = json_string(lists[k].v[i]);
            if (s) {
                json_decref(s);
                continue;
            }
            char shown[64];
            size_t j = 0;
            for (const char *p = lists[k].v[i]; *p && j + 1 < sizeof shown; p++)
                shown[j++] = *p > ' ' && *p < 127 ? *p : '?';
            shown[j] = '\0';
            snprintf(err, n,
                     "'%s' (shown with ? for its bytes) is not valid UTF-8: result files record "
                     "paths and options as JSON text; rename it",
                     shown);
            return -EINVAL;
        }
    return 0;
}

int cli_run(const char *cmd, struct run_opts *o, void (*print)(const struct run_result *, void *),
            void *arg)
{
    char err[ERRLEN] = "", jpath[RES_OUT_MAX + 16] = "";
    struct res_journal_data resumed = { 0 };
    struct res_journal *j = NULL;
    int kind = RES_OUT_FILE;
    if (o->resume && strlen(o->resume) > RES_OUT_MAX)
        return cli_fail(cmd, "--resume: the journal's path is too long");
    if (cli_check_utf8(o, err, sizeof err)
        || (o->out && (kind = res_out_check(o->out, err, sizeof err)) < 0))
        return cli_fail(cmd, err);
    char who[64];
    snprintf(who, sizeof who, "contend %s", cmd);
    res_context_warn(stderr, who);
    if (o->resume) {
        if (res_journal_load(o->resume, &resumed, err, sizeof err)) return cli_fail(cmd, err);
        fprintf(stderr, "contend: resuming %s: %zu trials already done\n", o->resume,
                resumed.ndone);
    }
    /* a journal sits next to a file; "-" and devices get none */
    if (o->out && (o->resume || kind == RES_OUT_FILE)) {
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
    else if (!o->quiet && kind != RES_OUT_STDOUT) /* there the JSON is the output */
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
