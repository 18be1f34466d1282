/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hosts: what `virtflow gpu list` tells about real-looking machines
 *
 * Each machine is a table, one line per PCI function, built in its own temporary
 * directory. The assertions are on what a user sees: which GPUs are listed, which may be
 * passed through, what moves with each, and why the others may not.
 */
#include "vf-test-apu-host.h"
#include "vf-test-util.h"

#include <glib/gstdio.h>

#define VF_LOADED_DESKTOP                                                                          \
    "vfio vfio_iommu_type1 vfio_pci pcieport i915 xhci_pci ahci igc nvme snd_hda_intel nvidia "    \
    "amdgpu nvidia_gpu"

static gboolean
vf_gpu_has_holder(const VfGpu *gpu, gint pid, const char *comm, const char *node,
                  const char *device, gboolean mapped)
{
    for (guint i = 0; i < gpu->holders->len; i++) {
        const VfHolder *h = gpu->holders->pdata[i];

        if (h->pid == pid && g_str_equal(h->comm, comm) && g_str_equal(h->node, node) &&
            g_str_equal(h->device, device) && h->mapped == mapped)
            return TRUE;
    }
    return FALSE;
}

/* ---- Intel iGPU (boot display) + NVIDIA dGPU with HDMI audio in one group ---- */

static const VfKmodelDevice vf_desktop_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 3, -1},
    {"0000:00:17.0", 0x010601, 0x8086, 0x7ae2, "ahci", NULL, 4, -1},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_desktop_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_desktop_devices,
};

