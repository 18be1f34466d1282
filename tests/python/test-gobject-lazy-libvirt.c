/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt is loaded on first use (src/lib/virt/vf-libvirt-dl.c): a program of the GObject API
 * that only looks at the host (the demo's GPUs) has no libvirt mapped; its first connection
 * maps it. Read from /proc/self/maps, which is what a user's process really loaded.
 */
#include "virtflow-gobject.h"

#include <glib/gstdio.h>
#include <string.h>

static gboolean
rm_rf(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            rm_rf(child);
        else
            g_unlink(child);
    }
    return g_rmdir(path) == 0;
}

/* The line of /proc/self/maps that maps @soname ("libvirt.so.0"), or NULL */
static char *
maps_find(const char *soname)
{
    g_autofree char *maps = NULL;
    g_autofree char *needle = g_strconcat("/", soname, NULL);
    g_auto(GStrv) lines = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    lines = g_strsplit(maps, "\n", -1);
    for (char **l = lines; *l; l++)
        if (strstr(*l, needle) != NULL)
            return g_strdup(*l);
    return NULL;
}

static void
test_host_only_then_connection(void)
{
    g_autofree char *tmp = g_dir_make_tmp("virtflow-lazy-XXXXXX", NULL);
    g_autofree char *root = g_build_filename(tmp, "demo", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(GPtrArray) gpus = NULL;
    g_autofree char *before = NULL;
    g_autofree char *before_qemu = NULL;
    g_autofree char *after = NULL;
    g_autofree char *after_qemu = NULL;

    g_assert_nonnull(tmp);
    host = virtflow_host_new_demo(root, &error);
    g_assert_no_error(error);
    gpus = virtflow_host_list_gpus(host, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(gpus->len, >, 0);

    before = maps_find("libvirt.so.0");
    before_qemu = maps_find("libvirt-qemu.so.0");
    g_assert_cmpstr(before, ==, NULL);
    g_assert_cmpstr(before_qemu, ==, NULL);

    conn = virtflow_connection_new_demo(host, &error);
    g_assert_no_error(error);
    g_assert_nonnull(conn);
    after = maps_find("libvirt.so.0");
    after_qemu = maps_find("libvirt-qemu.so.0");
    g_assert_nonnull(after);
    g_assert_nonnull(after_qemu);

    g_clear_object(&conn);
    g_clear_object(&host);
    g_assert_true(rm_rf(tmp));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gobject/libvirt/loaded-on-first-connection", test_host_only_then_connection);
    return g_test_run();
}
