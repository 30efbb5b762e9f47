/* The oracles catch every faulty variant of tests/faulty/, by name and
 * kind: the conformance check (contend-check-faulty) and a run
 * (contend-faulty run) each fail, exit 1, and say what went wrong ("lost",
 * "duplicated", "torn record", "lost update", "leak", "SIGSEGV", "no
 * progress for 10 s", "heap-use-after-free" ...). The plain and ASan
 * builds; the TSan build's cases are in test_tsan.c. */
#include "conformance/runcheck.h"
#include "faulty/expect.h"
#include "testutil.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define ORACLE_BUILD(e) ((e)->asan)
#else
#define ORACLE_BUILD(e) ((e)->plain)
#endif

struct oracle_case {
    unsigned idx; /* in faulty_expects */
    int run;      /* 1: contend-faulty run; 0: contend-check-faulty */
};

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

ParameterizedTestParameters(oracles, catch_faulty)
{
    struct oracle_case *p = cr_malloc(sizeof *p * 2 * FAULTY_NEXPECTS);
    size_t m = 0;
    for (unsigned i = 0; i < FAULTY_NEXPECTS; i++)
        if (ORACLE_BUILD(&faulty_expects[i]))
            for (int run = 0; run < 2; run++) p[m++] = (struct oracle_case){ i, run };
    return cr_make_param_array(struct oracle_case, p, m, free_params);
}

ParameterizedTest(struct oracle_case *c, oracles, catch_faulty)
{
    const struct faulty_expect *e = &faulty_expects[c->idx];
    char cmd[512], out[16384], who[160];
    if (c->run)
        snprintf(cmd, sizeof cmd, "%s run --family %s --impl %s %s", CONTEND_FAULTY_BIN, e->family,
                 e->variant, e->run);
    else
        snprintf(cmd, sizeof cmd, "%s %s %s %s %u", CONTEND_CHECK_FAULTY_BIN, e->family, e->check,
                 e->variant, e->n);
    snprintf(who, sizeof who, "%s/%s %s n=%u", e->family, e->variant, e->check, e->n);
    int st = runcheck(cmd, out, sizeof out);
    cr_expect_eq(st, 1, "%s: exit %d, want 1:\n%s", cmd, st, out);
    cr_expect(faulty_says(out, ORACLE_BUILD(e)), "%s: want '%s' in:\n%s", cmd, ORACLE_BUILD(e),
              out);
    if (!c->run) cr_expect(strstr(out, who), "the failure names %s:\n%s", who, out);
}

/* compare leaves out a cell that failed its check in either file, names
   it, and exits 1; with nothing else in common it refuses (exit 2). */
Test(oracles, compare_flags_failed_cells)
{
    char dir[] = "/tmp/contend-oracles-XXXXXX", cmd[1024], out[16384];
    cr_assert_not_null(mkdtemp(dir));
    static const char *const files[][2] = { { "a", "faulty_dup,mutex" },
                                            { "b", "faulty_dup,mutex" },
                                            { "c", "faulty_dup" },
                                            { "d", "faulty_dup" } };
    for (size_t i = 0; i < 4; i++) {
        snprintf(cmd, sizeof cmd,
                 "%s run --impl %s --threads 2 --ops 20000 --reps 3 --counters none --quiet "
                 "--out %s/%s.json",
                 CONTEND_FAULTY_BIN, files[i][1], dir, files[i][0]);
        cr_assert_eq(runcheck(cmd, out, sizeof out), 1, "%s:\n%s", cmd, out);
    }
    snprintf(cmd, sizeof cmd, "%s compare %s/a.json %s/b.json", CONTEND_BIN, dir, dir);
    int st = runcheck(cmd, out, sizeof out);
    cr_expect_eq(st, 1, "a failed cell is never a silent 0: exit %d\n%s", st, out);
    cr_expect(strstr(out, "faulty_dup/threads=2 failed its correctness check in base and new"),
              "%s", out);
    cr_expect(strstr(out, "batcher/mutex/threads=2"), "the good cell is compared:\n%s", out);
    snprintf(cmd, sizeof cmd, "%s compare %s/c.json %s/d.json", CONTEND_BIN, dir, dir);
    st = runcheck(cmd, out, sizeof out);
    cr_expect_eq(st, 2, "nothing left to compare: exit %d\n%s", st, out);
    cr_expect(strstr(out, "passed its correctness check"), "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}
