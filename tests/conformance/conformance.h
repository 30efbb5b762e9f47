/* Conformance checks, written once, with no test-framework dependency:
 * the Criterion suites call them in-process (plain and ASan builds), and
 * the contend-check program runs them one per process for the TSan build
 * (Criterion cannot run under TSan: Snaipe/Criterion#274). */
#ifndef CONTEND_CONFORMANCE_H
#define CONTEND_CONFORMANCE_H

#include <stddef.h>
#include <stdio.h>

#include "family.h"
#include "results.h"

/* A check: 0 on success, or -1 with a one-line reason in msg. */
typedef int (*conf_fn)(const char *impl, unsigned n, char *msg, size_t len);

struct conf_case {
    const char *family;
    const char *name; /* the check */
    conf_fn fn;
    unsigned need_caps; /* only implementations with all these caps */
    unsigned skip_caps; /* ... and none of these */
    unsigned counts[6]; /* thread/producer counts; 0 ends the list */
};

extern const struct conf_case batcher_cases[]; /* NULL name ends */
extern const struct conf_case store_cases[];
extern const struct conf_case counter_cases[];

/* Every family's case table, NULL-terminated. */
extern const struct conf_case *const conf_tables[];

const struct conf_case *conf_find(const char *family, const char *name);
int conf_applies(const struct conf_case *c, const struct lab_impl *m);

#define CHECK(cond, ...)                     \
    do {                                     \
        if (!(cond)) {                       \
            snprintf(msg, len, __VA_ARGS__); \
            return -1;                       \
        }                                    \
    } while (0)

#endif
