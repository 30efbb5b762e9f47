/* outdir.h (report/ internal): a report's output directory, built aside and
 * moved into place only when everything in it was written.
 *
 * Everything is written into a fresh private directory (mkdtemp: mode 0700,
 * so nobody can plant a link in it) next to DIR, each file created with
 * O_CREAT|O_EXCL|O_NOFOLLOW. On success the files are renamed into DIR and
 * DIR/plots is replaced as a whole; on failure the private directory is
 * removed and DIR is as it was. A DIR/plots that contend did not make (a
 * symbolic link, or holding anything but the *.png, *.svg and *.tsv files
 * a report writes) is refused, never written through. */
#ifndef CONTEND_OUTDIR_H
#define CONTEND_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

struct rep_outdir {
    char *dir;   /* DIR, as given */
    char *tmp;   /* where the files are written (has plots/) */
    int existed; /* DIR was there before */
};

/* Checks DIR, creates the private directory. 0, or -errno with err. */
int rep_outdir_open(struct rep_outdir *o, const char *dir, char *err, size_t n);
/* tmp/rel for writing (rel: "report.md", "plots/x.tsv"); NULL with err. */
FILE *rep_outdir_fopen(const struct rep_outdir *o, const char *rel, char *err, size_t n);
/* Writes buf to tmp/rel. */
int rep_outdir_write(const struct rep_outdir *o, const char *rel, const char *buf, size_t len,
                     char *err, size_t n);
/* Moves everything into DIR; the private directory is gone afterwards. */
int rep_outdir_commit(struct rep_outdir *o, char *err, size_t n);
/* Removes the private directory (after a failure); frees o. */
void rep_outdir_abort(struct rep_outdir *o);

#endif
