/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libvirt side of the CLI, in virtflow-vm only: opening the connection (the demo's
 * test driver with --demo) and saving the demo's VMs afterwards.
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
