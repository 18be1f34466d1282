/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow setup on model hosts: the plan, applying it, idempotence, and --undo putting
 * every file back exactly (the whole tree compared before and after).
 */
#include "setup/vf-setup-private.h"
#include "setup/vf-setup.h"
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

static void
vf_apply_flags(VfTestHost *th, VfSetupFlags flags)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) setup = vf_setup_new(th->host, flags, &error);

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

/* No IOMMU on a Debian GRUB: the exact change is said; --grub writes the drop-in (never
 * /etc/default/grub), undo takes it back. */
static void
test_setup_no_iommu(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) grub = NULL;
    g_autoptr(VfSetup) again = NULL;
    g_autoptr(VfBootConfig) boot = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *text = NULL;
    const char *original = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
                           "GRUB_CMDLINE_LINUX=\"\"\n";

    vf_test_host_write(th, "etc/default/grub", original);
    vf_test_host_write(th, "usr/sbin/grub-mkconfig",
                       "for x in ${sysconfdir}/default/grub.d/*.cfg ; do . \"$x\"; done\n");
    before = vf_etc(th);
    boot = vf_boot_config_new(th->host);
    g_assert_cmpstr(vf_boot_loader_to_string(boot->loader), ==, "grub");
    g_assert_false(boot->iommu_configured);
    plan = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    vf_assert_state(plan, "iommu", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(plan, "iommu")->detail, "intel_iommu=on iommu=pt");
    vf_assert_contains(vf_change(plan, "iommu")->detail, "update-grub");
    vf_assert_contains(vf_change(plan, "iommu")->detail, "--grub");

    grub = vf_setup_new(th->host, VF_SETUP_GRUB, &error);
    g_assert_no_error(error);
    vf_assert_state(grub, "iommu", VF_SETUP_PENDING);
    g_assert_cmpstr(vf_change(grub, "iommu")->path, ==, VF_SETUP_GRUB_DROPIN);
    g_assert_true(vf_setup_apply(grub, NULL, NULL, &error));
    g_assert_no_error(error);
    text = vf_read(th, "etc/default/grub");
    g_assert_cmpstr(text, ==, original);
    g_free(text);
    text = vf_read(th, "etc/default/grub.d/virtflow-iommu.cfg");
    vf_assert_contains(text, "\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
                             "intel_iommu=on iommu=pt\"\n");
    vf_boot_config_free(g_steal_pointer(&boot));
    boot = vf_boot_config_new(th->host);
    g_assert_true(boot->iommu_configured);
    /* a second --grub has nothing to write: what is left is update-grub and a reboot */
    again = vf_setup_new(th->host, VF_SETUP_GRUB, &error);
    g_assert_no_error(error);
    vf_assert_state(again, "iommu", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(again, "iommu")->detail, "already");

    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
}

/* What update-grub makes of /etc/default/grub and its drop-ins: both sourced by /bin/sh
 * in @dir (a command substitution that ran would leave MARKER there). */
static char *
vf_grub_cmdline(VfTestHost *th, const char *dir)
{
    g_autofree char *etc = vf_test_host_path(th, "etc/default");
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;
    const char *argv[] = {"/bin/sh", "-c",
                          ". \"$0/grub\"; for x in \"$0\"/grub.d/*.cfg; do . \"$x\"; done; "
                          "printf '%s' \"$GRUB_CMDLINE_LINUX_DEFAULT\"",
                          etc, NULL};

    g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                               &status, &error));
    g_assert_no_error(error);
    g_assert_cmpint(status, ==, 0);
    return g_steal_pointer(&out);
}

/* GRUB files as people write them: quoted values with spaces, a trailing comment, a
 * single-quoted $(…), the variable set twice. setup --grub leaves the file byte for byte
 * and the drop-in appends to whatever it sets. */
