/* `contend run` options: the run's own table, the chosen family's table
 * (family.h), and the checks that need both. Never prints, never exits: the
 * CLI, experiment files, the tests and the fuzzer all drive it. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "fiber.h"

static const char *const options_pins[] = { "none", "compact", "scatter", NULL };
static const char *const options_starts[] = { "gate", "seed", NULL };

const char *run_pin_name(int pin)
{
    return pin >= PIN_NONE && pin <= PIN_SCATTER ? options_pins[pin] : "?";
}

/* One item of --threads: a count, `cpus` (the CPUs this process may run
   on, from its affinity mask) or `Nxcpus` (N times that, N >= 1; 10xcpus is
   ten threads per CPU). *token says whether it named the CPUs. */
static int options_thread_item(const char *item, uint64_t *t, int *token, char *err, size_t n)
{
    const char *x = strstr(item, "cpus");
    *token = x != NULL;
    if (!x) {
        char why[160];
        if (!lab_opt_parse_u64("", item, 1, MAX_THREADS, 0, t, why, sizeof why)) return 0;
        snprintf(err, n, "%s (or cpus, Nxcpus)", why + 2); /* drop the empty name's ": " */
        return -EINVAL;
    }
    uint64_t mul = 1;
    if (x != item) { /* "10xcpus": digits, then x */
        char *end;
        mul = strtoull(item, &end, 10);
        if (*item < '1' || *item > '9' || end != x - 1 || *end != 'x') mul = 0;
    }
    uint64_t cpus = run_fib_default_carriers();
    if (!mul || x[4] || mul > MAX_THREADS / cpus) {
        snprintf(err, n, "'%s' is not cpus or Nxcpus (N >= 1, at most %d threads)", item,
                 MAX_THREADS);
        return -EINVAL;
    }
    *t = mul * cpus;
    return 0;
}

/* --threads 1,2,16: counts in [1, MAX_THREADS], each once; `cpus` and
   `Nxcpus` resolve to counts here (at run time), and a count that one of
   them repeats is dropped (1,2,cpus on 2 CPUs is 1,2). */
static int options_threads(const char *v, void *field, char *err, size_t n)
{
    struct run_ulist *l = field;
    char tokens[MAX_LIST] = { 0 }; /* l->v[i] came from cpus or Nxcpus */
    l->n = 0;
    if (!*v) {
        snprintf(err, n, "empty list");
        return -EINVAL;
    }
    for (const char *p = v;; p++) {
        size_t len = strcspn(p, ",");
        char item[32];
        if (!len || len >= sizeof item) {
            snprintf(err, n, len ? "'%.40s' is not a thread count" : "empty item in list", p);
            return -EINVAL;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        p += len;
        uint64_t t;
        int token, dup = 0, literal = 0;
        if (options_thread_item(item, &t, &token, err, n)) return -EINVAL;
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i] == t) dup = 1, literal = !tokens[i];
        if (dup && !token && literal) {
            snprintf(err, n, "%s given twice", item);
            return -EINVAL;
        }
        if (!dup && l->n == MAX_LIST) {
            snprintf(err, n, "more than %d items", MAX_LIST);
            return -EINVAL;
        }
        if (!dup) tokens[l->n] = (char)token, l->v[l->n++] = (unsigned)t;
        if (!*p) break;
    }
    return 0;
}

static void options_threads_format(const void *field, char *buf, size_t n)
{
    const struct run_ulist *l = field;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%u", i ? "," : "", l->v[i]);
}

int run_shard_parse(const char *v, struct run_shard *sh, char *err, size_t n)
{
    char *slash, *end = NULL;
    unsigned long i = strtoul(v, &slash, 10), k = 0;
    if (slash != v && *slash == '/' && isdigit((unsigned char)slash[1]))
        k = strtoul(slash + 1, &end, 10);
    if (!isdigit((unsigned char)*v) || !k || *end) {
        snprintf(err, n, "'%.40s' is not I/N (e.g. 2/4)", v);
        return -EINVAL;
    }
    if (k < 1 || k > MAX_LIST || i < 1 || i > k) {
        snprintf(err, n, "'%.40s': need 1 <= I <= N <= %d", v, MAX_LIST);
        return -EINVAL;
    }
    *sh = (struct run_shard){ i, k };
    return 0;
}

