/* report.html and report.md from hostile and large result files, and the
 * report's output directory under attack and failure: every string a
 * result file brings is escaped (no tag, no link, no handler of its own
 * reaches the HTML), every image the Markdown shows is inlined, nothing is
 * written through a planted symbolic link, a failed report leaves nothing
 * half-made, and no fixed cap drops implementations. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define FIX CONTEND_SOURCE_DIR "/tests/fixtures/"
#define HOSTILE \
    "[y](javascript:alert(1))\"><img src=x onerror=alert(2)>|`<script>alert(3)</script>\n# h"

static char tmp[64];

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/contend-html-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    chmod(tmp, 0755);
}
static void teardown(void) { remove_tree(tmp); }

static const char *in_tmp(const char *name)
{
    static char buf[64][1024];
    static int k;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static char *slurp(const char *path) { return read_file(path, NULL); }

struct html_run {
    const char *const *args, *const *env;
    int uid;
};

static void html_child(void *arg)
{
    const struct html_run *r = arg;
    for (size_t i = 0; r->env && r->env[i]; i++) {
        char name[128];
        const char *eq = strchr(r->env[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - r->env[i]), r->env[i]);
        if (eq[1])
            setenv(name, eq + 1, 1);
        else
            unsetenv(name);
    }
    if (r->uid >= 0 && (setgid((gid_t)r->uid) != 0 || setuid((uid_t)r->uid) != 0)) _exit(99);
    const char *argv[64] = { CONTEND_BIN };
    for (size_t i = 0; r->args[i] && i < 62; i++) argv[i + 1] = r->args[i];
    execv(CONTEND_BIN, (char *const *)argv);
    _exit(98);
}

/* contend ARGS with the environment changed (NAME=VALUE, or NAME= to
   unset) and, when uid >= 0, as that user; stderr into err. */
static int run_env(const char *const *args, const char *const *env, int uid, char *err, size_t n)
{
    struct html_run r = { args, env, uid };
    return fork_capture(html_child, &r, 0, err, n);
}

static int report(const char *const *args, char *err, size_t n)
{
    return run_env(args, NULL, -1, err, n);
}

/* ---------------- the HTML checks ---------------------------------------- */

/* No tag of the page carries a script, a handler, or a link that the report
   did not make (its plots, and the SVGs' own #ids). */
static void check_html_clean(const char *html)
{
    static const char *const tags[] = { "<img",   "<script", "<iframe", "<object",
                                        "<embed", "<form",   "<base",   "<link" };
    for (const char *t = strchr(html, '<'); t; t = strchr(t + 1, '<')) {
        const char *end = strchr(t, '>');
        cr_assert_not_null(end, "an unclosed tag");
        for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
            cr_expect(strncasecmp(t, tags[i], strlen(tags[i])), "a %s tag reached the HTML: %.80s",
                      tags[i], t);
        for (const char *p = t; p < end; p++) {
            cr_expect(strncasecmp(p, "javascript:", 11), "javascript: in a tag: %.80s", t);
            if (isspace((unsigned char)*p) && !strncasecmp(p + 1, "on", 2)) {
                const char *q = p + 3;
                while (isalpha((unsigned char)*q)) q++;
                cr_expect(!(q > p + 3 && *q == '='), "an event handler: %.80s", t);
            }
            if (!strncmp(p, "href=", 5)) {
                const char *v = p + 6;
                cr_expect(!strncmp(v, "plots/", 6) || *v == '#', "a link of its own: %.80s", t);
            }
        }
    }
}

/* Outside code spans, every unescaped "](" of the Markdown is one of the
   report's plot links, and no "<img" or "<script" stands unescaped. */
static void check_md_clean(const char *md)
{
    int code = 0;
    for (const char *p = md; *p; p++) {
        int escaped = p > md && p[-1] == '\\';
        if (*p == '\n') code = 0;
        if (*p == '`' && !escaped) code = !code;
        if (code || escaped) continue;
        if (!strncmp(p, "](", 2))
            cr_expect(!strncmp(p + 2, "plots/", 6), "a link of its own in the Markdown: %.60s", p);
        if (*p == '<')
            cr_expect(strncasecmp(p, "<img", 4) && strncasecmp(p, "<script", 7),
                      "raw HTML in the Markdown: %.60s", p);
    }
}

