/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow host [--groups | --input]: the machine in one screen
 */
#include "vf-cli.h"

#include "host/vf-input.h"

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

/* Is @by_id among what `--input auto` picks? */
static gboolean
vf_host_input_picked(GPtrArray *picked, const char *by_id)
{
    for (guint i = 0; i < picked->len; i++)
        if (g_str_equal(((const VfEvdevInput *)picked->pdata[i])->path, by_id))
            return TRUE;
    return FALSE;
}

/* "0000:00:14.0 (USB controller)": what the device sits behind */
static char *
vf_host_input_behind(VfHost *host, const char *address)
{
    g_autoptr(VfPciDevice) dev = NULL;
    g_autofree char *cls = NULL;

    if (address == NULL)
        return g_strdup("no PCI device (virtual)");
    dev = vf_pci_device_new(host, address, NULL);
    if (dev == NULL)
        return g_strdup(address);
    cls = vf_pci_class_dup_name(dev->class_code);
    return g_strdup_printf("%s (%s)", address, cls);
}

/* `host --input`: the keyboards and mice `--input` can hand over, and what `auto` takes */
static int
vf_host_print_input(VfCli *cli, VfHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices = vf_input_list(host, &error);
    g_autoptr(GPtrArray) picked = NULL;
    g_autofree char *note = NULL;

    if (devices == NULL || (picked = vf_input_pick_auto(host, &note, &error)) == NULL)
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_json_key(json, "input");
        vf_json_begin_array(json);
        for (guint i = 0; i < devices->len; i++) {
            const VfInputDevice *dev = devices->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "by_id", dev->by_id);
            vf_json_member_string(json, "event", dev->event);
            vf_json_member_string(json, "name", dev->name);
            vf_json_member_string(json, "kind", vf_input_kind_to_string(dev->kind));
            vf_json_member_string(json, "pci_address", dev->pci_address);
            vf_json_key(json, "last_input_us");
            if (dev->last_input_us > 0)
                vf_json_int(json, dev->last_input_us);
            else
                vf_json_null(json);
            vf_json_member_bool(json, "auto", vf_host_input_picked(picked, dev->by_id));
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
               vf_host_get_root(host));
    printf("Keyboards and mice with a /dev/input/by-id link (what --input can hand over):\n");
    if (devices->len == 0)
        printf("  none\n");
    for (guint i = 0; i < devices->len; i++) {
        const VfInputDevice *dev = devices->pdata[i];
        g_autofree char *behind = vf_host_input_behind(host, dev->pci_address);

        printf("  %-8s  %s%s\n            %s\n            %s, behind %s\n",
               vf_input_kind_to_string(dev->kind), dev->name,
               vf_host_input_picked(picked, dev->by_id) ? "  [--input auto]" : "", dev->by_id,
               dev->event, behind);
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
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
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