static void
test_setup_grub_hostile(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) grub = NULL;
    g_autofree char *text = NULL;
    g_autofree char *cmdline = NULL;
    g_autofree char *dir = g_dir_make_tmp("virtflow-grub-XXXXXX", NULL);
    g_autofree char *marker = g_build_filename(dir, "MARKER", NULL);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    const char *hostile =
        "# a user's GRUB settings\n"
        "GRUB_DEFAULT=0\n"
        "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash rd.note=$(touch MARKER)'\n"
        "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT acpi_osi=\\\"Windows 2020\\\"\""
        " # the touchpad\n"
        "GRUB_CMDLINE_LINUX=\"\"\n";

    g_assert_nonnull(dir);
    vf_test_host_write(th, "etc/default/grub", hostile);
    vf_test_host_write(th, "etc/default/grub.d/init-select.cfg", "GRUB_RECORDFAIL_TIMEOUT=0\n");
    before = vf_etc(th);
    cmdline = vf_grub_cmdline(th, dir);
    g_assert_cmpstr(cmdline, ==, "quiet splash rd.note=$(touch MARKER) acpi_osi=\"Windows 2020\"");
    g_clear_pointer(&cmdline, g_free);

    grub = vf_setup_new(th->host, VF_SETUP_GRUB, &error);
    g_assert_no_error(error);
    g_assert_true(vf_setup_apply(grub, NULL, NULL, &error));
    g_assert_no_error(error);
    text = vf_read(th, "etc/default/grub");
    g_assert_cmpstr(text, ==, hostile);
    cmdline = vf_grub_cmdline(th, dir);
    g_assert_cmpstr(cmdline, ==,
                    "quiet splash rd.note=$(touch MARKER) acpi_osi=\"Windows 2020\" "
                    "intel_iommu=on iommu=pt");
    g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));

    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
    vf_test_rm_rf(dir);
}

