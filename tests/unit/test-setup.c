/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow setup on model hosts: the plan, applying it, idempotence, and --undo putting
 * every file back exactly (the whole tree compared before and after).
 */
#include "vf-setup.h"
#include "vf-test-util.h"

#include <fcntl.h>
#include <sys/stat.h>

#define VF_LOADED "i915 nvidia snd_hda_intel"

static const VfKmodelDevice vf_desktop_devices[] = {
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_desktop_host = {
    .loaded = VF_LOADED,
    .loadable = "vfio vfio_iommu_type1 vfio_pci",
    .devices = vf_desktop_devices,
};

static const VfKmodelDevice vf_no_iommu_devices[] = {
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, -1, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, -1, 0, NULL, "card1 renderD129"},
    {NULL},
};

static const VfKmodelHost vf_no_iommu_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet",
    .no_iommu_unit = TRUE,
    .loaded = VF_LOADED,
    .loadable = "vfio vfio_iommu_type1 vfio_pci",
    .devices = vf_no_iommu_devices,
};

static VfTestHost *
vf_setup_host(const VfKmodelHost *spec)
{
    VfTestHost *th = vf_test_host_new(spec, TRUE);

    /* VirtFlow is installed on it */
    vf_test_host_write(th, vf_setup_get_hook_program() + 1, "#!/bin/sh\nexit 0\n");
    return th;
}

static const VfSetupChange *
vf_change(VfSetup *setup, const char *id)
{
    GPtrArray *changes = vf_setup_get_changes(setup);

    for (guint i = 0; i < changes->len; i++) {
        const VfSetupChange *c = changes->pdata[i];

        if (g_str_equal(c->id, id))
            return c;
    }
    g_test_fail_printf("no change '%s' in the plan", id);
    return NULL;
}

#define vf_assert_state(setup, id, expected)                                                       \
    G_STMT_START                                                                                   \
    {                                                                                              \
        const VfSetupChange *c_ = vf_change((setup), (id));                                        \
        if (c_)                                                                                    \
            g_assert_cmpstr(vf_setup_state_to_string(c_->state), ==,                               \
                            vf_setup_state_to_string(expected));                                   \
    }                                                                                              \
    G_STMT_END

/* The host's /etc, as a snapshot (modules loaded by setup stay loaded: /dev/vfio changes). */
static char *
vf_etc(VfTestHost *th)
{
    g_autofree char *etc = vf_test_host_path(th, "etc");

    return vf_kmodel_snapshot(etc);
}

static char *
vf_read(VfTestHost *th, const char *rel)
{
    g_autofree char *path = vf_test_host_path(th, rel);
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, NULL);
    return text;
}

static void
vf_apply(VfTestHost *th, gboolean undo)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) setup =
        undo ? vf_setup_new_undo(th->host, &error) : vf_setup_new(th->host, 0, &error);

    g_assert_no_error(error);
    g_assert_true(vf_setup_apply(setup, NULL, NULL, &error));
    g_assert_no_error(error);
}

/* A fresh desktop: modules loaded now, the two files written, nothing else touched. */
static void
test_setup_fresh(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *link_path = vf_test_host_path(th, "etc/libvirt/hooks/qemu.d/virtflow");
    g_autofree char *target = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = vf_setup_new(th->host, 0, &error);
    g_autoptr(VfSetup) again = NULL;

    g_assert_no_error(error);
    vf_assert_state(plan, "iommu", VF_SETUP_SKIPPED);
    vf_assert_state(plan, "modules", VF_SETUP_PENDING);
    vf_assert_state(plan, "modules-load", VF_SETUP_PENDING);
    vf_assert_state(plan, "hook", VF_SETUP_PENDING);
    vf_assert_state(plan, "daemon", VF_SETUP_SKIPPED);
    vf_assert_contains(vf_change(plan, "modules")->detail, "vfio_pci");
    /* planning changes nothing */
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);

    g_assert_true(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_no_error(error);
    vf_assert_state(plan, "modules", VF_SETUP_DONE);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio_pci"), ==, VF_MODULE_LOADED);
    conf = vf_read(th, "etc/modules-load.d/vfio.conf");
    vf_assert_contains(conf, "\nvfio\nvfio_iommu_type1\nvfio_pci\n");
    target = g_file_read_link(link_path, NULL);
    g_assert_cmpstr(target, ==, vf_setup_get_hook_program());

    /* idempotent: a second run has nothing to do */
    again = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < vf_setup_get_changes(again)->len; i++) {
        const VfSetupChange *c = vf_setup_get_changes(again)->pdata[i];

        if (c->state != VF_SETUP_SKIPPED)
            g_test_fail_printf("second setup: %s is %s (%s)", c->id,
                               vf_setup_state_to_string(c->state), c->detail);
    }
}

