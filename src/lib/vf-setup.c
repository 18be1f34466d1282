/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vf-setup.h"

#include "vf-error.h"
#include "vf-systemd.h"
#include "vf-util.h"
#include "host/vf-iommu.h"
#include "host/vf-privileged.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_SETUP_MODULES_TEXT                                                                      \
    "# Written by 'virtflow setup': the vfio modules, loaded at boot for GPU passthrough.\n"       \
    "# 'virtflow setup --undo' removes this file.\n"                                               \
    "vfio\n"                                                                                       \
    "vfio_iommu_type1\n"                                                                           \
    "vfio_pci\n"
#define VF_SETUP_MANIFEST "setup/manifest"
#define VF_SETUP_DIRS     "directories"

static const char *const vf_setup_state_names[] = {
    [VF_SETUP_PENDING] = "pending", [VF_SETUP_DONE] = "done",     [VF_SETUP_SKIPPED] = "skipped",
    [VF_SETUP_MANUAL] = "manual",   [VF_SETUP_FAILED] = "failed",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_setup_state_names) == VF_SETUP_LAST);

typedef enum {
    VF_ACTION_NONE,
    VF_ACTION_MODULES,    /* load the vfio modules not loaded */
    VF_ACTION_WRITE_FILE, /* write @content to @path */
    VF_ACTION_WRITE_LINK, /* make @path a symlink to @content */
    VF_ACTION_RESTART,    /* restart the libvirt daemon through systemd */
    VF_ACTION_UNDO_FILE,  /* put back @path from the manifest */
    VF_ACTION_UNDO_DIRS,  /* remove the directories setup created, when empty */
    VF_ACTION_FORGET,     /* remove the manifest and backups */
} VfSetupAction;

typedef struct {
    VfSetupChange pub;
    VfSetupAction action;
    char *content;
    char *unit; /* VF_ACTION_RESTART */
} VfSetupItem;

struct _VfSetup {
    VfHost *host;
    gboolean undo;
    VfSetupFlags flags;
    GPtrArray *changes; /* of VfSetupItem* (a VfSetupChange first) */
    GKeyFile *manifest;
    char *manifest_path;
};

gint64
vf_setup_hook_installed_time(const GStatBuf *st)
{
    return MAX((gint64)st->st_mtime, (gint64)st->st_ctime);
}

const char *
vf_setup_get_hook_program(void)
{
    return VF_HOOK_PROGRAM;
}

const char *
vf_setup_state_to_string(VfSetupState state)
{
    return state < VF_SETUP_LAST ? vf_setup_state_names[state] : "failed";
}

VfSetupState
vf_setup_state_from_string(const char *name)
{
    int i = vf_name_index(vf_setup_state_names, VF_SETUP_LAST, name);

    return i < 0 ? VF_SETUP_FAILED : (VfSetupState)i;
}

static void
vf_setup_item_free(gpointer data)
{
    VfSetupItem *item = data;

    g_free(item->pub.title);
    g_free(item->pub.path);
    g_free(item->pub.detail);
    g_free(item->content);
    g_free(item->unit);
    g_free(item);
}

static VfSetupItem *
vf_setup_add(VfSetup *setup, const char *id, VfSetupAction action, VfSetupState state,
             const char *path, char *title, char *detail)
{
    VfSetupItem *item = g_new0(VfSetupItem, 1);

    item->pub.id = id;
    item->pub.title = title;
    item->pub.path = g_strdup(path);
    item->pub.detail = detail;
    item->pub.state = state;
    item->action = action;
    g_ptr_array_add(setup->changes, item);
    return item;
}

void
vf_setup_free(VfSetup *setup)
{
    if (setup == NULL)
        return;
    vf_host_unref(setup->host);
    g_ptr_array_unref(setup->changes);
    g_key_file_free(setup->manifest);
    g_free(setup->manifest_path);
    g_free(setup);
}

gboolean
vf_setup_is_undo(VfSetup *setup)
{
    return setup->undo;
}

GPtrArray *
vf_setup_get_changes(VfSetup *setup)
{
    return setup->changes;
}

/* ---- the libvirt daemon ---- */

