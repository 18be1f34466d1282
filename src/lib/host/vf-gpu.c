/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-gpu.h"

#include "host/vf-drivers.h"

#include "core/vf-error.h"

#include <string.h>

static const char *const vf_blocker_kind_names[] = {
    [VF_BLOCKER_NO_IOMMU] = "no-iommu",
    [VF_BLOCKER_VFIO_UNAVAILABLE] = "vfio-unavailable",
    [VF_BLOCKER_BOOT_VGA] = "boot-vga",
    [VF_BLOCKER_DISPLAY_ACTIVE] = "display-active",
    [VF_BLOCKER_GROUP_NOT_VIABLE] = "group-not-viable",
    [VF_BLOCKER_IN_USE] = "in-use",
    [VF_BLOCKER_NVIDIA_HOLDER] = "nvidia-holder",
    [VF_BLOCKER_FRAMEBUFFER] = "framebuffer",
    [VF_BLOCKER_BOOT_FRAMEBUFFER] = "boot-framebuffer",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_blocker_kind_names) == VF_BLOCKER_LAST);

/* The GError code a blocker maps to when it stops an operation. */
static const VfErrorCode vf_blocker_error_codes[] = {
    [VF_BLOCKER_NO_IOMMU] = VF_ERROR_NO_IOMMU,
    [VF_BLOCKER_VFIO_UNAVAILABLE] = VF_ERROR_VFIO_UNAVAILABLE,
    [VF_BLOCKER_BOOT_VGA] = VF_ERROR_BOOT_VGA,
    [VF_BLOCKER_DISPLAY_ACTIVE] = VF_ERROR_DEVICE_IN_USE,
    [VF_BLOCKER_GROUP_NOT_VIABLE] = VF_ERROR_GROUP_NOT_VIABLE,
    [VF_BLOCKER_IN_USE] = VF_ERROR_DEVICE_IN_USE,
    [VF_BLOCKER_NVIDIA_HOLDER] = VF_ERROR_DEVICE_IN_USE,
    [VF_BLOCKER_FRAMEBUFFER] = VF_ERROR_DEVICE_IN_USE,
    [VF_BLOCKER_BOOT_FRAMEBUFFER] = VF_ERROR_DEVICE_IN_USE,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_blocker_error_codes) == VF_BLOCKER_LAST);

const char *
vf_blocker_kind_to_string(VfBlockerKind kind)
{
    return kind < VF_BLOCKER_LAST ? vf_blocker_kind_names[kind] : "unknown";
}

static void
vf_blocker_free(VfBlocker *blocker)
{
    if (blocker == NULL)
        return;
    g_free(blocker->message);
    g_free(blocker->fix);
    g_free(blocker);
}

void
vf_gpu_add_blocker(VfGpu *gpu, VfBlockerKind kind, char *message, const char *fix)
{
    VfBlocker *b = g_new0(VfBlocker, 1);

    b->kind = kind;
    b->message = message;
    b->fix = g_strdup(fix);
    g_ptr_array_add(gpu->blockers, b);
}

static void
vf_gpu_free(VfGpu *gpu)
{
    if (gpu == NULL)
        return;
    g_ptr_array_unref(gpu->functions);
    g_ptr_array_unref(gpu->passthrough);
    g_ptr_array_unref(gpu->staying);
    g_ptr_array_unref(gpu->blockers);
    g_ptr_array_unref(gpu->holders);
    g_ptr_array_unref(gpu->warnings);
    g_free(gpu);
}

gboolean
vf_gpu_has_blocker(const VfGpu *gpu, VfBlockerKind kind)
{
    for (guint i = 0; i < gpu->blockers->len; i++)
        if (((VfBlocker *)gpu->blockers->pdata[i])->kind == kind)
            return TRUE;
    return FALSE;
}

gboolean
vf_gpu_is_eligible(const VfGpu *gpu)
{
    return gpu->blockers->len == 0;
}

