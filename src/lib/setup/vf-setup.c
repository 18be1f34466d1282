/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "setup/vf-setup.h"

#include "core/vf-error.h"
#include "setup/vf-setup-private.h"
#include "host/vf-systemd.h"
#include "core/vf-util.h"
#include "host/vf-iommu.h"
#include "host/vf-privileged.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_SETUP_MODULES_TEXT                                                                      \
    "# Written by 'virtflow setup': the vfio modules, loaded at boot for GPU passthrough.\n"       \
    "# 'virtflow setup --undo' removes this file.\n"                                               \
    "vfio\n"                                                                                       \
    "vfio_iommu_type1\n"                                                                           \
    "vfio_pci\n"
#define VF_SETUP_MANIFEST   "setup/manifest"
#define VF_SETUP_DIRS       "directories"
#define VF_SETUP_LG_GROUP   "kvm"
#define VF_SETUP_LG_RULE    VF_SETUP_LG_SHM " rw,"
#define VF_SETUP_KVMFR_RULE "/dev/kvmfr0 rw,"

/* Every file setup ever writes: the manifest names no other (vf_setup_manifest_parse). */
static const struct {
    const char *path;
    const char *id;
    gboolean link;
} vf_setup_managed[] = {
    {VF_SETUP_HOOK_LINK, "hook", TRUE},
    {VF_SETUP_MODULES_CONF, "modules-load", FALSE},
    {VF_SETUP_GRUB_DROPIN, "iommu", FALSE},
    {VF_SETUP_KERNEL_CMDLINE, "iommu", FALSE},
    {VF_SETUP_GRUB_DEFAULT, "iommu", FALSE}, /* setups before the drop-in edited it */
    {VF_SETUP_LG_TMPFILES, "looking-glass", FALSE},
    {VF_SETUP_LG_APPARMOR, "looking-glass-apparmor", FALSE},
};

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
    char *user; /* the desktop user of Looking Glass's rule, or NULL */
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
    g_free(setup->user);
    g_free(setup);
}

const char *
vf_setup_get_user(VfSetup *setup)
{
    return setup->user;
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

/* ---- the manifest, checked before it is trusted ---- */

static int
vf_setup_managed_index(const char *path)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_setup_managed); i++)
        if (g_str_equal(vf_setup_managed[i].path, path))
            return (int)i;
    return -1;
}

/* A directory setup may have made: a parent of a managed file, /etc or below (a model
 * tree may have no /etc; undo removes a directory only when it is empty). */
static gboolean
vf_setup_is_managed_dir(const char *dir)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_setup_managed); i++) {
        const char *path = vf_setup_managed[i].path;
        size_t len = strlen(dir);

        if (g_str_has_prefix(dir, "/etc") && dir[len - 1] != '/' && strncmp(path, dir, len) == 0 &&
            path[len] == '/')
            return TRUE;
    }
    return FALSE;
}

char *
vf_setup_backup_name(const char *path)
{
    g_autofree char *name = g_strdelimit(g_strdup(path + (path[0] == '/')), "/", '_');

    return g_build_filename("setup", "backup", name, NULL);
}

G_GNUC_PRINTF(4, 5)
static GKeyFile *
vf_setup_manifest_refuse(GError **error, const char *group, const char *key, const char *format,
                         ...)
{
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, format);
    what = g_strdup_vprintf(format, args);
    va_end(args);
    if (key)
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "[%s] %s: %s", group, key, what);
    else
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "[%s]: %s", group, what);
    return NULL;
}