/* Every image the Markdown shows is inlined into the HTML. */
static void check_images_inlined(const char *md, const char *html)
{
    int images = 0;
    for (const char *p = strstr(md, "]("); p; p = strstr(p + 2, "](")) {
        if (strncmp(p + 2, "plots/", 6) || !strstr(p, ".png)")) continue;
        const char *open = p;
        while (open > md && *open != '\n') open--;
        if (!strstr(open, "![") || strstr(open, "![") > p) continue;
        char stem[200], want[260];
        const char *s = p + 8, *e = strstr(s, ".png)");
        snprintf(stem, sizeof stem, "%.*s", (int)(e - s), s);
        snprintf(want, sizeof want, "<a href=\"plots/%s.svg\">", stem);
        cr_expect(strstr(html, want), "the HTML lacks the image %s", stem);
        images++;
    }
    int svgs = 0;
    for (const char *p = strstr(html, "<figure>\n<svg"); p; p = strstr(p + 1, "<figure>\n<svg"))
        svgs++;
    cr_expect_eq(svgs, images, "%d images in the Markdown, %d inlined", images, svgs);
    cr_expect(images > 0);
}

TestSuite(report_html, .init = setup, .fini = teardown);

Test(report_html, every_image_of_the_markdown_is_inlined)
{
    char err[4096];
    const char *dir = in_tmp("r");
    int st = report((const char *[]){ "report", FIX "batcher-b.json", "--baseline",
                                      FIX "batcher-a.json", "--out", dir, NULL },
                    err, sizeof err);
    cr_assert_eq(st, 0, "%s", err);
    char *md = slurp(in_tmp("r/report.md")), *html = slurp(in_tmp("r/report.html"));
    cr_assert(md && html);
    cr_expect(strstr(md, "![change from base to new"), "the compare plot is in the Markdown");
    check_images_inlined(md, html);
    check_html_clean(html);
    free(md);
    free(html);
    /* the compare plot: changes in percent on a linear axis centred on 0 */
    char *tsv = slurp(in_tmp("r/plots/m1-compare-ops-per-s.tsv"));
    char *svg = slurp(in_tmp("r/plots/m1-compare-ops-per-s.svg"));
    cr_assert(tsv && svg);
    char name[64];
    double change;
    cr_expect_eq(sscanf(tsv, "%63[^\t]\t%lf", name, &change), 2, "%s", tsv);
    cr_expect(fabs(change) < 1000, "a change in percent: %g", change);
    char *minus = strstr(svg, ">-"), *zero = strstr(svg, ">+0%<"), *plus = strstr(svg, ">+");
    cr_expect(zero && minus && plus, "ticks below, at and above +0%%");
    free(tsv);
    free(svg);
}

/* The fixture with HOSTILE in every string a report prints. */
static void write_hostile(const char *path, int variant)
{
    json_error_t e;
    json_t *r = json_load_file(FIX "batcher-a.json", 0, &e);
    cr_assert_not_null(r, "%s", e.text);
    json_t *ctx = json_object_get(r, "context");
    static const char *const keys[] = { "kernel",   "host",     "commit",  "date",
                                        "governor", "compiler", "version", "note" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        json_object_set_new(ctx, keys[i], json_string(HOSTILE));
    json_object_set_new(json_object_get(ctx, "topology"), "cpu_model", json_string(HOSTILE));
    json_array_append_new(json_object_get(ctx, "argv"), json_string(HOSTILE));
    json_object_set_new(json_object_get(json_object_get(r, "config"), "batcher"), "pad",
                        variant ? json_string(HOSTILE) : json_integer(1));
    json_object_set_new(json_object_get(r, "config"), HOSTILE, json_integer(variant));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "cells"), i, c)
    {
        const char *impl = json_string_value(json_object_get(c, "impl"));
        if (!strcmp(impl, "spin"))
            json_object_set_new(c, "impl", json_string(HOSTILE));
        else if (!strcmp(impl, "mutex"))
            json_object_set_new(c, "impl", json_string("m'u\"t\tx"));
    }
    cr_assert_eq(json_dump_file(r, path, JSON_INDENT(1)), 0);
    json_decref(r);
}

