/* The CLI: bad input exits 2 with one line on stderr and writes nothing;
 * good input works. */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Fixed storage: Criterion runs each parameter in a fresh process, where
   pointers into the parent's data would be meaningless. */
struct bad_case {
    int argc;
    char args[8][48];
};

/* Each must exit 2 with exactly one line on stderr. */
static const struct bad_case bad[] = {
    { 1, { "nosuchcommand" } },
    { 3, { "run", "--threads", "0" } },
    { 3, { "run", "--threads", "1e12" } },
    { 3, { "run", "--threads", "1000000000000" } },
    { 3, { "run", "--threads", "" } },
    { 3, { "run", "--threads", "1,,2" } },
    { 3, { "run", "--threads", "abc" } },
    { 3, { "run", "--ops", "-1" } },
    { 3, { "run", "--ops", "99999999999999999999999" } },
    { 5, { "run", "--ops", "10", "--threads", "100" } },
    { 5, { "run", "--ops", "1000", "--duration", "1" } },
    { 3, { "run", "--duration", "0" } },
    { 3, { "run", "--duration", "nan" } },
    { 3, { "run", "--reps", "0" } },
    { 3, { "run", "--impl", "nosuch" } },
    { 3, { "run", "--impl", "" } },
    { 3, { "run", "--impl", "mutex,mutex" } },
    { 3, { "run", "--family", "nosuch" } },
    { 3, { "run", "--batch", "0" } },
    { 5, { "run", "--batch", "100", "--queue", "10" } },
    { 5, { "run", "--batch", "10", "--queue", "25" } },
    { 3, { "run", "--pin", "diagonal" } },
    { 3, { "run", "--pad", "100000" } },
    { 3, { "run", "--timeout-ms", "x" } },
    { 3, { "run", "--out", "/nonexistent-dir/x.json" } },
    { 3, { "run", "--out", "/" } },
    { 2, { "run", "--bogus" } },
    { 2, { "run", "--ops" } },
    { 2, { "run", "stray" } },
    { 3, { "run", "--counters", "bogus_event" } },
    { 3, { "run", "--counters", "" } },
    { 3, { "run", "--counters", "cycles,,task-clock" } },
    { 2, { "counters", "--bogus" } },
    { 2, { "list", "nosuchfamily" } },
    { 1, { "reproduce" } },
    { 2, { "reproduce", "nosuchexperiment" } },
    { 3, { "run", "--resume", "/nonexistent/journal" } },
    { 5, { "run", "--resume", "/tmp/x.journal", "--threads", "1" } },
    { 3, { "run", "--cell-timeout", "0" } },
    { 3, { "run", "--cell-timeout", "-5" } },
    { 4, { "reproduce", "snail", "--reps", "0" } },
    /* store options */
    { 5, { "run", "--family", "store", "--theta", "0" } },
    { 5, { "run", "--family", "store", "--theta", "-1" } },
    { 5, { "run", "--family", "store", "--mix", "read=90" } },
    { 5, { "run", "--family", "store", "--mix", "read=50,fly=50" } },
    { 5, { "run", "--family", "store", "--mix", "read=50,read=50" } },
    { 5, { "run", "--family", "store", "--mix", "" } },
    { 5, { "run", "--family", "store", "--dist", "pareto" } },
    { 5, { "run", "--family", "store", "--shards", "3" } },
    { 5, { "run", "--family", "store", "--shards", "0" } },
    { 5, { "run", "--family", "store", "--keys", "0" } },
    { 5, { "run", "--family", "store", "--hot-keys", "0" } },
    { 5, { "run", "--family", "store", "--hot-ops", "1.5" } },
    { 5, { "run", "--family", "store", "--workers", "0" } },
    { 3, { "keys", "--theta", "0" } },
    { 3, { "keys", "--dist", "nope" } },
    { 3, { "keys", "--count", "x" } },
    { 2, { "keys", "stray" } },
    { 4, { "reproduce", "taskstore", "--reps", "0" } },
};

ParameterizedTestParameters(cli, bad_input_exits_2)
{
    return cr_make_param_array(struct bad_case, (struct bad_case *)bad, sizeof bad / sizeof bad[0]);
}