GKeyFile *
vf_setup_manifest_parse(const char *text, gsize len, GError **error)
{
    static const char *const file_keys[] = {"created", "link",        "written",
                                            "backup",  "backup-link", "mode"};
    g_autoptr(GKeyFile) manifest = g_key_file_new();
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) groups = NULL;

    if (len > VF_SETUP_MANIFEST_MAX) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%" G_GSIZE_FORMAT " bytes, more than setup ever writes (%d)", len,
                    VF_SETUP_MANIFEST_MAX);
        return NULL;
    }
    if (len > 0 && memchr(text, '\0', len) != NULL) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "it holds a NUL byte");
        return NULL;
    }
    if (len > 0 && !g_key_file_load_from_data(manifest, text, len, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "not a key file: %s",
                    local->message);
        return NULL;
    }
    groups = g_key_file_get_groups(manifest, NULL);
    for (guint g = 0; groups[g]; g++) {
        const char *group = groups[g];
        g_auto(GStrv) keys = g_key_file_get_keys(manifest, group, NULL, NULL);
        gboolean created = FALSE;
        gboolean has_backup = FALSE;
        int managed;

        if (g_str_equal(group, VF_SETUP_DIRS)) {
            g_auto(GStrv) dirs = NULL;

            for (guint k = 0; keys && keys[k]; k++)
                if (!g_str_equal(keys[k], "created"))
                    return vf_setup_manifest_refuse(error, group, keys[k],
                                                    "not a key setup writes");
            dirs = g_key_file_get_string_list(manifest, group, "created", NULL, NULL);
            for (guint d = 0; dirs && dirs[d]; d++)
                if (!vf_setup_is_managed_dir(dirs[d]))
                    return vf_setup_manifest_refuse(
                        error, group, "created",
                        "'%s' is not a directory setup makes (only the parents of its files "
                        "in /etc)",
                        dirs[d]);
            continue;
        }
        managed = vf_setup_managed_index(group);
        if (managed < 0)
            return vf_setup_manifest_refuse(error, group, NULL, "'%s' is not a file setup manages",
                                            group);
        for (guint k = 0; keys && keys[k]; k++) {
            const char *key = keys[k];
            gboolean known = FALSE;

            for (guint i = 0; i < G_N_ELEMENTS(file_keys); i++)
                known |= g_str_equal(key, file_keys[i]);
            if (!known)
                return vf_setup_manifest_refuse(error, group, key, "not a key setup writes");
        }
        if (!g_key_file_has_key(manifest, group, "created", NULL))
            return vf_setup_manifest_refuse(error, group, "created", "missing");
        created = g_key_file_get_boolean(manifest, group, "created", &local);
        if (local)
            return vf_setup_manifest_refuse(error, group, "created", "not true or false");
        if (g_key_file_has_key(manifest, group, "link", NULL)) {
            gboolean link = g_key_file_get_boolean(manifest, group, "link", &local);

            if (local)
                return vf_setup_manifest_refuse(error, group, "link", "not true or false");
            if (link != vf_setup_managed[managed].link)
                return vf_setup_manifest_refuse(error, group, "link",
                                                "setup writes %s there, not a %s",
                                                link ? "a file" : "a link", link ? "link" : "file");
        }
        if (g_key_file_has_key(manifest, group, "backup", NULL)) {
            g_autofree char *backup = g_key_file_get_string(manifest, group, "backup", NULL);
            g_autofree char *expected = vf_setup_backup_name(group);

            if (backup == NULL || !g_str_equal(backup, expected))
                return vf_setup_manifest_refuse(error, group, "backup",
                                                "'%s' is not setup's backup of this file "
                                                "('%s')",
                                                backup ? backup : "", expected);
            has_backup = TRUE;
        }
        if (g_key_file_has_key(manifest, group, "backup-link", NULL)) {
            g_autofree char *target = g_key_file_get_string(manifest, group, "backup-link", NULL);

            if (!vf_setup_managed[managed].link)
                return vf_setup_manifest_refuse(error, group, "backup-link",
                                                "setup writes a file there, not a link");
            if (target == NULL || *target == '\0' || strlen(target) >= 4096)
                return vf_setup_manifest_refuse(error, group, "backup-link", "not a link target");
            if (has_backup)
                return vf_setup_manifest_refuse(error, group, "backup-link",
                                                "both a backup and a link target");
            has_backup = TRUE;
        }
        if (g_key_file_has_key(manifest, group, "mode", NULL)) {
            gint mode = g_key_file_get_integer(manifest, group, "mode", &local);

            if (local)
                return vf_setup_manifest_refuse(error, group, "mode", "not a number");
            if (mode < 0 || mode > 0777)
                return vf_setup_manifest_refuse(
                    error, group, "mode",
                    "%o is more than permission bits (setuid, setgid or sticky): setup backs up "
                    "only rwx bits",
                    (guint)mode);
            if (!has_backup || !g_key_file_has_key(manifest, group, "backup", NULL))
                return vf_setup_manifest_refuse(error, group, "mode", "a mode with no backup");
        }
        if (created && has_backup)
            return vf_setup_manifest_refuse(error, group, "created",
                                            "a file setup created has no backup");
        if (!created && !has_backup)
            return vf_setup_manifest_refuse(error, group, "backup",
                                            "missing for a file setup replaced");
    }
    return g_steal_pointer(&manifest);
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

/* ---- the boot loader ---- */

static const char *const vf_boot_loader_names[] = {
    [VF_BOOT_LOADER_UNKNOWN] = "unknown",
    [VF_BOOT_LOADER_GRUB] = "grub",
    [VF_BOOT_LOADER_GRUB_NO_DROPIN] = "grub-no-dropin",
    [VF_BOOT_LOADER_KERNEL_INSTALL] = "kernel-install",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_boot_loader_names) == VF_BOOT_LOADER_LAST);

const char *
vf_boot_loader_to_string(VfBootLoader loader)
{
    return loader < VF_BOOT_LOADER_LAST ? vf_boot_loader_names[loader] : "unknown";
}

void
vf_boot_config_free(VfBootConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->evidence);
    g_free(config->config);
    g_free(config);
}

/* Is @option one of the whitespace-separated words of @cmdline? */
static gboolean
vf_setup_cmdline_has(const char *cmdline, const char *option)
{
    g_auto(GStrv) words = g_strsplit_set(cmdline, " \t\n", -1);

    for (guint i = 0; words[i]; i++)
        if (g_str_equal(words[i], option))
            return TRUE;
    return FALSE;
}

/* Does @text (a shell file update-grub sources) set a GRUB_CMDLINE_LINUX* variable with
 * an IOMMU option, on a line that is not a comment? */
