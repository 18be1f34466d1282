/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-tune.c: the tune plan (see vf-tune.h) */
#include "tune/vf-tune.h"

#include "core/vf-error.h"

#include <string.h>

#define VF_KIB_2M 2048
#define VF_KIB_1G 1048576
/* What auto leaves the host beside the VM's huge pages. */
#define VF_TUNE_HOST_RESERVE_KIB (2 * 1024 * 1024)

static const char *const vf_tune_hugepages_names[] = {"auto", "2M", "1G", "off"};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_tune_hugepages_names) == VF_TUNE_HUGEPAGES_LAST);

const char *
vf_tune_hugepages_to_string(VfTuneHugepages hp)
{
    return hp < VF_TUNE_HUGEPAGES_LAST ? vf_tune_hugepages_names[hp] : "?";
}

VfTuneHugepages
vf_tune_hugepages_from_string(const char *text)
{
    for (guint i = 0; text && i < VF_TUNE_HUGEPAGES_LAST; i++)
        if (g_ascii_strcasecmp(text, vf_tune_hugepages_names[i]) == 0)
            return (VfTuneHugepages)i;
    return VF_TUNE_HUGEPAGES_LAST;
}

void
vf_tune_plan_free(VfTunePlan *plan)
{
    if (plan == NULL)
        return;
    g_free(plan->vm);
    if (plan->vcpu_cpus)
        g_array_unref(plan->vcpu_cpus);
    g_free(plan->vm_cpus);
    g_free(plan->host_cpus);
    g_free(plan->summary);
    g_free(plan);
}

static char *
vf_core_cpus(const VfCpuCore *core)
{
    return vf_cpu_list_format((const guint *)core->cpus->data, core->cpus->len);
}

/* One L3 domain's usable cores. */
typedef struct {
    gint l3;
    gboolean has_reserve; /* the host's core shares this cache */
    GPtrArray *cores;     /* const VfCpuCore * (borrowed) */
} VfDomainCores;

static void
vf_domain_cores_clear(gpointer data)
{
    g_ptr_array_unref(((VfDomainCores *)data)->cores);
}

static VfDomainCores *
vf_domain_of(GArray *domains, gint l3)
{
    for (guint i = 0; i < domains->len; i++)
        if (g_array_index(domains, VfDomainCores, i).l3 == l3)
            return &g_array_index(domains, VfDomainCores, i);
    return NULL;
}

static char *
vf_size_text(guint64 kib)
{
    return kib % VF_KIB_1G == 0 ? g_strdup_printf("%" G_GUINT64_FORMAT " GiB", kib / VF_KIB_1G)
                                : g_strdup_printf("%" G_GUINT64_FORMAT " MiB", kib / 1024);
}

static gboolean
vf_plan_hugepages(const VfTopology *topo, const char *vm, guint64 memory_kib,
                  VfTuneHugepages wanted, VfTunePlan *plan, GError **error)
{
    guint64 size = 0;
    g_autofree char *size_text = NULL;

    switch (wanted) {
    case VF_TUNE_HUGEPAGES_OFF:
        return TRUE;
    case VF_TUNE_HUGEPAGES_AUTO:
        if (vf_topology_hugepages(topo, VF_KIB_2M) == NULL || memory_kib == 0)
            return TRUE;
        /* auto never takes more than the host can spare: then no huge pages */
        if (topo->mem_total_kib != 0 && memory_kib + VF_TUNE_HOST_RESERVE_KIB > topo->mem_total_kib)
            return TRUE;
        /* QEMU backs memory with whole pages only */
        if (memory_kib % VF_KIB_2M != 0)
            return TRUE;
        size = VF_KIB_2M;
        break;
    case VF_TUNE_HUGEPAGES_2M:
        size = VF_KIB_2M;
        if (vf_topology_hugepages(topo, size) == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The host offers no 2 MiB huge pages "
                        "(/sys/kernel/mm/hugepages/hugepages-2048kB is missing: a kernel "
                        "without CONFIG_HUGETLBFS); tune VM '%s' with --hugepages off",
                        vm);
            return FALSE;
        }
        break;
    case VF_TUNE_HUGEPAGES_1G:
        size = VF_KIB_1G;
        if (!topo->pdpe1gb) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The CPU has no 1 GiB pages (no 'pdpe1gb' flag in /proc/cpuinfo); tune "
                        "VM '%s' with --hugepages 2M or auto",
                        vm);
            return FALSE;
        }
        if (vf_topology_hugepages(topo, size) == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The kernel offers no 1 GiB huge pages "
                        "(/sys/kernel/mm/hugepages/hugepages-1048576kB is missing); tune VM "
                        "'%s' with --hugepages 2M or auto",
                        vm);
            return FALSE;
        }
        break;
    case VF_TUNE_HUGEPAGES_LAST:
    default:
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Unknown huge page size; use auto, 2M, 1G or off");
        return FALSE;
    }
    if (memory_kib == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' has no memory size to back with huge pages; use --hugepages off", vm);
        return FALSE;
    }
    size_text = vf_size_text(size);
    if (memory_kib % size != 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' has %" G_GUINT64_FORMAT " KiB of memory, not a whole number of "
                    "%s huge pages (QEMU backs memory with whole pages); give it %" G_GUINT64_FORMAT
                    " KiB or use smaller pages (--hugepages 2M) or none (--hugepages off)",
                    vm, memory_kib, size_text, (memory_kib + size - 1) / size * size);
        return FALSE;
    }
    plan->hugepage_size_kib = size;
    plan->hugepage_count = (memory_kib + size - 1) / size;
    if (topo->mem_total_kib != 0 &&
        plan->hugepage_count * size + VF_TUNE_HOST_RESERVE_KIB > topo->mem_total_kib) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' needs %" G_GUINT64_FORMAT " huge pages of %s (%" G_GUINT64_FORMAT
                    " MiB), but the host has %" G_GUINT64_FORMAT
                    " MiB of memory and keeps 2048 MiB for itself; give the VM less memory or "
                    "use --hugepages off",
                    vm, plan->hugepage_count, size_text, plan->hugepage_count * size / 1024,
                    topo->mem_total_kib / 1024);
        return FALSE;
    }
    return TRUE;
}

