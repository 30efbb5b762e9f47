/* Counters: events opened by name through libpfm4 and perf_event_open, per
 * thread, with getrusage(RUSAGE_THREAD) standing in for the software events
 * it can give (context switches, page faults, CPU time). Only this file
 * includes the perf headers (libpfm4's clashes with <linux/perf_event.h>). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counters.h"

const char ctr_default_list[] =
    "cycles,instructions,LLC-load-misses,branch-misses,context-switches,page-faults,task-clock";

/* ---------------- process-wide set-up, once ------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int pfm_rc;

static void counters_init_once_fn(void)
{
    pfm_rc = pfm_initialize();
    /* Each worker thread may hold a few perf fds: allow as many as we may. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int run_ctr_pfm_init(char *err, size_t n)
{
    pthread_once(&init_once, counters_init_once_fn);
    if (pfm_rc == PFM_SUCCESS) return 0;
    snprintf(err, n, "libpfm4 initialisation failed: %s", pfm_strerror(pfm_rc));
    return -ENOSYS;
}

void run_ctr_pmus(char *buf, size_t n)
{
    char err[256];
    size_t len = 0;
    buf[0] = '\0';
    if (run_ctr_pfm_init(err, sizeof err)) return;
    int pmu;
    pfm_for_all_pmus(pmu)
    {
        pfm_pmu_info_t pi;
        memset(&pi, 0, sizeof pi);
        pi.size = sizeof pi;
        if (pfm_get_pmu_info(pmu, &pi) != PFM_SUCCESS || !pi.is_present) continue;
        int k = snprintf(buf + len, n - len, "%s%s", len ? "," : "", pi.name);
        if (k < 0 || (size_t)k >= n - len) break;
        len += (size_t)k;
    }
}

int run_ctr_paranoid(void)
{
    char buf[32], *end;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    long v = -100;
    if (f) {
        if (fgets(buf, sizeof buf, f)) {
            v = strtol(buf, &end, 10);
            if (end == buf) v = -100;
        }
        fclose(f);
    }
    return (int)v;
}

/* ---------------- naming --------------------------------------------------- */

struct known {
    uint32_t type;
    uint64_t config;
    const char *key, *col;
    enum ctr_ru ru;
};

/* Short names for the events of the default set and their relatives. */
static const struct known known[] = {
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "cycles", "cyc/op", CTR_RU_NONE },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "instructions", "ins/op", CTR_RU_NONE },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "cache_misses", "cmiss/op", CTR_RU_NONE },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, "branch_misses", "brmiss/op", CTR_RU_NONE },
    { PERF_TYPE_HW_CACHE,
      PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8)
          | ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16),
      "llc_misses", "llc/op", CTR_RU_NONE },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context_switches", "cs/op", CTR_RU_CSW },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page_faults", "pf/op", CTR_RU_FAULTS },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, "minor_faults", "minf/op", CTR_RU_MINFLT },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "major_faults", "majf/op", CTR_RU_MAJFLT },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "task_clock_ns", "task-ms", CTR_RU_CPU_NS },
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu_clock_ns", "cpu-ms", CTR_RU_CPU_NS },
};

static void counters_name_event(struct ctr_event *e)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].type == e->type && known[i].config == e->config) {
            snprintf(e->key, sizeof e->key, "%s", known[i].key);
            snprintf(e->col, sizeof e->col, "%s", known[i].col);
            e->ru = known[i].ru;
            return;
        }
    /* Anything else: the name, lower-cased, [a-z0-9_] only. */
    size_t k = 0;
    for (const char *p = e->name; *p && k + 1 < sizeof e->key; p++)
        e->key[k++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    e->key[k] = '\0';
    snprintf(e->col, sizeof e->col, "%.9s", e->key);
    e->ru = CTR_RU_NONE;
}

int run_ctr_event_is_time(const struct ctr_event *e)
{
    return e->type == PERF_TYPE_SOFTWARE
        && (e->config == PERF_COUNT_SW_TASK_CLOCK || e->config == PERF_COUNT_SW_CPU_CLOCK);
}

/* ---------------- resolve and probe --------------------------------------- */

