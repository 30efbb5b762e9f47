/* libFuzzer target: `contend run` option parsing. The input is split into
 * argv at NUL and newline bytes. The parser must never crash, leak or read
 * out of bounds, whatever it is given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64] = { "run" };
    int argc = 1;
    char *p = buf;
    for (size_t i = 0; i <= size && argc < 63; i++)
        if (i == size || buf[i] == '\0' || buf[i] == '\n') {
            buf[i] = '\0';
            argv[argc++] = p;
            p = buf + i + 1;
        }
    argv[argc] = NULL;
    struct run_opts o;
    char err[ERRLEN];
    run_opts_parse(argc, argv, &o, err, sizeof err);
    free(buf);
    return 0;
}
