/* A report's output directory, built in a private directory and moved into
 * place on success (outdir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outdir.h"
#include "results.h"

static char *outdir_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int outdir_ours(const char *name)
{
    size_t l = strlen(name);
    return l > 4
        && (!strcmp(name + l - 4, ".png") || !strcmp(name + l - 4, ".svg")
            || !strcmp(name + l - 4, ".tsv"));
}

/* DIR/plots must be absent, or a directory of what a report writes. */
static int outdir_check_plots(const char *dir, char *err, size_t n)
{
    char *plots = outdir_join(dir, "plots");
    if (!plots) return -ENOMEM;
    struct stat st;
    int rc = 0;
    if (lstat(plots, &st) != 0) {
        rc = errno == ENOENT ? 0 : -errno;
        if (rc) snprintf(err, n, "cannot use '%s': %s", plots, strerror(-rc));
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, n, "'%s' is %s, not a directory a report made: remove it", plots,
                 S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
        rc = -EEXIST;
    } else {
        DIR *d = opendir(plots);
        struct dirent *e;
        if (!d) {
            rc = -errno;
            snprintf(err, n, "cannot read '%s': %s", plots, strerror(-rc));
        }
        while (!rc && d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            if (S_ISREG(st.st_mode) && outdir_ours(e->d_name)) continue;
            snprintf(err, n,
                     "'%s/%.200s' (%s) was not made by a report: contend replaces %s as a whole "
                     "and will not remove it; remove it or report elsewhere",
                     plots, e->d_name,
                     S_ISLNK(st.st_mode)       ? "a symbolic link"
                         : S_ISDIR(st.st_mode) ? "a directory"
                                               : "another file",
                     plots);
            rc = -EEXIST;
        }
        if (d) closedir(d);
    }
    free(plots);
    return rc;
}

int rep_outdir_open(struct rep_outdir *o, const char *dir, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, n, "--out: '%s' is not a directory", dir);
            return -ENOTDIR;
        }
        o->existed = 1;
        int rc = outdir_check_plots(dir, err, n);
        if (rc) return rc;
    } else if (errno != ENOENT) {
        int e = errno;
        snprintf(err, n, "--out: cannot use '%s': %s", dir, strerror(e));
        return -e;
    }
    char *copy = strdup(dir), *copy2 = strdup(dir);
    o->dir = strdup(dir);
    if (!copy || !copy2 || !o->dir) {
        free(copy);
        free(copy2);
        free(o->dir);
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    int rc = 0;
    if (o->existed) {
        o->tmp = outdir_join(dir, ".report.tmp-XXXXXX");
    } else {
        const char *parent = dirname(copy), *base = basename(copy2);
        rc = res_make_dirs(parent, err, n);
        size_t len = strlen(parent) + strlen(base) + 24;
        if (!rc && (o->tmp = malloc(len)) != NULL)
            snprintf(o->tmp, len, "%s/.%s.tmp-XXXXXX", parent, base);
    }
    free(copy);
    free(copy2);
    if (!rc && !o->tmp) rc = -ENOMEM;
    if (!rc && !mkdtemp(o->tmp)) {
        rc = -errno;
        snprintf(err, n, "cannot create a directory next to '%s': %s", dir, strerror(-rc));
        free(o->tmp);
        o->tmp = NULL;
    }
    char *plots = !rc ? outdir_join(o->tmp, "plots") : NULL;
    if (!rc && (!plots || mkdir(plots, 0700) != 0)) {
        rc = plots ? -errno : -ENOMEM;
        snprintf(err, n, "cannot create '%s': %s", plots ? plots : "plots", strerror(-rc));
    }
    free(plots);
    if (rc) rep_outdir_abort(o);
    return rc;
}

FILE *rep_outdir_fopen(const struct rep_outdir *o, const char *rel, char *err, size_t n)
{
    char *path = outdir_join(o->tmp, rel);
    if (!path) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) close(fd);
        snprintf(err, n, "cannot create '%s': %s", path, strerror(e));
        free(path);
        errno = e; /* EEXIST: the caller may pick another name */
        return NULL;
    }
    free(path);
    return f;
}

int rep_outdir_write(const struct rep_outdir *o, const char *rel, const char *buf, size_t len,
                     char *err, size_t n)
{
    FILE *f = rep_outdir_fopen(o, rel, err, n);
    if (!f) return -EIO;
    int bad = fwrite(buf, 1, len, f) != len;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    bad |= fclose(f) != 0;
    if (bad) {
        snprintf(err, n, "cannot write '%s' in '%s': %s", rel, o->tmp, strerror(e ? e : EIO));
        return -EIO;
    }
    return 0;
}

static int outdir_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path); /* a symbolic link is removed, never followed */
}

void rep_outdir_abort(struct rep_outdir *o)
{
    if (o->tmp) nftw(o->tmp, outdir_rm, 16, FTW_DEPTH | FTW_PHYS);
    free(o->tmp);
    free(o->dir);
    o->tmp = o->dir = NULL;
}

/* Moves tmp/name to DIR/name (a rename: an entry planted at DIR/name is
   replaced, never written through). */
static int outdir_move(const struct rep_outdir *o, const char *name, char *err, size_t n)
{
    char *from = outdir_join(o->tmp, name), *to = outdir_join(o->dir, name);
    int rc = from && to ? 0 : -ENOMEM;
    if (!rc && rename(from, to) != 0) {
        rc = -errno;
        snprintf(err, n, "cannot move '%s' into '%s': %s", name, o->dir, strerror(-rc));
    }
    free(from);
    free(to);
    return rc;
}

int rep_outdir_commit(struct rep_outdir *o, char *err, size_t n)
{
    mode_t um = umask(0);
    umask(um);
    char *plots = outdir_join(o->tmp, "plots");
    int rc = plots ? 0 : -ENOMEM;
    if (!rc) chmod(plots, 0777 & ~um);
    free(plots);
    if (!rc && !o->existed) {
        chmod(o->tmp, 0777 & ~um);
        if (rename(o->tmp, o->dir) != 0) {
            rc = -errno;
            snprintf(err, n, "cannot move the report into '%s': %s", o->dir, strerror(-rc));
        } else {
            free(o->tmp);
            o->tmp = NULL;
        }
    } else if (!rc) {
        /* DIR/plots (checked again: it may have changed since open) goes
           aside, to be removed with the private directory */
        char *old = outdir_join(o->dir, "plots"), *aside = outdir_join(o->tmp, ".old-plots");
        struct stat st;
        rc = old && aside ? outdir_check_plots(o->dir, err, n) : -ENOMEM;
        if (!rc && lstat(old, &st) == 0 && rename(old, aside) != 0) {
            rc = -errno;
            snprintf(err, n, "cannot replace '%s': %s", old, strerror(-rc));
        }
        free(old);
        free(aside);
        if (!rc) rc = outdir_move(o, "plots", err, n);
        DIR *d = rc ? NULL : opendir(o->tmp);
        struct dirent *e;
        char names[8][64];
        size_t k = 0;
        while (d && (e = readdir(d)) != NULL && k < 8)
            if (e->d_name[0] != '.' && strcmp(e->d_name, "plots") && strlen(e->d_name) < 64)
                snprintf(names[k++], sizeof names[0], "%s", e->d_name);
        if (d) closedir(d);
        for (size_t i = 0; !rc && i < k; i++) rc = outdir_move(o, names[i], err, n);
    }
    rep_outdir_abort(o);
    return rc;
}
