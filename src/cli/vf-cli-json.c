/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON shapes of `virtflow … --json`: stable keys, documented in docs/CLI.md.
 */
#include "vf-cli.h"

static void
vf_json_string_or_null(VfJson *b, const char *name, const char *value)
{
    vf_json_key(b, name);
    if (value)
        vf_json_string(b, value);
    else
        vf_json_null(b);
}

static void
vf_json_hex(VfJson *b, const char *name, int width, guint value)
{
    g_autofree char *text = g_strdup_printf("%0*x", width, value);

    vf_json_key(b, name);
    vf_json_string(b, text);
}

static void
vf_json_pci_fields(VfJson *b, const VfPciDevice *dev)
{
    g_autofree char *vendor = vf_pci_device_dup_vendor_name(dev);
    g_autofree char *name = vf_pci_device_dup_device_name(dev);
    g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);

    vf_json_key(b, "address");
    vf_json_string(b, dev->address);
    vf_json_hex(b, "vendor_id", 4, dev->vendor_id);
    vf_json_hex(b, "device_id", 4, dev->device_id);
    vf_json_hex(b, "subsystem_vendor_id", 4, dev->subsystem_vendor_id);
    vf_json_hex(b, "subsystem_device_id", 4, dev->subsystem_device_id);
    vf_json_hex(b, "class", 6, dev->class_code);
    vf_json_hex(b, "revision", 2, dev->revision);
    vf_json_key(b, "vendor");
    vf_json_string(b, vendor);
    vf_json_key(b, "name");
    vf_json_string(b, name);
    vf_json_key(b, "class_name");
    vf_json_string(b, cls);
    vf_json_string_or_null(b, "driver", dev->driver);
    vf_json_string_or_null(b, "driver_module", dev->driver_module);
    vf_json_string_or_null(b, "driver_override", dev->driver_override);
    vf_json_key(b, "iommu_group");
    if (dev->iommu_group >= 0)
        vf_json_int(b, dev->iommu_group);
    else
        vf_json_null(b);
    vf_json_string_or_null(b, "parent", dev->parent);
    vf_json_string_or_null(b, "reset_method", dev->reset_method);
    vf_json_string_or_null(b, "power_state", dev->power_state);
}

void
vf_cli_json_pci_device(VfJson *b, const VfPciDevice *dev)
{
    vf_json_begin_object(b);
    vf_json_pci_fields(b, dev);
    vf_json_end_object(b);
}

static void
vf_json_iommu(VfJson *b, const VfHostReport *r)
{
    vf_json_key(b, "iommu");
    vf_json_begin_object(b);
    vf_json_key(b, "enabled");
    vf_json_bool(b, r->iommu->enabled);
    vf_json_key(b, "groups");
    vf_json_int(b, r->iommu->n_groups);
    vf_json_key(b, "hardware");
    vf_json_bool(b, r->iommu->hardware);
    vf_json_key(b, "cmdline_on");
    vf_json_bool(b, r->iommu->cmdline_on);
    vf_json_key(b, "cmdline_off");
    vf_json_bool(b, r->iommu->cmdline_off);
    vf_json_key(b, "passthrough_mode");
    vf_json_bool(b, r->iommu->cmdline_pt);
    vf_json_key(b, "verdict");
    vf_json_string(b, r->iommu->verdict);
    vf_json_string_or_null(b, "fix", r->iommu->fix);
    vf_json_end_object(b);

    vf_json_key(b, "vfio");
    vf_json_begin_object(b);
    vf_json_key(b, "available");
    vf_json_bool(b, r->vfio->available);
    vf_json_key(b, "driver_registered");
    vf_json_bool(b, r->vfio->driver_registered);
    vf_json_string_or_null(b, "kernel", r->vfio->kernel_release);
    vf_json_key(b, "modules");
    vf_json_begin_object(b);
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        vf_json_key(b, vf_vfio_modules[i]);
        vf_json_string(b, vf_module_state_to_string(r->vfio->modules[i]));
    }
    vf_json_end_object(b);
    vf_json_end_object(b);
}

