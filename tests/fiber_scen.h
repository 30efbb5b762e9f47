/* The fiber runtime's test scenarios, shared by the Criterion suite
 * (test_fiber.c) and the driver the TSan tree runs instrumented
 * (fiber_check.c), so that both builds check the same things. */
#ifndef FIBER_SCEN_H
#define FIBER_SCEN_H

#include <stddef.h>

/* GCC 12's TSan stops at 8,128 fibers and threads ("Thread limit
   exceeded"): under TSan the driver caps every scenario at this many. */
#define FIBER_SCEN_TSAN_MAX 4000u

struct fiber_scen {
    const char *name;
    /* 0, or -1 with a message in err */
    int (*run)(const struct fiber_scen *sc, unsigned fibers, char *err, size_t n);
    unsigned fibers; /* how many (capped under TSan) */
    unsigned carriers;
    unsigned flags; /* run_fib_sched_new's */
};

extern const struct fiber_scen fiber_scens[];
extern const size_t fiber_scens_len;

#endif