/* --shard I/N */
static int options_shard(const char *v, void *field, char *err, size_t n)
{
    return run_shard_parse(v, field, err, n);
}

static void options_shard_format(const void *field, char *buf, size_t n)
{
    const struct run_shard *sh = field;
    snprintf(buf, n, "%u/%u", sh->index, sh->count);
}

/* The shard's part of the sweep. A comparison group is every
   implementation at one thread count (the workload is the run's): groups
   are dealt round-robin in --threads order, group g to shard g % N + 1, so
   the N parts are disjoint, cover the sweep, and keep each group whole. */
static void options_apply_shard(struct run_opts *o)
{
    size_t k = 0;
    for (size_t g = 0; o->shard.count && g < o->threads.n; g++)
        if (g % o->shard.count + 1 == o->shard.index) o->threads.v[k++] = o->threads.v[g];
    if (o->shard.count) o->threads.n = k;
}

/* --param NAME=VALUE (repeatable): kept as given, resolved after --impl. */
static int options_param(const char *v, void *field, char *err, size_t n)
{
    struct run_param_args *a = field;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1]) {
        snprintf(err, n, "'%.60s' is not NAME=VALUE or IMPL.NAME=VALUE", v);
        return -EINVAL;
    }
    if (a->n == RUN_MAX_PARAMS) {
        snprintf(err, n, "at most %d of them", RUN_MAX_PARAMS);
        return -EINVAL;
    }
    a->v[a->n++] = v;
    return 0;
}

static void options_param_format(const void *field, char *buf, size_t n)
{
    const struct run_param_args *a = field;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "", a->v[i]);
}

/* --runner threads | fibers[:P] */
static int options_runner(const char *v, void *field, char *err, size_t n)
{
    return run_runner_parse(v, field, err, n);
}

int run_runner_parse(const char *v, struct run_runner *r, char *err, size_t n)
{
    if (!strcmp(v, "threads")) {
        *r = (struct run_runner){ RUN_RUNNER_THREADS, 0 };
        return 0;
    }
    if (!strncmp(v, "fibers", 6) && (!v[6] || v[6] == ':')) {
        uint64_t p = 0;
        char why[160];
        if (v[6] && lab_opt_parse_u64("", v + 7, 1, 1024, 0, &p, why, sizeof why)) {
            snprintf(err, n, "fibers:P wants P carriers in [1, 1024], not '%.40s'", v + 7);
            return -EINVAL;
        }
        *r = (struct run_runner){ RUN_RUNNER_FIBERS, (unsigned)p };
        return 0;
    }
    snprintf(err, n, "'%.60s' is not threads or fibers[:P]", v);
    return -EINVAL;
}

static void options_runner_format(const void *field, char *buf, size_t n)
{
    run_runner_name(field, buf, n);
}

void run_runner_name(const struct run_runner *r, char *buf, size_t n)
{
    if (r->kind != RUN_RUNNER_FIBERS)
        snprintf(buf, n, "threads");
    else if (r->carriers)
        snprintf(buf, n, "fibers:%u", r->carriers);
    else
        snprintf(buf, n, "fibers:%u", run_fib_default_carriers());
}

static char options_family_help[512];

