/* Reliability guarantees: a crash, a hang and a lost item are each recorded
 * for their own cell while the others stay intact; SIGINT keeps what is done
 * and --resume finishes the run; hostile journals are refused. Uses
 * contend-faulty (contend plus tests/faulty/ variants). */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

extern char **environ;

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    cr_assert_not_null(j, "%s: %s", path, e.text);
    return j;
}

static json_t *cell(json_t *root, const char *impl)
{
    size_t i;
    json_t *c;
    json_array_foreach(
        json_object_get(root, "cells"), i,
        c) if (!strcmp(json_string_value(json_object_get(c, "impl")), impl)) return c;
    cr_assert_fail("no cell for %s", impl);
    return NULL;
}

static void tmpdir(char *dir, size_t n, char *out, size_t on, const char *file)
{
    snprintf(dir, n, "/tmp/contend-rel-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(out, on, "%s/%s", dir, file);
}

static int run_bin(const char *bin, const char *const *args, char *err, size_t errlen)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s", bin);
    for (size_t i = 0; args[i]; i++) {
        strncat(cmd, " '", sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, args[i], sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, "'", sizeof cmd - strlen(cmd) - 1);
    }
    strncat(cmd, " 2>&1 >/dev/null", sizeof cmd - strlen(cmd) - 1);
    FILE *f = popen(cmd, "r");
    size_t k = fread(err, 1, errlen - 1, f);
    err[k] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(reliability, faults_are_isolated_and_reported)
{
    char dir[64], out[128], err[8192];
    tmpdir(dir, sizeof dir, out, sizeof out, "f.json");
    const char *args[] = { "run",
                           "--impl",
                           "faulty_crash,mutex,faulty_deadlock,faulty_dup",
                           "--threads",
                           "2",
                           "--ops",
                           "20000",
                           "--reps",
                           "3",
                           "--cell-timeout",
                           "15",
                           "--out",
                           out,
                           NULL };
    int st = run_bin(CONTEND_FAULTY_BIN, args, err, sizeof err);
    cr_expect_eq(st, 1, "exit %d, want 1 (a cell failed): %s", st, err);
    json_t *r = load(out);
    json_t *crash = cell(r, "faulty_crash"), *dl = cell(r, "faulty_deadlock"),
           *lose = cell(r, "faulty_dup"), *ok = cell(r, "mutex");
    cr_expect_str_eq(json_string_value(json_object_get(crash, "outcome")), "crashed");
    /* plain build: the signal; sanitizer builds: the kind in the sanitizer's
       report ("SIGSEGV (AddressSanitizer)", "UBSan: store to null pointer ...") */
    const char *detail = json_string_value(json_object_get(crash, "outcome_detail"));
    cr_expect(detail
                  && (!strcmp(detail, "SIGSEGV") || strstr(detail, "Sanitizer")
                      || !strncmp(detail, "UBSan", 5)),
              "crash detail: %s", detail ? detail : "(none)");
    json_t *ct = json_array_get(json_object_get(crash, "trials"), 0);
    /* the tail ends with the program's last words, or, in a sanitizer build
       that prints a stack, with the sanitizer's report */
    const char *tail = json_string_value(json_object_get(ct, "stderr_tail")) ?: "";
    cr_expect(strstr(tail, "about to dereference") || strstr(tail, "runtime error")
                  || strstr(tail, "Sanitizer"),
              "the crash's stderr tail is kept: %s", tail);
    cr_expect_eq(json_array_size(json_object_get(crash, "trials")), 1,
                 "a crashed cell skips its other reps");
    cr_expect_str_eq(json_string_value(json_object_get(dl, "outcome")), "timed out");
    cr_expect_str_eq(json_string_value(json_object_get(lose, "outcome")), "ok");
    cr_expect_str_eq(json_string_value(json_object_get(lose, "verdict")), "FAIL",
                     "exactly-once must catch the duplicated item");
    cr_expect_str_eq(json_string_value(json_object_get(ok, "verdict")), "ok");
    cr_expect_eq(json_array_size(json_object_get(ok, "trials")), 3, "the good cell is intact");
    char journal[160];
    snprintf(journal, sizeof journal, "%s.journal", out);
    cr_expect_neq(access(journal, F_OK), 0, "the journal is removed once the JSON is written");
    json_decref(r);
    unlink(out);
    rmdir(dir);
}

Test(reliability, interrupt_keeps_results_and_resume_finishes)
{
    char dir[64], out[128], journal[160], err[8192];
    tmpdir(dir, sizeof dir, out, sizeof out, "i.json");
    snprintf(journal, sizeof journal, "%s.journal", out);
    const char *argv[] = { CONTEND_BIN, "run",   "--impl",  "mutex,spin", "--threads",
                           "1",         "--ops", "300000",  "--reps",     "40",
                           "--out",     out,     "--quiet", NULL };
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    cr_assert_eq(posix_spawn(&pid, CONTEND_BIN, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    /* wait until some trials are journaled, then interrupt */
    for (int i = 0; i < 200; i++) {
        struct stat st;
        if (stat(journal, &st) == 0 && st.st_size > 4000) break;
        usleep(50000);
    }
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st), "contend died of a signal");
    cr_expect_eq(WEXITSTATUS(st), 130, "an interrupted run exits 130");
    json_t *r = load(out);
    cr_expect(json_is_true(json_object_get(r, "interrupted")));
    size_t partial = json_array_size(json_object_get(cell(r, "mutex"), "trials"))
        + json_array_size(json_object_get(cell(r, "spin"), "trials"));
    cr_expect(partial > 0 && partial < 80, "partial results kept: %zu trials", partial);
    json_decref(r);
    cr_assert_eq(access(journal, F_OK), 0, "the journal survives an interrupt");
    const char *cmp[] = { "compare", journal, journal, NULL };
    int crc = run_bin(CONTEND_BIN, cmp, err, sizeof err);
    cr_expect_eq(crc, 0, "compare reads an interrupted run's journal: exit %d: %s", crc, err);

    const char *resume[] = { "run", "--resume", journal, NULL };
    int rc = run_bin(CONTEND_BIN, resume, err, sizeof err);
    cr_expect_eq(rc, 0, "resume: exit %d: %s", rc, err);
    r = load(out);
    cr_expect(!json_is_true(json_object_get(r, "interrupted")));
    cr_expect_eq(json_array_size(json_object_get(cell(r, "mutex"), "trials")), 40);
    cr_expect_eq(json_array_size(json_object_get(cell(r, "spin"), "trials")), 40);
    cr_expect_neq(access(journal, F_OK), 0, "the journal is removed after a complete run");
    json_decref(r);
    unlink(out);
    rmdir(dir);
}

/* Spawns contend run ... (stdout into out_path, or inherited when NULL) and
   interrupts it once its journal holds more than min_size bytes. */
static int run_and_interrupt_to(const char *const *argv, const char *journal, long min_size,
                                const char *out_path)
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_path)
        posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 400; i++) {
        struct stat st;
        if (stat(journal, &st) == 0 && st.st_size > min_size) break;
        usleep(25000);
    }
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_and_interrupt(const char *const *argv, const char *journal, long min_size)
{
    return run_and_interrupt_to(argv, journal, min_size, NULL);
}

