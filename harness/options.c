/* Parsing and validation of `contend run` options. Never exits and never
 * prints: it returns -EINVAL with a one-line reason, so the CLI, the tests and
 * the fuzzer can all drive it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

const char run_usage[] =
"usage: contend run [options]\n"
"\n"
"Runs every (implementation x thread count) cell of one family, --reps times\n"
"each, interleaved in a seeded random order, and prints a table.\n"
"\n"
"  --family F          family to run: batcher (default) | store\n"
"  --impl LIST         all (default) or a comma list of names (see `contend list`)\n"
"  --threads LIST      comma list of thread counts, 1..100000 (default 1,2,16)\n"
"  --ops N             fixed work: N operations split over the threads\n"
"                      (default 1000000; suffixes k, M, G)\n"
"  --duration S        fixed time instead: each trial runs S seconds\n"
"  --reps R            trials per cell (default 5)\n"
"  --warmup            run and discard one warm-up trial per cell\n"
"  --pin MODE          none (default) | compact | scatter  (hwloc)\n"
"  --seed S            seed for the trial order and workloads (default 1)\n"
"  --out FILE.json     also write the results as JSON (atomically)\n"
"  --quiet             no table on stdout\n"
"  --cell-timeout S    watchdog per trial in seconds (default: 30 + 10 us per op,\n"
"                      or 30 + 3x the duration, + 1 ms per thread)\n"
"  --no-isolate        run trials in this process, not in a child (debuggers,\n"
"                      profilers); a crash then ends the run\n"
"  --resume JOURNAL    finish an interrupted run: takes the options from the\n"
"                      journal (FILE.json.journal) and skips the trials it holds\n"
"  --counters LIST     per-op event counts, per worker thread: `default`, `none`\n"
"                      or a comma list of libpfm4 event names (`contend counters`).\n"
"                      default: cycles, instructions, LLC-load-misses,\n"
"                      branch-misses, context-switches, page-faults, task-clock.\n"
"                      Events that cannot open here (no PMU, perf_event_paranoid)\n"
"                      are probed once and skipped, shown n/a with the reason,\n"
"                      so the default costs only software events where there is\n"
"                      no PMU; context switches, page faults and CPU time fall\n"
"                      back to getrusage(RUSAGE_THREAD). Counters add a few\n"
"                      syscalls per thread at the edges of the timed region:\n"
"                      use `none` for the leanest timing. (docs/counters.md)\n"
"\n"
"batcher options:\n"
"  --batch B           items per batch (default 100)\n"
"  --queue Q           queue size; a positive multiple of B (default 10000):\n"
"                      1 + Q/B buffers for n-buffering variants\n"
"  --timeout-ms T      flush timeout for variants that have one (default 25; 0 = off)\n"
"  --sink-cost NS      simulated consumer work per batch, in ns (default 0)\n"
"  --pad BYTES         padding between hot atomics (lockfree; default 256)\n"
"\n"
"store options:\n"
"  --keys N            records prefilled before the timed region (default 1000000)\n"
"  --dist D            key distribution: zipf (default) | uniform | hotset | seed8020\n"
"  --theta T           zipf exponent, > 0 (default 0.894: ~80% of ops on 20% of 1M keys)\n"
"  --hot-keys F        hotset: fraction of the keys that is hot, (0, 1] (default 0.2)\n"
"  --hot-ops F         hotset: fraction of the ops on hot keys, [0, 1] (default 0.8)\n"
"  --scramble          spread hot ranks over the key space (seeded bijection)\n"
"  --mix LIST          op percentages summing to 100 over read, update, insert,\n"
"                      delete, scan (default read=95,update=5)\n"
"  --shards N          shards, a power of two (default 32)\n"
"  --workers N         worker threads: channel actors (default 4), pooled\n"
"                      threads per core pool (default 1)\n"
"\n"
"\n"
"Each trial runs in a child process: a crash or a hang is recorded for its\n"
"cell (\"crashed (SIGSEGV)\", \"timed out\") and the run goes on. With --out, every\n"
"finished trial is appended to FILE.json.journal (fsynced) and the final JSON is\n"
"written to a temporary file and renamed; the journal is removed once it is.\n"
"SIGINT/SIGTERM kill the trial in flight and keep what is done.\n"
"\n"
"Exit status: 0 ok; 1 ran, and a cell failed (crashed, timed out, or failed its\n"
"correctness check); 2 bad input; 130 interrupted (results kept).\n";

static int fail(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    snprintf(err, n, fmt, a, b);
    return -EINVAL;
}

int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
              char *err, size_t n)
{
    if (!s || !*s) return fail(err, n, "%s: empty value%s", opt, "");
    const char *p = s;
    if (*p < '0' || *p > '9') return fail(err, n, "%s: '%s' is not a non-negative integer", opt, s);
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return fail(err, n, "%s: '%s' is too large", opt, s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    uint64_t mul = 1;
    if (*p == 'k' || *p == 'K') mul = 1000, p++;
    else if (*p == 'M') mul = 1000000, p++;
    else if (*p == 'G') mul = 1000000000, p++;
    if (*p) return fail(err, n, "%s: '%s' is not a non-negative integer", opt, s);
    if (v && mul > UINT64_MAX / v) return fail(err, n, "%s: '%s' is too large", opt, s);
    v *= mul;
    if (v < min || v > max) {
        snprintf(err, n, "%s: %s is out of range [%llu, %llu]", opt, s,
                 (unsigned long long)min, (unsigned long long)max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int parse_double(const char *opt, const char *s, double min, double max, double *out,
                 char *err, size_t n)
{
    if (!s || !*s) return fail(err, n, "%s: empty value%s", opt, "");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || isnan(v) || isinf(v))
        return fail(err, n, "%s: '%s' is not a number", opt, s);
    if (v < min || v > max) {
        snprintf(err, n, "%s: %s is out of range [%g, %g]", opt, s, min, max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* Splits a comma list into at most MAX_LIST non-empty items (modifies s). */
