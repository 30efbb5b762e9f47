/* Hostile outputs and faults: --out as "-", a symlink, a device or a FIFO;
 * full disks and file size limits; a closed stdout; signals; concurrent
 * runs on one output; a parent killed under its trial. (issue 16) */
#include <dirent.h>
#include <jansson.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>

#include "hostile.h"

#define RUN_SMALL "run", "--impl", "mutex", "--threads", "1", "--ops", "2000", "--counters", "none"

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int k = 0;
    for (struct dirent *e; d && (e = readdir(d));) k += e->d_name[0] != '.';
    if (d) closedir(d);
    return k;
}

/* Runs contend, expecting exit status 0. */
static void ok(struct proc_result *r, const struct spawn_opts *o, const char *const *args)
{
    cr_assert_eq(run_contend_with(r, o, args), 0);
    cr_expect_eq(r->status, 0, "contend %s: exit %d, stderr: %s", args[0], r->status, r->err);
}

static void expect_json(const char *text, const char *what)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_expect_not_null(j, "%s: not JSON (%s): %.300s", what, e.text, text);
    json_decref(j);
}

Test(out, dash_is_stdout_for_run_and_export)
{
    char dir[64], good[128];
    hx_tmpdir(dir, sizeof dir);
    const struct spawn_opts in_dir = { .cwd = dir };
    const char *run[] = { RUN_SMALL, "--reps", "2", "--out", "-", NULL };
    struct proc_result r;
    ok(&r, &in_dir, run);
    cr_expect(strstr(r.out, "\"schema\": \"contend-result\""), "stdout: %.300s", r.out);
    expect_json(r.out, "run --out -");
    snprintf(good, sizeof good, "%s/good.json", dir);
    hx_result(good, NULL);
    const char *exp[] = { "export", good, "--format", "gbench-json", "--out", "-", NULL };
    ok(&r, &in_dir, exp);
    expect_json(r.out, "export --out -");
    cr_expect_eq(entries(dir), 1, "a file named '-' (or its journal) was written");
    remove_tree(dir);
}

