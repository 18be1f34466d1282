/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-transition: the state files the helper, the hook and `recover` read back as root:
 * a journal (STATE/journal/NAME.journal) and a device record (STATE/devices/ADDRESS.conf)
 *
 * Input: a key file. It is written as the record of device 0000:01:00.0 of an empty host
 * model and read back (vf_device_origin_load()), then as the only journal of that model,
 * and `recover`'s transition is planned from it (the writes it would make; nothing
 * applied). Through the files, as the helper, the hook and `recover` read them.
 *
 * Invariants (issue 12: the names in a journal or record are validated before they are
 * used in a path or a module load): a record read back holds plain names only; every
 * write goes to a sysfs path with no ".." in it, every module to load is a plain name,
 * every driver_override written is "\n" or a plain name.
 */
#include "vf-fuzz.h"

#include "host/vf-transition.h"

#include <ftw.h>
#include <glib/gstdio.h>

static VfHost *vf_fuzz_host;
static char *vf_fuzz_journal;
static char *vf_fuzz_record;
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
    g_clear_pointer(&vf_fuzz_journal, g_free);
    g_clear_pointer(&vf_fuzz_record, g_free);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;

    vf_fuzz_init_glib();
    vf_fuzz_root = g_dir_make_tmp("virtflow-fuzz-transition-XXXXXX", &error);
    if (vf_fuzz_root == NULL)
        g_error("%s", error->message);
    atexit(vf_fuzz_cleanup);
    vf_fuzz_host = vf_host_new(vf_fuzz_root, &error);
    if (vf_fuzz_host == NULL)
        g_error("%s", error->message);
    dir = vf_host_dup_state_path(vf_fuzz_host, "journal");
    if (g_mkdir_with_parents(dir, 0755) < 0)
        g_error("cannot make %s", dir);
    vf_fuzz_journal = g_build_filename(dir, "fuzz.journal", NULL);
    g_free(dir);
    dir = vf_host_dup_state_path(vf_fuzz_host, "devices");
    if (g_mkdir_with_parents(dir, 0755) < 0)
        g_error("cannot make %s", dir);
    vf_fuzz_record = g_build_filename(dir, "0000:01:00.0.conf", NULL);
    return 0;
}

/* A name that becomes a path component or a module to load: never a path of its own. */
static gboolean
vf_fuzz_is_plain_name(const char *name)
{
    return name && *name && !strchr(name, '/') && !strchr(name, '\n') && !g_str_equal(name, ".") &&
           !g_str_equal(name, "..");
}

/* A record read back: its names are plain names, or it is not read at all */
static void
vf_fuzz_check_origin(const VfDeviceOrigin *o)
{
    vf_fuzz_check(o != NULL && o->address != NULL);
    vf_fuzz_check(o->host_driver == NULL || vf_fuzz_is_plain_name(o->host_driver));
    vf_fuzz_check(o->host_module == NULL || vf_fuzz_is_plain_name(o->host_module));
    vf_fuzz_check(o->host_override == NULL || vf_fuzz_is_plain_name(o->host_override));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(VfDeviceOrigin) record = NULL;
    g_autoptr(VfTransition) recover = NULL;
    g_autoptr(GError) error = NULL;

    if (!g_file_set_contents(vf_fuzz_record, (const char *)data, (gssize)size, &error))
        g_error("%s", error->message);
    record = vf_device_origin_load(vf_fuzz_host, "0000:01:00.0");
    if (record)
        vf_fuzz_check_origin(record);
    g_unlink(vf_fuzz_record);

    if (!g_file_set_contents(vf_fuzz_journal, (const char *)data, (gssize)size, &error))
        g_error("%s", error->message);
    recover = vf_transition_new_recover(vf_fuzz_host, &error);
    if (recover) {
        g_autoptr(GPtrArray) writes = vf_transition_dup_writes(recover);
        g_autoptr(GPtrArray) modules = vf_transition_dup_modules(recover);

        vf_fuzz_check(vf_transition_get_kind(recover) == VF_TRANSITION_RECOVER);
        for (guint i = 0; i < modules->len; i++)
            vf_fuzz_check(vf_fuzz_is_plain_name(modules->pdata[i]));
        for (guint i = 0; i < writes->len; i++) {
            const VfSysfsWrite *w = writes->pdata[i];

            vf_fuzz_check(w->path != NULL && w->value != NULL);
            vf_fuzz_check(g_str_has_prefix(w->path, "/sys/") && !strstr(w->path, "/../") &&
                          !g_str_has_suffix(w->path, "/.."));
            if (g_str_has_suffix(w->path, "/driver_override") && !g_str_equal(w->value, "\n"))
                vf_fuzz_check(vf_fuzz_is_plain_name(w->value));
        }
    }
    return 0;
}
