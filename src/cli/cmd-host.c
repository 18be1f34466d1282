/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow host [--groups | --input]: the machine in one screen
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>

/* by IOMMU group, then address */
static int
vf_dev_cmp_group(gconstpointer a, gconstpointer b)
{
    const VirtFlowDevice *da = *(VirtFlowDevice *const *)a;
    const VirtFlowDevice *db = *(VirtFlowDevice *const *)b;

    if (da->iommu_group != db->iommu_group)
        return da->iommu_group < db->iommu_group ? -1 : 1;
    return strcmp(da->address, db->address);
}

static void
vf_host_print_groups(VirtFlowHostReport *report)
{
    GPtrArray *all = virtflow_host_report_get_devices(report);
    g_autoptr(GPtrArray) devices = g_ptr_array_sized_new(all->len);
    gint last = -2;

    /* borrowed pointers: a copy made with g_ptr_array_copy() would free them twice */
    for (guint i = 0; i < all->len; i++)
        g_ptr_array_add(devices, all->pdata[i]);
    if (!virtflow_host_report_get_iommu_enabled(report)) {
        printf("No IOMMU groups: %s\n", virtflow_host_report_get_iommu_verdict(report));
        return;
    }
    /* what `for g in /sys/kernel/iommu_groups/N` scripts print, with names and drivers */
    g_ptr_array_sort(devices, vf_dev_cmp_group);
    for (guint i = 0; i < devices->len; i++) {
        const VirtFlowDevice *dev = devices->pdata[i];

        if (dev->iommu_group != last) {
            if (dev->iommu_group < 0)
                printf("No IOMMU group\n");
            else
                printf("IOMMU group %d\n", dev->iommu_group);
            last = dev->iommu_group;
        }
        printf("  %s  %s [%04x]: %s %s [%04x:%04x]  driver: %s\n", dev->address, dev->class_name,
               dev->class_code >> 8, dev->vendor, dev->name, dev->vendor_id, dev->device_id,
               dev->driver ? dev->driver : "none");
    }
}

static const char *
vf_host_input_kind(const VirtFlowInputDevice *dev)
{
    return dev->kind == VIRTFLOW_INPUT_KEYBOARD ? "keyboard" : "mouse";
}

/* "0000:00:14.0 (USB controller)": what the device sits behind */
static char *
vf_host_input_behind(const VirtFlowInputDevice *dev)
{
    if (dev->pci_address == NULL)
        return g_strdup("no PCI device (virtual)");
    if (dev->pci_class_name == NULL)
        return g_strdup(dev->pci_address);
    return g_strdup_printf("%s (%s)", dev->pci_address, dev->pci_class_name);
}

/* `host --input`: the keyboards and mice `--input` can hand over, and what `auto` takes */
static int
vf_host_print_input(VfCli *cli, VirtFlowHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices = virtflow_host_list_inputs(host, &error);
    g_autofree char *note = NULL;

    if (devices == NULL ||
        ((note = virtflow_host_dup_input_note(host, &error)) == NULL && error != NULL))
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_json_key(json, "input");
        vf_json_begin_array(json);
        for (guint i = 0; i < devices->len; i++) {
            const VirtFlowInputDevice *dev = devices->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "by_id", dev->path);
            vf_json_member_string(json, "event", dev->event);
            vf_json_member_string(json, "name", dev->name);
            vf_json_member_string(json, "kind", vf_host_input_kind(dev));
            vf_json_member_string(json, "pci_address", dev->pci_address);
            vf_json_key(json, "last_input_us");
            if (dev->last_input_us > 0)
                vf_json_int(json, dev->last_input_us);
            else
                vf_json_null(json);
            vf_json_member_bool(json, "auto", dev->picked);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_member_string(json, "auto_note", note);
        vf_json_end_object(json);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }

    if (cli->demo)
        printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
               virtflow_host_get_root(host));
    printf("Keyboards and mice with a /dev/input/by-id link (what --input can hand over):\n");
    if (devices->len == 0)
        printf("  none\n");
    for (guint i = 0; i < devices->len; i++) {
        const VirtFlowInputDevice *dev = devices->pdata[i];
        g_autofree char *behind = vf_host_input_behind(dev);

        printf("  %-8s  %s%s\n            %s\n            %s, behind %s\n", vf_host_input_kind(dev),
               dev->name, dev->picked ? "  [--input auto]" : "", dev->path, dev->event, behind);
    }
    if (note)
        printf("\n%s\n", note);
    return VF_EXIT_OK;
}

