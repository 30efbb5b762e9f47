/* `cmake --install` into a temporary prefix: the installed binary runs,
 * finds its data (gnuplot scripts, experiment files) under the prefix and
 * not in the source tree it was built from, and the docs are installed. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define FIX CONTEND_SOURCE_DIR "/tests/fixtures/"

static char prefix[64];

static void setup(void)
{
    snprintf(prefix, sizeof prefix, "/tmp/contend-install-XXXXXX");
    cr_assert_not_null(mkdtemp(prefix));
}
static void teardown(void) { remove_tree(prefix); }

/* Runs a shell command line; its exit status, its output in out. */
static int sh(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t k = fread(out, 1, n - 1, p);
    out[k] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

TestSuite(install, .init = setup, .fini = teardown);

Test(install, installed_binary_uses_its_prefix)
{
    char build[1024], cmd[4096], out[16384];
    snprintf(build, sizeof build, "%s", CONTEND_BIN);
    snprintf(cmd, sizeof cmd, "cmake --install '%s' --prefix '%s' 2>&1", dirname(build), prefix);
    cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    static const char *const files[] = {
        "bin/contend",
        "share/contend/plots/scaling.gp",
        "share/contend/workloads/snail.ini",
        "share/contend/workloads/taskstore.ini",
        "share/doc/contend/README.md",
        "share/doc/contend/docs/reports.md",
        "share/doc/contend/commands/contend-run.txt",
    };
    struct stat st;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", prefix, files[i]);
        cr_expect_eq(stat(cmd, &st), 0, "%s is not installed", files[i]);
    }
    snprintf(cmd, sizeof cmd, "%s/share/doc/contend/commands/contend-run.txt", prefix);
    char *help = read_file(cmd, NULL);
    cr_expect(help && !strncmp(help, "usage: contend run", 18), "%s", help ? help : "(none)");
    free(help);

    /* reproduce --render-only: the experiment file and the plot scripts
       come from the prefix */
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/r' && cp '%s' '%s/r/results.json' && cd / && "
             "env -u CONTEND_PLOTS -u CONTEND_WORKLOADS '%s/bin/contend' reproduce snail "
             "--render-only --out '%s/r' 2>&1",
             prefix, FIX "batcher-a.json", prefix, prefix, prefix);
    cr_expect_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s/r/report.html", prefix);
    cr_expect_eq(stat(cmd, &st), 0, "no report: %s", out);

    /* proof that the scripts are the prefix's: break the installed one */
    snprintf(cmd, sizeof cmd, "%s/share/contend/plots/scaling.gp", prefix);
    FILE *f = fopen(cmd, "w");
    cr_assert_not_null(f);
    fputs("this is not gnuplot\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd / && env -u CONTEND_PLOTS '%s/bin/contend' report '%s' --out '%s/r2' 2>&1", prefix,
             FIX "batcher-a.json", prefix);
    cr_expect_eq(sh(cmd, out, sizeof out), 2, "%s", out);
    char want[256];
    snprintf(want, sizeof want, "%s/share/contend/plots/scaling.gp", prefix);
    cr_expect(strstr(out, want), "the error names the installed script: %s", out);

    snprintf(cmd, sizeof cmd, "'%s/bin/contend' --version", prefix);
    cr_expect_eq(sh(cmd, out, sizeof out), 0);
    cr_expect(!strncmp(out, "contend ", 8), "%s", out);
}
