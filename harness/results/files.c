/* Files the results layer reads, by one rule: a result file, a journal or
 * an experiment is a regular file of bounded size. It is opened
 * non-blocking (a FIFO without a writer must not hang us), checked with
 * fstat on the descriptor it is then read from (no race between the check
 * and the read), and refused with a one-line reason otherwise. Writers
 * share one write loop (res_write_all). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"

const char *res_file_type(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory"
        : S_ISFIFO(mode) ? "a FIFO"
        : S_ISCHR(mode)  ? "a character device"
        : S_ISBLK(mode)  ? "a block device"
        : S_ISSOCK(mode) ? "a socket"
        : S_ISLNK(mode)  ? "a symbolic link"
                         : "a regular file";
}

/* Opens path for reading and checks it is a regular file of at most max
   bytes: the descriptor (blocking again), or a negative errno with err. */
static int files_open_regular(const char *path, size_t max, struct stat *st, char *err, size_t n)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, n, "cannot read '%s': %s", path, strerror(e));
        return -e;
    }
    /* a failed system call, else what the descriptor is */
    int rc = fstat(fd, st) != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0
        ? -errno
        : 0;
    if (rc) {
        snprintf(err, n, "cannot read '%s': %s", path, strerror(-rc));
    } else if (S_ISDIR(st->st_mode)) {
        rc = -EISDIR;
        snprintf(err, n, "'%s' is a directory", path);
    } else if (!S_ISREG(st->st_mode)) {
        rc = -EINVAL;
        snprintf(err, n, "'%s' is not a regular file (it is %s)", path, res_file_type(st->st_mode));
    } else if ((uintmax_t)st->st_size > max) {
        rc = -EFBIG;
        snprintf(err, n, "'%s' is too large (%jd bytes; the limit is %zu)", path,
                 (intmax_t)st->st_size, max);
    }
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

int res_read_fd(int fd, const char *path, size_t max, char **out, size_t *len, char *err, size_t n)
{
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, k = 0;
    if (cap > max + 1) cap = max + 1;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : -ENOMEM;
    while (!rc) {
        if (k == cap) { /* it grew since fstat */
            size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *g = grown > cap ? realloc(buf, grown + 1) : NULL;
            if (!g) {
                rc = grown > cap ? -ENOMEM : -EFBIG;
                break;
            }
            buf = g, cap = grown;
        }
        ssize_t got = read(fd, buf + k, cap - k);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) rc = -errno;
        if (got <= 0) break;
        k += (size_t)got;
    }
    if (!rc && k > max) rc = -EFBIG;
    if (rc) {
        if (rc == -EFBIG)
            snprintf(err, n, "'%s' is too large (the limit is %zu bytes)", path, max);
        else
            snprintf(err, n, "cannot read '%s': %s", path, strerror(-rc));
        free(buf);
        return rc;
    }
    buf[k] = '\0';
    *out = buf;
    *len = k;
    return 0;
}

int res_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t n)
{
    struct stat st;
    int fd = files_open_regular(path, max, &st, err, n);
    if (fd < 0) return fd;
    int rc = res_read_fd(fd, path, max, out, len, err, n);
    close(fd);
    return rc;
}

int res_write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t k = write(fd, buf, len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k < 0 ? -errno : -EIO;
        buf += k, len -= (size_t)k;
    }
    return 0;
}
