/* The oracles catch every faulty variant of tests/faulty/, by name and
 * kind: the conformance check (contend-check-faulty) and a run
 * (contend-faulty run) each fail, exit 1, and say what went wrong ("lost",
 * "duplicated", "torn record", "lost update", "leak", "SIGSEGV", "no
 * progress for 10 s", "heap-use-after-free" ...). The plain and ASan
 * builds; the TSan build's cases are in test_tsan.c. */
#include "conformance/runcheck.h"
#include "faulty/expect.h"
#include "testutil.h"

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

ParameterizedTest(struct oracle_case *c, oracles, catch_faulty, .timeout = 300)
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
