/* The cells of a result file by identity (family, impl, workload, threads),
 * in an open-addressing hash table built as the file is read: matching a
 * cell of one file in another (compare, report, export) is O(1), not a scan
 * of every cell, so 40,000 cells cost seconds, not minutes. Linear probing
 * over a power-of-two table at most half full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resultfile.h"

static uint64_t cellindex_hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL; /* FNV-1a */
    return (h ^ 0xff) * 0x100000001b3ULL;                           /* the end of a field */
}

static size_t cellindex_slot(const struct rf_result *r, const char *family, const char *impl,
                             const char *workload, unsigned threads)
{
    uint64_t h = cellindex_hash_str(0xcbf29ce484222325ULL, family);
    h = cellindex_hash_str(h, impl);
    h = cellindex_hash_str(h, workload);
    h ^= threads;
    h ^= h >> 33; /* finish (murmur3's fmix64): spread into the low bits */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (r->index_cap - 1);
}

static int cellindex_is(const struct rf_cell *c, const char *family, const char *impl,
                        const char *workload, unsigned threads)
{
    return c->threads == threads && !strcmp(c->family, family) && !strcmp(c->impl, impl)
        && !strcmp(c->workload, workload);
}

int res_index_init(struct rf_result *r, size_t ncells)
{
    size_t cap = 8;
    while (cap < 2 * ncells) cap *= 2;
    if (!(r->index = calloc(cap, sizeof *r->index))) return -ENOMEM;
    r->index_cap = cap;
    return 0;
}

int res_index_add(struct rf_result *r, size_t i)
{
    const struct rf_cell *c = &r->cells[i];
    for (size_t s = cellindex_slot(r, c->family, c->impl, c->workload, c->threads);;
         s = (s + 1) & (r->index_cap - 1)) {
        if (!r->index[s]) {
            r->index[s] = i + 1;
            return 0;
        }
        if (res_same_bench(&r->cells[r->index[s] - 1], c)) return -EEXIST;
    }
}

const struct rf_cell *res_find(const struct rf_result *r, const char *family, const char *impl,
                               const char *workload, unsigned threads)
{
    if (!r->index_cap) { /* a result built by hand (report's A/A halves): a scan */
        for (size_t i = 0; i < r->ncells; i++)
            if (cellindex_is(&r->cells[i], family, impl, workload, threads)) return &r->cells[i];
        return NULL;
    }
    for (size_t s = cellindex_slot(r, family, impl, workload, threads);;
         s = (s + 1) & (r->index_cap - 1)) {
        if (!r->index[s]) return NULL;
        const struct rf_cell *c = &r->cells[r->index[s] - 1];
        if (cellindex_is(c, family, impl, workload, threads)) return c;
    }
}

const struct rf_cell *res_find_cell(const struct rf_result *r, const struct rf_cell *like)
{
    return res_find(r, like->family, like->impl, like->workload, like->threads);
}

size_t res_index_longest_probe(const struct rf_result *r)
{
    size_t longest = 0;
    for (size_t i = 0; r->index_cap && i < r->ncells; i++) {
        const struct rf_cell *c = &r->cells[i];
        size_t k = 1;
        for (size_t s = cellindex_slot(r, c->family, c->impl, c->workload, c->threads);
             r->index[s] != i + 1; s = (s + 1) & (r->index_cap - 1))
            k++;
        if (k > longest) longest = k;
    }
    return longest;
}
