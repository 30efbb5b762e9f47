/* libFuzzer target: reading result files and journals (hostile JSON). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "family.h"
#include "resultfile.h"
#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct res_journal_data d;
    char err[ERRLEN];
    if (res_journal_load(path, &d, err, sizeof err) == 0) {
        struct run_opts o;
        run_opts_parse(d.argc, d.argv, &o, err, sizeof err);
        res_journal_data_free(&d);
    }
    close(fd);
    struct rf_result r;
    if (res_parse((const char *)data, size, "fuzz", &r, err, sizeof err) == 0) {
        for (size_t i = 0; i < r.ncells; i++) {
            char nm[160];
            res_cell_name(&r.cells[i], nm, sizeof nm);
            res_cell_metric(&r.cells[i], "ops_per_s");
        }
        res_free(&r);
    }
    return 0;
}
