/* contend list: the registered implementations, by family. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char list_usage[] =
"usage: contend list [FAMILY]\n"
"\n"
"Lists every registered implementation (one line each: name, origin,\n"
"capabilities, summary). Implementations are the files in impls/<family>/.\n";

static void caps_string(unsigned caps, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", caps & LAB_CAP_TIMEOUT ? "T" : "-",
             caps & LAB_CAP_BACKPRESSURE ? "B" : "-", caps & LAB_CAP_OWN_THREADS ? "W" : "-",
             caps & LAB_CAP_DISCARDS ? "D" : "-", caps & LAB_CAP_PARALLEL_SCAN ? "P" : "-");
}

int cmd_list(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(list_usage, stdout);
            return 0;
        }
        if (argv[i][0] == '-' || only) {
            fprintf(stderr, "contend list: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
        only = argv[i];
    }
    if (only && !family_known(only)) {
        fprintf(stderr, "contend list: unknown family '%s'\n", only);
        return 2;
    }
    for (size_t f = 0; lab_families[f]; f++) {
        if (only && strcmp(only, lab_families[f]) != 0) continue;
        const struct lab_impl *impls[MAX_LIST];
        size_t k = registry_list(lab_families[f], impls, MAX_LIST);
        printf("%s (%zu)\n", lab_families[f], k);
        for (size_t i = 0; i < k && i < MAX_LIST; i++) {
            char caps[8], name[64];
            caps_string(impls[i]->caps, caps, sizeof caps);
            snprintf(name, sizeof name, "%s/%s", lab_families[f], impls[i]->name);
            printf("  %-20s %-22s %s  %s\n", name, impls[i]->origin, caps, impls[i]->summary);
        }
    }
    printf("caps: T timeout, B back-pressure, W own worker threads, D discards, P parallel scan\n");
    return 0;
}
