/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-tune: the tune plan on fake sysfs topologies of real CPUs, the domain rewrite, its
 * exact undo, and tune and activate in every order
 *
 * Each CPU is a line of a table (demo/vf-kmodel.h VfKmodelCpu) from which the kernel
 * model writes /sys/devices/system/cpu, node, cpu_core/cpu_atom, the huge page pools,
 * /proc/meminfo and /proc/cpuinfo as Linux shows them on that part.
 */
#include "vf-test-util.h"

#include "domain/vf-domain-xml.h"
#include "tune/vf-topology.h"
#include "tune/vf-tune-runtime.h"
#include "tune/vf-tune-xml.h"
#include "tune/vf-tune.h"

#include <glib/gstdio.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>

#define AMD_FLAGS                                                                                  \
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "                     \
    "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm "                   \
    "constant_tsc rep_good nopl cpuid pni svm topoext"
#define INTEL_FLAGS                                                                                \
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "                     \
    "clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp "                   \
    "lm constant_tsc vmx"
/* a laptop part without 1 GiB pages */
#define OLD_FLAGS                                                                                  \
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "                     \
    "clflush mmx fxsr sse sse2 ss syscall nx lm constant_tsc vmx"

/* Ryzen 9 5950X: 16 cores, SMT (cpu N and N+16), two CCDs of 8 cores (CCD0 = 0-7,16-23) */
static const VfKmodelCpu ryzen_5950x = {
    "AuthenticAMD",
    "AMD Ryzen 9 5950X 16-Core Processor",
    AMD_FLAGS,
    16,
    2,
    FALSE,
    0,
    8,
    1,
    NULL,
    65536000,
    0,
    TRUE,
    0,
};
/* Core i9-13900K: 8 P-cores with HT (cpus 0-15, 2c and 2c+1), 16 E-cores (16-31), one L3 */
static const VfKmodelCpu intel_13900k = {
    "GenuineIntel",
    "13th Gen Intel(R) Core(TM) i9-13900K",
    INTEL_FLAGS,
    8,
    2,
    TRUE,
    16,
    0,
    1,
    NULL,
    65536000,
    0,
    TRUE,
    0,
};
/* the 13900K with Hyper-Threading off in the firmware: P-cores 0-7, E-cores 8-23, one thread
 * each (only cpu_core/cpu_atom tell them apart) */
static const VfKmodelCpu intel_13900k_noht = {
    "GenuineIntel",
    "13th Gen Intel(R) Core(TM) i9-13900K",
    INTEL_FLAGS,
    8,
    1,
    TRUE,
    16,
    0,
    1,
    NULL,
    65536000,
    0,
    TRUE,
    0,
};
/* Ryzen 7 5800X: 8 cores, SMT, one CCD */
static const VfKmodelCpu ryzen_5800x = {
    "AuthenticAMD",
    "AMD Ryzen 7 5800X 8-Core Processor",
    AMD_FLAGS,
    8,
    2,
    FALSE,
    0,
    8,
    1,
    NULL,
    32768000,
    0,
    TRUE,
    0,
};
/* Core i5-7300HQ: a 4-core laptop part without SMT (nor 1 GiB pages) */
static const VfKmodelCpu intel_7300hq = {
    "GenuineIntel",
    "Intel(R) Core(TM) i5-7300HQ CPU @ 2.50GHz",
    OLD_FLAGS,
    4,
    1,
    FALSE,
    0,
    0,
    1,
    NULL,
    16384000,
    0,
    FALSE,
    0,
};
/* Threadripper 2950X: 16 cores, SMT, two NUMA nodes (node0 0-7,16-23; node1 8-15,24-31),
 * four CCXs of 4 cores */
static const VfKmodelCpu tr_2950x = {
    "AuthenticAMD",
    "AMD Ryzen Threadripper 2950X 16-Core Processor",
    AMD_FLAGS,
    16,
    2,
    FALSE,
    0,
    4,
    2,
    NULL,
    131072000,
    0,
    TRUE,
    0,
};
/* the 5950X with cpu 31 (core 15's second thread) offline */
static const VfKmodelCpu ryzen_5950x_offline = {
    "AuthenticAMD",
    "AMD Ryzen 9 5950X 16-Core Processor",
    AMD_FLAGS,
    16,
    2,
    FALSE,
    0,
    8,
    1,
    "31",
    65536000,
    0,
    TRUE,
    0,
};

#define GPU "0000:01:00.0"

static VfTestHost *
vf_cpu_host(const VfKmodelCpu *cpu, gint gpu_node)
{
    VfKmodelDevice devices[] = {
        {"0000:00:01.0", 0x060400, 0x1022, 0x1483, "pcieport", NULL, 1, -1, .numa_node = gpu_node},
        {GPU, 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
         .numa_node = gpu_node},
        {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0",
         .numa_node = gpu_node},
        {NULL},
    };
    VfKmodelHost spec = {.loaded = "vfio vfio_iommu_type1 vfio_pci pcieport nvidia snd_hda_intel",
                         .devices = devices,
                         .cpu = cpu};

    return vf_test_host_new(&spec, FALSE);
}