static gboolean
vf_setup_grub_text_has_iommu(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        const char *line = lines[i];

        while (*line == ' ' || *line == '\t')
            line++;
        if (g_str_has_prefix(line, "GRUB_CMDLINE_LINUX") &&
            (strstr(line, "intel_iommu=on") || strstr(line, "amd_iommu=on")))
            return TRUE;
    }
    return FALSE;
}

/* systemd-boot installed in an ESP: what `bootctl install` makes. */
static char *
vf_setup_find_systemd_boot(VfHost *host)
{
    static const char *const esps[] = {"/efi", "/boot/efi", "/boot"};

    for (guint i = 0; i < G_N_ELEMENTS(esps); i++) {
        g_autofree char *loader = g_strconcat(esps[i], "/EFI/systemd", NULL);
        g_autofree char *conf = g_strconcat(esps[i], "/loader/loader.conf", NULL);

        if (vf_host_is_dir(host, loader))
            return g_strdup_printf("%s exists (systemd-boot)", loader);
        if (vf_host_exists(host, conf))
            return g_strdup_printf("%s exists (systemd-boot)", conf);
    }
    return NULL;
}

/* Does this GRUB's grub-mkconfig source the drop-ins of /etc/default/grub.d (Debian's does)? */
static gboolean
vf_setup_grub_reads_dropins(VfHost *host)
{
    static const char *const programs[] = {"/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig",
                                           "/usr/bin/grub-mkconfig"};

    if (vf_host_is_dir(host, "/etc/default/grub.d"))
        return TRUE;
    for (guint i = 0; i < G_N_ELEMENTS(programs); i++) {
        g_autofree char *text = vf_host_read_opt(host, programs[i]);

        if (text && strstr(text, "/default/grub.d/"))
            return TRUE;
    }
    return FALSE;
}

VfBootConfig *
vf_boot_config_new(VfHost *host)
{
    VfBootConfig *config = g_new0(VfBootConfig, 1);
    g_autofree char *systemd_boot = vf_setup_find_systemd_boot(host);
    gboolean grub = vf_host_exists(host, VF_SETUP_GRUB_DEFAULT);
    gboolean cmdline = vf_host_exists(host, VF_SETUP_KERNEL_CMDLINE);

    if (systemd_boot || (cmdline && !grub)) {
        g_autofree char *text = vf_host_read_opt(host, VF_SETUP_KERNEL_CMDLINE);
        const char *from = VF_SETUP_KERNEL_CMDLINE;

        config->loader = VF_BOOT_LOADER_KERNEL_INSTALL;
        config->evidence =
            systemd_boot ? g_steal_pointer(&systemd_boot)
                         : g_strdup(VF_SETUP_KERNEL_CMDLINE " exists and "
                                                            "there is no " VF_SETUP_GRUB_DEFAULT);
        /* kernel-install's own order: /etc/kernel/cmdline, /usr/lib/kernel/cmdline, then
         * the running kernel's */
        if (text == NULL) {
            text = vf_host_read_opt(host, from = "/usr/lib/kernel/cmdline");
            if (text == NULL)
                text = vf_host_read_opt(host, from = "/proc/cmdline");
        }
        config->config = g_strdup(from);
        config->iommu_configured = text && (vf_setup_cmdline_has(text, "intel_iommu=on") ||
                                            vf_setup_cmdline_has(text, "amd_iommu=on"));
        return config;
    }
    if (grub) {
        g_autofree char *text = vf_host_read_opt(host, VF_SETUP_GRUB_DEFAULT);
        g_autoptr(GPtrArray) dropins = vf_host_list_dir(host, "/etc/default/grub.d");

        config->iommu_configured = text && vf_setup_grub_text_has_iommu(text);
        if (!vf_setup_grub_reads_dropins(host)) {
            config->loader = VF_BOOT_LOADER_GRUB_NO_DROPIN;
            config->evidence = g_strdup(VF_SETUP_GRUB_DEFAULT " exists; this GRUB reads no "
                                                              "/etc/default/grub.d/");
            config->config = g_strdup(VF_SETUP_GRUB_DEFAULT);
            return config;
        }
        config->loader = VF_BOOT_LOADER_GRUB;
        config->evidence = g_strdup(VF_SETUP_GRUB_DEFAULT " exists");
        config->config = g_strdup(VF_SETUP_GRUB_DEFAULT " and /etc/default/grub.d/*.cfg");
        for (guint i = 0; dropins && i < dropins->len; i++) {
            const char *name = dropins->pdata[i];
            g_autofree char *path = NULL;
            g_autofree char *dropin = NULL;

            if (!g_str_has_suffix(name, ".cfg"))
                continue;
            path = g_build_filename("/etc/default/grub.d", name, NULL);
            dropin = vf_host_read_opt(host, path);
            config->iommu_configured |= dropin && vf_setup_grub_text_has_iommu(dropin);
        }
        return config;
    }
    config->loader = VF_BOOT_LOADER_UNKNOWN;
    config->evidence = g_strdup("no " VF_SETUP_GRUB_DEFAULT ", no " VF_SETUP_KERNEL_CMDLINE
                                " and no systemd-boot in /efi, /boot/efi or /boot");
    return config;
}

