/* The counter checks catch a counter that loses increments: the exact-count
 * conformance check, run by contend-check-faulty (contend-check over the
 * registry with tests/faulty/ variants), fails on counter/faulty_racy (count++
 * without a lock) and names it with the number of increments lost, while
 * the same check passes on a correct variant in the same binary. */
#include "testutil.h"

static int check(struct proc_result *r, const char *impl, const char *n)
{
    const char *args[] = { "counter", "exact_count", impl, n, NULL };
    cr_assert_eq(run_program(r, CONTEND_CHECK_FAULTY_BIN, args), 0, "cannot run %s",
                 CONTEND_CHECK_FAULTY_BIN);
    return r->status;
}

Test(counter_faulty, exact_count_catches_racy)
{
    static struct proc_result r;
    /* racy yields between its read and its write: 16 workers on even one
       CPU lose most of their 200,000 increments */
    int st = check(&r, "faulty_racy", "16");
    cr_assert_eq(st, 1, "exit %d, want 1 (check failed): %s", st, r.err);
    cr_expect(strstr(r.err, "counter/faulty_racy") != NULL, "the variant is not named: %s", r.err);
    unsigned long long got, want, lost;
    const char *at = strstr(r.err, "counted ");
    cr_assert_not_null(at, "no count in: %s", r.err);
    cr_assert_eq(sscanf(at, "counted %llu of %llu increments: %llu lost", &got, &want, &lost), 3,
                 "no lost count in: %s", r.err);
    cr_expect_eq(want, 200000ull);
    cr_expect(lost > 0 && got + lost == want, "%llu + %llu != %llu", got, lost, want);
}

Test(counter_faulty, exact_count_passes_a_correct_variant)
{
    static struct proc_result r;
    int st = check(&r, "atomic", "16");
    cr_expect_eq(st, 0, "exit %d: %s", st, r.err);
}