/* The case of --out /dev/stdout as root, on a planted link of our own. */
Test(out, symlink_to_stdout_is_written_through)
{
    char dir[64], good[128], so[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(good, sizeof good, "%s/good.json", dir);
    snprintf(so, sizeof so, "%s/stdout", dir);
    hx_result(good, NULL);
    cr_assert_eq(symlink("/proc/self/fd/1", so), 0);
    const char *exp[] = { "export", good, "--format", "gobench", "--out", so, NULL };
    struct proc_result r;
    ok(&r, NULL, exp);
    cr_expect(strstr(r.out, "BenchmarkBatcher/impl=mutex"), "stdout: %.300s", r.out);
    const char *run[] = { RUN_SMALL, "--reps", "1", "--out", so, NULL };
    ok(&r, NULL, run);
    cr_expect(strstr(r.out, "\"schema\": \"contend-result\""), "stdout: %.300s", r.out);
    struct stat st;
    cr_expect(lstat(so, &st) == 0 && S_ISLNK(st.st_mode), "the link was replaced");
    cr_expect_eq(entries(dir), 2, "a journal or a temporary file was left");
    remove_tree(dir);
}

Test(out, char_device_is_written_through)
{
    char dir[64], dev[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(dev, sizeof dev, "%s/null", dir);
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        remove_tree(dir);
        cr_skip_test("mknod: %s (needs root)", strerror(errno));
    }
    const char *run[] = { RUN_SMALL, "--reps", "1", "--quiet", "--out", dev, NULL };
    struct proc_result r;
    ok(&r, NULL, run);
    struct stat st;
    cr_expect(lstat(dev, &st) == 0 && S_ISCHR(st.st_mode), "the device was replaced");
    cr_expect_eq(entries(dir), 1, "a journal or a temporary file was left");
    remove_tree(dir);
}

Test(out, fifo_with_a_reader_is_written_through)
{
    char dir[64], good[128], fifo[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(good, sizeof good, "%s/good.json", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    hx_result(good, NULL);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    /* we hold the reading end; the export (a few hundred bytes) fits in the
       pipe's buffer */
    int rd = open(fifo, O_RDWR | O_NONBLOCK);
    cr_assert_geq(rd, 0);
    const char *exp[] = { "export", good, "--format", "gobench", "--out", fifo, NULL };
    struct proc_result r;
    ok(&r, NULL, exp);
    char text[8192];
    ssize_t k = read(rd, text, sizeof text - 1);
    text[k > 0 ? k : 0] = '\0';
    close(rd);
    cr_expect(strstr(text, "BenchmarkBatcher/impl=mutex"), "through the FIFO: %s", text);
    struct stat st;
    cr_expect(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO was replaced");
    remove_tree(dir);
}

/* ---------------- journals (items 4, 5, 7, 13, 26) ---------------------- */

static int lines_of(const char *path)
{
    char *t = read_file(path, NULL);
    int k = t ? count_lines(t) : -1;
    free(t);
    return k;
}

/* The pid of a child of parent, or 0. */
static pid_t child_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int ppid = 0;
        char *rp = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
        if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == parent)
            found = (pid_t)atoi(e->d_name);
        fclose(f);
    }
    if (d) closedir(d);
    return found;
}

/* 1 once path has at least n lines (a run's journal: its header, then a
   line per trial, so the run is in its loop, its signal handlers set). */
static int wait_lines(const char *path, int n, double timeout_s)
{
    for (double end = hx_now() + timeout_s; hx_now() < end; usleep(20000))
        if (lines_of(path) >= n) return 1;
    return 0;
}

/* OUT.journal of an interrupted run (SIGKILL) with at least `lines` lines:
   the header, then trials of mutex and spin at 1 thread, 6 reps each. */
static void make_journal(const char *out, int lines)
{
    char jpath[300], errf[300];
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    snprintf(errf, sizeof errf, "%s.err", out);
    const char *args[] = { "run",        "--impl",  "mutex,spin", "--threads", "1",
                           "--duration", "0.2",     "--reps",     "6",         "--counters",
                           "none",       "--quiet", "--out",      out,         NULL };
    pid_t pid = hx_start(NULL, args, errf);
    for (double end = hx_now() + 120; hx_now() < end && lines_of(jpath) < lines;) usleep(5000);
    kill(pid, SIGKILL);
    hx_wait(pid, 30);
    unlink(errf);
    cr_assert_geq(lines_of(jpath), lines, "no journal of %d lines at %s", lines, jpath);
}

/* The first run blocks in a deadlocked trial until it is interrupted. */
static pid_t start_blocked_run(const char *out, const char *errf)
{
    static const struct spawn_opts faulty = { .bin = CONTEND_FAULTY_BIN };
    const char *args[] = {
        "run",    "--impl", "faulty_deadlock", "--threads", "2",     "--ops", "20000",
        "--reps", "1",      "--cell-timeout",  "600",       "--out", out,     NULL
    };
    return hx_start(&faulty, args, errf);
}

Test(journal, a_second_run_on_the_same_out_is_refused_naming_the_first)
{
    char dir[64], out[128], jpath[160], errf[160], want[64];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    snprintf(errf, sizeof errf, "%s/a.err", dir);
    pid_t a = start_blocked_run(out, errf), trial = 0;
    cr_assert(hx_wait_file(jpath, 60), "no journal");
    /* its trial runs: the run is in its loop, its signal handlers set */
    for (double end = hx_now() + 60; !trial && hx_now() < end; usleep(20000)) trial = child_of(a);
    const char *b[] = { RUN_SMALL, "--reps", "1", "--out", out, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, NULL, b), 0);
    cr_expect_eq(r.status, 2, "the second run: exit %d: %s", r.status, r.err);
    snprintf(want, sizeof want, "pid %d", (int)a);
    cr_expect(strstr(r.err, want), "want '%s' in: %s", want, r.err);
    kill(a, SIGINT);
    cr_expect_eq(hx_wait(a, 60), 130, "the first run, interrupted");
    char *text = read_file(out, NULL);
    cr_expect(text && strstr(text, "\"impl\": \"faulty_deadlock\""),
              "the first run's result: %.200s", text);
    free(text);
    remove_tree(dir);
}