/* The trial killed in flight is not a trial with 0 ops, and the cells the
   interrupt kept from running say "not run" (never 0.00) in the table, the
   JSON and the report; --resume runs them. */
Test(reliability, interrupted_cells_are_not_run)
{
    char dir[64], out[128], journal[160], table[160], err[8192];
    tmpdir(dir, sizeof dir, out, sizeof out, "n.json");
    snprintf(journal, sizeof journal, "%s.journal", out);
    snprintf(table, sizeof table, "%s/table.txt", dir);
    const char *argv[] = { CONTEND_BIN, "run",   "--impl",     "mutex,spin", "--threads",
                           "1,2",       "--ops", "300000",     "--reps",     "40",
                           "--out",     out,     "--counters", "none",       NULL };
    cr_assert_eq(run_and_interrupt_to(argv, journal, 3000, table), 130,
                 "an interrupted run exits 130");
    json_t *r = load(out);
    size_t i, notrun = 0;
    json_t *c;
    json_array_foreach(json_object_get(r, "cells"), i, c)
    {
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(c, "trials"), k, t) cr_expect(
            json_integer_value(json_object_get(t, "ops")) > 0, "a trial that ran has ops: %s",
            json_string_value(json_object_get(t, "outcome")));
        if (json_array_size(json_object_get(c, "trials"))) continue;
        notrun++;
        cr_expect_str_eq(json_string_value(json_object_get(c, "outcome")), "not run");
        cr_expect(json_is_null(json_object_get(json_object_get(c, "summary"), "ops_per_s")),
                  "no 0 median for a cell that did not run");
    }
    json_decref(r);
    cr_assert_gt(notrun, 0, "the 2-thread cells never started");
    char *tab = read_file(table, NULL);
    cr_assert_not_null(tab);
    cr_expect(strstr(tab, "not run (interrupted)"), "the table says so: %s", tab);
    cr_expect(!strstr(tab, " 0.00 "), "no 0.00 for a cell that did not run: %s", tab);
    free(tab);
    char rep[160];
    snprintf(rep, sizeof rep, "%s/rep", dir);
    const char *report[] = { "report", out, "--out", rep, NULL };
    cr_expect_eq(run_bin(CONTEND_BIN, report, err, sizeof err), 0, "%s", err);
    snprintf(rep, sizeof rep, "%s/rep/report.md", dir);
    char *md = read_file(rep, NULL);
    cr_assert_not_null(md);
    cr_expect(strstr(md, "| not run (interrupted) |"), "the report says so");
    cr_expect(strstr(md, "partial run (interrupted)"));
    free(md);
    const char *resume[] = { "run", "--resume", journal, NULL };
    cr_expect_eq(run_bin(CONTEND_BIN, resume, err, sizeof err), 0, "%s", err);
    r = load(out);
    json_array_foreach(json_object_get(r, "cells"), i, c)
        cr_expect_eq(json_array_size(json_object_get(c, "trials")), 40, "resume ran every trial");
    json_decref(r);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(reliability, torn_journal_line_is_cut_before_resuming)
{
    char dir[64], out[128], journal[160], err[8192];
    tmpdir(dir, sizeof dir, out, sizeof out, "t.json");
    snprintf(journal, sizeof journal, "%s.journal", out);
    const char *argv[] = { CONTEND_BIN, "run",   "--impl",  "mutex",  "--threads",
                           "1",         "--ops", "300000",  "--reps", "60",
                           "--out",     out,     "--quiet", NULL };
    cr_assert_eq(run_and_interrupt(argv, journal, 4000), 130);
    /* the process was killed mid-write: a line without its end */
    FILE *f = fopen(journal, "a");
    fputs("{\"family\": \"batcher\", \"impl\": \"mu", f);
    fclose(f);
    struct stat st0;
    cr_assert_eq(stat(journal, &st0), 0);
    const char *resume[] = { CONTEND_BIN, "run", "--resume", journal, NULL };
    cr_assert_eq(run_and_interrupt(resume, journal, st0.st_size + 4000), 130,
                 "the resumed run is interrupted again");
    const char *cmp[] = { "compare", journal, journal, NULL };
    int rc = run_bin(CONTEND_BIN, cmp, err, sizeof err);
    cr_expect_eq(rc, 0, "the journal reads after a torn line and a second interrupt: %s", err);
    const char *again[] = { "run", "--resume", journal, NULL };
    rc = run_bin(CONTEND_BIN, again, err, sizeof err);
    cr_expect_eq(rc, 0, "a second resume finishes the run: %s", err);
    json_t *r = load(out);
    cr_expect_eq(json_array_size(json_object_get(cell(r, "mutex"), "trials")), 60);
    json_decref(r);
    unlink(out);
    rmdir(dir);
}

