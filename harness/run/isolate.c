/* Isolation: every trial runs in a forked child process, in its own process
 * group, with stderr captured and a watchdog. A crash (a signal), a
 * sanitizer's report or a hang is recorded for that trial; the child is
 * killed with all its threads and the run goes on. SIGINT/SIGTERM kill the
 * current child and stop the run cleanly (the engine keeps what is done).
 *
 * The watchdog samples the progress the child publishes (struct run_beat,
 * a shared mapping: the phase, and every worker's ops so far). Nothing
 * moving for the stall time is "no progress for N s" (stuck: a deadlock, a
 * lost wake-up, a close() that never returns), killed early; still moving
 * at the limit is "still running at the limit" (slow: e.g. a FIFO lock far
 * past the cores). contend-check watches each conformance check the same
 * way. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "family.h"
#include "lab_util.h"

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

/* Keeps the last sizeof out->tail - 1 bytes of the child's stderr. */
static void isolate_keep_tail(struct run_watched *out, size_t *len, const char *buf, size_t k)
{
    size_t cap = sizeof out->tail - 1;
    if (k >= cap) {
        memcpy(out->tail, buf + k - cap, cap);
        *len = cap;
    } else {
        if (*len + k > cap) {
            size_t drop = *len + k - cap;
            memmove(out->tail, out->tail + drop, *len - drop);
            *len -= drop;
        }
        memcpy(out->tail + *len, buf, k);
        *len += k;
    }
    out->tail[*len] = '\0';
}

/* A sanitizer's report line ("==1==ERROR: AddressSanitizer: heap-use-after-free
   on address ...", "WARNING: ThreadSanitizer: data race (pid=1)", "ERROR:
   LeakSanitizer: detected memory leaks", "x.c:3:5: runtime error: ...") as
   "heap-use-after-free (AddressSanitizer)"; 0 when line is none. */
static int isolate_report_kind(const char *line, char *kind, size_t n)
{
    const char *p = strstr(line, "Sanitizer: ");
    if (p && (strstr(line, "ERROR: ") || strstr(line, "WARNING: "))) {
        const char *san = p;
        while (san > line && san[-1] != ' ') san--;
        int sl = (int)(p + 9 - san);
        const char *k = p + 11;
        size_t kl = strcspn(k, "\n");
        static const char *const ends[] = { " on ", " (", " in ", " at ", ":" };
        for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
            const char *e = strstr(k, ends[i]);
            if (e && (size_t)(e - k) < kl) kl = (size_t)(e - k);
        }
        if (!strncmp(k, "detected memory leaks", 21))
            snprintf(kind, n, "leak (%.*s)", sl, san);
        else if (!strncmp(k, "SEGV", 4) || !strncmp(k, "BUS", 3))
            snprintf(kind, n, "SIG%.*s (%.*s)", k[0] == 'S' ? 4 : 3, k, sl, san);
        else if (!strncmp(k, "attempting ", 11))
            snprintf(kind, n, "%.*s (%.*s)", (int)(kl > 11 ? kl - 11 : kl), k + 11, sl, san);
        else
            snprintf(kind, n, "%.*s (%.*s)", (int)kl, k, sl, san);
        return 1;
    }
    if ((p = strstr(line, "runtime error: ")) != NULL) {
        snprintf(kind, n, "UBSan: %.*s", (int)strcspn(p + 15, "\n"), p + 15);
        return 1;
    }
    return 0;
}

/* Feeds stderr bytes to the report scanner, line by line; the first report
   seen names the fault. */
struct isolate_lines {
    char line[512];
    size_t len;
    char kind[48];
};

static void isolate_scan(struct isolate_lines *l, const char *buf, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (buf[i] != '\n' && l->len < sizeof l->line - 1) {
            l->line[l->len++] = buf[i];
            continue;
        }
        if (buf[i] != '\n') continue; /* an over-long line: keep its start */
        l->line[l->len] = '\0';
        if (!l->kind[0]) isolate_report_kind(l->line, l->kind, sizeof l->kind);
        l->len = 0;
    }
}

static uint64_t isolate_beat_sum(const struct run_beat *b)
{
    struct run_beat *m = (struct run_beat *)b;
    uint64_t s = atomic_load_explicit(&m->phase, memory_order_relaxed) * 0x9e3779b97f4a7c15ULL
        + atomic_load_explicit(&m->ticks, memory_order_relaxed);
    for (unsigned i = 0; i < m->nslots; i++)
        s += atomic_load_explicit(run_beat_slot(m, i), memory_order_relaxed);
    return s;
}