VfTunePlan *
vf_tune_plan_new(const VfTopology *topo, gint gpu_node, const char *vm, guint vcpus,
                 guint64 memory_kib, const VfTuneRequest *request, GError **error)
{
    g_autoptr(VfTunePlan) plan = g_new0(VfTunePlan, 1);
    g_autoptr(GPtrArray) usable = g_ptr_array_new();
    g_autoptr(GArray) domains = g_array_new(FALSE, TRUE, sizeof(VfDomainCores));
    g_autoptr(GPtrArray) chosen = g_ptr_array_new();
    g_autoptr(GArray) host = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *reserve_cpus = NULL;
    g_autofree char *where = NULL;
    g_autofree char *pages = NULL;
    g_autofree char *node_text = NULL;
    const VfCpuCore *reserve = NULL;
    const VfCpuCore *first;
    guint threads = 0;
    guint wanted;
    gint node;

    g_array_set_clear_func(domains, vf_domain_cores_clear);
    plan->vm = g_strdup(vm);
    plan->isolate = request->isolate;
    plan->amd = topo->amd;
    if (topo->cores->len == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "The host shows no online CPU");
        return NULL;
    }

    /* the node: the GPU's when it has CPUs, else the first core's */
    first = g_ptr_array_index(topo->cores, 0);
    node = first->node;
    for (guint i = 0; gpu_node >= 0 && i < topo->cores->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(topo->cores, i);

        if (core->node == gpu_node) {
            node = gpu_node;
            plan->gpu_node = TRUE;
            break;
        }
    }
    plan->node = node;
    plan->n_nodes = topo->n_nodes;

    /* the host's core: the node's first; the VM's candidates: the node's other cores, only
     * P-cores on a hybrid CPU, all with the most threads a core has there (a core with a
     * sibling offline is not a whole core) */
    for (guint i = 0; i < topo->cores->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(topo->cores, i);

        if (core->node != node)
            continue;
        if (reserve == NULL) {
            reserve = core;
            continue;
        }
        if (topo->hybrid && core->ecore)
            continue;
        threads = MAX(threads, core->cpus->len);
    }
    for (guint i = 0; i < topo->cores->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(topo->cores, i);

        if (core->node == node && core != reserve && !(topo->hybrid && core->ecore) &&
            core->cpus->len == threads)
            g_ptr_array_add(usable, (gpointer)core);
    }
    reserve_cpus = vf_core_cpus(reserve);
    plan->threads = MAX(threads, 1);

    if (request->cores > 0) {
        wanted = request->cores;
    } else if (vcpus > 0) {
        wanted = (vcpus + plan->threads - 1) / plan->threads;
    } else {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' has no vCPU count to keep; give the number of cores with --cores N",
                    vm);
        return NULL;
    }
    if (wanted > usable->len) {
        g_autofree char *where_text =
            node >= 0
                ? g_strdup_printf("NUMA node %d%s", node, plan->gpu_node ? " (the GPU's)" : "")
                : g_strdup("the host");

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Cannot give VM '%s' %u cores: %s has %u %s%s with %u thread%s, and the "
                    "host keeps one (CPUs %s); ask for at most %u with --cores N",
                    vm, wanted, where_text, usable->len + 1, topo->hybrid ? "P-core" : "core",
                    usable->len + 1 == 1 ? "" : "s", plan->threads, plan->threads == 1 ? "" : "s",
                    reserve_cpus, usable->len);
        return NULL;
    }
    plan->cores = wanted;

    /* the L3 domains, in the order of their first usable core */
    for (guint i = 0; i < usable->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(usable, i);
        VfDomainCores *d = vf_domain_of(domains, core->l3);

        if (d == NULL) {
            VfDomainCores fresh = {core->l3, reserve->l3 == core->l3, g_ptr_array_new()};

            g_array_append_val(domains, fresh);
            d = &g_array_index(domains, VfDomainCores, domains->len - 1);
        }
        g_ptr_array_add(d->cores, (gpointer)core);
    }
    {
        /* one domain when the VM fits: one the host's core does not share first, then
         * the tightest fit; else whole domains, those without the host's core first */
        VfDomainCores *best = NULL;

        for (guint i = 0; i < domains->len; i++) {
            VfDomainCores *d = &g_array_index(domains, VfDomainCores, i);

            if (d->cores->len < wanted)
                continue;
            if (best == NULL || (best->has_reserve && !d->has_reserve) ||
                (best->has_reserve == d->has_reserve && d->cores->len < best->cores->len))
                best = d;
        }
        if (best != NULL) {
            for (guint i = 0; i < wanted; i++)
                g_ptr_array_add(chosen, g_ptr_array_index(best->cores, i));
            plan->n_l3 = 1;
        } else {
            for (guint pass = 0; pass < 2 && chosen->len < wanted; pass++) {
                for (guint i = 0; i < domains->len && chosen->len < wanted; i++) {
                    VfDomainCores *d = &g_array_index(domains, VfDomainCores, i);

                    if (d->has_reserve != (pass == 1))
                        continue;
                    plan->n_l3++;
                    for (guint j = 0; j < d->cores->len && chosen->len < wanted; j++)
                        g_ptr_array_add(chosen, g_ptr_array_index(d->cores, j));
                }
            }
        }
    }
    {
        /* by first CPU, as the topology lists them */
        for (guint i = 1; i < chosen->len; i++)
            for (guint j = i; j > 0 && ((const VfCpuCore *)chosen->pdata[j - 1])->index >
                                           ((const VfCpuCore *)chosen->pdata[j])->index;
                 j--) {
                gpointer t = chosen->pdata[j];

                chosen->pdata[j] = chosen->pdata[j - 1];
                chosen->pdata[j - 1] = t;
            }
    }

    plan->vcpu_cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < chosen->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(chosen, i);

        g_array_append_vals(plan->vcpu_cpus, core->cpus->data, plan->threads);
    }
    for (guint i = 0; i < topo->online->len; i++) {
        guint cpu = g_array_index(topo->online, guint, i);
        gboolean vm_cpu = FALSE;

        for (guint j = 0; j < plan->vcpu_cpus->len && !vm_cpu; j++)
            vm_cpu = g_array_index(plan->vcpu_cpus, guint, j) == cpu;
        if (!vm_cpu)
            g_array_append_val(host, cpu);
    }
    plan->vm_cpus = vf_cpu_list_format_array(plan->vcpu_cpus);
    plan->host_cpus = vf_cpu_list_format_array(host);

    if (!vf_plan_hugepages(topo, vm, memory_kib, request->hugepages, plan, error))
        return NULL;

    if (plan->n_l3 == 1)
        where = g_strdup("inside one L3 cache");
    else
        where = g_strdup_printf("across %u L3 caches (the VM is larger than one)", plan->n_l3);
    if (node >= 0)
        node_text = g_strdup_printf(" on %sNUMA node %d", plan->gpu_node ? "the GPU's " : "", node);
    if (plan->hugepage_size_kib != 0) {
        g_autofree char *size = vf_size_text(plan->hugepage_size_kib);

        pages = g_strdup_printf("its memory in %" G_GUINT64_FORMAT " huge pages of %s",
                                plan->hugepage_count, size);
    } else {
        pages = g_strdup("no huge pages");
    }
    plan->summary = g_strdup_printf(
        "VM '%s' gets %u whole %s%s × %u thread%s (CPUs %s)%s, %s; the host keeps CPUs %s for "
        "itself, the emulator and I/O threads%s; %s.",
        vm, plan->cores, topo->hybrid ? "P-core" : "core", plan->cores == 1 ? "" : "s",
        plan->threads, plan->threads == 1 ? "" : "s", plan->vm_cpus, node_text ? node_text : "",
        where, plan->host_cpus,
        plan->isolate ? " (and, while the VM runs, nothing else runs on the VM's CPUs)" : "",
        pages);
    return g_steal_pointer(&plan);
}