/* An AMD CPU gets amd_iommu=on in the drop-in. */
static void
test_setup_grub_amd(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autofree char *text = NULL;

    vf_test_host_write(th, "proc/cpuinfo", "vendor_id\t: AuthenticAMD\n");
    vf_test_host_write(th, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    vf_test_host_write(th, "etc/default/grub.d/init-select.cfg", "GRUB_RECORDFAIL_TIMEOUT=0\n");
    vf_apply_flags(th, VF_SETUP_GRUB);
    text = vf_read(th, "etc/default/grub.d/virtflow-iommu.cfg");
    vf_assert_contains(text, "\"$GRUB_CMDLINE_LINUX_DEFAULT amd_iommu=on iommu=pt\"\n");
}

/* systemd-boot: /etc/kernel/cmdline gets the options appended (its text kept), or is made
 * from the running command line; a leftover /etc/default/grub is not touched. */
static void
test_setup_systemd_boot(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autoptr(VfBootConfig) boot = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *text = NULL;
    g_autofree char *esp = vf_test_host_path(th, "boot/efi/EFI/systemd");
    g_autofree char *kernel_dir = vf_test_host_path(th, "etc/kernel");

    g_assert_cmpint(g_mkdir_with_parents(esp, 0755), ==, 0);
    vf_test_host_write(th, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    vf_test_host_write(th, "etc/kernel/cmdline",
                       "root=UUID=1 ro quiet acpi_osi=\"Windows 2020\"\n");
    before = vf_etc(th);
    boot = vf_boot_config_new(th->host);
    g_assert_cmpstr(vf_boot_loader_to_string(boot->loader), ==, "kernel-install");
    vf_assert_contains(boot->evidence, "/boot/efi/EFI/systemd");
    vf_apply_flags(th, VF_SETUP_GRUB);
    text = vf_read(th, "etc/kernel/cmdline");
    g_assert_cmpstr(text, ==,
                    "root=UUID=1 ro quiet acpi_osi=\"Windows 2020\" intel_iommu=on iommu=pt\n");
    g_clear_pointer(&text, g_free);
    text = vf_read(th, "etc/default/grub");
    g_assert_cmpstr(text, ==, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    g_assert_false(vf_host_exists(th->host, VF_SETUP_GRUB_DROPIN));
    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);

    /* no /etc/kernel/cmdline: made from /proc/cmdline as kernel-install would, then removed */
    g_clear_pointer(&text, g_free);
    g_clear_pointer(&after, g_free);
    vf_test_rm_rf(kernel_dir);
    g_free(before);
    before = vf_etc(th);
    vf_apply_flags(th, VF_SETUP_GRUB);
    text = vf_read(th, "etc/kernel/cmdline");
    g_assert_cmpstr(text, ==, "ro quiet intel_iommu=on iommu=pt\n");
    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
}

/* Tampered manifests: each one refuses the whole undo, names what it refuses, and the
 * host stays exactly as it was. */
static const struct {
    const char *name;
    const char *manifest;
    const char *named;
} vf_bad_manifests[] = {
    {"dotdot", "[/etc/libvirt/hooks/qemu.d/../../../../root/.bashrc]\ncreated=true\n",
     "'/etc/libvirt/hooks/qemu.d/../../../../root/.bashrc' is not a file setup manages"},
    {"other-file", "[/etc/passwd]\ncreated=true\n", "'/etc/passwd' is not a file setup manages"},
    {"backup-outside",
     "[/etc/modules-load.d/vfio.conf]\ncreated=false\nbackup=setup/backup/../../../../etc/shadow"
     "\nwritten=x\n",
     "'setup/backup/../../../../etc/shadow' is not setup's backup of this file"},
    {"backup-absolute", "[/etc/modules-load.d/vfio.conf]\ncreated=false\nbackup=/etc/shadow\n",
     "'/etc/shadow' is not setup's backup"},
    {"setuid",
     "[/etc/modules-load.d/vfio.conf]\ncreated=false\n"
     "backup=setup/backup/etc_modules-load.d_vfio.conf\nmode=2541\n",
     "4755 is more than permission bits (setuid"},
    {"rmdir", "[directories]\ncreated=/etc/libvirt;/usr;/home;\n",
     "'/usr' is not a directory setup makes"},
    {"rmdir-etc-sibling", "[directories]\ncreated=/etc/libvirt-other;\n",
     "'/etc/libvirt-other' is not a directory"},
    {"unknown-key", "[/etc/modules-load.d/vfio.conf]\ncreated=true\nexec=rm -rf /\n",
     "[/etc/modules-load.d/vfio.conf] exec: not a key setup writes"},
    {"link-to-file", "[/etc/modules-load.d/vfio.conf]\ncreated=false\nbackup-link=/etc/shadow\n",
     "setup writes a file there, not a link"},
    {"no-backup", "[/etc/modules-load.d/vfio.conf]\ncreated=false\nwritten=x\n",
     "missing for a file setup replaced"},
    {"garbage", "this is not = [a key file\n", "not a key file"},
};

static void
test_setup_undo_tampered(gconstpointer data)
{
    guint i = GPOINTER_TO_UINT(data);
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) undo = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "# mine\n");
    vf_apply(th, FALSE);
    vf_test_host_write(th, "var/lib/virtflow/setup/manifest", vf_bad_manifests[i].manifest);
    before = vf_test_host_snapshot(th);
    undo = vf_setup_new_undo(th->host, &error);
    g_assert_null(undo);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), vf_bad_manifests[i].named);
    vf_assert_contains(VF_MSG(error), "nothing was changed");
    /* setup itself refuses to add to it, too */
    g_clear_error(&error);
    g_assert_null(vf_setup_new(th->host, 0, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

/* The parser is a function of a string (the fuzz target's entry point): what setup writes
 * parses, and a NUL or an oversized text is refused. */
static void
test_setup_manifest_parse(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GKeyFile) parsed = NULL;
    g_autoptr(GKeyFile) empty = NULL;
    g_autofree char *big = g_strnfill(VF_SETUP_MANIFEST_MAX + 1, '#');
    gsize len = 0;

    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "# mine\n");
    vf_apply(th, FALSE);
    {
        g_autofree char *path = vf_test_host_path(th, "var/lib/virtflow/setup/manifest");

        g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    }
    parsed = vf_setup_manifest_parse(text, len, &error);
    g_assert_no_error(error);
    g_assert_nonnull(parsed);
    g_assert_true(g_key_file_has_group(parsed, VF_SETUP_MODULES_CONF));
    empty = vf_setup_manifest_parse("", 0, &error);
    g_assert_no_error(error);
    g_assert_null(
        vf_setup_manifest_parse("[/etc/modules-load.d/vfio.conf]\0created=true", 45, &error));
    vf_assert_contains(VF_MSG(error), "NUL");
    g_clear_error(&error);
    g_assert_null(vf_setup_manifest_parse(big, VF_SETUP_MANIFEST_MAX + 1, &error));
    vf_assert_contains(VF_MSG(error), "more than setup ever writes");
    g_clear_error(&error);
    {
        g_autofree char *name = vf_setup_backup_name("/etc/kernel/cmdline");

        g_assert_cmpstr(name, ==, "setup/backup/etc_kernel_cmdline");
    }
}