static VfTopology *
vf_read_topo(VfTestHost *th)
{
    g_autoptr(GError) error = NULL;
    VfTopology *topo = vf_topology_read(th->host, &error);

    g_assert_no_error(error);
    g_assert_nonnull(topo);
    return topo;
}

static gboolean
vf_in(GArray *cpus, guint cpu)
{
    for (guint i = 0; i < cpus->len; i++)
        if (g_array_index(cpus, guint, i) == cpu)
            return TRUE;
    return FALSE;
}

/* Every rule of the plan, checked against the topology it was made on. */
static void
vf_check_plan(const VfTopology *topo, const VfTunePlan *plan, gint gpu_node)
{
    g_autoptr(GArray) host = NULL;
    g_autoptr(GHashTable) l3s = g_hash_table_new(NULL, NULL);
    const VfCpuCore *reserve = NULL;
    guint max_l3 = 0;

    host = vf_cpu_list_parse(plan->host_cpus, NULL);
    g_assert_nonnull(host);
    g_assert_cmpuint(plan->vcpu_cpus->len, ==, plan->cores * plan->threads);
    /* the host's reserve: the first core of the node */
    for (guint i = 0; i < topo->cores->len && reserve == NULL; i++) {
        const VfCpuCore *core = g_ptr_array_index(topo->cores, i);

        if (core->node == plan->node)
            reserve = core;
    }
    g_assert_nonnull(reserve);
    for (guint i = 0; i < reserve->cpus->len; i++)
        g_assert_true(vf_in(host, g_array_index(reserve->cpus, guint, i)));
    if (gpu_node >= 0)
        g_assert_cmpint(plan->node, ==, gpu_node);

    for (guint i = 0; i < plan->vcpu_cpus->len; i++) {
        guint cpu = g_array_index(plan->vcpu_cpus, guint, i);
        const VfCpuCore *core = vf_topology_core_of(topo, cpu);

        g_assert_nonnull(core);
        g_assert_false(vf_in(host, cpu));            /* disjoint */
        g_assert_false(core->ecore);                 /* P-cores only */
        g_assert_cmpint(core->node, ==, plan->node); /* the node */
        /* whole cores: every thread of the core is the VM's, sibling vCPUs together */
        g_assert_cmpuint(core->cpus->len, ==, plan->threads);
        g_assert_cmpuint(g_array_index(core->cpus, guint, i % plan->threads), ==, cpu);
        g_hash_table_add(l3s, GINT_TO_POINTER(core->l3 + 1));
    }
    for (guint i = 0; i < topo->online->len; i++) {
        guint cpu = g_array_index(topo->online, guint, i);

        g_assert_true(vf_in(host, cpu) != vf_in(plan->vcpu_cpus, cpu));
    }
    /* one L3 whenever the VM fits in one (the usable cores of the biggest) */
    for (guint i = 0; i < topo->cores->len; i++) {
        const VfCpuCore *a = g_ptr_array_index(topo->cores, i);
        guint n = 0;

        for (guint j = 0; j < topo->cores->len; j++) {
            const VfCpuCore *b = g_ptr_array_index(topo->cores, j);

            if (b != reserve && b->l3 == a->l3 && b->node == plan->node && !b->ecore &&
                b->cpus->len == plan->threads)
                n++;
        }
        max_l3 = MAX(max_l3, n);
    }
    if (plan->cores <= max_l3)
        g_assert_cmpuint(g_hash_table_size(l3s), ==, 1);
    g_assert_cmpuint(g_hash_table_size(l3s), ==, plan->n_l3);
}

static VfTunePlan *
vf_plan(const VfKmodelCpu *cpu, gint gpu_node, guint cores, guint vcpus, VfTuneHugepages hp,
        GError **error)
{
    g_autoptr(VfTestHost) th = vf_cpu_host(cpu, gpu_node);
    g_autoptr(VfTopology) topo = vf_read_topo(th);
    VfTuneRequest request = {.cores = cores, .hugepages = hp};
    gint node = vf_topology_pci_numa_node(th->host, GPU);
    VfTunePlan *plan;

    g_assert_cmpint(node, ==, gpu_node);
    plan = vf_tune_plan_new(topo, node, "win11", vcpus, 8388608, &request, error);
    if (plan != NULL)
        vf_check_plan(topo, plan, gpu_node);
    return plan;
}

