/* merge.h: several result files as one (`contend merge`), and a merged file
 * read back run by run (`report`, `history add`).
 *
 * A merged file is a result document. The shards of one run (`run --shard
 * I/N` with the same command, config and build) are joined into one run:
 * the union of their cells, each cell marked with the "part" it came from,
 * and "parts" holding each input's path, context and config. Any other
 * inputs stay separate runs (other machines, other sweeps): then the
 * document's "runs" holds each run as a complete result document and its
 * own "cells" is empty. One run merged is that run, readable by every
 * command; several are read through the functions below. Every input's
 * context is kept. docs/history.md shows the format. */
#ifndef CONTEND_MERGE_H
#define CONTEND_MERGE_H

#include <stddef.h>

#include "resultfile.h"

/* The merge of paths[0..n) (result files, merged ones included). NULL with
   a one-line err for an unreadable input, a cell found in two shards of one
   run, or the same run given twice. Warnings (a run missing shards) go to
   warn (a JSON array of strings) when it is not NULL. */
struct json_t *res_merge(const char *const *paths, size_t n, struct json_t *warn, char *err,
                         size_t en);

/* How many runs r holds: the size of "runs" in a merged file, else 1. */
size_t res_merge_count(const struct rf_result *r);
/* Run i of r as a result of its own (parts joined). 0, or -errno with err. */
int res_merge_run(const struct rf_result *r, size_t i, struct rf_result *out, char *err, size_t n);

/* Each stored unit of r: every run, and a joined run part by part, each
   with the context and config it was measured under (history stores
   them so: adding the shards one by one or their merge stores the same
   trials). fn returns 0 to go on; its non-zero value stops the walk and
   is returned. -errno with err when a part cannot be read. */
int res_merge_foreach_part(const struct rf_result *r,
                           int (*fn)(void *arg, const struct rf_result *part), void *arg, char *err,
                           size_t n);

#endif
