/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow doctor [VM]: every troubleshooting check, with the fix for each
 *
 * A VM command (it runs in virtflow-vm) because it may talk to libvirt, but the host
 * checks come first and run whether libvirt answers or not.
 */
#include "vf-cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const vf_doctor_labels[] = {
    [VF_CHECK_PASS] = "PASS",
    [VF_CHECK_WARN] = "WARN",
    [VF_CHECK_FAIL] = "FAIL",
    [VF_CHECK_SKIP] = "SKIP",
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
vf_doctor_print(VfDoctor *doctor)
{
    guint warnings;

    for (guint i = 0; i < doctor->checks->len; i++) {
        const VfCheck *check = doctor->checks->pdata[i];

        printf("%s  %s\n", vf_doctor_labels[check->status], check->title);
        if (check->detail && *check->detail)
            vf_doctor_print_indented("", check->detail);
        if (check->fix)
            vf_doctor_print_indented("fix: ", check->fix);
    }
    warnings = vf_doctor_count(doctor, VF_CHECK_WARN);
    printf("\n%u passed, %u warning%s, %u failed, %u skipped\n",
           vf_doctor_count(doctor, VF_CHECK_PASS), warnings, warnings == 1 ? "" : "s",
           vf_doctor_count(doctor, VF_CHECK_FAIL), vf_doctor_count(doctor, VF_CHECK_SKIP));
}

static void
vf_doctor_print_json(VfDoctor *doctor)
{
    g_autoptr(VfJson) json = vf_json_new(TRUE);

    vf_json_begin_object(json);
    vf_json_key(json, "checks");
    vf_json_begin_array(json);
    for (guint i = 0; i < doctor->checks->len; i++) {
        const VfCheck *check = doctor->checks->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "id", check->id);
        vf_json_member_string(json, "title", check->title);
        vf_json_member_string(json, "status", vf_check_status_to_string(check->status));
        vf_json_member_string(json, "detail", check->detail);
        vf_json_member_string(json, "fix", check->fix);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
    vf_json_member_int(json, "passed", vf_doctor_count(doctor, VF_CHECK_PASS));
    vf_json_member_int(json, "warnings", vf_doctor_count(doctor, VF_CHECK_WARN));
    vf_json_member_int(json, "failed", vf_doctor_count(doctor, VF_CHECK_FAIL));
    vf_json_member_int(json, "skipped", vf_doctor_count(doctor, VF_CHECK_SKIP));
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
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(VfDoctor) doctor = vf_doctor_new();
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

    if ((host = vf_cli_open_host(cli, &error)) == NULL)
        return vf_cli_fail(cli, error);
    vf_doctor_check_host(doctor, host);

    /* libvirt: the demo's test driver, the named connection, or none for a captured tree
     * (this machine's libvirt has nothing to say about it) */
    if (cli->demo) {
        g_autoptr(VfHost) demo_host = NULL;
        g_autofree char *root = vf_demo_dup_default_root();

        if (!vf_demo_open(root, &demo_host, &conn, &conn_error))
            g_clear_pointer(&conn, vf_connection_unref);
    } else if (cli->host_root && !cli->connect) {
        /* nothing: skipped below */
    } else {
        conn = vf_connection_open(cli->connect, &conn_error);
    }
    vf_doctor_check_libvirt(doctor, conn, conn_error,
                            "--host-root reads a captured tree: this machine's libvirt is not "
                            "its libvirt (give --connect URI to check one).");
    if (vm)
        vf_doctor_check_vm(doctor, host, conn, vm);

    if (cli->json)
        vf_doctor_print_json(doctor);
    else {
        if (cli->demo)
            printf("DEMO: a simulated machine under %s; nothing real is touched.\n\n",
                   vf_host_get_root(host));
        vf_doctor_print(doctor);
    }
    return vf_doctor_count(doctor, VF_CHECK_FAIL) ? VF_EXIT_FAILED : VF_EXIT_OK;
}
