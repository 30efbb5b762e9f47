/* contend counters: what this machine can count, and why not. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_spec cmd_counters_spec = {
    "counters",
    "usage: contend counters [EVENT...]\n",
    "\n"
    "Lists the PMUs libpfm4 detects, then, for each event of the default set\n"
    "(what `run --counters default` opens) and each libpfm4 EVENT name given,\n"
    "whether perf_event_open opens it on this machine, and the reason if not:\n"
    "ENOENT (no PMU for it), EACCES (perf_event_paranoid), or an unknown name.\n"
    "Events that perf cannot give but getrusage(RUSAGE_THREAD) can are marked\n"
    "'getrusage'. See docs/counters.md.\n",
    NULL,
    0,
    "\n"
    "Exit status: 0 (the listing is a report, unknown names included), 2 bad usage.\n"
};

void cmd_counters_help(FILE *f) { cli_help(f, &cmd_counters_spec); }

static void counters_show(const char *name)
{
    struct ctr_event e;
    char err[ERRLEN];
    if (run_ctr_event_resolve(name, &e, err, sizeof err) != 0) {
        printf("  %-22s %-10s %-10s %s\n", name, "-", "unknown", e.reason[0] ? e.reason : err);
        return;
    }
    const char *status = e.perf_ok ? (e.user_only ? "perf (user)" : "perf")
        : e.ru                     ? "getrusage"
                                   : "n/a";
    printf("  %-22s %-10s %-10s %s%s%s\n", name, e.col, status, !e.perf_ok && e.ru ? "perf: " : "",
           e.reason, e.perf_ok && e.ru ? "(getrusage stands in past the fd limit)" : "");
}

int cmd_counters(int argc, char **argv)
{
    struct opt_result res;
    int status;
    if (cli_parse(&cmd_counters_spec, argc, argv, &res, &status)) return status;
    char err[ERRLEN], pmus[512];
    if (run_ctr_pfm_init(err, sizeof err) != 0) {
        printf("libpfm4: %s: no event can be resolved by name\n", err);
        return 0;
    }
    run_ctr_pmus(pmus, sizeof pmus);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("PMUs detected by libpfm4: %s\n", pmus[0] ? pmus : "(none)");
    printf("hardware counting through perf_event_open: %s\n",
           run_ctr_have_pmu() ? "yes" : "no (hardware events are n/a in runs)");
    printf("perf_event_paranoid: %d\n", run_ctr_paranoid());
    printf("RLIMIT_NOFILE: %llu (each counted event holds one fd per worker thread)\n",
           (unsigned long long)rl.rlim_cur);
    printf("\n  %-22s %-10s %-10s %s\n", "event", "column", "status", "reason");
    char list[CTR_MAX * CTR_NAMELEN], *save = NULL;
    snprintf(list, sizeof list, "%s", ctr_default_list);
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        counters_show(tok);
    for (size_t i = 0; i < res.npos; i++) counters_show(res.pos[i]);
    return fflush(stdout) ? 2 : 0;
}