Test(report_html, hostile_strings_never_reach_the_html_unescaped)
{
    /* the file names are hostile too: paths are printed */
    const char *base = in_tmp("b<img src=x onerror=alert(4)>.json");
    const char *nw = in_tmp("[n](javascript:alert(5)).json");
    write_hostile(base, 0);
    write_hostile(nw, 1);
    char err[4096];
    const char *dir = in_tmp("h");
    int st = report((const char *[]){ "report", nw, "--baseline", base, "--out", dir, NULL }, err,
                    sizeof err);
    cr_assert_eq(st, 0, "%s", err);
    char *md = slurp(in_tmp("h/report.md")), *html = slurp(in_tmp("h/report.html"));
    cr_assert(md && html);
    cr_expect(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"), "the data is shown, escaped");
    cr_expect(strstr(md, "config differs"), "the hostile config key is in a note");
    check_html_clean(html);
    check_md_clean(md);
    check_images_inlined(md, html);
    free(md);
    free(html);
    /* compare's Markdown, the pull-request comment */
    struct proc_result r;
    run_contend(&r, (const char *[]){ "compare", base, nw, "--format", "md", NULL });
    cr_expect_lt(r.status, 2, "%s", r.err);
    check_md_clean(r.out);
}

/* A result file of n implementations at 1 and 2 threads. */
static void write_many(const char *path, int n)
{
    json_error_t e;
    json_t *r = json_load_file(FIX "batcher-a.json", 0, &e);
    cr_assert_not_null(r, "%s", e.text);
    json_t *cells = json_object_get(r, "cells"), *out = json_array();
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < 2; k++) {
            json_t *c = json_deep_copy(json_array_get(cells, 4 * k)); /* threads 1, 2 */
            char name[16];
            snprintf(name, sizeof name, "i%02d", i);
            json_object_set_new(c, "impl", json_string(name));
            json_array_append_new(out, c);
        }
    json_object_set_new(r, "cells", out);
    cr_assert_eq(json_dump_file(r, path, 0), 0);
    json_decref(r);
}

Test(report_html, no_cap_on_implementations)
{
    const char *in = in_tmp("many.json");
    write_many(in, 70);
    char err[4096];
    int st = report((const char *[]){ "report", in, "--out", in_tmp("m"), NULL }, err, sizeof err);
    cr_assert_eq(st, 0, "%s", err);
    char *md = slurp(in_tmp("m/report.md")), *tsv = slurp(in_tmp("m/plots/m1-batcher-scaling.tsv"));
    cr_assert(md && tsv);
    for (int i = 0; i < 70; i++) {
        char row[32], block[32];
        snprintf(row, sizeof row, "| i%02d | 2 |", i);
        snprintf(block, sizeof block, "i%02d (seed)\tthreads", i); /* the kind: frontier.h */
        cr_expect(strstr(md, row), "the table lacks %s", row);
        cr_expect(strstr(tsv, block), "the plot lacks i%02d", i);
    }
    free(md);
    free(tsv);
}

/* ---------------- the output directory ----------------------------------- */

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

Test(report_html, a_planted_symlink_in_plots_is_never_followed)
{
    const char *dir = in_tmp("s"), *victim = in_tmp("victim");
    FILE *f = fopen(victim, "w");
    cr_assert_not_null(f);
    fputs("precious\n", f);
    fclose(f);
    mkdir(dir, 0777);
    mkdir(in_tmp("s/plots"), 0777);
    cr_assert_eq(symlink(victim, in_tmp("s/plots/m1-batcher-scaling.tsv")), 0);
    cr_assert_eq(symlink(victim, in_tmp("s/plots/m1-batcher-scaling.png")), 0);
    char err[4096];
    int st = report((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL }, err,
                    sizeof err);
    cr_expect_eq(st, 2, "refused: %s", err);
    cr_expect_eq(count_lines(err), 1, "one line: %s", err);
    cr_expect(strstr(err, "symbolic link"), "%s", err);
    char *v = slurp(victim);
    cr_expect_str_eq(v, "precious\n", "the link's target is untouched");
    free(v);
    cr_expect(!exists(in_tmp("s/report.md")), "nothing half-made");
    /* a link planted where a report file goes is replaced, not written through */
    unlink(in_tmp("s/plots/m1-batcher-scaling.tsv"));
    unlink(in_tmp("s/plots/m1-batcher-scaling.png"));
    cr_assert_eq(symlink(victim, in_tmp("s/report.html")), 0);
    st = report((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL }, err,
                sizeof err);
    cr_expect_eq(st, 0, "%s", err);
    v = slurp(victim);
    cr_expect_str_eq(v, "precious\n");
    free(v);
    struct stat sb;
    cr_expect(lstat(in_tmp("s/report.html"), &sb) == 0 && S_ISREG(sb.st_mode));
}

