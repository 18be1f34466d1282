/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow activate VM [--gpu BDF] [--dry-run] [--yes] [--force]: give a VM the GPU
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean
vf_confirm(const char *question)
{
    char answer[16] = "";

    printf("%s [y/N] ", question);
    fflush(stdout);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return FALSE;
    return answer[0] == 'y' || answer[0] == 'Y';
}

int
vf_cli_print_plan(VfCli *cli, VfFlow *flow)
{
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_plan(json, flow);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    printf("Dry run for VM '%s', GPU %s. Nothing is changed.\n\nSteps:\n", flow->vm,
           flow->gpu ? flow->gpu : "-");
    for (guint i = 0; i < flow->steps->len; i++)
        printf("  %u. %s\n", i + 1, ((VfStep *)flow->steps->pdata[i])->title);
    printf("\nDevices: ");
    for (guint i = 0; i < flow->devices->len; i++)
        printf("%s%s", i ? ", " : "", (char *)flow->devices->pdata[i]);
    printf("\n\nSysfs writes, in order:\n");
    vf_cli_print_writes(flow->writes, NULL);
    if (flow->writes->len == 0)
        printf("  (none)\n");
    printf("\nThe new definition of '%s':\n%s\n", flow->vm, flow->domain_xml);
    return VF_EXIT_OK;
}

int
vf_cmd_activate(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE, yes = FALSE, force = FALSE;
    char *gpu = NULL;
    int timeout = 0;
    GOptionEntry entries[] = {
        {"gpu", 'g', 0, G_OPTION_ARG_STRING, &gpu, "The GPU (default: the one eligible)", "BDF"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan, change nothing", NULL},
        {"yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "Do not ask", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
         "Go on when the guest cannot be checked (never skips host safety checks)", NULL},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Shutdown budget in seconds (120)", "S"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("VM - give a VM the GPU");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *gpu_owned = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    rc = vf_cli_parse(cli, ctx, &argc, &argv);
    gpu_owned = gpu;
    if (rc >= 0)
        return rc;
    if (argc != 2)
        return vf_cli_usage(cli, ctx, "expected the name (or UUID) of one VM");
    if (timeout < 0)
        return vf_cli_usage(cli, ctx, "--timeout must be a number of seconds");
    if (gpu) {
        g_autofree char *canon = vf_pci_address_normalize(gpu, &error);

        if (canon == NULL)
            return vf_cli_fail(cli, error);
    }
    if (!vf_cli_open(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);

    flow = vf_flow_plan_activate(host, conn, argv[1], gpu, &error);
    if (flow == NULL)
        return vf_cli_fail(cli, error);
    if (dry_run)
        return vf_cli_print_plan(cli, flow);
    if (!yes && !cli->json && isatty(STDIN_FILENO)) {
        g_autofree char *q =
            g_strdup_printf("Give GPU %s (%u devices) to VM '%s'? A running VM is shut down first.",
                            flow->gpu, flow->devices->len, flow->vm);

        if (!vf_confirm(q)) {
            printf("Nothing was changed.\n");
            return VF_EXIT_FAILED;
        }
    }
    return vf_cli_run_flow(cli, host, conn, VF_FLOW_ACTIVATE, argv[1], gpu, force, timeout);
}