/* The user's own files are backed up and come back byte for byte, mode included. */
static void
test_setup_undo_exact(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autofree char *conf_path = vf_test_host_path(th, "etc/modules-load.d/vfio.conf");
    g_autofree char *hooks = vf_test_host_path(th, "etc/libvirt/hooks/qemu.d");
    g_autofree char *link_path = g_build_filename(hooks, "virtflow", NULL);
    g_autofree char *before = NULL;
    g_autofree char *middle = NULL;
    g_autofree char *after = NULL;
    g_autofree char *manifest = vf_test_host_path(th, "var/lib/virtflow/setup/manifest");
    struct stat st;

    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "# mine\nvfio-pci\n");
    g_assert_cmpint(chmod(conf_path, 0600), ==, 0);
    vf_test_host_write(th, "etc/libvirt/hooks/qemu.d/other", "#!/bin/sh\n");
    g_assert_cmpint(symlink("/opt/old-hook", link_path), ==, 0);
    before = vf_etc(th);

    vf_apply(th, FALSE);
    middle = vf_test_host_snapshot(th);
    {
        g_autofree char *line = g_strconcat("L etc/libvirt/hooks/qemu.d/virtflow -> ",
                                            vf_setup_get_hook_program(), NULL);

        vf_assert_contains(middle, line);
    }
    vf_assert_contains(middle, "vfio_iommu_type1");
    vf_assert_contains(middle, "F etc/libvirt/hooks/qemu.d/other");
    g_assert_true(g_file_test(manifest, G_FILE_TEST_EXISTS));
    /* a second setup must not take VirtFlow's files for the user's originals */
    vf_apply(th, FALSE);

    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpint(stat(conf_path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    g_assert_false(g_file_test(manifest, G_FILE_TEST_EXISTS));
}

/* Directories setup made go again; a file changed since setup is left alone. */
static void
test_setup_undo_changed(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *conf = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) undo = NULL;

    vf_apply(th, FALSE);
    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "vfio_pci\n# edited by the user\n");
    undo = vf_setup_new_undo(th->host, &error);
    g_assert_no_error(error);
    vf_assert_state(undo, "modules-load", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(undo, "modules-load")->detail, "changed after setup");
    vf_assert_state(undo, "hook", VF_SETUP_PENDING);
    g_assert_true(vf_setup_apply(undo, NULL, NULL, &error));
    conf = vf_read(th, "etc/modules-load.d/vfio.conf");
    g_assert_cmpstr(conf, ==, "vfio_pci\n# edited by the user\n");
    after = vf_test_host_snapshot(th);
    vf_assert_not_contains(after, "etc/libvirt");
    vf_assert_contains(after, "etc/modules-load.d");
    (void)before;
}

