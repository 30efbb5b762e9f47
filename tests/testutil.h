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

/* Counts lines in s (a trailing newline does not start a new line). */
static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n') n++;
    return n;
}

#endif