gboolean
vf_gpu_check_eligible(const VfGpu *gpu, GError **error)
{
    g_autoptr(GString) msg = NULL;
    const VfBlocker *first;

    if (gpu->blockers->len == 0)
        return TRUE;
    first = gpu->blockers->pdata[0];
    msg = g_string_new(NULL);
    g_string_append_printf(msg, "GPU %s cannot be passed through:", gpu->device->address);
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        g_string_append_printf(msg, "\n  [%s] %s\n    fix: %s", vf_blocker_kind_to_string(b->kind),
                               b->message, b->fix);
    }
    g_set_error_literal(error, VF_ERROR, vf_blocker_error_codes[first->kind], msg->str);
    vf_error_add_fix(error, "%s", first->fix);
    return FALSE;
}

static gboolean
vf_ptr_array_has(GPtrArray *array, gconstpointer item)
{
    return g_ptr_array_find(array, item, NULL);
}

static int
vf_dev_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(VfPciDevice *const *)a)->address, (*(VfPciDevice *const *)b)->address);
}

/* Connected and enabled connectors of @dev's DRM cards: "card1-DP-1" */
static GPtrArray *
vf_gpu_active_connectors(VfHost *host, const VfPciDevice *dev)
{
    GPtrArray *active = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *drm_dir = vf_pci_device_path(dev->address, "drm");
    g_autoptr(GPtrArray) cards = vf_host_list_dir(host, drm_dir);

    for (guint i = 0; cards && i < cards->len; i++) {
        const char *card = cards->pdata[i];
        g_autofree char *card_dir = NULL;
        g_autofree char *prefix = NULL;
        g_autoptr(GPtrArray) entries = NULL;

        if (!g_str_has_prefix(card, "card"))
            continue;
        card_dir = g_strconcat(drm_dir, "/", card, NULL);
        prefix = g_strconcat(card, "-", NULL);
        entries = vf_host_list_dir(host, card_dir);
        for (guint j = 0; entries && j < entries->len; j++) {
            const char *conn = entries->pdata[j];
            g_autofree char *status_path = NULL;
            g_autofree char *enabled_path = NULL;
            g_autofree char *status = NULL;
            g_autofree char *enabled = NULL;

            if (!g_str_has_prefix(conn, prefix))
                continue;
            status_path = g_strconcat(card_dir, "/", conn, "/status", NULL);
            enabled_path = g_strconcat(card_dir, "/", conn, "/enabled", NULL);
            status = vf_host_read_opt(host, status_path);
            enabled = vf_host_read_opt(host, enabled_path);
            if (g_strcmp0(status, "connected") == 0 && g_strcmp0(enabled, "enabled") == 0)
                g_ptr_array_add(active, g_strdup(conn));
        }
    }
    return active;
}

/* Whether @fn, a function of the slot of the display function @dev, moves with it: it is
 * in @dev's IOMMU group (VFIO takes a group whole), or it is the card's own (HDMI audio,
 * USB-C, UCSI: the display function's vendor). An APU's slot also holds the platform's
 * functions (AMD's PSP, the CPU's USB controllers, audio), each in a group of its own:
 * those stay with the host. Without an IOMMU every function of the slot moves (the GPU
 * is blocked then anyway). */
static gboolean
vf_gpu_function_moves(const VfPciDevice *dev, const VfPciDevice *fn)
{
    return fn == dev || dev->iommu_group < 0 || fn->iommu_group == dev->iommu_group ||
           fn->vendor_id == dev->vendor_id;
}