static void
test_desktop(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfGpu *igpu, *dgpu;
    g_autofree char *dgpu_set = NULL;
    g_autofree char *dgpu_blockers = NULL;
    g_autofree char *igpu_blockers = NULL;
    g_autofree char *igpu_set = NULL;
    const VfBlocker *boot;

    g_assert_true(report->iommu->enabled);
    g_assert_true(report->vfio->available);
    g_assert_cmpuint(report->gpus->len, ==, 2);

    dgpu = vf_test_gpu(report, "0000:01:00.0");
    dgpu_set = vf_test_gpu_set(dgpu);
    dgpu_blockers = vf_test_gpu_blockers(dgpu);
    g_assert_cmpstr(dgpu_blockers, ==, "");
    g_assert_true(vf_gpu_is_eligible(dgpu));
    g_assert_true(vf_gpu_check_eligible(dgpu, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(dgpu_set, ==, "0000:01:00.0 0000:01:00.1");
    g_assert_false(dgpu->on_vfio);
    g_assert_cmpuint(dgpu->holders->len, ==, 0);

    igpu = vf_test_gpu(report, "0000:00:02.0");
    igpu_blockers = vf_test_gpu_blockers(igpu);
    igpu_set = vf_test_gpu_set(igpu);
    g_assert_cmpstr(igpu_blockers, ==, "boot-vga");
    g_assert_cmpstr(igpu_set, ==, "0000:00:02.0");
    boot = vf_test_gpu_blocker(igpu, VF_BLOCKER_BOOT_VGA);
    vf_assert_contains(VF_BMSG(boot), "0000:00:02.0");
    g_assert_nonnull(VF_BFIX(boot));
    g_assert_false(vf_gpu_check_eligible(igpu, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_BOOT_VGA);
    vf_assert_contains(VF_MSG(error), "0000:00:02.0");
    vf_assert_contains(VF_MSG(error), "boot-vga");
    g_clear_error(&error);

    /* the HDMI audio function stands for its GPU; a chipset device for none */
    g_assert_true(vf_host_report_find_gpu(report, "0000:01:00.1", &error) == dgpu);
    g_assert_no_error(error);
    g_assert_true(vf_host_report_find_gpu(report, "01:00.0", &error) == dgpu);
    g_assert_no_error(error);
    g_assert_null(vf_host_report_find_gpu(report, "0000:00:17.0", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "0000:00:17.0");
    g_clear_error(&error);
    g_assert_null(vf_host_report_find_gpu(report, "0000:09:00.0", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), "0000:09:00.0");
    g_clear_error(&error);
    g_assert_null(vf_host_report_find_gpu(report, "../../etc", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "../../etc");
}

static void
test_desktop_bind_refused_for_boot_gpu(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = vf_transition_new_bind(th->host, report, "0000:00:02.0", &error);

    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_BOOT_VGA);
    vf_assert_contains(VF_MSG(error), "0000:00:02.0");
}

/* ---- a card with four functions: VGA, HDMI audio, USB-C (xHCI), UCSI ---- */

static const VfKmodelDevice vf_four_function_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x1e87, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x10f8, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x0c0330, 0x10de, 0x1ad8, "xhci_hcd", "xhci_pci", 12, -1, "0000:00:01.0"},
    {"0000:01:00.3", 0x0c8000, 0x10de, 0x1ad9, "nvidia-gpu", NULL, 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelHost vf_four_function_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_four_function_devices,
};

static void
test_four_functions(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_four_function_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    g_autofree char *set = vf_test_gpu_set(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    g_assert_cmpuint(report->gpus->len, ==, 2);
    g_assert_cmpstr(set, ==, "0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3");
    g_assert_cmpuint(gpu->functions->len, ==, 4);
    g_assert_cmpstr(blockers, ==, "");
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *fn = gpu->passthrough->pdata[i];

        if (fn != gpu->device)
            g_assert_true(vf_pci_device_is_gpu_companion(fn));
    }
    /* the USB-C and UCSI functions are not GPUs of their own */
    g_assert_true(vf_host_report_find_gpu(report, "0000:01:00.3", NULL) == gpu);
    g_assert_true(vf_host_report_find_gpu(report, "0000:01:00.2", NULL) == gpu);
}

/* ---- AMD card behind its own PCIe switch; VGA and audio in separate groups ---- */

static const VfKmodelDevice vf_amd_switch_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
    {"0000:00:08.1", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 5, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x060400, 0x1002, 0x1478, "pcieport", NULL, 13, -1, "0000:00:01.1"},
    {"0000:02:00.0", 0x060400, 0x1002, 0x1479, "pcieport", NULL, 14, -1, "0000:01:00.0"},
    {"0000:03:00.0", 0x030000, 0x1002, 0x744c, "amdgpu", NULL, 15, 0, "0000:02:00.0",
     "card1 renderD129"},
    {"0000:03:00.1", 0x040300, 0x1002, 0xab30, "snd_hda_intel", NULL, 16, -1, "0000:02:00.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_amd_switch_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet amd_iommu=on iommu=pt",
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_amd_switch_devices,
};

static void
test_amd_switch(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_amd_switch_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:03:00.0");
    g_autofree char *set = vf_test_gpu_set(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    g_assert_true(report->iommu->cmdline_on);
    g_assert_true(report->iommu->cmdline_pt);
    g_assert_cmpuint(report->gpus->len, ==, 2);
    g_assert_cmpstr(set, ==, "0000:03:00.0 0000:03:00.1");
    g_assert_cmpstr(blockers, ==, "");
    g_assert_cmpstr(gpu->device->parent, ==, "0000:02:00.0");
    g_assert_cmphex(gpu->device->vendor_id, ==, 0x1002);
    g_assert_cmpstr(gpu->device->driver, ==, "amdgpu");
}

/* A switch whose ports share the GPU's group (no ACS on the switch): bridges stay out. */
static const VfKmodelDevice vf_amd_switch_shared_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
    {"0000:00:08.1", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 5, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x060400, 0x1002, 0x1478, "pcieport", NULL, 13, -1, "0000:00:01.1"},
    {"0000:02:00.0", 0x060400, 0x1002, 0x1479, "pcieport", NULL, 13, -1, "0000:01:00.0"},
    {"0000:03:00.0", 0x030000, 0x1002, 0x744c, "amdgpu", NULL, 13, 0, "0000:02:00.0",
     "card1 renderD129"},
    {"0000:03:00.1", 0x040300, 0x1002, 0xab30, "snd_hda_intel", NULL, 13, -1, "0000:02:00.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_amd_switch_shared_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_amd_switch_shared_devices,
};

static void
test_amd_switch_shared_group(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_amd_switch_shared_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:03:00.0");
    g_autofree char *set = vf_test_gpu_set(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    g_assert_cmpstr(set, ==, "0000:03:00.0 0000:03:00.1");
    g_assert_cmpstr(blockers, ==, "");
}

/* ---- a GPU in a chipset slot, its group shared with USB, SATA and the NIC ---- */

static const VfKmodelDevice vf_shared_group_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 10, -1},
    {"0000:00:17.0", 0x010601, 0x8086, 0x7ae2, "ahci", NULL, 10, -1},
    {"0000:00:1c.0", 0x060400, 0x8086, 0x7ab8, "pcieport", NULL, 10, -1},
    {"0000:00:1c.4", 0x060400, 0x8086, 0x7abc, "pcieport", NULL, 10, -1},
    {"0000:03:00.0", 0x020000, 0x8086, 0x125c, "igc", NULL, 10, -1, "0000:00:1c.0"},
    {"0000:05:00.0", 0x030000, 0x10de, 0x2504, "nvidia", NULL, 10, 0, "0000:00:1c.4",
     "card1 renderD129"},
    {"0000:05:00.1", 0x040300, 0x10de, 0x228e, "snd_hda_intel", NULL, 10, -1, "0000:00:1c.4", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_shared_group_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_shared_group_devices,
};

/* The report for one GPU: that GPU alone, with the same set, blockers and holders as in the
 * whole report; an address outside any GPU's slot gets the whole report. */
static void
test_report_for_gpu(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_shared_group_host, TRUE);
    g_autoptr(VfHostReport) full = vf_test_report(th);
    g_autoptr(VfHostReport) one = NULL;
    g_autoptr(VfHostReport) other = NULL;
    g_autoptr(GError) error = NULL;
    VfGpu *a;
    VfGpu *b;
    g_autofree char *set_a = NULL;
    g_autofree char *set_b = NULL;
    g_autofree char *blockers_a = NULL;
    g_autofree char *blockers_b = NULL;

    g_assert_cmpuint(full->gpus->len, >, 1);
    one = vf_host_report_new_for_gpu(th->host, "0000:05:00.1", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(one->gpus->len, ==, 1);
    a = vf_test_gpu(full, "0000:05:00.0");
    b = vf_test_gpu(one, "0000:05:00.0");
    set_a = vf_test_gpu_set(a);
    set_b = vf_test_gpu_set(b);
    g_assert_cmpstr(set_a, ==, set_b);
    blockers_a = vf_test_gpu_blockers(a);
    blockers_b = vf_test_gpu_blockers(b);
    g_assert_cmpstr(blockers_a, ==, blockers_b);
    g_assert_cmpuint(a->holders->len, ==, b->holders->len);

    /* a device in no GPU's slot: the whole report, so the usual error names it */
    other = vf_host_report_new_for_gpu(th->host, "0000:00:17.0", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(other->gpus->len, ==, full->gpus->len);
    g_assert_null(vf_host_report_find_gpu(other, "0000:00:17.0", &error));
    g_assert_nonnull(error);
}

static void
test_group_not_viable(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_shared_group_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *blockers = NULL;
    g_autoptr(GString) messages = g_string_new(NULL);
    VfGpu *gpu = vf_test_gpu(report, "0000:05:00.0");

    blockers = vf_test_gpu_blockers(gpu);
    g_assert_false(vf_gpu_is_eligible(gpu));
    /* one blocker per intruder, each naming it */
    g_assert_cmpstr(blockers, ==, "group-not-viable group-not-viable group-not-viable");
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        g_string_append_printf(messages, "%s\n", b->message);
        vf_assert_contains(VF_BMSG(b), "0000:05:00.0");
        g_assert_nonnull(b->fix);
    }
    vf_assert_contains(messages->str, "0000:00:14.0");
    vf_assert_contains(messages->str, "0000:00:17.0");
    vf_assert_contains(messages->str, "0000:03:00.0");
    /* bridges of the group are not intruders */
    vf_assert_not_contains(messages->str, "0000:00:1c.0");
    vf_assert_not_contains(messages->str, "0000:00:1c.4");

    g_assert_false(vf_gpu_check_eligible(gpu, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_GROUP_NOT_VIABLE);
    vf_assert_contains(VF_MSG(error), "0000:00:17.0");
    g_clear_error(&error);

    /* and nothing is taken from the host */
    t = vf_transition_new_bind(th->host, report, "0000:05:00.1", &error);
    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_GROUP_NOT_VIABLE);
    vf_assert_contains(VF_MSG(error), "0000:00:14.0");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, 0);
}

/* ---- a laptop: Intel iGPU + NVIDIA 3D controller (class 0x0302, no boot_vga) ---- */

static const VfKmodelDevice vf_laptop_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0xa7a0, "i915", NULL, 2, 1, NULL, "card0 renderD128",
     "eDP-1:connected:enabled"},
    {"0000:01:00.0", 0x030200, 0x10de, 0x28e0, "nvidia", NULL, 12, -1, "0000:00:01.0",
     "card1 renderD129"},
    {NULL},
};

static const VfKmodelHost vf_laptop_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_laptop_devices,
};