ParameterizedTest(struct bad_case *c, cli, bad_input_exits_2)
{
    const char *args[9] = { 0 };
    char shown[400] = "";
    for (int i = 0; i < c->argc; i++) {
        args[i] = c->args[i];
        strcat(shown, " '");
        strcat(shown, c->args[i]);
        strcat(shown, "'");
    }
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 2, "contend%s: exit %d, stderr: %s", shown, r.status, r.err);
    cr_expect_eq(count_lines(r.err), 1, "contend%s: want one line on stderr, got: %s", shown,
                 r.err);
    cr_expect_eq(r.out[0], '\0', "contend%s: nothing on stdout, got: %s", shown, r.out);
}

Test(cli, help_everywhere)
{
    const char *cmds[][3] = { { "--help" },
                              { "run", "--help" },
                              { "list", "--help" },
                              { "reproduce", "--help" },
                              { "counters", "--help" } };
    for (size_t i = 0; i < 5; i++) {
        struct proc_result r;
        cr_assert_eq(run_contend(&r, cmds[i]), 0);
        cr_expect_eq(r.status, 0, "%s: exit %d", cmds[i][0], r.status);
        cr_expect(strstr(r.out, "usage: contend"), "%s: no usage text", cmds[i][0]);
    }
}

Test(cli, list_shows_every_batcher)
{
    struct proc_result r;
    const char *args[] = { "list", NULL };
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0);
    const char *want[] = { "batcher/mutex",  "batcher/channel", "batcher/lockfree", "batcher/spin",
                           "batcher/hybrid", "batcher/ideal",   "batcher/null" };
    for (size_t i = 0; i < 7; i++) cr_expect(strstr(r.out, want[i]), "missing %s", want[i]);
}

Test(cli, run_writes_json_atomically)
{
    char path[] = "/tmp/contend-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(path));
    char out[300];
    snprintf(out, sizeof out, "%s/r.json", path);
    const char *args[] = { "run", "--threads", "1,3", "--ops",   "3000", "--reps",
                           "2",   "--out",     out,   "--quiet", NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    struct stat st;
    cr_assert_eq(stat(out, &st), 0, "no result file");
    FILE *f = fopen(out, "r");
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_expect(strstr(buf, "\"schema\": \"contend-result\""));
    cr_expect(strstr(buf, "\"impl\": \"hybrid\""));
    cr_expect(strstr(buf, "\"commit\""));
    cr_expect(strstr(buf, "\"topology\""));
    unlink(out);
    rmdir(path);
}

Test(cli, bad_run_leaves_no_file)
{
    char path[] = "/tmp/contend-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(path));
    char out[300];
    snprintf(out, sizeof out, "%s/r.json", path);
    const char *args[] = { "run", "--threads", "0", "--out", out, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 2);
    cr_expect_neq(access(out, F_OK), 0, "a file was written for bad input");
    rmdir(path);
}

Test(cli, store_run_and_keys)
{
    const char *args[] = { "run",    "--family",  "store",
                           "--keys", "2000",      "--ops",
                           "6000",   "--threads", "1,2",
                           "--reps", "1",         "--dist",
                           "hotset", "--mix",     "read=60,update=20,insert=10,delete=9,scan=1",
                           NULL };
    struct proc_result r;
    cr_assert_eq(run_contend(&r, args), 0);
    cr_expect_eq(r.status, 0, "stderr: %s\nstdout: %s", r.err, r.out);
    cr_expect(strstr(r.out, "store/shard_unit"), "no store rows: %s", r.out);
    cr_expect(strstr(r.out, "allocs/op"), "no store columns: %s", r.out);
    cr_expect_null(strstr(r.out, "FAIL"), "%s", r.out);

    const char *keys[] = { "keys", "--keys", "100", "--count", "50", "--seed", "3", NULL };
    cr_assert_eq(run_contend(&r, keys), 0);
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect_eq(count_lines(r.out), 50);
    for (char *p = r.out; *p; p = strchr(p, '\n') + 1) {
        long k = strtol(p, NULL, 10);
        cr_expect(k >= 1 && k <= 100, "key %ld out of range", k);
    }
    const char *list[] = { "list", "store", NULL };
    cr_assert_eq(run_contend(&r, list), 0);
    const char *want[] = { "store/memory", "store/shard", "store/shard_unit", "store/pooled",
                           "store/channel" };
    for (size_t i = 0; i < 5; i++) cr_expect(strstr(r.out, want[i]), "missing %s", want[i]);
}