static void
test_cpu_list(void)
{
    static const struct {
        const char *in;
        const char *out;
    } good[] = {
        {"0-3,8-11\n", "0-3,8-11"},       {"5", "5"},         {"", ""},         {"\n", ""},
        {"0-15:2", "0,2,4,6,8,10,12,14"}, {"3,1,2,2", "1-3"}, {"8191", "8191"},
    };
    static const char *const bad[] = {"3-1", "a",    "1,,2", "8192", "0-",
                                      ",",   "1,",   "-1",   "0-3 ", "0-99999999999999999999",
                                      "1:2", "0-4:0"};

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) cpus = vf_cpu_list_parse(good[i].in, &error);
        g_autofree char *text = NULL;

        g_assert_no_error(error);
        text = vf_cpu_list_format_array(cpus);
        g_assert_cmpstr(text, ==, good[i].out);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) cpus = vf_cpu_list_parse(bad[i], &error);

        g_assert_null(cpus);
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error->message, "not a CPU list"));
    }
}

static void
test_topology_5950x(void)
{
    g_autoptr(VfTestHost) th = vf_cpu_host(&ryzen_5950x, 0);
    g_autoptr(VfTopology) topo = vf_read_topo(th);
    const VfCpuCore *core = vf_topology_core_of(topo, 16);

    g_assert_cmpuint(topo->cores->len, ==, 16);
    g_assert_cmpuint(topo->online->len, ==, 32);
    g_assert_true(topo->amd);
    g_assert_true(topo->topoext);
    g_assert_true(topo->pdpe1gb);
    g_assert_false(topo->hybrid);
    g_assert_nonnull(core);
    g_assert_cmpuint(core->cpus->len, ==, 2);
    g_assert_cmpuint(g_array_index(core->cpus, guint, 0), ==, 0);
    g_assert_cmpint(vf_topology_core_of(topo, 24)->l3, ==, 8);
    g_assert_cmpint(vf_topology_core_of(topo, 23)->l3, ==, 0);
    g_assert_nonnull(vf_topology_hugepages(topo, 2048));
    g_assert_nonnull(vf_topology_hugepages(topo, 1048576));
    g_assert_cmpuint(topo->mem_total_kib, ==, 65536000);
}

static void
test_plan_5950x(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;

    /* 8 vCPUs: 4 cores on the CCD the host's core is not on */
    plan = vf_plan(&ryzen_5950x, 0, 0, 8, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "8-11,24-27");
    g_assert_cmpstr(plan->host_cpus, ==, "0-7,12-23,28-31");
    g_assert_cmpuint(plan->threads, ==, 2);
    g_assert_cmpuint(plan->hugepage_size_kib, ==, 2048);
    g_assert_cmpuint(plan->hugepage_count, ==, 4096);
    g_assert_nonnull(strstr(plan->summary, "inside one L3 cache"));
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* a whole CCD */
    plan = vf_plan(&ryzen_5950x, 0, 8, 0, VF_TUNE_HUGEPAGES_1G, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "8-15,24-31");
    g_assert_cmpuint(plan->hugepage_size_kib, ==, 1048576);
    g_assert_cmpuint(plan->hugepage_count, ==, 8);
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* larger than a CCD: both, the host keeps core 0 */
    plan = vf_plan(&ryzen_5950x, 0, 12, 0, VF_TUNE_HUGEPAGES_OFF, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->n_l3, ==, 2);
    g_assert_cmpstr(plan->vm_cpus, ==, "1-4,8-15,17-20,24-31");
    g_assert_cmpuint(plan->hugepage_size_kib, ==, 0);
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* the host keeps a core: 16 is one too many */
    plan = vf_plan(&ryzen_5950x, 0, 16, 0, VF_TUNE_HUGEPAGES_OFF, &error);
    g_assert_null(plan);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, "16 cores"));
    g_assert_nonnull(strstr(error->message, "at most 15"));
    g_assert_nonnull(strstr(error->message, "CPUs 0,16"));
}

static void
test_plan_5950x_offline(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;

    /* core 15 lost a thread: not a whole core any more */
    plan = vf_plan(&ryzen_5950x_offline, 0, 8, 0, VF_TUNE_HUGEPAGES_OFF, &error);
    g_assert_no_error(error);
    g_assert_false(vf_in(plan->vcpu_cpus, 15));
    g_assert_cmpstr(plan->vm_cpus, ==, "1,8-14,17,24-30");
}

