/* Documentation drift: every `contend ...` command line in README.md and
 * the docs/ Markdown files is checked against the parser. A concrete line (no [, |, ...
 * or placeholder in capitals) is parsed for real: `run` by run_opts_parse,
 * the other commands by their own code with cli_parse_only set, so nothing
 * runs. A synopsis ([--quick | --full], --keys N) has each of its --options
 * looked up in the command's --help, which is printed from the same option
 * tables. The same for scripts/ci-report, whose --help must be its usage. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "testutil.h"

#define SRC CONTEND_SOURCE_DIR

static int (*docs_fn(const char *name))(int, char **)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name)) return c->fn;
    return NULL;
}

struct docs_call {
    int (*fn)(int, char **);
    int argc;
    char **argv;
};

static void docs_child(void *arg)
{
    const struct docs_call *c = arg;
    cli_parse_only = 1;
    if (!strcmp(c->argv[0], "run")) { /* run parses with its own table */
        struct run_opts o;
        char err[ERRLEN] = "";
        int rc = run_opts_parse(c->argc, c->argv, &o, err, sizeof err);
        if (rc < 0) fprintf(stderr, "contend run: %s\n", err);
        if (rc == 1) run_opts_help(stdout);
        fflush(NULL);
        _exit(rc < 0 ? 2 : 0);
    }
    int rc = c->fn(c->argc, c->argv);
    fflush(NULL);
    _exit(rc);
}

/* Runs fn(argc, argv) in a child, parse only; its status; stdout and
   stderr together in out. */
static int docs_call(int (*fn)(int, char **), int argc, char **argv, char *out, size_t n)
{
    struct docs_call c = { fn, argc, argv };
    return fork_capture(docs_child, &c, 1, out, n);
}

/* A placeholder: FILE.json, N, DIR, <command>, R.json ... */
static int docs_placeholder(const char *t)
{
    if (*t == '<') return 1;
    int upper = 0;
    for (const char *p = t; *p && *p != '.'; p++) {
        if (*p >= 'a' && *p <= 'z') return 0;
        upper |= *p >= 'A' && *p <= 'Z';
    }
    return upper;
}

struct docs_stats {
    int parsed, synopses, failures;
};

/* One documented command line (after "contend "), from file:line. */
static void docs_check(const char *where, const char *line, struct docs_stats *st)
{
    char buf[1024], *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && argc < 63;
         t = strtok_r(NULL, " \t", &save)) {
        size_t l = strlen(t);
        if (l >= 2 && (t[0] == '\'' || t[0] == '"') && t[l - 1] == t[0]) t[l - 1] = '\0', t++;
        if (!strcmp(t, "#") || !strcmp(t, "|") || !strcmp(t, ">") || !strcmp(t, "2>&1")
            || !strcmp(t, "&&") || !strcmp(t, ";"))
            break; /* a comment, a pipe or a redirection ends the command */
        argv[argc++] = t;
    }
    argv[argc] = NULL;
    if (!argc || argv[0][strlen(argv[0]) - 1] == ':') return; /* output: "contend run: ..." */
    if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "--help")) return;
    if (!strcmp(argv[0], "help")) {
        cr_expect(argc == 2 && (docs_fn(argv[1]) || docs_placeholder(argv[1])),
                  "%s: `contend %s`: help names one command", where, line);
        return;
    }
    int (*fn)(int, char **) = docs_fn(argv[0]);
    if (!fn) {
        cr_expect(docs_placeholder(argv[0]), "%s: `contend %s`: no such command", where, line);
        return;
    }
    int synopsis = strpbrk(line, "[|") || strstr(line, "...");
    for (int i = 1; i < argc; i++) synopsis |= argv[i][0] != '-' && docs_placeholder(argv[i]);
    char out[32768];
    if (!synopsis) {
        int rc = docs_call(fn, argc, argv, out, sizeof out);
        /* README's tas.c: a variant the text has the reader add */
        if (rc && strstr(out, "unknown batcher implementation 'tas'")) rc = 0;
        cr_expect_eq(rc, 0, "%s: `contend %s` does not parse: %s", where, line, out);
        st->parsed++;
        st->failures += rc != 0;
        return;
    }
    char *help_argv[] = { argv[0], "--help", NULL };
    int rc = docs_call(fn, 2, help_argv, out, sizeof out);
    cr_assert_eq(rc, 0, "%s --help: %s", argv[0], out);
    st->synopses++;
    for (int i = 1; i < argc; i++) {
        char opt[128];
        const char *a = argv[i];
        while (*a == '[' || *a == '(') a++;
        if (strncmp(a, "--", 2)) continue;
        size_t l = strcspn(a, "=]|)\\ "); /* "\|": a pipe escaped in a table */
        snprintf(opt, sizeof opt, "  %.*s", (int)l, a);
        int known = strstr(out, opt) != NULL;
        cr_expect(known, "%s: `contend %s`: %s is not an option of %s", where, line, opt + 2,
                  argv[0]);
        st->failures += !known;
    }
}