static int split_list(const char *opt, char *s, char **items, size_t *count, char *err,
                      size_t n)
{
    size_t k = 0;
    if (!*s) return fail(err, n, "%s: empty list%s", opt, "");
    for (char *p = s;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (!*p) return fail(err, n, "%s: empty item in list%s", opt, "");
        if (k == MAX_LIST) {
            snprintf(err, n, "%s: more than %u items", opt, MAX_LIST);
            return -EINVAL;
        }
        items[k++] = p;
        if (!c) break;
        p = c + 1;
    }
    *count = k;
    return 0;
}

void run_opts_defaults(struct run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->family = "batcher";
    o->threads[0] = 1, o->threads[1] = 2, o->threads[2] = 16;
    o->nthreads = 3;
    o->reps = 5;
    o->seed = 1;
    o->batcher = (struct lab_batcher_cfg){ .batch_size = 100, .queue_size = 10000,
                                           .timeout_ms = 25, .pad = 256 };
    wl_spec_defaults(&o->store);
}

enum { O_FAMILY = 256, O_IMPL, O_THREADS, O_OPS, O_DURATION, O_REPS, O_WARMUP, O_PIN,
       O_SEED, O_OUT, O_QUIET, O_CELL_TIMEOUT, O_NO_ISOLATE, O_RESUME, O_COUNTERS, O_BATCH,
       O_QUEUE, O_TIMEOUT, O_SINK, O_PAD, O_HELP,
       O_KEYS, O_DIST, O_THETA, O_HOTKEYS, O_HOTOPS, O_SCRAMBLE, O_MIX, O_SHARDS, O_WORKERS };

static const struct option run_longopts[] = {
    { "family", required_argument, 0, O_FAMILY },
    { "impl", required_argument, 0, O_IMPL },
    { "threads", required_argument, 0, O_THREADS },
    { "ops", required_argument, 0, O_OPS },
    { "duration", required_argument, 0, O_DURATION },
    { "reps", required_argument, 0, O_REPS },
    { "warmup", no_argument, 0, O_WARMUP },
    { "pin", required_argument, 0, O_PIN },
    { "seed", required_argument, 0, O_SEED },
    { "out", required_argument, 0, O_OUT },
    { "quiet", no_argument, 0, O_QUIET },
    { "cell-timeout", required_argument, 0, O_CELL_TIMEOUT },
    { "no-isolate", no_argument, 0, O_NO_ISOLATE },
    { "resume", required_argument, 0, O_RESUME },
    { "counters", required_argument, 0, O_COUNTERS },
    { "batch", required_argument, 0, O_BATCH },
    { "queue", required_argument, 0, O_QUEUE },
    { "timeout-ms", required_argument, 0, O_TIMEOUT },
    { "sink-cost", required_argument, 0, O_SINK },
    { "pad", required_argument, 0, O_PAD },
    { "help", no_argument, 0, O_HELP },
    { "keys", required_argument, 0, O_KEYS },
    { "dist", required_argument, 0, O_DIST },
    { "theta", required_argument, 0, O_THETA },
    { "hot-keys", required_argument, 0, O_HOTKEYS },
    { "hot-ops", required_argument, 0, O_HOTOPS },
    { "scramble", no_argument, 0, O_SCRAMBLE },
    { "mix", required_argument, 0, O_MIX },
    { "shards", required_argument, 0, O_SHARDS },
    { "workers", required_argument, 0, O_WORKERS },
    { 0, 0, 0, 0 }
};