static void
test_plan_13900k(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;
    g_autoptr(VfTestHost) th = vf_cpu_host(&intel_13900k, 0);
    g_autoptr(VfTopology) topo = vf_read_topo(th);

    g_assert_true(topo->hybrid);
    g_assert_cmpuint(topo->cores->len, ==, 24);
    g_assert_true(vf_topology_core_of(topo, 16)->ecore);
    g_assert_false(vf_topology_core_of(topo, 15)->ecore);
    g_assert_false(topo->amd);

    plan = vf_plan(&intel_13900k, 0, 6, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "2-13");
    g_assert_cmpstr(plan->host_cpus, ==, "0-1,14-31");
    g_assert_false(plan->amd);
    g_assert_nonnull(strstr(plan->summary, "P-cores"));
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* E-cores are never the VM's: 8 P-cores, the host keeps one */
    plan = vf_plan(&intel_13900k, 0, 8, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_null(plan);
    g_assert_nonnull(strstr(error->message, "8 P-cores"));
    g_assert_nonnull(strstr(error->message, "at most 7"));
    g_clear_error(&error);

    /* without Hyper-Threading P- and E-cores have one thread each: still P-cores only */
    plan = vf_plan(&intel_13900k_noht, 0, 7, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "1-7");
    g_assert_cmpuint(plan->threads, ==, 1);
    g_clear_pointer(&plan, vf_tune_plan_free);
    plan = vf_plan(&intel_13900k_noht, 0, 8, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_null(plan);
    g_assert_nonnull(strstr(error->message, "at most 7"));
}

static void
test_plan_5800x(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;

    plan = vf_plan(&ryzen_5800x, 0, 4, 0, VF_TUNE_HUGEPAGES_2M, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "1-4,9-12");
    g_assert_cmpuint(plan->n_l3, ==, 1);
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* 7 vCPUs round up to 4 whole cores */
    plan = vf_plan(&ryzen_5800x, 0, 0, 7, VF_TUNE_HUGEPAGES_OFF, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->cores, ==, 4);
    g_assert_cmpuint(plan->vcpu_cpus->len, ==, 8);
}

static void
test_plan_laptop(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;

    plan = vf_plan(&intel_7300hq, 0, 3, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "1-3");
    g_assert_cmpstr(plan->host_cpus, ==, "0");
    g_assert_cmpuint(plan->threads, ==, 1);
    g_clear_pointer(&plan, vf_tune_plan_free);

    /* 4 vCPUs on 4 cores: the host would have none */
    plan = vf_plan(&intel_7300hq, 0, 0, 4, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_null(plan);
    g_assert_nonnull(strstr(error->message, "at most 3"));
    g_clear_error(&error);

    /* memory that is not a whole number of pages: 1 GiB pages refused, auto takes none */
    {
        g_autoptr(VfTestHost) th = vf_cpu_host(&ryzen_5950x, 0);
        g_autoptr(VfTopology) topo = vf_read_topo(th);
        VfTuneRequest request = {.cores = 2, .hugepages = VF_TUNE_HUGEPAGES_1G};

        plan = vf_tune_plan_new(topo, 0, "odd", 4, 8389632, &request, &error);
        g_assert_null(plan);
        g_assert_nonnull(strstr(error->message, "not a whole number of 1 GiB huge pages"));
        g_assert_nonnull(strstr(error->message, "9437184 KiB"));
        g_clear_error(&error);
        request.hugepages = VF_TUNE_HUGEPAGES_AUTO;
        plan = vf_tune_plan_new(topo, 0, "odd", 4, 8388609, &request, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(plan->hugepage_size_kib, ==, 0);
        g_clear_pointer(&plan, vf_tune_plan_free);
    }

    /* no pdpe1gb: no 1 GiB pages */
    plan = vf_plan(&intel_7300hq, 0, 2, 0, VF_TUNE_HUGEPAGES_1G, &error);
    g_assert_null(plan);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, "pdpe1gb"));
}

static void
test_plan_threadripper(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTunePlan) plan = NULL;

    /* the GPU on node 1: the VM there, on the CCX without the host's core 8 */
    plan = vf_plan(&tr_2950x, 1, 4, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpint(plan->node, ==, 1);
    g_assert_true(plan->gpu_node);
    g_assert_cmpstr(plan->vm_cpus, ==, "12-15,28-31");
    g_assert_nonnull(strstr(plan->summary, "the GPU's NUMA node 1"));
    g_clear_pointer(&plan, vf_tune_plan_free);

    plan = vf_plan(&tr_2950x, 1, 7, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(plan->vm_cpus, ==, "9-15,25-31");
    g_clear_pointer(&plan, vf_tune_plan_free);

    plan = vf_plan(&tr_2950x, 1, 8, 0, VF_TUNE_HUGEPAGES_AUTO, &error);
    g_assert_null(plan);
    g_assert_nonnull(strstr(error->message, "NUMA node 1"));
    g_assert_nonnull(strstr(error->message, "at most 7"));
}

/* ---- the domain ---- */

static const char vf_domain[] = "<domain type='kvm'>\n"
                                "  <name>win11</name>\n"
                                "  <uuid>3f7c2a4e-9b1d-4c55-8e0a-6d2b71f4c9a3</uuid>\n"
                                "  <memory unit='KiB'>8388608</memory>\n"
                                "  <currentMemory unit='KiB'>8388608</currentMemory>\n"
                                "  <vcpu placement='static'>8</vcpu>\n"
                                "  <os>\n"
                                "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
                                "  </os>\n"
                                "  <features>\n"
                                "    <acpi/>\n"
                                "    <apic/>\n"
                                "  </features>\n"
                                "  <cpu mode='host-passthrough' check='none' migratable='on'>\n"
                                "    <feature policy='disable' name='hypervisor'/>\n"
                                "  </cpu>\n"
                                "  <clock offset='localtime'/>\n"
                                "  <devices>\n"
                                "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                                "    <disk type='file' device='disk'>\n"
                                "      <driver name='qemu' type='qcow2'/>\n"
                                "      <source file='/var/lib/libvirt/images/win11.qcow2'/>\n"
                                "      <target dev='vda' bus='virtio'/>\n"
                                "    </disk>\n"
                                "    <disk type='file' device='disk'>\n"
                                "      <source file='/var/lib/libvirt/images/data.raw'/>\n"
                                "      <target dev='vdb' bus='virtio'/>\n"
                                "    </disk>\n"
                                "    <disk type='file' device='cdrom'>\n"
                                "      <driver name='qemu' type='raw'/>\n"
                                "      <target dev='sdb' bus='sata'/>\n"
                                "      <readonly/>\n"
                                "    </disk>\n"
                                "    <controller type='pci' index='0' model='pcie-root'/>\n"
                                "    <controller type='pci' index='1' model='pcie-root-port'/>\n"
                                "    <controller type='pci' index='2' model='pcie-root-port'/>\n"
                                "    <graphics type='spice' autoport='yes'/>\n"
                                "    <video>\n"
                                "      <model type='qxl'/>\n"
                                "    </video>\n"
                                "  </devices>\n"
                                "</domain>\n";

/* Canonical XML (C14N), the layout's blank text dropped. */
static char *
vf_canonical(const char *xml)
{
    g_autoptr(GString) out = g_string_new(NULL);
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NOBLANKS);
    xmlChar *c14n = NULL;

    g_assert_nonnull(doc);
    g_assert_cmpint(xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &c14n), >=, 0);
    g_string_append(out, (const char *)c14n);
    xmlFree(c14n);
    xmlFreeDoc(doc);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
vf_assert_same_domain(const char *a, const char *b)
{
    g_autofree char *ca = vf_canonical(a);
    g_autofree char *cb = vf_canonical(b);

    g_assert_cmpstr(ca, ==, cb);
}

/* virt-xml-validate FILE domain (libvirt's schema): skipped, saying so, without it */
static void
vf_assert_valid(const char *xml)
{
    g_autofree char *tool = g_find_program_in_path("virt-xml-validate");
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = -1;

    if (tool == NULL) {
        g_test_message("SKIP schema check: virt-xml-validate not found (Debian package "
                       "libvirt-clients)");
        return;
    }
    dir = g_dir_make_tmp("vf-tune-XXXXXX", &error);
    g_assert_no_error(error);
    path = g_build_filename(dir, "domain.xml", NULL);
    g_file_set_contents(path, xml, -1, &error);
    g_assert_no_error(error);
    {
        const char *argv[] = {tool, path, "domain", NULL};

        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     &error);
    }
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_fail_printf("virt-xml-validate refuses the tuned domain:\n%s%s\n%s", out, err, xml);
    g_unlink(path);
    g_rmdir(dir);
}

static char *
vf_tuned(const char *xml, const VfKmodelCpu *cpu, guint cores, VfTuneHugepages hp, gboolean replace,
         GError **error)
{
    g_autoptr(VfTunePlan) plan = vf_plan(cpu, 0, cores, 8, hp, NULL);

    g_assert_nonnull(plan);
    return vf_tune_xml_apply(xml, plan, replace, error);
}

static void
test_xml_apply_undo(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tuned =
        vf_tuned(vf_domain, &ryzen_5950x, 0, VF_TUNE_HUGEPAGES_AUTO, FALSE, &error);
    g_autofree char *again = NULL;
    g_autofree char *undone = NULL;
    g_autoptr(VfTuneRecord) record = NULL;
    g_autoptr(VfTuneRuntime) rt = NULL;
    g_autoptr(VfTuneDomain) dom = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(tuned);
    vf_assert_valid(tuned);
    /* sibling vCPUs on sibling threads, the host's CPUs for the rest */
    g_assert_nonnull(strstr(tuned, "<vcpu placement=\"static\">8</vcpu>"));
    g_assert_nonnull(strstr(tuned, "<vcpupin vcpu=\"0\" cpuset=\"8\"/>"));
    g_assert_nonnull(strstr(tuned, "<vcpupin vcpu=\"1\" cpuset=\"24\"/>"));
    g_assert_nonnull(strstr(tuned, "<vcpupin vcpu=\"7\" cpuset=\"27\"/>"));
    g_assert_nonnull(strstr(tuned, "<emulatorpin cpuset=\"0-7,12-23,28-31\"/>"));
    g_assert_nonnull(strstr(tuned, "<iothreadpin iothread=\"2\" cpuset=\"0-7,12-23,28-31\"/>"));
    g_assert_nonnull(strstr(tuned, "<iothreads>2</iothreads>"));
    g_assert_nonnull(strstr(tuned, "<driver name=\"qemu\" type=\"qcow2\" iothread=\"1\"/>"));
    g_assert_nonnull(strstr(tuned, "<driver iothread=\"2\"/>"));
    g_assert_nonnull(strstr(tuned, "<cpu mode=\"host-passthrough\" check=\"none\" "
                                   "migratable=\"off\">"));
    g_assert_nonnull(
        strstr(tuned, "<topology sockets=\"1\" dies=\"1\" cores=\"4\" threads=\"2\"/>"));
    g_assert_nonnull(strstr(tuned, "<cache mode=\"passthrough\"/>"));
    g_assert_nonnull(strstr(tuned, "<feature policy=\"require\" name=\"topoext\"/>"));
    g_assert_nonnull(strstr(tuned, "<feature policy=\"disable\" name=\"hypervisor\"/>"));
    g_assert_nonnull(strstr(tuned, "<page size=\"2048\" unit=\"KiB\"/>"));
    g_assert_nonnull(strstr(tuned, "host-cpus=\"0-7,12-23,28-31\" vm-cpus=\"8-11,24-27\""));
    g_assert_nonnull(strstr(tuned, "<vftune:hugepages size-kib=\"2048\" count=\"4096\"/>"));

    g_assert_true(vf_tune_xml_read_record(tuned, &record, &error));
    g_assert_no_error(error);
    g_assert_nonnull(record);
    g_assert_cmpstr(record->vm_cpus_text, ==, "8-11,24-27");
    g_assert_cmpuint(record->vcpupin->len, ==, 8);
    g_assert_cmpuint(record->hugepage_count, ==, 4096);
    dom = vf_tune_xml_inspect(tuned, &error);
    g_assert_no_error(error);
    g_assert_true(dom->tuned);
    g_assert_cmpuint(dom->vcpus, ==, 8);
    g_assert_cmpuint(dom->memory_kib, ==, 8388608);

    /* the run-time reader agrees, once it is there (tune-run's vf-tune-runtime.c) */
    g_assert_true(vf_tune_runtime_from_domain_xml(tuned, &rt, &error));
    g_assert_no_error(error);
    if (rt != NULL) {
        g_assert_cmpstr(rt->vm_cpus, ==, "8-11,24-27");
        g_assert_cmpuint(rt->hugepage_size_kib, ==, 2048);
    }

    /* tuning again keeps the first originals */
    again = vf_tuned(tuned, &ryzen_5950x, 6, VF_TUNE_HUGEPAGES_OFF, FALSE, &error);
    g_assert_no_error(error);
    g_assert_null(strstr(again, "<page size"));
    undone = vf_tune_xml_undo(again, &error);
    g_assert_no_error(error);
    vf_assert_same_domain(undone, vf_domain);
    g_clear_pointer(&undone, g_free);

    undone = vf_tune_xml_undo(tuned, &error);
    g_assert_no_error(error);
    vf_assert_same_domain(undone, vf_domain);
    /* undo without a record changes nothing */
    g_clear_pointer(&tuned, g_free);
    tuned = vf_tune_xml_undo(vf_domain, &error);
    g_assert_cmpstr(tuned, ==, vf_domain);
}

/* Every CPU's plan written into the domain: libvirt's schema accepts it, the topology is the
 * plan's, topoext only on AMD, and undo gives the domain back. */
static void
test_xml_each_cpu(void)
{
    static const struct {
        const VfKmodelCpu *cpu;
        gint gpu_node;
        guint cores;
        const char *topology;
    } cases[] = {
        {&ryzen_5950x, 0, 8, "cores=\"8\" threads=\"2\""},
        {&intel_13900k, 0, 6, "cores=\"6\" threads=\"2\""},
        {&ryzen_5800x, 0, 4, "cores=\"4\" threads=\"2\""},
        {&intel_7300hq, 0, 3, "cores=\"3\" threads=\"1\""},
        {&tr_2950x, 1, 4, "cores=\"4\" threads=\"2\""},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfTunePlan) plan = vf_plan(cases[i].cpu, cases[i].gpu_node, cases[i].cores, 0,
                                             VF_TUNE_HUGEPAGES_AUTO, &error);
        g_autofree char *tuned = NULL;
        g_autofree char *undone = NULL;

        g_assert_no_error(error);
        tuned = vf_tune_xml_apply(vf_domain, plan, FALSE, &error);
        g_assert_no_error(error);
        vf_assert_valid(tuned);
        g_assert_nonnull(strstr(tuned, cases[i].topology));
        /* memory from the GPU's node on a two-node host only */
        g_assert_cmpint(strstr(tuned, "<memory mode=\"preferred\" nodeset=\"1\"/>") != NULL, ==,
                        cases[i].cpu == &tr_2950x);
        g_assert_cmpint(strstr(tuned, "name=\"topoext\"") != NULL, ==,
                        cases[i].cpu->vendor[0] == 'A');
        undone = vf_tune_xml_undo(tuned, &error);
        g_assert_no_error(error);
        vf_assert_same_domain(undone, vf_domain);
    }
}

