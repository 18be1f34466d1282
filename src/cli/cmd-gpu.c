/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow gpu list | bind BDF | restore BDF|--all
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>

void
vf_cli_print_writes(GPtrArray *writes, GPtrArray *modules)
{
    for (guint i = 0; modules && i < modules->len; i++)
        printf("  modprobe %s\n", (char *)modules->pdata[i]);
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        if (g_str_equal(w->value, "\n"))
            printf("  echo > %s\n", w->path);
        else
            printf("  echo %s > %s\n", w->value, w->path);
    }
}

/* What a restore left where it was, and how to move it if the user means to. */
static void
vf_cli_print_left(GPtrArray *left)
{
    for (guint i = 0; i < left->len; i++)
        printf("  %s\n", (char *)left->pdata[i]);
    if (left->len > 0)
        printf("  (VirtFlow gives back only what it moved; to give such a device to its host "
               "driver by hand: echo > /sys/bus/pci/devices/BDF/driver_override; echo BDF > "
               "/sys/bus/pci/devices/BDF/driver/unbind; echo BDF > /sys/bus/pci/drivers_probe)\n");
}

int
vf_cli_run_transition(VfCli *cli, VfTransition *t, gboolean dry_run)
{
    g_autoptr(GError) error = NULL;
    VfTransitionKind kind = vf_transition_get_kind(t);
    GPtrArray *devices = vf_transition_get_devices(t);
    const char *gpu = vf_transition_get_gpu(t);
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);
    GPtrArray *left = vf_transition_get_left(t);

    if (dry_run) {
        g_autoptr(GPtrArray) modules = NULL;

        if (cli->json) {
            g_autoptr(VfJson) json = vf_json_new(TRUE);

            vf_cli_json_transition(json, t, TRUE);
            vf_cli_print_json(json);
            return VF_EXIT_OK;
        }
        modules = vf_transition_dup_modules(t);
        printf("Dry run: %s %s%s (%u device%s). Nothing is changed; the writes would be:\n",
               vf_transition_kind_to_string(kind), gpu ? "GPU " : "", gpu ? gpu : "all devices",
               devices->len, devices->len == 1 ? "" : "s");
        vf_cli_print_writes(writes, modules);
        if (writes->len == 0)
            printf("  (none: the devices are already where they should be)\n");
        vf_cli_print_left(left);
        return VF_EXIT_OK;
    }

    if (!vf_transition_apply(t, &error))
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_transition(json, t, FALSE);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    if (writes->len == 0) {
        printf("Nothing to do: the devices are already %s.\n",
               kind == VF_TRANSITION_BIND ? "on vfio-pci" : "on their host drivers");
        vf_cli_print_left(left);
        return VF_EXIT_OK;
    }
    printf("%s %s%s:\n",
           kind == VF_TRANSITION_BIND      ? "Bound"
           : kind == VF_TRANSITION_RESTORE ? "Restored"
                                           : "Recovered",
           gpu ? "GPU " : "", gpu ? gpu : "devices");
    for (guint i = 0; i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];

        printf("  %s → %s\n", o->address,
               kind == VF_TRANSITION_BIND ? "vfio-pci"
               : o->host_driver           ? o->host_driver
               : o->host_driver_known     ? "no driver"
                                          : "its host driver");
    }
    vf_cli_print_left(left);
    return VF_EXIT_OK;
}

/* How each function is reset between VMs, and the warnings about it (issue 12). The boot
 * display is never handed over: nothing to say. */
static void
vf_gpu_print_resets(const VfGpu *gpu)
{
    if (gpu->device->boot_vga == 1)
        return;
    printf("              reset: ");
    for (guint p = 0; p < gpu->passthrough->len; p++) {
        const VfPciDevice *m = gpu->passthrough->pdata[p];

        printf("%s%s %s", p ? ", " : "", m->address,
               m->reset_method == NULL    ? "(not shown by this kernel)"
               : *m->reset_method == '\0' ? "none"
                                          : m->reset_method);
    }
    printf("\n");
    for (guint w = 0; w < gpu->warnings->len; w++) {
        const VfGpuWarning *warning = gpu->warnings->pdata[w];

        printf("              warning [%s] %s\n                fix: %s\n", warning->code,
               warning->message, warning->fix);
    }
}