#define O(f) offsetof(struct run_opts, f)
static const struct opt_spec options_run[] = {
    { "family", OPT_STR, O(family_arg), "F", options_family_help },
    { "impl", OPT_STR, O(impl_arg), "LIST",
      "all (default) or a comma list of names (see `contend list`)", .flags = OPT_NONEMPTY },
    { "threads", OPT_CUSTOM, O(threads), "LIST",
      "comma list of thread counts, 1..100000, or cpus (the CPUs\n"
      "this process may use) or Nxcpus, e.g. 1,2,cpus,10xcpus\n"
      "(default 1,2,16)",
      .parse = options_threads, .format = options_threads_format },
    { "ops", OPT_U64, O(ops), "N",
      "fixed work: N operations split over the threads\n"
      "(default 1000000; suffixes k, M, G)",
      1, (double)(UINT64_C(1) << 40), OPT_SI },
    { "duration", OPT_DOUBLE, O(duration), "S", "fixed time instead: each trial runs S seconds",
      0.001, 86400 },
    { "reps", OPT_UINT, O(reps), "R", "trials per cell (default 5)", 1, 1000 },
    { "warmup", OPT_FLAG, O(warmup), NULL, "run and discard one warm-up trial per cell" },
    { "pin", OPT_ENUM, O(pin), "MODE", "none (default) | compact | scatter  (hwloc)",
      .choices = options_pins },
    { "runner", OPT_CUSTOM, O(runner), "R",
      "threads (default): one OS thread per worker | fibers[:P]:\n"
      "workers are fibers on P carrier threads, like goroutines on\n"
      "GOMAXPROCS (default P: the CPUs this process may use)",
      .parse = options_runner, .format = options_runner_format },
    { "start", OPT_ENUM, O(start), "MODE",
      "gate (default): the clock starts when every worker is parked\n"
      "on a start gate | seed: the clock starts, then the workers are\n"
      "created, each starting at once (as the seed's lop.ForEach does)",
      .choices = options_starts },
    { "seed", OPT_U64, O(seed), "S", "seed for the trial order and workloads (default 1)", 0,
      (double)UINT64_MAX },
    { "out", OPT_STR, O(out), "FILE.json", "also write the results as JSON (atomically)",
      .flags = OPT_NONEMPTY },
    { "quiet", OPT_FLAG, O(quiet), NULL, "no table on stdout" },
    { "dry-run", OPT_FLAG, O(dry_run), NULL,
      "print the plan (cells, trials, a time estimate) and exit;\n"
      "a long sweep prints it on stderr before it starts" },
    { "cell-timeout", OPT_DOUBLE, O(cell_timeout), "S",
      "watchdog per trial in seconds (default: 30 + 10 us per op,\n"
      "or 30 + 3x the duration, + 1 ms per thread)",
      0.1, 86400 * 7 },
    { "no-isolate", OPT_FLAG, O(no_isolate), NULL,
      "run trials in this process, not in a child (debuggers,\n"
      "profilers); a crash then ends the run" },
    { "resume", OPT_STR, O(resume), "JOURNAL",
      "finish an interrupted run: takes the options from the\n"
      "journal (FILE.json.journal) and skips the trials it holds" },
    { "shard", OPT_CUSTOM, O(shard), "I/N",
      "run part I of N of the cells: whole comparison groups\n"
      "(every implementation at one thread count), dealt\n"
      "round-robin; merge the N results with `contend merge`",
      .parse = options_shard, .format = options_shard_format },
    { "param", OPT_CUSTOM, O(param_args), "[IMPL.]NAME=V",
      "a variant's parameter (`contend list` shows them), for every\n"
      "variant that declares NAME or only for IMPL; repeatable",
      .parse = options_param, .format = options_param_format },
    { "counters", OPT_STR, O(counters_arg), "LIST",
      "per-op event counts, per worker thread: `default`, `none`\n"
      "or a comma list of libpfm4 event names (`contend counters`).\n"
      "default: cycles, instructions, LLC-load-misses,\n"
      "branch-misses, context-switches, page-faults, task-clock.\n"
      "Events that cannot open here (no PMU, perf_event_paranoid)\n"
      "are probed once and skipped, shown n/a with the reason,\n"
      "so the default costs only software events where there is\n"
      "no PMU; context switches, page faults and CPU time fall\n"
      "back to getrusage(RUSAGE_THREAD). Counters add a few\n"
      "syscalls per thread at the edges of the timed region:\n"
      "use `none` for the leanest timing. (docs/counters.md)" },
    { 0 }
};
#undef O

/* "batcher (default) | counter | store": the first family is the default. */
static const char *options_family_text(void)
{
    if (!options_family_help[0]) {
        snprintf(options_family_help, sizeof options_family_help, "family to run:");
        for (size_t i = 0; fam_registry[i]; i++)
            snprintf(options_family_help + strlen(options_family_help),
                     sizeof options_family_help - strlen(options_family_help), "%s %s%s",
                     i ? " |" : "", fam_registry[i]->name, i ? "" : " (default)");
    }
    return options_family_help;
}

#define OPTIONS_MAX_GROUPS 24

