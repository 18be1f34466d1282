/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The demo's host half, apart from its libvirt half (vf-demo.c): the commands that only
 * look at or change the host must not load libvirt.
 */
#include "vf-demo.h"

#include "host/vf-kmodel.h"

char *
vf_demo_dup_default_root(void)
{
    const char *env = g_getenv("VIRTFLOW_DEMO_ROOT");

    if (env && *env)
        return g_strdup(env);
    return g_build_filename(g_get_user_state_dir(), "virtflow", "demo-host", NULL);
}

VfHost *
vf_demo_open_host(const char *root, GError **error)
{
    g_autofree char *marker = g_build_filename(root, ".vf-kmodel", NULL);
    g_autoptr(VfHost) host = NULL;

    if (!g_file_test(marker, G_FILE_TEST_EXISTS) &&
        !vf_kmodel_build(root, &vf_kmodel_demo_host, error))
        return NULL;
    host = vf_host_new(root, error);
    if (host == NULL || !vf_kmodel_attach(host, error))
        return NULL;
    return g_steal_pointer(&host);
}