gboolean
vf_host_find_libvirt_daemon(VfHost *host, gint *ret_pid, char **ret_name, gint64 *ret_started)
{
    g_autofree char *proc = vf_host_dup_real_path(host, "/proc");
    g_autoptr(GDir) dir = g_dir_open(proc, 0, NULL);
    g_autofree char *stat = vf_host_read_opt(host, "/proc/stat");
    const char *btime_line = stat ? strstr(stat, "btime ") : NULL;
    gint64 btime = btime_line ? g_ascii_strtoll(btime_line + 6, NULL, 10) : 0;
    long ticks = sysconf(_SC_CLK_TCK);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *comm_path = NULL;
        g_autofree char *comm = NULL;
        g_autofree char *stat_path = NULL;
        g_autofree char *pstat = NULL;
        const char *after;
        char **fields = NULL;
        gint64 start_ticks = 0;

        if (!g_ascii_isdigit(name[0]))
            continue;
        comm_path = g_strdup_printf("/proc/%s/comm", name);
        comm = vf_host_read_opt(host, comm_path);
        if (comm == NULL)
            continue;
        g_strchomp(comm);
        if (!g_str_equal(comm, "libvirtd") && !g_str_equal(comm, "virtqemud"))
            continue;
        stat_path = g_strdup_printf("/proc/%s/stat", name);
        pstat = vf_host_read_opt(host, stat_path);
        /* field 22, starttime, counted after the ")" that ends the command name */
        after = pstat ? strrchr(pstat, ')') : NULL;
        if (after) {
            fields = g_strsplit(after + 2, " ", 0);
            if (g_strv_length(fields) > 19)
                start_ticks = g_ascii_strtoll(fields[19], NULL, 10);
            g_strfreev(fields);
        }
        if (ret_pid)
            *ret_pid = (gint)g_ascii_strtoll(name, NULL, 10);
        if (ret_name)
            *ret_name = g_strdup(comm);
        if (ret_started)
            *ret_started = btime + (ticks > 0 ? start_ticks / ticks : 0);
        return TRUE;
    }
    return FALSE;
}

/* The change that makes a running daemon read the hook directory again. */
static void
vf_setup_plan_daemon(VfSetup *setup, gboolean hook_changes, const char *why)
{
    gint pid = 0;
    gint64 started = 0;
    g_autofree char *daemon = NULL;
    g_autofree char *link = vf_host_dup_real_path(setup->host, VF_SETUP_HOOK_LINK);
    g_autofree char *systemd = vf_host_dup_real_path(setup->host, "/run/systemd/system");
    g_autofree char *openrc = vf_host_dup_real_path(setup->host, "/run/openrc");
    g_autofree char *how = NULL;
    char *title = g_strdup("Make libvirt read the hook directory again");
    GStatBuf st;
    VfSetupItem *item;

    if (!vf_host_find_libvirt_daemon(setup->host, &pid, &daemon, &started)) {
        vf_setup_add(setup, "daemon", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
                     g_strdup("No libvirt daemon runs: it reads the hooks when it starts"));
        return;
    }
    if (!hook_changes &&
        !(g_lstat(link, &st) == 0 && vf_setup_hook_installed_time(&st) >= started)) {
        vf_setup_add(
            setup, "daemon", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
            g_strdup_printf("%s (pid %d) started after the hook was installed", daemon, pid));
        return;
    }
    if (vf_host_is_live(setup->host) && g_file_test(systemd, G_FILE_TEST_IS_DIR)) {
        item =
            vf_setup_add(setup, "daemon", VF_ACTION_RESTART, VF_SETUP_PENDING, NULL, title,
                         g_strdup_printf("Restart %s.service through systemd (%s)", daemon, why));
        item->unit = g_strdup_printf("%s.service", daemon);
        return;
    }
    if (g_file_test(openrc, G_FILE_TEST_IS_DIR))
        how = g_strdup_printf("'rc-service %s restart'", daemon);
    else
        how = g_strdup_printf("'kill %d' and start it again the way it was started", pid);
    vf_setup_add(setup, "daemon", VF_ACTION_NONE, VF_SETUP_MANUAL, NULL, title,
                 g_strdup_printf("%s (pid %d) reads hooks only when it starts (%s): restart it: %s",
                                 daemon, pid, why, how));
}

/* ---- planning ---- */

/* A configuration file's text as it is (no trimming, unlike sysfs reads), or NULL. */
static char *
vf_setup_read_file(VfSetup *setup, const char *path)
{
    g_autofree char *real = vf_host_dup_real_path(setup->host, path);
    char *text = NULL;

    return g_file_get_contents(real, &text, NULL, NULL) ? text : NULL;
}

/* The kernel options that turn the IOMMU on for this machine's CPU. */
static const char *
vf_setup_iommu_options(VfHost *host)
{
    g_autofree char *cpuinfo = vf_host_read_opt(host, "/proc/cpuinfo");

    if (cpuinfo && strstr(cpuinfo, "AuthenticAMD"))
        return "amd_iommu=on iommu=pt";
    return "intel_iommu=on iommu=pt";
}

/* /etc/default/grub with @options added to GRUB_CMDLINE_LINUX_DEFAULT, or NULL when the
 * file has no such line. */
