/* fiber-check: runs the fiber runtime's scenarios (fiber_scen.c) outside
 * Criterion, so that the TSan tree runs them instrumented (test_tsan.c).
 *   fiber-check --list     one scenario name a line
 *   fiber-check [NAME...]  runs them (all without a name); exit 1 on failure
 * Under TSan every scenario is capped at FIBER_SCEN_TSAN_MAX fibers.
 * FIBER_CHECK_CARRIERS=P runs the multi-carrier scenarios on P carriers
 * (a stress: more carriers than CPUs means more preempted interleavings). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber_scen.h"

#if defined(__SANITIZE_THREAD__)
#define FIBER_CHECK_MAX FIBER_SCEN_TSAN_MAX
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FIBER_CHECK_MAX FIBER_SCEN_TSAN_MAX
#endif
#endif
#ifndef FIBER_CHECK_MAX
#define FIBER_CHECK_MAX 0u
#endif

static int fiber_check_run(const struct fiber_scen *scen, unsigned carriers)
{
    struct fiber_scen sc = *scen;
    if (carriers && sc.carriers > 1) sc.carriers = carriers;
    if (FIBER_CHECK_MAX && sc.fibers > FIBER_CHECK_MAX) sc.fibers = FIBER_CHECK_MAX;
    char err[256] = "";
    int rc = sc.run(&sc, sc.fibers, err, sizeof err);
    printf("%s %s (%u fibers, %u carriers)%s%s\n", rc ? "FAIL" : "ok", sc.name, sc.fibers,
           sc.carriers, rc ? ": " : "", err);
    return rc ? 1 : 0;
}

static const struct fiber_scen *fiber_check_find(const char *name)
{
    for (size_t i = 0; i < fiber_scens_len; i++)
        if (strcmp(fiber_scens[i].name, name) == 0) return &fiber_scens[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < fiber_scens_len; i++) puts(fiber_scens[i].name);
        return 0;
    }
    unsigned long carriers = 0;
    const char *p = getenv("FIBER_CHECK_CARRIERS");
    if (p) {
        char *end;
        errno = 0;
        carriers = strtoul(p, &end, 10);
        if (errno || end == p || *end || carriers < 1 || carriers > 1024) {
            fprintf(stderr, "fiber-check: FIBER_CHECK_CARRIERS must be 1 to 1024, not '%s'\n", p);
            return 2;
        }
    }
    for (int a = 1; a < argc; a++)
        if (!fiber_check_find(argv[a])) {
            fprintf(stderr, "fiber-check: no scenario '%s' (see --list)\n", argv[a]);
            return 2;
        }
    int failed = 0;
    for (size_t i = 0; i < fiber_scens_len; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++) wanted |= strcmp(argv[a], fiber_scens[i].name) == 0;
        if (wanted) failed |= fiber_check_run(&fiber_scens[i], (unsigned)carriers);
    }
    return failed;
}