static void
test_xml_foreign(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *own = NULL;
    g_autofree char *tuned = NULL;
    g_autofree char *undone = NULL;
    g_autofree char *win11 = NULL;
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "..", "domain", "data", "win11.in.xml", NULL);

    /* a <cputune> of the user's: refused, nothing written */
    own = g_strdup(vf_domain);
    {
        char *at = strstr(own, "  <os>");
        g_autofree char *head = g_strndup(own, (gsize)(at - own));

        g_free(own);
        own = g_strconcat(head, "  <cputune>\n    <vcpupin vcpu='0' cpuset='2'/>\n  </cputune>\n",
                          strstr(vf_domain, "  <os>"), NULL);
    }
    tuned = vf_tuned(own, &ryzen_5950x, 4, VF_TUNE_HUGEPAGES_AUTO, FALSE, &error);
    g_assert_null(tuned);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, "<cputune>"));
    g_assert_nonnull(strstr(error->message, "--replace"));
    g_assert_nonnull(strstr(error->message, "'win11'"));
    g_clear_error(&error);

    /* --replace takes it over; undo puts it back */
    tuned = vf_tuned(own, &ryzen_5950x, 4, VF_TUNE_HUGEPAGES_AUTO, TRUE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(tuned, "<vcpupin vcpu=\"0\" cpuset=\"8\"/>"));
    g_assert_nonnull(strstr(tuned, "<vcpupin vcpu=\"0\" cpuset=\"2\"/>")); /* recorded */
    vf_assert_valid(tuned);
    undone = vf_tune_xml_undo(tuned, &error);
    g_assert_no_error(error);
    vf_assert_same_domain(undone, own);
    g_clear_pointer(&tuned, g_free);
    g_clear_pointer(&undone, g_free);

    /* a real VM with a 4×2 topology of its own (tests/domain/data/win11.in.xml) */
    g_file_get_contents(path, &win11, NULL, &error);
    g_assert_no_error(error);
    tuned = vf_tuned(win11, &tr_2950x, 4, VF_TUNE_HUGEPAGES_AUTO, FALSE, &error);
    g_assert_null(tuned);
    g_assert_nonnull(strstr(error->message, "topology"));
    g_clear_error(&error);
    tuned = vf_tuned(win11, &tr_2950x, 4, VF_TUNE_HUGEPAGES_AUTO, TRUE, &error);
    g_assert_no_error(error);
    vf_assert_valid(tuned);
    undone = vf_tune_xml_undo(tuned, &error);
    g_assert_no_error(error);
    vf_assert_same_domain(undone, win11);
}