static void
test_laptop_3d_controller(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_laptop_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    VfGpu *igpu = vf_test_gpu(report, "0000:00:02.0");
    g_autofree char *set = vf_test_gpu_set(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    g_autofree char *igpu_blockers = vf_test_gpu_blockers(igpu);

    g_assert_cmpuint(report->gpus->len, ==, 2);
    g_assert_cmphex(gpu->device->class_code, ==, 0x030200);
    g_assert_cmpint(gpu->device->boot_vga, ==, -1);
    g_assert_cmpstr(set, ==, "0000:01:00.0");
    g_assert_cmpstr(blockers, ==, "");
    /* the panel is on the iGPU */
    g_assert_cmpstr(igpu_blockers, ==, "boot-vga display-active");
}

/* ---- the IOMMU switched off ---- */

static const VfKmodelDevice vf_no_iommu_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, -1, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, -1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, -1, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, -1, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, -1, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_iommu_off_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet intel_iommu=off",
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_no_iommu_devices,
};

static void
test_iommu_off(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_iommu_off_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    VfGpu *dgpu = vf_test_gpu(report, "0000:01:00.0");
    const VfBlocker *b;
    g_autofree char *dgpu_blockers = vf_test_gpu_blockers(dgpu);
    g_autofree char *dgpu_set = vf_test_gpu_set(dgpu);

    g_assert_false(report->iommu->enabled);
    g_assert_cmpuint(report->iommu->n_groups, ==, 0);
    g_assert_true(report->iommu->cmdline_off);
    g_assert_false(report->iommu->cmdline_on);
    vf_assert_contains(report->iommu->verdict, "switched off");
    vf_assert_contains(report->iommu->fix, "intel_iommu=off");

    g_assert_cmpuint(report->gpus->len, ==, 2);
    for (guint i = 0; i < report->gpus->len; i++)
        g_assert_true(vf_gpu_has_blocker(report->gpus->pdata[i], VF_BLOCKER_NO_IOMMU));
    g_assert_cmpstr(dgpu_blockers, ==, "no-iommu");
    g_assert_cmpstr(dgpu_set, ==, "0000:01:00.0 0000:01:00.1");
    b = vf_test_gpu_blocker(dgpu, VF_BLOCKER_NO_IOMMU);
    vf_assert_contains(VF_BMSG(b), "0000:01:00.0");
    vf_assert_contains(VF_BMSG(b), "switched off");
    vf_assert_contains(VF_BFIX(b), "intel_iommu=off");

    t = vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);
    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_NO_IOMMU);
}

static const VfKmodelHost vf_iommu_absent_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet",
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_no_iommu_devices,
};

