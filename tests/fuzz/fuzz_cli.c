/* libFuzzer target: every subcommand's options. The first byte picks the
 * command (each cli_spec, run's option table, or an experiment's
 * overrides as reproduce and stress apply them); the rest is split into
 * argv at NUL and newline bytes. Parsing must never crash, leak or read out
 * of bounds, whatever it is given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "experiment.h"
#include "family.h"
#include "results.h"

static const char fuzz_ini[] = "[experiment]\nfamily = batcher\nimpl = mutex,spin\n"
                               "[run]\nthreads = 1,2\nreps = 3\n[quick]\nops = 10k\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!freopen("/dev/null", "w", stdout)) return 1; /* --help prints */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    size_t nspecs = 0;
    while (cli_specs[nspecs]) nspecs++;
    size_t pick = data[0] % (nspecs + 2);
    char *buf = malloc(size);
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[64] = { pick < nspecs ? (char *)cli_specs[pick]->name : "run" };
    int argc = 1;
    char *p = buf;
    for (size_t i = 0; i < size && argc < 63; i++)
        if (i == size - 1 || buf[i] == '\0' || buf[i] == '\n') {
            buf[i] = '\0';
            argv[argc++] = p;
            p = buf + i + 1;
        }
    argv[argc] = NULL;
    char err[ERRLEN];
    struct run_opts o;
    if (pick < nspecs) {
        struct opt_result res;
        int status;
        cli_parse(cli_specs[pick], argc, argv, &res, &status);
    } else if (pick == nspecs) {
        run_opts_parse(argc, argv, &o, err, sizeof err);
    } else {
        struct experiment e;
        if (res_experiment_load_string(fuzz_ini, "quick", &e, err, sizeof err) == 0) {
            res_experiment_opts(&e, (const char *const *)argv + 1, argc - 1, &o, err, sizeof err);
            res_experiment_free(&e);
        }
    }
    free(buf);
    return 0;
}
