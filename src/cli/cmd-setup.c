/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow setup [--dry-run] [--undo] [--grub] [--user NAME]: make this machine ready, or take
 * it back
 *
 * The plan comes from the library (VirtFlowSetup, over vf-setup.h) and is printed as it runs. As
 * root the changes are made here; otherwise the library has virtflow-helper make them, through
 * pkexec, and its steps are printed the same way. --dry-run needs no privilege.
 */
#include "vf-cli.h"

#include <stdio.h>

static const char *
vf_setup_mark(VirtFlowSetupState state)
{
    switch (state) {
    case VIRTFLOW_SETUP_DONE:
        return "done   ";
    case VIRTFLOW_SETUP_SKIPPED:
        return "ok     ";
    case VIRTFLOW_SETUP_MANUAL:
        return "TO DO  ";
    case VIRTFLOW_SETUP_FAILED:
        return "FAILED ";
    default:
        return "planned";
    }
}

typedef struct {
    VfCli *cli;
    VfJson *json; /* --json: the "changes" array being written */
    guint manual;
    guint failed;
} VfSetupOutput;

static void
vf_setup_print(const VirtFlowSetupChange *change, VfSetupOutput *out)
{
    if (change->state == VIRTFLOW_SETUP_MANUAL)
        out->manual++;
    if (change->state == VIRTFLOW_SETUP_FAILED)
        out->failed++;
    if (out->json) {
        vf_json_begin_object(out->json);
        vf_json_member_string(out->json, "id", change->id);
        vf_json_member_string(out->json, "title", change->title);
        vf_json_key(out->json, "path");
        vf_json_string(out->json, change->path);
        vf_json_member_string(out->json, "state",
                              vf_setup_state_to_string((VfSetupState)change->state));
        vf_json_key(out->json, "detail");
        vf_json_string(out->json, change->detail);
        vf_json_end_object(out->json);
        return;
    }
    printf("  [%s] %s\n            %s\n", vf_setup_mark(change->state), change->title,
           change->detail ? change->detail : "");
    fflush(stdout);
}

/* VirtFlowSetup::change-done: one change made, as it is made */
static void
vf_setup_on_change_done(VirtFlowSetup *setup, VirtFlowSetupChange *change, gpointer user_data)
{
    vf_setup_print(change, user_data);
}

int
vf_cmd_setup(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE;
    gboolean undo = FALSE;
    gboolean grub = FALSE;
    g_autofree char *user = NULL;
    GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "List each change, make none", NULL},
        {"undo", 0, 0, G_OPTION_ARG_NONE, &undo, "Put back every file setup changed", NULL},
        {"grub", 0, 0, G_OPTION_ARG_NONE, &grub,
         "Also add the IOMMU options to the kernel command line when the IOMMU is off (a GRUB "
         "drop-in, or /etc/kernel/cmdline for systemd-boot)",
         NULL},
        {"user", 0, 0, G_OPTION_ARG_STRING, &user,
         "The desktop user whose Looking Glass client opens the shared memory (default: the "
         "user who ran sudo or pkexec)",
         "NAME"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- vfio modules, modules-load.d and the libvirt hook");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowSetup) setup = NULL;
    g_autoptr(VfJson) json = NULL;
    VfSetupOutput out = {.cli = cli};
    g_autoptr(GPtrArray) changes = NULL;
    gboolean ok = TRUE;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc != 1)
        return vf_cli_usage(cli, ctx, "'setup' takes no arguments");
    if (undo && grub)
        return vf_cli_usage(cli, ctx, "--undo and --grub do not go together");
    if (undo && user)
        return vf_cli_usage(cli, ctx, "--undo and --user do not go together");

    host = cli->demo ? virtflow_host_new_demo(NULL, &error)
                     : virtflow_host_new(cli->host_root, &error);
    if (host == NULL)
        return vf_cli_fail(cli, error);
    if (cli->state_dir)
        virtflow_host_set_state_dir(host, cli->state_dir);
    setup = undo ? virtflow_setup_new_undo(host, &error)
                 : virtflow_setup_new(host,
                                      grub ? VIRTFLOW_SETUP_FLAGS_GRUB : VIRTFLOW_SETUP_FLAGS_NONE,
                                      user, &error);
    if (setup == NULL)
        return vf_cli_fail(cli, error);
    if (!dry_run && !virtflow_host_get_writable(host) && virtflow_host_get_helper(host) == NULL) {
        g_set_error(&error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "--host-root '%s' is for --dry-run: setup changes only the live machine",
                    virtflow_host_get_root(host));
        return vf_cli_fail(cli, error);
    }
    changes = virtflow_setup_dup_changes(setup);

    if (cli->json) {
        json = vf_json_new(TRUE);
        out.json = json;
        vf_json_begin_object(json);
        vf_json_member_string(json, "operation", undo ? "setup-undo" : "setup");
        vf_json_member_bool(json, "dry_run", dry_run);
        vf_json_key(json, "changes");
        vf_json_begin_array(json);
    } else {
        printf("%s%s:\n", undo ? "Undoing VirtFlow's setup" : "Setting up VirtFlow",
               dry_run ? " (dry run: nothing is changed)" : "");
    }
    if (dry_run) {
        for (guint i = 0; i < changes->len; i++)
            vf_setup_print(changes->pdata[i], &out);
    } else {
        g_signal_connect(setup, "change-done", G_CALLBACK(vf_setup_on_change_done), &out);
        ok = virtflow_setup_apply(setup, &error);
    }
    if (json) {
        vf_json_end_array(json);
        vf_json_member_bool(json, "ok", ok);
        if (!ok)
            vf_cli_json_error(json, error);
        vf_json_end_object(json);
        vf_cli_print_json(json);
    }
    if (!ok) {
        fprintf(stderr, "%s: error: %s\n", cli->prog, error->message);
        return vf_cli_exit_for(error);
    }
    if (dry_run && out.failed) {
        if (!cli->json)
            printf("Setup would stop at the step marked FAILED: fix that first.\n");
        return VF_EXIT_FAILED;
    }
    if (!cli->json) {
        if (out.manual)
            printf("%s; %u step%s left for you (marked TO DO above).\n",
                   dry_run ? "Planned" : "Done", out.manual, out.manual == 1 ? " is" : "s are");
        else
            printf("%s.\n", dry_run ? "Planned; run without --dry-run to make these changes"
                            : undo  ? "Setup undone"
                                    : "This machine is set up");
    }
    return VF_EXIT_OK;
}
