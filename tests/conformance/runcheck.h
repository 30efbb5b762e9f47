/* Runs a program (contend-check, contend) from a test and keeps what it
 * printed: shared by the Criterion suites and the TSan suite (which links
 * no instrumented code, so this is a header of static functions). */
#ifndef CONTEND_RUNCHECK_H
#define CONTEND_RUNCHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Runs cmd through the shell with stderr joined to stdout; the output's
   last len - 1 bytes in out. The exit status, or 128 + the signal. */
static inline int runcheck(const char *cmd, char *out, size_t len)
{
    char full[2048];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    if (!f) {
        snprintf(out, len, "popen failed: %s", full);
        return -1;
    }
    size_t n = 0, cap = 0;
    char *all = NULL, buf[4096];
    for (size_t k; (k = fread(buf, 1, sizeof buf, f)) > 0; n += k) {
        if (n + k > cap) {
            char *more = realloc(all, cap = 2 * (n + k));
            if (!more) break;
            all = more;
        }
        memcpy(all + n, buf, k);
    }
    size_t keep = n < len - 1 ? n : len - 1;
    if (keep) memcpy(out, all + n - keep, keep);
    free(all);
    n = keep;
    out[n] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
