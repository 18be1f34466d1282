/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune.h: the tune plan: which host threads a VM's vCPUs get, and its huge pages
 *
 * From the host's topology (vf-topology.h) and what the VM asks for:
 *  - the VM gets whole physical cores (every online SMT sibling together), all on the
 *    GPU's NUMA node, inside one L3 cache domain (a CCD) when it fits in one, and only
 *    P-cores on an Intel hybrid CPU;
 *  - the host keeps the first core of that node and every core the VM does not get: the
 *    emulator and I/O threads run there;
 *  - vCPU 2k and 2k+1 (threads='2') land on the two threads of one host core, so that the
 *    guest's topology (cores × threads) is what it runs on;
 *  - huge pages: auto = 2 MiB pages when the host offers that size, else none.
 * A request that cannot be met is refused with the numbers; nothing is changed by
 * planning.
 */
#pragma once

#include "tune/vf-topology.h"

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VF_TUNE_HUGEPAGES_AUTO,
    VF_TUNE_HUGEPAGES_2M,
    VF_TUNE_HUGEPAGES_1G,
    VF_TUNE_HUGEPAGES_OFF,
    VF_TUNE_HUGEPAGES_LAST
} VfTuneHugepages;

/* "auto", "2M", "1G", "off" */
const char *vf_tune_hugepages_to_string(VfTuneHugepages hp);
/* VF_TUNE_HUGEPAGES_LAST when @text is none of them (case-insensitive) */
VfTuneHugepages vf_tune_hugepages_from_string(const char *text);

typedef struct {
    guint cores;               /* physical cores to give; 0: the VM's vCPUs in whole cores */
    VfTuneHugepages hugepages; /* AUTO by default */
    gboolean isolate;          /* confine the host to its cores while the VM runs */
    gboolean keep_isolate;     /* vf_tune_vm_plan(): isolate as the VM's tune record says
                                * (neither --isolate nor --no-isolate given) */
    gboolean replace;          /* take over a <cputune>/<cpu> topology/… tune did not write */
} VfTuneRequest;

typedef struct {
    char *vm;                  /* the VM's name */
    guint cores;               /* host cores given */
    guint threads;             /* threads per core: the guest topology is cores × threads */
    gint node;                 /* the NUMA node used, -1 when the host shows none */
    gboolean gpu_node;         /* node is the GPU's */
    guint n_l3;                /* L3 domains the VM spans (1: one CCD) */
    guint n_nodes;             /* NUMA nodes of the host (>1: <numatune> prefers node) */
    gboolean amd;              /* topoext required */
    GArray *vcpu_cpus;         /* guint: vCPU i runs on host CPU vcpu_cpus[i] */
    char *vm_cpus;             /* cpu list of vcpu_cpus */
    char *host_cpus;           /* every other online CPU: emulator, I/O threads, the host */
    guint64 hugepage_size_kib; /* 0: no huge pages */
    guint64 hugepage_count;    /* pages the VM's memory needs */
    gboolean isolate;
    char *summary; /* the plan in one sentence */
} VfTunePlan;

/*
 * Plans @vm (@vcpus vCPUs now, @memory_kib of memory) on @topo with its GPU on NUMA node
 * @gpu_node (-1: unknown, the node of the host's first core is used).
 *
 * Returns: (transfer full): the plan, or NULL with VF_ERROR_INVALID_ARGUMENT saying which
 * number cannot be met and what can (--cores 0, more cores than the node has minus the
 * host's, a page size the CPU or kernel lacks, more huge pages than the host's memory).
 */
VfTunePlan *vf_tune_plan_new(const VfTopology *topo, gint gpu_node, const char *vm, guint vcpus,
                             guint64 memory_kib, const VfTuneRequest *request, GError **error);
void vf_tune_plan_free(VfTunePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTunePlan, vf_tune_plan_free)

G_END_DECLS
