/* Hostile input, as a careful attacker and a careless user would give it:
 * every subcommand's options, result files, experiment files and journals
 * of every file type (directories, FIFOs, devices, symlinks, huge, empty,
 * negative or out-of-range values). Each must exit 2 with one line on
 * stderr that says what is wrong, never hang, never write. The faults
 * (full disks, broken pipes, signals, concurrent runs) are in
 * test_hostile_faults.c. (issue 16) */
#include <jansson.h>

#include "hostile.h"

/* "@D" in an argument is the fixture directory, "@L" a path of 1,100 bytes. */
struct hcase {
    int status;       /* exit status wanted */
    const char *want; /* in the one line on stderr */
    const char *args[10];
};

static const struct hcase cases[] = {
    /* result files: file types (item 10), messages (25) */
    { 2, "is a directory", { "compare", "@D/adir", "@D/good.json" } },
    { 2, "not a regular file", { "compare", "@D/fifo", "@D/good.json" } },
    { 2, "not a regular file", { "compare", "/dev/zero", "@D/good.json" } },
    { 2, "not a regular file", { "compare", "@D/good.json", "/dev/null" } },
    { 2, "No such file", { "compare", "@D/dangling", "@D/good.json" } },
    { 2, "not valid JSON", { "compare", "@D/empty", "@D/good.json" } },
    { 2, "too large", { "compare", "@D/big.json", "@D/good.json" } },
    { 2, "not a regular file", { "export", "@D/fifo", "--format", "csv" } },
    { 2, "is a directory", { "export", "@D/adir", "--format", "gobench" } },
    { 2, "not a regular file", { "export", "/dev/zero", "--format", "gbench-json" } },
    { 2, "is a directory", { "report", "@D/adir", "--out", "@D/rep" } },
    { 2, "not a regular file", { "report", "@D/fifo", "--out", "@D/rep" } },
    { 2, "not a regular file", { "report", "@D/good.json", "--baseline", "@D/fifo" } },
    /* values: negative (16), out of range (9), strings (25), "metric" (25) */
    { 2, "\"ops_per_s\"", { "compare", "@D/neg.json", "@D/good.json" } },
    { 2, "\"seconds\"", { "compare", "@D/good.json", "@D/negsec.json" } },
    { 2, "\"ops_per_s\"", { "export", "@D/neg.json", "--format", "gobench" } },
    { 2, "\"ops_per_s\"", { "export", "@D/neg.json", "--format", "csv" } },
    { 2, "\"ops\"", { "export", "@D/huge.json", "--format", "gbench-json" } },
    { 2, "\"ops\"", { "compare", "@D/huge.json", "@D/good.json" } },
    { 2, "\"ns_per_op\"", { "export", "@D/hugens.json", "--format", "gbench-json" } },
    { 2, "\"ops_per_s\" is a string", { "compare", "@D/str.json", "@D/good.json" } },
    { 2, "\"ops_per_s\" is a string", { "export", "@D/str.json", "--format", "csv" } },
    { 2, "\"delivered\"", { "report", "@D/negcount.json", "--out", "@D/rep" } },
    { 2, "nosuch", { "compare", "@D/good.json", "@D/good.json", "--metric", "nosuch" } },
    { 2, "nosuch", { "compare", "@D/good.json", "@D/good.json", "--metric", "ops_per_s,nosuch" } },
    /* non-finite and extreme values: nothing vanishes from the output (8, 9) */
    { 0, "", { "compare", "@D/\xff.json", "@D/good.json", "--format", "json" } },
    { 0, "", { "export", "@D/ops1e18.json", "--format", "gbench-json" } },
    { 0, "", { "compare", "@D/zero.json", "@D/good.json", "--format", "json" } },
    /* a result without a context: exports what it has (a crash before) */
    { 0, "", { "export", "@D/noctx.json", "--format", "gobench" } },
    { 0, "", { "export", "@D/noctx.json", "--format", "gbench-json" } },
    /* experiment files (10, 25, 26) */
    { 2, "is a directory", { "reproduce", "@D/adir", "--out", "@D/rep" } },
    { 2, "not a regular file", { "reproduce", "@D/fifo.ini", "--out", "@D/rep" } },
    { 2, "not a regular file", { "reproduce", "/dev/zero", "--out", "@D/rep" } },
    { 2, "too large", { "reproduce", "@D/big.ini", "--out", "@D/rep" } },
    { 2, "[ratio]", { "reproduce", "@D/ratio-inf.ini", "--out", "@D/rep" } },
    { 2, "[ratio]", { "reproduce", "@D/ratio-nan.ini", "--out", "@D/rep" } },
    { 2, "[ratio]", { "reproduce", "@D/ratio-huge.ini", "--out", "@D/rep" } },
    { 2, "needs family and impl", { "reproduce", "@D/empty.ini", "--out", "@D/rep" } },
    { 2, "No such file", { "reproduce", "@D/nowhere.ini", "--out", "@D/rep" } },
    /* --out: symlinks, directories, devices are never replaced (items 2, 5, 22) */
    { 2, "dangling symbolic link", { "run", "--out", "@D/dangling" } },
    { 2, "symbolic link to a regular file", { "run", "--out", "@D/link.json" } },
    { 2, "is a directory", { "run", "--out", "@D/adir" } },
    { 2,
      "dangling symbolic link",
      { "export", "@D/good.json", "--format", "gobench", "--out", "@D/dangling" } },
    { 2,
      "symbolic link to a regular file",
      { "export", "@D/good.json", "--format", "gbench-json", "--out", "@D/link.json" } },
    { 2,
      "is a directory",
      { "export", "@D/good.json", "--format", "gobench", "--out", "@D/adir" } },
    { 2,
      "no process is reading",
      { "export", "@D/good.json", "--format", "gobench", "--out", "@D/fifo" } },
    { 2, "- (standard output)", { "report", "@D/good.json", "--out", "-" } },
    { 2, "- (standard output)", { "reproduce", "snail", "--out", "-" } },
    /* journals: file types, a planted symlink (items 5, 10) */
    { 2, "symbolic link", { "run", "--out", "@D/j.json" } },
    { 2, "not a regular file", { "run", "--resume", "@D/fifo" } },
    { 2, "is a directory", { "run", "--resume", "@D/adir" } },
    { 2, "not a regular file", { "run", "--resume", "/dev/zero" } },
    { 2, "No such file", { "run", "--resume", "@D/dangling" } },
    { 2, "not a contend journal", { "run", "--resume", "@D/good.json" } },
    { 2, "empty journal", { "run", "--resume", "@D/empty" } },
    /* options (items 14, 25, 26, 27) */
    { 2, "3 given twice", { "run", "--threads", "1,3,3" } },
    { 2, "1 given twice", { "run", "--threads", "1,1" } },
    { 2, "unknown option '-x'", { "run", "-x" } },
    { 2, "--resume takes no other options", { "run", "X", "--resume=@D/empty" } },
    { 2, "--resume takes no other options", { "run", "--resume=@D/empty", "X" } },
    { 2, "--resume takes no other options", { "run", "--quiet", "--resume", "@D/empty" } },
    { 2,
      "--threshold",
      { "compare", "@D/good.json", "@D/good.json", "--threshold",
        "3.00000000000000000000000000000000000000000000000000000000000000000001" } },
    { 2, "--threshold", { "compare", "@D/good.json", "@D/good.json", "--threshold", "inf" } },
    { 2, "--alpha", { "compare", "@D/good.json", "@D/good.json", "--alpha", "nan" } },
    { 2, "[1, 1000]", { "reproduce", "all", "--reps", "0", "--out", "@D/rep" } },
    { 2,
      "unknown option '--bogus'",
      { "reproduce", "all", "--set", "bogus=1", "--out", "@D/rep" } },
    { 2, "not KEY=VALUE", { "reproduce", "snail", "--set", "=1", "--out", "@D/rep" } },
    { 2, "--count", { "keys", "--count", "-1" } },
    { 2, "--theta", { "keys", "--dist", "zipf", "--theta", "nan" } },
    { 2, "unexpected argument", { "list", "batcher", "store" } },
    { 2, "unknown family", { "stress", "--family", "nosuch" } },
    { 2, "name one command", { "help", "nosuch" } },
    { 2, "unknown command", { "nosuchcommand" } },
    /* long and non-UTF-8 paths (items 21, 6) */
    { 2, "too long", { "reproduce", "snail", "--out", "@L" } },
    { 2, "too long", { "reproduce", "all", "--out", "@L" } },
    { 2, "too long", { "report", "@D/good.json", "--out", "@L" } },
    { 2, "too long", { "export", "@D/good.json", "--format", "csv", "--out", "@L" } },
    { 2, "too long", { "export", "@D/good.json", "--format", "gobench", "--out", "@L" } },
    { 2, "too long", { "run", "--out", "@L" } },
    { 2, "not valid UTF-8", { "run", "--out", "@D/\xff.json" } },
    { 2, "not valid UTF-8", { "run", "--out", "@D/a\xc3(.json" } },
};