static void
vf_gpu_print_table(VfCli *cli, VfHost *host, VfHostReport *report)
{
    if (cli->demo)
        printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
               vf_host_get_root(host));
    printf("IOMMU: %s\n", report->iommu->verdict);
    if (report->gpus->len == 0) {
        printf("No GPU (no PCI display controller) found.\n");
        return;
    }
    printf("\n%-13s %-22s %-34s %-14s %-6s %s\n", "ADDRESS", "VENDOR", "GPU", "DRIVER", "GROUP",
           "VERDICT");
    for (guint i = 0; i < report->gpus->len; i++) {
        const VfGpu *gpu = report->gpus->pdata[i];
        const VfPciDevice *dev = gpu->device;
        g_autofree char *vendor = vf_pci_device_dup_vendor_name(dev);
        g_autofree char *name = vf_pci_device_dup_device_name(dev);
        g_autofree char *group =
            dev->iommu_group >= 0 ? g_strdup_printf("%d", dev->iommu_group) : g_strdup("-");
        g_autoptr(GString) verdict = g_string_new(NULL);

        if (vf_gpu_is_eligible(gpu)) {
            g_string_append(verdict, gpu->on_vfio ? "on vfio-pci" : "ready");
        } else {
            g_string_append(verdict, "blocked:");
            for (guint b = 0; b < gpu->blockers->len; b++)
                g_string_append_printf(
                    verdict, " %s",
                    vf_blocker_kind_to_string(((VfBlocker *)gpu->blockers->pdata[b])->kind));
        }
        if (strlen(vendor) > 22)
            vendor[22] = '\0';
        if (g_utf8_strlen(name, -1) > 34)
            *g_utf8_offset_to_pointer(name, 34) = '\0';
        printf("%-13s %-22s %-34s %-14s %-6s %s\n", dev->address, vendor, name,
               dev->driver ? dev->driver : "none", group, verdict->str);
        printf("              moves together: ");
        for (guint p = 0; p < gpu->passthrough->len; p++) {
            const VfPciDevice *m = gpu->passthrough->pdata[p];

            printf("%s%s (%s)", p ? ", " : "", m->address, m->driver ? m->driver : "no driver");
        }
        printf("\n");
        for (guint b = 0; b < gpu->blockers->len; b++) {
            const VfBlocker *bl = gpu->blockers->pdata[b];

            printf("              [%s] %s\n                fix: %s\n",
                   vf_blocker_kind_to_string(bl->kind), bl->message, bl->fix);
        }
        vf_gpu_print_resets(gpu);
    }
    if (!report->holders_complete)
        printf("\nNote: some processes could not be inspected (run as root to see every "
               "holder).\n");
}

static int
vf_gpu_list(VfCli *cli, int argc, char **argv)
{
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- list GPUs and their verdicts");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'gpu list' takes no arguments");
    host = vf_cli_open_host(cli, &error);
    if (host == NULL || (report = vf_host_report_new(host, &error)) == NULL)
        return vf_cli_fail(cli, error);
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_report(json, report, FALSE);
        vf_cli_print_json(json);
    } else {
        vf_gpu_print_table(cli, host, report);
    }
    return VF_EXIT_OK;
}

static int
vf_gpu_move(VfCli *cli, int argc, char **argv, gboolean bind)
{
    gboolean dry_run = FALSE;
    gboolean all = FALSE;
    GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the writes, change nothing", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    GOptionEntry restore_entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
         "Every device VirtFlow bound (others are left, named)", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new(bind ? "BDF - bind a GPU and its group to vfio-pci"
                                  : "BDF|--all - return a GPU to its host driver");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!bind)
        g_option_context_add_main_entries(ctx, restore_entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (all ? argc != 1 : argc != 2)
        return vf_cli_usage(cli, ctx,
                            all ? "--all takes no address" : "expected one PCI address (BDF)");

    /* a malformed address is refused before anything is read */
    if (!all) {
        g_autofree char *canon = vf_pci_address_normalize(argv[1], &error);

        if (canon == NULL)
            return vf_cli_fail(cli, error);
    }
    host = vf_cli_open_host(cli, &error);
    /* one GPU's bind or restore reads that GPU only (--all: every GPU) */
    if (host == NULL || (report = all ? vf_host_report_new(host, &error)
                                      : vf_host_report_new_for_gpu(host, argv[1], &error)) == NULL)
        return vf_cli_fail(cli, error);
    if (!dry_run && !vf_host_is_writable(host) && vf_host_get_helper(host) == NULL) {
        g_set_error(&error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "--host-root '%s' is for reading and --dry-run: VirtFlow changes devices "
                    "only on the live machine",
                    vf_host_get_root(host));
        return vf_cli_fail(cli, error);
    }
    t = bind ? vf_transition_new_bind(host, report, argv[1], &error)
             : vf_transition_new_restore(host, report, all ? NULL : argv[1], &error);
    if (t == NULL)
        return vf_cli_fail(cli, error);
    return vf_cli_run_transition(cli, t, dry_run);
}

int
vf_cmd_gpu(VfCli *cli, int argc, char **argv)
{
    if (argc < 2 || g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;

        fprintf(out, "Usage: virtflow gpu list [--json]\n"
                     "       virtflow gpu bind BDF [--dry-run] [--json]\n"
                     "       virtflow gpu restore BDF|--all [--dry-run] [--json]\n");
        return argc < 2 ? VF_EXIT_USAGE : VF_EXIT_OK;
    }
    if (g_str_equal(argv[1], "list"))
        return vf_gpu_list(cli, argc - 1, argv + 1);
    if (g_str_equal(argv[1], "bind"))
        return vf_gpu_move(cli, argc - 1, argv + 1, TRUE);
    if (g_str_equal(argv[1], "restore"))
        return vf_gpu_move(cli, argc - 1, argv + 1, FALSE);
    fprintf(stderr, "virtflow: unknown gpu command '%s' (list, bind, restore)\n", argv[1]);
    return VF_EXIT_USAGE;
}