Test(reliability, crashed_warmup_fails_its_cell)
{
    char dir[64], out[128], err[8192];
    tmpdir(dir, sizeof dir, out, sizeof out, "w.json");
    const char *args[] = {
        "run",    "--impl", "faulty_crash,mutex", "--threads", "2", "--ops", "20000",
        "--reps", "2",      "--warmup",           "--out",     out, NULL
    };
    int st = run_bin(CONTEND_FAULTY_BIN, args, err, sizeof err);
    cr_expect_eq(st, 1, "a crashed warm-up is a failed cell: exit %d: %s", st, err);
    json_t *r = load(out);
    json_t *crash = cell(r, "faulty_crash");
    cr_expect_str_eq(json_string_value(json_object_get(crash, "outcome")), "crashed");
    const char *detail = json_string_value(json_object_get(crash, "outcome_detail"));
    cr_expect(detail && !strncmp(detail, "warm-up", 7), "detail: %s", detail ? detail : "-");
    cr_expect_str_eq(json_string_value(json_object_get(cell(r, "mutex"), "verdict")), "ok");
    json_decref(r);
    unlink(out);
    rmdir(dir);
}

Test(reliability, existing_journal_is_not_overwritten)
{
    char dir[64], out[128], journal[160], err[4096];
    tmpdir(dir, sizeof dir, out, sizeof out, "j.json");
    snprintf(journal, sizeof journal, "%s.journal", out);
    FILE *f = fopen(journal, "w");
    fputs("precious\n", f);
    fclose(f);
    const char *args[] = { "run",    "--threads", "1",     "--ops", "1000",
                           "--reps", "1",         "--out", out,     NULL };
    cr_expect_eq(run_bin(CONTEND_BIN, args, err, sizeof err), 2, "%s", err);
    cr_expect(strstr(err, "--resume"), "the error suggests --resume: %s", err);
    cr_expect_neq(access(out, F_OK), 0, "no result file");
    f = fopen(journal, "r");
    char buf[32] = "";
    cr_expect(fgets(buf, sizeof buf, f) && !strcmp(buf, "precious\n"), "journal untouched");
    fclose(f);
    unlink(journal);
    rmdir(dir);
}