static void fixtures(const char *d)
{
    char p[512], q[512];
#define P(name) (snprintf(p, sizeof p, "%s/%s", d, name), p)
    cr_assert_eq(mkdir(P("adir"), 0755), 0);
    cr_assert_eq(mkfifo(P("fifo"), 0644), 0);
    cr_assert_eq(mkfifo(P("fifo.ini"), 0644), 0);
    hx_result(P("good.json"), NULL);
    hx_result(P("neg.json"), "\"ops_per_s\": -5");
    hx_result(P("\xff.json"), NULL);
    hx_result(P("ops1e18.json"), "\"ops\": 1e18");
    FILE *z = fopen(P("zero.json"), "w");
    fprintf(z,
            "{\"schema\": \"contend-result\", \"schema_version\": 2, \"cells\": [{\"family\": "
            "\"batcher\", \"impl\": \"mutex\", \"threads\": 1, \"trials\": [");
    for (int i = 0; i < 5; i++) fprintf(z, "%s{\"ops_per_s\": 0, \"ns_per_op\": 0}", i ? "," : "");
    fprintf(z, "]}]}");
    fclose(z);
    hx_write(P("noctx.json"),
             "{\"schema\": \"contend-result\", \"schema_version\": 2, \"cells\": "
             "[{\"family\": \"b\", \"impl\": \"i\", \"threads\": 1, \"trials\": "
             "[{\"ns_per_op\": 5}, {\"ns_per_op\": 6}]}]}");
    hx_result(P("negsec.json"), "\"seconds\": -1");
    hx_result(P("negcount.json"), "\"delivered\": -1");
    hx_result(P("huge.json"), "\"ops\": 1e300");
    hx_result(P("hugens.json"), "\"ns_per_op\": 1e300");
    hx_result(P("str.json"), "\"ops_per_s\": \"fast\"");
    hx_write(P("empty"), "");
    cr_assert_eq(symlink("good.json", P("link.json")), 0);
    snprintf(q, sizeof q, "%s/nowhere", d);
    cr_assert_eq(symlink(q, P("dangling")), 0);
    cr_assert_eq(symlink(q, P("j.json.journal")), 0);
    int fd = open(P("big.json"), O_WRONLY | O_CREAT, 0644);
    cr_assert_eq(ftruncate(fd, (off_t)600 << 20), 0); /* sparse: costs nothing */
    close(fd);
    fd = open(P("big.ini"), O_WRONLY | O_CREAT, 0644);
    cr_assert_eq(ftruncate(fd, (off_t)4 << 20), 0);
    close(fd);
    const char *ini = "[experiment]\nfamily = batcher\nimpl = mutex,spin\n[ratio]\nspin/mutex = ";
    snprintf(q, sizeof q, "%sinf\n", ini);
    hx_write(P("ratio-inf.ini"), q);
    snprintf(q, sizeof q, "%snan\n", ini);
    hx_write(P("ratio-nan.ini"), q);
    snprintf(q, sizeof q, "%s1e999\n", ini);
    hx_write(P("ratio-huge.ini"), q);
    hx_write(P("empty.ini"), "");
#undef P
}