static VfGpu *
vf_gpu_new(VfHost *host, VfHostReport *report, VfPciDevice *dev)
{
    VfGpu *gpu = g_new0(VfGpu, 1);
    g_autoptr(GPtrArray) intruders = g_ptr_array_new();
    g_autoptr(GPtrArray) connectors = NULL;

    gpu->device = dev;
    vf_pci_device_load_details(host, dev);
    gpu->functions = vf_pci_bus_dup_slot_functions(report->bus, dev);
    gpu->passthrough = g_ptr_array_new();
    gpu->staying = g_ptr_array_new();
    gpu->blockers = g_ptr_array_new_with_free_func((GDestroyNotify)vf_blocker_free);
    gpu->holders = g_ptr_array_new_with_free_func((GDestroyNotify)vf_holder_free);
    gpu->warnings = g_ptr_array_new_with_free_func((GDestroyNotify)vf_gpu_warning_free);

    /* The functions of the slot that move: the GPU's group and the card's own vendor. */
    for (guint i = 0; i < gpu->functions->len; i++) {
        VfPciDevice *fn = gpu->functions->pdata[i];

        vf_pci_device_load_details(host, fn);
        if (vf_gpu_function_moves(dev, fn))
            g_ptr_array_add(gpu->passthrough, fn);
    }
    /* Then every endpoint of their groups: a function of the slot joins them (the kernel
     * gives no choice), any other device blocks. */
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        VfPciDevice *fn = gpu->passthrough->pdata[i];
        g_autoptr(GPtrArray) members = NULL;

        if (!vf_pci_address_same_slot(fn->address, dev->address))
            continue;
        members = vf_pci_bus_dup_group_members(report->bus, fn->iommu_group);
        for (guint j = 0; j < members->len; j++) {
            VfPciDevice *m = members->pdata[j];

            if (vf_pci_device_is_bridge(m) || vf_ptr_array_has(gpu->passthrough, m))
                continue;
            g_ptr_array_add(gpu->passthrough, m);
            if (!vf_pci_address_same_slot(m->address, dev->address))
                g_ptr_array_add(intruders, m);
        }
    }
    g_ptr_array_sort(gpu->passthrough, vf_dev_cmp);
    for (guint i = 0; i < gpu->functions->len; i++)
        if (!vf_ptr_array_has(gpu->passthrough, gpu->functions->pdata[i]))
            g_ptr_array_add(gpu->staying, gpu->functions->pdata[i]);
    for (guint i = 0; i < gpu->passthrough->len; i++)
        vf_pci_device_load_details(host, gpu->passthrough->pdata[i]);

    gpu->on_vfio = TRUE;
    for (guint i = 0; i < gpu->passthrough->len; i++)
        if (g_strcmp0(((VfPciDevice *)gpu->passthrough->pdata[i])->driver, "vfio-pci") != 0)
            gpu->on_vfio = FALSE;

    if (!report->iommu->enabled || dev->iommu_group < 0)
        vf_gpu_add_blocker(
            gpu, VF_BLOCKER_NO_IOMMU,
            g_strdup_printf("%s has no IOMMU group: %s", dev->address, report->iommu->verdict),
            report->iommu->fix ? report->iommu->fix
                               : "Enable the IOMMU in the firmware and on the "
                                 "kernel command line.");
    if (!report->vfio->available)
        vf_gpu_add_blocker(gpu, VF_BLOCKER_VFIO_UNAVAILABLE,
                           g_strdup_printf("vfio-pci is not available in kernel %s",
                                           report->vfio->kernel_release
                                               ? report->vfio->kernel_release
                                               : "(unknown)"),
                           "Install a kernel built with VFIO (CONFIG_VFIO_PCI), then run "
                           "'virtflow setup'.");
    if (dev->boot_vga == 1)
        vf_gpu_add_blocker(gpu, VF_BLOCKER_BOOT_VGA,
                           g_strdup_printf("%s is the firmware's boot display (boot_vga=1): "
                                           "the host would lose its console",
                                           dev->address),
                           "Pass through the other GPU, or make the integrated GPU the "
                           "primary display in the firmware setup.");

    connectors = vf_gpu_active_connectors(host, dev);
    if (connectors->len > 0) {
        g_autofree char *names = NULL;

        g_ptr_array_add(connectors, NULL);
        names = g_strjoinv(", ", (char **)connectors->pdata);
        vf_gpu_add_blocker(
            gpu, VF_BLOCKER_DISPLAY_ACTIVE,
            g_strdup_printf("%s drives a connected, enabled display (%s)", dev->address, names),
            "Plug the monitor into the integrated GPU (the motherboard's output) or turn this "
            "output off in the display settings, then try again.");
    }

    for (guint i = 0; i < intruders->len; i++) {
        VfPciDevice *m = intruders->pdata[i];
        g_autofree char *cls = vf_pci_class_dup_name(m->class_code);
        g_autofree char *name = vf_pci_device_dup_device_name(m);

        vf_gpu_add_blocker(
            gpu, VF_BLOCKER_GROUP_NOT_VIABLE,
            g_strdup_printf("IOMMU group %d of %s also holds %s (%s: %s, driver %s), which "
                            "is not part of this GPU; VirtFlow never takes it from the host",
                            m->iommu_group, dev->address, m->address, cls, name,
                            m->driver ? m->driver : "none"),
            "Move the GPU to a slot with its own IOMMU group (often the first x16 slot, wired "
            "to the CPU), or enable ACS in the firmware setup.");
    }
    return gpu;
}

