/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow start VM: start a VM, its GPU bound to vfio-pci first
 */
#include "vf-cli.h"

#include <stdio.h>

int
vf_cmd_start(VfCli *cli, int argc, char **argv)
{
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("VM - start a VM");
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
    if (!vf_cli_open_objects(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);

    flow = virtflow_flow_new(VIRTFLOW_FLOW_START, host, conn, argv[1], NULL);
    return vf_cli_run_flow(cli, flow);
}