static void
test_xml_damaged(void)
{
    static const char *const records[] = {
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' host-cpus='0-x' vm-cpus='1'/>",
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' vm-cpus='1'/>",
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' host-cpus='0' vm-cpus='1'>"
        "<vftune:original element='devices'><devices/></vftune:original></vftune:tune>",
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' host-cpus='0' vm-cpus='1'>"
        "<vftune:original element='cpu'><disk/></vftune:original></vftune:tune>",
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' host-cpus='0' vm-cpus='1'>"
        "<vftune:hugepages size-kib='3000' count='1'/></vftune:tune>",
        "<vftune:tune xmlns:vftune='" VF_TUNE_XML_NAMESPACE "' host-cpus='0' vm-cpus='1'>"
        "<vftune:disk target='../vda'/></vftune:tune>",
    };

    for (guint i = 0; i < G_N_ELEMENTS(records); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>w</name><metadata>%s"
                                               "</metadata><vcpu>2</vcpu></domain>",
                                               records[i]);
        g_autofree char *undone = vf_tune_xml_undo(xml, &error);
        g_autoptr(VfTuneRecord) record = NULL;

        g_assert_null(undone);
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        g_assert_nonnull(strstr(error->message, "Domain 'w' has a damaged tune record"));
        g_clear_error(&error);
        g_assert_false(vf_tune_xml_read_record(xml, &record, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    }
}

/* ---- with Activate, in every order ---- */

static char *
vf_activate(const char *xml)
{
    g_autoptr(GError) error = NULL;
    VfPassthroughDevice devices[] = {{(char *)GPU, (char *)"nvidia"},
                                     {(char *)"0000:01:00.1", (char *)"snd_hda_intel"}};
    char *out = vf_domain_xml_activate(xml, GPU, devices, 2, &error);

    g_assert_no_error(error);
    return out;
}

static char *
vf_deactivate(const char *xml)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_domain_xml_deactivate(xml, &error);

    g_assert_no_error(error);
    return out;
}

