/* Descriptive statistics of a cell's trials. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void summarize(const double *x, size_t n, struct summary *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (!n) return;
    double *v = malloc(n * sizeof *v);
    if (!v) return;
    memcpy(v, x, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    s->min = v[0];
    s->max = v[n - 1];
    s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    s->mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) ss += (v[i] - s->mean) * (v[i] - s->mean);
    s->cv = n > 1 && s->mean != 0 ? sqrt(ss / (double)(n - 1)) / fabs(s->mean) : 0;
    free(v);
}

double jain_index(const double *x, size_t n)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) { s += x[i]; ss += x[i] * x[i]; }
    return ss > 0 ? s * s / ((double)n * ss) : 0;
}