static void
test_iommu_absent(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_iommu_absent_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);

    /* nothing on the command line, no IOMMU unit: the firmware is the first step */
    g_assert_false(report->iommu->enabled);
    g_assert_false(report->iommu->hardware);
    g_assert_false(report->iommu->cmdline_off);
    vf_assert_contains(report->iommu->fix, "firmware");
    vf_assert_contains(report->iommu->fix, "intel_iommu=on");
    g_assert_true(vf_gpu_has_blocker(vf_test_gpu(report, "0000:01:00.0"), VF_BLOCKER_NO_IOMMU));
}

static void
test_iommu_unit_without_groups(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_iommu_absent_host, TRUE);
    g_autofree char *unit = vf_test_host_path(th, "sys/class/iommu/dmar0");
    g_autoptr(VfHostReport) report = NULL;

    /* VT-d on in the firmware, but the kernel was not asked to use it */
    g_assert_cmpint(g_mkdir_with_parents(unit, 0755), ==, 0);
    report = vf_test_report(th);
    g_assert_false(report->iommu->enabled);
    g_assert_true(report->iommu->hardware);
    vf_assert_contains(report->iommu->verdict, "no IOMMU groups");
    vf_assert_contains(report->iommu->fix, "intel_iommu=on");
    g_assert_true(vf_gpu_has_blocker(vf_test_gpu(report, "0000:01:00.0"), VF_BLOCKER_NO_IOMMU));
}

/* The fix names this CPU's firmware switch and kernel options, not both vendors' */
static void
test_iommu_fix_for_the_cpu(void)
{
    static const struct {
        const char *cpuinfo, *want, *not_want;
    } cases[] = {
        {"processor\t: 0\nvendor_id\t: AuthenticAMD\n", "amd_iommu=on iommu=pt", "intel_iommu"},
        {"processor\t: 0\nvendor_id\t: HygonGenuine\n", "amd_iommu=on iommu=pt", "intel_iommu"},
        {"processor\t: 0\nvendor_id\t: GenuineIntel\n", "intel_iommu=on iommu=pt", "amd_iommu"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(VfTestHost) th = vf_test_host_new(&vf_iommu_absent_host, TRUE);
        g_autoptr(VfHostReport) report = NULL;

        vf_test_host_write(th, "proc/cpuinfo", cases[i].cpuinfo);
        report = vf_test_report(th);
        vf_assert_contains(report->iommu->fix, cases[i].want);
        vf_assert_contains(report->iommu->fix,
                           g_str_has_prefix(cases[i].want, "amd") ? "AMD-Vi" : "VT-d");
        g_assert_null(strstr(report->iommu->fix, cases[i].not_want));
        g_assert_cmpstr(vf_iommu_kernel_options(th->host), ==, cases[i].want);
    }
}

/* ---- a single GPU: it is the boot display ---- */

static const VfKmodelDevice vf_single_gpu_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:01:00.0", 0x030000, 0x1002, 0x73bf, "amdgpu", NULL, 12, 1, "0000:00:01.0",
     "card0 renderD128"},
    {"0000:01:00.1", 0x040300, 0x1002, 0xab28, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card0"},
    {"0000:02:00.0", 0x010802, 0x144d, 0xa80a, "nvme", NULL, 13, -1},
    {NULL},
};

static const VfKmodelHost vf_single_gpu_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_single_gpu_devices,
};

static void
test_single_gpu(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_single_gpu_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    g_assert_cmpuint(report->gpus->len, ==, 1);
    g_assert_cmpstr(blockers, ==, "boot-vga");
}

/* ---- two identical GPUs ---- */

static const VfKmodelDevice vf_twin_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:01.1", 0x060400, 0x8086, 0x460e, "pcieport", NULL, 3, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:02:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 13, 0, "0000:00:01.1",
     "card2 renderD130"},
    {"0000:02:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 13, -1, "0000:00:01.1", NULL,
     NULL, "card2"},
    {NULL},
};

static const VfKmodelHost vf_twin_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_twin_devices,
};

static void
test_twin_gpus(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *a = vf_test_gpu(report, "0000:01:00.0");
    VfGpu *b = vf_test_gpu(report, "0000:02:00.0");
    g_autofree char *set_a = vf_test_gpu_set(a);
    g_autofree char *set_b = vf_test_gpu_set(b);
    g_autofree char *blockers_a = vf_test_gpu_blockers(a);
    g_autofree char *blockers_b = vf_test_gpu_blockers(b);

    g_assert_cmpuint(report->gpus->len, ==, 3);
    g_assert_cmpstr(set_a, ==, "0000:01:00.0 0000:01:00.1");
    g_assert_cmpstr(set_b, ==, "0000:02:00.0 0000:02:00.1");
    g_assert_cmpstr(blockers_a, ==, "");
    g_assert_cmpstr(blockers_b, ==, "");
    g_assert_true(vf_host_report_find_gpu(report, "0000:02:00.1", NULL) == b);
}

/* A process on the second card's render node blocks that card only. */
static const VfKmodelProcess vf_twin_processes[] = {
    {4242, "blender", "/dev/null /dev/dri/renderD130"},
    {0},
};

static const VfKmodelHost vf_twin_busy_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_twin_devices,
    .processes = vf_twin_processes,
};