static char *
vf_undo(const char *xml)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_tune_xml_undo(xml, &error);

    g_assert_no_error(error);
    return out;
}

static char *
vf_tune(const char *xml)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_tuned(xml, &ryzen_5950x, 4, VF_TUNE_HUGEPAGES_AUTO, FALSE, &error);

    g_assert_no_error(error);
    return out;
}

static void
vf_assert_records(const char *xml, gboolean activated, gboolean tuned)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTuneRecord) record = NULL;
    g_autofree char *gpu = NULL;

    g_assert_cmpint(vf_domain_xml_get_passthrough(xml, &gpu, NULL, &error), ==, activated);
    g_assert_no_error(error);
    g_assert_true(vf_tune_xml_read_record(xml, &record, &error));
    g_assert_no_error(error);
    g_assert_cmpint(record != NULL, ==, tuned);
}

static void
vf_orders(const char *original)
{
    /* tune, activate, undo, deactivate */
    {
        g_autofree char *a = vf_tune(original);
        g_autofree char *b = vf_activate(a);
        g_autofree char *c = NULL;
        g_autofree char *d = NULL;

        vf_assert_records(b, TRUE, TRUE);
        vf_assert_valid(b);
        c = vf_undo(b);
        vf_assert_records(c, TRUE, FALSE);
        d = vf_deactivate(c);
        vf_assert_same_domain(d, original);
    }
    /* tune, activate, deactivate, undo */
    {
        g_autofree char *a = vf_tune(original);
        g_autofree char *b = vf_activate(a);
        g_autofree char *c = vf_deactivate(b);
        g_autofree char *d = NULL;

        vf_assert_records(c, FALSE, TRUE);
        d = vf_undo(c);
        vf_assert_same_domain(d, original);
    }
    /* activate, tune, deactivate, undo */
    {
        g_autofree char *a = vf_activate(original);
        g_autofree char *b = vf_tune(a);
        g_autofree char *c = vf_deactivate(b);
        g_autofree char *d = NULL;

        vf_assert_records(b, TRUE, TRUE);
        vf_assert_valid(b);
        vf_assert_records(c, FALSE, TRUE);
        d = vf_undo(c);
        vf_assert_same_domain(d, original);
    }
    /* activate, tune, undo, deactivate */
    {
        g_autofree char *a = vf_activate(original);
        g_autofree char *b = vf_tune(a);
        g_autofree char *c = vf_undo(b);
        g_autofree char *d = NULL;

        vf_assert_records(c, TRUE, FALSE);
        vf_assert_same_domain(c, a);
        d = vf_deactivate(c);
        vf_assert_same_domain(d, original);
    }
}