static size_t isolate_beat_size(unsigned nslots)
{
    return sizeof(struct run_beat) + (size_t)nslots * sizeof(struct run_beat_slot);
}

struct run_beat *run_beat_new(unsigned nslots, int shared)
{
    if (!nslots) nslots = 1;
    struct run_beat *b = mmap(NULL, isolate_beat_size(nslots), PROT_READ | PROT_WRITE,
                              (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) return NULL;
    b->nslots = nslots; /* the rest is zero */
    return b;
}

void run_beat_free(struct run_beat *b)
{
    if (b) munmap(b, isolate_beat_size(b->nslots));
}

const char *run_phase_name(unsigned phase)
{
    static const char *const names[] = { "",        "setup",     "thread start", "work", "finish",
                                         "close()", "the check", "destroy()",    "exit" };
    return phase < sizeof names / sizeof *names ? names[phase] : "";
}

int run_watch_write(int fd, const void *buf, size_t n)
{
    for (const char *p = buf; n;) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void isolate_child(void (*fn)(void *, int), void *arg, int resfd, int errfd, pid_t parent)
{
    /* a child dies with its run (a SIGKILLed parent has no watchdog left);
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
    fn(arg, resfd);
#if CONTEND_ASAN
    /* _exit skips LeakSanitizer's exit-time check: run it, so a leak in the
       code under test is reported (and the child fails) in an ASan build */
    __lsan_do_leak_check();
#endif
    _exit(0);
}

/* Why the watchdog killed the child, from what it last saw. */
static void isolate_hang_detail(const struct run_watch *w, int stuck, struct run_watched *out)
{
    unsigned phase = w->beat ? (unsigned)atomic_load(&w->beat->phase) : 0;
    if (!stuck && w->blind_phase && phase == w->blind_phase) {
        snprintf(out->detail, sizeof out->detail, "at the %.3g s limit in %s (not counted)",
                 w->limit_s, run_phase_name(phase));
        return;
    }
    if (!stuck) {
        snprintf(out->detail, sizeof out->detail, "still running at the %.3g s limit", w->limit_s);
        return;
    }
    const char *ph = run_phase_name(phase);
    snprintf(out->detail, sizeof out->detail, "no progress for %.3g s%s%s", w->stall_s,
             *ph ? " in " : "", ph);
}

int run_watch_child(const struct run_watch *w, void (*fn)(void *arg, int resfd), void *arg,
                    struct run_watched *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    int res[2], ep[2];
    if (pipe2(res, O_CLOEXEC)) {
        snprintf(err, n, "pipe: %s", strerror(errno));
        return -errno;
    }
    if (pipe2(ep, O_CLOEXEC)) {
        int e = errno;
        close(res[0]);
        close(res[1]);
        snprintf(err, n, "pipe: %s", strerror(e));
        return -e;
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
        isolate_child(fn, arg, res[1], ep[1], parent);
    }
    setpgid(pid, pid); /* also in the parent: no race with kill() below */
    close(res[1]);
    close(ep[1]);

    size_t tail = 0;
    struct isolate_lines lines = { .len = 0 };
    uint64_t start = lab_now_ns(), deadline = start + (uint64_t)(w->limit_s * 1e9);
    uint64_t last_sum = w->beat ? isolate_beat_sum(w->beat) : 0, last_move = start;
    struct pollfd fds[2] = { { res[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
    int open_fds = 2, hung = 0, stuck = 0, interrupted = 0;
    while (open_fds) {
        if (stop_signal) {
            interrupted = 1;
            break;
        }
        uint64_t now = lab_now_ns();
        if (w->beat) {
            uint64_t sum = isolate_beat_sum(w->beat);
            if (sum != last_sum) last_sum = sum, last_move = now;
        }
        if (w->beat && w->stall_s > 0 && now - last_move >= (uint64_t)(w->stall_s * 1e9)
            && !(w->blind_phase && atomic_load(&w->beat->phase) == w->blind_phase)) {
            hung = stuck = 1;
            break;
        }
        if (now >= deadline) {
            hung = 1;
            break;
        }
        uint64_t wait_ms = (deadline - now) / 1000000 + 1;
        int pr = poll(fds, 2, wait_ms > 200 ? 200 : (int)wait_ms);
        if (pr < 0 && errno != EINTR) {
            hung = 1;
            break;
        } /* cannot watch: kill */
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            /* once the whole result is in, a read of 0 bytes ends the loop */
            ssize_t k = i == 0
                ? read(fds[i].fd, (char *)w->result + out->have, w->result_size - out->have)
                : read(fds[i].fd, buf, sizeof buf);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                out->have += (size_t)k;
            } else {
                isolate_keep_tail(out, &tail, buf, (size_t)k);
                isolate_scan(&lines, buf, (size_t)k);
            }
        }
    }
    if (hung || interrupted) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    isolate_scan(&lines, "\n", 1); /* a last line without its newline */

    if (interrupted) {
        snprintf(err, n, "interrupted by %s", strsignal(stop_signal));
        return -EINTR;
    }
    if (hung) {
        out->outcome = OUTCOME_TIMEOUT;
        isolate_hang_detail(w, stuck, out);
    } else if (lines.kind[0]) {
        /* under the sanitizers a fault is a report, then an exit or abort */
        out->outcome = OUTCOME_CRASHED;
        snprintf(out->detail, sizeof out->detail, "%s", lines.kind);
    } else if (WIFSIGNALED(st)) {
        out->outcome = OUTCOME_CRASHED;
        const char *abbrev = sigabbrev_np(WTERMSIG(st));
        snprintf(out->detail, sizeof out->detail, "SIG%s", abbrev ? abbrev : "?");
    } else if (out->have != w->result_size || WEXITSTATUS(st) != 0) {
        out->outcome = OUTCOME_ERROR;
        snprintf(out->detail, sizeof out->detail, "exit status %d, %zu bytes",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1, out->have);
    } else {
        out->outcome = OUTCOME_OK;
    }
    return 0;
}

/* Stuck: nothing moved for a third of the limit, at least 10 s (a thread
   on this loaded 2-CPU machine can wait seconds for a CPU), at most 30 s. */
static double isolate_stall(double limit)
{
    double s = limit / 3;
    s = s < 10 ? 10 : s > 30 ? 30 : s;
    return s < limit ? s : limit;
}

struct isolate_trial {
    const struct run_opts *o;
    const struct lab_impl *impl;
    unsigned threads;
    struct run_beat *beat;
};

static void isolate_trial_child(void *arg, int resfd)
{
    const struct isolate_trial *a = arg;
    struct trial t;
    char err[ERRLEN] = "";
    int rc = run_trial_beat(a->o, a->impl, a->threads, &t, a->beat, err, sizeof err);
    if (rc) {
        memset(&t, 0, sizeof t);
        t.outcome = OUTCOME_ERROR;
        t.verdict = VERDICT_FAIL;
        snprintf(t.note, sizeof t.note, "%s", err);
    }
    if (run_watch_write(resfd, &t, sizeof t)) _exit(3);
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
    struct isolate_trial a = { o, impl, threads, run_beat_new(threads, 1) };
    if (!a.beat) {
        snprintf(err, n, "out of memory for the watchdog of %u threads", threads);
        return -ENOMEM;
    }
    struct trial got;
    double limit = run_trial_timeout(o, threads);
    struct run_watch w = { limit,  isolate_stall(limit),
                           a.beat, o->fam->flags & FAM_F_BEATS ? 0 : RUN_PH_WORK,
                           &got,   sizeof got };
    struct run_watched *res = malloc(sizeof *res);
    int rc = res ? run_watch_child(&w, isolate_trial_child, &a, res, err, n) : -ENOMEM;
    run_beat_free(a.beat);
    if (rc) {
        if (rc == -ENOMEM) snprintf(err, n, "out of memory");
        free(res);
        return rc;
    }
    memset(t, 0, sizeof *t);
    if (res->outcome == OUTCOME_OK) { /* the child's own trial, an error included */
        *t = got;
        if (t->outcome == OUTCOME_ERROR && !t->outcome_detail[0]) isolate_error_detail(t, impl);
    } else {
        t->outcome = res->outcome;
        snprintf(t->outcome_detail, sizeof t->outcome_detail, "%s", res->detail);
    }
    if (t->outcome != OUTCOME_OK) t->verdict = VERDICT_FAIL;
    memcpy(t->stderr_tail, res->tail, sizeof t->stderr_tail);
    free(res);
    return 0;
}
