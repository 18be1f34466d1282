/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow gpu list | bind BDF | restore BDF|--all
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>

void
vf_cli_print_writes(GPtrArray *writes, char **modules)
{
    for (guint i = 0; modules && modules[i]; i++)
        printf("  modprobe %s\n", modules[i]);
    for (guint i = 0; i < writes->len; i++) {
        const VirtFlowWrite *w = writes->pdata[i];

        if (g_str_equal(w->value, "\n"))
            printf("  echo > %s\n", w->path);
        else
            printf("  echo %s > %s\n", w->value, w->path);
    }
}

/* What a restore left where it was, and how to move it if the user means to. */
static void
vf_cli_print_left(char **left)
{
    for (guint i = 0; left[i]; i++)
        printf("  %s\n", left[i]);
    if (left[0])
        printf("  (VirtFlow gives back only what it moved; to give such a device to its host "
               "driver by hand: echo > /sys/bus/pci/devices/BDF/driver_override; echo BDF > "
               "/sys/bus/pci/devices/BDF/driver/unbind; echo BDF > /sys/bus/pci/drivers_probe)\n");
}

int
vf_cli_run_transition(VfCli *cli, VirtFlowTransition *t, gboolean dry_run)
{
    g_autoptr(GError) error = NULL;
    VirtFlowTransitionKind kind = virtflow_transition_get_kind(t);
    g_autoptr(GPtrArray) devices = virtflow_transition_dup_devices(t);
    const char *gpu = virtflow_transition_get_gpu(t);
    g_autoptr(GPtrArray) writes = virtflow_transition_dup_writes(t);
    g_auto(GStrv) left = virtflow_transition_dup_left(t);

    if (dry_run) {
        g_auto(GStrv) modules = NULL;

        if (cli->json) {
            g_autoptr(VfJson) json = vf_json_new(TRUE);

            vf_cli_json_transition(json, t, TRUE);
            vf_cli_print_json(json);
            return VF_EXIT_OK;
        }
        modules = virtflow_transition_dup_modules(t);
        printf("Dry run: %s %s%s (%u device%s). Nothing is changed; the writes would be:\n",
               virtflow_transition_get_operation(t), gpu ? "GPU " : "", gpu ? gpu : "all devices",
               devices->len, devices->len == 1 ? "" : "s");
        vf_cli_print_writes(writes, modules);
        if (writes->len == 0)
            printf("  (none: the devices are already where they should be)\n");
        vf_cli_print_left(left);
        return VF_EXIT_OK;
    }

    if (!virtflow_transition_apply(t, NULL, &error))
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_transition(json, t, FALSE);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    if (writes->len == 0) {
        printf("Nothing to do: the devices are already %s.\n",
               kind == VIRTFLOW_TRANSITION_BIND ? "on vfio-pci" : "on their host drivers");
        vf_cli_print_left(left);
        return VF_EXIT_OK;
    }
    printf("%s %s%s:\n",
           kind == VIRTFLOW_TRANSITION_BIND      ? "Bound"
           : kind == VIRTFLOW_TRANSITION_RESTORE ? "Restored"
                                                 : "Recovered",
           gpu ? "GPU " : "", gpu ? gpu : "devices");
    for (guint i = 0; i < devices->len; i++) {
        const VirtFlowDeviceOrigin *o = devices->pdata[i];

        printf("  %s → %s\n", o->address,
               kind == VIRTFLOW_TRANSITION_BIND ? "vfio-pci"
               : o->host_driver                 ? o->host_driver
               : o->host_driver_known           ? "no driver"
                                                : "its host driver");
    }
    vf_cli_print_left(left);
    return VF_EXIT_OK;
}

/* How each function is reset between VMs, and the warnings about it (issue 12). The boot
 * display is never handed over: nothing to say. */
static void
vf_gpu_print_resets(VirtFlowGpu *gpu)
{
    GPtrArray *passthrough = virtflow_gpu_get_passthrough_devices(gpu);
    GPtrArray *warnings = virtflow_gpu_get_warnings(gpu);

    if (virtflow_gpu_get_boot_vga(gpu))
        return;
    printf("              reset: ");
    for (guint p = 0; p < passthrough->len; p++) {
        const VirtFlowDevice *m = passthrough->pdata[p];

        printf("%s%s %s", p ? ", " : "", m->address,
               m->reset_method == NULL    ? "(not shown by this kernel)"
               : *m->reset_method == '\0' ? "none"
                                          : m->reset_method);
    }
    printf("\n");
    for (guint w = 0; w < warnings->len; w++) {
        const VirtFlowGpuWarning *warning = warnings->pdata[w];

        printf("              warning [%s] %s\n                fix: %s\n", warning->code,
               warning->message, warning->fix);
    }
}

