/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow host [--groups]: the machine in one screen
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>

/* by IOMMU group, then address */
static int
vf_dev_cmp_group(gconstpointer a, gconstpointer b)
{
    const VfPciDevice *da = *(VfPciDevice *const *)a;
    const VfPciDevice *db = *(VfPciDevice *const *)b;

    if (da->iommu_group != db->iommu_group)
        return da->iommu_group < db->iommu_group ? -1 : 1;
    return strcmp(da->address, db->address);
}

static void
vf_host_print_groups(VfHostReport *report)
{
    g_autoptr(GPtrArray) devices = g_ptr_array_sized_new(report->bus->devices->len);
    gint last = -2;

    /* borrowed pointers: a copy made with g_ptr_array_copy() would free them twice */
    for (guint i = 0; i < report->bus->devices->len; i++)
        g_ptr_array_add(devices, report->bus->devices->pdata[i]);
    if (!report->iommu->enabled) {
        printf("No IOMMU groups: %s\n", report->iommu->verdict);
        return;
    }
    /* what `for g in /sys/kernel/iommu_groups/N` scripts print, with names and drivers */
    g_ptr_array_sort(devices, vf_dev_cmp_group);
    for (guint i = 0; i < devices->len; i++) {
        const VfPciDevice *dev = devices->pdata[i];
        g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);
        g_autofree char *vendor = vf_pci_device_dup_vendor_name(dev);
        g_autofree char *name = vf_pci_device_dup_device_name(dev);

        if (dev->iommu_group != last) {
            if (dev->iommu_group < 0)
                printf("No IOMMU group\n");
            else
                printf("IOMMU group %d\n", dev->iommu_group);
            last = dev->iommu_group;
        }
        printf("  %s  %s [%04x]: %s %s [%04x:%04x]  driver: %s\n", dev->address, cls,
               dev->class_code >> 8, vendor, name, dev->vendor_id, dev->device_id,
               dev->driver ? dev->driver : "none");
    }
}

int
vf_cmd_host(VfCli *cli, int argc, char **argv)
{
    gboolean groups = FALSE;
    GOptionEntry entries[] = {
        {"groups", 'g', 0, G_OPTION_ARG_NONE, &groups, "List every IOMMU group and its devices",
         NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- IOMMU, vfio and GPUs of this host");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'host' takes no arguments");

    host = vf_cli_open_host(cli, &error);
    if (host == NULL || (report = vf_host_report_new(host, &error)) == NULL)
        return vf_cli_fail(cli, error);
    vf_pci_bus_load_details(host, report->bus); /* every device is shown */

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_report(json, report, groups);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }

    if (cli->demo)
        printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
               vf_host_get_root(host));
    printf("IOMMU:  %s\n", report->iommu->verdict);
    if (report->iommu->fix)
        printf("        fix: %s\n", report->iommu->fix);
    printf("        kernel command line: %s%s%s\n",
           report->iommu->cmdline_on ? "IOMMU requested" : "no intel_iommu=on/amd_iommu=on",
           report->iommu->cmdline_pt ? ", iommu=pt" : "",
           report->iommu->cmdline_off ? ", IOMMU switched OFF" : "");
    printf("VFIO:   %s (kernel %s)\n",
           report->vfio->driver_registered ? "vfio-pci is loaded"
           : report->vfio->available       ? "vfio-pci is available, not loaded"
                                           : "vfio-pci is NOT available",
           report->vfio->kernel_release ? report->vfio->kernel_release : "?");
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        printf("        %-18s %s\n", vf_vfio_modules[i],
               vf_module_state_to_string(report->vfio->modules[i]));
    printf("GPUs:   %u\n", report->gpus->len);
    for (guint i = 0; i < report->gpus->len; i++) {
        const VfGpu *gpu = report->gpus->pdata[i];
        g_autofree char *vendor = vf_pci_device_dup_vendor_name(gpu->device);
        g_autofree char *name = vf_pci_device_dup_device_name(gpu->device);

        printf("        %s  %s %s  driver %s  %s\n", gpu->device->address, vendor, name,
               gpu->device->driver ? gpu->device->driver : "none",
               vf_gpu_is_eligible(gpu)
                   ? "ready for passthrough"
                   : vf_blocker_kind_to_string(((VfBlocker *)gpu->blockers->pdata[0])->kind));
    }
    if (groups) {
        printf("\n");
        vf_host_print_groups(report);
    }
    return VF_EXIT_OK;
}