/* A backup replaced by a link (to a file setup never backed up) is not read through. */
static void
test_setup_undo_backup_link(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_desktop_host);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) undo = NULL;
    g_autofree char *backup =
        vf_test_host_path(th, "var/lib/virtflow/setup/backup/etc_modules-load.d_vfio.conf");
    g_autofree char *secret = vf_test_host_path(th, "root/secret");
    g_autofree char *conf = NULL;

    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "# mine\n");
    vf_apply(th, FALSE);
    vf_test_host_write(th, "root/secret", "root's secret\n");
    g_assert_cmpint(g_unlink(backup), ==, 0);
    g_assert_cmpint(symlink(secret, backup), ==, 0);
    undo = vf_setup_new_undo(th->host, &error);
    g_assert_no_error(error);
    g_assert_false(vf_setup_apply(undo, NULL, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "not a plain file");
    conf = vf_read(th, "etc/modules-load.d/vfio.conf");
    vf_assert_not_contains(conf, "secret");
    vf_assert_contains(conf, "vfio_pci");
}

/* A host with a desktop user, the kvm group and AppArmor confining QEMU. */
static VfTestHost *
vf_lg_host(void)
{
    VfTestHost *th = vf_setup_host(&vf_desktop_host);

    vf_test_host_write(th, "etc/passwd",
                       "root:x:0:0:root:/root:/bin/bash\n"
                       "alice:x:61000:61000:Alice:/home/alice:/bin/bash\n");
    vf_test_host_write(th, "etc/group", "root:x:0:\nkvm:x:993:alice\nalice:x:61000:\n");
    vf_test_host_write(th, "etc/apparmor.d/abstractions/libvirt-qemu",
                       "  #include <abstractions/base>\n"
                       "  include if exists <local/abstractions/libvirt-qemu>\n");
    vf_test_host_write(th, "etc/apparmor.d/local/abstractions/libvirt-qemu",
                       "# Site-specific additions\n/srv/isos/** r,");
    return th;
}

/* Looking Glass: the tmpfiles rule for the desktop user and the AppArmor rule, shown by the
 * dry run, written once, taken back by undo. */