/* A family's option tables as groups (the first one headed "batcher
   options"), appended to g[*k]. */
static void options_family_groups(const struct family_driver *f, void *cfg, char *heading, size_t n,
                                  struct opt_group *g, size_t *k)
{
    snprintf(heading, n, "%s options", f->name);
    for (size_t i = 0; f->opts && f->opts[i] && *k < OPTIONS_MAX_GROUPS; i++)
        g[(*k)++] = (struct opt_group){ i ? NULL : heading, f->opts[i], cfg };
}

static void options_defaults(struct run_opts *o, const struct family_driver *f)
{
    memset(o, 0, sizeof *o);
    o->fam = f;
    o->threads = (struct run_ulist){ { 1, 2, 16 }, 3 };
    o->reps = 5;
    o->seed = 1;
    o->impl_arg = "all";
    o->counters_arg = "default";
    if (f && f->cfg_defaults) f->cfg_defaults(o->fcfg);
}

/* The family named by --family (the last one given), before parsing. */
static const char *options_prescan_family(int argc, char **argv)
{
    const char *name = fam_registry[0] ? fam_registry[0]->name : "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "--family") && i + 1 < argc)
            name = argv[++i];
        else if (!strncmp(argv[i], "--family=", 9))
            name = argv[i] + 9;
    }
    return name;
}

/* --impl all | LIST (names, optionally prefixed by "family/"). */
static int options_impls(struct run_opts *o, char *err, size_t n)
{
    const char *fam = o->fam->name;
    o->nimpls = 0;
    if (!strcmp(o->impl_arg, "all")) {
        o->nimpls = run_registry_list(fam, o->impls, MAX_LIST);
        if (o->nimpls > MAX_LIST) o->nimpls = MAX_LIST;
        if (!o->nimpls) {
            snprintf(err, n, "family '%s' has no implementations", fam);
            return -EINVAL;
        }
        return 0;
    }
    size_t fl = strlen(fam);
    for (const char *p = o->impl_arg;;) {
        size_t len = strcspn(p, ",");
        char name[96];
        if (!len) {
            snprintf(err, n, "--impl: empty item in list");
            return -EINVAL;
        }
        snprintf(name, sizeof name, "%.*s", (int)(len < 95 ? len : 95), p);
        const char *nm = strncmp(name, fam, fl) == 0 && name[fl] == '/' ? name + fl + 1 : name;
        const struct lab_impl *m = run_registry_find(fam, nm);
        const char *needs = m ? NULL : run_registry_unavailable(fam, nm);
        if (needs) {
            snprintf(err, n, "--impl: %s/%s is not built here: %s, then rebuild", fam, nm, needs);
            return -EINVAL;
        }
        if (!m) {
            snprintf(err, n, "--impl: unknown %s implementation '%s' (try `contend list`)", fam,
                     name);
            return -EINVAL;
        }
        for (size_t j = 0; j < o->nimpls; j++)
            if (o->impls[j] == m) {
                snprintf(err, n, "--impl: '%s' given twice", name);
                return -EINVAL;
            }
        if (o->nimpls == MAX_LIST) {
            snprintf(err, n, "--impl: more than %d items", MAX_LIST);
            return -EINVAL;
        }
        o->impls[o->nimpls++] = m;
        if (!p[len]) break;
        p += len + 1;
    }
    return 0;
}

static const struct lab_param *options_param_decl(const struct lab_impl *m, const char *name)
{
    for (const struct lab_param *p = m->params; p && p->name; p++)
        if (!strcmp(p->name, name)) return p;
    return NULL;
}

