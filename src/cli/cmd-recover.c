/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow recover [--dry-run]: finish what an interrupted bind or restore left
 *
 * Every device named in a journal goes back to its host driver: an interrupted bind is
 * undone, an interrupted restore is finished. Either way the host ends with its display.
 */
#include "vf-cli.h"

#include <stdio.h>

int
vf_cmd_recover(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE;
    GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the writes, change nothing", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- finish an interrupted operation");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfTransition) t = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'recover' takes no arguments");

    host = vf_cli_open_host(cli, &error);
    if (host == NULL)
        return vf_cli_fail(cli, error);
    t = vf_transition_new_recover(host, &error);
    if (t == NULL && error)
        return vf_cli_fail(cli, error);
    if (t == NULL) {
        if (cli->json)
            printf("{\"operation\": \"recover\", \"devices\": [], \"sysfs_writes\": []}\n");
        else
            printf("Nothing to recover: no interrupted operation in the journal.\n");
        return VF_EXIT_OK;
    }
    return vf_cli_run_transition(cli, t, dry_run);
}