static void counters_fill_attr(const struct ctr_event *e, struct perf_event_attr *a)
{
    memset(a, 0, sizeof *a);
    a->size = sizeof *a;
    a->type = e->type;
    a->config = e->config;
    a->config1 = e->config1;
    a->config2 = e->config2;
    a->exclude_kernel = e->exclude_kernel;
    a->exclude_hv = e->exclude_hv;
    a->exclude_user = e->exclude_user;
    a->disabled = 1;
    a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
}

/* perf_event_open on the calling thread, any CPU. fd or -errno. */
static int counters_open_self(const struct ctr_event *e)
{
    struct perf_event_attr a;
    counters_fill_attr(e, &a);
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

static void counters_explain(struct ctr_event *e, int errnum)
{
    const char *sys = strerrorname_np(errnum);
    if (!sys) sys = "error";
    switch (errnum) {
    case ENOENT:
        snprintf(e->reason, sizeof e->reason, "ENOENT: no PMU for this event on this machine%s",
                 e->type == PERF_TYPE_SOFTWARE ? "" : " (hardware counters absent)");
        break;
    case EACCES:
    case EPERM:
        snprintf(e->reason, sizeof e->reason,
                 "%s: perf_event_paranoid=%d forbids it (lower it or grant CAP_PERFMON)", sys,
                 run_ctr_paranoid());
        break;
    case EOPNOTSUPP:
        snprintf(e->reason, sizeof e->reason, "EOPNOTSUPP: this PMU cannot count it");
        break;
    default: snprintf(e->reason, sizeof e->reason, "%s: %s", sys, strerror(errnum)); break;
    }
}

int run_ctr_event_resolve(const char *name, struct ctr_event *e, char *err, size_t n)
{
    memset(e, 0, sizeof *e);
    if (run_ctr_pfm_init(err, n)) return -ENOSYS;
    if (strlen(name) >= sizeof e->name) {
        snprintf(err, n, "--counters: event name '%.40s...' is too long", name);
        return -EINVAL;
    }
    snprintf(e->name, sizeof e->name, "%s", name);
    struct perf_event_attr a;
    pfm_perf_encode_arg_t arg;
    memset(&a, 0, sizeof a);
    memset(&arg, 0, sizeof arg);
    arg.attr = &a;
    arg.size = sizeof arg;
    int rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
    if (rc != PFM_SUCCESS) {
        snprintf(e->reason, sizeof e->reason, "unknown event (libpfm4: %s)", pfm_strerror(rc));
        snprintf(err, n, "--counters: unknown event '%s' (%s; see `contend counters`)", name,
                 pfm_strerror(rc));
        return -EINVAL;
    }
    e->type = a.type;
    e->config = a.config;
    e->config1 = a.config1;
    e->config2 = a.config2;
    e->exclude_kernel = a.exclude_kernel;
    e->exclude_hv = a.exclude_hv;
    e->exclude_user = a.exclude_user;
    counters_name_event(e);

    int fd = counters_open_self(e);
    if ((fd == -EACCES || fd == -EPERM) && e->type != PERF_TYPE_SOFTWARE) {
        /* Paranoid level 2 still allows user-space counting of hardware
           events. Software events are not retried: a user-only context
           switch or page fault count would read 0, which would be a lie. */
        e->exclude_kernel = e->exclude_hv = 1;
        int fd2 = counters_open_self(e);
        if (fd2 >= 0) {
            e->user_only = 1;
            fd = fd2;
        } else
            e->exclude_kernel = a.exclude_kernel, e->exclude_hv = a.exclude_hv;
    }
    if (fd >= 0) {
        close(fd);
        e->perf_ok = 1;
        if (e->user_only)
            snprintf(e->reason, sizeof e->reason,
                     "user space only: perf_event_paranoid=%d forbids kernel counting",
                     run_ctr_paranoid());
    } else {
        e->perf_errno = -fd;
        counters_explain(e, -fd);
    }
    return 0;
}

int run_ctr_spec_parse(const char *list, struct ctr_spec *s, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    if (strcmp(list, "none") == 0) return 0;
    if (strcmp(list, "default") == 0) {
        /* The default must never stop a run: without libpfm4 it is off, and says why. */
        if (run_ctr_pfm_init(s->off_reason, sizeof s->off_reason)) return 0;
        list = ctr_default_list;
    }
    char buf[CTR_MAX * CTR_NAMELEN];
    if (strlen(list) >= sizeof buf) {
        snprintf(err, n, "--counters: list too long");
        return -EINVAL;
    }
    strcpy(buf, list);
    char *save = NULL;
    if (!*buf || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") || buf[0] == ',') {
        snprintf(err, n, "--counters: empty item in '%s'", list);
        return -EINVAL;
    }
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (s->n == CTR_MAX) {
            snprintf(err, n, "--counters: more than %d events", CTR_MAX);
            return -EINVAL;
        }
        struct ctr_event *e = &s->ev[s->n];
        int rc = run_ctr_event_resolve(tok, e, err, n);
        if (rc) return rc == -ENOSYS ? -EINVAL : rc;
        for (size_t i = 0; i < s->n; i++)
            if (strcmp(s->ev[i].key, e->key) == 0) {
                snprintf(err, n, "--counters: '%s' given twice (as '%s')", tok, s->ev[i].name);
                return -EINVAL;
            }
        s->n++;
    }
    s->enabled = 1;
    return 0;
}

