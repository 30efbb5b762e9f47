/* lab_opt.h: declarative options. One table per subcommand and per family
 * gives getopt_long, --help, validation (ranges, k/M/G suffixes, powers of
 * two, choices) and the keys of experiment files ([run] batch = 100 is
 * --batch 100, parsed by the same table). No subcommand writes a parse loop.
 *
 * A table is an array of struct opt_spec ending with { 0 }; each spec writes
 * its value at an offset into a target struct. A command parses a list of
 * groups (table + target + heading), e.g. run's own options and the chosen
 * family's. Errors are one line ("--reps: 0 is out of range [1, 1000]");
 * nothing prints, nothing exits. */
#ifndef LAB_OPT_H
#define LAB_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
    OPT_END = 0,
    OPT_FLAG,   /* int, set to 1 */
    OPT_UINT,   /* unsigned */
    OPT_U64,    /* uint64_t */
    OPT_SIZE,   /* size_t */
    OPT_DOUBLE, /* double */
    OPT_STR,    /* const char *, borrowed from argv */
    OPT_ENUM,   /* int: index into choices */
    OPT_CUSTOM  /* parse(value, field): lists, mixes ... */
};

enum {
    OPT_SI = 1u << 0,       /* integers take k, M, G suffixes (x 1e3, 1e6, 1e9) */
    OPT_POW2 = 1u << 1,     /* a power of two */
    OPT_POSITIVE = 1u << 2, /* doubles: > min, not >= min */
    OPT_PERCENT = 1u << 3,  /* a trailing % is allowed; the value is stored / 100 */
    OPT_NONEMPTY = 1u << 4, /* strings: not "" */
    OPT_HIDDEN = 1u << 5    /* not in --help (e.g. deprecated aliases) */
};

struct opt_spec {
    const char *name; /* long option without "--"; NULL ends the table */
    enum opt_type type;
    size_t off;       /* offset of the field in the target */
    const char *arg;  /* metavariable in --help ("N"); NULL for flags */
    const char *help; /* its help; '\n' continues on an indented line */
    double min, max;  /* numeric range (inclusive, but see OPT_POSITIVE) */
    unsigned flags;
    const char *const *choices; /* OPT_ENUM: NULL-terminated names */
    /* OPT_CUSTOM: parse into the field; 0 or -EINVAL with a reason that
       opt_parse prefixes with --name. */
    int (*parse)(const char *value, void *field, char *err, size_t n);
    /* OPT_CUSTOM: the field as text (for the result file's config) */
    void (*format)(const void *field, char *buf, size_t n);
};

struct opt_group {
    const char *heading; /* "batcher options" in --help; NULL: none */
    const struct opt_spec *specs;
    void *target;
};

#define OPT_MAX_POS 64
#define OPT_MAX_GIVEN 96

struct opt_result {
    const char *pos[OPT_MAX_POS]; /* positional arguments, in order */
    size_t npos;
    const struct opt_spec *given[OPT_MAX_GIVEN]; /* options given, in order */
    size_t ngiven;
};

/* Parses argv[1..] (argv[0] is the command's name). 0, 1 for --help/-h,
   or -EINVAL with a one-line reason. Options not in any group are
   "unknown option"; an option of another table in other (e.g. another
   family's) is named as such ("--batch is a batcher option"). */
int lab_opt_parse(int argc, char **argv, const struct opt_group *groups, size_t ngroups,
                  const struct opt_group *other, size_t nother, struct opt_result *res, char *err,
                  size_t n);
/* Was the option name given? */
int lab_opt_given(const struct opt_result *res, const char *name);
/* The spec called name in a table, or NULL. */
const struct opt_spec *lab_opt_find(const struct opt_spec *specs, const char *name);

/* Value parsers with the tables' rules and messages (also used directly). */
int lab_opt_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, int si,
                      uint64_t *out, char *err, size_t n);
int lab_opt_parse_double(const char *opt, const char *s, double min, double max, double *out,
                         char *err, size_t n);

/* Help: each group's options, two columns ("  --name ARG" padded to 22). */
void lab_opt_print_help(FILE *f, const struct opt_group *groups, size_t ngroups);

#endif