/* `scripts/ci-report ...`: its --options are in its --help. */
static void docs_check_script(const char *where, const char *line)
{
    static char help[8192];
    if (!help[0]) {
        FILE *p = popen(SRC "/scripts/ci-report --help", "r");
        cr_assert_not_null(p);
        help[fread(help, 1, sizeof help - 1, p)] = '\0';
        pclose(p);
    }
    for (const char *a = strstr(line, "--"); a; a = strstr(a + 2, "--")) {
        char opt[64];
        snprintf(opt, sizeof opt, "%.*s", (int)strcspn(a, " =]|)`"), a);
        cr_expect(strstr(help, opt), "%s: `%s`: %s is not an option of scripts/ci-report", where,
                  line, opt);
    }
}

/* One line or code span: a contend command or scripts/ci-report. */
static void docs_line(const char *where, const char *s, struct docs_stats *st)
{
    while (*s == ' ' || *s == '$') s++;
    if (!strncmp(s, "build/contend ", 14)) s += 6;
    if (!strncmp(s, "contend ", 8)) docs_check(where, s + 8, st);
    if (!strncmp(s, "scripts/ci-report", 17)) docs_check_script(where, s);
}

/* Every `contend ...` of a Markdown file: in code spans and code blocks. */
static void docs_scan(const char *path, struct docs_stats *st)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char line[4096], joined[8192];
    int fence = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "```", 3)) {
            fence = !fence;
            continue;
        }
        char where[600];
        snprintf(where, sizeof where, "%s:%d", path + strlen(SRC) + 1, n);
        if (fence) {
            snprintf(joined, sizeof joined, "%s", line);
            while (strlen(joined) && joined[strlen(joined) - 1] == '\\'
                   && fgets(line, sizeof line, f)) {
                n++;
                line[strcspn(line, "\n")] = '\0';
                joined[strlen(joined) - 1] = ' ';
                strncat(joined, line, sizeof joined - strlen(joined) - 1);
            }
            docs_line(where, joined, st);
            continue;
        }
        for (const char *p = strchr(line, '`'); p; p = strchr(p + 1, '`')) {
            const char *end = strchr(p + 1, '`');
            if (!end) break;
            char span[1024];
            snprintf(span, sizeof span, "%.*s", (int)(end - p - 1), p + 1);
            docs_line(where, span, st);
            p = end;
        }
    }
    fclose(f);
}

Test(docs, every_documented_command_parses)
{
    struct docs_stats st = { 0 };
    docs_scan(SRC "/README.md", &st);
    DIR *d = opendir(SRC "/docs");
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".md")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/docs/%s", SRC, e->d_name);
        docs_scan(path, &st);
    }
    closedir(d);
    cr_expect_gt(st.parsed, 10, "%d command lines parsed", st.parsed);
    cr_expect_gt(st.synopses, 5, "%d synopses checked", st.synopses);
}

/* The checker catches what drifted before: a format that does not exist,
   an option that does not. */
Test(docs, the_checker_catches_drift)
{
    char out[8192];
    char *bad[] = { "export", "r.json", "--format", "summary", NULL };
    cr_expect_eq(docs_call(cmd_export, 4, bad, out, sizeof out), 2, "%s", out);
    char *bad2[] = { "run", "--impl", "spin", "--no-such-option", NULL };
    cr_expect_eq(docs_call(cmd_run, 4, bad2, out, sizeof out), 2, "%s", out);
    char *good[] = { "export", "r.json", "--format", "csv-summary", NULL };
    cr_expect_eq(docs_call(cmd_export, 4, good, out, sizeof out), 0, "%s", out);
}

Test(docs, ci_report_help_is_its_usage)
{
    char out[8192];
    FILE *p = popen(SRC "/scripts/ci-report --help", "r");
    cr_assert_not_null(p);
    size_t k = fread(out, 1, sizeof out - 1, p);
    out[k] = '\0';
    cr_expect_eq(pclose(p), 0);
    cr_expect(!strncmp(out, "usage: scripts/ci-report", 24), "%s", out);
    cr_expect(!strstr(out, "set -e"), "%s", out);
    static const char *const opts[] = { "--baseline", "--out", "--build" };
    for (size_t i = 0; i < 3; i++) cr_expect(strstr(out, opts[i]), "%s", opts[i]);
    p = popen(SRC "/scripts/ci-report --no-such 2>&1", "r");
    k = fread(out, 1, sizeof out - 1, p);
    out[k] = '\0';
    int st = pclose(p);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2 && count_lines(out) == 1, "%s", out);
}

/* `contend help CMD` is `contend CMD --help`, for every command; keys'
   help lists the workload options it takes. */
Test(docs, help_cmd_is_cmd_help)
{
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        static struct proc_result a, b;
        run_contend(&a, (const char *[]){ "help", c->name, NULL });
        run_contend(&b, (const char *[]){ c->name, "--help", NULL });
        cr_expect_eq(a.status, 0, "help %s: %s", c->name, a.err);
        cr_expect_str_eq(a.out, b.out, "help %s", c->name);
    }
    struct proc_result r;
    run_contend(&r, (const char *[]){ "help", "nosuch", NULL });
    cr_expect_eq(r.status, 2);
    run_contend(&r, (const char *[]){ "keys", "--help", NULL });
    static const char *const opts[] = { "--count",   "--seed",     "--keys",
                                        "--dist",    "--theta",    "--hot-keys",
                                        "--hot-ops", "--scramble", "--mix" };
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        cr_expect(strstr(r.out, opts[i]), "keys --help lacks %s", opts[i]);
}