Test(journal, two_runs_started_together_never_share_one)
{
    for (int round = 0; round < 3; round++) {
        char dir[64], out[128], e1[160], e2[160];
        hx_tmpdir(dir, sizeof dir);
        snprintf(out, sizeof out, "%s/r.json", dir);
        snprintf(e1, sizeof e1, "%s/1.err", dir);
        snprintf(e2, sizeof e2, "%s/2.err", dir);
        pid_t p[2] = { start_blocked_run(out, e1), start_blocked_run(out, e2) };
        /* one is refused; the other holds the journal, blocked */
        int st = -1, which = -1;
        for (double end = hx_now() + 120; which < 0 && hx_now() < end; usleep(20000))
            for (int i = 0; i < 2 && which < 0; i++)
                if (waitpid(p[i], &st, WNOHANG) == p[i]) which = i;
        cr_assert_geq(which, 0, "round %d: neither run was refused", round);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "round %d: the refused run: %d", round,
                  st);
        char *msg = read_file(which ? e2 : e1, NULL);
        cr_expect(msg && (strstr(msg, "is running") || strstr(msg, "exists")), "round %d: %s",
                  round, msg);
        free(msg);
        pid_t trial = 0; /* the other is in its loop: SIGINT ends it cleanly */
        for (double end = hx_now() + 60; !trial && hx_now() < end; usleep(20000))
            trial = child_of(p[!which]);
        kill(p[!which], SIGINT);
        cr_expect_eq(hx_wait(p[!which], 60), 130, "round %d: the other run", round);
        remove_tree(dir);
    }
}

Test(journal, a_symlink_is_never_followed)
{
    char dir[64], out[128], jpath[160], link[160];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    snprintf(link, sizeof link, "%s/link.journal", dir);
    make_journal(out, 3);
    cr_assert_eq(symlink(jpath, link), 0);
    const char *args[] = { "run", "--resume", link, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, NULL, args), 0);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "symbolic link"), "%s", r.err);
    remove_tree(dir);
}

/* One rule, in resume and in readers of a journal: a complete line that
   is garbage is an error, every time, and the journal is left as it is; a
   torn last line is a write that never finished, dropped. */
Test(journal, garbage_is_refused_every_time_and_a_torn_line_dropped)
{
    char dir[64], out[128], jpath[160], want[32];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    make_journal(out, 3);
    size_t len;
    char *orig = read_file(jpath, &len);
    int n = count_lines(orig);
    const char *garbage = "{\"family\": \"batcher\", garbage}\n";
    FILE *f = fopen(jpath, "a");
    fputs(garbage, f);
    fclose(f);
    snprintf(want, sizeof want, ":%d: corrupt", n + 1);
    const char *resume[] = { "run", "--resume", jpath, NULL };
    const char *cmp[] = { "compare", jpath, jpath, NULL };
    struct proc_result r;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(run_contend_with(&r, NULL, i ? cmp : resume), 0);
        cr_expect_eq(r.status, 2, "%s: exit %d: %s", i ? "compare" : "resume", r.status, r.err);
        cr_expect(strstr(r.err, want), "want '%s' in: %s", want, r.err);
    }
    cr_assert_eq(run_contend_with(&r, NULL, resume), 0);
    cr_expect_eq(r.status, 2, "a second resume: exit %d: %s", r.status, r.err);
    size_t now;
    char *after = read_file(jpath, &now);
    cr_expect(now == len + strlen(garbage) && !memcmp(orig, after, len), "the journal was changed");
    free(after);
    /* torn: the first half of a trial line, as a killed run leaves it */
    f = fopen(jpath, "w");
    fwrite(orig, 1, len, f);
    const char *last = orig + len - 1;
    while (last > orig && last[-1] != '\n') last--;
    fwrite(last, 1, (size_t)(orig + len - last) / 2, f);
    fclose(f);
    cr_assert_eq(run_contend_with(&r, NULL, cmp), 0);
    cr_expect_neq(r.status, 2, "compare of a torn journal: %s", r.err);
    cr_assert_eq(run_contend_with(&r, NULL, resume), 0);
    cr_expect_eq(r.status, 0, "resume of a torn journal: %s", r.err);
    json_t *res = json_load_file(out, 0, NULL);
    cr_assert_not_null(res, "no result");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(res, "cells"), i, c)
        cr_expect_eq(json_array_size(json_object_get(c, "trials")), 6);
    json_decref(res);
    free(orig);
    remove_tree(dir);
}

