/* resultfile.h: a contend result file read back into memory, for compare,
 * export and (later) report generators. Metrics are generic: every numeric
 * field of a trial becomes a named metric with one value per trial. */
#ifndef CONTEND_RESULTFILE_H
#define CONTEND_RESULTFILE_H

#include <stddef.h>
#include <stdint.h>

struct json_t;

enum metric_dir { DIR_NONE = 0, DIR_HIGHER = 1, DIR_LOWER = -1 };

struct rf_metric {
    const char *name; /* "ops_per_s", "read_ns_per_op", ... */
    double *v;        /* one value per trial that has it */
    size_t n;
    enum metric_dir dir; /* res_metric_direction(name) */
};

struct rf_cell {
    const char *family, *impl; /* borrowed from the JSON tree */
    char *workload;            /* identity fingerprint (owned); "" when none */
    unsigned threads;
    const char *verdict; /* "ok", "FAIL", "n/a" or NULL */
    size_t ntrials;
    struct rf_metric *metrics; /* in first-seen order */
    size_t nmetrics;
    const struct json_t *json; /* the cell object, for fields not modelled */
};

struct rf_result {
    struct json_t *root;                   /* owns every borrowed string */
    const struct json_t *context, *config; /* objects, or NULL */
    const struct json_t *metrics;          /* units and directions (schema 2), or NULL */
    int schema_version;
    struct rf_cell *cells;
    size_t ncells;
    size_t *index; /* cells by identity (cellindex.c): cell number + 1, 0 free */
    size_t index_cap;
};

/* Loads a result file; 0, or -EINVAL/-ENOENT/-ENOMEM with a one-line err.
   Unknown fields are ignored; anything malformed is an error, never a crash. */
int res_load(const char *path, struct rf_result *r, char *err, size_t n);
/* The same from memory (what the fuzzer drives); name is used in messages. */
int res_parse(const char *buf, size_t len, const char *name, struct rf_result *r, char *err,
              size_t n);
void res_free(struct rf_result *r);

enum metric_dir res_metric_direction(const char *name);
/* A per-op event counter (flattened from trial.counters.per_op)? */
int res_is_counter_metric(const char *name);
const struct rf_metric *res_cell_metric(const struct rf_cell *c, const char *name);
/* Same benchmark (family, impl, workload, threads)? */
int res_same_bench(const struct rf_cell *a, const struct rf_cell *b);
/* The cell of r that is the same benchmark as like, or NULL: a hash lookup
   (cellindex.c), so matching every cell of one file in another is linear
   (a scan in a result built by hand, without res_index_init). */
const struct rf_cell *res_find_cell(const struct rf_result *r, const struct rf_cell *like);
/* The same by identity ("" for no workload). */
const struct rf_cell *res_find(const struct rf_result *r, const char *family, const char *impl,
                               const char *workload, unsigned threads);
/* Building the index (res_parse does): room for ncells, then each cell
   (-EEXIST when the same benchmark is there already). */
int res_index_init(struct rf_result *r, size_t ncells);
int res_index_add(struct rf_result *r, size_t i);
/* The longest probe sequence of any cell: small whatever the names. */
size_t res_index_longest_probe(const struct rf_result *r);
/* "batcher/spin/threads=2" or "store/shard/hotkey/threads=4" */
void res_cell_name(const struct rf_cell *c, char *buf, size_t n);

/* A metric's unit as the file declares it, else one guessed from its name. */
const char *res_metric_unit(const struct rf_result *r, const char *metric);

#endif
