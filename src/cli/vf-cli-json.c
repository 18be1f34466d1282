/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON shapes of `virtflow … --json`: stable keys, documented in docs/CLI.md.
 */
#include "vf-cli.h"

static void
vf_json_string_or_null(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void
vf_json_hex(JsonBuilder *b, const char *name, int width, guint value)
{
    g_autofree char *text = g_strdup_printf("%0*x", width, value);

    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, text);
}

static void
vf_json_pci_fields(JsonBuilder *b, const VfPciDevice *dev)
{
    g_autofree char *vendor = vf_pci_device_dup_vendor_name(dev);
    g_autofree char *name = vf_pci_device_dup_device_name(dev);
    g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);

    json_builder_set_member_name(b, "address");
    json_builder_add_string_value(b, dev->address);
    vf_json_hex(b, "vendor_id", 4, dev->vendor_id);
    vf_json_hex(b, "device_id", 4, dev->device_id);
    vf_json_hex(b, "subsystem_vendor_id", 4, dev->subsystem_vendor_id);
    vf_json_hex(b, "subsystem_device_id", 4, dev->subsystem_device_id);
    vf_json_hex(b, "class", 6, dev->class_code);
    vf_json_hex(b, "revision", 2, dev->revision);
    json_builder_set_member_name(b, "vendor");
    json_builder_add_string_value(b, vendor);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "class_name");
    json_builder_add_string_value(b, cls);
    vf_json_string_or_null(b, "driver", dev->driver);
    vf_json_string_or_null(b, "driver_module", dev->driver_module);
    vf_json_string_or_null(b, "driver_override", dev->driver_override);
    json_builder_set_member_name(b, "iommu_group");
    if (dev->iommu_group >= 0)
        json_builder_add_int_value(b, dev->iommu_group);
    else
        json_builder_add_null_value(b);
    vf_json_string_or_null(b, "parent", dev->parent);
    vf_json_string_or_null(b, "reset_method", dev->reset_method);
    vf_json_string_or_null(b, "power_state", dev->power_state);
}

JsonNode *
vf_cli_pci_device_to_json(const VfPciDevice *dev)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vf_json_pci_fields(b, dev);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void
vf_json_iommu(JsonBuilder *b, const VfHostReport *r)
{
    json_builder_set_member_name(b, "iommu");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "enabled");
    json_builder_add_boolean_value(b, r->iommu->enabled);
    json_builder_set_member_name(b, "groups");
    json_builder_add_int_value(b, r->iommu->n_groups);
    json_builder_set_member_name(b, "hardware");
    json_builder_add_boolean_value(b, r->iommu->hardware);
    json_builder_set_member_name(b, "cmdline_on");
    json_builder_add_boolean_value(b, r->iommu->cmdline_on);
    json_builder_set_member_name(b, "cmdline_off");
    json_builder_add_boolean_value(b, r->iommu->cmdline_off);
    json_builder_set_member_name(b, "passthrough_mode");
    json_builder_add_boolean_value(b, r->iommu->cmdline_pt);
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, r->iommu->verdict);
    vf_json_string_or_null(b, "fix", r->iommu->fix);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "vfio");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "available");
    json_builder_add_boolean_value(b, r->vfio->available);
    json_builder_set_member_name(b, "driver_registered");
    json_builder_add_boolean_value(b, r->vfio->driver_registered);
    vf_json_string_or_null(b, "kernel", r->vfio->kernel_release);
    json_builder_set_member_name(b, "modules");
    json_builder_begin_object(b);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        json_builder_set_member_name(b, vf_vfio_modules[i]);
        json_builder_add_string_value(b, vf_module_state_to_string(r->vfio->modules[i]));
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
}

