/* The progress line of a long run: on stderr, only when it is a terminal
 * (and not under CI), rewritten in place. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "run.h"

int run_progress_enabled(void)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(STDERR_FILENO) && !getenv("CI");
    return tty;
}

void run_progress(size_t done, size_t total, const char *what, double elapsed_s)
{
    if (!run_progress_enabled()) return;
    double eta = done ? elapsed_s / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s  elapsed %.0fs", done, total, what, elapsed_s);
    if (done) fprintf(stderr, "  ETA %.0fs", eta);
    fflush(stderr);
}

void run_progress_done(void)
{
    if (run_progress_enabled()) fputs("\r\033[K", stderr);
}