static void
test_setup_looking_glass(void)
{
    g_autoptr(VfTestHost) th = vf_lg_host();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) again = NULL;
    g_autofree char *before = vf_etc(th);
    g_autofree char *planned = NULL;
    g_autofree char *after = NULL;
    g_autofree char *text = NULL;
    g_autofree char *user = NULL;

    plan = vf_setup_new_for_user(th->host, 0, "alice", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(vf_setup_get_user(plan), ==, "alice");
    vf_assert_state(plan, "looking-glass", VF_SETUP_PENDING);
    vf_assert_contains(vf_change(plan, "looking-glass")->detail,
                       "'f /dev/shm/looking-glass 0660 alice kvm -'");
    vf_assert_state(plan, "looking-glass-apparmor", VF_SETUP_PENDING);
    vf_assert_contains(vf_change(plan, "looking-glass-apparmor")->detail,
                       "'/dev/shm/looking-glass rw,'");
    vf_assert_not_contains(vf_change(plan, "looking-glass-apparmor")->detail, "kvmfr0");
    vf_assert_state(plan, "kvmfr", VF_SETUP_SKIPPED);
    planned = vf_etc(th);
    vf_assert_snapshot_equal(before, planned);

    g_assert_true(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_no_error(error);
    text = vf_read(th, "etc/tmpfiles.d/virtflow-looking-glass.conf");
    vf_assert_contains(text, "\nf /dev/shm/looking-glass 0660 alice kvm -\n");
    user = vf_setup_dup_looking_glass_user(th->host);
    g_assert_cmpstr(user, ==, "alice");
    g_clear_pointer(&text, g_free);
    text = vf_read(th, "etc/apparmor.d/local/abstractions/libvirt-qemu");
    g_assert_true(g_str_has_prefix(text, "# Site-specific additions\n/srv/isos/** r,\n#"));
    g_assert_true(g_str_has_suffix(text, "\n/dev/shm/looking-glass rw,\n"));
    g_assert_true(vf_setup_apparmor_has_rule(th->host, "/dev/shm/looking-glass rw,"));

    /* idempotent */
    again = vf_setup_new_for_user(th->host, 0, "alice", &error);
    g_assert_no_error(error);
    vf_assert_state(again, "looking-glass", VF_SETUP_SKIPPED);
    vf_assert_state(again, "looking-glass-apparmor", VF_SETUP_SKIPPED);

    vf_apply(th, TRUE);
    after = vf_etc(th);
    vf_assert_snapshot_equal(before, after);
}

/* Who the desktop user is: sudo's or pkexec's caller, or --user; never root, never a
 * name that is not a user of the host. */
static void
test_setup_desktop_user(void)
{
    g_autoptr(VfTestHost) th = vf_lg_host();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) sudo = NULL;
    g_autoptr(VfSetup) pkexec = NULL;
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    static const char *const bad[][2] = {
        {"root", "is root"},
        {"bob", "There is no user 'bob'"},
        {"al ice", "is not a user name"},
        {"-alice", "is not a user name"},
    };

    /* root itself, with no sudo or pkexec: nobody is guessed, the step says how */
    plan = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    g_assert_null(vf_setup_get_user(plan));
    vf_assert_state(plan, "looking-glass", VF_SETUP_SKIPPED);
    vf_assert_contains(vf_change(plan, "looking-glass")->detail, "--user NAME");

    g_setenv("SUDO_USER", "alice", TRUE);
    g_setenv("SUDO_UID", "61000", TRUE);
    sudo = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(vf_setup_get_user(sudo), ==, "alice");
    /* sudo from root to root is root */
    g_setenv("SUDO_USER", "root", TRUE);
    g_setenv("SUDO_UID", "0", TRUE);
    g_setenv("PKEXEC_UID", "61000", TRUE);
    pkexec = vf_setup_new(th->host, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(vf_setup_get_user(pkexec), ==, "alice");
    g_unsetenv("SUDO_USER");
    g_unsetenv("SUDO_UID");
    g_unsetenv("PKEXEC_UID");

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(VfSetup) refused = vf_setup_new_for_user(th->host, 0, bad[i][0], &error);

        g_assert_null(refused);
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        vf_assert_contains(VF_MSG(error), bad[i][1]);
        g_clear_error(&error);
    }
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

/* kvmfr loaded: AppArmor gets its device too, and qemu.conf's ACL is reported, not edited. */
static void
test_setup_kvmfr(void)
{
    g_autoptr(VfTestHost) th = vf_lg_host();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) plan = NULL;
    g_autoptr(VfSetup) listed = NULL;
    g_autofree char *text = NULL;
    const char *qemu_conf = "#cgroup_device_acl = [\n#    \"/dev/null\", \"/dev/kvmfr0\"\n#]\n";

    vf_test_host_write(th, "sys/module/kvmfr/refcnt", "0\n");
    vf_test_host_write(th, "etc/libvirt/qemu.conf", qemu_conf);
    plan = vf_setup_new_for_user(th->host, 0, "alice", &error);
    g_assert_no_error(error);
    vf_assert_state(plan, "kvmfr", VF_SETUP_MANUAL);
    vf_assert_contains(vf_change(plan, "kvmfr")->detail, "cgroup_device_acl");
    vf_assert_contains(vf_change(plan, "kvmfr")->detail, "OWNER=\"alice\"");
    vf_assert_contains(vf_change(plan, "looking-glass-apparmor")->detail, "'/dev/kvmfr0 rw,'");
    g_assert_true(vf_setup_apply(plan, NULL, NULL, &error));
    g_assert_no_error(error);
    text = vf_read(th, "etc/libvirt/qemu.conf");
    g_assert_cmpstr(text, ==, qemu_conf);
    g_assert_true(vf_setup_apparmor_has_rule(th->host, "/dev/kvmfr0 rw,"));

    vf_test_host_write(th, "etc/libvirt/qemu.conf",
                       "cgroup_device_acl = [\n    \"/dev/null\", \"/dev/kvm\",\n"
                       "    \"/dev/kvmfr0\"\n]\n");
    listed = vf_setup_new_for_user(th->host, 0, "alice", &error);
    g_assert_no_error(error);
    vf_assert_state(listed, "kvmfr", VF_SETUP_SKIPPED);
}

