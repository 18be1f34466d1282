/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The demo's host half, apart from its libvirt half (vf-demo.c): the commands that only
 * look at or change the host must not load libvirt.
 */
#include "demo/vf-demo.h"

#include "demo/vf-kmodel.h"
#include "core/vf-error.h"

#include <errno.h>
#include <glib/gstdio.h>

char *
vf_demo_dup_default_root(void)
{
    const char *env = g_getenv("VIRTFLOW_DEMO_ROOT");

    if (env && *env)
        return g_strdup(env);
    return g_build_filename(g_get_user_state_dir(), "virtflow", "demo-host", NULL);
}

/* The demo machine has VirtFlow installed: a stand-in for the hook program, so that
 * `virtflow --demo setup` can link it like on a real machine. */
static gboolean
vf_demo_install_hook_program(const char *root, GError **error)
{
    g_autofree char *path = g_build_filename(root, VF_HOOK_PROGRAM, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) local = NULL;

    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    if (g_mkdir_with_parents(dir, 0755) < 0 ||
        !g_file_set_contents_full(path,
                                  "#!/bin/sh\n# the demo's stand-in for virtflow-hook\nexit 0\n",
                                  -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot build the demo's '%s': %s", path,
                    local ? local->message : g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* A demo tree built from another demo machine (an older VirtFlow's: the Intel desktop
 * before the AM5 one) would contradict the demo's own table, the docs and the GUI: it is
 * renamed to ROOT.old (ROOT.old.N when that is taken), never deleted — its VMs and logs stay
 * readable — and a new one is built. */
static gboolean
vf_demo_move_old_machine(const char *root, GError **error)
{
    g_autofree char *machine = vf_kmodel_dup_machine(root);
    g_autofree char *aside = NULL;

    if (g_strcmp0(machine, VF_KMODEL_DEMO_MACHINE) == 0)
        return TRUE;
    aside = g_strconcat(root, ".old", NULL);
    for (guint n = 2; g_file_test(aside, G_FILE_TEST_EXISTS) && n < 1000; n++) {
        g_free(aside);
        aside = g_strdup_printf("%s.old.%u", root, n);
    }
    if (g_rename(root, aside) < 0) {
        int errsv = errno;

        vf_error_set_errno(error, errsv,
                           "The demo under '%s' is an older demo machine (%s) and cannot be "
                           "moved to '%s'",
                           root, machine ? machine : "unnamed", aside);
        vf_error_add_fix(error, "Remove the old demo ('rm -r' that folder) and run again");
        return FALSE;
    }
    g_info("the demo under %s was another machine (%s): kept as %s, a new one is built", root,
           machine ? machine : "unnamed", aside);
    return TRUE;
}

VfHost *
vf_demo_open_host(const char *root, GError **error)
{
    g_autofree char *marker = g_build_filename(root, ".vf-kmodel", NULL);
    g_autoptr(VfHost) host = NULL;

    if (g_file_test(marker, G_FILE_TEST_EXISTS) && !vf_demo_move_old_machine(root, error))
        return NULL;
    if (!g_file_test(marker, G_FILE_TEST_EXISTS) &&
        !vf_kmodel_build(root, &vf_kmodel_demo_host, error))
        return NULL;
    if (!vf_demo_install_hook_program(root, error))
        return NULL;
    host = vf_host_new(root, error);
    if (host == NULL || !vf_kmodel_attach(host, error))
        return NULL;
    return g_steal_pointer(&host);
}