/* The kernel options that turn the IOMMU on for this machine's CPU (Intel's when it is not
 * known: the IOMMU is on by default on AMD, where the option does no harm either way). */
static const char *
vf_setup_iommu_options(VfHost *host)
{
    const char *options = vf_iommu_kernel_options(host);

    return options ? options : "intel_iommu=on iommu=pt";
}

/* The GRUB drop-in: update-grub sources it after /etc/default/grub, so it appends to what
 * that file set, whatever its quoting; nothing of the user's text is copied. */
static char *
vf_setup_grub_dropin_text(const char *options)
{
    return g_strdup_printf("# Written by 'virtflow setup --grub': the IOMMU on, for GPU "
                           "passthrough. update-grub\n"
                           "# reads it after /etc/default/grub; 'virtflow setup --undo' "
                           "removes it.\n"
                           "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT %s\"\n",
                           options);
}

/* /etc/kernel/cmdline with the missing @options appended (its text kept as it is), or
 * NULL when nothing is missing. Without the file, kernel-install takes the running
 * kernel's command line less BOOT_IMAGE= and initrd=: so does this. */
static char *
vf_setup_kernel_cmdline_text(VfHost *host, const char *options)
{
    g_autofree char *current = vf_host_read_opt(host, VF_SETUP_KERNEL_CMDLINE);
    g_auto(GStrv) wanted = g_strsplit(options, " ", -1);
    g_autoptr(GString) text = g_string_new(NULL);
    gboolean added = FALSE;

    if (current == NULL) {
        g_autofree char *proc = vf_host_read_opt(host, "/proc/cmdline");
        g_auto(GStrv) words = g_strsplit_set(proc ? proc : "", " \t\n", -1);

        for (guint i = 0; words[i]; i++)
            if (*words[i] && !g_str_has_prefix(words[i], "BOOT_IMAGE=") &&
                !g_str_has_prefix(words[i], "initrd="))
                g_string_append_printf(text, "%s%s", text->len ? " " : "", words[i]);
    } else {
        g_string_append(text, current);
        while (text->len && g_ascii_isspace(text->str[text->len - 1]))
            g_string_truncate(text, text->len - 1);
    }
    for (guint i = 0; wanted[i]; i++) {
        if (vf_setup_cmdline_has(text->str, wanted[i]))
            continue;
        g_string_append_printf(text, "%s%s", text->len ? " " : "", wanted[i]);
        added = TRUE;
    }
    g_string_append_c(text, '\n');
    return added || current == NULL ? g_string_free(g_steal_pointer(&text), FALSE) : NULL;
}