int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t n)
{
    static char listbuf[2][4096];
    const char *impl_arg = "all", *threads_arg = NULL, *counters_arg = "default";
    int have_ops = 0, have_duration = 0;
    uint64_t v;
    int rc = 0;

    o->argc = o->parse_argc = argc;
    o->argv = o->parse_argv = argv;
    optind = 0;              /* full re-initialisation (glibc): parse may be re-entered */
    opterr = 0;
    for (;;) {
        int oi = 0, c = getopt_long(argc, argv, "h", run_longopts, &oi);
        if (c == -1) break;
        const char *name = NULL;
        for (const struct option *p = run_longopts; p->name; p++)
            if (p->val == c) name = p->name;
        char optname[40];
        snprintf(optname, sizeof optname, "--%s", name ? name : "?");
        switch (c) {
        case 'h': case O_HELP: return 1;
        case O_FAMILY: o->family = optarg; break;
        case O_IMPL: impl_arg = optarg; break;
        case O_THREADS: threads_arg = optarg; break;
        case O_OPS:
            rc = parse_u64(optname, optarg, 1, UINT64_C(1) << 40, &o->ops, err, n);
            have_ops = 1;
            break;
        case O_DURATION:
            rc = parse_double(optname, optarg, 0.001, 86400, &o->duration, err, n);
            have_duration = 1;
            break;
        case O_REPS:
            if (!(rc = parse_u64(optname, optarg, 1, 1000, &v, err, n))) o->reps = (unsigned)v;
            break;
        case O_WARMUP: o->warmup = 1; break;
        case O_PIN:
            if (!strcmp(optarg, "none")) o->pin = PIN_NONE;
            else if (!strcmp(optarg, "compact")) o->pin = PIN_COMPACT;
            else if (!strcmp(optarg, "scatter")) o->pin = PIN_SCATTER;
            else rc = fail(err, n, "--pin: '%s' is not one of none, compact, scatter%s", optarg, "");
            break;
        case O_SEED: rc = parse_u64(optname, optarg, 0, UINT64_MAX, &o->seed, err, n); break;
        case O_OUT:
            if (!*optarg) rc = fail(err, n, "--out: empty path%s%s", "", "");
            o->out = optarg;
            break;
        case O_QUIET: o->quiet = 1; break;
        case O_CELL_TIMEOUT:
            rc = parse_double(optname, optarg, 0.1, 86400 * 7, &o->cell_timeout, err, n);
            break;
        case O_NO_ISOLATE: o->no_isolate = 1; break;
        case O_RESUME:
            rc = fail(err, n, "--resume takes no other options (they come from the journal)%s%s",
                      "", "");
            break;
        case O_COUNTERS: counters_arg = optarg; break;
        case O_BATCH:
            if (!(rc = parse_u64(optname, optarg, 1, 1u << 24, &v, err, n))) o->batcher.batch_size = v;
            break;
        case O_QUEUE:
            if (!(rc = parse_u64(optname, optarg, 1, UINT64_C(1) << 32, &v, err, n))) o->batcher.queue_size = v;
            break;
        case O_TIMEOUT:
            if (!(rc = parse_u64(optname, optarg, 0, 3600000, &v, err, n))) o->batcher.timeout_ms = (unsigned)v;
            break;
        case O_SINK:
            rc = parse_u64(optname, optarg, 0, 1000000000, &o->sink_cost_ns, err, n);
            break;
        case O_PAD:
            if (!(rc = parse_u64(optname, optarg, 0, 4096, &v, err, n))) o->batcher.pad = v;
            break;
        case O_KEYS: rc = parse_u64(optname, optarg, 1, UINT64_C(1) << 32, &o->store.keys, err, n); break;
        case O_DIST:
            if (wl_dist_parse(optarg, &o->store.dist))
                rc = fail(err, n, "--dist: '%s' is not one of uniform, zipf, hotset, seed8020%s", optarg, "");
            break;
        case O_THETA:
            if (!(rc = parse_double(optname, optarg, 0, 1e6, &o->store.theta, err, n)) && o->store.theta <= 0)
                rc = fail(err, n, "--theta: %s is not > 0%s", optarg, "");
            break;
        case O_HOTKEYS: rc = parse_double(optname, optarg, 1e-9, 1, &o->store.hot_keys, err, n); break;
        case O_HOTOPS: rc = parse_double(optname, optarg, 0, 1, &o->store.hot_ops, err, n); break;
        case O_SCRAMBLE: o->store.scramble = 1; break;
        case O_MIX: rc = wl_mix_parse(optarg, o->store.mix, err, n); break;
        case O_SHARDS:
            if (!(rc = parse_u64(optname, optarg, 1, 1u << 16, &v, err, n))) {
                if (v & (v - 1)) rc = fail(err, n, "--shards: %s is not a power of two%s", optarg, "");
                o->store.shards = (unsigned)v;
            }
            break;
        case O_WORKERS:
            if (!(rc = parse_u64(optname, optarg, 1, 1024, &v, err, n))) o->store.workers = (unsigned)v;
            break;
        case '?':
        default:
            if (optopt && optopt < 256)
                rc = fail(err, n, "unknown option '-%c'%s", (char[]){ (char)optopt, 0 }, "");
            else if (optopt)
                rc = fail(err, n, "option '%s' needs a value%s", argv[optind - 1], "");
            else
                rc = fail(err, n, "unknown option '%s'%s", argv[optind - 1], "");
            break;
        }
        if (rc) return rc;
    }
    if (optind < argc) return fail(err, n, "unexpected argument '%s'%s", argv[optind], "");

    if (!family_known(o->family))
        return fail(err, n, "--family: unknown family '%s' (try `contend list`)%s", o->family, "");
    if (have_ops && have_duration)
        return fail(err, n, "--ops and --duration are exclusive: give one stop rule%s%s", "", "");
    if (!have_ops && !have_duration) o->ops = 1000000;

    /* implementations */
    o->nimpls = 0;
    if (strcmp(impl_arg, "all") == 0) {
        o->nimpls = registry_list(o->family, o->impls, MAX_LIST);
        if (o->nimpls > MAX_LIST) o->nimpls = MAX_LIST;
        if (!o->nimpls) return fail(err, n, "family '%s' has no implementations%s", o->family, "");
    } else {
        char *items[MAX_LIST];
        size_t k;
        if (strlen(impl_arg) >= sizeof listbuf[0]) return fail(err, n, "--impl: list too long%s%s", "", "");
        strcpy(listbuf[0], impl_arg);
        if ((rc = split_list("--impl", listbuf[0], items, &k, err, n))) return rc;
        for (size_t i = 0; i < k; i++) {
            const char *nm = items[i];
            size_t fl = strlen(o->family);
            if (strncmp(nm, o->family, fl) == 0 && nm[fl] == '/') nm += fl + 1;
            const struct lab_impl *m = registry_find(o->family, nm);
            if (!m) {
                snprintf(err, n, "--impl: unknown %s implementation '%s' (try `contend list`)",
                         o->family, items[i]);
                return -EINVAL;
            }
            for (size_t j = 0; j < o->nimpls; j++)
                if (o->impls[j] == m) return fail(err, n, "--impl: '%s' given twice%s", items[i], "");
            o->impls[o->nimpls++] = m;
        }
    }

    /* thread counts */
    if (threads_arg) {
        char *items[MAX_LIST];
        size_t k;
        if (strlen(threads_arg) >= sizeof listbuf[1]) return fail(err, n, "--threads: list too long%s%s", "", "");
        strcpy(listbuf[1], threads_arg);
        if ((rc = split_list("--threads", listbuf[1], items, &k, err, n))) return rc;
        for (size_t i = 0; i < k; i++) {
            if ((rc = parse_u64("--threads", items[i], 1, MAX_THREADS, &v, err, n))) return rc;
            o->threads[i] = (unsigned)v;
        }
        o->nthreads = k;
    }
    if (o->ops) {
        for (size_t i = 0; i < o->nthreads; i++)
            if (o->ops < o->threads[i]) {
                snprintf(err, n, "--ops %llu is fewer than --threads %u: every thread needs work",
                         (unsigned long long)o->ops, o->threads[i]);
                return -EINVAL;
            }
    }

    if (strcmp(o->family, "batcher") == 0) {
        const char *why = lab_batcher_cfg_error(&o->batcher);
        if (why) {
            snprintf(err, n, "--batch/--queue: %s (batch %zu, queue %zu)", why,
                     o->batcher.batch_size, o->batcher.queue_size);
            return -EINVAL;
        }
    }
    if (strcmp(o->family, "store") == 0) {
        const char *why = wl_spec_error(&o->store);
        if (why) return fail(err, n, "%s%s", why, "");
    }
    if ((rc = ctr_spec_parse(counters_arg, &o->counters, err, n))) return rc;
    if (o->out && (rc = check_writable(o->out, err, n))) return rc;
    return 0;
}
