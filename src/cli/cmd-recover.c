/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow recover [--dry-run]: finish what an interrupted bind or restore left
 *
 * Every device named in a journal goes back to its host driver: an interrupted bind is
 * undone, an interrupted restore is finished. Either way the host ends with its display.
 * What tuned VMs took while they ran (huge pages, systemd's slices confined to the host's
 * CPUs) and no hook release gave back is given back first (issue 14, tune/vf-tune-run.h).
 */
#include "vf-cli.h"

#include "tune/vf-tune-run.h"

#include <stdio.h>

/* The tune journals: -1 when there was nothing, else the exit status. */
static int
vf_cmd_recover_tune(VfCli *cli, VfHost *host, gboolean dry_run)
{
    g_autoptr(GPtrArray) pending = vf_tune_run_dup_pending(host);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;

    if (pending->len == 0)
        return -1;
    if (dry_run) {
        for (guint i = 0; i < pending->len && !cli->json; i++)
            printf("Would give back what tuned VM '%s' took (huge pages, CPU isolation).\n",
                   (const char *)pending->pdata[i]);
        return VF_EXIT_OK;
    }
    if (!vf_tune_run_recover(host, NULL, &summary, &error))
        return vf_cli_fail(cli, error);
    /* the JSON document stays the transition's */
    if (!cli->json)
        printf("Gave back what tuned VMs took: %s.\n", *summary ? summary : "nothing was left");
    return VF_EXIT_OK;
}

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
    int tune_rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'recover' takes no arguments");

    host = vf_cli_open_host(cli, &error);
    if (host == NULL)
        return vf_cli_fail(cli, error);
    if ((tune_rc = vf_cmd_recover_tune(cli, host, dry_run)) > 0)
        return tune_rc;
    t = vf_transition_new_recover(host, &error);
    if (t == NULL && error)
        return vf_cli_fail(cli, error);
    if (t == NULL) {
        if (cli->json)
            printf("{\"operation\": \"recover\", \"devices\": [], \"sysfs_writes\": []}\n");
        else if (tune_rc < 0)
            printf("Nothing to recover: no interrupted operation in the journal.\n");
        return VF_EXIT_OK;
    }
    return vf_cli_run_transition(cli, t, dry_run);
}
