/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow doctor [VM]: every troubleshooting check, with the fix for each
 *
 * A VM command because it may talk to libvirt, but the host
 * checks come first and run whether libvirt answers or not. The checks run through the
 * GObject API (VirtFlowDoctor).
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const vf_doctor_labels[] = {
    [VIRTFLOW_CHECK_PASS] = "PASS",
    [VIRTFLOW_CHECK_WARN] = "WARN",
    [VIRTFLOW_CHECK_FAIL] = "FAIL",
    [VIRTFLOW_CHECK_SKIP] = "SKIP",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_doctor_labels) == VF_CHECK_LAST);

/* Each line of @text indented under its check. */
static void
vf_doctor_print_indented(const char *prefix, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (guint i = 0; lines[i]; i++)
        printf("      %s%s\n", i == 0 ? prefix : (*prefix ? "     " : ""), lines[i]);
}

static void
vf_doctor_print(VirtFlowDoctor *doctor)
{
    g_autoptr(GPtrArray) checks = virtflow_doctor_dup_checks(doctor);
    guint warnings;

    for (guint i = 0; i < checks->len; i++) {
        const VirtFlowCheck *check = checks->pdata[i];

        printf("%s  %s\n", vf_doctor_labels[check->status], check->title);
        if (check->detail && *check->detail)
            vf_doctor_print_indented("", check->detail);
        if (check->fix)
            vf_doctor_print_indented("fix: ", check->fix);
    }
    warnings = virtflow_doctor_count(doctor, VIRTFLOW_CHECK_WARN);
    printf("\n%u passed, %u warning%s, %u failed, %u skipped\n",
           virtflow_doctor_count(doctor, VIRTFLOW_CHECK_PASS), warnings, warnings == 1 ? "" : "s",
           virtflow_doctor_count(doctor, VIRTFLOW_CHECK_FAIL),
           virtflow_doctor_count(doctor, VIRTFLOW_CHECK_SKIP));
}

static void
vf_doctor_print_json(VirtFlowDoctor *doctor)
{
    g_autoptr(VfJson) json = vf_json_new(TRUE);
    g_autoptr(GPtrArray) checks = virtflow_doctor_dup_checks(doctor);

    vf_json_begin_object(json);
    vf_json_key(json, "checks");
    vf_json_begin_array(json);
    for (guint i = 0; i < checks->len; i++) {
        const VirtFlowCheck *check = checks->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "id", check->id);
        vf_json_member_string(json, "title", check->title);
        vf_json_member_string(json, "status",
                              vf_check_status_to_string((VfCheckStatus)check->status));
        vf_json_member_string(json, "detail", check->detail);
        vf_json_member_string(json, "fix", check->fix);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
    vf_json_member_int(json, "passed", virtflow_doctor_count(doctor, VIRTFLOW_CHECK_PASS));
    vf_json_member_int(json, "warnings", virtflow_doctor_count(doctor, VIRTFLOW_CHECK_WARN));
    vf_json_member_int(json, "failed", virtflow_doctor_count(doctor, VIRTFLOW_CHECK_FAIL));
    vf_json_member_int(json, "skipped", virtflow_doctor_count(doctor, VIRTFLOW_CHECK_SKIP));
    vf_json_end_object(json);
    vf_cli_print_json(json);
}

int
vf_cmd_doctor(VfCli *cli, int argc, char **argv)
{
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[VM] - run every troubleshooting check and say how to fix it");
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) conn_error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(VirtFlowDoctor) doctor = virtflow_doctor_new();
    const char *vm = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Exit status: 0 when no check failed (warnings "
                                          "allowed), 1 when one did, 2 for bad arguments.");
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 2)
        return vf_cli_usage(cli, ctx, "'doctor' takes at most one VM name");
    if (argc == 2)
        vm = argv[1];

    host = cli->demo ? virtflow_host_new_demo(NULL, &error)
                     : virtflow_host_new(cli->host_root, &error);
    if (host == NULL)
        return vf_cli_fail(cli, error);
    if (cli->state_dir)
        virtflow_host_set_state_dir(host, cli->state_dir);
    virtflow_doctor_check_host(doctor, host);

    /* libvirt: the demo's test driver, the named connection, or none for a captured tree
     * (this machine's libvirt has nothing to say about it); with its event thread, as the
     * C commands have it */
    if (cli->demo) {
        if (vf_virt_init(&conn_error))
            conn = virtflow_connection_new_demo(host, &conn_error);
    } else if (cli->host_root && !cli->connect) {
        /* nothing: skipped below */
    } else if (vf_virt_init(&conn_error)) {
        conn = virtflow_connection_new(cli->connect, &conn_error);
    }
    if (conn)
        virtflow_doctor_check_libvirt(doctor, conn);
    else if (conn_error)
        virtflow_doctor_check_libvirt_failed(doctor, conn_error);
    else
        virtflow_doctor_check_libvirt_skipped(
            doctor, "--host-root reads a captured tree: this machine's libvirt is not its "
                    "libvirt (give --connect URI to check one).");
    if (vm)
        virtflow_doctor_check_vm(doctor, host, conn, vm);

    if (cli->json)
        vf_doctor_print_json(doctor);
    else {
        if (cli->demo)
            printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
                   virtflow_host_get_root(host));
        vf_doctor_print(doctor);
    }
    return virtflow_doctor_count(doctor, VIRTFLOW_CHECK_FAIL) ? VF_EXIT_FAILED : VF_EXIT_OK;
}