ParameterizedTestParameters(hostile, bad_input)
{
    static int idx[sizeof cases / sizeof *cases];
    for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) idx[i] = (int)i;
    return cr_make_param_array(int, idx, sizeof idx / sizeof *idx);
}

ParameterizedTest(int *i, hostile, bad_input)
{
    const struct hcase *c = &cases[*i];
    char dir[64], longp[1200], buf[10][1300], shown[2048] = "";
    hx_tmpdir(dir, sizeof dir);
    fixtures(dir);
    snprintf(longp, sizeof longp, "%s", dir); /* components a kernel takes */
    while (strlen(longp) < 1100)
        strcat(longp, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    const char *args[11] = { 0 };
    for (int k = 0; k < 10 && c->args[k]; k++) {
        const char *a = c->args[k], *d = strstr(a, "@D"), *l = strstr(a, "@L");
        if (d)
            snprintf(buf[k], sizeof buf[k], "%.*s%s%s", (int)(d - a), a, dir, d + 2);
        else if (l)
            snprintf(buf[k], sizeof buf[k], "%.*s%s%s", (int)(l - a), a, longp, l + 2);
        else
            snprintf(buf[k], sizeof buf[k], "%s", a);
        args[k] = buf[k];
        snprintf(shown + strlen(shown), sizeof shown - strlen(shown), " %.80s", buf[k]);
    }
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, NULL, args), 0);
    cr_expect_eq(r.status, c->status, "contend%s: exit %d, stderr: %s", shown, r.status, r.err);
    /* a failure: one line that says why, nothing on stdout; a success:
       output, no complaint */
    cr_expect_eq(count_lines(r.err), !!c->status, "contend%s: stderr: %s", shown, r.err);
    cr_expect(strstr(r.err, c->want), "contend%s: want '%s' in: %s", shown, c->want, r.err);
    for (const char *p = r.err; *p; p++)
        cr_expect((*p >= ' ' && *p < 127) || *p == '\n', "contend%s: byte 0x%02x on stderr", shown,
                  (unsigned char)*p);
    cr_expect_eq(!r.out[0], !!c->status, "contend%s: stdout: %s", shown, r.out);
    if (r.out[0] == '{') { /* JSON out: valid, every row there */
        json_error_t je;
        json_t *j = json_loads(r.out, 0, &je);
        cr_expect_not_null(j, "contend%s: not JSON: %s", shown, je.text);
        const json_t *rows = json_object_get(j, "rows");
        cr_expect(!rows || json_array_size(rows) > 0, "contend%s: rows dropped: %s", shown, r.out);
        json_decref(j);
    }
    cr_expect_neq(access(strcat(strcpy(buf[0], dir), "/rep"), F_OK), 0, "contend%s: wrote a report",
                  shown);
    snprintf(buf[0], sizeof buf[0], "%.*s", (int)strlen(dir) + 50, longp);
    cr_expect_neq(access(buf[0], F_OK), 0, "contend%s: created part of a long path", shown);
    struct stat st;
    const char *links[] = { "dangling", "link.json" };
    for (int k = 0; k < 2; k++) {
        snprintf(buf[0], sizeof buf[0], "%s/%s", dir, links[k]);
        cr_expect(lstat(buf[0], &st) == 0 && S_ISLNK(st.st_mode), "contend%s: replaced %s", shown,
                  links[k]);
    }
    snprintf(buf[0], sizeof buf[0], "%s/nowhere", dir);
    cr_expect_neq(lstat(buf[0], &st), 0, "contend%s: created a dangling link's target", shown);
    remove_tree(dir);
}