static void
test_twin_gpus_holders(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_busy_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *a = vf_test_gpu(report, "0000:01:00.0");
    VfGpu *b = vf_test_gpu(report, "0000:02:00.0");
    g_autofree char *blockers_a = vf_test_gpu_blockers(a);
    g_autofree char *blockers_b = vf_test_gpu_blockers(b);

    g_assert_cmpstr(blockers_a, ==, "");
    g_assert_cmpuint(a->holders->len, ==, 0);
    g_assert_cmpstr(blockers_b, ==, "in-use");
    g_assert_cmpuint(b->holders->len, ==, 1);
    g_assert_true(
        vf_gpu_has_holder(b, 4242, "blender", "/dev/dri/renderD130", "0000:02:00.0", FALSE));
}

/*
 * Two NVIDIA cards, a process mapping /dev/nvidia1, and no /proc/driver/nvidia to say
 * which card minor 1 is: VirtFlow cannot tell which card is held, so it must treat each as
 * possibly held. Unbinding the nvidia driver from a card a process still uses blocks in
 * the kernel; a false "in-use" only asks the user to close a program.
 */
static const VfKmodelProcess vf_twin_nvidia_processes[] = {
    {777, "nvidia-smi", NULL, "/dev/nvidia1"},
    {0},
};

static const VfKmodelHost vf_twin_nvidia_busy_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_twin_devices,
    .processes = vf_twin_nvidia_processes,
};

static void
test_twin_nvidia_unknown_minor(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_nvidia_busy_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *a = vf_test_gpu(report, "0000:01:00.0");
    VfGpu *b = vf_test_gpu(report, "0000:02:00.0");

    g_test_message("holders: %u on 0000:01:00.0, %u on 0000:02:00.0", a->holders->len,
                   b->holders->len);
    g_assert_true(vf_gpu_has_blocker(a, VF_BLOCKER_IN_USE));
    g_assert_true(vf_gpu_has_blocker(b, VF_BLOCKER_IN_USE));
}

static void
test_twin_nvidia_known_minor(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_nvidia_busy_host, TRUE);
    g_autoptr(VfHostReport) report = NULL;
    VfGpu *a, *b;

    /* the driver's procfs says which minor each card has: no guessing */
    vf_test_host_write(th, "proc/driver/nvidia/gpus/0000:01:00.0/information",
                       "Model: \t\t NVIDIA GeForce RTX 4090\nIRQ:   \t\t 190\n"
                       "Device Minor: \t 0\nBus Location: \t 0000:01:00.0\n");
    vf_test_host_write(th, "proc/driver/nvidia/gpus/0000:02:00.0/information",
                       "Model: \t\t NVIDIA GeForce RTX 4090\nIRQ:   \t\t 191\n"
                       "Device Minor: \t 1\nBus Location: \t 0000:02:00.0\n");
    report = vf_test_report(th);
    a = vf_test_gpu(report, "0000:01:00.0");
    b = vf_test_gpu(report, "0000:02:00.0");
    g_assert_false(vf_gpu_has_blocker(a, VF_BLOCKER_IN_USE));
    g_assert_true(vf_gpu_has_blocker(b, VF_BLOCKER_IN_USE));
    g_assert_true(vf_gpu_has_holder(b, 777, "nvidia-smi", "/dev/nvidia1", "0000:02:00.0", TRUE));
}

/* ---- vfio-pci availability ---- */

static const VfKmodelHost vf_no_vfio_host = {
    .kernel_release = "6.1.0-novfio",
    .loaded = "pcieport i915 xhci_pci ahci snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

static void
test_vfio_missing(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_no_vfio_host, TRUE);
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    const VfBlocker *b;
    VfGpu *gpu;
    g_autofree char *dep = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) kept = g_string_new(NULL);
    g_autofree char *dep_path = vf_test_host_path(th, "lib/modules/6.1.0-novfio/modules.dep");

    /* a kernel built without VFIO: the model always ships it, so strip it from the index */
    g_file_get_contents(dep_path, &dep, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(dep, "\n", -1);
    for (guint i = 0; lines[i]; i++)
        if (*lines[i] && !strstr(lines[i], "vfio"))
            g_string_append_printf(kept, "%s\n", lines[i]);
    g_file_set_contents(dep_path, kept->str, -1, &error);
    g_assert_no_error(error);

    report = vf_test_report(th);
    g_assert_false(report->vfio->available);
    g_assert_false(report->vfio->driver_registered);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        g_assert_cmpint(report->vfio->modules[i], ==, VF_MODULE_MISSING);
    gpu = vf_test_gpu(report, "0000:01:00.0");
    g_assert_true(vf_gpu_has_blocker(gpu, VF_BLOCKER_VFIO_UNAVAILABLE));
    b = vf_test_gpu_blocker(gpu, VF_BLOCKER_VFIO_UNAVAILABLE);
    vf_assert_contains(VF_BMSG(b), "6.1.0-novfio");
    g_assert_nonnull(VF_BFIX(b));

    t = vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);
    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_VFIO_UNAVAILABLE);
}

static const VfKmodelHost vf_vfio_loadable_host = {
    .loaded = "pcieport i915 xhci_pci ahci snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

static void
test_vfio_loadable(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_vfio_loadable_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);

    g_assert_true(report->vfio->available);
    g_assert_false(report->vfio->driver_registered);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        g_assert_cmpint(report->vfio->modules[i], ==, VF_MODULE_LOADABLE);
    g_assert_true(vf_gpu_is_eligible(vf_test_gpu(report, "0000:01:00.0")));
}

