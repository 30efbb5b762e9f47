/* Hostile outputs and faults: --out as "-", a symlink, a device or a FIFO;
 * full disks and file size limits; a closed stdout; signals; concurrent
 * runs on one output; a parent killed under its trial. (issue 16) */
#include <dirent.h>
#include <jansson.h>
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

Test(out, dash_is_stdout_for_run_and_export, .timeout = 120)
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
    hx_rmtree(dir);
}

/* The case of --out /dev/stdout as root, on a planted link of our own. */
Test(out, symlink_to_stdout_is_written_through, .timeout = 120)
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
    hx_rmtree(dir);
}

Test(out, char_device_is_written_through, .timeout = 120)
{
    char dir[64], dev[128];
    hx_tmpdir(dir, sizeof dir);
    snprintf(dev, sizeof dev, "%s/null", dir);
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        hx_rmtree(dir);
        cr_skip_test("mknod: %s (needs root)", strerror(errno));
    }
    const char *run[] = { RUN_SMALL, "--reps", "1", "--quiet", "--out", dev, NULL };
    struct proc_result r;
    ok(&r, NULL, run);
    struct stat st;
    cr_expect(lstat(dev, &st) == 0 && S_ISCHR(st.st_mode), "the device was replaced");
    cr_expect_eq(entries(dir), 1, "a journal or a temporary file was left");
    hx_rmtree(dir);
}

Test(out, fifo_with_a_reader_is_written_through, .timeout = 120)
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
    hx_rmtree(dir);
}
