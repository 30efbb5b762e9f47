/* The TSan build's suite. Criterion cannot run under TSan
 * (Snaipe/Criterion#274), so this binary is not instrumented: it runs every
 * conformance check through the TSan-instrumented contend-check (which runs
 * it in a watched child and names a data race, a hang or a leak), the
 * fiber runtime's scenarios (fiber-check), the instrumented contend binary
 * over every implementation under both runners, and the oracles over every
 * faulty variant (tests/faulty/expect.h: each must fail, naming the kind of
 * fault TSan or the oracle sees), and that a real race (the faulty
 * counter/faulty_racy) is reported. */
#include <stdio.h>
#include <stdlib.h>

#include "conformance/runcheck.h"
#include "faulty/expect.h"
#include "testutil.h"

struct tcase {
    char args[8][48];
    int argc;
    int check;  /* 1: contend-check, 2: fiber-check, 0: contend */
    int faulty; /* 1 + index in faulty_expects: must fail, with that kind */
};

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

/* A line of a --list into c (a check of that kind): 1, or 0 for a comment. */
static int tsan_tuple(struct tcase *c, char *line, int check)
{
    if (line[0] == '#') return 0;
    memset(c, 0, sizeof *c);
    c->check = check;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \n", &save); tok && c->argc < 8;
         tok = strtok_r(NULL, " \n", &save))
        snprintf(c->args[c->argc++], 48, "%s", tok);
    return 1;
}

static int tsan_same(const struct tcase *a, const struct tcase *b, int args)
{
    for (int i = 0; i < args; i++)
        if (strcmp(a->args[i], b->args[i])) return 0;
    return a->argc >= args && b->argc >= args;
}

/* The fibers' cases: from p[k] on (p[0..n) are contend-check's and
   fiber-check's), the next (family check impl) and the largest of its
   counts, into *out. The index where the next group starts, or 0. */
static size_t tsan_fibers(const struct tcase *p, size_t n, size_t k, struct tcase *out)
{
    for (; k < n && p[k].check == 1; k++) {
        int have = 0;
        size_t j = k;
        for (; j < n && p[j].check == 1 && tsan_same(&p[j], &p[k], 3); j++) {
            *out = p[j]; /* ascending: the last is the largest */
            have = 1;
        }
        if (have) return j;
    }
    return 0;
}