Test(journal, one_without_out_is_not_resumed)
{
    char dir[64], out[128], jpath[160];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    make_journal(out, 2);
    char *text = read_file(jpath, NULL), *nl = strchr(text, '\n');
    *nl = '\0';
    json_t *h = json_loads(text, 0, NULL), *argv = json_object_get(h, "argv"), *v;
    size_t i;
    json_array_foreach(argv, i, v) if (!strcmp(json_string_value(v), "--out"))
    {
        json_array_remove(argv, i);
        json_array_remove(argv, i);
        break;
    }
    char *hs = json_dumps(h, JSON_COMPACT);
    FILE *f = fopen(jpath, "w");
    fprintf(f, "%s\n%s", hs, nl + 1);
    fclose(f);
    free(hs);
    json_decref(h);
    free(text);
    const char *args[] = { "run", "--resume", jpath, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, NULL, args), 0);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "no --out"), "%s", r.err);
    remove_tree(dir);
}

/* A full disk, by RLIMIT_FSIZE (EFBIG): the run stops at the first trial it
   cannot record, says why and how many the journal holds, and resumes. */
Test(full_disk, the_run_stops_at_the_first_failed_append)
{
    char dir[64], out[128], jpath[160], want[64];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    const struct spawn_opts limited = { .fsize = 30000 }; /* the header and ~3 trials */
    const char *args[] = { "run",   "--impl",  "mutex,spin", "--threads", "1",
                           "--ops", "2000",    "--reps",     "6",         "--counters",
                           "none",  "--quiet", "--out",      out,         NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, &limited, args), 0);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, strerror(EFBIG)), "want the errno in: %s", r.err);
    int held = lines_of(jpath) - 1;
    cr_expect(held >= 1 && held < 12, "the journal holds %d trials", held);
    snprintf(want, sizeof want, "holds the %d trial(s)", held);
    cr_expect(strstr(r.err, want), "want '%s' in: %s", want, r.err);
    cr_expect_eq(hx_count(r.err, "cannot write"), 1, "one error: %s", r.err);
    cr_expect_null(strstr(r.err, "\n\n"), "one line: %s", r.err);
    const char *resume[] = { "run", "--resume", jpath, NULL };
    ok(&r, NULL, resume);
    json_t *res = json_load_file(out, 0, NULL);
    cr_assert_not_null(res, "no result after the resume");
    cr_expect_eq(json_array_size(
                     json_object_get(json_array_get(json_object_get(res, "cells"), 1), "trials")),
                 6);
    json_decref(res);
    remove_tree(dir);
}

Test(full_disk, a_header_that_cannot_be_written_says_why)
{
    char dir[64], out[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    const struct spawn_opts limited = { .fsize = 200 };
    const char *args[] = { RUN_SMALL, "--reps", "1", "--out", out, NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, &limited, args), 0);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, strerror(EFBIG)), "want the errno in: %s", r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    cr_expect_eq(entries(dir), 0, "something was left behind");
    remove_tree(dir);
}

/* A real full disk: a 64 KiB tmpfs in a mount namespace of this test's own
   (root only; skipped elsewhere). */