static const VfKmodelHost vf_vfio_builtin_host = {
    .builtin = "vfio vfio_iommu_type1 vfio_pci",
    .loaded = "pcieport i915 xhci_pci ahci snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

static void
test_vfio_builtin(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_vfio_builtin_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);

    g_assert_true(report->vfio->available);
    g_assert_true(report->vfio->driver_registered);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        g_assert_cmpint(report->vfio->modules[i], ==, VF_MODULE_BUILTIN);
    g_assert_true(vf_gpu_is_eligible(vf_test_gpu(report, "0000:01:00.0")));
}

static void
test_module_index_real_format(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_no_vfio_host, TRUE);

    /* what Debian ships: paths, '-' in names, compressed objects, dependency lists */
    vf_test_host_write(th, "lib/modules/6.1.0-novfio/modules.builtin",
                       "kernel/drivers/vfio/vfio.ko\n"
                       "kernel/drivers/iommu/iommufd/iommufd.ko\n");
    vf_test_host_write(
        th, "lib/modules/6.1.0-novfio/modules.dep",
        "kernel/drivers/vfio/vfio_iommu_type1.ko.xz:\n"
        "kernel/drivers/vfio/pci/nvgrace-gpu-vfio-pci.ko.xz: "
        "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz kernel/drivers/vfio/vfio.ko.xz\n"
        "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz: kernel/drivers/vfio/vfio.ko.xz\n"
        "kernel/sound/pci/hda/snd-hda-intel.ko.xz: kernel/sound/pci/hda/snd-hda-codec.ko.xz\n");
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio"), ==, VF_MODULE_BUILTIN);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio_iommu_type1"), ==, VF_MODULE_LOADABLE);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio-pci-core"), ==, VF_MODULE_LOADABLE);
    /* vfio_pci appears only as a prefix of other modules and in dependency lists */
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio_pci"), ==, VF_MODULE_MISSING);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio-pci"), ==, VF_MODULE_MISSING);
    g_assert_cmpint(vf_host_get_module_state(th->host, "snd_hda_codec"), ==, VF_MODULE_MISSING);
    /* loaded (initstate) wins over the index */
    g_assert_cmpint(vf_host_get_module_state(th->host, "snd-hda-intel"), ==, VF_MODULE_LOADED);
}

/* ---- a display on the dGPU ---- */

static const VfKmodelDevice vf_display_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:connected:enabled HDMI-A-1:disconnected:disabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_display_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_display_devices,
};

static const VfKmodelDevice vf_display_off_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:connected:disabled HDMI-A-1:disconnected:disabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_display_off_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_display_off_devices,
};

static void
test_display_active(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_display_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_DISPLAY_ACTIVE);

    g_assert_cmpstr(blockers, ==, "display-active");
    vf_assert_contains(VF_BMSG(b), "card1-DP-1");
    vf_assert_not_contains(VF_BMSG(b), "HDMI-A-1");
    g_assert_false(vf_gpu_check_eligible(gpu, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
}

static void
test_display_connected_disabled(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_display_off_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    /* a monitor plugged in but switched off in the display settings is fine */
    g_assert_cmpstr(blockers, ==, "");
}

/* ---- processes holding the dGPU ---- */

static const VfKmodelProcess vf_busy_processes[] = {
    {1234, "Xorg", "/dev/null /dev/tty7 /dev/dri/renderD129"},
    {2345, "gnome-shell", "/dev/null", "/dev/nvidia0 /dev/nvidiactl"},
    {3456, "pipewire", "/dev/snd/controlC0 /dev/snd/pcmC1D3p"},
    {4567, "bash", "/dev/pts/0 /dev/dri/renderD128"}, /* the iGPU: not the dGPU's business */
    {5678, "firefox", "/dev/dri/renderD1290 /dev/snd/pcmC10D3p"}, /* look-alikes */
    {0},
};

static const VfKmodelHost vf_busy_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_desktop_devices,
    .processes = vf_busy_processes,
};

static void
test_in_use(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_busy_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    VfGpu *gpu = vf_test_gpu(report, "0000:01:00.0");
    VfGpu *igpu = vf_test_gpu(report, "0000:00:02.0");
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_IN_USE);

    g_assert_true(report->holders_complete);
    g_assert_cmpstr(blockers, ==, "in-use");
    g_assert_cmpuint(gpu->holders->len, ==, 3);
    g_assert_true(
        vf_gpu_has_holder(gpu, 1234, "Xorg", "/dev/dri/renderD129", "0000:01:00.0", FALSE));
    g_assert_true(
        vf_gpu_has_holder(gpu, 2345, "gnome-shell", "/dev/nvidia0", "0000:01:00.0", TRUE));
    g_assert_true(
        vf_gpu_has_holder(gpu, 3456, "pipewire", "/dev/snd/pcmC1D3p", "0000:01:00.1", FALSE));
    vf_assert_contains(VF_BMSG(b), "pid 1234 (Xorg)");
    vf_assert_contains(VF_BMSG(b), "/dev/dri/renderD129");
    vf_assert_contains(VF_BMSG(b), "pid 2345 (gnome-shell)");
    vf_assert_contains(VF_BMSG(b), "/dev/nvidia0");
    vf_assert_contains(VF_BMSG(b), "pid 3456 (pipewire)");
    vf_assert_contains(VF_BMSG(b), "/dev/snd/pcmC1D3p");
    vf_assert_not_contains(VF_BMSG(b), "bash");
    vf_assert_not_contains(VF_BMSG(b), "firefox");

    g_assert_cmpuint(igpu->holders->len, ==, 1);
    g_assert_true(
        vf_gpu_has_holder(igpu, 4567, "bash", "/dev/dri/renderD128", "0000:00:02.0", FALSE));

    t = vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);
    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
    vf_assert_contains(VF_MSG(error), "Xorg");
}

