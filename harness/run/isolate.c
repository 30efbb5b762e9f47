/* Isolation: every trial runs in a forked child process, in its own process
 * group, with stderr captured and a watchdog. A crash (a signal) or a hang
 * is recorded for that trial; the child is killed with all its threads and
 * the run goes on. SIGINT/SIGTERM kill the current child and stop the run
 * cleanly (the engine keeps what is done). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_util.h"
#include "run.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONTEND_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONTEND_ASAN 1
#endif
#endif
#ifndef CONTEND_ASAN
#define CONTEND_ASAN 0
#endif
#if CONTEND_ASAN
#include <sanitizer/lsan_interface.h>
#endif

static volatile sig_atomic_t stop_signal;

static void isolate_on_stop(int sig) { stop_signal = sig; }

/* flags: SA_RESETHAND while a trial runs in this process (--no-isolate):
   the first signal asks the run to stop after it, a second one kills. */
static void isolate_handlers(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = isolate_on_stop;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void run_install_stop_handlers(void) { isolate_handlers(0); }

const char *run_outcome_name(enum outcome o)
{
    switch (o) {
    case OUTCOME_OK: return "ok";
    case OUTCOME_CRASHED: return "crashed";
    case OUTCOME_TIMEOUT: return "timed out";
    case OUTCOME_ERROR: return "error";
    case OUTCOME_SKIPPED: return "skipped";
    }
    return "?";
}

const char *run_verdict_name(enum verdict v)
{
    return v == VERDICT_OK ? "ok" : v == VERDICT_FAIL ? "FAIL" : "n/a";
}

double run_trial_timeout(const struct run_opts *o, unsigned threads)
{
    if (o->cell_timeout > 0) return o->cell_timeout;
    /* generous: 30 s, plus 10 us per op or 3x the duration, plus 1 ms per
       thread to create; a slow sanitizer build is covered by the 30 s */
    double work = o->ops ? (double)o->ops * 10e-6 : o->duration * 3;
    return 30 + work + threads * 1e-3;
}

/* Keeps the last sizeof t->stderr_tail - 1 bytes of the child's stderr. */
static void isolate_keep_tail(struct trial *t, size_t *len, const char *buf, size_t k)
{
    size_t cap = sizeof t->stderr_tail - 1;
    if (k >= cap) {
        memcpy(t->stderr_tail, buf + k - cap, cap);
        *len = cap;
    } else {
        if (*len + k > cap) {
            size_t drop = *len + k - cap;
            memmove(t->stderr_tail, t->stderr_tail + drop, *len - drop);
            *len -= drop;
        }
        memcpy(t->stderr_tail + *len, buf, k);
        *len += k;
    }
    t->stderr_tail[*len] = '\0';
}

static void isolate_child(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                          int resfd, int errfd, pid_t parent)
{
    /* a trial dies with its run (a SIGKILLed parent has no watchdog left);
       if the parent died before this line, we were reparented already */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(4);
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    dup2(errfd, STDERR_FILENO);
    /* nothing of the parent's but the result pipe: a journal's descriptor
       would keep its lock alive in a trial that outlives the run */
    if (resfd > 3) close_range(3, (unsigned)resfd - 1, 0);
    close_range((unsigned)resfd + 1, ~0U, 0);
    struct trial t;
    char err[ERRLEN] = "";
    int rc = run_trial(o, impl, threads, &t, err, sizeof err);
    if (rc) {
        memset(&t, 0, sizeof t);
        t.outcome = OUTCOME_ERROR;
        t.verdict = VERDICT_FAIL;
        snprintf(t.note, sizeof t.note, "%s", err);
    }
    const char *p = (const char *)&t;
    size_t left = sizeof t;
    while (left) {
        ssize_t w = write(resfd, p, left);
        if (w <= 0) _exit(3);
        p += w;
        left -= (size_t)w;
    }
#if CONTEND_ASAN
    /* _exit skips LeakSanitizer's exit-time check: run it, so a leak in the
       code under test is reported (and the trial fails) in an ASan build */
    __lsan_do_leak_check();
#endif
    _exit(0);
}

/* A trial that ended in an error says why in its outcome detail (the note
   holds it; the cell's name, which it starts with, is known): "create
   failed: Cannot allocate memory", not only "error". */
static void isolate_error_detail(struct trial *t, const struct lab_impl *impl)
{
    const char *why = t->note;
    size_t fl = strlen(impl->family), nl = strlen(impl->name);
    if (!strncmp(why, impl->family, fl) && why[fl] == '/' && !strncmp(why + fl + 1, impl->name, nl)
        && why[fl + 1 + nl] == ':')
        why += fl + nl + 2 + (why[fl + nl + 2] == ' ');
    snprintf(t->outcome_detail, sizeof t->outcome_detail, "%.*s", (int)sizeof t->outcome_detail - 1,
             why); /* cut: the note keeps it whole */
}

/* In this process: a crash ends the run; SIGINT or SIGTERM stops it after
   this trial (a second one kills it). */
static int isolate_in_process(const struct run_opts *o, const struct lab_impl *impl,
                              unsigned threads, struct trial *t, char *err, size_t n)
{
    if (stop_signal) {
        snprintf(err, n, "interrupted by %s", strsignal(stop_signal));
        return -EINTR;
    }
    isolate_handlers(SA_RESETHAND);
    int rc = run_trial(o, impl, threads, t, err, n);
    isolate_handlers(0);
    if (!rc && stop_signal) {
        snprintf(err, n, "interrupted by %s", strsignal(stop_signal));
        return -EINTR;
    }
    return rc;
}

int run_isolated_trial(const struct run_opts *o, const struct lab_impl *impl, unsigned threads,
                       struct trial *t, char *err, size_t n)
{
    if (o->no_isolate) return isolate_in_process(o, impl, threads, t, err, n);
    int res[2], ep[2];
    if (pipe2(res, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
        snprintf(err, n, "pipe: %s", strerror(errno));
        return -errno;
    }
    fflush(NULL);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        int e = errno;
        snprintf(err, n, "fork: %s", strerror(e));
        close(res[0]);
        close(res[1]);
        close(ep[0]);
        close(ep[1]);
        return -e;
    }
    if (pid == 0) {
        close(res[0]);
        close(ep[0]);
        isolate_child(o, impl, threads, res[1], ep[1], parent);
    }
    setpgid(pid, pid); /* also in the parent: no race with kill() below */
    close(res[1]);
    close(ep[1]);

    memset(t, 0, sizeof *t);
    struct trial got;
    size_t have = 0, tail = 0;
    double limit = run_trial_timeout(o, threads);
    uint64_t deadline = lab_now_ns() + (uint64_t)(limit * 1e9);
    struct pollfd fds[2] = { { res[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
    int open_fds = 2, timed_out = 0, interrupted = 0;
    while (open_fds) {
        if (stop_signal) {
            interrupted = 1;
            break;
        }
        uint64_t now = lab_now_ns();
        if (now >= deadline) {
            timed_out = 1;
            break;
        }
        uint64_t wait_ms = (deadline - now) / 1000000 + 1;
        int pr = poll(fds, 2, wait_ms > 200 ? 200 : (int)wait_ms);
        if (pr < 0 && errno != EINTR) {
            timed_out = 1;
            break;
        } /* cannot watch: kill */
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            /* once the whole result is in, a read of 0 bytes ends the loop */
            ssize_t k = i == 0 ? read(fds[i].fd, (char *)&got + have, sizeof got - have)
                               : read(fds[i].fd, buf, sizeof buf);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                have += (size_t)k;
            } else {
                isolate_keep_tail(t, &tail, buf, (size_t)k);
            }
        }
    }
    if (timed_out || interrupted) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    char saved_tail[sizeof t->stderr_tail];
    memcpy(saved_tail, t->stderr_tail, sizeof saved_tail);

    if (interrupted) {
        snprintf(err, n, "interrupted by %s", strsignal(stop_signal));
        return -EINTR;
    }
    if (timed_out) {
        t->outcome = OUTCOME_TIMEOUT;
        snprintf(t->outcome_detail, sizeof t->outcome_detail, "after %.3g s", limit);
    } else if (WIFSIGNALED(st)) {
        t->outcome = OUTCOME_CRASHED;
        const char *abbrev = sigabbrev_np(WTERMSIG(st));
        snprintf(t->outcome_detail, sizeof t->outcome_detail, "SIG%s", abbrev ? abbrev : "?");
    } else if (have != sizeof got
               && (strstr(saved_tail, "Sanitizer") || strstr(saved_tail, "runtime error:"))) {
        /* under ASan/UBSan/TSan a fault is a report and an exit, not a signal */
        t->outcome = OUTCOME_CRASHED;
        snprintf(t->outcome_detail, sizeof t->outcome_detail, "%s",
                 strstr(saved_tail, "SEGV")                 ? "SIGSEGV"
                     : strstr(saved_tail, "runtime error:") ? "sanitizer: UBSan runtime error"
                                                            : "sanitizer report");
    } else if (have != sizeof got || WEXITSTATUS(st) != 0) {
        t->outcome = OUTCOME_ERROR;
        snprintf(t->outcome_detail, sizeof t->outcome_detail, "exit status %d, %zu bytes",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1, have);
    } else {
        *t = got;
        if (t->outcome == OUTCOME_ERROR && !t->outcome_detail[0]) isolate_error_detail(t, impl);
    }
    if (t->outcome != OUTCOME_OK) t->verdict = VERDICT_FAIL;
    memcpy(t->stderr_tail, saved_tail, sizeof saved_tail);
    return 0;
}
