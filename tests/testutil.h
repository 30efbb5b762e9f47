/* Helpers shared by the test suites. */
#ifndef CONTEND_TESTUTIL_H
#define CONTEND_TESTUTIL_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <string.h>

#include "family.h"
#include "results.h"

/* Runs the contend binary with args (NULL-terminated); captures output. */
struct proc_result {
    int status; /* exit status, or 128 + signal */
    char out[16384];
    char err[16384];
};
int run_contend(struct proc_result *r, const char *const *args);
/* The same for any program (bin: its path). */
int run_program(struct proc_result *r, const char *bin, const char *const *args);
/* The same with a chosen binary, stdout, file size limit or directory. */
struct spawn_opts {
    const char *bin;       /* CONTEND_BIN when NULL */
    const char *stdout_to; /* a path opened as stdout (/dev/full); NULL: captured */
    int stdout_gone;       /* stdout: a pipe whose reader has closed it */
    long fsize;            /* > 0: RLIMIT_FSIZE in bytes, with SIGXFSZ ignored */
    const char *cwd;
};
int run_contend_with(struct proc_result *r, const struct spawn_opts *o, const char *const *args);
/* In a forked child: stdin from /dev/null, stdout and stderr to out_fd and
   err_fd (unless o says otherwise), o's limits, then exec; never returns. */
void spawn_child(const struct spawn_opts *o, int out_fd, int err_fd, const char *const *args);

/* Forks; the child sends stderr (and stdout too when both, else stdout to
   /dev/null) into out and runs child(arg), which must not return. The
   child's exit status, or 128 + signal. */
int fork_capture(void (*child)(void *arg), void *arg, int both, char *out, size_t n);
/* A whole file, NUL-terminated (malloc'd; NULL if unreadable); its length. */
char *read_file(const char *path, size_t *len);
/* rm -r dir, never following a symbolic link. */
void remove_tree(const char *dir);

/* Counts lines in s (a trailing newline does not start a new line). */
static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n') n++;
    return n;
}

#endif
