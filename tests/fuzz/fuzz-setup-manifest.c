/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-setup-manifest: `virtflow setup --undo` reading its manifest
 * (STATE/setup/manifest), the record of what setup changed, which root acts on
 *
 * Input: the manifest's text. Each input is written to the manifest of a host model
 * (a temporary directory with the files setup manages, as setup writes them) and the
 * undo plan, and a new setup plan, are made from it. Nothing is applied: planning reads,
 * it never writes.
 *
 * Where the tree has vf_setup_manifest_parse() (vf-setup-private.h), the input also goes
 * through it directly.
 *
 * Invariant (issue 12: undo acts only on the files setup manages): a change the undo plan
 * would make, and a group the manifest parser accepts, names an absolute path with no
 * ".." in it (or is the "directories" group).
 */
#include "vf-fuzz.h"

#include "setup/vf-setup.h"

/* setup's own parser of the manifest, where the tree has it (issue 12's setup work) */
#if __has_include("vf-setup-private.h")
#include "setup/vf-setup-private.h"
#define VF_FUZZ_HAVE_MANIFEST_PARSE 1
#endif

#include <ftw.h>

static VfHost *vf_fuzz_host;
static char *vf_fuzz_manifest;
static char *vf_fuzz_root;

static int
vf_fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void
vf_fuzz_cleanup(void)
{
    g_clear_pointer(&vf_fuzz_host, vf_host_unref);
    if (vf_fuzz_root)
        nftw(vf_fuzz_root, vf_fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_clear_pointer(&vf_fuzz_root, g_free);
    g_clear_pointer(&vf_fuzz_manifest, g_free);
}

static void
vf_fuzz_put(const char *relative, const char *text)
{
    g_autofree char *path = g_build_filename(vf_fuzz_root, relative, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, 0755) < 0 || !g_file_set_contents(path, text, -1, NULL))
        g_error("cannot make the host model's %s", path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *hook = NULL;
    g_autofree char *link = NULL;

    vf_fuzz_init_glib();
    vf_fuzz_root = g_dir_make_tmp("virtflow-fuzz-setup-XXXXXX", &error);
    if (vf_fuzz_root == NULL)
        g_error("%s", error->message);
    atexit(vf_fuzz_cleanup);
    /* what a setup leaves: the modules file, the hook link, the backup of a GRUB file */
    vf_fuzz_put("etc/modules-load.d/vfio.conf", "vfio\nvfio_iommu_type1\nvfio_pci\n");
    vf_fuzz_put("etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\n");
    vf_fuzz_put("var/lib/virtflow/setup/backup/etc_default_grub",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    vf_fuzz_put("proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet\n");
    hook = g_build_filename(vf_fuzz_root, "etc/libvirt/hooks/qemu.d", NULL);
    link = g_build_filename(hook, "virtflow", NULL);
    if (g_mkdir_with_parents(hook, 0755) < 0 || symlink(vf_setup_get_hook_program(), link) < 0)
        g_error("cannot make the host model's hook link");
    vf_fuzz_host = vf_host_new(vf_fuzz_root, &error);
    if (vf_fuzz_host == NULL)
        g_error("%s", error->message);
    vf_fuzz_manifest = vf_host_dup_state_path(vf_fuzz_host, "setup/manifest");
    return 0;
}

static gboolean
vf_fuzz_is_plain_path(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);

    if (path[0] != '/')
        return FALSE;
    for (guint i = 0; parts[i]; i++)
        if (g_str_equal(parts[i], ".."))
            return FALSE;
    return TRUE;
}

static void
vf_fuzz_walk(VfSetup *setup)
{
    GPtrArray *changes = vf_setup_get_changes(setup);

    for (guint i = 0; i < changes->len; i++) {
        const VfSetupChange *c = changes->pdata[i];

        vf_fuzz_check(c->id != NULL && c->title != NULL);
        vf_fuzz_check(c->state < VF_SETUP_LAST);
        vf_fuzz_check(vf_setup_state_to_string(c->state) != NULL);
        if (vf_setup_is_undo(setup) && c->state == VF_SETUP_PENDING && c->path)
            vf_fuzz_check(vf_fuzz_is_plain_path(c->path));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfSetup) undo = NULL;
    g_autoptr(VfSetup) setup = NULL;

#ifdef VF_FUZZ_HAVE_MANIFEST_PARSE
    {
        g_autoptr(GKeyFile) manifest = vf_setup_manifest_parse((const char *)data, size, &error);

        vf_fuzz_check((manifest != NULL) == (error == NULL));
        if (manifest) {
            g_auto(GStrv) groups = g_key_file_get_groups(manifest, NULL);

            for (guint i = 0; groups[i]; i++)
                vf_fuzz_check(g_str_equal(groups[i], "directories") ||
                              vf_fuzz_is_plain_path(groups[i]));
        }
        g_clear_error(&error);
    }
#endif
    if (!g_file_set_contents(vf_fuzz_manifest, (const char *)data, (gssize)size, &error))
        g_error("%s", error->message);
    undo = vf_setup_new_undo(vf_fuzz_host, &error);
    vf_fuzz_check((undo != NULL) == (error == NULL));
    if (undo) {
        vf_fuzz_check(vf_setup_is_undo(undo));
        vf_fuzz_walk(undo);
    }
    g_clear_error(&error);
    setup = vf_setup_new(vf_fuzz_host, VF_SETUP_FLAGS_NONE, &error);
    vf_fuzz_check((setup != NULL) == (error == NULL));
    if (setup)
        vf_fuzz_walk(setup);
    return 0;
}
