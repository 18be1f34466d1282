/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow host [--groups]: the machine in one screen
 */
#include "vf-cli.h"

#include <stdio.h>

static void
vf_host_print_groups(VfHostReport *report)
{
    gint last = -2;

    if (!report->iommu->enabled) {
        printf("No IOMMU groups: %s\n", report->iommu->verdict);
        return;
    }
    /* devices sorted by group, then address: what `for g in /sys/kernel/iommu_groups/N`
     * scripts print, with names and drivers */
    for (gint g = 0, seen = 0; seen < (gint)report->bus->devices->len; g++) {
        g_autoptr(GPtrArray) members = vf_pci_bus_dup_group_members(report->bus, g);

        if (g > 65536)
            break;
        for (guint i = 0; i < members->len; i++) {
            const VfPciDevice *dev = members->pdata[i];
            g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);
            g_autofree char *vendor = vf_pci_device_dup_vendor_name(dev);
            g_autofree char *name = vf_pci_device_dup_device_name(dev);

            if (g != last) {
                printf("IOMMU group %d\n", g);
                last = g;
            }
            printf("  %s  %s [%04x]: %s %s [%04x:%04x]  driver: %s\n", dev->address, cls,
                   dev->class_code >> 8, vendor, name, dev->vendor_id, dev->device_id,
                   dev->driver ? dev->driver : "none");
        }
        seen += members->len;
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