int
vf_cmd_host(VfCli *cli, int argc, char **argv)
{
    gboolean groups = FALSE;
    gboolean input = FALSE;
    GOptionEntry entries[] = {
        {"groups", 'g', 0, G_OPTION_ARG_NONE, &groups, "List every IOMMU group and its devices",
         NULL},
        {"input", 'i', 0, G_OPTION_ARG_NONE, &input,
         "List the keyboards and mice --input can hand over, and what --input auto picks", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- IOMMU, vfio and GPUs of this host");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowHostReport) report = NULL;
    GPtrArray *gpus;
    GPtrArray *modules;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'host' takes no arguments");
    if (groups && input)
        return vf_cli_usage(cli, ctx, "--groups and --input are two views: choose one");
    if (input) {
        host = vf_cli_open_host(cli, &error);
        if (host == NULL)
            return vf_cli_fail(cli, error);
        return vf_host_print_input(cli, host);
    }

    host = vf_cli_open_host(cli, &error);
    if (host == NULL || (report = virtflow_host_get_report(host, &error)) == NULL)
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_report(json, report, groups);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }

    if (cli->demo)
        printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
               virtflow_host_get_root(host));
    printf("IOMMU:  %s\n", virtflow_host_report_get_iommu_verdict(report));
    if (virtflow_host_report_get_iommu_fix(report))
        printf("        fix: %s\n", virtflow_host_report_get_iommu_fix(report));
    printf("        kernel command line: %s%s%s\n",
           virtflow_host_report_get_iommu_cmdline_on(report) ? "IOMMU requested"
                                                             : "no intel_iommu=on/amd_iommu=on",
           virtflow_host_report_get_iommu_passthrough(report) ? ", iommu=pt" : "",
           virtflow_host_report_get_iommu_cmdline_off(report) ? ", IOMMU switched OFF" : "");
    printf("VFIO:   %s (kernel %s)\n",
           virtflow_host_report_get_vfio_registered(report)  ? "vfio-pci is loaded"
           : virtflow_host_report_get_vfio_available(report) ? "vfio-pci is available, not loaded"
                                                             : "vfio-pci is NOT available",
           virtflow_host_report_get_kernel_release(report)
               ? virtflow_host_report_get_kernel_release(report)
               : "?");
    modules = virtflow_host_report_get_vfio_modules(report);
    for (guint i = 0; i < modules->len; i++) {
        const VirtFlowKernelModule *m = modules->pdata[i];

        printf("        %-18s %s\n", m->name, m->state_name);
    }
    gpus = virtflow_host_report_get_gpus(report);
    printf("GPUs:   %u\n", gpus->len);
    for (guint i = 0; i < gpus->len; i++) {
        VirtFlowGpu *gpu = gpus->pdata[i];
        const char *driver = virtflow_gpu_get_driver(gpu);

        printf("        %s  %s %s  driver %s  %s\n", virtflow_gpu_get_address(gpu),
               virtflow_gpu_get_vendor(gpu), virtflow_gpu_get_name(gpu), driver ? driver : "none",
               virtflow_gpu_get_eligible(gpu)
                   ? "ready for passthrough"
                   : ((const VirtFlowBlocker *)virtflow_gpu_get_blockers(gpu)->pdata[0])->code);
    }
    if (groups) {
        printf("\n");
        vf_host_print_groups(report);
    }
    return VF_EXIT_OK;
}