static void
test_with_activate(void)
{
    g_autofree char *with_metadata = NULL;

    /* without <metadata>: one of the two creates it, the last to go takes it away */
    vf_orders(vf_domain);
    /* with a <metadata> of its own (libosinfo's): it stays */
    with_metadata =
        g_strconcat("<domain type='kvm'>\n  <name>win11</name>\n  <metadata>\n"
                    "    <libosinfo:libosinfo "
                    "xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\">\n"
                    "      <libosinfo:os id=\"http://microsoft.com/win/11\"/>\n"
                    "    </libosinfo:libosinfo>\n  </metadata>\n",
                    strstr(vf_domain, "  <uuid>") +
                        strlen("  <uuid>3f7c2a4e-9b1d-4c55-8e0a-6d2b71f4c9a3</uuid>\n"),
                    NULL);
    vf_orders(with_metadata);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tune/cpu-list", test_cpu_list);
    g_test_add_func("/tune/topology/5950x", test_topology_5950x);
    g_test_add_func("/tune/plan/5950x", test_plan_5950x);
    g_test_add_func("/tune/plan/5950x-offline", test_plan_5950x_offline);
    g_test_add_func("/tune/plan/13900k", test_plan_13900k);
    g_test_add_func("/tune/plan/5800x", test_plan_5800x);
    g_test_add_func("/tune/plan/laptop", test_plan_laptop);
    g_test_add_func("/tune/plan/threadripper", test_plan_threadripper);
    g_test_add_func("/tune/xml/apply-undo", test_xml_apply_undo);
    g_test_add_func("/tune/xml/each-cpu", test_xml_each_cpu);
    g_test_add_func("/tune/xml/foreign", test_xml_foreign);
    g_test_add_func("/tune/xml/damaged", test_xml_damaged);
    g_test_add_func("/tune/xml/with-activate", test_with_activate);
    return g_test_run();
}