/* Find holders of every GPU's nodes with one pass over /proc. */
static void
vf_host_report_find_holders(VfHost *host, VfHostReport *report)
{
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func((GDestroyNotify)vf_node_rule_free);
    g_autoptr(GPtrArray) holders = NULL;

    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];

        for (guint j = 0; j < gpu->passthrough->len; j++)
            vf_pci_device_collect_nodes(host, gpu->passthrough->pdata[j], nodes);
    }
    holders = vf_host_find_holders(host, nodes, &report->holders_complete);

    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];
        g_autoptr(GString) who = g_string_new(NULL);

        for (guint h = 0; h < holders->len; h++) {
            VfHolder *holder = holders->pdata[h];
            VfPciDevice *owner = vf_pci_bus_lookup(report->bus, holder->device);
            VfHolder *copy;

            if (owner == NULL || !vf_ptr_array_has(gpu->passthrough, owner))
                continue;
            copy = g_new0(VfHolder, 1);
            copy->pid = holder->pid;
            copy->comm = g_strdup(holder->comm);
            copy->node = g_strdup(holder->node);
            copy->device = g_strdup(holder->device);
            copy->mapped = holder->mapped;
            g_ptr_array_add(gpu->holders, copy);
            g_string_append_printf(who, "%spid %d (%s) %s %s", who->len ? "; " : "", copy->pid,
                                   copy->comm, copy->mapped ? "maps" : "holds", copy->node);
        }
        if (gpu->holders->len > 0)
            vf_gpu_add_blocker(gpu, VF_BLOCKER_IN_USE,
                               g_strdup_printf("%s is in use: %s", gpu->device->address, who->str),
                               "Close these programs (a display server, PipeWire or "
                               "nvidia-persistenced are the usual ones), then try again.");
    }
}

