/* contend merge A.json B.json ... --out ALL.json: result files as one
 * (results/merge.c): the shards of a run joined, other runs side by side. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "merge.h"
#include "results.h"

struct merge_args {
    const char *out;
};

#define O(f) offsetof(struct merge_args, f)
static const struct opt_spec merge_opts[] = {
    { "out", OPT_STR, O(out), "ALL.json", "where to write the merge (atomically; required)",
      .flags = OPT_NONEMPTY },
    { 0 },
};
#undef O

static struct merge_args merge_a;
static const struct opt_group merge_groups[] = { { NULL, merge_opts, &merge_a } };
static void merge_defaults(void) { merge_a = (struct merge_args){ 0 }; }

const struct cli_spec cmd_merge_spec = {
    "merge",
    "usage: contend merge A.json B.json ... --out ALL.json\n",
    "\n"
    "Merges result files. The shards of one run (`contend run --shard I/N` with\n"
    "the same command, config and build) are joined into that run: the same\n"
    "cells and trials as one unsharded run. Other inputs stay separate runs, e.g.\n"
    "the same sweep on several machines: `contend report ALL.json` puts them in\n"
    "columns, `contend history add ALL.json` stores each. Every input's context is\n"
    "kept. Ratios mean something within one run on one machine: shards spread\n"
    "over different machines compare the machines, not the designs.\n"
    "\n",
    merge_groups,
    1,
    "\n"
    "Exit status: 0 ok, 2 bad input (unreadable, a cell in two shards of one run,\n"
    "the same run twice) or a write error.\n",
    .defaults = merge_defaults
};

void cmd_merge_help(FILE *f) { cli_help(f, &cmd_merge_spec); }

int cmd_merge(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_merge_spec, argc, argv, &res, &status)) return status;
    if (!res.npos) return cli_fail("merge", "name the result files to merge");
    if (!merge_a.out) return cli_fail("merge", "--out ALL.json is required");
    char err[ERRLEN] = "";
    json_t *warn = json_array();
    json_t *doc = res_merge(res.pos, res.npos, warn, err, sizeof err);
    size_t i;
    const json_t *w;
    json_array_foreach(warn, i, w)
        fprintf(stderr, "contend merge: warning: %s\n", json_string_value(w));
    json_decref(warn);
    if (!doc) return cli_fail("merge", err);
    const json_t *runs = json_object_get(doc, "runs");
    size_t nruns = json_is_array(runs) ? json_array_size(runs) : 1, ncells = 0;
    for (size_t r = 0; r < nruns; r++) {
        const json_t *run = json_is_array(runs) ? json_array_get(runs, r) : doc;
        ncells += json_array_size(json_object_get(run, "cells"));
    }
    int rc = res_write_json_atomic(merge_a.out, doc, err, sizeof err);
    json_decref(doc);
    if (rc) return cli_fail("merge", err);
    printf("contend merge: %zu file%s, %zu run%s, %zu cells -> %s\n", res.npos,
           res.npos == 1 ? "" : "s", nruns, nruns == 1 ? "" : "s", ncells, merge_a.out);
    return fflush(stdout) ? 2 : 0;
}
