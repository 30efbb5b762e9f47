/* The workload's options as a table (lib/lab_opt.h): the store family's run
 * options and `contend keys` parse the same keys with the same checks. */
#include <stddef.h>
#include <stdint.h>

#include "workload.h"

static const char *const workload_dists[] = { "uniform", "zipf", "hotset", "seed8020", NULL };

static int workload_mix_parse(const char *v, void *field, char *err, size_t n)
{
    return wl_mix_parse(v, field, err, n);
}

static void workload_mix_format(const void *field, char *buf, size_t n)
{
    wl_mix_format(field, buf, n);
}

#define O(f) offsetof(struct wl_spec, f)
const struct opt_spec wl_opts[] = {
    { "keys", OPT_U64, O(keys), "N", "records prefilled before the timed region (default 1000000)",
      1, (double)(UINT64_C(1) << 32), OPT_SI },
    { "dist", OPT_ENUM, O(dist), "D",
      "key distribution: zipf (default) | uniform | hotset | seed8020", .choices = workload_dists },
    { "theta", OPT_DOUBLE, O(theta), "T",
      "zipf exponent, > 0 (default 0.894: ~80% of ops on 20% of 1M keys)", 0, 1e6, OPT_POSITIVE },
    { "hot-keys", OPT_DOUBLE, O(hot_keys), "F",
      "hotset: fraction of the keys that is hot, (0, 1] (default 0.2)", 1e-9, 1 },
    { "hot-ops", OPT_DOUBLE, O(hot_ops), "F",
      "hotset: fraction of the ops on hot keys, [0, 1] (default 0.8)", 0, 1 },
    { "scramble", OPT_FLAG, O(scramble), NULL,
      "spread hot ranks over the key space (seeded bijection)" },
    { "mix", OPT_CUSTOM, O(mix), "LIST",
      "op percentages summing to 100 over read, update, insert,\n"
      "delete, scan (default read=95,update=5)",
      .parse = workload_mix_parse, .format = workload_mix_format },
    { 0 }
};
#undef O
