/* What each faulty variant (tests/faulty/<family>/faulty_*.c) must make the
 * oracles say: the conformance check that must fail (contend-check-faulty)
 * and the run that must fail (contend-faulty run ...), with the kind of
 * fault the failure must name in each build. Shared by test_oracles.c
 * (plain and ASan builds) and test_tsan.c (TSan build). */
#ifndef CONTEND_FAULTY_EXPECT_H
#define CONTEND_FAULTY_EXPECT_H

#include <string.h>

struct faulty_expect {
    const char *family, *variant;
    const char *check; /* the conformance check that must fail, at count n */
    unsigned n;
    const char *run; /* `contend-faulty run --family F --impl V` options */
    /* what the failure must say in the plain, ASan and TSan builds: one of
       alternatives separated by '|'; NULL: that build cannot see the fault
       (the case is skipped there) */
    const char *plain, *asan, *tsan;
};

#define FAULTY_RUN "--counters none --reps 1 --threads 2 --ops 20000 --cell-timeout 30"
/* a torn read needs two threads running at once, which a busy machine
   seldom grants: 5 trials of 8 threads (any failing trial fails the cell) */
#define FAULTY_STORE_RUN "--counters none --reps 5 --threads 8 --ops 4000 --keys 1000"

static const struct faulty_expect faulty_expects[] = {
    { "batcher", "faulty_lose", "exactly_once_many", 8,
      "--counters none --reps 1 --threads 4 --ops 2000000", "lost", "lost", "lost" },
    { "batcher", "faulty_dup", "exactly_once", 2, FAULTY_RUN, "duplicated", "duplicated",
      "duplicated" },
    { "batcher", "faulty_foreign", "exactly_once", 2, FAULTY_RUN, "foreign", "foreign", "foreign" },
    { "batcher", "faulty_hang_close", "exactly_once", 2, FAULTY_RUN, "no progress for",
      "no progress for", "no progress for" },
    { "batcher", "faulty_deadlock", "exactly_once", 2, FAULTY_RUN, "no progress for",
      "no progress for", "double lock|no progress for" },
    { "batcher", "faulty_crash", "exactly_once", 2, FAULTY_RUN, "SIGSEGV",
      "SIGSEGV|store to null pointer", "SIGSEGV" },
    { "batcher", "faulty_uaf", "exactly_once", 1, FAULTY_RUN, NULL, "heap-use-after-free",
      "heap-use-after-free" },
    { "store", "faulty_torn", "read_write_race", 8, FAULTY_STORE_RUN, "torn record", "torn record",
      "data race|torn record" },
    { "store", "faulty_lost_update", "read_write_race", 2, FAULTY_STORE_RUN,
      "lost update|version went back", "lost update|version went back",
      "lost update|version went back" },
    { "store", "faulty_leak", "single_thread", 1, FAULTY_STORE_RUN, "leak", "leak", "leak" },
};

#define FAULTY_NEXPECTS (sizeof faulty_expects / sizeof faulty_expects[0])

/* Does out contain one of the '|'-separated alternatives? */
static inline int faulty_says(const char *out, const char *alts)
{
    for (const char *p = alts; *p;) {
        size_t k = strcspn(p, "|");
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)k, p);
        if (strstr(out, one)) return 1;
        p += k + (p[k] == '|');
    }
    return 0;
}

#endif