static char *
vf_setup_grub_text(const char *text, const char *options)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) wanted = g_strsplit(options, " ", -1);
    gboolean found = FALSE;

    for (guint i = 0; lines[i]; i++) {
        const char *prefix = "GRUB_CMDLINE_LINUX_DEFAULT=";
        g_autofree char *value = NULL;
        g_autoptr(GString) add = g_string_new(NULL);
        char quote;
        size_t len;

        if (!g_str_has_prefix(lines[i], prefix))
            continue;
        value = g_strdup(lines[i] + strlen(prefix));
        len = strlen(value);
        quote = value[0] == '"' || value[0] == '\'' ? value[0] : '\0';
        if (quote && len >= 2 && value[len - 1] == quote) {
            value[len - 1] = '\0';
            memmove(value, value + 1, len - 1);
        }
        for (guint w = 0; wanted[w]; w++) {
            g_autofree char *padded = g_strdup_printf(" %s ", value);
            g_autofree char *needle = g_strdup_printf(" %s ", wanted[w]);

            if (strstr(padded, needle) == NULL)
                g_string_append_printf(add, "%s%s", *value || add->len ? " " : "", wanted[w]);
        }
        g_free(lines[i]);
        lines[i] = g_strdup_printf("%s\"%s%s\"", prefix, value, add->str);
        found = TRUE;
        break;
    }
    return found ? g_strjoinv("\n", lines) : NULL;
}

static void
vf_setup_plan_iommu(VfSetup *setup, VfSetupFlags flags)
{
    g_autoptr(VfIommuStatus) iommu = vf_iommu_status_new(setup->host);
    const char *options = vf_setup_iommu_options(setup->host);
    g_autofree char *grub = NULL;
    g_autofree char *changed = NULL;
    char *title = g_strdup("Check the IOMMU");
    VfSetupItem *item;

    if (iommu->enabled) {
        vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
                     g_strdup_printf("The IOMMU is on: %u groups", iommu->n_groups));
        return;
    }
    grub = vf_setup_read_file(setup, VF_SETUP_GRUB_DEFAULT);
    changed = grub ? vf_setup_grub_text(grub, options) : NULL;
    if ((flags & VF_SETUP_GRUB) && changed && !g_str_equal(changed, grub)) {
        item = vf_setup_add(
            setup, "iommu", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING, VF_SETUP_GRUB_DEFAULT, title,
            g_strdup_printf("Add '%s' to GRUB_CMDLINE_LINUX_DEFAULT in " VF_SETUP_GRUB_DEFAULT
                            "; then run 'update-grub' and reboot (and enable VT-d/AMD-Vi in the "
                            "firmware settings if it is off)",
                            options));
        item->content = g_steal_pointer(&changed);
        return;
    }
    vf_setup_add(
        setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_GRUB_DEFAULT, title,
        g_strdup_printf("%s Add '%s' to GRUB_CMDLINE_LINUX_DEFAULT in " VF_SETUP_GRUB_DEFAULT
                        " (or run 'virtflow setup --grub'), then run 'update-grub' and reboot; "
                        "enable VT-d/AMD-Vi in the firmware settings if it is off",
                        iommu->verdict ? iommu->verdict : "The IOMMU is off.", options));
}

static void
vf_setup_plan_modules(VfSetup *setup)
{
    g_autoptr(VfVfioStatus) vfio = vf_vfio_status_new(setup->host);
    g_autoptr(GString) load = g_string_new(NULL);
    g_autoptr(GString) missing = g_string_new(NULL);
    char *title = g_strdup("Load the vfio modules");

    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        if (vfio->modules[i] == VF_MODULE_LOADABLE)
            g_string_append_printf(load, "%s%s", load->len ? " " : "", vf_vfio_modules[i]);
        else if (vfio->modules[i] == VF_MODULE_MISSING && !vfio->driver_registered)
            g_string_append_printf(missing, "%s%s", missing->len ? " " : "", vf_vfio_modules[i]);
    }
    if (missing->len)
        vf_setup_add(setup, "modules", VF_ACTION_NONE, VF_SETUP_FAILED, NULL, title,
                     g_strdup_printf("Kernel %s has no module %s: install a kernel with VFIO "
                                     "(CONFIG_VFIO_PCI)",
                                     vfio->kernel_release ? vfio->kernel_release : "?",
                                     missing->str));
    else if (load->len)
        vf_setup_add(setup, "modules", VF_ACTION_MODULES, VF_SETUP_PENDING, NULL, title,
                     g_strdup_printf("Load %s now", load->str));
    else
        vf_setup_add(setup, "modules", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
                     g_strdup("vfio, vfio_iommu_type1 and vfio_pci are loaded or built in"));
}

