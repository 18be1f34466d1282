/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowGpu: a snapshot of one VfGpu (host/vf-gpu.h) of a host report.
 */
#include "virtflow-private.h"

/**
 * VirtFlowGpu:
 *
 * One GPU of a #VirtFlowHost: a PCI display function, whatever its vendor, with its
 * verdict (eligible, or the #VirtFlowBlocker<!-- -->s that forbid it), the processes that
 * hold it, and its passthrough set: the functions of its slot that are in its IOMMU group
 * or have its vendor id, and every endpoint of their IOMMU groups, the devices that move
 * to vfio-pci together. The other functions of its slot (an APU's PSP or USB controllers)
 * stay with the host.
 *
 * A #VirtFlowGpu is a snapshot taken when the host was read; read the host again for
 * the present state. Its properties are those of `virtflow gpu list --json`.
 */
struct _VirtFlowGpu {
    GObject parent_instance;
    char *address;
    guint vendor_id;
    guint device_id;
    char *vendor;
    char *name;
    char *class_name;
    char *driver;
    char *driver_module;
    gint iommu_group;
    gboolean boot_vga;
    gboolean eligible;
    gboolean on_vfio;
    char *verdict;
    GStrv functions;
    GStrv passthrough_addresses;
    GPtrArray *passthrough; /* of VirtFlowDevice* */
    GPtrArray *staying;     /* of VirtFlowDevice* */
    GPtrArray *blockers;    /* of VirtFlowBlocker* */
    GPtrArray *holders;     /* of VirtFlowHolder* */
    GPtrArray *warnings;    /* of VirtFlowGpuWarning* */
    VirtFlowDevice *device; /* the display function */
};

enum {
    PROP_0,
    PROP_ADDRESS,
    PROP_VENDOR_ID,
    PROP_DEVICE_ID,
    PROP_VENDOR,
    PROP_NAME,
    PROP_CLASS_NAME,
    PROP_DRIVER,
    PROP_DRIVER_MODULE,
    PROP_IOMMU_GROUP,
    PROP_BOOT_VGA,
    PROP_ELIGIBLE,
    PROP_ON_VFIO,
    PROP_VERDICT,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowGpu, virtflow_gpu, G_TYPE_OBJECT)

static void
virtflow_gpu_finalize(GObject *object)
{
    VirtFlowGpu *self = VIRTFLOW_GPU(object);

    g_free(self->address);
    g_free(self->vendor);
    g_free(self->name);
    g_free(self->class_name);
    g_free(self->driver);
    g_free(self->driver_module);
    g_free(self->verdict);
    g_strfreev(self->functions);
    g_strfreev(self->passthrough_addresses);
    g_clear_pointer(&self->passthrough, g_ptr_array_unref);
    g_clear_pointer(&self->staying, g_ptr_array_unref);
    g_clear_pointer(&self->blockers, g_ptr_array_unref);
    g_clear_pointer(&self->holders, g_ptr_array_unref);
    g_clear_pointer(&self->warnings, g_ptr_array_unref);
    g_clear_pointer(&self->device, virtflow_device_free);
    G_OBJECT_CLASS(virtflow_gpu_parent_class)->finalize(object);
}

