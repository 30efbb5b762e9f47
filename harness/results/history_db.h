/* history_db.h (results/ internal): the history's SQLite handle and the
 * helpers history.c (the store, adding) and history_query.c (series)
 * share. */
#ifndef CONTEND_HISTORY_DB_H
#define CONTEND_HISTORY_DB_H

#include <sqlite3.h>
#include <stddef.h>

#include "history.h"

struct res_hist {
    sqlite3 *db;
    const char *path;
};

/* "PATH: <SQLite's message>" in err; returns -EINVAL. */
int res_hist_fail(const struct res_hist *h, char *err, size_t n);
/* The first column of the first row of sql (one optional text parameter)
   as an integer, -1 when there is no row. */
int res_hist_int(struct res_hist *h, const char *sql, const char *arg, long long *v, char *err,
                 size_t n);

#endif
