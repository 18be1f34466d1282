/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libvirt side of the CLI, in virtflow-vm only: opening the connection (the demo's
 * test driver with --demo) and saving the demo's VMs afterwards; the same as GObjects for the
 * commands that run through the GObject API.
 */
#include "vf-cli.h"

#include <stdio.h>

gboolean
vf_cli_open(VfCli *cli, VfHost **ret_host, VfConnection **ret_conn, GError **error)
{
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;

    if (cli->demo) {
        g_autofree char *root = vf_demo_dup_default_root();

        if (!vf_demo_open(root, &host, &conn, error))
            return FALSE;
        if (cli->state_dir)
            vf_host_set_state_dir(host, cli->state_dir);
    } else {
        host = vf_cli_open_host(cli, error);
        if (host == NULL || (conn = vf_connection_open(cli->connect, error)) == NULL)
            return FALSE;
    }
    *ret_host = g_steal_pointer(&host);
    *ret_conn = g_steal_pointer(&conn);
    return TRUE;
}

void
vf_cli_close(VfCli *cli, VfConnection *conn)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = NULL;

    if (!cli->demo || conn == NULL)
        return;
    root = vf_demo_dup_default_root();
    if (!vf_demo_save(root, conn, &error))
        fprintf(stderr, "%s: warning: the demo's VMs could not be saved: %s\n", cli->prog,
                error->message);
}

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
