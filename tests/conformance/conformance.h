/* Conformance checks, written once, with no test-framework dependency.
 * contend-check runs one per process, under the watchdog (run/isolate.c):
 * a crash, a sanitizer's report, a leak or a hang fails that check alone,
 * by name and kind. The Criterion suites (plain and ASan builds) and the
 * TSan suite run contend-check for every (family, check, variant, count). */
#ifndef CONTEND_CONFORMANCE_H
#define CONTEND_CONFORMANCE_H

#include <stddef.h>
#include <stdio.h>

#include "family.h"
#include "lab_alloc.h"
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

/* Progress for contend-check's watchdog, which tells a stuck check from a
   slow one: call every few hundred operations (any thread). conf_beat is
   the shared progress area (NULL: none). */
extern struct run_beat *conf_beat;
void conf_tick(void);

/* Memory. A check marks the allocation counters before create() and checks
   them after destroy(): whatever the variant allocated in between must be
   freed ("leaked N bytes in M blocks"). The check's own memory that lives
   across that window comes from conf_calloc/conf_free (not counted). */
void conf_mark(struct lab_alloc_totals *t);
int conf_no_leak(const struct lab_alloc_totals *before, char *msg, size_t len);
void *conf_calloc(size_t n, size_t size);
void conf_free(void *p);

#define CHECK(cond, ...)                     \
    do {                                     \
        if (!(cond)) {                       \
            snprintf(msg, len, __VA_ARGS__); \
            return -1;                       \
        }                                    \
    } while (0)

#endif