Test(full_disk, a_small_tmpfs_gives_enospc)
{
    char dir[64], out[128];
    hx_tmpdir(dir, sizeof dir);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
        || mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
        rmdir(dir);
        cr_skip_test("no private tmpfs here: %s", strerror(errno));
    }
    snprintf(out, sizeof out, "%s/r.json", dir);
    const char *args[] = { "run",   "--impl",  "mutex,spin", "--threads", "1",
                           "--ops", "2000",    "--reps",     "6",         "--counters",
                           "none",  "--quiet", "--out",      out,         NULL };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, NULL, args), 0);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, strerror(ENOSPC)), "want the errno in: %s", r.err);
    char jpath[160], want[64];
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    snprintf(want, sizeof want, "holds the %d trial(s)", lines_of(jpath) - 1);
    cr_expect(strstr(r.err, want), "want '%s' in: %s", want, r.err);
    umount(dir);
    rmdir(dir);
}

/* ---------------- standard output: full, or closed (items 12, 20) -------- */

struct out_case {
    const char *args[16]; /* "@G": a result file */
};
static const struct out_case out_cases[] = {
    { { "list" } },
    { { "list", "batcher" } },
    { { "--help" } },
    { { "--version" } },
    { { "help", "run" } },
    { { "compare", "--help" } },
    { { "counters" } },
    { { "keys", "--count", "10" } },
    { { "keys", "--count", "1000000" } },
    { { "compare", "@G", "@G" } },
    { { "compare", "@G", "@G", "--format", "json" } },
    { { "compare", "@G", "@G", "--format", "csv" } },
    { { "export", "@G", "--format", "gobench" } },
    { { "export", "@G", "--format", "gbench-json" } },
    { { "export", "@G", "--format", "csv" } },
    { { "export", "@G", "--format", "csv-summary", "--out", "-" } },
    { { RUN_SMALL, "--reps", "1", "--out", "-" } },
    { { RUN_SMALL, "--reps", "1" } },
};

ParameterizedTestParameters(stdout, full_or_closed)
{
    static int idx[2 * sizeof out_cases / sizeof *out_cases];
    for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) idx[i] = (int)i;
    return cr_make_param_array(int, idx, sizeof idx / sizeof *idx);
}

/* Even cases: stdout is /dev/full (ENOSPC); odd: a pipe nobody reads
   (EPIPE; SIGPIPE must not kill contend). Exit 2, the reason on one line. */
ParameterizedTest(int *i, stdout, full_or_closed)
{
    const struct out_case *c = &out_cases[*i / 2];
    int full = *i % 2 == 0;
    char dir[64], good[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(good, sizeof good, "%s/good.json", dir);
    hx_result(good, NULL);
    const char *args[17] = { 0 };
    for (int k = 0; k < 16 && c->args[k]; k++)
        args[k] = strcmp(c->args[k], "@G") ? c->args[k] : good;
    const struct spawn_opts o = { .stdout_to = full ? "/dev/full" : NULL, .stdout_gone = !full };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, &o, args), 0);
    const char *why = strerror(full ? ENOSPC : EPIPE);
    cr_expect_eq(r.status, 2, "contend %s %s: exit %d: %s", args[0], args[1], r.status, r.err);
    cr_expect(strstr(r.err, why), "contend %s %s: want '%s' in: %s", args[0], args[1], why, r.err);
    cr_expect_eq(hx_count(r.err, why), 1, "contend %s %s: said once: %s", args[0], args[1], r.err);
    remove_tree(dir);
}

Test(stdout, a_run_saves_its_results_before_printing)
{
    char dir[64], out[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    const char *args[] = { RUN_SMALL, "--reps", "2", "--out", out, NULL };
    const struct spawn_opts gone = { .stdout_gone = 1 };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, &gone, args), 0);
    cr_expect_eq(r.status, 2, "exit %d (141: killed by SIGPIPE): %s", r.status, r.err);
    json_t *res = json_load_file(out, 0, NULL);
    cr_expect_not_null(res, "no result written");
    cr_expect_eq(json_array_size(
                     json_object_get(json_array_get(json_object_get(res, "cells"), 0), "trials")),
                 2);
    json_decref(res);
    remove_tree(dir);
}

