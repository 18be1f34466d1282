/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libvirt side of the CLI: the host and the connection (the demo's
 * test driver with --demo) as the GObject API's objects, which every VM command runs
 * through. The demo saves its VMs itself after each flow or tune.
 */
#include "vf-cli.h"

#include <stdio.h>

gboolean
vf_cli_open_objects(VfCli *cli, VirtFlowHost **ret_host, VirtFlowConnection **ret_conn,
                    GError **error)
{
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;

    /* libvirt with its event thread, as the C commands have it (the GObject API would leave
     * the events to a main loop the CLI does not run): Stop hears the guest go at once */
    if (!vf_virt_init(error))
        return FALSE;
    host =
        cli->demo ? virtflow_host_new_demo(NULL, error) : virtflow_host_new(cli->host_root, error);
    if (host == NULL)
        return FALSE;
    if (cli->state_dir)
        virtflow_host_set_state_dir(host, cli->state_dir);
    conn = cli->demo ? virtflow_connection_new_demo(host, error)
                     : virtflow_connection_new(cli->connect, error);
    if (conn == NULL)
        return FALSE;
    *ret_host = g_steal_pointer(&host);
    *ret_conn = g_steal_pointer(&conn);
    return TRUE;
}
