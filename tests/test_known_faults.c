/* The conformance checks catch the faults they were written against: each
 * check runs (through contend-check-faulty, which carries the registry of
 * tests/faulty/ beside the real one) on a known-faulty variant and must
 * fail with its reason, and on the variant it guards and must pass. */
#include <stdio.h>
#include <sys/wait.h>

#include "testutil.h"

struct fault {
    char check[48], bad[24], good[24], n[8], reason[80];
};

static const struct fault faults[] = {
    /* the first hybrid port pulled a buffer holding the spin lock */
    { "backpressure_holds_queue", "faulty_hybrid_v0", "hybrid", "1",
      "the add() that fills the last free buffer waits" },
    { "backpressure_waiters_sleep", "faulty_hybrid_v0", "hybrid", "4", "must sleep, not spin" },
    /* (the oracles' faults, faulty_lose and the rest: tests/test_oracles.c) */
};

/* Runs contend-check-faulty on one (check, impl); its exit status and stderr. */
static int check(const struct fault *f, const char *impl, char *out, size_t len)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s batcher %s %s %s 2>&1", CONTEND_CHECK_FAULTY_BIN, f->check, impl,
             f->n);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t k = fread(out, 1, len - 1, p);
    out[k] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

ParameterizedTestParameters(known_faults, caught)
{
    return cr_make_param_array(struct fault, (void *)faults, sizeof faults / sizeof faults[0]);
}

ParameterizedTest(const struct fault *f, known_faults, caught)
{
    char out[2048];
    int st = check(f, f->bad, out, sizeof out);
    cr_expect_eq(st, 1, "%s on %s: exit %d, want 1 (caught): %s", f->check, f->bad, st, out);
    cr_expect(strstr(out, f->reason), "%s on %s: the reason should say \"%s\": %s", f->check,
              f->bad, f->reason, out);
    st = check(f, f->good, out, sizeof out);
    cr_expect_eq(st, 0, "%s on %s: exit %d, want 0: %s", f->check, f->good, st, out);
}