static void
vf_setup_plan_iommu(VfSetup *setup, VfSetupFlags flags)
{
    g_autoptr(VfIommuStatus) iommu = vf_iommu_status_new(setup->host);
    g_autoptr(VfBootConfig) boot = vf_boot_config_new(setup->host);
    const char *options = vf_setup_iommu_options(setup->host);
    const char *off = iommu->verdict ? iommu->verdict : "The IOMMU is off.";
    const char *firmware = "enable VT-d/AMD-Vi in the firmware settings if it is off";
    char *title = g_strdup("Check the IOMMU");
    VfSetupItem *item;

    if (iommu->enabled) {
        vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
                     g_strdup_printf("The IOMMU is on: %u groups", iommu->n_groups));
        return;
    }
    switch (boot->loader) {
    case VF_BOOT_LOADER_GRUB: {
        g_autofree char *text = vf_setup_grub_dropin_text(options);
        g_autofree char *current = vf_setup_read_file(setup, VF_SETUP_GRUB_DROPIN);

        if (current && g_str_equal(current, text)) {
            vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_GRUB_DROPIN,
                         title,
                         g_strdup_printf("%s " VF_SETUP_GRUB_DROPIN " adds '%s' already: run "
                                         "'update-grub' and reboot; %s",
                                         off, options, firmware));
        } else if (flags & VF_SETUP_GRUB) {
            item = vf_setup_add(
                setup, "iommu", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING, VF_SETUP_GRUB_DROPIN, title,
                g_strdup_printf("GRUB (%s): write " VF_SETUP_GRUB_DROPIN ", which adds '%s' to "
                                "GRUB_CMDLINE_LINUX_DEFAULT (" VF_SETUP_GRUB_DEFAULT
                                " is not edited); then run 'update-grub' and "
                                "reboot; %s",
                                boot->evidence, options, firmware));
            item->content = g_steal_pointer(&text);
        } else {
            vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_GRUB_DROPIN,
                         title,
                         g_strdup_printf("%s GRUB: add '%s' to the kernel command line: "
                                         "'virtflow setup --grub' writes " VF_SETUP_GRUB_DROPIN
                                         " for it; then run 'update-grub' and reboot; %s",
                                         off, options, firmware));
        }
        return;
    }
    case VF_BOOT_LOADER_KERNEL_INSTALL: {
        g_autofree char *text = vf_setup_kernel_cmdline_text(setup->host, options);
        const char *regenerate = "run 'kernel-install add $(uname -r) /boot/vmlinuz-$(uname -r)' "
                                 "(or reinstall the kernel package) so the boot entries get it, "
                                 "and reboot";

        if (text == NULL) {
            vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_KERNEL_CMDLINE,
                         title,
                         g_strdup_printf("%s " VF_SETUP_KERNEL_CMDLINE " has '%s' already: %s; "
                                         "%s",
                                         off, options, regenerate, firmware));
        } else if (flags & VF_SETUP_GRUB) {
            item = vf_setup_add(
                setup, "iommu", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING, VF_SETUP_KERNEL_CMDLINE,
                title,
                g_strdup_printf(
                    "systemd-boot/kernel-install (%s): %s '%s' to " VF_SETUP_KERNEL_CMDLINE
                    " (backed up); then %s; %s",
                    boot->evidence,
                    vf_host_exists(setup->host, VF_SETUP_KERNEL_CMDLINE)
                        ? "append"
                        : "write the running command line with",
                    options, regenerate, firmware));
            item->content = g_steal_pointer(&text);
        } else {
            vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_KERNEL_CMDLINE,
                         title,
                         g_strdup_printf(
                             "%s systemd-boot/kernel-install: add '%s' to " VF_SETUP_KERNEL_CMDLINE
                             " ('virtflow setup --grub' "
                             "does it); then %s; %s",
                             off, options, regenerate, firmware));
        }
        return;
    }
    case VF_BOOT_LOADER_GRUB_NO_DROPIN:
        vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_GRUB_DEFAULT, title,
                     g_strdup_printf("%s This GRUB reads no /etc/default/grub.d/ drop-in, and "
                                     "VirtFlow does not edit " VF_SETUP_GRUB_DEFAULT ": run "
                                     "'grubby --update-kernel=ALL --args=\"%s\"' (Fedora, RHEL) "
                                     "or add '%s' to GRUB_CMDLINE_LINUX in " VF_SETUP_GRUB_DEFAULT
                                     " and run grub2-mkconfig, then reboot; %s",
                                     off, options, options, firmware));
        return;
    case VF_BOOT_LOADER_UNKNOWN:
    case VF_BOOT_LOADER_LAST:
        break;
    }
    vf_setup_add(setup, "iommu", VF_ACTION_NONE, VF_SETUP_MANUAL, NULL, title,
                 g_strdup_printf("%s The boot loader is not known (%s): add '%s' to the kernel "
                                 "command line it boots, then reboot; %s",
                                 off, boot->evidence, options, firmware));
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

/* ---- the desktop user and Looking Glass ---- */

/* A user name as useradd takes it, safe in a tmpfiles.d line. */
static gboolean
vf_setup_is_user_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 32 || !(g_ascii_isalpha(name[0]) || name[0] == '_'))
        return FALSE;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.' &&
            !(name[i] == '$' && i == len - 1))
            return FALSE;
    return TRUE;
}

/* A line "NAME:x:ID:…" of @host's passwd or group file whose field @field (0: name, 2: id)
 * is @value: its name and id. The live machine asks NSS (LDAP, systemd-homed users), a
 * model tree its own file. */
static gboolean
vf_setup_lookup_entry(VfHost *host, gboolean group, guint field, const char *value, char **ret_name,
                      guint *ret_id)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (vf_host_is_live(host)) {
        guint64 id = 0;
        const char *name = NULL;
        guint found = 0;

        if (field == 2 && !vf_host_parse_uint(value, 10, &id))
            return FALSE;
        if (group) {
            struct group *gr = field == 0 ? getgrnam(value) : getgrgid((gid_t)id);

            if (gr)
                name = gr->gr_name, found = gr->gr_gid;
        } else {
            struct passwd *pw = field == 0 ? getpwnam(value) : getpwuid((uid_t)id);

            if (pw)
                name = pw->pw_name, found = pw->pw_uid;
        }
        if (name == NULL)
            return FALSE;
        if (ret_name)
            *ret_name = g_strdup(name);
        if (ret_id)
            *ret_id = found;
        return TRUE;
    }
    text = vf_host_read_opt(host, group ? "/etc/group" : "/etc/passwd");
    lines = g_strsplit(text ? text : "", "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ":", 4);
        guint64 id = 0;

        if (g_strv_length(f) < 3 || !g_str_equal(f[field], value) ||
            !vf_host_parse_uint(f[2], 10, &id))
            continue;
        if (ret_name)
            *ret_name = g_strdup(f[0]);
        if (ret_id)
            *ret_id = (guint)id;
        return TRUE;
    }
    return FALSE;
}

