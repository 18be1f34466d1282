/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowHostReport: a snapshot of one VfHostReport (host/vf-gpu.h).
 */
#include "virtflow-private.h"

/**
 * VirtFlowHostReport:
 *
 * What a #VirtFlowHost is, read at once: the IOMMU (enabled, what the kernel command line
 * asks, a verdict and its fix), vfio (the driver registered or available, each vfio
 * module's state), the GPUs with their verdicts, and every PCI function. Its properties and
 * getters are what `virtflow host --json` (with `--groups`, the devices) and `virtflow gpu
 * list --json` print. Made by virtflow_host_get_report().
 *
 * A snapshot: the properties do not change after it was read, so they have no notify; read
 * the host again for the present state.
 */
struct _VirtFlowHostReport {
    GObject parent_instance;
    VfHost *host;         /* to read the devices' details on demand */
    VfHostReport *report; /* kept: the devices are read from its bus */
    GPtrArray *gpus;      /* of VirtFlowGpu* */
    GPtrArray *modules;   /* of VirtFlowKernelModule* */
    GPtrArray *devices;   /* of VirtFlowDevice*, NULL until asked */
    GMutex lock;          /* guards the reading of @devices */
};

enum {
    PROP_0,
    PROP_IOMMU_ENABLED,
    PROP_IOMMU_GROUPS,
    PROP_IOMMU_HARDWARE,
    PROP_IOMMU_CMDLINE_ON,
    PROP_IOMMU_CMDLINE_OFF,
    PROP_IOMMU_PASSTHROUGH,
    PROP_IOMMU_VERDICT,
    PROP_IOMMU_FIX,
    PROP_VFIO_AVAILABLE,
    PROP_VFIO_REGISTERED,
    PROP_KERNEL_RELEASE,
    PROP_HOLDERS_COMPLETE,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowHostReport, virtflow_host_report, G_TYPE_OBJECT)

static void
virtflow_host_report_finalize(GObject *object)
{
    VirtFlowHostReport *self = VIRTFLOW_HOST_REPORT(object);

    g_clear_pointer(&self->gpus, g_ptr_array_unref);
    g_clear_pointer(&self->modules, g_ptr_array_unref);
    g_clear_pointer(&self->devices, g_ptr_array_unref);
    g_clear_pointer(&self->report, vf_host_report_free);
    g_clear_pointer(&self->host, vf_host_unref);
    g_mutex_clear(&self->lock);
    G_OBJECT_CLASS(virtflow_host_report_parent_class)->finalize(object);
}

