/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt opened with dlopen() on first use (virt/vf-libvirt-dl.c): what a user reads when
 * libvirt's library is missing or too old, and that nothing maps libvirt before the first
 * connection asks for it.
 */
#include "core/vf-error.h"
#include "virt/vf-libvirt-dl.h"
#include "virt/vf-virt.h"

#include "vf-test-util.h"

#include <string.h>

static gboolean
maps_has(const char *soname)
{
    g_autofree char *maps = NULL;
    g_autofree char *needle = g_strconcat("/", soname, NULL);

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    return strstr(maps, needle) != NULL;
}

static void
test_missing_library(void)
{
    g_autoptr(GError) error = NULL;

    /* this program links libvirtflow, and nothing has asked for libvirt yet */
    g_assert_false(maps_has(VF_LIBVIRT_SONAME));
    g_assert_false(vf_libvirt_is_loaded());
    g_assert_false(
        vf_libvirt_load_sonames("libvirt-does-not-exist.so.0", VF_LIBVIRT_QEMU_SONAME, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_LIBVIRT);
    vf_assert_contains(error->message, "Cannot load libvirt's library libvirt-does-not-exist.so.0");
    vf_assert_contains(error->message, "cannot open shared object file");
    vf_assert_contains(vf_error_get_fix(error), "apt install libvirt0");
    vf_assert_contains(vf_error_get_fix(error), "libvirt-daemon-system");
    g_assert_false(vf_libvirt_is_loaded());
    g_assert_false(maps_has(VF_LIBVIRT_SONAME));
}

static void
test_missing_qemu_library(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(
        vf_libvirt_load_sonames(VF_LIBVIRT_SONAME, "libvirt-qemu-does-not-exist.so.0", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_LIBVIRT);
    vf_assert_contains(error->message, "libvirt-qemu-does-not-exist.so.0");
    vf_assert_contains(vf_error_get_fix(error), "apt install libvirt0");
    g_assert_false(vf_libvirt_is_loaded());
}

static void
test_missing_function(void)
{
    g_autoptr(GError) error = NULL;

    /* a library that is there but is not libvirt: the first function it lacks is named */
    g_assert_false(vf_libvirt_load_sonames("libc.so.6", VF_LIBVIRT_QEMU_SONAME, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_LIBVIRT);
    vf_assert_contains(error->message, "libc.so.6 has no virConnectClose");
    vf_assert_contains(error->message, "libvirt 9.0 or later");
    vf_assert_contains(vf_error_get_fix(error), "apt install libvirt0");
    g_assert_false(vf_libvirt_is_loaded());
}

static void
test_loaded_by_first_connection(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;

    /* the failed loads above left no pointers set */
    g_assert_false(vf_libvirt_is_loaded());
    conn = vf_connection_open("test:///default", &error);
    g_assert_no_error(error);
    g_assert_true(vf_libvirt_is_loaded());
    g_assert_true(maps_has(VF_LIBVIRT_SONAME));
    g_assert_true(maps_has(VF_LIBVIRT_QEMU_SONAME));
    domains = vf_connection_list_domains(conn, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(domains->len, ==, 1); /* the test driver's "test" */
    g_assert_true(vf_libvirt_load(&error));
    g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libvirt-dl/missing-library", test_missing_library);
    g_test_add_func("/libvirt-dl/missing-qemu-library", test_missing_qemu_library);
    g_test_add_func("/libvirt-dl/missing-function", test_missing_function);
    g_test_add_func("/libvirt-dl/loaded-by-first-connection", test_loaded_by_first_connection);
    return g_test_run();
}