/* A setup made before the drop-in edited /etc/default/grub itself: undo still puts it back. */
static void
test_setup_undo_old_grub(void)
{
    g_autoptr(VfTestHost) th = vf_setup_host(&vf_no_iommu_host);
    g_autofree char *text = NULL;
    const char *original = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
    const char *edited = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n";

    vf_test_host_write(th, "etc/default/grub", edited);
    vf_test_host_write(th, "var/lib/virtflow/setup/backup/etc_default_grub", original);
    vf_test_host_write(th, "var/lib/virtflow/setup/manifest",
                       "[/etc/default/grub]\ncreated=false\n"
                       "backup=setup/backup/etc_default_grub\nmode=420\nlink=false\n"
                       "written=GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\\n\n");
    vf_apply(th, TRUE);
    text = vf_read(th, "etc/default/grub");
    g_assert_cmpstr(text, ==, original);
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
    /* the desktop user comes from these (vf_setup_find_desktop_user): none unless a test
     * sets them */
    g_unsetenv("SUDO_USER");
    g_unsetenv("SUDO_UID");
    g_unsetenv("PKEXEC_UID");
    g_test_add_func("/setup/fresh", test_setup_fresh);
    g_test_add_func("/setup/undo-exact", test_setup_undo_exact);
    g_test_add_func("/setup/undo-changed", test_setup_undo_changed);
    g_test_add_func("/setup/no-iommu", test_setup_no_iommu);
    g_test_add_func("/setup/grub-hostile", test_setup_grub_hostile);
    g_test_add_func("/setup/grub-amd", test_setup_grub_amd);
    g_test_add_func("/setup/systemd-boot", test_setup_systemd_boot);
    g_test_add_func("/setup/daemon", test_setup_daemon);
    g_test_add_func("/setup/manifest-parse", test_setup_manifest_parse);
    g_test_add_func("/setup/looking-glass", test_setup_looking_glass);
    g_test_add_func("/setup/desktop-user", test_setup_desktop_user);
    g_test_add_func("/setup/kvmfr", test_setup_kvmfr);
    g_test_add_func("/setup/undo-backup-link", test_setup_undo_backup_link);
    g_test_add_func("/setup/undo-old-grub", test_setup_undo_old_grub);
    for (guint i = 0; i < G_N_ELEMENTS(vf_bad_manifests); i++) {
        g_autofree char *name =
            g_strdup_printf("/setup/undo-tampered/%s", vf_bad_manifests[i].name);

        g_test_add_data_func(name, GUINT_TO_POINTER(i), test_setup_undo_tampered);
    }
    g_test_add_func("/setup/not-installed", test_setup_not_installed);
    g_test_add_func("/setup/read-only", test_setup_read_only);
    return g_test_run();
}