static void
virtflow_host_report_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowHostReport *self = VIRTFLOW_HOST_REPORT(object);

    switch (prop_id) {
    case PROP_IOMMU_ENABLED:
        g_value_set_boolean(value, virtflow_host_report_get_iommu_enabled(self));
        break;
    case PROP_IOMMU_GROUPS:
        g_value_set_uint(value, virtflow_host_report_get_iommu_groups(self));
        break;
    case PROP_IOMMU_HARDWARE:
        g_value_set_boolean(value, virtflow_host_report_get_iommu_hardware(self));
        break;
    case PROP_IOMMU_CMDLINE_ON:
        g_value_set_boolean(value, virtflow_host_report_get_iommu_cmdline_on(self));
        break;
    case PROP_IOMMU_CMDLINE_OFF:
        g_value_set_boolean(value, virtflow_host_report_get_iommu_cmdline_off(self));
        break;
    case PROP_IOMMU_PASSTHROUGH:
        g_value_set_boolean(value, virtflow_host_report_get_iommu_passthrough(self));
        break;
    case PROP_IOMMU_VERDICT:
        g_value_set_string(value, virtflow_host_report_get_iommu_verdict(self));
        break;
    case PROP_IOMMU_FIX:
        g_value_set_string(value, virtflow_host_report_get_iommu_fix(self));
        break;
    case PROP_VFIO_AVAILABLE:
        g_value_set_boolean(value, virtflow_host_report_get_vfio_available(self));
        break;
    case PROP_VFIO_REGISTERED:
        g_value_set_boolean(value, virtflow_host_report_get_vfio_registered(self));
        break;
    case PROP_KERNEL_RELEASE:
        g_value_set_string(value, virtflow_host_report_get_kernel_release(self));
        break;
    case PROP_HOLDERS_COMPLETE:
        g_value_set_boolean(value, virtflow_host_report_get_holders_complete(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_host_report_class_init(VirtFlowHostReportClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = virtflow_host_report_finalize;
    object_class->get_property = virtflow_host_report_get_property;

    /**
     * VirtFlowHostReport:iommu-enabled: (getter get_iommu_enabled)
     *
     * Whether the kernel made IOMMU groups: without them no device can be handed to a VM.
     */
    properties[PROP_IOMMU_ENABLED] = g_param_spec_boolean(
        "iommu-enabled", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-groups: (getter get_iommu_groups)
     *
     * How many IOMMU groups the kernel made.
     */
    properties[PROP_IOMMU_GROUPS] = g_param_spec_uint("iommu-groups", NULL, NULL, 0, G_MAXUINT, 0,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-hardware: (getter get_iommu_hardware)
     *
     * Whether the kernel registered an IOMMU unit (`/sys/class/iommu`).
     */
    properties[PROP_IOMMU_HARDWARE] = g_param_spec_boolean(
        "iommu-hardware", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-cmdline-on: (getter get_iommu_cmdline_on)
     *
     * Whether the kernel command line asks for the IOMMU (`intel_iommu=on` or `amd_iommu=on`).
     */
    properties[PROP_IOMMU_CMDLINE_ON] = g_param_spec_boolean(
        "iommu-cmdline-on", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-cmdline-off: (getter get_iommu_cmdline_off)
     *
     * Whether the kernel command line switches the IOMMU off (`intel_iommu=off`, `amd_iommu=off` or
     * `iommu=off`).
     */
    properties[PROP_IOMMU_CMDLINE_OFF] = g_param_spec_boolean(
        "iommu-cmdline-off", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-passthrough: (getter get_iommu_passthrough)
     *
     * Whether the kernel command line has `iommu=pt` (the host's own devices bypass the IOMMU).
     */
    properties[PROP_IOMMU_PASSTHROUGH] = g_param_spec_boolean(
        "iommu-passthrough", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-verdict: (getter get_iommu_verdict)
     *
     * What VirtFlow says of the IOMMU, one plain sentence (the first line of `virtflow gpu list`).
     */
    properties[PROP_IOMMU_VERDICT] = g_param_spec_string("iommu-verdict", NULL, NULL, NULL,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:iommu-fix: (getter get_iommu_fix)
     *
     * What to do about the IOMMU, %NULL when nothing.
     */
    properties[PROP_IOMMU_FIX] = g_param_spec_string("iommu-fix", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:vfio-available: (getter get_vfio_available)
     *
     * Whether vfio-pci can be used: registered, or every vfio module loaded, built in or loadable.
     */
    properties[PROP_VFIO_AVAILABLE] = g_param_spec_boolean(
        "vfio-available", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:vfio-registered: (getter get_vfio_registered)
     *
     * Whether the vfio-pci driver is registered now (`/sys/bus/pci/drivers/vfio-pci` exists).
     */
    properties[PROP_VFIO_REGISTERED] = g_param_spec_boolean(
        "vfio-registered", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:kernel-release: (getter get_kernel_release)
     *
     * The running kernel's release (`uname -r`), %NULL when it cannot be read.
     */
    properties[PROP_KERNEL_RELEASE] = g_param_spec_string(
        "kernel-release", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHostReport:holders-complete: (getter get_holders_complete)
     *
     * Whether every process could be inspected for the GPUs' holders (%FALSE: run as root to see
     * them all).
     */
    properties[PROP_HOLDERS_COMPLETE] = g_param_spec_boolean(
        "holders-complete", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_host_report_init(VirtFlowHostReport *self)
{
    g_mutex_init(&self->lock);
}

VirtFlowHostReport *
_virtflow_host_report_new_from_vf(VfHost *host, VfHostReport *report)
{
    VirtFlowHostReport *self = g_object_new(VIRTFLOW_TYPE_HOST_REPORT, NULL);

    self->host = vf_host_ref(host);
    self->report = report;
    self->gpus = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < report->gpus->len; i++)
        g_ptr_array_add(self->gpus, _virtflow_gpu_new_from_vf(report->gpus->pdata[i]));
    self->modules = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_kernel_module_free);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        VirtFlowKernelModule *module = g_new0(VirtFlowKernelModule, 1);

        module->name = g_strdup(vf_vfio_modules[i]);
        module->state = (VirtFlowModuleState)report->vfio->modules[i];
        module->state_name = g_strdup(vf_module_state_to_string(report->vfio->modules[i]));
        g_ptr_array_add(self->modules, module);
    }
    return self;
}

/**
 * virtflow_host_report_get_iommu_enabled:
 * @report: a #VirtFlowHostReport
 *
 * Whether the kernel made IOMMU groups: without them no device can be handed to a VM.
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_iommu_enabled(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->enabled;
}

/**
 * virtflow_host_report_get_iommu_groups:
 * @report: a #VirtFlowHostReport
 *
 * How many IOMMU groups the kernel made.
 *
 * Returns: the number
 */
guint
virtflow_host_report_get_iommu_groups(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->n_groups;
}

/**
 * virtflow_host_report_get_iommu_hardware:
 * @report: a #VirtFlowHostReport
 *
 * Whether the kernel registered an IOMMU unit (`/sys/class/iommu`).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_iommu_hardware(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->hardware;
}

/**
 * virtflow_host_report_get_iommu_cmdline_on:
 * @report: a #VirtFlowHostReport
 *
 * Whether the kernel command line asks for the IOMMU (`intel_iommu=on` or `amd_iommu=on`).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_iommu_cmdline_on(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->cmdline_on;
}

/**
 * virtflow_host_report_get_iommu_cmdline_off:
 * @report: a #VirtFlowHostReport
 *
 * Whether the kernel command line switches the IOMMU off (`intel_iommu=off`, `amd_iommu=off` or
 * `iommu=off`).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_iommu_cmdline_off(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->cmdline_off;
}

/**
 * virtflow_host_report_get_iommu_passthrough:
 * @report: a #VirtFlowHostReport
 *
 * Whether the kernel command line has `iommu=pt` (the host's own devices bypass the IOMMU).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_iommu_passthrough(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->iommu->cmdline_pt;
}

/**
 * virtflow_host_report_get_iommu_verdict:
 * @report: a #VirtFlowHostReport
 *
 * What VirtFlow says of the IOMMU, one plain sentence (the first line of `virtflow gpu list`).
 *
 * Returns: (transfer none): the text
 */
const char *
virtflow_host_report_get_iommu_verdict(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    return report->report->iommu->verdict;
}

/**
 * virtflow_host_report_get_iommu_fix:
 * @report: a #VirtFlowHostReport
 *
 * What to do about the IOMMU, %NULL when nothing.
 *
 * Returns: (transfer none) (nullable): the text, or %NULL
 */
const char *
virtflow_host_report_get_iommu_fix(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    return report->report->iommu->fix;
}

/**
 * virtflow_host_report_get_vfio_available:
 * @report: a #VirtFlowHostReport
 *
 * Whether vfio-pci can be used: registered, or every vfio module loaded, built in or loadable.
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_vfio_available(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->vfio->available;
}

/**
 * virtflow_host_report_get_vfio_registered:
 * @report: a #VirtFlowHostReport
 *
 * Whether the vfio-pci driver is registered now (`/sys/bus/pci/drivers/vfio-pci` exists).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_vfio_registered(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->vfio->driver_registered;
}

/**
 * virtflow_host_report_get_kernel_release:
 * @report: a #VirtFlowHostReport
 *
 * The running kernel's release (`uname -r`), %NULL when it cannot be read.
 *
 * Returns: (transfer none) (nullable): the text, or %NULL
 */
const char *
virtflow_host_report_get_kernel_release(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    return report->report->vfio->kernel_release;
}

/**
 * virtflow_host_report_get_holders_complete:
 * @report: a #VirtFlowHostReport
 *
 * Whether every process could be inspected for the GPUs' holders (%FALSE: run as root to see them
 * all).
 *
 * Returns: %TRUE when so
 */
gboolean
virtflow_host_report_get_holders_complete(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), 0);
    return report->report->holders_complete;
}

/**
 * virtflow_host_report_get_vfio_modules:
 * @report: a #VirtFlowHostReport
 *
 * The kernel modules vfio-pci needs (vfio, vfio_iommu_type1, vfio_pci) and the state of
 * each, as `virtflow host` lists them.
 *
 * Returns: (transfer none) (element-type VirtFlowKernelModule): the modules, in that order
 */
GPtrArray *
virtflow_host_report_get_vfio_modules(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    return report->modules;
}

/**
 * virtflow_host_report_get_gpus:
 * @report: a #VirtFlowHostReport
 *
 * Every GPU (PCI display function) of the host with its verdict, as
 * virtflow_host_list_gpus() reads them.
 *
 * Returns: (transfer none) (element-type VirtFlowGpu): the GPUs, sorted by address
 */
GPtrArray *
virtflow_host_report_get_gpus(VirtFlowHostReport *report)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    return report->gpus;
}

/**
 * virtflow_host_report_get_devices:
 * @report: a #VirtFlowHostReport
 *
 * Every PCI function of the host, with its class, ids, names, driver and IOMMU group: what
 * `virtflow host --groups` lists. The fields beyond address, class, driver and group are
 * read from the host on the first call (the devices themselves are those of the report).
 *
 * Returns: (transfer none) (element-type VirtFlowDevice): the devices, sorted by address
 */
GPtrArray *
virtflow_host_report_get_devices(VirtFlowHostReport *report)
{
    g_autoptr(GMutexLocker) locker = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_HOST_REPORT(report), NULL);
    locker = g_mutex_locker_new(&report->lock);
    if (report->devices == NULL) {
        GPtrArray *bus = report->report->bus->devices;

        vf_pci_bus_load_details(report->host, report->report->bus);
        report->devices = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_device_free);
        for (guint i = 0; i < bus->len; i++)
            g_ptr_array_add(report->devices, _virtflow_device_new_from_vf(bus->pdata[i]));
    }
    return report->devices;
}