/* @only: a PCI address; then only the GPU in its slot is looked at (NULL: every GPU). */
static VfHostReport *
vf_host_report_build(VfHost *host, const char *only, GError **error)
{
    g_autoptr(VfHostReport) report = g_new0(VfHostReport, 1);

    gint64 t0 = g_get_monotonic_time();

    report->bus = vf_pci_bus_scan_light(host, error);
    if (report->bus == NULL)
        return NULL;
    g_debug("report: %u PCI devices scanned in %.1f ms", report->bus->devices->len,
            (g_get_monotonic_time() - t0) / 1000.0);
    report->iommu = vf_iommu_status_new(host);
    g_debug("report: IOMMU at %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
    report->vfio = vf_vfio_status_new(host);
    g_debug("report: vfio at %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
    report->gpus = g_ptr_array_new_with_free_func((GDestroyNotify)vf_gpu_free);
    report->holders_complete = TRUE;

    for (guint i = 0; i < report->bus->devices->len; i++) {
        VfPciDevice *dev = report->bus->devices->pdata[i];

        if (vf_pci_device_is_display(dev) &&
            (only == NULL || vf_pci_address_same_slot(dev->address, only)))
            g_ptr_array_add(report->gpus, vf_gpu_new(host, report, dev));
    }
    g_debug("report: IOMMU, vfio and %u GPUs at %.1f ms", report->gpus->len,
            (g_get_monotonic_time() - t0) / 1000.0);
    vf_host_report_find_holders(host, report);
    g_debug("report: holders found at %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
    vf_host_report_check_drivers(host, report);
    g_debug("report: driver checks at %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
    return g_steal_pointer(&report);
}

VfHostReport *
vf_host_report_new(VfHost *host, GError **error)
{
    return vf_host_report_build(host, NULL, error);
}

VfHostReport *
vf_host_report_new_for_gpu(VfHost *host, const char *address, GError **error)
{
    g_autofree char *canon = vf_pci_address_normalize(address, NULL);
    g_autoptr(VfHostReport) report = NULL;

    /* a malformed address, or one that is not a GPU function: the whole report, so that
     * vf_host_report_find_gpu() says what is wrong exactly as it always does */
    if (canon == NULL)
        return vf_host_report_new(host, error);
    report = vf_host_report_build(host, canon, error);
    if (report == NULL || report->gpus->len > 0)
        return g_steal_pointer(&report);
    g_clear_pointer(&report, vf_host_report_free);
    return vf_host_report_new(host, error);
}

void
vf_host_report_free(VfHostReport *report)
{
    if (report == NULL)
        return;
    if (report->gpus)
        g_ptr_array_unref(report->gpus);
    vf_pci_bus_free(report->bus);
    vf_iommu_status_free(report->iommu);
    vf_vfio_status_free(report->vfio);
    g_free(report);
}

VfGpu *
vf_host_report_find_gpu(VfHostReport *report, const char *address, GError **error)
{
    g_autofree char *canon = vf_pci_address_normalize(address, error);
    VfPciDevice *dev;

    if (canon == NULL)
        return NULL;
    dev = vf_pci_bus_lookup(report->bus, canon);
    if (dev == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "PCI device %s does not exist on this host; see 'virtflow gpu list'", canon);
        vf_error_add_fix(error, "Choose one of this host's GPUs (the GPU list shows them)");
        return NULL;
    }
    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];

        if (gpu->device == dev)
            return gpu;
    }
    /* a companion function (HDMI audio, USB-C) stands for its GPU; a function of the slot
     * that stays with the host (an APU's PSP or USB) does not */
    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];

        if (vf_ptr_array_has(gpu->functions, dev) && vf_ptr_array_has(gpu->passthrough, dev))
            return gpu;
    }
    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];
        g_autofree char *cls = NULL;

        if (!vf_ptr_array_has(gpu->staying, dev))
            continue;
        cls = vf_pci_class_dup_name(dev->class_code);
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is a %s (driver %s) on the slot of GPU %s, but not part of it: it stays "
                    "with the host when the GPU moves (another vendor's function, in an IOMMU "
                    "group of its own)",
                    canon, cls, dev->driver ? dev->driver : "none", gpu->device->address);
        vf_error_add_fix(error, "To pass the GPU through, give its address, %s",
                         gpu->device->address);
        return NULL;
    }
    {
        g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is a %s (driver %s), not a GPU or a function of one; see 'virtflow "
                    "gpu list'",
                    canon, cls, dev->driver ? dev->driver : "none");
        vf_error_add_fix(error, "Choose one of this host's GPUs (the GPU list shows them)");
    }
    return NULL;
}