int run_ctr_have_pmu(void)
{
    struct ctr_event e;
    char err[256];
    return run_ctr_event_resolve("cycles", &e, err, sizeof err) == 0 && e.perf_ok;
}

const char *run_ctr_src_name(enum ctr_src s)
{
    return s == CTR_SRC_PERF ? "perf" : s == CTR_SRC_RUSAGE ? "rusage" : "none";
}

/* ---------------- per trial ----------------------------------------------- */

/* File descriptors this process may still open. */
static long counters_fd_budget(unsigned long long *limit)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    *limit = (unsigned long long)rl.rlim_cur;
    if (rl.rlim_cur == RLIM_INFINITY) return 1L << 30;
    long open = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        while (readdir(d)) open++;
        closedir(d);
    }
    /* a reserve for the run's own files (JSON, /proc reads, the impls) */
    return (long)rl.rlim_cur - open - 64;
}

void run_ctr_plan_make(const struct ctr_spec *s, unsigned threads, struct ctr_plan *p)
{
    memset(p, 0, sizeof *p);
    p->spec = s;
    p->threads = threads;
    unsigned long long limit = 0;
    long budget = counters_fd_budget(&limit);
    /* Two passes: events with no getrusage stand-in get the fds first. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->n; i++) {
            const struct ctr_event *e = &s->ev[i];
            unsigned char fallback = e->ru ? CTR_SRC_RUSAGE : CTR_SRC_NONE;
            if ((pass == 0) != (fallback == CTR_SRC_NONE)) continue;
            if (!e->perf_ok || e->force_rusage) {
                p->src[i] = fallback;
                if (e->perf_ok && fallback)
                    snprintf(p->note[i], sizeof p->note[i], "getrusage forced instead of perf");
                continue;
            }
            if ((long)threads <= budget) {
                p->src[i] = CTR_SRC_PERF;
                budget -= threads;
                continue;
            }
            p->src[i] = fallback;
            snprintf(p->note[i], sizeof p->note[i],
                     "perf needs an fd per thread (%u); RLIMIT_NOFILE %llu leaves %ld%s", threads,
                     limit, budget > 0 ? budget : 0,
                     fallback ? ": counted with getrusage" : ": not counted");
        }
}

struct ctr_thread *run_ctr_threads_new(const struct ctr_plan *p, unsigned threads)
{
    struct ctr_thread *t = aligned_alloc(64, sizeof *t * (threads ? threads : 1));
    if (!t) return NULL;
    memset(t, 0, sizeof *t * threads);
    for (unsigned k = 0; k < threads; k++) {
        t[k].plan = p;
        for (size_t i = 0; i < CTR_MAX; i++) {
            t[k].fd[i] = -1;
            t[k].val[i] = NAN;
        }
    }
    return t;
}

void run_ctr_thread_open(struct ctr_thread *t)
{
    const struct ctr_plan *p = t->plan;
    for (size_t i = 0; i < p->spec->n; i++) {
        if (p->src[i] != CTR_SRC_PERF) continue;
        int fd = counters_open_self(&p->spec->ev[i]);
        if (fd >= 0)
            t->fd[i] = fd;
        else
            t->err[i] = -fd;
    }
}

void run_ctr_thread_start(struct ctr_thread *t)
{
    getrusage(RUSAGE_THREAD, &t->ru0);
    for (size_t i = 0; i < t->plan->spec->n; i++)
        if (t->fd[i] >= 0) ioctl(t->fd[i], PERF_EVENT_IOC_ENABLE, 0);
}

void run_ctr_thread_stop(struct ctr_thread *t)
{
    for (size_t i = 0; i < t->plan->spec->n; i++)
        if (t->fd[i] >= 0) ioctl(t->fd[i], PERF_EVENT_IOC_DISABLE, 0);
    getrusage(RUSAGE_THREAD, &t->ru1);
}

void run_ctr_thread_close(struct ctr_thread *t)
{
    for (size_t i = 0; i < t->plan->spec->n; i++) {
        if (t->fd[i] < 0) continue;
        uint64_t v[3]; /* value, time_enabled, time_running */
        ssize_t k = read(t->fd[i], v, sizeof v);
        if (k != (ssize_t)sizeof v)
            t->err[i] = k < 0 ? errno : EIO;
        else if (isnan(t->val[i] = run_ctr_scale(v[0], v[1], v[2], &t->multiplexed[i])))
            t->err[i] = ENODATA; /* never on the PMU */
        close(t->fd[i]);
        t->fd[i] = -1;
    }
}

