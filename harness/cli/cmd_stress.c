/* contend stress: every implementation of every family at a worker count
 * far past the cores (workloads/stress-<family>.ini), with the correctness
 * checks on. Exit 1 if any cell fails, crashes or hangs. */
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "experiment.h"
#include "family.h"

struct stress_args {
    const char *family, *impl, *threads, *runner;
};

#define O(f) offsetof(struct stress_args, f)
static const struct opt_spec stress_opts[] = {
    { "family", OPT_STR, O(family), "F", "only this family (default: every family)",
      .flags = OPT_NONEMPTY },
    { "impl", OPT_STR, O(impl), "LIST",
      "only these implementations: names, or family/name\n"
      "(a family none of them is in is skipped)",
      .flags = OPT_NONEMPTY },
    { "threads", OPT_STR, O(threads), "LIST", "worker counts instead of the experiment's",
      .flags = OPT_NONEMPTY },
    { "runner", OPT_STR, O(runner), "R", "threads (default) or fibers[:P] (see run --help)",
      .flags = OPT_NONEMPTY },
    { 0 }
};
#undef O

static struct stress_args stress_a;
static const struct opt_group stress_groups[] = { { NULL, stress_opts, &stress_a } };
static void stress_defaults(void) { stress_a = (struct stress_args){ 0 }; }

const struct cli_spec cmd_stress_spec = {
    "stress",
    "usage: contend stress [--family F] [--impl LIST] [--threads LIST] [--runner R]\n",
    "\n"
    "Runs every implementation of each family (or of F) under\n"
    "workloads/stress-<family>.ini (e.g. batchers at 10,000 threads, stores at\n"
    "256), one rep each, with the correctness checks. Not a benchmark.\n"
    "\n",
    stress_groups,
    1,
    "\nExit status: 0 all passed, 1 a cell failed, 2 bad input.\n",
    .defaults = stress_defaults
};

void cmd_stress_help(FILE *f) { cli_help(f, &cmd_stress_spec); }

/* The items of list (names, or family/name) that are implementations of
   fam, as a comma list in out; how many. *unknown: an item of no family. */
static size_t stress_impls_of(const char *fam, const char *list, char *out, size_t n,
                              const char **unknown)
{
    size_t k = 0;
    out[0] = '\0';
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        char item[96];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        const char *slash = strchr(item, '/'), *name = slash ? slash + 1 : item;
        int here =
            (!slash || ((size_t)(slash - item) == strlen(fam) && !strncmp(item, fam, strlen(fam))))
            && run_registry_find(fam, name);
        int anywhere = here;
        for (size_t f = 0; !anywhere && fam_registry[f]; f++)
            anywhere = run_registry_find(fam_registry[f]->name, name) != NULL;
        if (!anywhere && !*unknown) *unknown = p;
        if (here) snprintf(out + strlen(out), n - strlen(out), "%s%s", k++ ? "," : "", name);
        p += len + (p[len] == ',');
    }
    return k;
}

int cmd_stress(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_stress_spec, argc, argv, &res, &status)) return status;
    char err[ERRLEN];
    if (res.npos) {
        snprintf(err, sizeof err, "unexpected argument '%.60s'", res.pos[0]);
        return cli_fail("stress", err);
    }
    if (stress_a.family && !run_family_find(stress_a.family)) {
        snprintf(err, sizeof err, "unknown family '%.60s'", stress_a.family);
        return cli_fail("stress", err);
    }
    const char *unknown = NULL;
    char impls[1024];
    for (size_t f = 0; stress_a.impl && fam_registry[f]; f++)
        stress_impls_of(fam_registry[f]->name, stress_a.impl, impls, sizeof impls, &unknown);
    if (unknown) {
        snprintf(err, sizeof err, "--impl: unknown implementation '%.*s' (try `contend list`)",
                 (int)strcspn(unknown, ","), unknown);
        return cli_fail("stress", err);
    }
    status = 0;
    for (size_t f = 0; fam_registry[f]; f++) {
        const char *fam = fam_registry[f]->name;
        if ((stress_a.family && strcmp(stress_a.family, fam)) || !run_registry_list(fam, NULL, 0))
            continue;
        if (stress_a.impl && !stress_impls_of(fam, stress_a.impl, impls, sizeof impls, &unknown))
            continue;
        char name[64];
        snprintf(name, sizeof name, "stress-%s", fam);
        struct experiment e;
        if (res_experiment_load(name, "quick", &e, err, sizeof err) != 0)
            return cli_fail("stress", err);
        const char *extra[6];
        int nextra = 0;
        if (stress_a.threads) extra[nextra++] = "--threads", extra[nextra++] = stress_a.threads;
        if (stress_a.runner) extra[nextra++] = "--runner", extra[nextra++] = stress_a.runner;
        if (stress_a.impl) /* after the file's: the last --impl wins */
            extra[nextra++] = "--impl", extra[nextra++] = impls;
        struct run_opts o;
        if (res_experiment_opts(&e, extra, nextra, &o, err, sizeof err) != 0) {
            res_experiment_free(&e);
            return cli_fail("stress", err);
        }
        o.argc = argc;
        o.argv = argv;
        printf("== %s\n", e.title ? e.title : name);
        int s = cli_run("stress", &o, NULL, NULL);
        if (s > status) status = s;
        res_experiment_free(&e);
        if (s >= 2) break;
    }
    return status;
}
