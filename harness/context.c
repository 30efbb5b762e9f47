/* The context recorded with every result: what was measured, where, how. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif
#ifndef CONTEND_CFLAGS
#define CONTEND_CFLAGS ""
#endif
#ifndef CONTEND_BUILD_TYPE
#define CONTEND_BUILD_TYPE ""
#endif
#ifndef CONTEND_BUILD_COMMIT
#define CONTEND_BUILD_COMMIT ""
#endif
#ifndef CONTEND_VERSION
#define CONTEND_VERSION "0"
#endif

/* The first line of f without its newline, or NULL when there is none. */
static char *line_of(FILE *f)
{
    char buf[256];
    char *r = fgets(buf, sizeof buf, f) ? strdup(buf) : NULL;
    if (r) r[strcspn(r, "\n")] = '\0';
    if (r && !*r) { free(r); r = NULL; }
    return r;
}

/* First line of a command's output, or NULL. */
static char *first_line(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *r = line_of(p);
    pclose(p);
    return r;
}

static char *read_file_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *r = line_of(f);
    fclose(f);
    return r;
}

static json_t *str_or_null(char *s)
{
    json_t *j = s ? json_string(s) : json_null();
    free(s);
    return j ? j : json_null();
}

/* The load average when the run started: at the end, a run of 10,000
   threads has raised it itself. */
static double start_load[3];
static int start_marked;

void context_mark_start(void)
{
    if (!start_marked && getloadavg(start_load, 3) == 3) start_marked = 1;
}

/* The command line as the user typed it (main() keeps it before any
   getopt permutes the arrays the subcommands parse). */
static int cmd_argc;
static char **cmd_argv;

void context_set_cmdline(int argc, char **argv)
{
    cmd_argc = argc;
    cmd_argv = argv;
}

struct json_t *context_json(int argc, char **argv, uint64_t seed)
{
    if (cmd_argv) {
        argc = cmd_argc;
        argv = cmd_argv;
    }
    json_t *ctx = json_object();
    char cmd[512];

    snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse --short=12 HEAD 2>/dev/null", CONTEND_SOURCE_DIR);
    char *commit = first_line(cmd);
    if (commit) {
        snprintf(cmd, sizeof cmd,
                 "git -C '%s' status --porcelain -uno 2>/dev/null | head -1", CONTEND_SOURCE_DIR);
        char *dirty = first_line(cmd);
        if (dirty) {
            char *c2 = malloc(strlen(commit) + 8);
            if (c2) { sprintf(c2, "%s-dirty", commit); free(commit); commit = c2; }
            free(dirty);
        }
    }
    /* no source tree at run time (a binary carried to another machine):
       the commit the build was configured from */
    if (!commit && CONTEND_BUILD_COMMIT[0]) commit = strdup(CONTEND_BUILD_COMMIT "-build");
    json_object_set_new(ctx, "commit", str_or_null(commit));
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
    json_object_set_new(ctx, "topology", topo_json());
    json_object_set_new(ctx, "online_cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));

    double load[3];
    if (getloadavg(load, 3) == 3) {
        const double *l = start_marked ? start_load : load;
        json_object_set_new(ctx, "loadavg", json_pack("[f,f,f]", l[0], l[1], l[2]));
        json_object_set_new(ctx, "loadavg_end", json_pack("[f,f,f]", load[0], load[1], load[2]));
    }
    json_object_set_new(ctx, "governor",
        str_or_null(read_file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")));
    json_object_set_new(ctx, "aslr",
        str_or_null(read_file_line("/proc/sys/kernel/randomize_va_space")));
    /* whether hardware events open here, and the perf permission level */
    json_object_set_new(ctx, "pmu", json_boolean(ctr_have_pmu()));
    json_object_set_new(ctx, "perf_event_paranoid", json_integer(ctr_paranoid()));

    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(ctx, "date", json_string(date));
    json_object_set_new(ctx, "seed", json_integer((json_int_t)seed));

    json_t *cl = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(cl, json_string(argv[i]));
    json_object_set_new(ctx, "argv", cl);
    json_object_set_new(ctx, "note",
        json_string("threads are OS threads (pthreads, 64 KiB stacks), not goroutines"));
    return ctx;
}

void context_warn(FILE *f, const char *who)
{
    double load[1];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (getloadavg(load, 1) == 1 && cpus > 0 && load[0] > (double)cpus * 0.5)
        fprintf(f, "%s: warning: the machine is busy (load average %.2f on %ld CPUs): "
                "expect noisy numbers\n", who, load[0], cpus);
    char *gov = read_file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    if (gov && strcmp(gov, "performance") != 0)
        fprintf(f, "%s: warning: frequency scaling is on (governor '%s', not 'performance')\n",
                who, gov);
    free(gov);
}
