/* contend keys: prints a workload's key stream, one key per line, so a user
 * can inspect a distribution. Same generator and same options (wl_opts) as
 * the key-value runs (thread 0's stream for --seed). */
#include <stddef.h>

#include "cli.h"
#include "workload.h"

struct keys_args {
    uint64_t count, seed;
};

#define O(f) offsetof(struct keys_args, f)
static const struct opt_spec keys_opts[] = {
    { "count", OPT_U64, O(count), "C", "keys to print (default 10)", 0, (double)(UINT64_C(1) << 40),
      OPT_SI },
    { "seed", OPT_U64, O(seed), "S", "the workload's seed (default 1)", 0, (double)UINT64_MAX },
    { 0 }
};
#undef O

static struct wl_spec keys_spec_v;
static struct keys_args keys_a;
static const struct opt_group keys_groups[] = { { NULL, keys_opts, &keys_a },
                                                { NULL, wl_opts, &keys_spec_v } };
static void keys_defaults(void)
{
    wl_spec_defaults(&keys_spec_v);
    keys_a = (struct keys_args){ 10, 1 };
}

const struct cli_spec cmd_keys_spec = {
    "keys",
    "usage: contend keys [options]\n",
    "\n"
    "Prints C keys of a key-value workload, one per line, from the generator the\n"
    "runs use (thread 0's stream). Keys are 1..N; unscrambled, key 1 is the\n"
    "hottest rank. The options are the workload's, as `contend run` takes them\n"
    "(--mix is accepted and does not change the keys).\n"
    "\n",
    keys_groups,
    2,
    "\nExit status: 0 ok, 2 bad input or a write error.\n",
    .defaults = keys_defaults
};

void cmd_keys_help(FILE *f) { cli_help(f, &cmd_keys_spec); }

int cmd_keys(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_keys_spec, argc, argv, &res, &status)) return status;
    char err[ERRLEN] = "";
    if (res.npos) {
        snprintf(err, sizeof err, "unexpected argument '%.60s'", res.pos[0]);
        return cli_fail("keys", err);
    }
    struct wl_keygen g;
    if (wl_keygen_init(&g, &keys_spec_v, keys_a.seed, err, sizeof err))
        return cli_fail("keys", err);
    struct wl_rng rng;
    wl_rng_seed(&rng, keys_a.seed, 0);
    for (uint64_t i = 0; i < keys_a.count && !cli_stdout_failed(); i++)
        printf("%llu\n", (unsigned long long)wl_keygen_next(&g, &rng, i));
    return 0; /* a write error is main's to report */
}