/* Does @text list each vfio module on a line of its own (comments aside)? */
static gboolean
vf_setup_lists_modules(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint found = 0;

    for (guint m = 0; m < VF_VFIO_N_MODULES; m++) {
        for (guint i = 0; lines[i]; i++) {
            g_autofree char *line = g_strstrip(g_strdup(lines[i]));

            g_strdelimit(line, "-", '_');
            if (g_str_equal(line, vf_vfio_modules[m])) {
                found++;
                break;
            }
        }
    }
    return found == VF_VFIO_N_MODULES;
}

static void
vf_setup_plan_modules_load(VfSetup *setup)
{
    g_autofree char *text = vf_setup_read_file(setup, VF_SETUP_MODULES_CONF);
    char *title = g_strdup("Load the vfio modules at every boot");
    VfSetupItem *item;

    if (text && vf_setup_lists_modules(text)) {
        vf_setup_add(setup, "modules-load", VF_ACTION_NONE, VF_SETUP_SKIPPED, VF_SETUP_MODULES_CONF,
                     title, g_strdup(VF_SETUP_MODULES_CONF " lists the vfio modules"));
        return;
    }
    item = vf_setup_add(setup, "modules-load", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING,
                        VF_SETUP_MODULES_CONF, title,
                        g_strdup_printf("%s " VF_SETUP_MODULES_CONF " listing vfio, "
                                        "vfio_iommu_type1 and vfio_pci",
                                        text ? "Replace (backed up)" : "Write"));
    item->content = g_strdup(VF_SETUP_MODULES_TEXT);
}

/* Returns whether the hook is to be (re)installed. */
static gboolean
vf_setup_plan_hook(VfSetup *setup)
{
    g_autofree char *current = vf_host_readlink(setup->host, VF_SETUP_HOOK_LINK);
    char *title = g_strdup("Install the libvirt hook");
    VfSetupItem *item;

    if (current && g_str_equal(current, VF_HOOK_PROGRAM)) {
        vf_setup_add(setup, "hook", VF_ACTION_NONE, VF_SETUP_SKIPPED, VF_SETUP_HOOK_LINK, title,
                     g_strdup(VF_SETUP_HOOK_LINK " → " VF_HOOK_PROGRAM " is in place"));
        return FALSE;
    }
    if (!vf_host_exists(setup->host, VF_HOOK_PROGRAM)) {
        vf_setup_add(setup, "hook", VF_ACTION_NONE, VF_SETUP_FAILED, VF_SETUP_HOOK_LINK, title,
                     g_strdup("The hook program " VF_HOOK_PROGRAM " is not installed: install "
                              "VirtFlow first (meson install, or its package)"));
        return FALSE;
    }
    item = vf_setup_add(
        setup, "hook", VF_ACTION_WRITE_LINK, VF_SETUP_PENDING, VF_SETUP_HOOK_LINK, title,
        g_strdup_printf("%s " VF_SETUP_HOOK_LINK " → " VF_HOOK_PROGRAM,
                        vf_host_exists(setup->host, VF_SETUP_HOOK_LINK) ? "Replace (backed up)"
                                                                        : "Link"));
    item->content = g_strdup(VF_HOOK_PROGRAM);
    return TRUE;
}

static VfSetup *
vf_setup_alloc(VfHost *host, gboolean undo)
{
    VfSetup *setup = g_new0(VfSetup, 1);

    setup->host = vf_host_ref(host);
    setup->undo = undo;
    setup->changes = g_ptr_array_new_with_free_func(vf_setup_item_free);
    setup->manifest = g_key_file_new();
    setup->manifest_path = vf_host_dup_state_path(host, VF_SETUP_MANIFEST);
    return setup;
}

static gboolean
vf_setup_load_manifest(VfSetup *setup, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (g_key_file_load_from_file(setup->manifest, setup->manifest_path, G_KEY_FILE_NONE, &local))
        return TRUE;
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
    g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot read setup's manifest '%s': %s",
                setup->manifest_path, local->message);
    return FALSE;
}

VfSetup *
vf_setup_new(VfHost *host, VfSetupFlags flags, GError **error)
{
    g_autoptr(VfSetup) setup = vf_setup_alloc(host, FALSE);
    gboolean hook;

    setup->flags = flags;
    if (!vf_setup_load_manifest(setup, error))
        return NULL;
    vf_setup_plan_iommu(setup, flags);
    vf_setup_plan_modules(setup);
    vf_setup_plan_modules_load(setup);
    hook = vf_setup_plan_hook(setup);
    vf_setup_plan_daemon(setup, hook, "the hook was just installed");
    return g_steal_pointer(&setup);
}