/* Resolves each --param against the chosen implementations. */
static int options_params(struct run_opts *o, char *err, size_t n)
{
    o->nparams = 0;
    for (size_t i = 0; i < o->param_args.n; i++) {
        const char *arg = o->param_args.v[i], *eq = strchr(arg, '='), *dot = strchr(arg, '.');
        char impl[64] = "", name[64];
        if (dot && dot < eq) snprintf(impl, sizeof impl, "%.*s", (int)(dot - arg), arg);
        const char *nm = dot && dot < eq ? dot + 1 : arg;
        snprintf(name, sizeof name, "%.*s", (int)(eq - nm), nm);
        const struct lab_impl *only = NULL;
        const struct lab_param *decl = NULL;
        for (size_t k = 0; k < o->nimpls; k++) {
            if (*impl && strcmp(o->impls[k]->name, impl)) continue;
            if (*impl) only = o->impls[k];
            if (!decl) decl = options_param_decl(o->impls[k], name);
        }
        if (*impl && !only) {
            snprintf(err, n, "--param %.60s: '%s' is not among the implementations run", arg, impl);
            return -EINVAL;
        }
        if (!decl) {
            snprintf(err, n,
                     "--param %.60s: no implementation run declares '%s' (see `contend "
                     "list`)",
                     arg, name);
            return -EINVAL;
        }
        char *end;
        double v = strtod(eq + 1, &end);
        if (*end || !(v >= decl->min && v <= decl->max)
            || (decl->integer && v != (double)(long long)v)) {
            snprintf(err, n, "--param %.60s: %s wants %s in [%g, %g]", arg, decl->name,
                     decl->integer ? "an integer" : "a number", decl->min, decl->max);
            return -EINVAL;
        }
        o->params[o->nparams++] = (struct run_param){ only, decl->name, v };
    }
    return 0;
}

size_t run_param_values(const struct run_opts *o, const struct lab_impl *impl, double *values)
{
    size_t k = 0;
    for (const struct lab_param *p = impl->params; p && p->name && k < RUN_MAX_PARAMS; p++, k++) {
        values[k] = p->def;
        for (int pass = 0; pass < 2; pass++) /* every variant's, then this one's */
            for (size_t i = 0; i < o->nparams; i++)
                if (!strcmp(o->params[i].name, p->name)
                    && (pass ? o->params[i].impl == impl : o->params[i].impl == NULL))
                    values[k] = o->params[i].value;
    }
    return k;
}

int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t n)
{
    options_family_text();
    const char *fname = options_prescan_family(argc, argv);
    const struct family_driver *f = run_family_find(fname);
    if (!f) {
        snprintf(err, n, "--family: unknown family '%.60s' (try `contend list`)", fname);
        return -EINVAL;
    }
    options_defaults(o, f);
    o->argc = o->parse_argc = argc;
    o->argv = o->parse_argv = argv;

    char heading[64], oh[OPTIONS_MAX_GROUPS][64];
    struct opt_group groups[OPTIONS_MAX_GROUPS], other[OPTIONS_MAX_GROUPS];
    size_t ngroups = 0, nother = 0;
    groups[ngroups++] = (struct opt_group){ NULL, options_run, o };
    options_family_groups(f, o->fcfg, heading, sizeof heading, groups, &ngroups);
    for (size_t i = 0; fam_registry[i] && i < OPTIONS_MAX_GROUPS; i++)
        if (fam_registry[i] != f)
            options_family_groups(fam_registry[i], NULL, oh[i], sizeof oh[0], other, &nother);
    struct opt_result res;
    int rc = lab_opt_parse(argc, argv, groups, ngroups, other, nother, &res, err, n);
    if (rc) return rc;
    if (res.npos) {
        snprintf(err, n, "unexpected argument '%.80s'", res.pos[0]);
        return -EINVAL;
    }
    if (lab_opt_given(&res, "resume")) {
        snprintf(err, n, "--resume takes no other options (they come from the journal)");
        return -EINVAL;
    }
    int have_ops = lab_opt_given(&res, "ops"), have_duration = lab_opt_given(&res, "duration");
    if (have_ops && have_duration) {
        snprintf(err, n, "--ops and --duration are exclusive: give one stop rule");
        return -EINVAL;
    }
    if (!have_ops && !have_duration) o->ops = 1000000;
    if ((rc = options_impls(o, err, n)) || (rc = options_params(o, err, n))) return rc;
    options_apply_shard(o);
    for (size_t i = 0; o->ops && i < o->threads.n; i++)
        if (o->ops < o->threads.v[i]) {
            snprintf(err, n, "--ops %llu is fewer than --threads %u: every thread needs work",
                     (unsigned long long)o->ops, o->threads.v[i]);
            return -EINVAL;
        }
    if (f->cfg_check && (rc = f->cfg_check(o->fcfg, err, n))) return rc;
    return run_ctr_spec_parse(o->counters_arg, &o->counters, err, n);
}

