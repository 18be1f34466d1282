/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow setup [--dry-run] [--undo] [--grub] [--user NAME]: make this machine ready, or take
 * it back
 *
 * The plan comes from the library (vf-setup.h) and is printed as it runs. As root the
 * changes are made here; otherwise the library has virtflow-helper make them, through
 * pkexec, and its steps are printed the same way. --dry-run needs no privilege.
 */
#include "vf-cli.h"

#include <stdio.h>

static const char *
vf_setup_mark(VfSetupState state)
{
    switch (state) {
    case VF_SETUP_DONE:
        return "done   ";
    case VF_SETUP_SKIPPED:
        return "ok     ";
    case VF_SETUP_MANUAL:
        return "TO DO  ";
    case VF_SETUP_FAILED:
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
vf_setup_print(const char *title, const char *path, VfSetupState state, const char *detail,
               const char *id, VfSetupOutput *out)
{
    if (state == VF_SETUP_MANUAL)
        out->manual++;
    if (state == VF_SETUP_FAILED)
        out->failed++;
    if (out->json) {
        vf_json_begin_object(out->json);
        vf_json_member_string(out->json, "id", id);
        vf_json_member_string(out->json, "title", title);
        vf_json_key(out->json, "path");
        vf_json_string(out->json, path);
        vf_json_member_string(out->json, "state", vf_setup_state_to_string(state));
        vf_json_key(out->json, "detail");
        vf_json_string(out->json, detail);
        vf_json_end_object(out->json);
        return;
    }
    printf("  [%s] %s\n            %s\n", vf_setup_mark(state), title, detail ? detail : "");
    fflush(stdout);
}

static void
vf_setup_on_change(const VfSetupChange *change, gpointer user_data)
{
    vf_setup_print(change->title, change->path, change->state, change->detail, change->id,
                   user_data);
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
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfSetup) setup = NULL;
    g_autoptr(VfJson) json = NULL;
    VfSetupOutput out = {.cli = cli};
    GPtrArray *changes;
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

    host = vf_cli_open_host(cli, &error);
    if (host == NULL)
        return vf_cli_fail(cli, error);
    setup = undo ? vf_setup_new_undo(host, &error)
                 : vf_setup_new_for_user(host, grub ? VF_SETUP_GRUB : VF_SETUP_FLAGS_NONE, user,
                                         &error);
    if (setup == NULL)
        return vf_cli_fail(cli, error);
    if (!dry_run && !vf_host_is_writable(host) && vf_host_get_helper(host) == NULL) {
        g_set_error(&error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "--host-root '%s' is for --dry-run: setup changes only the live machine",
                    vf_host_get_root(host));
        return vf_cli_fail(cli, error);
    }
    changes = vf_setup_get_changes(setup);

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
            vf_setup_on_change(changes->pdata[i], &out);
    } else {
        ok = vf_setup_apply(setup, vf_setup_on_change, &out, &error);
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
