/* What impls/lab.h promises a variant beyond its family's calls: per-thread
 * hooks (thread_init on every OS thread before its first call, thread_exit
 * after its last, worker_init per worker) and parameters (--param, checked,
 * recorded). counter/faulty_hooked (tests/faulty/counter/faulty_hooked.c, test-only)
 * returns -EPERM from any call the promises do not cover, so a missed hook
 * fails its exact-count check. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

static struct proc_result hooks_r;

static int hooks_run(const char *const *args)
{
    cr_assert_eq(run_program(&hooks_r, CONTEND_FAULTY_BIN, args), 0);
    return hooks_r.status;
}

Test(hooks, every_worker_and_the_harness_thread_are_registered)
{
    const char *a[] = { "run",       "--family",   "counter", "--impl", "faulty_hooked",
                        "--threads", "1,3,16",     "--ops",   "30000",  "--reps",
                        "2",         "--counters", "none",    NULL };
    cr_expect_eq(hooks_run(a), 0, "stdout: %s\nstderr: %s", hooks_r.out, hooks_r.err);
    cr_expect_null(strstr(hooks_r.out, "FAIL"), "%s", hooks_r.out);
    const char *t[] = { "run",       "--family",   "counter",    "--impl", "faulty_hooked",
                        "--threads", "4",          "--duration", "0.05",   "--reps",
                        "1",         "--counters", "none",       NULL };
    cr_expect_eq(hooks_run(t), 0, "fixed time: %s %s", hooks_r.out, hooks_r.err);
}

Test(hooks, params_are_checked_given_and_recorded)
{
    char dir[] = "/tmp/contend-hooks-XXXXXX", out[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/r.json", dir);
    const char *a[] = { "run",
                        "--family",
                        "counter",
                        "--impl",
                        "faulty_hooked,atomic",
                        "--threads",
                        "2",
                        "--ops",
                        "2000",
                        "--reps",
                        "1",
                        "--param",
                        "faulty_hooked.spins=7",
                        "--out",
                        out,
                        "--quiet",
                        NULL };
    cr_expect_eq(hooks_run(a), 0, "%s", hooks_r.err);
    json_t *j = json_load_file(out, 0, NULL);
    cr_assert_not_null(j);
    size_t i;
    json_t *c;
    int seen = 0;
    json_array_foreach(json_object_get(j, "cells"), i, c)
    {
        json_t *p = json_object_get(c, "params");
        if (!strcmp(json_string_value(json_object_get(c, "impl")), "faulty_hooked")) {
            cr_expect_eq(json_number_value(json_object_get(p, "spins")), 7);
            seen = 1;
        } else {
            cr_expect_null(p, "a variant without parameters records none");
        }
    }
    cr_expect(seen);
    json_decref(j);
    unlink(out);
    rmdir(dir);

    static const struct {
        const char *param, *want;
    } bad[] = {
        { "nosuch=1", "no implementation run declares" },
        { "spins=2000000", "in [0, 1e+06]" },
        { "spins=1.5", "an integer" },
        { "atomic.spins=3", "no implementation run declares" },
        { "other.spins=3", "not among the implementations run" },
        { "spins", "NAME=VALUE" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *b[] = { "run",     "--family",   "counter", "--impl", "faulty_hooked,atomic",
                            "--param", bad[k].param, NULL };
        cr_expect_eq(hooks_run(b), 2, "--param %s: exit %d", bad[k].param, hooks_r.status);
        cr_expect(strstr(hooks_r.err, bad[k].want), "--param %s: %s", bad[k].param, hooks_r.err);
        cr_expect_eq(count_lines(hooks_r.err), 1, "%s", hooks_r.err);
    }
    const char *l[] = { "list", "counter", NULL };
    cr_expect_eq(hooks_run(l), 0);
    cr_expect(strstr(hooks_r.out, "param spins = 0 (integer) [0, 1e+06]"), "%s", hooks_r.out);
}