void run_opts_help(FILE *out)
{
    options_family_text();
    fputs("usage: contend run [options]\n"
          "\n"
          "Runs every (implementation x thread count) cell of one family, --reps times\n"
          "each, interleaved in a seeded random order, and prints a table.\n"
          "\n",
          out);
    struct opt_group g[OPTIONS_MAX_GROUPS] = { { NULL, options_run, NULL } };
    lab_opt_print_help(out, g, 1);
    for (size_t i = 0; fam_registry[i]; i++) {
        char heading[64];
        size_t k = 0;
        options_family_groups(fam_registry[i], NULL, heading, sizeof heading, g, &k);
        lab_opt_print_help(out, g, k);
    }
    fputs("\n"
          "Each trial runs in a child process: a crash or a hang is recorded for its\n"
          "cell (\"crashed (SIGSEGV)\", \"timed out\") and the run goes on. With --out, every\n"
          "finished trial is appended to FILE.json.journal (fsynced) and the final JSON is\n"
          "written to a temporary file and renamed; the journal is removed once it is.\n"
          "SIGINT/SIGTERM kill the trial in flight and keep what is done.\n"
          "\n"
          "Exit status: 0 ok; 1 ran, and a cell failed (crashed, timed out, or failed its\n"
          "correctness check); 2 bad input; 130 interrupted (results kept).\n",
          out);
}

static void options_key(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s", name);
    for (char *p = buf; *p; p++)
        if (*p == '-') *p = '_';
}

/* A group's values as a JSON object keyed by option name ('-' -> '_'). */
static json_t *options_group_json(const struct opt_group *g)
{
    json_t *j = json_object();
    for (const struct opt_spec *s = g->specs; j && s && s->name; s++) {
        const void *f = (const char *)g->target + s->off;
        char key[64], buf[512];
        options_key(s->name, key, sizeof key);
        json_t *v = NULL;
        switch (s->type) {
        case OPT_FLAG: v = json_boolean(*(const int *)f); break;
        case OPT_UINT: v = json_integer(*(const unsigned *)f); break;
        case OPT_U64: v = json_integer((json_int_t) * (const uint64_t *)f); break;
        case OPT_SIZE: v = json_integer((json_int_t) * (const size_t *)f); break;
        case OPT_DOUBLE: v = json_real(*(const double *)f); break;
        case OPT_STR:
            v = *(const char *const *)f ? json_string(*(const char *const *)f) : json_null();
            break;
        case OPT_ENUM: v = json_string(s->choices[*(const int *)f]); break;
        case OPT_CUSTOM:
            if (!s->format) continue;
            s->format(f, buf, sizeof buf);
            v = json_string(buf);
            break;
        case OPT_END: break;
        }
        json_object_set_new(j, key, v ? v : json_null());
    }
    return j;
}

json_t *run_opts_json(const struct run_opts *o)
{
    json_t *j = json_pack("{s:s, s:I, s:f, s:i, s:b, s:s, s:s, s:I}", "family", o->fam->name, "ops",
                          (json_int_t)o->ops, "duration_s", o->duration, "reps", (int)o->reps,
                          "warmup", o->warmup, "pin", run_pin_name(o->pin), "start",
                          options_starts[o->start], "seed", (json_int_t)o->seed);
    char runner[32];
    run_runner_name(&o->runner, runner, sizeof runner);
    if (j) json_object_set_new(j, "runner", json_string(runner));
    if (j && o->part) json_object_set_new(j, "part", json_string(o->part));
    json_t *fj = json_object();
    for (size_t i = 0; fj && o->fam->opts && o->fam->opts[i]; i++) {
        struct opt_group g = { NULL, o->fam->opts[i], (void *)o->fcfg };
        json_t *part = options_group_json(&g);
        json_object_update(fj, part);
        json_decref(part);
    }
    if (j && o->shard.count) { /* merge joins the parts of one run */
        char buf[32];
        options_shard_format(&o->shard, buf, sizeof buf);
        json_object_set_new(j, "shard", json_string(buf));
    }
    if (j && fj)
        json_object_set_new(j, o->fam->name, fj);
    else
        json_decref(fj);
    return j;
}