static void
test_in_use_incomplete(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_busy_host, TRUE);
    g_autoptr(VfHostReport) report = NULL;
    g_autofree char *fd_dir = vf_test_host_path(th, "proc/5678/fd");

    /* another user's process: /proc/PID exists but its fds cannot be read */
    vf_test_rm_rf(fd_dir);
    report = vf_test_report(th);
    g_assert_false(report->holders_complete);
    g_assert_true(vf_gpu_has_blocker(vf_test_gpu(report, "0000:01:00.0"), VF_BLOCKER_IN_USE));
}

/* ---- everything at once: blockers are listed together, not one by one ---- */

static const VfKmodelProcess vf_worst_processes[] = {
    {1234, "Xorg", "/dev/dri/card0"},
    {0},
};

static const VfKmodelDevice vf_worst_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 1, -1},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 1, 1, NULL, "card0 renderD128",
     "DP-1:connected:enabled"},
    {NULL},
};

static const VfKmodelHost vf_worst_host = {
    .loaded = VF_LOADED_DESKTOP,
    .devices = vf_worst_devices,
    .processes = vf_worst_processes,
};

static void
test_all_blockers(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_worst_host, TRUE);
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *blockers = NULL;
    VfGpu *gpu;

    report = vf_test_report(th);
    gpu = vf_test_gpu(report, "0000:01:00.0");
    blockers = vf_test_gpu_blockers(gpu);
    g_assert_cmpstr(blockers, ==, "boot-vga display-active group-not-viable in-use");
    g_assert_false(vf_gpu_check_eligible(gpu, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_BOOT_VGA);
    vf_assert_contains(VF_MSG(error), "[display-active]");
    vf_assert_contains(VF_MSG(error), "[group-not-viable]");
    vf_assert_contains(VF_MSG(error), "[in-use]");
}

/* ---- an AMD APU's iGPU next to the platform's functions (vf-test-apu-host.h) ---- */

static char *
vf_test_gpu_staying(const VfGpu *gpu)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < gpu->staying->len; i++)
        g_string_append_printf(out, "%s%s", i ? " " : "",
                               ((VfPciDevice *)gpu->staying->pdata[i])->address);
    return g_string_free(out, FALSE);
}

/* The iGPU takes its HDMI audio only: the PSP, the CPU's USB controllers and the audio
 * functions, another vendor's and each in a group of its own, stay with the host. The
 * NVIDIA card's four functions, in four groups, all move: they are the card's own. */
static void
test_apu_sets(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_test_apu_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfGpu *igpu = vf_test_gpu(report, "0000:0e:00.0");
    VfGpu *dgpu = vf_test_gpu(report, "0000:01:00.0");
    g_autofree char *igpu_set = vf_test_gpu_set(igpu);
    g_autofree char *igpu_staying = vf_test_gpu_staying(igpu);
    g_autofree char *igpu_blockers = vf_test_gpu_blockers(igpu);
    g_autofree char *dgpu_set = vf_test_gpu_set(dgpu);
    g_autofree char *dgpu_staying = vf_test_gpu_staying(dgpu);

    g_assert_cmpstr(igpu_set, ==, "0000:0e:00.0 0000:0e:00.1");
    g_assert_cmpstr(igpu_staying, ==,
                    "0000:0e:00.2 0000:0e:00.3 0000:0e:00.4 0000:0e:00.5 0000:0e:00.6");
    g_assert_cmpuint(igpu->functions->len, ==, 7);
    g_assert_cmpstr(igpu_blockers, ==, "");
    g_assert_true(vf_gpu_is_eligible(igpu));

    g_assert_cmpstr(dgpu_set, ==, "0000:01:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3");
    g_assert_cmpstr(dgpu_staying, ==, "");

    /* the HDMI audio stands for the iGPU; the PSP does not, and the error says why */
    g_assert_true(vf_host_report_find_gpu(report, "0000:0e:00.1", &error) == igpu);
    g_assert_no_error(error);
    g_assert_null(vf_host_report_find_gpu(report, "0000:0e:00.2", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "0000:0e:00.2");
    vf_assert_contains(VF_MSG(error), "stays with the host");
    vf_assert_contains(VF_MSG(error), "0000:0e:00.0");
}

/* A bind of the iGPU writes for .0 and .1 only; the host keeps its PSP and USB. */
static void
test_apu_bind(void)
{
    static const char *const slot[] = {
        "0000:0e:00.0", "0000:0e:00.1", "0000:0e:00.2", "0000:0e:00.3",
        "0000:0e:00.4", "0000:0e:00.5", "0000:0e:00.6", NULL};
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_test_apu_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = vf_transition_new_bind(th->host, report, "0000:0e:00.0", &error);
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GString) devices = g_string_new(NULL);
    g_autofree char *drivers = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(t);
    for (guint i = 0; i < vf_transition_get_devices(t)->len; i++)
        g_string_append_printf(devices, "%s%s", i ? " " : "",
                               ((VfDeviceOrigin *)vf_transition_get_devices(t)->pdata[i])->address);
    g_assert_cmpstr(devices->str, ==, "0000:0e:00.0 0000:0e:00.1");
    writes = vf_transition_dup_writes(t);
    g_assert_cmpuint(writes->len, >, 0);
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        if (!g_str_equal(w->device, "0000:0e:00.0") && !g_str_equal(w->device, "0000:0e:00.1"))
            g_error("a write for %s: %s < %s", w->device, w->path, w->value);
        for (guint f = 2; slot[f]; f++)
            vf_assert_not_contains(w->path, slot[f]);
    }

    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, slot);
    g_assert_cmpstr(drivers, ==,
                    "0000:0e:00.0=vfio-pci 0000:0e:00.1=vfio-pci 0000:0e:00.2=ccp "
                    "0000:0e:00.3=xhci_hcd 0000:0e:00.4=xhci_hcd 0000:0e:00.5=- "
                    "0000:0e:00.6=snd_hda_intel");
}

