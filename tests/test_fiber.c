/* The fiber runtime (harness/run/fiber.h): every scenario of fiber_scen.c,
 * plus what only a forked test can check (a stack overflow hits the guard
 * page). The TSan tree runs the same scenarios through fiber-check. */
#include <signal.h>

#include "fiber.h"
#include "fiber_scen.h"
#include "testutil.h"

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

ParameterizedTestParameters(fiber, scenario)
{
    size_t *idx = cr_malloc(sizeof *idx * fiber_scens_len);
    for (size_t i = 0; i < fiber_scens_len; i++) idx[i] = i;
    return cr_make_param_array(size_t, idx, fiber_scens_len, free_params);
}

ParameterizedTest(size_t *i, fiber, scenario)
{
    const struct fiber_scen *sc = &fiber_scens[*i];
    char err[256] = "";
    int rc = sc->run(sc, sc->fibers, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", sc->name, err);
}

static void *deep(void *arg)
{
    volatile char pad[1024];
    pad[0] = (char)(uintptr_t)arg;
    if (arg) deep((void *)((uintptr_t)arg - 1));
    return (void *)(uintptr_t)pad[0];
}

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_TEST_ASAN 1
#endif
#endif
#ifdef FIBER_TEST_ASAN
#define FIBER_GUARD_SIGNAL 0 /* ASan reports the overflow itself */
#else
#define FIBER_GUARD_SIGNAL SIGSEGV
#endif

/* 1,000 frames of 1 KiB on a 64 KiB stack: the guard page stops it. */
Test(fiber, guard_page, .signal = FIBER_GUARD_SIGNAL)
{
#ifdef FIBER_TEST_ASAN
    cr_skip_test("ASan reports a stack overflow itself");
#endif
    struct fib_sched *s;
    cr_assert_eq(run_fib_sched_new(1, 64u << 10, 0, &s), 0);
    run_fib_spawn(s, deep, (void *)1000, NULL);
    run_fib_run(s);
}

Test(fiber, defaults)
{
    struct fib_sched *s;
    cr_assert_eq(run_fib_sched_new(0, 0, 0, &s), 0);
    cr_assert_eq(run_fib_sched_carriers(s), run_fib_default_carriers());
    cr_assert_geq(run_fib_default_carriers(), 1);
    cr_assert_eq(run_fib_wait(s), -EINVAL, "not started");
    run_fib_yield(); /* a plain thread: sched_yield */
    cr_assert_null(run_fib_self());
    run_fib_sched_free(s);
}