/* What is at @path now, in the manifest's terms: a file's text or a link's target. */
static char *
vf_setup_read_current(VfSetup *setup, const char *path, gboolean *ret_link)
{
    g_autofree char *real = vf_host_dup_real_path(setup->host, path);
    g_autofree char *text = NULL;
    GStatBuf st;

    *ret_link = FALSE;
    if (g_lstat(real, &st) != 0)
        return NULL;
    if (S_ISLNK(st.st_mode)) {
        *ret_link = TRUE;
        return g_file_read_link(real, NULL);
    }
    if (S_ISREG(st.st_mode) && g_file_get_contents(real, &text, NULL, NULL))
        return g_steal_pointer(&text);
    return g_strdup(""); /* something else: never equal to what setup wrote */
}

VfSetup *
vf_setup_new_undo(VfHost *host, GError **error)
{
    g_autoptr(VfSetup) setup = vf_setup_alloc(host, TRUE);
    g_auto(GStrv) groups = NULL;
    gboolean hook = FALSE;

    if (!vf_setup_load_manifest(setup, error))
        return NULL;
    groups = g_key_file_get_groups(setup->manifest, NULL);
    if (groups[0] == NULL) {
        vf_setup_add(
            setup, "manifest", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL,
            g_strdup("Find what setup changed"),
            g_strdup_printf("Nothing to undo: no setup manifest at '%s'", setup->manifest_path));
        return g_steal_pointer(&setup);
    }
    for (guint i = 0; groups[i]; i++) {
        const char *path = groups[i];
        gboolean created = g_key_file_get_boolean(setup->manifest, path, "created", NULL);
        gboolean was_link = g_key_file_get_boolean(setup->manifest, path, "link", NULL);
        g_autofree char *written = g_key_file_get_string(setup->manifest, path, "written", NULL);
        g_autofree char *current = NULL;
        gboolean is_link;
        const char *id = g_str_equal(path, VF_SETUP_HOOK_LINK)      ? "hook"
                         : g_str_equal(path, VF_SETUP_MODULES_CONF) ? "modules-load"
                         : g_str_equal(path, VF_SETUP_GRUB_DEFAULT) ? "iommu"
                                                                    : "file";
        char *title;

        if (g_str_equal(path, VF_SETUP_DIRS))
            continue;
        title = g_strdup_printf("Put back %s", path);
        current = vf_setup_read_current(setup, path, &is_link);
        hook |= g_str_equal(id, "hook");
        if (current == NULL && created) {
            vf_setup_add(setup, id, VF_ACTION_NONE, VF_SETUP_SKIPPED, path, title,
                         g_strdup("Already gone"));
        } else if (current == NULL || written == NULL || is_link != was_link ||
                   !g_str_equal(current, written)) {
            g_autofree char *backups = vf_host_dup_state_path(host, "setup/backup");

            vf_setup_add(setup, id, VF_ACTION_NONE, VF_SETUP_MANUAL, path, title,
                         g_strdup_printf("%s changed after setup wrote it: left as it is; "
                                         "compare it with the backup in %s",
                                         path, backups));
        } else {
            vf_setup_add(setup, id, VF_ACTION_UNDO_FILE, VF_SETUP_PENDING, path, title,
                         g_strdup(created ? "Remove it (setup created it)"
                                          : "Restore the original setup backed up"));
        }
    }
    if (g_key_file_has_group(setup->manifest, VF_SETUP_DIRS))
        vf_setup_add(setup, "directories", VF_ACTION_UNDO_DIRS, VF_SETUP_PENDING, NULL,
                     g_strdup("Remove the directories setup made"),
                     g_strdup("Each one that is empty"));
    if (hook)
        vf_setup_plan_daemon(setup, TRUE, "the hook was removed");
    vf_setup_add(setup, "manifest", VF_ACTION_FORGET, VF_SETUP_PENDING, NULL,
                 g_strdup("Forget setup's backups"),
                 g_strdup_printf("Remove %s and its backups", setup->manifest_path));
    return g_steal_pointer(&setup);
}

/* ---- applying ---- */

static gboolean
vf_setup_save_manifest(VfSetup *setup, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(setup->manifest_path);
    g_autofree char *text = g_key_file_to_data(setup->manifest, NULL, NULL);
    g_autoptr(GError) local = NULL;

    /* readable by all: a user who is not root plans setup and --undo from it (and has
     * virtflow-helper make them); the backups themselves stay root's (backup/, 0700) */
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        vf_error_set_errno(error, errno, "Cannot create '%s' for setup's backups", dir);
        return FALSE;
    }
    if (!g_file_set_contents_full(setup->manifest_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                  0644, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot write setup's manifest: %s",
                    local->message);
        return FALSE;
    }
    return TRUE;
}

/* Records @path's original state in the manifest (once: a second setup keeps the first
 * backup, the state before VirtFlow). */