/* Another vendor's function in the iGPU's own IOMMU group moves with it: the kernel gives
 * no choice. */
static const VfKmodelDevice vf_apu_shared_group_devices[] = {
    {"0000:00:00.0", 0x060000, 0x1022, 0x14d8, NULL, NULL, -1, -1},
    {"0000:00:08.1", 0x060400, 0x1022, 0x14dd, "pcieport", NULL, 9, -1},
    {"0000:0e:00.0", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 21, 0, "0000:00:08.1",
     "card0 renderD128"},
    {"0000:0e:00.1", 0x040300, 0x1002, 0x1640, "snd_hda_intel", NULL, 22, -1, "0000:00:08.1", NULL,
     NULL, "card0"},
    {"0000:0e:00.2", 0x108000, 0x1022, 0x1649, "ccp", NULL, 21, -1, "0000:00:08.1"},
    {"0000:0e:00.3", 0x0c0330, 0x1022, 0x15b6, "xhci_hcd", "xhci_pci", 24, -1, "0000:00:08.1"},
    {NULL},
};

static const VfKmodelHost vf_apu_shared_group_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport amdgpu xhci_pci snd_hda_intel ccp",
    .devices = vf_apu_shared_group_devices,
};

static void
test_apu_shared_group(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_apu_shared_group_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:0e:00.0");
    g_autofree char *set = vf_test_gpu_set(gpu);
    g_autofree char *staying = vf_test_gpu_staying(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);

    g_assert_cmpstr(set, ==, "0000:0e:00.0 0000:0e:00.1 0000:0e:00.2");
    g_assert_cmpstr(staying, ==, "0000:0e:00.3");
    g_assert_cmpstr(blockers, ==, "");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/hosts/desktop/report", test_desktop);
    g_test_add_func("/hosts/desktop/boot-gpu-refused", test_desktop_bind_refused_for_boot_gpu);
    g_test_add_func("/hosts/four-functions", test_four_functions);
    g_test_add_func("/hosts/amd-switch/separate-groups", test_amd_switch);
    g_test_add_func("/hosts/amd-switch/shared-group", test_amd_switch_shared_group);
    g_test_add_func("/hosts/apu/sets", test_apu_sets);
    g_test_add_func("/hosts/apu/bind", test_apu_bind);
    g_test_add_func("/hosts/apu/shared-group", test_apu_shared_group);
    g_test_add_func("/hosts/group-not-viable", test_group_not_viable);
    g_test_add_func("/hosts/report-for-gpu", test_report_for_gpu);
    g_test_add_func("/hosts/laptop-3d-controller", test_laptop_3d_controller);
    g_test_add_func("/hosts/iommu/off", test_iommu_off);
    g_test_add_func("/hosts/iommu/absent", test_iommu_absent);
    g_test_add_func("/hosts/iommu/unit-without-groups", test_iommu_unit_without_groups);
    g_test_add_func("/hosts/iommu/fix-for-the-cpu", test_iommu_fix_for_the_cpu);
    g_test_add_func("/hosts/single-gpu", test_single_gpu);
    g_test_add_func("/hosts/twin/sets", test_twin_gpus);
    g_test_add_func("/hosts/twin/holders", test_twin_gpus_holders);
    g_test_add_func("/hosts/twin/nvidia-unknown-minor", test_twin_nvidia_unknown_minor);
    g_test_add_func("/hosts/twin/nvidia-known-minor", test_twin_nvidia_known_minor);
    g_test_add_func("/hosts/vfio/missing", test_vfio_missing);
    g_test_add_func("/hosts/vfio/loadable", test_vfio_loadable);
    g_test_add_func("/hosts/vfio/builtin", test_vfio_builtin);
    g_test_add_func("/hosts/vfio/module-index", test_module_index_real_format);
    g_test_add_func("/hosts/display/active", test_display_active);
    g_test_add_func("/hosts/display/connected-disabled", test_display_connected_disabled);
    g_test_add_func("/hosts/in-use/holders", test_in_use);
    g_test_add_func("/hosts/in-use/incomplete", test_in_use_incomplete);
    g_test_add_func("/hosts/all-blockers", test_all_blockers);

    return g_test_run();
}
