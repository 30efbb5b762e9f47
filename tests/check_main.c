/* contend-check: runs one conformance check in this process and exits 0 or
 * 1 (with the reason on stderr). `contend-check --list` prints every
 * applicable (family check impl n) tuple. Built with the sanitizer of its
 * build tree; the TSan build's Criterion suite drives it. */
#include <stdlib.h>
#include <string.h>

#include "conformance/conformance.h"

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t t = 0; conf_tables[t]; t++)
            for (const struct conf_case *c = conf_tables[t]; c->name; c++) {
                const struct lab_impl *impls[MAX_LIST];
                size_t k = run_registry_list(c->family, impls, MAX_LIST);
                for (size_t i = 0; i < k && i < MAX_LIST; i++)
                    if (conf_applies(c, impls[i]))
                        for (size_t j = 0; j < 6 && c->counts[j]; j++)
                            printf("%s %s %s %u\n", c->family, c->name, impls[i]->name,
                                   c->counts[j]);
            }
        return 0;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: contend-check --list | FAMILY CHECK IMPL N\n");
        return 2;
    }
    const struct conf_case *c = conf_find(argv[1], argv[2]);
    if (!c) {
        fprintf(stderr, "contend-check: no check %s/%s\n", argv[1], argv[2]);
        return 2;
    }
    char msg[512] = "";
    if (c->fn(argv[3], (unsigned)strtoul(argv[4], NULL, 10), msg, sizeof msg) != 0) {
        fprintf(stderr, "contend-check: %s/%s %s n=%s: %s\n", argv[1], argv[3], argv[2], argv[4],
                msg);
        return 1;
    }
    return 0;
}
