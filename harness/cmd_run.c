/* contend run: one run of one family, printed and optionally saved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Exit status of a finished run: 1 if any cell failed. */
int run_status(const struct run_result *r)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].verdict == VERDICT_FAIL || r->cells[i].outcome != OUTCOME_OK) return 1;
    return 0;
}

/* Prints, saves, and returns the exit status; used by run and reproduce. */
int finish_run(const char *cmd, struct run_result *r, void (*print)(const struct run_result *, void *),
               void *arg)
{
    const struct run_opts *o = r->opts;
    char err[ERRLEN];
    if (print) print(r, arg);
    else if (!o->quiet) print_table(stdout, r);
    fflush(stdout);
    int status = run_status(r);
    if (o->out) {
        if (write_result_json(o->out, r, err, sizeof err) != 0) {
            fprintf(stderr, "contend %s: %s (the journal %s keeps the trials)\n", cmd, err,
                    r->journal);
            return 2;
        }
        if (!r->interrupted && r->journal[0]) remove(r->journal);
    }
    if (r->interrupted) {
        fprintf(stderr, "contend %s: interrupted; %s%s%s\n", cmd,
                o->out ? "partial results in " : "nothing saved (no --out)",
                o->out ? o->out : "", o->out ? ", resume with --resume on the journal" : "");
        return 130;
    }
    if (status == 1) fprintf(stderr, "contend %s: a cell failed (see the table)\n", cmd);
    return status;
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    char err[ERRLEN] = "";
    char **jargv = NULL;
    int jargc = 0;
    run_opts_defaults(&o);

    /* --resume JOURNAL: the options come from the journal's header */
    const char *resume = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--resume") && i + 1 < argc) resume = argv[i + 1];
        else if (!strncmp(argv[i], "--resume=", 9)) resume = argv[i] + 9;
    }
    int rc;
    if (resume) {
        if (argc != (strncmp(argv[1], "--resume=", 9) ? 3 : 2)) {
            fprintf(stderr, "contend run: --resume takes no other options (they come from the journal)\n");
            return 2;
        }
        struct journal_trial *tr;
        size_t ntr;
        if (journal_load(resume, &jargv, &jargc, &tr, &ntr, err, sizeof err) != 0) {
            fprintf(stderr, "contend run: %s\n", err);
            return 2;
        }
        free(tr);
        rc = run_opts_parse(jargc, jargv, &o, err, sizeof err);
        o.resume = resume;
        o.argc = argc;
        o.argv = argv;
    } else {
        rc = run_opts_parse(argc, argv, &o, err, sizeof err);
    }
    if (rc == 1) { fputs(run_usage, stdout); return 0; }
    if (rc) {
        fprintf(stderr, "contend run: %s%s\n", resume ? "journal options: " : "", err);
        journal_free_argv(jargv, jargc);
        return 2;
    }

    context_warn(stderr, "contend run");
    struct run_result r;
    if ((rc = engine_run(&o, &r, err, sizeof err)) != 0) {
        fprintf(stderr, "contend run: %s\n", err);
        journal_free_argv(jargv, jargc);
        return 2;
    }
    int status = finish_run("run", &r, NULL, NULL);
    run_result_free(&r);
    journal_free_argv(jargv, jargc);
    return status;
}