struct bad_journal {
    char content[256];
    char expect[48];
};

static const struct bad_journal bad_journals[] = {
    { "", "empty journal" },
    { "{\"schema\": \"contend-result\"}\n", "not a contend journal" },
    { "not json at all\nmore\n", "not a contend journal" },
    { "{\"journal\": \"contend-journal\", \"schema_version\": 99, \"trial_size\": 1, \"argv\": "
      "[\"run\"]}\n",
      "schema version" },
    { "{\"journal\": \"contend-journal\", \"schema_version\": 2, \"trial_size\": 3, \"argv\": "
      "[\"run\"]}\n",
      "different build" },
    { "[1, 2, 3]\n", "not a contend journal" },
};

ParameterizedTestParameters(reliability, hostile_journal_exits_2)
{
    return cr_make_param_array(struct bad_journal, (struct bad_journal *)bad_journals,
                               sizeof bad_journals / sizeof bad_journals[0]);
}

ParameterizedTest(struct bad_journal *b, reliability, hostile_journal_exits_2)
{
    char path[] = "/tmp/contend-journal-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, b->content, strlen(b->content)), (ssize_t)strlen(b->content));
    close(fd);
    const char *args[] = { "run", "--resume", path, NULL };
    char err[4096];
    cr_expect_eq(run_bin(CONTEND_BIN, args, err, sizeof err), 2, "%s", err);
    cr_expect_eq(count_lines(err), 1, "one line: %s", err);
    cr_expect(strstr(err, b->expect), "want '%s' in: %s", b->expect, err);
    unlink(path);
}

Test(reliability, corrupt_middle_line_is_refused)
{
    char path[] = "/tmp/contend-journal-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    dprintf(fd,
            "{\"journal\": \"contend-journal\", \"schema_version\": 1, "
            "\"trial_size\": %zu, \"trial_layout\": %u, \"argv\": [\"run\"]}\n"
            "garbage\n{}\n",
            sizeof(struct trial), (unsigned)run_trial_layout());
    close(fd);
    const char *args[] = { "run", "--resume", path, NULL };
    char err[4096];
    cr_expect_eq(run_bin(CONTEND_BIN, args, err, sizeof err), 2, "%s", err);
    cr_expect(strstr(err, "corrupt journal line"), "%s", err);
    unlink(path);
}