char *
vf_setup_find_desktop_user(VfHost *host)
{
    const char *sudo_user = g_getenv("SUDO_USER");
    const char *sudo_uid = g_getenv("SUDO_UID");
    const char *pkexec_uid = g_getenv("PKEXEC_UID");
    char *name = NULL;
    guint uid = 0;

    if (sudo_user && vf_setup_is_user_name(sudo_user) && g_strcmp0(sudo_uid, "0") != 0 &&
        vf_setup_lookup_entry(host, FALSE, 0, sudo_user, &name, &uid) && uid != 0)
        return name;
    g_clear_pointer(&name, g_free);
    if (pkexec_uid && vf_setup_lookup_entry(host, FALSE, 2, pkexec_uid, &name, &uid) && uid != 0)
        return name;
    g_clear_pointer(&name, g_free);
    if (getuid() != 0) {
        g_autofree char *me = g_strdup_printf("%u", (guint)getuid());

        if (vf_setup_lookup_entry(host, FALSE, 2, me, &name, &uid) && uid != 0)
            return name;
        g_clear_pointer(&name, g_free);
    }
    return NULL;
}

/* The tmpfiles.d rule that makes the shared memory file the user's (Looking Glass's own
 * documentation, doc/ivshmem_shm.rst), group kvm for QEMU. */
static char *
vf_setup_tmpfiles_text(const char *user)
{
    return g_strdup_printf("# Written by 'virtflow setup': Looking Glass's shared memory, "
                           "writable by %s\n"
                           "# (the client) and group " VF_SETUP_LG_GROUP " (QEMU). 'virtflow "
                           "setup --undo' removes this file.\n"
                           "f " VF_SETUP_LG_SHM " 0660 %s " VF_SETUP_LG_GROUP " -\n",
                           user, user);
}

char *
vf_setup_dup_looking_glass_user(VfHost *host)
{
    return vf_lg_shm_dup_user(host);
}

gboolean
vf_setup_apparmor_confines_qemu(VfHost *host)
{
    return vf_host_exists(host, VF_SETUP_APPARMOR_QEMU);
}

static gboolean
vf_setup_text_has_line(const char *text, const char *wanted)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++)
        if (g_str_equal(g_strstrip(lines[i]), wanted))
            return TRUE;
    return FALSE;
}

gboolean
vf_setup_apparmor_has_rule(VfHost *host, const char *rule)
{
    g_autofree char *text = vf_host_read_opt(host, VF_SETUP_LG_APPARMOR);

    return vf_setup_text_has_line(text, rule);
}

gboolean
vf_setup_kvmfr_loaded(VfHost *host)
{
    return vf_host_is_dir(host, "/sys/module/kvmfr");
}

gboolean
vf_setup_qemu_conf_allows_kvmfr(VfHost *host)
{
    g_autofree char *text = vf_host_read_opt(host, VF_SETUP_QEMU_CONF);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    gboolean in_acl = FALSE;

    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strstrip(lines[i]);

        if (line[0] == '#')
            continue;
        if (g_str_has_prefix(line, "cgroup_device_acl"))
            in_acl = TRUE;
        if (in_acl && strstr(line, "\"/dev/kvmfr0\""))
            return TRUE;
        if (in_acl && strchr(line, ']'))
            in_acl = FALSE;
    }
    return FALSE;
}

static void
vf_setup_plan_looking_glass(VfSetup *setup)
{
    char *title = g_strdup("Let the desktop user open Looking Glass's shared memory");
    g_autofree char *text = NULL;
    g_autofree char *current = NULL;
    VfSetupItem *item;

    if (setup->user == NULL) {
        vf_setup_add(
            setup, "looking-glass", VF_ACTION_NONE, VF_SETUP_SKIPPED, VF_SETUP_LG_TMPFILES, title,
            g_strdup("No desktop user is known (setup runs as root, not through sudo "
                     "or pkexec): for --view looking-glass, run 'virtflow setup --user "
                     "NAME' so that NAME's Looking Glass client may open " VF_SETUP_LG_SHM));
        return;
    }
    if (!vf_setup_lookup_entry(setup->host, TRUE, 0, VF_SETUP_LG_GROUP, NULL, NULL)) {
        vf_setup_add(setup, "looking-glass", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_LG_TMPFILES,
                     title,
                     g_strdup_printf("There is no group '" VF_SETUP_LG_GROUP "' for QEMU: make "
                                     "the file " VF_SETUP_LG_SHM " readable and writable by %s "
                                     "and by the user QEMU runs as",
                                     setup->user));
        return;
    }
    text = vf_setup_tmpfiles_text(setup->user);
    current = vf_setup_read_file(setup, VF_SETUP_LG_TMPFILES);
    if (current && g_str_equal(current, text)) {
        vf_setup_add(setup, "looking-glass", VF_ACTION_NONE, VF_SETUP_SKIPPED, VF_SETUP_LG_TMPFILES,
                     title,
                     g_strdup_printf(VF_SETUP_LG_TMPFILES " makes " VF_SETUP_LG_SHM " %s's "
                                                          "(group " VF_SETUP_LG_GROUP ", 0660)",
                                     setup->user));
        return;
    }
    item = vf_setup_add(
        setup, "looking-glass", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING, VF_SETUP_LG_TMPFILES, title,
        g_strdup_printf(
            "%s " VF_SETUP_LG_TMPFILES ": 'f " VF_SETUP_LG_SHM " 0660 %s " VF_SETUP_LG_GROUP
            " -' (used by --view looking-glass): VirtFlow's hook makes the file so when such a "
            "VM starts, and removes it when it stops",
            current ? "Replace (backed up)" : "Write", setup->user));
    item->content = g_steal_pointer(&text);
}