/* Names from a result file reach CSV quoted, whatever they hold (item 23). */
Test(hostile, csv_output_quotes_names_from_the_file)
{
    char dir[64], a[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.json", dir);
    FILE *f = fopen(a, "w");
    fprintf(f,
            "{\"schema\": \"contend-result\", \"schema_version\": 2, \"cells\": [{\"family\": "
            "\"batcher\", \"impl\": \"a,b\\\"c\", \"workload\": \"w,x\", \"threads\": 1, "
            "\"trials\": [{\"ops_per_s\": 1}, {\"ops_per_s\": 2}, {\"ops_per_s\": 3}]}]}");
    fclose(f);
    const char *cmp[] = { "compare", a, a, "--format", "csv", NULL };
    const char *exp[] = { "export", a, "--format", "csv-summary", NULL };
    for (int k = 0; k < 2; k++) {
        struct proc_result r;
        cr_assert_eq(run_contend_with(&r, NULL, k ? exp : cmp), 0);
        cr_expect_eq(r.status, 0, "%s", r.err);
        /* RFC 4180: count the fields of each record */
        int fields = 1, header = -1, quoted = 0;
        for (const char *p = r.out; *p; p++) {
            if (*p == '"') quoted = !quoted;
            if (quoted) continue;
            if (*p == ',') fields++;
            if (*p == '\n') {
                if (header < 0) header = fields;
                cr_expect_eq(fields, header, "a record of %d fields, the header has %d: %s", fields,
                             header, r.out);
                fields = 1;
            }
        }
        cr_expect(strstr(r.out, "\"a,b\"\"c\""), "%s", r.out);
    }
    remove_tree(dir);
}