static void
vf_json_gpu(VfJson *b, const VfGpu *gpu)
{
    vf_json_begin_object(b);
    vf_json_pci_fields(b, gpu->device);
    vf_json_key(b, "boot_vga");
    vf_json_bool(b, gpu->device->boot_vga == 1);
    vf_json_key(b, "functions");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->functions->len; i++)
        vf_json_string(b, ((VfPciDevice *)gpu->functions->pdata[i])->address);
    vf_json_end_array(b);
    vf_json_key(b, "passthrough_devices");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->passthrough->len; i++)
        vf_json_string(b, ((VfPciDevice *)gpu->passthrough->pdata[i])->address);
    vf_json_end_array(b);
    vf_json_key(b, "passthrough");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        vf_json_begin_object(b);
        vf_json_pci_fields(b, gpu->passthrough->pdata[i]);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    vf_json_key(b, "on_vfio");
    vf_json_bool(b, gpu->on_vfio);
    vf_json_key(b, "eligible");
    vf_json_bool(b, vf_gpu_is_eligible(gpu));
    vf_json_key(b, "blockers");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *bl = gpu->blockers->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "code");
        vf_json_string(b, vf_blocker_kind_to_string(bl->kind));
        vf_json_key(b, "message");
        vf_json_string(b, bl->message);
        vf_json_key(b, "fix");
        vf_json_string(b, bl->fix);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    vf_json_key(b, "warnings");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->warnings->len; i++) {
        const VfGpuWarning *w = gpu->warnings->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "code");
        vf_json_string(b, w->code);
        vf_json_key(b, "message");
        vf_json_string(b, w->message);
        vf_json_key(b, "fix");
        vf_json_string(b, w->fix);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    vf_json_key(b, "holders");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpu->holders->len; i++) {
        const VfHolder *h = gpu->holders->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "pid");
        vf_json_int(b, h->pid);
        vf_json_key(b, "comm");
        vf_json_string(b, h->comm);
        vf_json_key(b, "node");
        vf_json_string(b, h->node);
        vf_json_key(b, "device");
        vf_json_string(b, h->device);
        vf_json_key(b, "mapped");
        vf_json_bool(b, h->mapped);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    vf_json_end_object(b);
}

void
vf_cli_json_report(VfJson *b, VfHostReport *report, gboolean all_devices)
{
    vf_json_begin_object(b);
    vf_json_iommu(b, report);
    vf_json_key(b, "holders_complete");
    vf_json_bool(b, report->holders_complete);
    vf_json_key(b, "gpus");
    vf_json_begin_array(b);
    for (guint i = 0; i < report->gpus->len; i++)
        vf_json_gpu(b, report->gpus->pdata[i]);
    vf_json_end_array(b);
    if (all_devices) {
        vf_json_key(b, "devices");
        vf_json_begin_array(b);
        for (guint i = 0; i < report->bus->devices->len; i++)
            vf_cli_json_pci_device(b, report->bus->devices->pdata[i]);
        vf_json_end_array(b);
    }
    vf_json_end_object(b);
}

void
vf_cli_json_writes(VfJson *json, GPtrArray *writes)
{
    vf_json_key(json, "sysfs_writes");
    vf_json_begin_array(json);
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "device", w->device);
        vf_json_member_string(json, "path", w->path);
        vf_json_member_string(json, "value", w->value);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
}

void
vf_cli_json_transition(VfJson *b, VfTransition *t, gboolean dry_run)
{
    vf_json_begin_object(b);
    vf_cli_json_transition_members(b, t, dry_run);
    vf_json_end_object(b);
}

void
vf_cli_json_transition_members(VfJson *b, VfTransition *t, gboolean dry_run)
{
    g_autoptr(GPtrArray) writes = dry_run ? vf_transition_dup_writes(t) : NULL;
    g_autoptr(GPtrArray) modules = dry_run ? vf_transition_dup_modules(t) : NULL;
    GPtrArray *devices = vf_transition_get_devices(t);

    vf_json_key(b, "operation");
    vf_json_string(b, vf_transition_kind_to_string(vf_transition_get_kind(t)));
    vf_json_string_or_null(b, "gpu", vf_transition_get_gpu(t));
    vf_json_key(b, "dry_run");
    vf_json_bool(b, dry_run);
    vf_json_key(b, "devices");
    vf_json_begin_array(b);
    for (guint i = 0; i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "address");
        vf_json_string(b, o->address);
        vf_json_string_or_null(b, "host_driver", o->host_driver);
        vf_json_string_or_null(b, "host_override", o->host_override);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    /* restore: the members of the set on vfio-pci that VirtFlow did not move, left there */
    vf_json_key(b, "left");
    vf_json_begin_array(b);
    for (guint i = 0; i < vf_transition_get_left(t)->len; i++)
        vf_json_string(b, vf_transition_get_left(t)->pdata[i]);
    vf_json_end_array(b);
    if (dry_run) {
        vf_json_key(b, "modules");
        vf_json_begin_array(b);
        for (guint i = 0; i < modules->len; i++)
            vf_json_string(b, modules->pdata[i]);
        vf_json_end_array(b);
        vf_cli_json_writes(b, writes);
    }
}