static void
vf_json_gpu(JsonBuilder *b, const VfGpu *gpu)
{
    json_builder_begin_object(b);
    vf_json_pci_fields(b, gpu->device);
    json_builder_set_member_name(b, "boot_vga");
    json_builder_add_boolean_value(b, gpu->device->boot_vga == 1);
    json_builder_set_member_name(b, "functions");
    json_builder_begin_array(b);
    for (guint i = 0; i < gpu->functions->len; i++)
        json_builder_add_string_value(b, ((VfPciDevice *)gpu->functions->pdata[i])->address);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "passthrough_devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < gpu->passthrough->len; i++)
        json_builder_add_string_value(b, ((VfPciDevice *)gpu->passthrough->pdata[i])->address);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "passthrough");
    json_builder_begin_array(b);
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        json_builder_begin_object(b);
        vf_json_pci_fields(b, gpu->passthrough->pdata[i]);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "on_vfio");
    json_builder_add_boolean_value(b, gpu->on_vfio);
    json_builder_set_member_name(b, "eligible");
    json_builder_add_boolean_value(b, vf_gpu_is_eligible(gpu));
    json_builder_set_member_name(b, "blockers");
    json_builder_begin_array(b);
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *bl = gpu->blockers->pdata[i];

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_string_value(b, vf_blocker_kind_to_string(bl->kind));
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, bl->message);
        json_builder_set_member_name(b, "fix");
        json_builder_add_string_value(b, bl->fix);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "holders");
    json_builder_begin_array(b);
    for (guint i = 0; i < gpu->holders->len; i++) {
        const VfHolder *h = gpu->holders->pdata[i];

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, h->pid);
        json_builder_set_member_name(b, "comm");
        json_builder_add_string_value(b, h->comm);
        json_builder_set_member_name(b, "node");
        json_builder_add_string_value(b, h->node);
        json_builder_set_member_name(b, "device");
        json_builder_add_string_value(b, h->device);
        json_builder_set_member_name(b, "mapped");
        json_builder_add_boolean_value(b, h->mapped);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

JsonNode *
vf_cli_report_to_json(VfHostReport *report)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vf_json_iommu(b, report);
    json_builder_set_member_name(b, "holders_complete");
    json_builder_add_boolean_value(b, report->holders_complete);
    json_builder_set_member_name(b, "gpus");
    json_builder_begin_array(b);
    for (guint i = 0; i < report->gpus->len; i++)
        vf_json_gpu(b, report->gpus->pdata[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *
vf_cli_transition_to_json(VfTransition *t, gboolean dry_run)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GPtrArray) writes = dry_run ? vf_transition_dup_writes(t) : NULL;
    g_autoptr(GPtrArray) modules = dry_run ? vf_transition_dup_modules(t) : NULL;
    GPtrArray *devices = vf_transition_get_devices(t);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "operation");
    json_builder_add_string_value(b, vf_transition_kind_to_string(vf_transition_get_kind(t)));
    vf_json_string_or_null(b, "gpu", vf_transition_get_gpu(t));
    json_builder_set_member_name(b, "dry_run");
    json_builder_add_boolean_value(b, dry_run);
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, o->address);
        vf_json_string_or_null(b, "host_driver", o->host_driver);
        vf_json_string_or_null(b, "host_override", o->host_override);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    if (dry_run) {
        json_builder_set_member_name(b, "modules");
        json_builder_begin_array(b);
        for (guint i = 0; i < modules->len; i++)
            json_builder_add_string_value(b, modules->pdata[i]);
        json_builder_end_array(b);
        json_builder_set_member_name(b, "sysfs_writes");
        json_builder_begin_array(b);
        for (guint i = 0; i < writes->len; i++) {
            const VfSysfsWrite *w = writes->pdata[i];

            json_builder_begin_object(b);
            json_builder_set_member_name(b, "device");
            json_builder_add_string_value(b, w->device);
            json_builder_set_member_name(b, "path");
            json_builder_add_string_value(b, w->path);
            json_builder_set_member_name(b, "value");
            json_builder_add_string_value(b, w->value);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
