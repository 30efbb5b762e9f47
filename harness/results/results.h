/* results.h: the results layer writes what a run measured, where and how
 * (the result file and its journal), and reads result files back
 * (resultfile.h) for compare, export and report. Named experiments
 * (experiment.h) live here too: they are read by reproduce and report.
 *
 * Uses: run/ (trials, cells, the family registry), lib/, jansson, inih.
 * Used by: report/, cli/. */
#ifndef CONTEND_RESULTS_H
#define CONTEND_RESULTS_H

#include <stddef.h>
#include <sys/types.h>

#include "run.h"

#define CONTEND_SCHEMA "contend-result"
#define CONTEND_SCHEMA_VERSION 2 /* 2: family metrics flat in trials, "metrics" units */
#define CONTEND_SCHEMA_OLDEST 1  /* oldest version readers accept */

struct json_t;

/* ---------------- context (results/context.c) ---------------------------- */
/* Records the process's command line (a private copy) for every context. */
void res_context_set_cmdline(int argc, char **argv);
/* What was measured, where, how: commit, compiler, kernel, topology, load
   (at the run's start when loadavg_start[0] >= 0), seed, command line. */
struct json_t *res_context_json(int argc, char **argv, uint64_t seed, const double *loadavg_start);
/* The commit the binary was built from ("" outside a git tree) and whether
   its tracked files differed from it, taken at build time. */
const char *res_context_build(int *dirty);
/* One-line stderr warnings when the machine is busy or scales frequency. */
void res_context_warn(FILE *f, const char *who);

/* ---------------- files (results/files.c) -------------------------------- */
/* What readers accept: regular files of at most this many bytes. */
#define RES_RESULT_MAX_BYTES (512u << 20) /* result files and journals */
#define RES_EXPERIMENT_MAX_BYTES (1u << 20)
/* "a directory", "a FIFO", "a character device", ... */
const char *res_file_type(mode_t mode);
/* Reads path whole (NUL-terminated, malloc'ed into *out): a regular file of
   at most max bytes, opened non-blocking, so a FIFO or a device is refused
   instead of hanging. 0, or a negative errno with a one-line err. */
int res_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t n);
/* The same from an open descriptor (path names it in messages). */
int res_read_fd(int fd, const char *path, size_t max, char **out, size_t *len, char *err, size_t n);

/* Writes all of buf to fd (restarting after EINTR and short writes): 0 or
   a negative errno. */
int res_write_all(int fd, const char *buf, size_t len);

/* ---------------- writing results (results/output.c) --------------------- */
/* A JSON number, or null when v is NaN or infinite (jansson refuses those:
   json_real would return NULL and the member would silently vanish). */
struct json_t *res_json_num(double v);
/* A JSON string of s; bytes of s that are not UTF-8 become '?'. */
struct json_t *res_json_text(const char *s);
/* One CSV field: quoted, quotes doubled (RFC 4180), whatever s holds. */
void res_csv_field(FILE *f, const char *s);
/* A summary as JSON (null when it has no finite median). */
struct json_t *res_summary_json(const struct lab_summary *s);
struct json_t *res_trial_json(const struct trial *t, const struct family_driver *fam);
/* The whole result document of a run. */
struct json_t *res_result_json(const struct run_result *r);
/* The --out rules (docs/files.md). An output path is at most RES_OUT_MAX
   bytes; an output directory at most RES_DIR_MAX (its files' names fit). */
#define RES_OUT_MAX 1000
#define RES_DIR_MAX 900
enum res_out_kind {
    RES_OUT_FILE,   /* missing or a regular file: replaced atomically */
    RES_OUT_STREAM, /* a character device, FIFO or socket: written through */
    RES_OUT_STDOUT, /* "-" */
};
/* Which kind path is, or a negative errno with a one-line err: too long, a
   directory, a block device, a dangling symlink, a symlink to a regular
   file, or a directory contend cannot write in. */
int res_out_check(const char *path, char *err, size_t n);
/* Writes buf to path by those rules: through a temporary file in the same
   directory, fsynced and renamed (the old file or the new one, never half
   of one); or through the device, FIFO or standard output. */
int res_write_file_atomic(const char *path, const char *buf, size_t len, char *err, size_t n);
int res_write_json_atomic(const char *path, struct json_t *j, char *err, size_t n);
int res_write_result(const char *path, const struct run_result *r, char *err, size_t n);
/* mkdir -p */
int res_make_dirs(const char *path, char *err, size_t n);

/* ---------------- counters in results (results/counters_json.c) ---------- */
struct json_t *res_ctr_spec_json(const struct ctr_spec *s);
struct json_t *res_ctr_trial_json(const struct ctr_result *r); /* NULL when off */
struct json_t *res_ctr_cell_json(const struct cell *c);        /* NULL when off */

/* ---------------- the journal (results/journal.c) ------------------------ */
/* JSON lines next to the output file, one per finished trial, written and
   synced; line 1 holds the run's options. Locked while a run holds it. */
struct res_journal;
/* Creates path, complete with its header and never over anything already
   there (or, when resuming o->resume, opens it, cut back to its last
   complete line). NULL with err when it exists, another run holds it (its
   pid is named), it is a symlink or not a regular file, or on an error. */
struct res_journal *res_journal_open(const char *path, const struct run_opts *o, char *err,
                                     size_t n);
/* A struct run_hooks on_trial: appends one trial; a negative errno when it
   cannot (then the journal is cut back to the trials it held, and every
   later append fails the same way). */
int res_journal_append(void *journal, const struct cell *c, int round, const struct trial *t);
/* The first failed append's negative errno (0 if none); the trials held. */
int res_journal_error(const struct res_journal *j, size_t *ntrials);
/* Closes j (removing the file first, while still locked, if asked). */
void res_journal_close(struct res_journal *j, int remove_file);

/* A journal read back: its options (argv, to parse again), its trials (to
   restore), and the same content as a result document (interrupted). One
   reader, one rule: a torn last line (a run killed mid-write) is dropped;
   any other unreadable line is an error. */
struct res_journal_data {
    char **argv;
    int argc;
    struct run_done *done;
    size_t ndone;
};
int res_journal_load(const char *path, struct res_journal_data *d, char *err, size_t n);
void res_journal_data_free(struct res_journal_data *d);
/* A journal's text as a result document ("interrupted": true), or NULL. */
struct json_t *res_journal_to_result(const char *text, size_t len, const char *name, char *err,
                                     size_t n);

#endif