/* Nothing but DIR's own entries: no temporary directory left behind. */
static int entries(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    cr_assert_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

Test(report_html, an_unwritable_directory_fails_with_one_line_and_nothing_made)
{
    const char *ro = in_tmp("ro");
    mkdir(ro, 0555);
    chmod(ro, 0555);
    const char *dir = in_tmp("ro/r");
    char err[4096];
    /* root writes anywhere: run as nobody then */
    struct passwd *pw = getpwnam("nobody");
    int uid = geteuid() == 0 && pw ? (int)pw->pw_uid : -1;
    int st = run_env((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL }, NULL,
                     uid, err, sizeof err);
    cr_expect_eq(st, 2, "%s", err);
    cr_expect_eq(count_lines(err), 1, "%s", err);
    cr_expect(strstr(err, "Permission denied"), "%s", err);
    cr_expect_eq(entries(ro), 0, "nothing made in %s", ro);
}

/* A copy of plots/ whose scaling script is broken. */
static const char *broken_plots(void)
{
    const char *pl = in_tmp("gp");
    mkdir(pl, 0777);
    static const char *const gp[] = { "common.gp", "bars.gp", "compare.gp" };
    char cmd[2048];
    for (size_t i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "cp '%s/plots/%s' '%s/'", CONTEND_SOURCE_DIR, gp[i], pl);
        cr_assert_eq(system(cmd), 0);
    }
    FILE *f = fopen(in_tmp("gp/scaling.gp"), "w");
    cr_assert_not_null(f);
    fputs("load dir.\"/common.gp\"\nplot datafile using 1:2 with no_such_style\n", f);
    fclose(f);
    return pl;
}

Test(report_html, a_broken_gnuplot_script_fails_with_its_message_and_nothing_made)
{
    const char *dir = in_tmp("b");
    char env[1100], err[4096];
    snprintf(env, sizeof env, "CONTEND_PLOTS=%s", broken_plots());
    int st = run_env((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL },
                     (const char *[]){ env, NULL }, -1, err, sizeof err);
    cr_expect_eq(st, 2, "%s", err);
    cr_expect_eq(count_lines(err), 1, "gnuplot's lines are folded into one: %s", err);
    cr_expect(strstr(err, "scaling.gp") && strstr(err, "line 2"), "gnuplot's own message: %s", err);
    cr_expect(!exists(dir), "no half-made directory");
    cr_expect_eq(entries(tmp), 1, "no temporary directory left in %s", tmp);
    /* an existing report directory is left as it was */
    mkdir(dir, 0777);
    FILE *f = fopen(in_tmp("b/report.md"), "w");
    fputs("old\n", f);
    fclose(f);
    st = run_env((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL },
                 (const char *[]){ env, NULL }, -1, err, sizeof err);
    cr_expect_eq(st, 2);
    char *old = slurp(in_tmp("b/report.md"));
    cr_expect_str_eq(old, "old\n");
    free(old);
    cr_expect_eq(entries(dir), 1, "only the old report.md in %s", dir);
}

Test(report_html, gnuplot_missing_says_so)
{
    const char *dir = in_tmp("g");
    char err[4096];
    int st = run_env((const char *[]){ "report", FIX "batcher-a.json", "--out", dir, NULL },
                     (const char *[]){ "PATH=/nonexistent", NULL }, -1, err, sizeof err);
    cr_expect_eq(st, 2, "%s", err);
    cr_expect_eq(count_lines(err), 1, "%s", err);
    cr_expect(strstr(err, "gnuplot not found"), "%s", err);
    cr_expect(!exists(dir));
}