static gboolean
vf_setup_backup(VfSetup *setup, const char *path, GError **error)
{
    g_autofree char *real = vf_host_dup_real_path(setup->host, path);
    g_autofree char *content = NULL;
    gsize length = 0;
    GStatBuf st;

    if (g_key_file_has_group(setup->manifest, path))
        return TRUE;
    if (g_lstat(real, &st) != 0) {
        g_key_file_set_boolean(setup->manifest, path, "created", TRUE);
        return TRUE;
    }
    g_key_file_set_boolean(setup->manifest, path, "created", FALSE);
    if (S_ISLNK(st.st_mode)) {
        g_autofree char *target = g_file_read_link(real, NULL);

        g_key_file_set_string(setup->manifest, path, "backup-link", target ? target : "");
        return TRUE;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "'%s' is neither a file nor a link: move it away, then run setup again", real);
        return FALSE;
    }
    if (!g_file_get_contents(real, &content, &length, NULL)) {
        vf_error_set_errno(error, errno, "Cannot back up '%s'", real);
        return FALSE;
    }
    {
        g_autofree char *name = g_strdelimit(g_strdup(path + 1), "/", '_');
        g_autofree char *relative = g_build_filename("setup", "backup", name, NULL);
        g_autofree char *backup = vf_host_dup_state_path(setup->host, relative);
        g_autofree char *dir = g_path_get_dirname(backup);
        g_autofree char *setup_dir = g_path_get_dirname(dir);
        g_autoptr(GError) local = NULL;

        /* the manifest's directory as vf_setup_save_manifest() makes it, then backup/ */
        if (g_mkdir_with_parents(setup_dir, 0755) < 0 || g_mkdir_with_parents(dir, 0700) < 0 ||
            !g_file_set_contents_full(backup, content, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                      &local)) {
            g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot back up '%s' to '%s': %s", real,
                        backup, local ? local->message : g_strerror(errno));
            return FALSE;
        }
        g_key_file_set_string(setup->manifest, path, "backup", relative);
        g_key_file_set_integer(setup->manifest, path, "mode", st.st_mode & 07777);
    }
    return TRUE;
}

/* Creates @path's missing parent directories, recording them for undo. */
static gboolean
vf_setup_make_parents(VfSetup *setup, const char *path, GError **error)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = g_path_get_dirname(path);

    while (!g_str_equal(dir, "/") && !vf_host_exists(setup->host, dir)) {
        char *parent = g_path_get_dirname(dir);

        g_ptr_array_add(missing, g_steal_pointer(&dir));
        dir = parent;
    }
    for (guint i = missing->len; i-- > 0;) {
        g_autofree char *real = vf_host_dup_real_path(setup->host, missing->pdata[i]);
        g_auto(GStrv) known =
            g_key_file_get_string_list(setup->manifest, VF_SETUP_DIRS, "created", NULL, NULL);
        g_autoptr(GStrvBuilder) list = g_strv_builder_new();
        g_auto(GStrv) updated = NULL;

        if (g_mkdir(real, 0755) < 0) {
            vf_error_set_errno(error, errno, "Cannot create directory '%s'", real);
            return FALSE;
        }
        if (known)
            g_strv_builder_addv(list, (const char **)known);
        g_strv_builder_add(list, missing->pdata[i]);
        updated = g_strv_builder_end(list);
        g_key_file_set_string_list(setup->manifest, VF_SETUP_DIRS, "created",
                                   (const char *const *)updated, g_strv_length(updated));
    }
    return TRUE;
}

