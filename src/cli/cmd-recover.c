/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow recover [--dry-run]: finish what an interrupted bind or restore left
 *
 * Every device named in a journal goes back to its host driver: an interrupted bind is
 * undone, an interrupted restore is finished. Either way the host ends with its display.
 * What tuned VMs took while they ran (huge pages, systemd's slices confined to the host's
 * CPUs) and no hook release gave back is given back first (issue 14, tune/vf-tune-run.h).
 * Both through the GObject API: virtflow_host_recover_tunes(), virtflow_host_plan_recover().
 */
#include "vf-cli.h"

#include <stdio.h>

/* The tune journals: -1 when there was nothing, else the exit status. *@ret_vms: the VMs
 * journaled (owned); *@ret_summary: what was given back (owned; NULL for a dry run). */
static int
vf_cmd_recover_tune(VfCli *cli, VirtFlowHost *host, gboolean dry_run, char ***ret_vms,
                    char **ret_summary)
{
    g_auto(GStrv) pending = virtflow_host_dup_pending_tunes(host);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;

    *ret_summary = NULL;
    *ret_vms = NULL;
    if (pending[0] == NULL) {
        *ret_vms = g_steal_pointer(&pending);
        return -1;
    }
    if (dry_run) {
        for (guint i = 0; pending[i] && !cli->json; i++)
            printf("Would give back what tuned VM '%s' took (huge pages, CPU isolation).\n",
                   pending[i]);
        *ret_vms = g_steal_pointer(&pending);
        return VF_EXIT_OK;
    }
    if (!virtflow_host_recover_tunes(host, &summary, &error))
        return vf_cli_fail(cli, error);
    if (!cli->json)
        printf("Gave back what tuned VMs took: %s.\n", *summary ? summary : "nothing was left");
    *ret_vms = g_steal_pointer(&pending);
    *ret_summary = g_steal_pointer(&summary);
    return VF_EXIT_OK;
}

/* --json: the transition's object (or an empty recover) with a "tune" member: {"vms": the
 * VMs whose tune journal was found, "summary": what was given back, null for a dry run}. */
static int
vf_cmd_recover_json(VfCli *cli, VirtFlowTransition *t, gboolean dry_run, char **vms,
                    const char *summary)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfJson) json = NULL;

    if (t && !dry_run && !virtflow_transition_apply(t, NULL, &error))
        return vf_cli_fail(cli, error);
    json = vf_json_new(TRUE);
    vf_json_begin_object(json);
    if (t) {
        vf_cli_json_transition_members(json, t, dry_run);
    } else {
        vf_json_member_string(json, "operation", "recover");
        vf_json_key(json, "devices");
        vf_json_begin_array(json);
        vf_json_end_array(json);
        vf_json_key(json, "sysfs_writes");
        vf_json_begin_array(json);
        vf_json_end_array(json);
    }
    vf_json_key(json, "tune");
    vf_json_begin_object(json);
    vf_json_key(json, "vms");
    vf_json_begin_array(json);
    for (guint i = 0; vms[i]; i++)
        vf_json_string(json, vms[i]);
    vf_json_end_array(json);
    vf_json_key(json, "summary");
    vf_json_string(json, dry_run ? NULL : summary ? summary : "");
    vf_json_end_object(json);
    vf_json_end_object(json);
    vf_cli_print_json(json);
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
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowTransition) t = NULL;
    g_auto(GStrv) tune_vms = NULL;
    g_autofree char *tune_summary = NULL;
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
    if ((tune_rc = vf_cmd_recover_tune(cli, host, dry_run, &tune_vms, &tune_summary)) > 0)
        return tune_rc;
    t = virtflow_host_plan_recover(host, &error);
    if (t == NULL && error)
        return vf_cli_fail(cli, error);
    if (cli->json)
        return vf_cmd_recover_json(cli, t, dry_run, tune_vms, tune_summary);
    if (t == NULL) {
        if (tune_rc < 0)
            printf("Nothing to recover: no interrupted operation in the journal.\n");
        return VF_EXIT_OK;
    }
    return vf_cli_run_transition(cli, t, dry_run);
}
