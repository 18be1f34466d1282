/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow list: the VMs, their state and their GPU
 */
#include "vf-cli.h"

#include <stdio.h>

/* "view" and "input" of an activated VM's recorded profile (null and [] for the others):
 * how it is used now. One more read of the definition, for activated VMs only. */
static void
vf_cli_json_domain_profile(VfJson *json, VfConnection *conn, const VfDomainInfo *d)
{
    g_autoptr(VfProfile) profile = NULL;

    if (d->passthrough) {
        g_autoptr(VfDomain) dom = vf_connection_lookup_domain(conn, d->uuid, NULL);
        g_autofree char *xml = dom ? vf_domain_dup_xml(dom, TRUE, NULL) : NULL;

        if (xml)
            vf_domain_xml_get_profile(xml, &profile, NULL);
    }
    vf_json_member_string(json, "view", profile ? vf_view_to_string(profile->view) : NULL);
    vf_json_key(json, "input");
    vf_json_begin_array(json);
    for (guint i = 0; profile && profile->evdev && i < profile->evdev->len; i++)
        vf_json_string(json, ((const VfEvdevInput *)profile->evdev->pdata[i])->path);
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
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc > 1)
        return vf_cli_usage(cli, ctx, "'list' takes no arguments");

    if (cli->demo) {
        g_autoptr(VfHost) host = NULL;

        if (!vf_cli_open(cli, &host, &conn, &error))
            return vf_cli_fail(cli, error);
    } else if ((conn = vf_connection_open(cli->connect, &error)) == NULL) {
        return vf_cli_fail(cli, error);
    }
    if ((domains = vf_connection_list_domains(conn, &error)) == NULL)
        return vf_cli_fail(cli, error);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_json_member_string(json, "uri", vf_connection_get_uri(conn));
        vf_json_key(json, "domains");
        vf_json_begin_array(json);
        for (guint i = 0; i < domains->len; i++) {
            const VfDomainInfo *d = domains->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "name", d->name);
            vf_json_member_string(json, "uuid", d->uuid);
            vf_json_member_string(json, "state", vf_domain_state_to_string(d->state));
            vf_json_member_bool(json, "active", vf_domain_state_is_active(d->state));
            vf_json_member_bool(json, "persistent", d->persistent);
            vf_json_member_bool(json, "passthrough", d->passthrough);
            vf_json_member_string(json, "gpu", d->gpu);
            vf_cli_json_domain_profile(json, conn, d);
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
    for (guint i = 0; i < domains->len; i++) {
        const VfDomainInfo *d = domains->pdata[i];

        printf("%-32s %-12s %s\n", d->name, vf_domain_state_to_string(d->state),
               d->passthrough ? d->gpu : "-");
    }
    if (domains->len == 0)
        printf("(no VM on %s)\n", vf_connection_get_uri(conn));
    return VF_EXIT_OK;
}
