/* Helpers of the hostile-input suites (tests/test_hostile*.c): start
 * contend in the background, wait with a bound, write the fixture files.
 * (run_contend_with in testutil.h runs it with a chosen stdout and limits.) */
#ifndef CONTEND_HOSTILE_H
#define CONTEND_HOSTILE_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static inline double hx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts contend in the background: stdout to /dev/null, stderr to errfile. */
static inline pid_t hx_start(const struct spawn_opts *o, const char *const *args,
                             const char *errfile)
{
    static const struct spawn_opts none;
    if (!o) o = &none;
    int out = open("/dev/null", O_WRONLY);
    int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = fork();
    if (pid == 0) spawn_child(o, out, err, args);
    close(out);
    close(err);
    return pid;
}

/* Its exit status (128 + signal when killed), or -1 after timeout_s (then
   it is killed and reaped). */
static inline int hx_wait(pid_t pid, double timeout_s)
{
    double end = hx_now() + timeout_s;
    int st;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (hx_now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(20000);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 1 once path exists, 0 after timeout_s. */
static inline int hx_wait_file(const char *path, double timeout_s)
{
    for (double end = hx_now() + timeout_s; hx_now() < end; usleep(20000))
        if (access(path, F_OK) == 0) return 1;
    return 0;
}

static inline void hx_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/contend-hostile-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static inline void hx_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* A result file of two cells (mutex, spin; 1 thread) of 5 trials each;
   first_trial_extra (JSON members) is appended to the first trial, so it
   overrides what is there. */
static inline void hx_result(const char *path, const char *first_trial_extra)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fprintf(f,
            "{\"schema\": \"contend-result\", \"schema_version\": 2, \"context\": {\"host\": "
            "\"h\", \"date\": \"2026-01-01T00:00:00Z\", \"kernel\": \"Linux\"}, \"cells\": [");
    const char *impls[] = { "mutex", "spin" };
    for (int c = 0; c < 2; c++) {
        fprintf(f, "%s{\"family\": \"batcher\", \"impl\": \"%s\", \"threads\": 1, \"trials\": [",
                c ? ", " : "", impls[c]);
        for (int t = 0; t < 5; t++)
            fprintf(f,
                    "%s{\"seconds\": 0.5, \"ops\": 1000, \"ops_per_s\": %d, \"ns_per_op\": %g%s%s}",
                    t ? ", " : "", 2000 + 10 * t + c, 1e9 / (2000 + 10 * t + c),
                    !c && !t && first_trial_extra ? ", " : "",
                    !c && !t && first_trial_extra ? first_trial_extra : "");
        fprintf(f, "]}");
    }
    fprintf(f, "]}\n");
    cr_assert_eq(fclose(f), 0);
}

/* How many times needle occurs in s. */
static inline int hx_count(const char *s, const char *needle)
{
    int k = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) k++;
    return k;
}

#endif
