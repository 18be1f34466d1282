/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow stop VM [--timeout S] [--force]: shut down, wait until really off, GPU home
 */
#include "vf-cli.h"

#include <stdio.h>

int
vf_cmd_stop(VfCli *cli, int argc, char **argv)
{
    gboolean force = FALSE;
    int timeout = 0;
    GOptionEntry entries[] = {
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
         "Seconds to wait for the guest to shut down (120)", "S"},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Switch the VM off at once", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("VM - shut a VM down");
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

    flow = virtflow_flow_new(VIRTFLOW_FLOW_STOP, host, conn, argv[1], NULL);
    virtflow_flow_set_force(flow, force);
    if (timeout > 0)
        virtflow_flow_set_stop_timeout(flow, MIN(timeout, VF_CLI_MAX_TIMEOUT_S));
    return vf_cli_run_flow(cli, flow);
}
