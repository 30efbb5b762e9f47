/* The declarative option parser: tables of struct opt_spec (opt.h) become
 * one getopt_long table; each value is validated by its spec's type, range
 * and flags, and written into its group's target. */
#include "lab_opt.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OPT_MAX_SPECS 128

static int opt_fail(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    snprintf(err, n, fmt, a, b);
    return -EINVAL;
}

int lab_opt_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, int si,
                      uint64_t *out, char *err, size_t n)
{
    if (!s || !*s) return opt_fail(err, n, "%s: empty value%s", opt, "");
    const char *p = s;
    if (*p < '0' || *p > '9')
        return opt_fail(err, n, "%s: '%.60s' is not a non-negative integer", opt, s);
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return opt_fail(err, n, "%s: '%.60s' is too large", opt, s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    uint64_t mul = 1;
    if (si && (*p == 'k' || *p == 'K'))
        mul = 1000, p++;
    else if (si && *p == 'M')
        mul = 1000000, p++;
    else if (si && *p == 'G')
        mul = 1000000000, p++;
    if (*p) return opt_fail(err, n, "%s: '%.60s' is not a non-negative integer", opt, s);
    if (v && mul > UINT64_MAX / v) return opt_fail(err, n, "%s: '%.60s' is too large", opt, s);
    v *= mul;
    if (v < min || v > max) {
        snprintf(err, n, "%s: %.60s is out of range [%llu, %llu]", opt, s, (unsigned long long)min,
                 (unsigned long long)max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int lab_opt_parse_double(const char *opt, const char *s, double min, double max, double *out,
                         char *err, size_t n)
{
    if (!s || !*s) return opt_fail(err, n, "%s: empty value%s", opt, "");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || isnan(v) || isinf(v))
        return opt_fail(err, n, "%s: '%.60s' is not a number", opt, s);
    if (v < min || v > max) {
        snprintf(err, n, "%s: %.60s is out of range [%g, %g]", opt, s, min, max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* Writes one option's value into its field. */
static int opt_set(const struct opt_spec *s, void *target, const char *v, char *err, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "--%s", s->name);
    void *f = (char *)target + s->off;
    uint64_t u;
    double d;
    int rc = 0;
    switch (s->type) {
    case OPT_FLAG: *(int *)f = 1; return 0;
    case OPT_UINT:
    case OPT_U64:
    case OPT_SIZE:
        /* a max of 2^64 (double(UINT64_MAX)) means no limit */
        rc = lab_opt_parse_u64(name, v, (uint64_t)s->min,
                               s->max >= 0x1p64 ? UINT64_MAX : (uint64_t)s->max,
                               !!(s->flags & OPT_SI), &u, err, n);
        if (rc) return rc;
        if ((s->flags & OPT_POW2) && (u & (u - 1)))
            return opt_fail(err, n, "%s: %.60s is not a power of two", name, v);
        if (s->type == OPT_UINT)
            *(unsigned *)f = (unsigned)u;
        else if (s->type == OPT_U64)
            *(uint64_t *)f = u;
        else
            *(size_t *)f = (size_t)u;
        return 0;
    case OPT_DOUBLE: {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", v);
        size_t l = strlen(buf);
        if ((s->flags & OPT_PERCENT) && l && buf[l - 1] == '%') buf[l - 1] = '\0';
        if (strlen(v) >= sizeof buf)
            return opt_fail(err, n, "%s: '%.60s' is not a number", name, v);
        if ((rc = lab_opt_parse_double(name, buf, s->min, s->max, &d, err, n))) return rc;
        if ((s->flags & OPT_POSITIVE) && !(d > s->min))
            return opt_fail(err, n, "%s: %.60s is not > 0", name, v);
        *(double *)f = s->flags & OPT_PERCENT ? d / 100 : d;
        return 0;
    }
    case OPT_STR:
        if ((s->flags & OPT_NONEMPTY) && !*v)
            return opt_fail(err, n, "%s: empty value%s", name, "");
        *(const char **)f = v;
        return 0;
    case OPT_ENUM:
        for (int i = 0; s->choices[i]; i++)
            if (!strcmp(s->choices[i], v)) {
                *(int *)f = i;
                return 0;
            }
        {
            char list[256] = "";
            for (int i = 0; s->choices[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         s->choices[i]);
            snprintf(err, n, "%s: '%.60s' is not one of %s", name, v, list);
        }
        return -EINVAL;
    case OPT_CUSTOM: {
        char why[256] = "";
        rc = s->parse(v, f, why, sizeof why);
        if (rc) snprintf(err, n, "%s: %s", name, why);
        return rc;
    }
    case OPT_END: break;
    }
    return -EINVAL;
}

const struct opt_spec *lab_opt_find(const struct opt_spec *specs, const char *name)
{
    for (const struct opt_spec *s = specs; s && s->name; s++)
        if (!strcmp(s->name, name)) return s;
    return NULL;
}

/* The option argv[i] names, without dashes or "=value". */
static void opt_word(const char *arg, char *buf, size_t n)
{
    const char *p = arg;
    while (*p == '-') p++;
    snprintf(buf, n, "%.*s", (int)strcspn(p, "="), p);
}

int lab_opt_parse(int argc, char **argv, const struct opt_group *groups, size_t ngroups,
                  const struct opt_group *other, size_t nother, struct opt_result *res, char *err,
                  size_t n)
{
    struct option lo[OPT_MAX_SPECS + 2];
    const struct opt_spec *spec[OPT_MAX_SPECS];
    void *target[OPT_MAX_SPECS];
    size_t k = 0;
    memset(res, 0, sizeof *res);
    for (size_t g = 0; g < ngroups; g++)
        for (const struct opt_spec *s = groups[g].specs; s && s->name; s++) {
            if (k == OPT_MAX_SPECS) return opt_fail(err, n, "too many options%s%s", "", "");
            lo[k] = (struct option){ s->name, s->type == OPT_FLAG ? no_argument : required_argument,
                                     NULL, (int)(k + 256) };
            spec[k] = s;
            target[k++] = groups[g].target;
        }
    lo[k] = (struct option){ "help", no_argument, NULL, 'h' };
    lo[k + 1] = (struct option){ 0, 0, 0, 0 };
    optind = 0; /* full re-initialisation (glibc): parse may be re-entered */
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "-h", lo, NULL);
        if (c == -1) break;
        if (c == 'h') return 1;
        if (c == 1) {
            if (res->npos == OPT_MAX_POS) return opt_fail(err, n, "too many arguments%s%s", "", "");
            res->pos[res->npos++] = optarg;
            continue;
        }
        if (c >= 256 && c < (int)k + 256) {
            size_t i = (size_t)c - 256;
            int rc = opt_set(spec[i], target[i], optarg, err, n);
            if (rc) return rc;
            if (res->ngiven < OPT_MAX_GIVEN) res->given[res->ngiven++] = spec[i];
            continue;
        }
        /* '?': unknown, ambiguous, or a value missing */
        const char *arg = argv[optind - 1];
        char word[64];
        opt_word(arg, word, sizeof word);
        if (optopt && optopt < 256 && arg[0] == '-' && arg[1] != '-')
            return opt_fail(err, n, "unknown option '-%s'%s", (char[]){ (char)optopt, 0 }, "");
        for (size_t g = 0; g < ngroups; g++)
            if (lab_opt_find(groups[g].specs, word) && !strchr(arg, '='))
                return opt_fail(err, n, "option '--%s' needs a value%s", word, "");
        for (size_t g = 0; g < nother; g++)
            if (lab_opt_find(other[g].specs, word))
                return opt_fail(err, n, "--%s is one of the %s, not of this command", word,
                                other[g].heading ? other[g].heading : "other options");
        return opt_fail(err, n, "unknown option '%.80s'%s", arg, "");
    }
    return 0;
}

int lab_opt_given(const struct opt_result *res, const char *name)
{
    for (size_t i = 0; i < res->ngiven; i++)
        if (!strcmp(res->given[i]->name, name)) return 1;
    return 0;
}

/* "  --name ARG" then the help in a column at 22; continuation lines too. */
void lab_opt_print_help(FILE *f, const struct opt_group *groups, size_t ngroups)
{
    for (size_t g = 0; g < ngroups; g++) {
        if (groups[g].heading) fprintf(f, "\n%s:\n", groups[g].heading);
        for (const struct opt_spec *s = groups[g].specs; s && s->name; s++) {
            if (s->flags & OPT_HIDDEN) continue;
            char left[64];
            snprintf(left, sizeof left, "  --%s%s%s", s->name, s->arg ? " " : "",
                     s->arg ? s->arg : "");
            fputs(left, f);
            int col = (int)strlen(left);
            if (col >= 22) {
                fputc('\n', f);
                col = 0;
            }
            for (const char *h = s->help ? s->help : "";;) {
                size_t len = strcspn(h, "\n");
                fprintf(f, "%*s%.*s\n", 22 - col, "", (int)len, h);
                col = 0;
                if (!h[len]) break;
                h += len + 1;
            }
        }
    }
}
