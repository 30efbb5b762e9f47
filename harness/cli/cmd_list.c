/* contend list: the registered families and their implementations. */
#include <string.h>

#include "cli.h"
#include "family.h"

const struct cli_spec cmd_list_spec = {
    "list",
    "usage: contend list [FAMILY]\n",
    "\n"
    "Lists every registered implementation (one line each: name, origin,\n"
    "capabilities, summary), family by family. Implementations are the files in\n"
    "impls/<family>/; families are the drivers in harness/families/.\n",
    NULL,
    0,
    NULL
};

void cmd_list_help(FILE *f) { cli_help(f, &cmd_list_spec); }

static void list_caps(unsigned caps, char *buf, size_t n)
{
    static const struct {
        unsigned bit;
        char c;
    } flags[] = {
        { LAB_CAP_TIMEOUT, 'T' },    { LAB_CAP_BACKPRESSURE, 'B' },  { LAB_CAP_OWN_THREADS, 'W' },
        { LAB_CAP_DISCARDS, 'D' },   { LAB_CAP_PARALLEL_SCAN, 'P' }, { LAB_CAP_THREADS_ONLY, 'O' },
        { LAB_CAP_NO_OVERSUB, 'F' },
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof flags / sizeof *flags && k + 1 < n; i++)
        buf[k++] = caps & flags[i].bit ? flags[i].c : '-';
    buf[k] = '\0';
}

int cmd_list(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_list_spec, argc, argv, &res, &status)) return status;
    if (res.npos > 1) {
        char msg[128];
        snprintf(msg, sizeof msg, "unexpected argument '%.60s'", res.pos[1]);
        return cli_fail("list", msg);
    }
    const char *only = res.npos ? res.pos[0] : NULL;
    if (only && !run_family_find(only)) {
        char msg[128];
        snprintf(msg, sizeof msg, "unknown family '%.60s'", only);
        return cli_fail("list", msg);
    }
    for (size_t f = 0; fam_registry[f]; f++) {
        const char *fam = fam_registry[f]->name;
        if (only && strcmp(only, fam) != 0) continue;
        const struct lab_impl *impls[MAX_LIST];
        size_t k = run_registry_list(fam, impls, MAX_LIST);
        size_t nu = 0;
        for (size_t i = 0; lab_unavailable[i].family; i++)
            nu += !strcmp(lab_unavailable[i].family, fam);
        if (nu)
            printf("%s (%zu; %zu not built here)\n", fam, k, nu);
        else
            printf("%s (%zu)\n", fam, k);
        for (size_t i = 0; i < k && i < MAX_LIST; i++) {
            char caps[16], name[64];
            list_caps(impls[i]->caps, caps, sizeof caps);
            snprintf(name, sizeof name, "%s/%s", fam, impls[i]->name);
            printf("  %-20s %-22s %s  %s\n", name, impls[i]->origin, caps, impls[i]->summary);
            for (const struct lab_param *p = impls[i]->params; p && p->name; p++)
                printf("  %-20s param %s = %g%s [%g, %g]: %s\n", "", p->name, p->def,
                       p->integer ? " (integer)" : "", p->min, p->max, p->help);
        }
    }
    for (size_t i = 0; lab_unavailable[i].family; i++)
        if (!only || !strcmp(only, lab_unavailable[i].family))
            printf("  %s/%-*s not built here: %s\n", lab_unavailable[i].family,
                   (int)(19 - strlen(lab_unavailable[i].family)), lab_unavailable[i].name,
                   lab_unavailable[i].needs);
    printf(
        "caps: T timeout, B back-pressure, W own worker threads, D discards, P parallel scan,\n"
        "      O threads-only, F FIFO spinning (oversubscribed: fixed time, up to 4x the CPUs)\n");
    return fflush(stdout) ? 2 : 0;
}
