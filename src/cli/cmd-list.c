/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow list: the VMs, their state and their GPU (VirtFlowConnection.list_vms)
 */
#include "vf-cli.h"

#include <stdio.h>

/* "view" and "input" of an activated VM's recorded profile (null and [] for the others):
 * how it is used now. One more read of the definition, for activated VMs only. */
static void
vf_cli_json_vm_profile(VfJson *json, VirtFlowConnection *conn, VirtFlowVm *vm)
{
    g_autoptr(VirtFlowProfile) profile = NULL;

    /* unreadable now (removed meanwhile): listed without a profile */
    if (virtflow_vm_get_passthrough(vm))
        profile = virtflow_connection_dup_vm_profile(conn, virtflow_vm_get_uuid(vm), NULL);
    vf_json_member_string(json, "view", profile ? vf_view_to_string((VfView)profile->view) : NULL);
    vf_json_key(json, "input");
    vf_json_begin_array(json);
    for (guint i = 0; profile && profile->inputs[i]; i++)
        vf_json_string(json, profile->inputs[i]);
    vf_json_end_array(json);
}

int
vf_cmd_list(VfCli *cli, int argc, char **argv)
{
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- list the VMs");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(GPtrArray) vms = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'list' takes no arguments");

    if (cli->demo) {
        g_autoptr(VirtFlowHost) host = NULL;

        if (!vf_cli_open_objects(cli, &host, &conn, &error))
            return vf_cli_fail(cli, error);
    } else if (!vf_virt_init(&error) ||
               (conn = virtflow_connection_new(cli->connect, &error)) == NULL) {
        return vf_cli_fail(cli, error);
    }
    if ((vms = virtflow_connection_list_vms(conn, &error)) == NULL)
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_json_member_string(json, "uri", virtflow_connection_get_uri(conn));
        vf_json_key(json, "domains");
        vf_json_begin_array(json);
        for (guint i = 0; i < vms->len; i++) {
            VirtFlowVm *vm = vms->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "name", virtflow_vm_get_name(vm));
            vf_json_member_string(json, "uuid", virtflow_vm_get_uuid(vm));
            vf_json_member_string(json, "state", virtflow_vm_get_state_name(vm));
            vf_json_member_bool(json, "active", virtflow_vm_get_active(vm));
            vf_json_member_bool(json, "persistent", virtflow_vm_get_persistent(vm));
            vf_json_member_bool(json, "passthrough", virtflow_vm_get_passthrough(vm));
            vf_json_member_string(json, "gpu", virtflow_vm_get_gpu(vm));
            vf_cli_json_vm_profile(json, conn, vm);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_end_object(json);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    if (cli->demo)
        printf("DEMO: libvirt's test driver with a simulated host; nothing real is touched.\n\n");
    printf("%-32s %-12s %s\n", "NAME", "STATE", "GPU");
    for (guint i = 0; i < vms->len; i++) {
        VirtFlowVm *vm = vms->pdata[i];

        printf("%-32s %-12s %s\n", virtflow_vm_get_name(vm), virtflow_vm_get_state_name(vm),
               virtflow_vm_get_passthrough(vm) ? virtflow_vm_get_gpu(vm) : "-");
    }
    if (vms->len == 0)
        printf("(no VM on %s)\n", virtflow_connection_get_uri(conn));
    return VF_EXIT_OK;
}
