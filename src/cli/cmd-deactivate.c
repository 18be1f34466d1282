/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow deactivate VM [--dry-run]: the VM as it was, the GPU back to the host
 */
#include "vf-cli.h"

#include <stdio.h>

int
vf_cmd_deactivate(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE, force = FALSE;
    int timeout = 0;
    GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan, change nothing", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Switch a running VM off at once", NULL},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Shutdown budget in seconds (120)", "S"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("VM - take the GPU back from a VM");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(VirtFlowFlow) flow = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc != 2)
        return vf_cli_usage(cli, ctx, "expected the name (or UUID) of one VM");
    if (timeout < 0)
        return vf_cli_usage(cli, ctx, "--timeout must be a number of seconds");
    if (!vf_cli_open_objects(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);

    flow = virtflow_flow_new(VIRTFLOW_FLOW_DEACTIVATE, host, conn, argv[1], NULL);
    if (dry_run) {
        if (!virtflow_flow_plan(flow, &error))
            return vf_cli_fail(cli, error);
        return vf_cli_print_plan(cli, flow);
    }
    virtflow_flow_set_force(flow, force);
    if (timeout > 0)
        virtflow_flow_set_stop_timeout(flow, MIN(timeout, VF_CLI_MAX_TIMEOUT_S));
    return vf_cli_run_flow(cli, flow);
}
