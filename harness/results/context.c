/* The context recorded with every result: what was measured, where, how. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build_commit.h" /* generated at every build: scripts/build-commit */
#include "fiber.h"
#include "results.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif
#ifndef CONTEND_CFLAGS
#define CONTEND_CFLAGS ""
#endif
#ifndef CONTEND_BUILD_TYPE
#define CONTEND_BUILD_TYPE ""
#endif
#ifndef CONTEND_VERSION
#define CONTEND_VERSION "0"
#endif

/* The first line of f without its newline, or NULL when there is none. */
static char *context_line_of(FILE *f)
{
    char buf[256];
    char *r = fgets(buf, sizeof buf, f) ? strdup(buf) : NULL;
    if (r) r[strcspn(r, "\n")] = '\0';
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

/* First line of a command's output, or NULL. */
static char *context_first_line(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *r = context_line_of(p);
    pclose(p);
    return r;
}

static char *context_file_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *r = context_line_of(f);
    fclose(f);
    return r;
}

static json_t *context_str(char *s)
{
    json_t *j = s ? json_string(s) : json_null();
    free(s);
    return j ? j : json_null();
}

const char *res_context_build(int *dirty)
{
    *dirty = CONTEND_BUILT_DIRTY;
    return CONTEND_BUILT_COMMIT;
}

/* The command line as the user typed it (main() keeps it before any
   getopt permutes the arrays the subcommands parse). */
static int context_argc;
static char **context_argv;

void res_context_set_cmdline(int argc, char **argv)
{
    context_argc = argc;
    context_argv = argv;
}

/* The machine's topology through hwloc (run/topo.c). */
static json_t *context_topology(void)
{
    struct run_topo_info t;
    if (run_topo_info(&t)) return json_null();
    return json_pack("{s:s, s:i, s:i, s:i, s:i}", "cpu_model", t.cpu_model, "packages", t.packages,
                     "numa_nodes", t.numa_nodes, "cores", t.cores, "pus", t.pus);
}

struct json_t *res_context_json(int argc, char **argv, uint64_t seed, const double *loadavg_start)
{
    if (context_argv) {
        argc = context_argc;
        argv = context_argv;
    }
    json_t *ctx = json_object();
    char cmd[512];

    snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse --short=12 HEAD 2>/dev/null",
             CONTEND_SOURCE_DIR);
    char *commit = context_first_line(cmd);
    if (commit) {
        /* a modified tracked file, or any untracked file under impls/ (a
           dropped-in variant) */
        snprintf(cmd, sizeof cmd,
                 "{ git -C '%s' status --porcelain -uno; "
                 "git -C '%s' status --porcelain --untracked-files=all -- impls; } "
                 "2>/dev/null | head -1",
                 CONTEND_SOURCE_DIR, CONTEND_SOURCE_DIR);
        char *dirty = context_first_line(cmd);
        if (dirty) {
            char *c2 = malloc(strlen(commit) + 8);
            if (c2) {
                sprintf(c2, "%s-dirty", commit);
                free(commit);
                commit = c2;
            }
            free(dirty);
        }
    }
    /* no source tree at run time (a binary carried to another machine):
       the commit the binary was built from */
    int dirty;
    const char *built = res_context_build(&dirty);
    if (!commit && built[0]) {
        char b[64];
        snprintf(b, sizeof b, "%s%s-build", built, dirty ? "-dirty" : "");
        commit = strdup(b);
    }
    json_object_set_new(ctx, "commit", context_str(commit));
    /* the build's own commit and dirty state (history keys runs by them):
       "commit" above is the source tree's at run time, which differs when
       the tree was checked out or edited after the build */
    json_object_set_new(ctx, "build_commit", built[0] ? json_string(built) : json_null());
    json_object_set_new(ctx, "build_dirty", json_boolean(dirty));
    json_object_set_new(ctx, "version", json_string(CONTEND_VERSION));
    json_object_set_new(ctx, "compiler", json_string(__VERSION__));
    json_object_set_new(ctx, "cflags", json_string(CONTEND_CFLAGS));
    json_object_set_new(ctx, "build_type", json_string(CONTEND_BUILD_TYPE));

    struct utsname u;
    if (uname(&u) == 0) {
        char k[600];
        snprintf(k, sizeof k, "%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(ctx, "kernel", json_string(k));
        json_object_set_new(ctx, "host", json_string(u.nodename));
    }
    json_object_set_new(ctx, "topology", context_topology());
    json_object_set_new(ctx, "online_cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    /* the CPUs its affinity mask allows: what --threads cpus resolved to */
    json_object_set_new(ctx, "allowed_cpus", json_integer(run_fib_default_carriers()));
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0)
        json_object_set_new(ctx, "memory_bytes", json_integer((json_int_t)pages * psize));

    double load[3];
    if (getloadavg(load, 3) == 3) {
        const double *l = loadavg_start && loadavg_start[0] >= 0 ? loadavg_start : load;
        json_object_set_new(ctx, "loadavg", json_pack("[f,f,f]", l[0], l[1], l[2]));
        json_object_set_new(ctx, "loadavg_end", json_pack("[f,f,f]", load[0], load[1], load[2]));
    }
    json_object_set_new(
        ctx, "governor",
        context_str(context_file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")));
    json_object_set_new(ctx, "aslr",
                        context_str(context_file_line("/proc/sys/kernel/randomize_va_space")));
    /* whether hardware events open here, and the perf permission level */
    json_object_set_new(ctx, "pmu", json_boolean(run_ctr_have_pmu()));
    json_object_set_new(ctx, "perf_event_paranoid", json_integer(run_ctr_paranoid()));

    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(ctx, "date", json_string(date));
    json_object_set_new(ctx, "seed", json_integer((json_int_t)seed));

    json_t *cl = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(cl, json_string(argv[i]));
    json_object_set_new(ctx, "argv", cl);
    json_object_set_new(
        ctx, "note",
        json_string("threads are OS threads (pthreads, 64 KiB stacks), not goroutines"));
    return ctx;
}

void res_context_warn(FILE *f, const char *who)
{
    double load[1];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (getloadavg(load, 1) == 1 && cpus > 0 && load[0] > (double)cpus * 0.5)
        fprintf(f,
                "%s: warning: the machine is busy (load average %.2f on %ld CPUs): "
                "expect noisy numbers\n",
                who, load[0], cpus);
    char *gov = context_file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    if (gov && strcmp(gov, "performance") != 0)
        fprintf(f, "%s: warning: frequency scaling is on (governor '%s', not 'performance')\n", who,
                gov);
    free(gov);
}