/* No IOMMU: the exact change is said; --grub makes it, undo takes it back. */
static void
test_setup_no_iommu(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) grub = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *text = NULL;

    vf_test_host_write(th, "etc/default/grub",
                       "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
                       "GRUB_CMDLINE_LINUX=\"\"\n");
    before = vf_etc(th);
    plan = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    vf_assert_state(plan, "iommu", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(plan, "iommu")->detail, "intel_iommu=on iommu=pt");
    vf_assert_contains(vf_change(plan, "iommu")->detail, "update-grub");

    grub = vf_setup_new(th->host, VF_SETUP_GRUB, &error);
    g_assert_no_error(error);
    vf_assert_state(grub, "iommu", VF_SETUP_PENDING);
    g_assert_true(vf_setup_apply(grub, NULL, NULL, &error));
    g_assert_no_error(error);
    text = vf_read(th, "etc/default/grub");
    g_assert_cmpstr(text, ==,
                    "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash intel_iommu=on "
                    "iommu=pt\"\nGRUB_CMDLINE_LINUX=\"\"\n");
    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
}

/* A libvirtd older than the hook must be restarted: where systemd does not run, the user
 * is told how; one started after the hook needs nothing. */
static void
test_setup_daemon(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) later = NULL;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    gint pid = 0;
    g_autofree char *name = NULL;
    gint64 started = 0;
    g_autofree char *old_proc = vf_test_host_path(th, "proc/4242");

    /* libvirtd started 50 minutes ago */
    vf_test_host_add_process(th, 4242, "libvirtd", now - 3000);
    g_assert_true(vf_host_find_libvirt_daemon(th->host, &pid, &name, &started));
    g_assert_cmpint(pid, ==, 4242);
    g_assert_cmpstr(name, ==, "libvirtd");
    g_assert_cmpint(started, ==, now - 3000);

    plan = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    vf_assert_state(plan, "daemon", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(plan, "daemon")->detail, "kill 4242");
    g_assert_true(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_no_error(error);

    /* a hook whose times were kept from before the daemon started (a copy with cp -p) is
     * still newer than the daemon: its ctime says when it appeared */
    {
        g_autofree char *link = vf_test_host_path(th, "etc/libvirt/hooks/qemu.d/virtflow");
        struct timespec times[2] = {{.tv_sec = now - 7200}, {.tv_sec = now - 7200}};
        g_autoptr(VfSetup) copied = NULL;

        g_assert_cmpint(utimensat(AT_FDCWD, link, times, AT_SYMLINK_NOFOLLOW), ==, 0);
        copied = vf_setup_new(th->host, 0, &error);
        g_assert_no_error(error);
        vf_assert_state(copied, "daemon", VF_SETUP_MANUAL);
    }

    /* the daemon restarted after setup: nothing left to do */
    vf_test_rm_rf(old_proc);
    vf_test_host_add_process(th, 4243, "libvirtd", now + 100);
    later = vf_setup_new(th->host, 0, &error);
    vf_assert_state(later, "daemon", VF_SETUP_SKIPPED);
}

/* Without VirtFlow's hook program the plan fails, and applying it changes nothing. */
static void
test_setup_not_installed(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = vf_setup_new(th->host, 0, &error);

    g_assert_no_error(error);
    vf_assert_state(plan, "hook", VF_SETUP_FAILED);
    vf_assert_contains(vf_change(plan, "hook")->detail, "is not installed");
    g_assert_false(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_FAILED);
    vf_assert_contains(VF_MSG(error), "meson install");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio_pci"), ==, VF_MODULE_LOADABLE);
}

/* A host root that is only read (no kernel model) refuses to be set up. */
static void
test_setup_read_only(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = vf_setup_new(th->host, 0, &error);

    g_assert_no_error(error);
    g_assert_false(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_READ_ONLY);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/setup/fresh", test_setup_fresh);
    g_test_add_func("/setup/undo-exact", test_setup_undo_exact);
    g_test_add_func("/setup/undo-changed", test_setup_undo_changed);
    g_test_add_func("/setup/no-iommu", test_setup_no_iommu);
    g_test_add_func("/setup/daemon", test_setup_daemon);
    g_test_add_func("/setup/not-installed", test_setup_not_installed);
    g_test_add_func("/setup/read-only", test_setup_read_only);
    return g_test_run();
}
