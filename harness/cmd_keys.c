/* contend keys: prints a workload's key stream, one key per line, so a user
 * can inspect a distribution. Uses the same generator as the store driver
 * (thread 0's stream for --seed). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char keys_usage[] =
"usage: contend keys [--dist D] [--theta T] [--keys N] [--count C] [--seed S]\n"
"                    [--hot-keys F] [--hot-ops F] [--scramble]\n"
"\n"
"Prints C keys (default 10) of a store workload, one per line, from the\n"
"generator `contend run --family store` uses (thread 0's stream). Keys are\n"
"1..N (default N 1000000); unscrambled, key 1 is the hottest rank.\n"
"  --dist D    zipf (default) | uniform | hotset | seed8020\n"
"  --theta T   zipf exponent, > 0 (default 0.894)\n";

int cmd_keys(int argc, char **argv)
{
    enum { K_DIST = 1, K_THETA, K_KEYS, K_COUNT, K_SEED, K_HOTK, K_HOTO, K_SCRAMBLE, K_HELP };
    static const struct option longopts[] = {
        { "dist", required_argument, 0, K_DIST }, { "theta", required_argument, 0, K_THETA },
        { "keys", required_argument, 0, K_KEYS }, { "count", required_argument, 0, K_COUNT },
        { "seed", required_argument, 0, K_SEED }, { "hot-keys", required_argument, 0, K_HOTK },
        { "hot-ops", required_argument, 0, K_HOTO }, { "scramble", no_argument, 0, K_SCRAMBLE },
        { "help", no_argument, 0, K_HELP }, { 0, 0, 0, 0 }
    };
    struct wl_spec spec;
    wl_spec_defaults(&spec);
    uint64_t count = 10, seed = 1;
    char err[ERRLEN] = "";
    int rc = 0;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1) break;
        switch (c) {
        case 'h': case K_HELP: fputs(keys_usage, stdout); return 0;
        case K_DIST:
            if (wl_dist_parse(optarg, &spec.dist)) {
                snprintf(err, sizeof err, "--dist: '%s' is not one of uniform, zipf, hotset, seed8020", optarg);
                rc = -1;
            }
            break;
        case K_THETA:
            if (!(rc = parse_double("--theta", optarg, 0, 1e6, &spec.theta, err, sizeof err)) &&
                spec.theta <= 0) {
                snprintf(err, sizeof err, "--theta: %s is not > 0", optarg);
                rc = -1;
            }
            break;
        case K_KEYS: rc = parse_u64("--keys", optarg, 1, UINT64_C(1) << 32, &spec.keys, err, sizeof err); break;
        case K_COUNT: rc = parse_u64("--count", optarg, 0, UINT64_C(1) << 40, &count, err, sizeof err); break;
        case K_SEED: rc = parse_u64("--seed", optarg, 0, UINT64_MAX, &seed, err, sizeof err); break;
        case K_HOTK: rc = parse_double("--hot-keys", optarg, 1e-9, 1, &spec.hot_keys, err, sizeof err); break;
        case K_HOTO: rc = parse_double("--hot-ops", optarg, 0, 1, &spec.hot_ops, err, sizeof err); break;
        case K_SCRAMBLE: spec.scramble = 1; break;
        default:
            snprintf(err, sizeof err, "bad option '%s' (see --help)", argv[optind - 1]);
            rc = -1;
        }
        if (rc) break;
    }
    if (!rc && optind < argc) {
        snprintf(err, sizeof err, "unexpected argument '%s'", argv[optind]);
        rc = -1;
    }
    struct wl_keygen g;
    if (!rc) rc = wl_keygen_init(&g, &spec, seed, err, sizeof err);
    if (rc) {
        fprintf(stderr, "contend keys: %s\n", err);
        return 2;
    }
    struct wl_rng rng;
    wl_rng_seed(&rng, seed, 0);
    for (uint64_t i = 0; i < count; i++)
        if (printf("%llu\n", (unsigned long long)wl_keygen_next(&g, &rng, i)) < 0) return 1;
    return fflush(stdout) == 0 ? 0 : 1;
}
