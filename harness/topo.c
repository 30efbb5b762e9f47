/* Topology and pinning through hwloc. compact: thread i on the i-th PU in
 * hwloc's logical order (fill a core's hyperthreads, then the next core);
 * scatter: hwloc_distrib's order, spreading threads over packages and cores
 * first. More threads than PUs wrap around. */
#include <hwloc.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>

#include "harness.h"

static hwloc_topology_t topo;
static hwloc_cpuset_t *order[3];  /* per mode: one single-PU set per PU */
static unsigned npu;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init(void)
{
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) { init_rc = -1; return; }
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    if (n <= 0) { init_rc = -1; return; }
    npu = (unsigned)n;
    order[PIN_COMPACT] = calloc(npu, sizeof(hwloc_cpuset_t));
    order[PIN_SCATTER] = calloc(npu, sizeof(hwloc_cpuset_t));
    if (!order[PIN_COMPACT] || !order[PIN_SCATTER]) { init_rc = -1; return; }
    for (unsigned i = 0; i < npu; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);
        order[PIN_COMPACT][i] = hwloc_bitmap_dup(pu->cpuset);
    }
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    hwloc_distrib(topo, &root, 1, order[PIN_SCATTER], npu, INT_MAX, 0);
    for (unsigned i = 0; i < npu; i++) hwloc_bitmap_singlify(order[PIN_SCATTER][i]);
}

int topo_init(void)
{
    pthread_once(&once, init);
    return init_rc;
}

unsigned topo_pus(void)
{
    return topo_init() ? 1 : npu;
}

const char *pin_mode_name(enum pin_mode m)
{
    return m == PIN_COMPACT ? "compact" : m == PIN_SCATTER ? "scatter" : "none";
}

int topo_pin_self(enum pin_mode mode, unsigned idx)
{
    if (mode == PIN_NONE || topo_init()) return -1;
    hwloc_cpuset_t set = order[mode][idx % npu];
    if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD) != 0) return -1;
    return hwloc_bitmap_first(set);
}

void topo_print_bindings(FILE *f, enum pin_mode mode, unsigned threads)
{
    if (mode == PIN_NONE) return;
    if (topo_init()) { fprintf(f, "contend: pinning unavailable (hwloc failed)\n"); return; }
    fprintf(f, "pin %s, %u threads over %u PUs:", pin_mode_name(mode), threads, npu);
    unsigned show = threads < npu ? threads : npu;
    for (unsigned i = 0; i < show && i < 32; i++)
        fprintf(f, " t%u->PU%d", i, hwloc_bitmap_first(order[mode][i]));
    if (show > 32) fprintf(f, " ...");
    if (threads > npu) fprintf(f, " (thread i uses the binding of thread i mod %u)", npu);
    fputc('\n', f);
}

struct json_t *topo_json(void)
{
    if (topo_init()) return json_null();
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    const char *model = hwloc_obj_get_info_by_name(root, "CPUModel");
    if (!model) {
        hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
        model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    }
    return json_pack("{s:s, s:i, s:i, s:i, s:i}",
                     "cpu_model", model ? model : "unknown",
                     "packages", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE),
                     "numa_nodes", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
                     "cores", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE),
                     "pus", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
}