static void
vf_gpu_print_table(VfCli *cli, VirtFlowHost *host, VirtFlowHostReport *report)
{
    GPtrArray *gpus = virtflow_host_report_get_gpus(report);

    if (cli->demo)
        printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
               virtflow_host_get_root(host));
    printf("IOMMU: %s\n", virtflow_host_report_get_iommu_verdict(report));
    if (gpus->len == 0) {
        printf("No GPU (no PCI display controller) found.\n");
        return;
    }
    printf("\n%-13s %-22s %-34s %-14s %-6s %s\n", "ADDRESS", "VENDOR", "GPU", "DRIVER", "GROUP",
           "VERDICT");
    for (guint i = 0; i < gpus->len; i++) {
        VirtFlowGpu *gpu = gpus->pdata[i];
        GPtrArray *passthrough = virtflow_gpu_get_passthrough_devices(gpu);
        GPtrArray *staying = virtflow_gpu_get_staying_devices(gpu);
        GPtrArray *blockers = virtflow_gpu_get_blockers(gpu);
        g_autofree char *vendor = g_strdup(virtflow_gpu_get_vendor(gpu));
        g_autofree char *name = g_strdup(virtflow_gpu_get_name(gpu));
        gint iommu_group = virtflow_gpu_get_iommu_group(gpu);
        g_autofree char *group =
            iommu_group >= 0 ? g_strdup_printf("%d", iommu_group) : g_strdup("-");
        const char *driver = virtflow_gpu_get_driver(gpu);

        if (strlen(vendor) > 22)
            vendor[22] = '\0';
        if (g_utf8_strlen(name, -1) > 34)
            *g_utf8_offset_to_pointer(name, 34) = '\0';
        printf("%-13s %-22s %-34s %-14s %-6s %s\n", virtflow_gpu_get_address(gpu), vendor, name,
               driver ? driver : "none", group, virtflow_gpu_get_verdict(gpu));
        printf("              moves together: ");
        for (guint p = 0; p < passthrough->len; p++) {
            const VirtFlowDevice *m = passthrough->pdata[p];

            printf("%s%s (%s)", p ? ", " : "", m->address, m->driver ? m->driver : "no driver");
        }
        printf("\n");
        if (staying->len > 0) {
            printf("              stays with the host: ");
            for (guint p = 0; p < staying->len; p++) {
                const VirtFlowDevice *m = staying->pdata[p];

                printf("%s%s (%s)", p ? ", " : "", m->address, m->driver ? m->driver : "no driver");
            }
            printf("\n");
        }
        for (guint b = 0; b < blockers->len; b++) {
            const VirtFlowBlocker *bl = blockers->pdata[b];

            printf("              [%s] %s\n                fix: %s\n", bl->code, bl->message,
                   bl->fix);
        }
        vf_gpu_print_resets(gpu);
    }
    if (!virtflow_host_report_get_holders_complete(report))
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
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowHostReport) report = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'gpu list' takes no arguments");
    host = vf_cli_open_host(cli, &error);
    if (host == NULL || (report = virtflow_host_get_report(host, &error)) == NULL)
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
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowTransition) t = NULL;
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
    if (host == NULL)
        return vf_cli_fail(cli, error);
    /* a read-only --host-root is refused before the plan (a host that cannot be read says
     * so first, as it always did) */
    if (!dry_run && !virtflow_host_check_writable(host, &error)) {
        g_autoptr(GError) read_error = NULL;
        g_autoptr(VirtFlowHostReport) report = virtflow_host_get_report(host, &read_error);

        return vf_cli_fail(cli, report ? error : read_error);
    }
    /* one GPU's bind or restore reads that GPU only (--all: every GPU) */
    t = bind ? virtflow_host_plan_bind(host, argv[1], &error)
             : virtflow_host_plan_restore(host, all ? NULL : argv[1], &error);
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
