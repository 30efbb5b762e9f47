/* What every subcommand shares: help from its option tables, parsing with
 * one-line errors, and running a matrix with its journal. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Whether an error line was printed, and standard output's first write
   error: main reports that one, unless an error was already said. */
static int cli_said;
static int cli_stdout_errno;

void cli_errorf(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "contend %s: ", name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cli_said = 1;
}

int cli_fail(const char *name, const char *msg)
{
    cli_errorf(name, "%s", msg);
    return 2;
}

/* Standard output through a cookie stream that keeps the errno of its first
   failed write (a FILE's error flag forgets why). SIGPIPE is ignored, so a
   closed pipe is EPIPE, an error like any other, reported once at the end
   (after the results are saved: cli_run saves before it prints). */
static ssize_t cli_stdout_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    int rc = res_write_all(STDOUT_FILENO, buf, len);
    if (!rc) return (ssize_t)len;
    if (!cli_stdout_errno) cli_stdout_errno = -rc;
    return 0; /* an error, for stdio */
}

void cli_stdout_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = cli_stdout_write });
    if (!f) return;
    setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
    stdout = f;
}

int cli_stdout_failed(void) { return cli_stdout_errno || ferror(stdout); }

int cli_stdout_close(const char *name, int status)
{
    if (fflush(stdout) == 0 && !cli_stdout_failed()) return status;
    if (!cli_said)
        cli_errorf(name, "cannot write to standard output: %s",
                   strerror(cli_stdout_errno ? cli_stdout_errno : EIO));
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

const struct cli_spec *const cli_specs[] = { &cmd_list_spec,
                                             &cmd_compare_spec,
                                             &cmd_export_spec,
                                             &cmd_report_spec,
                                             &cmd_reproduce_spec,
                                             &cmd_keys_spec,
                                             &cmd_counters_spec,
                                             &cmd_stress_spec,
                                             &cmd_merge_spec,
                                             &cmd_history_spec,
                                             NULL };

int cli_parse_only; /* tests/test_docs_commands.c: stop after parsing */

int cli_parse(const struct cli_spec *s, int argc, char **argv, struct opt_result *res, int *status)
{
    if (s->defaults) s->defaults();
    char err[ERRLEN] = "";
    int rc = lab_opt_parse(argc, argv, s->groups, s->ngroups, NULL, 0, res, err, sizeof err);
    if (!rc && cli_parse_only) {
        *status = 0;
        return 1;
    }
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

/* The journal next to a file output (none for "-" or a device), locked,
   and, when resuming, what it holds (read under the lock). */
static int cli_journal(const struct run_opts *o, int kind, char *jpath, size_t jn,
                       struct res_journal **j, struct res_journal_data *resumed, char *err,
                       size_t n)
{
    if (!o->out || (!o->resume && kind != RES_OUT_FILE)) return 0;
    snprintf(jpath, jn, o->resume ? "%s" : "%s.journal", o->resume ? o->resume : o->out);
    if (!(*j = res_journal_open(jpath, o, err, n))) return -EINVAL;
    if (o->resume && res_journal_load(o->resume, resumed, err, n)) {
        res_journal_close(*j, 0);
        *j = NULL;
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
    struct run_plan plan;
    char who[64];
    snprintf(who, sizeof who, "contend %s", cmd);
    run_plan_make(o, &plan);
    if (o->dry_run) { /* the plan only: nothing run, nothing written */
        run_plan_print(stdout, NULL, o, &plan);
        return 0;
    }
    if (o->resume && strlen(o->resume) > RES_OUT_MAX)
        return cli_fail(cmd, "--resume: the journal's path is too long");
    if (o->resume && !o->out)
        return cli_fail(cmd,
                        "--resume: the journal's options have no --out, so the resumed "
                        "run would save nothing");
    if (cli_check_utf8(o, err, sizeof err)
        || (o->out && (kind = res_out_check(o->out, err, sizeof err)) < 0))
        return cli_fail(cmd, err);
    if (cli_journal(o, kind, jpath, sizeof jpath, &j, &resumed, err, sizeof err))
        return cli_fail(cmd, err);
    res_context_warn(stderr, who);
    if (run_plan_long(&plan)) run_plan_print(stderr, who, o, &plan);
    if (o->resume)
        fprintf(stderr, "contend: resuming %s: %zu trials already done\n", o->resume,
                resumed.ndone);
    struct run_hooks h = { j ? res_journal_append : NULL, j, resumed.done, resumed.ndone };
    struct run_result r;
    int rc = run_engine(o, &h, &r, err, sizeof err);
    res_journal_data_free(&resumed);
    size_t held;
    int jerr = res_journal_error(j, &held);
    if (rc && jerr)
        cli_errorf(cmd,
                   "cannot write the journal '%s': %s; the run stopped there, and the "
                   "journal holds the %zu trial(s) run before: resume with `contend run "
                   "--resume %s` once there is room",
                   jpath, strerror(-jerr), held, jpath);
    else if (rc)
        cli_fail(cmd, err);
    if (rc) {
        res_journal_close(j, 0);
        return 2;
    }

    /* saved first: printing may fail (a closed pipe) */
    int status = run_status(&r);
    if (o->out && res_write_result(o->out, &r, err, sizeof err) != 0) {
        cli_errorf(cmd, "%s%s%s%s", err, j ? " (the journal " : "; nothing saved", j ? jpath : "",
                   j ? " keeps the trials)" : "");
        res_journal_close(j, 0);
        run_result_free(&r);
        return 2;
    }
    int journaled = j != NULL;
    res_journal_close(j, !r.interrupted); /* done: the result holds it all */
    if (print)
        print(&r, arg);
    else if (!o->quiet && kind != RES_OUT_STDOUT) /* there the JSON is the output */
        rep_print_table(stdout, &r);
    fflush(stdout);
    if (r.interrupted) {
        fprintf(stderr, "contend %s: interrupted; %s%s%s\n", cmd,
                o->out ? "partial results in " : "nothing saved (no --out)", o->out ? o->out : "",
                journaled ? ", resume with --resume on the journal" : "");
        status = 130;
    } else if (status == 1) {
        fprintf(stderr, "contend %s: a cell failed (see the table)\n", cmd);
    }
    run_result_free(&r);
    return status;
}
