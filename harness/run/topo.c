/* Topology and pinning through hwloc. compact: thread i on the i-th PU in
 * hwloc's logical order (fill a core's hyperthreads, then the next core);
 * scatter: hwloc_distrib's order, spreading threads over packages and cores
 * first. More threads than PUs wrap around. */
#include <hwloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

static hwloc_topology_t topo;
static hwloc_cpuset_t *topo_order[3]; /* per mode: one single-PU set per PU */
static unsigned topo_npu;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static int topo_rc;

static void topo_load(void)
{
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
        topo_rc = -1;
        return;
    }
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    if (n <= 0) {
        topo_rc = -1;
        return;
    }
    topo_npu = (unsigned)n;
    topo_order[PIN_COMPACT] = calloc(topo_npu, sizeof(hwloc_cpuset_t));
    topo_order[PIN_SCATTER] = calloc(topo_npu, sizeof(hwloc_cpuset_t));
    if (!topo_order[PIN_COMPACT] || !topo_order[PIN_SCATTER]) {
        topo_rc = -1;
        return;
    }
    for (unsigned i = 0; i < topo_npu; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);
        topo_order[PIN_COMPACT][i] = hwloc_bitmap_dup(pu->cpuset);
    }
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    hwloc_distrib(topo, &root, 1, topo_order[PIN_SCATTER], topo_npu, INT_MAX, 0);
    for (unsigned i = 0; i < topo_npu; i++) hwloc_bitmap_singlify(topo_order[PIN_SCATTER][i]);
}

static int topo_init(void)
{
    pthread_once(&topo_once, topo_load);
    return topo_rc;
}

int run_topo_pin_self(int mode, unsigned idx)
{
    if (mode == PIN_NONE || topo_init()) return -1;
    hwloc_cpuset_t set = topo_order[mode][idx % topo_npu];
    if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD) != 0) return -1;
    return hwloc_bitmap_first(set);
}

void run_topo_print_bindings(FILE *f, int mode, unsigned threads)
{
    if (mode == PIN_NONE) return;
    if (topo_init()) {
        fprintf(f, "contend: pinning unavailable (hwloc failed)\n");
        return;
    }
    fprintf(f, "pin %s, %u threads over %u PUs:", run_pin_name(mode), threads, topo_npu);
    unsigned show = threads < topo_npu ? threads : topo_npu;
    for (unsigned i = 0; i < show && i < 32; i++)
        fprintf(f, " t%u->PU%d", i, hwloc_bitmap_first(topo_order[mode][i]));
    if (show > 32) fprintf(f, " ...");
    if (threads > topo_npu) fprintf(f, " (thread i uses the binding of thread i mod %u)", topo_npu);
    fputc('\n', f);
}

int run_topo_info(struct run_topo_info *t)
{
    memset(t, 0, sizeof *t);
    if (topo_init()) return -1;
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    const char *model = hwloc_obj_get_info_by_name(root, "CPUModel");
    if (!model) {
        hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
        model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    }
    snprintf(t->cpu_model, sizeof t->cpu_model, "%s", model ? model : "unknown");
    t->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    t->numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    t->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    t->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    return 0;
}
