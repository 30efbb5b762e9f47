/* libFuzzer target: resuming a journal (hostile bytes on disk). One reader,
 * one rule: when the journal loads for a resume, it also reads as a result
 * with the same trials; and when its options parse, opening it to resume
 * succeeds and cuts it back to its last complete line. */
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "family.h"
#include "resultfile.h"
#include "results.h"

static char fuzz_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/contend-fuzz-resume-XXXXXX";
    if (!mkdtemp(dir)) abort();
    snprintf(fuzz_path, sizeof fuzz_path, "%s/j.journal", dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 262144) return 0;
    int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || res_write_all(fd, (const char *)data, size) || close(fd)) abort();
    struct res_journal_data d;
    char err[ERRLEN];
    if (res_journal_load(fuzz_path, &d, err, sizeof err) == 0) {
        /* the same lines through the result reader (which also checks the
           values each trial's JSON shows: it may refuse what resume takes) */
        struct rf_result r;
        if (res_parse((const char *)data, size, "fuzz", &r, err, sizeof err) == 0) {
            size_t trials = 0;
            for (size_t i = 0; i < r.ncells; i++)
                trials += json_array_size(json_object_get(r.cells[i].json, "trials"));
            if (trials != d.ndone) abort();
            res_free(&r);
        } else if (strstr(err, "not valid JSON") || strstr(err, "journal")) {
            abort(); /* a journal resume reads must read as a journal */
        }
        struct run_opts o;
        if (run_opts_parse(d.argc, d.argv, &o, err, sizeof err) == 0) {
            o.resume = fuzz_path;
            struct res_journal *j = res_journal_open(fuzz_path, &o, err, sizeof err);
            if (!j) abort();
            res_journal_close(j, 0);
            const char *nl = size ? memrchr(data, '\n', size) : NULL;
            struct stat st;
            if (stat(fuzz_path, &st) || st.st_size != (nl ? nl - (const char *)data + 1 : 0))
                abort();
        }
        res_journal_data_free(&d);
    }
    return 0;
}