double run_ctr_scale(uint64_t value, uint64_t enabled, uint64_t running, int *scaled)
{
    *scaled = 0;
    if (running >= enabled) return (double)value;
    if (running == 0) return NAN;
    *scaled = 1;
    return (double)value * ((double)enabled / (double)running);
}

static double counters_tv_ns(struct timeval a)
{
    return (double)a.tv_sec * 1e9 + (double)a.tv_usec * 1e3;
}

static double counters_ru_delta(const struct ctr_thread *t, enum ctr_ru ru)
{
    const struct rusage *a = &t->ru0, *b = &t->ru1;
    switch (ru) {
    case CTR_RU_CSW: return (double)((b->ru_nvcsw - a->ru_nvcsw) + (b->ru_nivcsw - a->ru_nivcsw));
    case CTR_RU_FAULTS:
        return (double)((b->ru_minflt - a->ru_minflt) + (b->ru_majflt - a->ru_majflt));
    case CTR_RU_MINFLT: return (double)(b->ru_minflt - a->ru_minflt);
    case CTR_RU_MAJFLT: return (double)(b->ru_majflt - a->ru_majflt);
    case CTR_RU_CPU_NS:
        return counters_tv_ns(b->ru_utime) - counters_tv_ns(a->ru_utime)
            + counters_tv_ns(b->ru_stime) - counters_tv_ns(a->ru_stime);
    case CTR_RU_NONE: break;
    }
    return NAN;
}

void run_ctr_collect(const struct ctr_plan *p, const struct ctr_thread *t, unsigned threads,
                     uint64_t ops, struct ctr_result *r)
{
    memset(r, 0, sizeof *r);
    r->spec = p->spec;
    r->n = p->spec->n;
    for (size_t i = 0; i < r->n; i++) {
        const struct ctr_event *e = &p->spec->ev[i];
        enum ctr_src src = p->src[i];
        snprintf(r->note[i], sizeof r->note[i], "%s", p->note[i]);
        if (src == CTR_SRC_PERF) {
            unsigned failed = 0;
            int why = 0;
            for (unsigned k = 0; k < threads; k++)
                if (t[k].err[i]) {
                    failed++;
                    if (!why) why = t[k].err[i];
                }
            if (failed) {
                src = e->ru ? CTR_SRC_RUSAGE : CTR_SRC_NONE;
                snprintf(r->note[i], sizeof r->note[i], "perf failed on %u of %u threads (%s)%s",
                         failed, threads,
                         why == ENODATA ? "never scheduled on the PMU" : strerror(why),
                         e->ru ? ": counted with getrusage" : ": not counted");
            }
        }
        double sum = 0;
        for (unsigned k = 0; k < threads; k++) {
            if (src == CTR_SRC_PERF) {
                sum += t[k].val[i];
                r->multiplexed[i] |= (unsigned char)t[k].multiplexed[i];
            } else if (src == CTR_SRC_RUSAGE)
                sum += counters_ru_delta(&t[k], e->ru);
        }
        r->src[i] = (unsigned char)src;
        r->total[i] = src == CTR_SRC_NONE || !threads ? NAN : sum;
        r->per_op[i] = ops ? r->total[i] / (double)ops : NAN;
    }
}