static void
vf_setup_plan_apparmor(VfSetup *setup)
{
    char *title = g_strdup("Let QEMU open Looking Glass's shared memory under AppArmor");
    g_autofree char *current = NULL;
    g_autoptr(GString) text = NULL;
    g_autoptr(GString) added = g_string_new(NULL);
    const char *rules[2] = {VF_SETUP_LG_RULE, NULL};
    VfSetupItem *item;

    if (!vf_setup_apparmor_confines_qemu(setup->host)) {
        vf_setup_add(
            setup, "looking-glass-apparmor", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
            g_strdup("AppArmor does not confine QEMU here (no " VF_SETUP_APPARMOR_QEMU ")"));
        return;
    }
    if (vf_setup_kvmfr_loaded(setup->host))
        rules[1] = VF_SETUP_KVMFR_RULE;
    current = vf_setup_read_file(setup, VF_SETUP_LG_APPARMOR);
    text = g_string_new(current);
    for (guint i = 0; i < G_N_ELEMENTS(rules) && rules[i]; i++) {
        if (vf_setup_text_has_line(current, rules[i]))
            continue;
        if (added->len == 0) {
            if (text->len && text->str[text->len - 1] != '\n')
                g_string_append_c(text, '\n');
            g_string_append(text, "# Looking Glass: added by 'virtflow setup' ('virtflow setup "
                                  "--undo' takes it out)\n");
        }
        g_string_append_printf(text, "%s\n", rules[i]);
        g_string_append_printf(added, "%s'%s'", added->len ? " and " : "", rules[i]);
    }
    if (added->len == 0) {
        vf_setup_add(setup, "looking-glass-apparmor", VF_ACTION_NONE, VF_SETUP_SKIPPED,
                     VF_SETUP_LG_APPARMOR, title,
                     g_strdup(VF_SETUP_LG_APPARMOR " lets QEMU open " VF_SETUP_LG_SHM));
        return;
    }
    item = vf_setup_add(setup, "looking-glass-apparmor", VF_ACTION_WRITE_FILE, VF_SETUP_PENDING,
                        VF_SETUP_LG_APPARMOR, title,
                        g_strdup_printf("Add %s to " VF_SETUP_LG_APPARMOR "%s; then reload "
                                        "AppArmor ('systemctl reload apparmor')",
                                        added->str, current ? " (backed up)" : ""));
    item->content = g_string_free(g_steal_pointer(&text), FALSE);
}

/* kvmfr is Looking Glass's faster path, never required: reported, and qemu.conf (one list
 * the user owns, whose default must be repeated whole) is left to the user. */
static void
vf_setup_plan_kvmfr(VfSetup *setup)
{
    char *title = g_strdup("Looking Glass through kvmfr (optional)");

    if (!vf_setup_kvmfr_loaded(setup->host))
        vf_setup_add(setup, "kvmfr", VF_ACTION_NONE, VF_SETUP_SKIPPED, NULL, title,
                     g_strdup("The kvmfr module is not loaded: Looking Glass uses " VF_SETUP_LG_SHM
                              " (kvmfr is optional)"));
    else if (vf_setup_qemu_conf_allows_kvmfr(setup->host))
        vf_setup_add(setup, "kvmfr", VF_ACTION_NONE, VF_SETUP_SKIPPED, VF_SETUP_QEMU_CONF, title,
                     g_strdup("kvmfr is loaded and the cgroup_device_acl of " VF_SETUP_QEMU_CONF
                              " lists /dev/kvmfr0"));
    else
        vf_setup_add(
            setup, "kvmfr", VF_ACTION_NONE, VF_SETUP_MANUAL, VF_SETUP_QEMU_CONF, title,
            g_strdup_printf("kvmfr is loaded: to use /dev/kvmfr0 rather than " VF_SETUP_LG_SHM
                            ", uncomment cgroup_device_acl in " VF_SETUP_QEMU_CONF " (keep its "
                            "entries), add \"/dev/kvmfr0\", restart libvirtd, and give /dev/kvmfr0 "
                            "to %s with a udev rule (SUBSYSTEM==\"kvmfr\", OWNER=\"%s\", "
                            "GROUP=\"" VF_SETUP_LG_GROUP "\", MODE=\"0660\"); setup does not edit "
                            "qemu.conf",
                            setup->user ? setup->user : "the desktop user",
                            setup->user ? setup->user : "USER"));
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

/* Reads the manifest, a plain file of setup's own (never through a link), and checks it:
 * a damaged one refuses setup and undo before anything is changed. */
static gboolean
vf_setup_load_manifest(VfSetup *setup, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize length = 0;
    GKeyFile *parsed;
    GStatBuf st;

    if (g_lstat(setup->manifest_path, &st) != 0) {
        if (errno == ENOENT)
            return TRUE;
        vf_error_set_errno(error, errno, "Cannot read setup's manifest '%s'", setup->manifest_path);
        return FALSE;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > VF_SETUP_MANIFEST_MAX) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Setup's manifest '%s' is %s: refusing to use it; nothing was changed. "
                    "Move it away and compare the files it would touch by hand",
                    setup->manifest_path,
                    S_ISREG(st.st_mode) ? "larger than setup ever writes" : "not a plain file");
        return FALSE;
    }
    if (!g_file_get_contents(setup->manifest_path, &text, &length, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot read setup's manifest '%s': %s",
                    setup->manifest_path, local->message);
        return FALSE;
    }
    parsed = vf_setup_manifest_parse(text, length, &local);
    if (parsed == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Setup's manifest '%s' is damaged or was tampered with: %s; refusing to use "
                    "it, nothing was changed. Move it away and compare the files it would touch "
                    "by hand",
                    setup->manifest_path, local->message);
        return FALSE;
    }
    g_key_file_free(setup->manifest);
    setup->manifest = parsed;
    return TRUE;
}