static void
virtflow_gpu_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowGpu *self = VIRTFLOW_GPU(object);

    switch (prop_id) {
    case PROP_ADDRESS:
        g_value_set_string(value, self->address);
        break;
    case PROP_VENDOR_ID:
        g_value_set_uint(value, self->vendor_id);
        break;
    case PROP_DEVICE_ID:
        g_value_set_uint(value, self->device_id);
        break;
    case PROP_VENDOR:
        g_value_set_string(value, self->vendor);
        break;
    case PROP_NAME:
        g_value_set_string(value, self->name);
        break;
    case PROP_CLASS_NAME:
        g_value_set_string(value, self->class_name);
        break;
    case PROP_DRIVER:
        g_value_set_string(value, self->driver);
        break;
    case PROP_DRIVER_MODULE:
        g_value_set_string(value, self->driver_module);
        break;
    case PROP_IOMMU_GROUP:
        g_value_set_int(value, self->iommu_group);
        break;
    case PROP_BOOT_VGA:
        g_value_set_boolean(value, self->boot_vga);
        break;
    case PROP_ELIGIBLE:
        g_value_set_boolean(value, self->eligible);
        break;
    case PROP_ON_VFIO:
        g_value_set_boolean(value, self->on_vfio);
        break;
    case PROP_VERDICT:
        g_value_set_string(value, self->verdict);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_gpu_class_init(VirtFlowGpuClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = virtflow_gpu_finalize;
    object_class->get_property = virtflow_gpu_get_property;

    /**
     * VirtFlowGpu:address: (getter get_address)
     *
     * The PCI address of the display function, "0000:01:00.0".
     */
    properties[PROP_ADDRESS] =
        g_param_spec_string("address", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:vendor-id: (getter get_vendor_id)
     *
     * The PCI vendor id (0x10de for NVIDIA).
     */
    properties[PROP_VENDOR_ID] = g_param_spec_uint("vendor-id", NULL, NULL, 0, G_MAXUINT, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:device-id: (getter get_device_id)
     *
     * The PCI device id.
     */
    properties[PROP_DEVICE_ID] = g_param_spec_uint("device-id", NULL, NULL, 0, G_MAXUINT, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:vendor: (getter get_vendor)
     *
     * The vendor's name, from the PCI ids database.
     */
    properties[PROP_VENDOR] =
        g_param_spec_string("vendor", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:name: (getter get_name)
     *
     * The GPU's name, from the PCI ids database.
     */
    properties[PROP_NAME] =
        g_param_spec_string("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:class-name: (getter get_class_name)
     *
     * The PCI class's name ("VGA compatible controller").
     */
    properties[PROP_CLASS_NAME] = g_param_spec_string("class-name", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:driver: (getter get_driver)
     *
     * The driver bound to the display function, %NULL when none.
     */
    properties[PROP_DRIVER] =
        g_param_spec_string("driver", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:driver-module: (getter get_driver_module)
     *
     * The module that provides #VirtFlowGpu:driver, %NULL when built in or unknown.
     */
    properties[PROP_DRIVER_MODULE] = g_param_spec_string("driver-module", NULL, NULL, NULL,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:iommu-group: (getter get_iommu_group)
     *
     * The IOMMU group of the display function, -1 without an IOMMU.
     */
    properties[PROP_IOMMU_GROUP] = g_param_spec_int("iommu-group", NULL, NULL, -1, G_MAXINT, -1,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:boot-vga: (getter get_boot_vga)
     *
     * Whether it is the firmware's boot display (never handed over).
     */
    properties[PROP_BOOT_VGA] = g_param_spec_boolean("boot-vga", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:eligible: (getter get_eligible)
     *
     * Whether nothing blocks handing it to a VM.
     */
    properties[PROP_ELIGIBLE] = g_param_spec_boolean("eligible", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:on-vfio: (getter get_on_vfio)
     *
     * Whether every device of its passthrough set is on vfio-pci now.
     */
    properties[PROP_ON_VFIO] = g_param_spec_boolean("on-vfio", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowGpu:verdict: (getter get_verdict)
     *
     * One line, as `virtflow gpu list` prints it: "ready", "on vfio-pci" or "blocked: CODE …".
     */
    properties[PROP_VERDICT] =
        g_param_spec_string("verdict", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_gpu_init(VirtFlowGpu *self)
{
}

static char *
virtflow_gpu_verdict(const VfGpu *gpu)
{
    GString *verdict;

    if (vf_gpu_is_eligible(gpu))
        return g_strdup(gpu->on_vfio ? "on vfio-pci" : "ready");
    verdict = g_string_new("blocked:");
    for (guint b = 0; b < gpu->blockers->len; b++)
        g_string_append_printf(
            verdict, " %s",
            vf_blocker_kind_to_string(((VfBlocker *)gpu->blockers->pdata[b])->kind));
    return g_string_free(verdict, FALSE);
}

static GStrv
virtflow_gpu_addresses(GPtrArray *devices)
{
    GStrv addresses = g_new0(char *, devices->len + 1);

    for (guint i = 0; i < devices->len; i++)
        addresses[i] = g_strdup(((VfPciDevice *)devices->pdata[i])->address);
    return addresses;
}

VirtFlowGpu *
_virtflow_gpu_new_from_vf(const VfGpu *gpu)
{
    VirtFlowGpu *self = g_object_new(VIRTFLOW_TYPE_GPU, NULL);
    const VfPciDevice *dev = gpu->device;

    self->address = g_strdup(dev->address);
    self->device = _virtflow_device_new_from_vf(dev);
    self->vendor_id = dev->vendor_id;
    self->device_id = dev->device_id;
    self->vendor = vf_pci_device_dup_vendor_name(dev);
    self->name = vf_pci_device_dup_device_name(dev);
    self->class_name = vf_pci_class_dup_name(dev->class_code);
    self->driver = g_strdup(dev->driver);
    self->driver_module = g_strdup(dev->driver_module);
    self->iommu_group = dev->iommu_group;
    self->boot_vga = dev->boot_vga == 1;
    self->eligible = vf_gpu_is_eligible(gpu);
    self->on_vfio = gpu->on_vfio;
    self->verdict = virtflow_gpu_verdict(gpu);
    self->functions = virtflow_gpu_addresses(gpu->functions);
    self->passthrough_addresses = virtflow_gpu_addresses(gpu->passthrough);
    self->passthrough = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_device_free);
    for (guint i = 0; i < gpu->passthrough->len; i++)
        g_ptr_array_add(self->passthrough,
                        _virtflow_device_new_from_vf(gpu->passthrough->pdata[i]));
    self->staying = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_device_free);
    for (guint i = 0; i < gpu->staying->len; i++)
        g_ptr_array_add(self->staying, _virtflow_device_new_from_vf(gpu->staying->pdata[i]));
    self->blockers = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_blocker_free);
    for (guint i = 0; i < gpu->blockers->len; i++)
        g_ptr_array_add(self->blockers, _virtflow_blocker_new_from_vf(gpu->blockers->pdata[i]));
    self->holders = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_holder_free);
    for (guint i = 0; i < gpu->holders->len; i++)
        g_ptr_array_add(self->holders, _virtflow_holder_new_from_vf(gpu->holders->pdata[i]));
    self->warnings = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_gpu_warning_free);
    for (guint i = 0; i < gpu->warnings->len; i++)
        g_ptr_array_add(self->warnings, _virtflow_gpu_warning_new_from_vf(gpu->warnings->pdata[i]));
    return self;
}

/**
 * virtflow_gpu_get_address:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI address of the display function, "0000:01:00.0".
 *
 * Returns: (transfer none): the value
 */
const char *
virtflow_gpu_get_address(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->address;
}

/**
 * virtflow_gpu_get_device:
 * @gpu: a #VirtFlowGpu
 *
 * The display function as a PCI device: every field `virtflow gpu list --json` prints of
 * it (subsystem ids, revision, driver override, reset method, power state, …).
 *
 * Returns: (transfer none): the display function
 */
VirtFlowDevice *
virtflow_gpu_get_device(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->device;
}

/**
 * virtflow_gpu_get_vendor_id:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI vendor id (0x10de for NVIDIA).
 *
 * Returns: the value
 */
guint
virtflow_gpu_get_vendor_id(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->vendor_id;
}

/**
 * virtflow_gpu_get_device_id:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI device id.
 *
 * Returns: the value
 */
guint
virtflow_gpu_get_device_id(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->device_id;
}

/**
 * virtflow_gpu_get_vendor:
 * @gpu: a #VirtFlowGpu
 *
 * The vendor's name, from the PCI ids database.
 *
 * Returns: (transfer none): the value
 */
const char *
virtflow_gpu_get_vendor(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->vendor;
}

/**
 * virtflow_gpu_get_name:
 * @gpu: a #VirtFlowGpu
 *
 * The GPU's name, from the PCI ids database.
 *
 * Returns: (transfer none): the value
 */
const char *
virtflow_gpu_get_name(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->name;
}

/**
 * virtflow_gpu_get_class_name:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI class's name ("VGA compatible controller").
 *
 * Returns: (transfer none): the value
 */
const char *
virtflow_gpu_get_class_name(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->class_name;
}

/**
 * virtflow_gpu_get_driver:
 * @gpu: a #VirtFlowGpu
 *
 * The driver bound to the display function, %NULL when none.
 *
 * Returns: (transfer none) (nullable): the value
 */
const char *
virtflow_gpu_get_driver(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->driver;
}

/**
 * virtflow_gpu_get_driver_module:
 * @gpu: a #VirtFlowGpu
 *
 * The module that provides #VirtFlowGpu:driver, %NULL when built in or unknown.
 *
 * Returns: (transfer none) (nullable): the value
 */
const char *
virtflow_gpu_get_driver_module(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->driver_module;
}

/**
 * virtflow_gpu_get_iommu_group:
 * @gpu: a #VirtFlowGpu
 *
 * The IOMMU group of the display function, -1 without an IOMMU.
 *
 * Returns: the value
 */
gint
virtflow_gpu_get_iommu_group(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->iommu_group;
}

/**
 * virtflow_gpu_get_boot_vga:
 * @gpu: a #VirtFlowGpu
 *
 * Whether it is the firmware's boot display (never handed over).
 *
 * Returns: the value
 */
gboolean
virtflow_gpu_get_boot_vga(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->boot_vga;
}

/**
 * virtflow_gpu_get_eligible:
 * @gpu: a #VirtFlowGpu
 *
 * Whether nothing blocks handing it to a VM.
 *
 * Returns: the value
 */
gboolean
virtflow_gpu_get_eligible(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->eligible;
}

/**
 * virtflow_gpu_get_on_vfio:
 * @gpu: a #VirtFlowGpu
 *
 * Whether every device of its passthrough set is on vfio-pci now.
 *
 * Returns: the value
 */
gboolean
virtflow_gpu_get_on_vfio(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), 0);
    return gpu->on_vfio;
}

/**
 * virtflow_gpu_get_verdict:
 * @gpu: a #VirtFlowGpu
 *
 * One line, as `virtflow gpu list` prints it: "ready", "on vfio-pci" or "blocked: CODE …".
 *
 * Returns: (transfer none): the value
 */
const char *
virtflow_gpu_get_verdict(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->verdict;
}

/**
 * virtflow_gpu_get_functions:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI addresses of the functions of its slot: the GPU and its companions (HDMI audio,
 * USB, UCSI).
 *
 * Returns: (transfer none) (array zero-terminated=1): the addresses
 */
const char *const *
virtflow_gpu_get_functions(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return (const char *const *)gpu->functions;
}

/**
 * virtflow_gpu_get_passthrough_addresses:
 * @gpu: a #VirtFlowGpu
 *
 * The PCI addresses of the devices that move to vfio-pci together (its passthrough set),
 * sorted.
 *
 * Returns: (transfer none) (array zero-terminated=1): the addresses
 */
const char *const *
virtflow_gpu_get_passthrough_addresses(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return (const char *const *)gpu->passthrough_addresses;
}

/**
 * virtflow_gpu_get_passthrough_devices:
 * @gpu: a #VirtFlowGpu
 *
 * The devices that move to vfio-pci together, with their drivers now.
 *
 * Returns: (transfer none) (element-type VirtFlowDevice): the devices
 */
GPtrArray *
virtflow_gpu_get_passthrough_devices(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->passthrough;
}

/**
 * virtflow_gpu_get_staying_devices:
 * @gpu: a #VirtFlowGpu
 *
 * The functions of its slot that stay with the host when @gpu moves: those in an IOMMU
 * group of their own with another vendor id than the GPU's, such as an AMD APU's PSP,
 * USB controllers and audio next to its iGPU. Empty for a graphics card.
 *
 * Returns: (transfer none) (element-type VirtFlowDevice): the devices
 */
GPtrArray *
virtflow_gpu_get_staying_devices(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->staying;
}

/**
 * virtflow_gpu_get_blockers:
 * @gpu: a #VirtFlowGpu
 *
 * What forbids handing @gpu to a VM; empty when it is eligible.
 *
 * Returns: (transfer none) (element-type VirtFlowBlocker): the blockers
 */
GPtrArray *
virtflow_gpu_get_blockers(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->blockers;
}

/**
 * virtflow_gpu_get_holders:
 * @gpu: a #VirtFlowGpu
 *
 * The processes that hold a device of its passthrough set, one per process, node and
 * device.
 *
 * Returns: (transfer none) (element-type VirtFlowHolder): the holders
 */
GPtrArray *
virtflow_gpu_get_holders(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->holders;
}

/**
 * virtflow_gpu_get_warnings:
 * @gpu: a #VirtFlowGpu
 *
 * What does not forbid the passthrough but may hurt after it (how its functions reset).
 *
 * Returns: (transfer none) (element-type VirtFlowGpuWarning): the warnings
 */
GPtrArray *
virtflow_gpu_get_warnings(VirtFlowGpu *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_GPU(gpu), NULL);
    return gpu->warnings;
}
