/* libFuzzer target: named experiment files (INI) and the `run` options
 * they expand to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "family.h"
#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct experiment e;
    char err[ERRLEN];
    if (res_experiment_load_string(text, "quick", &e, err, sizeof err) == 0) {
        struct run_opts o;
        for (size_t k = 0; k < e.nparts; k++)
            run_opts_parse(e.parts[k].argc, e.parts[k].argv, &o, err, sizeof err);
        for (size_t i = 0; i < e.nrows; i++) {
            res_experiment_label(&e, e.rows[i].key);
            res_experiment_reference(&e, e.rows[i].key);
        }
        for (size_t k = 0; k < e.nratios; k++) {
            double lo, hi;
            res_experiment_band(&e, k, &lo, &hi);
        }
        res_experiment_free(&e);
    }
    free(text);
    return 0;
}