VfSetup *
vf_setup_new(VfHost *host, VfSetupFlags flags, GError **error)
{
    return vf_setup_new_for_user(host, flags, NULL, error);
}

VfSetup *
vf_setup_new_for_user(VfHost *host, VfSetupFlags flags, const char *user, GError **error)
{
    g_autoptr(VfSetup) setup = vf_setup_alloc(host, FALSE);
    gboolean hook;
    guint uid = 0;

    setup->flags = flags;
    if (user) {
        if (!vf_setup_is_user_name(user)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is not a user name: --user takes the name of the desktop user "
                        "who runs the Looking Glass client",
                        user);
            return NULL;
        }
        if (!g_str_equal(user, "root") &&
            !vf_setup_lookup_entry(host, FALSE, 0, user, NULL, &uid)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "There is no user '%s' on this host: --user takes the name of the "
                        "desktop user who runs the Looking Glass client",
                        user);
            return NULL;
        }
        if (uid == 0) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is root: Looking Glass's shared memory is for the desktop user; "
                        "name that user with --user NAME",
                        user);
            return NULL;
        }
        setup->user = g_strdup(user);
    } else {
        setup->user = vf_setup_find_desktop_user(host);
    }
    if (!vf_setup_load_manifest(setup, error))
        return NULL;
    vf_setup_plan_iommu(setup, flags);
    vf_setup_plan_modules(setup);
    vf_setup_plan_modules_load(setup);
    hook = vf_setup_plan_hook(setup);
    vf_setup_plan_daemon(setup, hook, "the hook was just installed");
    vf_setup_plan_looking_glass(setup);
    vf_setup_plan_apparmor(setup);
    vf_setup_plan_kvmfr(setup);
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
        int managed = vf_setup_managed_index(path);
        const char *id;
        char *title;

        if (g_str_equal(path, VF_SETUP_DIRS))
            continue;
        /* vf_setup_manifest_parse() let no other group through */
        g_assert(managed >= 0);
        id = vf_setup_managed[managed].id;
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
        g_autofree char *relative = vf_setup_backup_name(path);
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
        /* rwx bits only: the manifest refuses more (a tampered setuid mode) */
        g_key_file_set_integer(setup->manifest, path, "mode", st.st_mode & 0777);
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
        int mode = g_key_file_get_integer(setup->manifest, path, "mode", NULL) & 0777;
        GStatBuf st;

        /* the manifest named setup's own backup (vf_setup_manifest_parse); it must be the
         * plain file setup wrote there, not a link to somewhere else */
        if (g_lstat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The backup of '%s' ('%s') is %s: '%s' is left as it is", real, file,
                        g_lstat(file, &st) != 0 ? "missing" : "not a plain file", real);
            return FALSE;
        }
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

    /* deepest first (the longest path of a chain is its deepest); each one is a parent
     * of a file setup manages (vf_setup_manifest_parse) */
    for (guint n = dirs ? g_strv_length(dirs) : 0; n > 0; n--) {
        guint deepest = 0;
        g_autofree char *real = NULL;

        for (guint i = 1; i < n; i++)
            if (strlen(dirs[i]) > strlen(dirs[deepest]))
                deepest = i;
        real = vf_host_dup_real_path(setup->host, dirs[deepest]);
        (void)g_rmdir(real); /* not empty: something else lives there now; it stays */
        g_free(dirs[deepest]);
        dirs[deepest] = dirs[n - 1];
        dirs[n - 1] = NULL;
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
    const char *verb[5] = {"setup", NULL, NULL, NULL, NULL};
    guint n = 1;

    if (setup->undo)
        verb[n++] = "--undo";
    else if (setup->flags & VF_SETUP_GRUB)
        verb[n++] = "--grub";
    /* the helper runs with a clean environment: the user found here is passed on */
    if (!setup->undo && setup->user) {
        verb[n++] = "--user";
        verb[n++] = setup->user;
    }
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
