/* contend-check: runs one conformance check in a child process, under the
 * watchdog that runs every trial of `contend run` (run/isolate.c), and says
 * how it ended.
 *
 *   contend-check FAMILY CHECK IMPL N [--runner R] [--limit S] [--stall S] [--in-process]
 *   contend-check --list [--runner R]   every applicable (family check impl n) tuple
 *
 * --runner threads (default) | fibers[:P]: the check's workers (and the
 * variant's own tasks) are OS threads, or fibers on P carrier threads set up
 * as a fibers trial does (conformance.h, docs/runners.md). Under fibers
 * --list leaves out what does not apply there and says why on lines that
 * start with '#'; running such a tuple prints the reason and exits 0.
 *
 * Exit 0: passed (or skipped, with a line that says why). 1: failed, with one line that names the family, variant,
 * check and count and the kind of fault: the check's own reason ("lost: 20
 * of 2000000 items never delivered", "leaked 6400 bytes in 100 blocks after
 * destroy()"), a signal ("SIGSEGV"), a sanitizer's report ("data race
 * (ThreadSanitizer)", "heap-use-after-free (AddressSanitizer)", "leak
 * (LeakSanitizer)"), a hang ("no progress for 10 s": nothing moved; "still
 * running at the 300 s limit": slow); then the last lines the check wrote to
 * stderr. 2: bad usage. --in-process runs the check here, without a child or
 * a watchdog (debuggers). Built with the sanitizer of its build tree. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformance/conformance.h"

struct check_run {
    const struct conf_case *c;
    const char *impl, *runner;
    unsigned n;
};

struct check_result {
    int rc;
    char msg[512];
};

static void check_list(int fibers)
{
    for (size_t t = 0; conf_tables[t]; t++)
        for (const struct conf_case *c = conf_tables[t]; c->name; c++) {
            const struct lab_impl *impls[MAX_LIST];
            size_t k = run_registry_list(c->family, impls, MAX_LIST);
            for (size_t i = 0; i < k && i < MAX_LIST; i++) {
                const char *why = NULL;
                unsigned n[CONF_MAX_COUNTS];
                if (conf_applies(c, impls[i], fibers, &why))
                    for (size_t j = 0, kn = conf_counts(c, fibers, n); j < kn; j++)
                        printf("%s %s %s %u\n", c->family, c->name, impls[i]->name, n[j]);
                else if (why)
                    printf("# %s %s %s: not under fibers: %s\n", c->family, c->name, impls[i]->name,
                           why);
            }
        }
}

/* The check under its runner, here: 0 or -1 with msg. */
static int check_run(const struct check_run *r, char *msg, size_t len)
{
    int rc = conf_runner_begin(r->runner, msg, len);
    if (rc) return -1;
    rc = r->c->fn(r->impl, r->n, msg, len);
    /* a check that failed may have left tasks that never end: the process
       ends with it instead */
    if (!rc) conf_runner_end();
    return rc;
}

static void check_child(void *arg, int resfd)
{
    const struct check_run *r = arg;
    struct check_result res = { 0 };
    res.rc = check_run(r, res.msg, sizeof res.msg);
    if (run_watch_write(resfd, &res, sizeof res)) _exit(3);
}

/* The child's stderr, each line indented, after the verdict. */
static void check_print_tail(const char *tail)
{
    for (const char *p = tail; *p;) {
        size_t k = strcspn(p, "\n");
        fprintf(stderr, "  | %.*s\n", (int)k, p);
        p += k + (p[k] == '\n');
    }
}

int main(int argc, char **argv)
{
    double limit = 300, stall = 10;
    int in_process = 0, npos = 0, list = 0;
    const char *pos[4] = { 0 }, *runner = "threads";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--runner") && i + 1 < argc)
            runner = argv[++i];
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            limit = atof(argv[++i]);
        else if (!strcmp(argv[i], "--stall") && i + 1 < argc)
            stall = atof(argv[++i]);
        else if (!strcmp(argv[i], "--in-process"))
            in_process = 1;
        else if (npos < 4)
            pos[npos++] = argv[i];
        else
            npos = 5;
    }
    struct run_runner rr;
    char why[160];
    if (run_runner_parse(runner, &rr, why, sizeof why)) {
        fprintf(stderr, "contend-check: --runner: %s\n", why);
        return 2;
    }
    if (list && npos == 0) {
        check_list(rr.kind == RUN_RUNNER_FIBERS);
        return 0;
    }
    if (list || npos != 4 || !(limit > 0) || stall < 0) {
        fprintf(stderr,
                "usage: contend-check --list [--runner R] | FAMILY CHECK IMPL N "
                "[--runner R] [--limit S] [--stall S] [--in-process]\n"
                "  R: threads (default) | fibers[:P] (P carrier threads; default: "
                "the CPUs)\n");
        return 2;
    }
    struct check_run run = { conf_find(pos[0], pos[1]), pos[2], runner,
                             (unsigned)strtoul(pos[3], NULL, 10) };
    if (!run.c) {
        fprintf(stderr, "contend-check: no check %s/%s\n", pos[0], pos[1]);
        return 2;
    }
    char who[256];
    snprintf(who, sizeof who, "%s/%s %s n=%u%s%s", pos[0], pos[2], pos[1], run.n,
             rr.kind == RUN_RUNNER_FIBERS ? " under " : "",
             rr.kind == RUN_RUNNER_FIBERS ? runner : "");
    const struct lab_impl *m = run_registry_find(pos[0], pos[2]);
    const char *skip = NULL;
    if (m && !conf_applies(run.c, m, rr.kind == RUN_RUNNER_FIBERS, &skip) && skip) {
        printf("contend-check: %s: skipped: %s\n", who, skip);
        return 0;
    }
    struct check_result res = { 0 };
    if (in_process) {
        res.rc = check_run(&run, res.msg, sizeof res.msg);
        if (res.rc) fprintf(stderr, "contend-check: %s: FAIL: %s\n", who, res.msg);
        return res.rc ? 1 : 0;
    }
    conf_beat = run_beat_new(1, 1);
    struct run_watch w = { limit, stall, conf_beat, 0, &res, sizeof res };
    struct run_watched *out = malloc(sizeof *out);
    char err[ERRLEN] = "";
    int rc = out && conf_beat ? run_watch_child(&w, check_child, &run, out, err, sizeof err) : -1;
    if (rc) {
        fprintf(stderr, "contend-check: %s: %s\n", who, err[0] ? err : "out of memory");
        return 2;
    }
    int failed = 1;
    if (out->have == sizeof res && res.rc) /* the check's reason, whatever came after */
        fprintf(stderr, "contend-check: %s: FAIL: %s%s%s\n", who, res.msg,
                out->outcome != OUTCOME_OK ? "; then " : "",
                out->outcome != OUTCOME_OK ? out->detail : "");
    else if (out->outcome != OUTCOME_OK)
        fprintf(stderr, "contend-check: %s: FAIL: %s\n", who, out->detail);
    else
        failed = 0;
    if (failed) check_print_tail(out->tail);
    free(out);
    run_beat_free(conf_beat);
    return failed;
}