ParameterizedTestParameters(tsan, clean)
{
    size_t cap = 2048, m = 0;
    struct tcase *p = cr_malloc(sizeof *p * cap);
    /* every conformance check, and the fiber runtime's scenarios (fiber-check
       caps them at 4,000 fibers under TSan) */
    static const char *const lists[] = { CONTEND_CHECK_BIN " --list", FIBER_CHECK_BIN " --list" };
    for (int l = 0; l < 2; l++) {
        FILE *f = popen(lists[l], "r");
        char line[256];
        while (f && m < cap && fgets(line, sizeof line, f)) m += tsan_tuple(&p[m], line, l + 1);
        if (f) pclose(f);
    }
    /* every conformance check that applies under fibers (two carriers) too,
       at one count: the largest that threads also run (GCC 12's TSan stops
       at 8,128 fibers; the fibers-only counts cost minutes here) */
    size_t nf = 0;
    struct tcase *fib = malloc(sizeof *fib * cap);
    FILE *f = fib ? popen(CONTEND_CHECK_BIN " --list --runner fibers", "r") : NULL;
    char line[256];
    while (f && nf < cap && fgets(line, sizeof line, f)) nf += tsan_tuple(&fib[nf], line, 1);
    if (f) pclose(f);
    for (size_t k = 0, threads = m; m < cap && (k = tsan_fibers(p, threads, k, &p[m])) != 0;) {
        int applies = 0;
        for (size_t j = 0; j < nf && !applies; j++) applies = tsan_same(&fib[j], &p[m], 4);
        if (!applies) continue;
        snprintf(p[m].args[p[m].argc++], 48, "--runner fibers:2");
        m++;
    }
    free(fib);
    /* the harness itself, instrumented, over every implementation */
    static const char *const runs[][8] = {
        { "run", "--family", "batcher", "--threads", "1,4,64", "--ops", "20000", "--reps" },
        { "run", "--family", "store", "--keys 3000 --scramble", "--threads 1,4", "--ops 8000",
          "--mix read=80,update=9,insert=5,delete=5,scan=1", "--reps" },
        /* fixed time, so that FIFO spinners run oversubscribed (up to 4x the
           CPUs) and every worker overlaps the others; then the counters'
           rarely taken paths (parameters at their minimum) */
        { "run", "--family", "counter", "--threads", "2,8", "--duration", "0.2", "--reps" },
        { "run", "--family counter", "--impl gomutex,combining,tas_backoff,cohort",
          "--threads 2,8 --duration 0.2", "--param gomutex.starve_us=1 --param spins=0",
          "--param cleanup=1 --param tries=1", "--param pass_limit=1", "--reps" },
        /* the fiber runner (GCC 12's TSan stops at 8,128 fibers and threads) */
        { "run", "--runner fibers --family batcher", "--threads", "1,4,2000", "--ops", "40000",
          "--reps" },
        { "run", "--runner fibers --family counter", "--threads", "1,4,2000", "--ops", "40000",
          "--reps" },
        { "run", "--runner fibers --family store", "--keys 3000 --scramble", "--threads 1,64",
          "--ops 8000", "--mix read=80,update=9,insert=5,delete=5,scan=1", "--reps" },
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0] && m < cap; r++, m++) {
        memset(&p[m], 0, sizeof p[m]);
        for (int i = 0; i < 8 && runs[r][i]; i++)
            snprintf(p[m].args[p[m].argc++], 48, "%s", runs[r][i]);
    }
    /* every faulty variant TSan can see, as a check and as a run */
    for (unsigned i = 0; i < FAULTY_NEXPECTS && m + 2 <= cap; i++)
        for (int check = 1; faulty_expects[i].tsan && check >= 0; check--, m++) {
            memset(&p[m], 0, sizeof p[m]);
            p[m].check = check;
            p[m].faulty = (int)i + 1;
        }
    return cr_make_param_array(struct tcase, p, m, free_params);
}

ParameterizedTest(struct tcase *c, tsan, clean, .timeout = 600)
{
    char cmd[1024];
    static char out[1 << 16];
    if (c->faulty) {
        const struct faulty_expect *e = &faulty_expects[c->faulty - 1];
        if (c->check)
            snprintf(cmd, sizeof cmd, "%s %s %s %s %u", CONTEND_CHECK_FAULTY_BIN, e->family,
                     e->check, e->variant, e->n);
        else
            snprintf(cmd, sizeof cmd, "%s run --family %s --impl %s %s", CONTEND_FAULTY_BIN,
                     e->family, e->variant, e->run);
        int st = runcheck(cmd, out, sizeof out);
        cr_expect_eq(st, 1, "%s: exit %d, want 1:\n%s", cmd, st, out);
        cr_expect(faulty_says(out, e->tsan), "%s: want '%s' in:\n%s", cmd, e->tsan, out);
        return;
    }
    static const char *const bins[] = { CONTEND_BIN, CONTEND_CHECK_BIN, FIBER_CHECK_BIN };
    snprintf(cmd, sizeof cmd, "%s", bins[c->check]);
    for (int i = 0; i < c->argc; i++) {
        strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, c->args[i], sizeof cmd - strlen(cmd) - 1);
    }
    if (!c->check) strncat(cmd, " 1 --quiet", sizeof cmd - strlen(cmd) - 1);
    int st = runcheck(cmd, out, sizeof out);
    cr_expect_null(strstr(out, "ThreadSanitizer"), "%s:\n%s", cmd, out);
    cr_expect_eq(st, 0, "%s: status %d\n%s", cmd, st, out);
}

/* The other side: a race is reported. counter/faulty_racy (tests/faulty/:
   count++ with no lock) run by the faulty registry's contend-check. */
Test(tsan, reports_the_racy_counter, .timeout = 300)
{
    static char out[1 << 16];
    int st =
        runcheck(CONTEND_CHECK_FAULTY_BIN " counter exact_count faulty_racy 16", out, sizeof out);
    cr_expect_not_null(strstr(out, "data race"), "no race reported:\n%s", out);
    cr_expect_neq(st, 0, "exit 0 despite the race:\n%s", out);
}