/* Puts @content at @path, as a file or (@link) a symlink, replacing what is there. */
static gboolean
vf_setup_put(VfSetup *setup, const char *path, const char *content, gboolean link, int mode,
             GError **error)
{
    g_autofree char *real = vf_host_dup_real_path(setup->host, path);
    g_autoptr(GError) local = NULL;

    if (link) {
        g_autofree char *tmp = g_strdup_printf("%s.virtflow-new", real);

        (void)g_unlink(tmp);
        if (symlink(content, tmp) < 0 || rename(tmp, real) < 0) {
            vf_error_set_errno(error, errno, "Cannot make '%s' a link to '%s'", real, content);
            (void)g_unlink(tmp);
            return FALSE;
        }
        return TRUE;
    }
    /* a link where a file goes is replaced, not written through */
    if (g_file_test(real, G_FILE_TEST_IS_SYMLINK))
        (void)g_unlink(real);
    if (!g_file_set_contents_full(real, content, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                                  &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot write '%s': %s", real, local->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean
vf_setup_write(VfSetup *setup, VfSetupItem *item, GError **error)
{
    gboolean link = item->action == VF_ACTION_WRITE_LINK;
    const char *path = item->pub.path;

    if (!vf_setup_backup(setup, path, error) || !vf_setup_make_parents(setup, path, error))
        return FALSE;
    g_key_file_set_boolean(setup->manifest, path, "link", link);
    g_key_file_set_string(setup->manifest, path, "written", item->content);
    /* the manifest first: a setup killed after the write still knows what to undo */
    if (!vf_setup_save_manifest(setup, error))
        return FALSE;
    return vf_setup_put(setup, path, item->content, link, 0644, error);
}

static gboolean
vf_setup_undo_file(VfSetup *setup, VfSetupItem *item, GError **error)
{
    const char *path = item->pub.path;
    g_autofree char *real = vf_host_dup_real_path(setup->host, path);
    g_autofree char *backup = g_key_file_get_string(setup->manifest, path, "backup", NULL);
    g_autofree char *backup_link =
        g_key_file_get_string(setup->manifest, path, "backup-link", NULL);

    if (g_key_file_get_boolean(setup->manifest, path, "created", NULL)) {
        if (g_unlink(real) < 0 && errno != ENOENT) {
            vf_error_set_errno(error, errno, "Cannot remove '%s'", real);
            return FALSE;
        }
        return TRUE;
    }
    if (backup_link)
        return vf_setup_put(setup, path, backup_link, TRUE, 0, error);
    if (backup) {
        g_autofree char *file = vf_host_dup_state_path(setup->host, backup);
        g_autofree char *content = NULL;
        gsize length = 0;
        g_autoptr(GError) local = NULL;
        int mode = g_key_file_get_integer(setup->manifest, path, "mode", NULL);

        if (!g_file_get_contents(file, &content, &length, &local)) {
            g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot read the backup of '%s': %s", real,
                        local->message);
            return FALSE;
        }
        if (g_file_test(real, G_FILE_TEST_IS_SYMLINK))
            (void)g_unlink(real);
        if (!g_file_set_contents_full(real, content, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                      mode ? mode : 0644, &local)) {
            g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot put back '%s': %s", real,
                        local->message);
            return FALSE;
        }
        return TRUE;
    }
    g_set_error(error, VF_ERROR, VF_ERROR_IO, "The manifest has no backup of '%s'", real);
    return FALSE;
}

static void
vf_setup_undo_dirs(VfSetup *setup)
{
    g_auto(GStrv) dirs =
        g_key_file_get_string_list(setup->manifest, VF_SETUP_DIRS, "created", NULL, NULL);

    /* deepest first: they were recorded top-down */
    for (guint i = dirs ? g_strv_length(dirs) : 0; i-- > 0;) {
        g_autofree char *real = vf_host_dup_real_path(setup->host, dirs[i]);

        (void)g_rmdir(real); /* not empty: something else lives there now; it stays */
    }
}

static void
vf_setup_forget(VfSetup *setup)
{
    g_autofree char *backups = vf_host_dup_state_path(setup->host, "setup/backup");
    g_autofree char *dir = vf_host_dup_state_path(setup->host, "setup");
    g_autoptr(GDir) listing = g_dir_open(backups, 0, NULL);
    const char *name;

    while (listing && (name = g_dir_read_name(listing))) {
        g_autofree char *file = g_build_filename(backups, name, NULL);

        (void)g_unlink(file);
    }
    (void)g_rmdir(backups);
    (void)g_unlink(setup->manifest_path);
    (void)g_rmdir(dir);
}

static gboolean
vf_setup_restart(VfSetupItem *item, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &local);

    if (bus == NULL || !vf_systemd_try_restart_unit(bus, item->unit, 90000, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "Cannot restart %s through systemd: %s; run 'systemctl restart %s'", item->unit,
                    local->message, item->unit);
        return FALSE;
    }
    g_free(item->pub.detail);
    item->pub.detail =
        g_strdup_printf("Restarted %s: it reads the hook directory again", item->unit);
    return TRUE;
}

static gboolean
vf_setup_load_modules(VfSetup *setup, GError **error)
{
    g_autoptr(VfVfioStatus) vfio = vf_vfio_status_new(setup->host);

    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        if (vfio->modules[i] == VF_MODULE_LOADABLE &&
            !vf_host_load_module(setup->host, vf_vfio_modules[i], error))
            return FALSE;
    return TRUE;
}

typedef struct {
    VfSetup *setup;
    VfSetupChangeFunc func;
    gpointer user_data;
} VfSetupRelay;

/* A "change" line of virtflow-helper: the plan's step it names takes the helper's state
 * and detail, and is reported like a step made here. */