/* ---------------- trials: signals, errors, an orphan (items 11, 17, 18) --- */

Test(trial, no_isolate_honours_ctrl_c)
{
    char dir[64], out[128], jpath[160], errf[160];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", out);
    snprintf(errf, sizeof errf, "%s/err", dir);
    const char *args[] = { "run",        "--no-isolate", "--impl", "mutex", "--threads",  "1",
                           "--duration", "0.5",          "--reps", "20",    "--counters", "none",
                           "--quiet",    "--out",        out,      NULL };
    pid_t pid = hx_start(NULL, args, errf);
    cr_assert(wait_lines(jpath, 2, 120), "no trial journaled");
    kill(pid, SIGINT);
    int st = hx_wait(pid, 60);
    cr_expect_eq(st, 130, "exit %d after SIGINT (0: it ran to the end)", st);
    char *text = read_file(out, NULL);
    cr_expect(text && strstr(text, "\"interrupted\": true"), "partial results: %.200s", text);
    free(text);
    remove_tree(dir);
}

Test(trial, an_error_says_why)
{
    static const struct spawn_opts faulty = { .bin = CONTEND_FAULTY_BIN };
    char dir[64], out[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/r.json", dir);
    const char *args[] = {
        "run",    "--impl", "faulty_nomem,mutex", "--threads", "1",     "--ops", "2000",
        "--reps", "2",      "--counters",         "none",      "--out", out,     NULL
    };
    struct proc_result r;
    cr_assert_eq(run_contend_with(&r, &faulty, args), 0);
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    const char *why = "create failed: Cannot allocate memory";
    cr_expect(strstr(r.out, why), "the table: %s", r.out);
    cr_expect(strstr(r.err, why), "stderr: %s", r.err);
    char *text = read_file(out, NULL);
    cr_expect(text && strstr(text, why), "the result: %.300s", text);
    free(text);
    remove_tree(dir);
}

Test(trial, a_hung_trial_dies_with_its_run)
{
    /* orphans come to us, so we can see the trial end (or not) */
    cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    static const struct spawn_opts faulty = { .bin = CONTEND_FAULTY_BIN };
    char dir[64], errf[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(errf, sizeof errf, "%s/err", dir);
    const char *args[] = {
        "run",    "--impl", "faulty_deadlock", "--threads", "2",          "--ops", "20000",
        "--reps", "1",      "--cell-timeout",  "600",       "--counters", "none",  NULL
    };
    pid_t run = hx_start(&faulty, args, errf), trial = 0;
    for (double end = hx_now() + 60; !trial && hx_now() < end; usleep(20000)) trial = child_of(run);
    cr_assert_gt(trial, 0, "no trial process");
    kill(run, SIGKILL);
    hx_wait(run, 30);
    int st = hx_wait(trial, 30);
    cr_expect_eq(st, 128 + SIGKILL, "the trial outlived its run (status %d)", st);
    remove_tree(dir);
}

/* Ctrl-C in `reproduce all` stops it once: one message, no next experiment
   started only to be interrupted at once (item 27). */
Test(trial, reproduce_all_stops_once)
{
    char dir[64], out[128], jpath[200], errf[160], next[200];
    hx_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/rep", dir);
    snprintf(jpath, sizeof jpath, "%s/snail/parts/channel-threads.json.journal", out);
    snprintf(next, sizeof next, "%s/taskstore", out);
    snprintf(errf, sizeof errf, "%s/err", dir);
    const char *args[] = { "reproduce", "all",   "--duration", "0.3", "--reps",
                           "5",         "--out", out,          NULL };
    pid_t pid = hx_start(NULL, args, errf);
    cr_assert(wait_lines(jpath, 2, 120), "no trial journaled");
    kill(pid, SIGINT);
    cr_expect_eq(hx_wait(pid, 120), 130);
    char *err = read_file(errf, NULL);
    cr_expect_eq(hx_count(err, "interrupted"), 1, "%s", err);
    free(err);
    cr_expect_neq(access(next, F_OK), 0, "the next experiment was started");
    remove_tree(dir);
}
