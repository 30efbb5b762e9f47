/* contend-check: runs one conformance check in a child process, under the
 * watchdog that runs every trial of `contend run` (run/isolate.c), and says
 * how it ended.
 *
 *   contend-check FAMILY CHECK IMPL N [--limit S] [--stall S] [--in-process]
 *   contend-check --list       every applicable (family check impl n) tuple
 *
 * Exit 0: passed. 1: failed, with one line that names the family, variant,
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
    const char *impl;
    unsigned n;
};

struct check_result {
    int rc;
    char msg[512];
};

static void check_list(void)
{
    for (size_t t = 0; conf_tables[t]; t++)
        for (const struct conf_case *c = conf_tables[t]; c->name; c++) {
            const struct lab_impl *impls[MAX_LIST];
            size_t k = run_registry_list(c->family, impls, MAX_LIST);
            for (size_t i = 0; i < k && i < MAX_LIST; i++)
                if (conf_applies(c, impls[i]))
                    for (size_t j = 0; j < 6 && c->counts[j]; j++)
                        printf("%s %s %s %u\n", c->family, c->name, impls[i]->name, c->counts[j]);
        }
}

static void check_child(void *arg, int resfd)
{
    const struct check_run *r = arg;
    struct check_result res = { 0 };
    res.rc = r->c->fn(r->impl, r->n, res.msg, sizeof res.msg);
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
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        check_list();
        return 0;
    }
    double limit = 300, stall = 10;
    int in_process = 0, npos = 0;
    const char *pos[4] = { 0 };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--limit") && i + 1 < argc)
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
    if (npos != 4 || !(limit > 0) || stall < 0) {
        fprintf(stderr,
                "usage: contend-check --list | FAMILY CHECK IMPL N [--limit S] "
                "[--stall S] [--in-process]\n");
        return 2;
    }
    struct check_run run = { conf_find(pos[0], pos[1]), pos[2],
                             (unsigned)strtoul(pos[3], NULL, 10) };
    if (!run.c) {
        fprintf(stderr, "contend-check: no check %s/%s\n", pos[0], pos[1]);
        return 2;
    }
    char who[256];
    snprintf(who, sizeof who, "%s/%s %s n=%u", pos[0], pos[2], pos[1], run.n);
    struct check_result res = { 0 };
    if (in_process) {
        res.rc = run.c->fn(run.impl, run.n, res.msg, sizeof res.msg);
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