static void
vf_setup_on_helper_event(GVariant *event, gpointer data)
{
    VfSetupRelay *relay = data;
    const char *kind = NULL;
    const char *id = NULL;
    const char *title = NULL;
    const char *path = NULL;
    const char *state = NULL;
    const char *detail = NULL;
    VfSetupChange change = {0};

    if (!g_variant_lookup(event, "event", "&s", &kind) || !g_str_equal(kind, "change"))
        return;
    g_variant_lookup(event, "id", "&s", &id);
    g_variant_lookup(event, "title", "&s", &title);
    g_variant_lookup(event, "path", "&s", &path);
    g_variant_lookup(event, "state", "&s", &state);
    g_variant_lookup(event, "detail", "&s", &detail);
    for (guint i = 0; i < relay->setup->changes->len; i++) {
        VfSetupItem *item = relay->setup->changes->pdata[i];

        if (g_strcmp0(item->pub.id, id) == 0 && g_strcmp0(item->pub.path, path) == 0) {
            item->pub.state = vf_setup_state_from_string(state);
            g_free(item->pub.detail);
            item->pub.detail = g_strdup(detail);
        }
    }
    if (relay->func == NULL)
        return;
    change.id = id ? id : "?";
    change.title = (char *)(title ? title : "?");
    change.path = (char *)path;
    change.detail = (char *)detail;
    change.state = vf_setup_state_from_string(state);
    relay->func(&change, relay->user_data);
}

/* The same setup, made by virtflow-helper: it plans again from the host as root. */
static gboolean
vf_setup_apply_privileged(VfSetup *setup, VfSetupChangeFunc func, gpointer user_data,
                          GError **error)
{
    VfSetupRelay relay = {setup, func, user_data};
    const char *verb[3] = {"setup", NULL, NULL};

    if (setup->undo)
        verb[1] = "--undo";
    else if (setup->flags & VF_SETUP_GRUB)
        verb[1] = "--grub";
    return vf_privileged_run(setup->host, verb, vf_setup_on_helper_event, &relay, error);
}

gboolean
vf_setup_apply(VfSetup *setup, VfSetupChangeFunc func, gpointer user_data, GError **error)
{
    int lock_fd;

    if (!vf_host_is_writable(setup->host) && vf_host_get_helper(setup->host) == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "Refusing to set up '%s': --host-root is for --dry-run",
                    vf_host_get_root(setup->host));
        return FALSE;
    }
    /* a step that cannot be done stops setup before anything is changed */
    for (guint i = 0; i < setup->changes->len; i++) {
        VfSetupItem *item = setup->changes->pdata[i];

        if (item->pub.state == VF_SETUP_FAILED) {
            g_set_error(error, VF_ERROR, VF_ERROR_FAILED, "%s: %s", item->pub.title,
                        item->pub.detail);
            if (func)
                func(&item->pub, user_data);
            return FALSE;
        }
    }
    if (vf_host_get_helper(setup->host))
        return vf_setup_apply_privileged(setup, func, user_data, error);
    lock_fd = vf_host_lock(setup->host, "setup.lock", error);
    if (lock_fd < 0)
        return FALSE;
    for (guint i = 0; i < setup->changes->len; i++) {
        VfSetupItem *item = setup->changes->pdata[i];
        g_autoptr(GError) local = NULL;
        gboolean ok = TRUE;

        if (item->pub.state == VF_SETUP_FAILED) {
            g_set_error(&local, VF_ERROR, VF_ERROR_FAILED, "%s", item->pub.detail);
            ok = FALSE;
        } else if (item->pub.state == VF_SETUP_PENDING) {
            switch (item->action) {
            case VF_ACTION_MODULES:
                ok = vf_setup_load_modules(setup, &local);
                break;
            case VF_ACTION_WRITE_FILE:
            case VF_ACTION_WRITE_LINK:
                ok = vf_setup_write(setup, item, &local);
                break;
            case VF_ACTION_RESTART:
                ok = vf_setup_restart(item, &local);
                break;
            case VF_ACTION_UNDO_FILE:
                ok = vf_setup_undo_file(setup, item, &local);
                break;
            case VF_ACTION_UNDO_DIRS:
                vf_setup_undo_dirs(setup);
                break;
            case VF_ACTION_FORGET:
                vf_setup_forget(setup);
                break;
            case VF_ACTION_NONE:
                break;
            }
            item->pub.state = ok ? VF_SETUP_DONE : VF_SETUP_FAILED;
        }
        if (!ok && local) {
            g_free(item->pub.detail);
            item->pub.detail = g_strdup(local->message);
        }
        if (func)
            func(&item->pub, user_data);
        if (!ok) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", item->pub.title);
            close(lock_fd);
            return FALSE;
        }
    }
    close(lock_fd);
    return TRUE;
}
