/* Where contend's data files are (the gnuplot scripts in plots/, the named
 * experiments in workloads/): beside an installed binary, PREFIX/bin/contend,
 * they are in PREFIX/share/contend (`cmake --install`; the relative path is
 * CONTEND_INSTALL_DATA); a binary run from its build tree uses the source
 * tree it was built from. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"

#ifndef CONTEND_SOURCE_DIR
#define CONTEND_SOURCE_DIR "."
#endif
#ifndef CONTEND_INSTALL_DATA
#define CONTEND_INSTALL_DATA "../share/contend"
#endif

const char *res_data_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0]) return dir;
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/%s/workloads", exe, CONTEND_INSTALL_DATA);
        if (access(probe, R_OK | X_OK) == 0) {
            snprintf(probe, sizeof probe, "%s/%s", exe, CONTEND_INSTALL_DATA);
            if (realpath(probe, dir)) return dir;
        }
    }
    snprintf(dir, sizeof dir, "%s", CONTEND_SOURCE_DIR);
    return dir;
}
