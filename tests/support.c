/* Test support: run the contend binary (or another) and capture what it printed. */
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

void spawn_child(const struct spawn_opts *o, int out_fd, int err_fd, const char *const *args)
{
    const char *argv[64] = { o->bin ? o->bin : CONTEND_BIN };
    size_t n = 1;
    for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
    argv[n] = NULL;
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    if (o->stdout_to) out_fd = open(o->stdout_to, O_WRONLY);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (o->fsize > 0) {
        signal(SIGXFSZ, SIG_IGN); /* kept across exec: writes fail with EFBIG */
        struct rlimit rl = { (rlim_t)o->fsize, (rlim_t)o->fsize };
        setrlimit(RLIMIT_FSIZE, &rl);
    }
    signal(SIGPIPE, SIG_DFL);
    if (o->cwd && chdir(o->cwd) != 0) _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

int run_contend_with(struct proc_result *r, const struct spawn_opts *o, const char *const *args)
{
    static const struct spawn_opts none;
    if (!o) o = &none;
    memset(r, 0, sizeof *r);
    int po[2], pe[2];
    if (pipe(po) || pipe(pe)) return -1;
    if (o->stdout_gone) close(po[0]);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) spawn_child(o, po[1], pe[1], args);
    close(po[1]);
    close(pe[1]);
    size_t lo = 0, le = 0;
    struct pollfd fds[2] = { { o->stdout_gone ? -1 : po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    int open_fds = o->stdout_gone ? 1 : 2;
    while (open_fds && poll(fds, 2, -1) >= 0)
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char *buf = i ? r->err : r->out;
            size_t *len = i ? &le : &lo;
            char tmp[4096];
            ssize_t k = read(fds[i].fd, tmp, sizeof tmp);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            size_t room = sizeof r->out - 1 - *len, take = (size_t)k < room ? (size_t)k : room;
            memcpy(buf + *len, tmp, take);
            *len += take;
            buf[*len] = '\0';
        }
    int st;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

int run_contend(struct proc_result *r, const char *const *args)
{
    return run_contend_with(r, NULL, args);
}

int run_program(struct proc_result *r, const char *bin, const char *const *args)
{
    const struct spawn_opts o = { .bin = bin };
    return run_contend_with(r, &o, args);
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) != NULL
        && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = '\0';
    if (b && len) *len = (size_t)n;
    fclose(f);
    return b;
}

static int support_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

void remove_tree(const char *dir) { nftw(dir, support_rm, 16, FTW_DEPTH | FTW_PHYS); }

int fork_capture(void (*child)(void *arg), void *arg, int both, char *out, size_t n)
{
    int p[2];
    if (pipe(p) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(p[0]);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(both ? p[1] : null, 1);
        dup2(p[1], 2);
        child(arg);
        _exit(97);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t k;
    while (len + 1 < n && (k = read(p[0], out + len, n - 1 - len)) > 0) len += (size_t)k;
    out[len] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
