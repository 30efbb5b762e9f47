/* contend run: one run of one family, printed and optionally saved. Its
 * options are run/options.c's table plus the family's (family.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results.h"

void cmd_run_help(FILE *f) { run_opts_help(f); }

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    char err[ERRLEN] = "";
    struct res_journal_data jd = { 0 };

    /* --resume JOURNAL: the options come from the journal's header */
    const char *resume = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--resume") && i + 1 < argc)
            resume = argv[i + 1];
        else if (!strncmp(argv[i], "--resume=", 9))
            resume = argv[i] + 9;
    }
    int rc;
    if (resume) {
        /* "run --resume J" or "run --resume=J", nothing else */
        int alone = argc == 3 ? !strcmp(argv[1], "--resume") : argc == 2;
        if (!alone)
            return cli_fail("run", "--resume takes no other options (they come from the journal)");
        if (res_journal_load(resume, &jd, err, sizeof err) != 0) return cli_fail("run", err);
        rc = run_opts_parse(jd.argc, jd.argv, &o, err, sizeof err);
        o.resume = resume;
        o.argc = argc;
        o.argv = argv;
    } else {
        rc = run_opts_parse(argc, argv, &o, err, sizeof err);
    }
    if (rc == 1) {
        run_opts_help(stdout);
        res_journal_data_free(&jd);
        return fflush(stdout) ? 2 : 0;
    }
    if (rc) {
        cli_errorf("run", "%s%s", resume ? "journal options: " : "", err);
        res_journal_data_free(&jd);
        return 2;
    }
    int status = cli_run("run", &o, NULL, NULL);
    res_journal_data_free(&jd);
    return status;
}
