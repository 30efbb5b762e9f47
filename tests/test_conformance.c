/* Conformance of every registered implementation of every family: each
 * (check, implementation, count, runner) is one Criterion test that runs
 * contend-check, which runs the check in a child process under the
 * watchdog, its workers OS threads or fibers (--runner fibers:2: two
 * carriers, so that a parked fiber may resume on the other one). A crash, a sanitizer's report, a leak or a hang fails that test
 * alone, and the failure names the family, variant, check, count and the
 * kind of fault; a hang costs its stall time (10 s), not the suite. A new
 * file in impls/<family>/ is covered the moment it exists. */
#include "conformance/conformance.h"
#include "conformance/runcheck.h"
#include "testutil.h"

struct conf_param {
    char family[16], check[48], impl[48];
    unsigned n;
    int fibers;
};

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

ParameterizedTestParameters(conformance, check)
{
    size_t cap = 2048, m = 0;
    struct conf_param *p = cr_malloc(sizeof *p * cap);
    for (size_t t = 0; conf_tables[t]; t++)
        for (const struct conf_case *c = conf_tables[t]; c->name; c++) {
            const struct lab_impl *impls[MAX_LIST];
            size_t k = run_registry_list(c->family, impls, MAX_LIST);
            for (size_t i = 0; i < k && i < MAX_LIST; i++)
                for (int fibers = 0; fibers < 2; fibers++) {
                    unsigned n[CONF_MAX_COUNTS];
                    if (!conf_applies(c, impls[i], fibers, NULL)) continue;
                    for (size_t j = 0, kn = conf_counts(c, fibers, n); j < kn && m < cap; j++) {
                        memset(&p[m], 0, sizeof p[m]);
                        snprintf(p[m].family, sizeof p[m].family, "%s", c->family);
                        snprintf(p[m].check, sizeof p[m].check, "%s", c->name);
                        snprintf(p[m].impl, sizeof p[m].impl, "%s", impls[i]->name);
                        p[m].n = n[j];
                        p[m++].fibers = fibers;
                    }
                }
        }
    return cr_make_param_array(struct conf_param, p, m, free_params);
}

/* No Criterion .timeout (under ASan it leaks a BoxFort request at exit):
   contend-check has its own limit (300 s, slow) and stall (10 s) */
ParameterizedTest(struct conf_param *p, conformance, check)
{
    char cmd[512], out[8192];
    snprintf(cmd, sizeof cmd, "%s %s %s %s %u --runner %s", CONTEND_CHECK_BIN, p->family, p->check,
             p->impl, p->n, p->fibers ? "fibers:2" : "threads");
    int st = runcheck(cmd, out, sizeof out);
    cr_assert_eq(st, 0, "%s/%s %s n=%u under %s (exit %d):\n%s", p->family, p->impl, p->check, p->n,
                 p->fibers ? "fibers" : "threads", st, out);
}

Test(registry, consistent_and_complete)
{
    char err[ERRLEN] = "";
    cr_assert_eq(run_registry_check(err, sizeof err), 0, "%s", err);
    const char *seeds[] = { "mutex", "channel", "lockfree", "spin", "hybrid", "ideal", "null" };
    for (size_t i = 0; i < 7; i++)
        cr_expect_not_null(run_registry_find("batcher", seeds[i]), "batcher/%s missing", seeds[i]);
    for (size_t i = 0; i < lab_registry_len; i++) {
        const struct lab_impl *m = lab_registry[i].impl;
        cr_expect_eq(m->abi, LAB_ABI_VERSION);
        cr_expect(m->summary && *m->summary, "%s has no summary", m->name);
        cr_expect(strncmp(m->name, "faulty_", 7), "%s: faulty_ is reserved for tests/faulty/",
                  m->name);
        const char *sha = lab_registry[i].sha256;
        cr_expect(sha && strlen(sha) == 64, "%s has no source hash", m->name);
    }
}

/* --runner: under fibers, --list leaves out a threads-only variant and a
   threads-only check, saying why, and running one of them says skipped;
   a bad runner is bad usage. */
Test(conformance, runner_option)
{
    static char out[1 << 16];
    int st = runcheck(CONTEND_CHECK_BIN " --list --runner fibers", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_expect_null(strstr(out, "\ncounter exact_count_fifo ticket "), "ticket listed:\n%s", out);
    cr_expect_not_null(strstr(out,
                              "# counter exact_count_fifo ticket: not under fibers: "
                              "the variant is threads only"),
                       "no reason for ticket:\n%s", out);
    cr_expect_not_null(strstr(out,
                              "# batcher backpressure_waiters_sleep hybrid: not under "
                              "fibers: it compares"),
                       "no reason for backpressure_waiters_sleep:\n%s", out);
    cr_expect_not_null(strstr(out, "\nstore update_no_loss shard 1000\n"), "%s", out);
    st = runcheck(CONTEND_CHECK_BIN " --list", out, sizeof out);
    cr_expect_null(strstr(out, "update_no_loss shard 1000"), "a fibers-only count under threads");
    st =
        runcheck(CONTEND_CHECK_BIN " batcher backpressure_waiters_sleep hybrid 4 --runner fibers:2",
                 out, sizeof out);
    cr_expect_eq(st, 0, "%s", out);
    cr_expect_not_null(strstr(out, "skipped: it compares"), "%s", out);
    st = runcheck(CONTEND_CHECK_BIN " counter exact_count atomic 2 --runner goroutines", out,
                  sizeof out);
    cr_expect_eq(st, 2, "%s", out);
    cr_expect_not_null(strstr(out, "not threads or fibers[:P]"), "%s", out);
}
