/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON shapes of `virtflow … --json`: stable keys, documented in docs/CLI.md. Written
 * from the GObject API's snapshots (VirtFlowHostReport, VirtFlowGpu, VirtFlowTransition).
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
vf_json_pci_fields(VfJson *b, const VirtFlowDevice *dev)
{
    vf_json_key(b, "address");
    vf_json_string(b, dev->address);
    vf_json_hex(b, "vendor_id", 4, dev->vendor_id);
    vf_json_hex(b, "device_id", 4, dev->device_id);
    vf_json_hex(b, "subsystem_vendor_id", 4, dev->subsystem_vendor_id);
    vf_json_hex(b, "subsystem_device_id", 4, dev->subsystem_device_id);
    vf_json_hex(b, "class", 6, dev->class_code);
    vf_json_hex(b, "revision", 2, dev->revision);
    vf_json_key(b, "vendor");
    vf_json_string(b, dev->vendor);
    vf_json_key(b, "name");
    vf_json_string(b, dev->name);
    vf_json_key(b, "class_name");
    vf_json_string(b, dev->class_name);
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
vf_cli_json_pci_device(VfJson *b, const VirtFlowDevice *dev)
{
    vf_json_begin_object(b);
    vf_json_pci_fields(b, dev);
    vf_json_end_object(b);
}

static void
vf_json_iommu(VfJson *b, VirtFlowHostReport *r)
{
    GPtrArray *modules = virtflow_host_report_get_vfio_modules(r);

    vf_json_key(b, "iommu");
    vf_json_begin_object(b);
    vf_json_key(b, "enabled");
    vf_json_bool(b, virtflow_host_report_get_iommu_enabled(r));
    vf_json_key(b, "groups");
    vf_json_int(b, virtflow_host_report_get_iommu_groups(r));
    vf_json_key(b, "hardware");
    vf_json_bool(b, virtflow_host_report_get_iommu_hardware(r));
    vf_json_key(b, "cmdline_on");
    vf_json_bool(b, virtflow_host_report_get_iommu_cmdline_on(r));
    vf_json_key(b, "cmdline_off");
    vf_json_bool(b, virtflow_host_report_get_iommu_cmdline_off(r));
    vf_json_key(b, "passthrough_mode");
    vf_json_bool(b, virtflow_host_report_get_iommu_passthrough(r));
    vf_json_key(b, "verdict");
    vf_json_string(b, virtflow_host_report_get_iommu_verdict(r));
    vf_json_string_or_null(b, "fix", virtflow_host_report_get_iommu_fix(r));
    vf_json_end_object(b);

    vf_json_key(b, "vfio");
    vf_json_begin_object(b);
    vf_json_key(b, "available");
    vf_json_bool(b, virtflow_host_report_get_vfio_available(r));
    vf_json_key(b, "driver_registered");
    vf_json_bool(b, virtflow_host_report_get_vfio_registered(r));
    vf_json_string_or_null(b, "kernel", virtflow_host_report_get_kernel_release(r));
    vf_json_key(b, "modules");
    vf_json_begin_object(b);
    for (guint i = 0; i < modules->len; i++) {
        const VirtFlowKernelModule *m = modules->pdata[i];

        vf_json_key(b, m->name);
        vf_json_string(b, m->state_name);
    }
    vf_json_end_object(b);
    vf_json_end_object(b);
}

static void
vf_json_strv(VfJson *b, const char *name, const char *const *values)
{
    vf_json_key(b, name);
    vf_json_begin_array(b);
    for (guint i = 0; values && values[i]; i++)
        vf_json_string(b, values[i]);
    vf_json_end_array(b);
}

static void
vf_json_gpu(VfJson *b, VirtFlowGpu *gpu)
{
    GPtrArray *passthrough = virtflow_gpu_get_passthrough_devices(gpu);
    GPtrArray *staying = virtflow_gpu_get_staying_devices(gpu);
    GPtrArray *blockers = virtflow_gpu_get_blockers(gpu);
    GPtrArray *warnings = virtflow_gpu_get_warnings(gpu);
    GPtrArray *holders = virtflow_gpu_get_holders(gpu);

    vf_json_begin_object(b);
    vf_json_pci_fields(b, virtflow_gpu_get_device(gpu));
    vf_json_key(b, "boot_vga");
    vf_json_bool(b, virtflow_gpu_get_boot_vga(gpu));
    vf_json_strv(b, "functions", virtflow_gpu_get_functions(gpu));
    vf_json_strv(b, "passthrough_devices", virtflow_gpu_get_passthrough_addresses(gpu));
    vf_json_key(b, "passthrough");
    vf_json_begin_array(b);
    for (guint i = 0; i < passthrough->len; i++)
        vf_cli_json_pci_device(b, passthrough->pdata[i]);
    vf_json_end_array(b);
    vf_json_key(b, "staying");
    vf_json_begin_array(b);
    for (guint i = 0; i < staying->len; i++)
        vf_cli_json_pci_device(b, staying->pdata[i]);
    vf_json_end_array(b);
    vf_json_key(b, "on_vfio");
    vf_json_bool(b, virtflow_gpu_get_on_vfio(gpu));
    vf_json_key(b, "eligible");
    vf_json_bool(b, virtflow_gpu_get_eligible(gpu));
    vf_json_key(b, "blockers");
    vf_json_begin_array(b);
    for (guint i = 0; i < blockers->len; i++) {
        const VirtFlowBlocker *bl = blockers->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "code");
        vf_json_string(b, bl->code);
        vf_json_key(b, "message");
        vf_json_string(b, bl->message);
        vf_json_key(b, "fix");
        vf_json_string(b, bl->fix);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    vf_json_key(b, "warnings");
    vf_json_begin_array(b);
    for (guint i = 0; i < warnings->len; i++) {
        const VirtFlowGpuWarning *w = warnings->pdata[i];

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
    for (guint i = 0; i < holders->len; i++) {
        const VirtFlowHolder *h = holders->pdata[i];

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
vf_cli_json_report(VfJson *b, VirtFlowHostReport *report, gboolean all_devices)
{
    GPtrArray *gpus = virtflow_host_report_get_gpus(report);

    vf_json_begin_object(b);
    vf_json_iommu(b, report);
    vf_json_key(b, "holders_complete");
    vf_json_bool(b, virtflow_host_report_get_holders_complete(report));
    vf_json_key(b, "gpus");
    vf_json_begin_array(b);
    for (guint i = 0; i < gpus->len; i++)
        vf_json_gpu(b, gpus->pdata[i]);
    vf_json_end_array(b);
    if (all_devices) {
        GPtrArray *devices = virtflow_host_report_get_devices(report);

        vf_json_key(b, "devices");
        vf_json_begin_array(b);
        for (guint i = 0; i < devices->len; i++)
            vf_cli_json_pci_device(b, devices->pdata[i]);
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
        const VirtFlowWrite *w = writes->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "device", w->device);
        vf_json_member_string(json, "path", w->path);
        vf_json_member_string(json, "value", w->value);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
}

void
vf_cli_json_transition(VfJson *b, VirtFlowTransition *t, gboolean dry_run)
{
    vf_json_begin_object(b);
    vf_cli_json_transition_members(b, t, dry_run);
    vf_json_end_object(b);
}

void
vf_cli_json_transition_members(VfJson *b, VirtFlowTransition *t, gboolean dry_run)
{
    g_autoptr(GPtrArray) writes = dry_run ? virtflow_transition_dup_writes(t) : NULL;
    g_auto(GStrv) modules = dry_run ? virtflow_transition_dup_modules(t) : NULL;
    g_autoptr(GPtrArray) devices = virtflow_transition_dup_devices(t);
    g_auto(GStrv) left = virtflow_transition_dup_left(t);

    vf_json_key(b, "operation");
    vf_json_string(b, virtflow_transition_get_operation(t));
    vf_json_string_or_null(b, "gpu", virtflow_transition_get_gpu(t));
    vf_json_key(b, "dry_run");
    vf_json_bool(b, dry_run);
    vf_json_key(b, "devices");
    vf_json_begin_array(b);
    for (guint i = 0; i < devices->len; i++) {
        const VirtFlowDeviceOrigin *o = devices->pdata[i];

        vf_json_begin_object(b);
        vf_json_key(b, "address");
        vf_json_string(b, o->address);
        vf_json_string_or_null(b, "host_driver", o->host_driver);
        vf_json_string_or_null(b, "host_override", o->host_override);
        vf_json_end_object(b);
    }
    vf_json_end_array(b);
    /* restore: the members of the set on vfio-pci that VirtFlow did not move, left there */
    vf_json_strv(b, "left", (const char *const *)left);
    if (dry_run) {
        vf_json_strv(b, "modules", (const char *const *)modules);
        vf_cli_json_writes(b, writes);
    }
}
