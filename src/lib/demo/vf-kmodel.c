/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "demo/vf-kmodel.h"

#include "host/vf-pci.h"
#include "core/vf-error.h"
#include "core/vf-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_KMODEL_FILE ".vf-kmodel"

typedef struct {
    VfKmodelOp op;
    char *target; /* address or module, NULL: any */
    int errsv;
    guint countdown;
} VfKmodelFault;

struct _VfKmodel {
    GMutex lock;
    char *root;
    GKeyFile *state; /* the model's knowledge: natural drivers, groups, modules */
    GPtrArray *faults;
    guint n_writes;
    guint hang_ms;
    guint grow_ms; /* how long growing a huge page pool takes (compaction, migration) */
};

static const VfHostBackend vf_kmodel_backend;

/* ---- paths ---- */

static char *
vf_kmodel_real(const char *root, const char *rel)
{
    while (*rel == '/')
        rel++;
    return g_build_filename(root, rel, NULL);
}

/* A relative symlink target from directory @from_dir to @to (both root-relative), the way
 * sysfs writes its links, so the tree can be moved and --host-root still works. */
static char *
vf_kmodel_relative(const char *from_dir, const char *to)
{
    g_auto(GStrv) a = g_strsplit(from_dir, "/", -1);
    g_auto(GStrv) b = g_strsplit(to, "/", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    guint i = 0;

    while (a[i] && b[i] && g_str_equal(a[i], b[i]))
        i++;
    for (guint j = i; a[j]; j++)
        if (*a[j])
            g_string_append(out, "../");
    for (guint j = i; b[j]; j++) {
        g_string_append(out, b[j]);
        if (b[j + 1])
            g_string_append_c(out, '/');
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
vf_kmodel_write_file(const char *root, const char *rel, const char *contents)
{
    g_autofree char *path = vf_kmodel_real(root, rel);
    g_autofree char *dir = g_path_get_dirname(path);

    g_mkdir_with_parents(dir, 0755);
    return g_file_set_contents(path, contents, -1, NULL);
}

static void
vf_kmodel_mkdir(const char *root, const char *rel)
{
    g_autofree char *path = vf_kmodel_real(root, rel);

    g_mkdir_with_parents(path, 0755);
}

/* ln -s (relative) TO LINK */
static void
vf_kmodel_link(const char *root, const char *link_rel, const char *to_rel)
{
    g_autofree char *path = vf_kmodel_real(root, link_rel);
    g_autofree char *dir_rel = g_path_get_dirname(link_rel);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *target = vf_kmodel_relative(dir_rel, to_rel);

    g_mkdir_with_parents(dir, 0755);
    g_unlink(path);
    if (symlink(target, path) < 0)
        g_warning("symlink %s -> %s: %s", path, target, g_strerror(errno));
}

static void
vf_kmodel_rm_rf(const char *path)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;
    struct stat st;

    if (lstat(path, &st) < 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        g_unlink(path);
        return;
    }
    dir = g_dir_open(path, 0, NULL);
    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        vf_kmodel_rm_rf(child);
    }
    g_rmdir(path);
}

static char *
vf_kmodel_module_canon(const char *name)
{
    return g_strdelimit(g_strdup(name), "-", '_');
}

static void
vf_kmodel_save(VfKmodel *m)
{
    g_autofree char *path = vf_kmodel_real(m->root, VF_KMODEL_FILE);

    if (!g_key_file_save_to_file(m->state, path, NULL))
        g_warning("cannot save the model's state to %s", path);
}

/* ---- the device core ---- */

static char *
vf_kmodel_dev_group(const char *address)
{
    return g_strconcat("device ", address, NULL);
}

static char *
vf_kmodel_dev_get(VfKmodel *m, const char *address, const char *key)
{
    g_autofree char *group = vf_kmodel_dev_group(address);
    char *value = g_key_file_get_string(m->state, group, key, NULL);

    if (value && *value == '\0')
        g_clear_pointer(&value, g_free);
    return value;
}

static gboolean
vf_kmodel_dev_exists(VfKmodel *m, const char *address)
{
    g_autofree char *group = vf_kmodel_dev_group(address);

    return g_key_file_has_group(m->state, group);
}

static char *
vf_kmodel_dev_dir(VfKmodel *m, const char *address)
{
    return vf_kmodel_dev_get(m, address, "dir");
}

static char *
vf_kmodel_current_driver(VfKmodel *m, const char *address)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *link_rel = g_strconcat(dir, "/driver", NULL);
    g_autofree char *path = vf_kmodel_real(m->root, link_rel);
    g_autofree char *target = g_file_read_link(path, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

static char *
vf_kmodel_override(VfKmodel *m, const char *address)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *rel = g_strconcat(dir, "/driver_override", NULL);
    g_autofree char *path = vf_kmodel_real(m->root, rel);
    char *value = NULL;

    g_file_get_contents(path, &value, NULL, NULL);
    if (value)
        g_strchomp(value);
    if (value && g_str_equal(value, "(null)"))
        g_clear_pointer(&value, g_free);
    return value;
}

static gboolean
vf_kmodel_driver_registered(VfKmodel *m, const char *driver)
{
    g_autofree char *rel = g_strconcat("sys/bus/pci/drivers/", driver, NULL);
    g_autofree char *path = vf_kmodel_real(m->root, rel);

    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

static gchar **
vf_kmodel_addresses(VfKmodel *m)
{
    g_auto(GStrv) groups = g_key_file_get_groups(m->state, NULL);
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; groups[i]; i++)
        if (g_str_has_prefix(groups[i], "device "))
            g_ptr_array_add(out, g_strdup(groups[i] + strlen("device ")));
    g_ptr_array_add(out, NULL);
    return (gchar **)g_ptr_array_free(out, FALSE);
}

/* /proc/fb: "0 nvidia-drmdrmfb", one line per DRM framebuffer console now registered. */
static void
vf_kmodel_write_proc_fb(VfKmodel *m)
{
    g_auto(GStrv) addrs = vf_kmodel_addresses(m);
    g_autoptr(GString) out = g_string_new(NULL);
    gboolean any = FALSE;

    for (guint i = 0; addrs[i]; i++) {
        g_autofree char *fb = vf_kmodel_dev_get(m, addrs[i], "fb");
        g_autofree char *dir = NULL;
        g_autofree char *rel = NULL;
        g_autofree char *path = NULL;
        g_autofree char *driver = NULL;

        if (fb == NULL || !g_str_has_prefix(fb, "fb"))
            continue;
        any = TRUE;
        dir = vf_kmodel_dev_dir(m, addrs[i]);
        rel = g_strconcat(dir, "/graphics/", fb, NULL);
        path = vf_kmodel_real(m->root, rel);
        if (!g_file_test(path, G_FILE_TEST_IS_DIR))
            continue;
        driver = vf_kmodel_dev_get(m, addrs[i], "driver");
        /* drm_fb_helper names it after the DRM driver: "nvidia-drm" + "drmfb" */
        g_string_append_printf(out, "%s %sdrmfb\n", fb + 2,
                               g_strcmp0(driver, "nvidia") == 0 ? "nvidia-drm" : driver);
    }
    if (any)
        vf_kmodel_write_file(m->root, "proc/fb", out->str);
}

/* A DRM driver's framebuffer console: DEV/graphics/fbN, /sys/class/graphics/fbN. */
static void
vf_kmodel_framebuffer(VfKmodel *m, const char *address, const char *dir, gboolean present)
{
    g_autofree char *fb = vf_kmodel_dev_get(m, address, "fb");
    g_autofree char *fb_rel = NULL;
    g_autofree char *class_rel = NULL;
    g_autofree char *device_rel = NULL;

    if (fb == NULL)
        return;
    fb_rel = g_strconcat(dir, "/graphics/", fb, NULL);
    class_rel = g_strconcat("sys/class/graphics/", fb, NULL);
    device_rel = g_strconcat(fb_rel, "/device", NULL);
    if (present) {
        vf_kmodel_mkdir(m->root, fb_rel);
        vf_kmodel_link(m->root, device_rel, dir);
        vf_kmodel_link(m->root, class_rel, fb_rel);
    } else {
        g_autofree char *graphics_rel = g_strconcat(dir, "/graphics", NULL);
        g_autofree char *graphics = vf_kmodel_real(m->root, graphics_rel);
        g_autofree char *class_link = vf_kmodel_real(m->root, class_rel);

        vf_kmodel_rm_rf(graphics);
        g_unlink(class_link);
    }
    vf_kmodel_write_proc_fb(m);
}

typedef struct {
    guint64 start;
    guint64 end;
    guint depth;
    char *name;
} VfKmodelIomem;

static gint
vf_kmodel_iomem_cmp(gconstpointer a, gconstpointer b)
{
    const VfKmodelIomem *x = a;
    const VfKmodelIomem *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return g_strcmp0(x->name, y->name);
}

static void
vf_kmodel_iomem_clear(gpointer data)
{
    g_free(((VfKmodelIomem *)data)->name);
}

static void
vf_kmodel_iomem_add(GArray *out, guint64 start, guint64 end, guint depth, const char *name)
{
    VfKmodelIomem e = {start, end, depth, g_strdup(name)};

    g_array_append_val(out, e);
}

/*
 * /proc/iomem as root reads it: each device's BARs, the natural driver's claim under each
 * while it is bound (vfio-pci claims them only when QEMU maps them), and a firmware
 * framebuffer inside BAR 1:
 *       4000000000-400fffffff : 0000:01:00.0
 *         4000000000-40007fffff : BOOTFB
 */
static void
vf_kmodel_write_iomem(VfKmodel *m)
{
    g_auto(GStrv) addrs = NULL;
    g_autoptr(GArray) entries = NULL;
    g_autoptr(GString) out = NULL;

    if (!g_key_file_get_boolean(m->state, "host", "iomem", NULL))
        return;
    addrs = vf_kmodel_addresses(m);
    entries = g_array_new(FALSE, FALSE, sizeof(VfKmodelIomem));
    g_array_set_clear_func(entries, vf_kmodel_iomem_clear);
    out = g_string_new("00000000-00000fff : Reserved\n00001000-0009ffff : System RAM\n");
    vf_kmodel_iomem_add(entries, 0xfed00000, 0xfed003ff, 0, "HPET 0");
    for (guint i = 0; addrs[i]; i++) {
        g_autofree char *bars = vf_kmodel_dev_get(m, addrs[i], "bars");
        g_autofree char *natural = vf_kmodel_dev_get(m, addrs[i], "driver");
        g_autofree char *current = vf_kmodel_current_driver(m, addrs[i]);
        g_autofree char *boot_fb = vf_kmodel_dev_get(m, addrs[i], "boot_fb");
        g_auto(GStrv) list = bars ? g_strsplit(bars, " ", -1) : NULL;

        for (guint b = 0; list && list[b]; b++) {
            guint64 start = g_ascii_strtoull(list[b], NULL, 16);
            const char *dash = strchr(list[b], '-');
            guint64 end = dash ? g_ascii_strtoull(dash + 1, NULL, 16) : start;

            vf_kmodel_iomem_add(entries, start, end, 1, addrs[i]);
            if (current && g_strcmp0(current, natural) == 0)
                vf_kmodel_iomem_add(entries, start, end, 2, natural);
            if (b == 1 && boot_fb)
                vf_kmodel_iomem_add(entries, start, start + 0x7fffff, 2, boot_fb);
        }
    }
    g_array_sort(entries, vf_kmodel_iomem_cmp);
    for (guint i = 0; i < entries->len; i++) {
        const VfKmodelIomem *e = &g_array_index(entries, VfKmodelIomem, i);

        g_string_append_printf(out, "%*s%08" G_GINT64_MODIFIER "x-%08" G_GINT64_MODIFIER "x : %s\n",
                               (int)(2 * e->depth), "", e->start, e->end, e->name);
    }
    vf_kmodel_write_file(m->root, "proc/iomem", out->str);
}

/* DRM and ALSA children appear when the natural driver binds and go when it leaves. */
static void
vf_kmodel_children(VfKmodel *m, const char *address, gboolean present)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *drm = vf_kmodel_dev_get(m, address, "drm");
    g_autofree char *connectors = vf_kmodel_dev_get(m, address, "connectors");
    g_autofree char *sound = vf_kmodel_dev_get(m, address, "sound");
    g_auto(GStrv) nodes = drm ? g_strsplit(drm, " ", -1) : NULL;
    g_autofree char *drm_rel = g_strconcat(dir, "/drm", NULL);
    g_autofree char *sound_rel = g_strconcat(dir, "/sound", NULL);

    for (guint i = 0; nodes && nodes[i]; i++) {
        g_autofree char *class_link = g_strconcat("sys/class/drm/", nodes[i], NULL);
        g_autofree char *node_rel = g_strconcat(drm_rel, "/", nodes[i], NULL);

        if (!present) {
            g_autofree char *p = vf_kmodel_real(m->root, class_link);

            g_unlink(p);
            continue;
        }
        vf_kmodel_mkdir(m->root, node_rel);
        vf_kmodel_link(m->root, class_link, node_rel);
        if (g_str_has_prefix(nodes[i], "card") && connectors) {
            g_auto(GStrv) conns = g_strsplit(connectors, " ", -1);

            for (guint c = 0; conns[c]; c++) {
                g_auto(GStrv) f = g_strsplit(conns[c], ":", 4);
                g_autofree char *conn_rel = NULL;
                g_autofree char *status_rel = NULL;
                g_autofree char *enabled_rel = NULL;

                if (g_strv_length(f) < 3)
                    continue;
                conn_rel = g_strconcat(node_rel, "/", nodes[i], "-", f[0], NULL);
                status_rel = g_strconcat(conn_rel, "/status", NULL);
                enabled_rel = g_strconcat(conn_rel, "/enabled", NULL);
                vf_kmodel_write_file(m->root, status_rel, f[1]);
                vf_kmodel_write_file(m->root, enabled_rel, f[2]);
                if (f[3]) {
                    /* the modes the monitor offers, one a line as the kernel lists them */
                    g_auto(GStrv) modes = g_strsplit(f[3], ",", -1);
                    g_autofree char *text = g_strjoinv("\n", modes);
                    g_autofree char *modes_rel = g_strconcat(conn_rel, "/modes", NULL);
                    g_autofree char *line = g_strconcat(text, "\n", NULL);

                    vf_kmodel_write_file(m->root, modes_rel, line);
                }
            }
        }
    }
    if (!present) {
        g_autofree char *p = vf_kmodel_real(m->root, drm_rel);
        g_autofree char *s = vf_kmodel_real(m->root, sound_rel);

        vf_kmodel_rm_rf(p);
        vf_kmodel_rm_rf(s);
    } else if (sound) {
        g_autofree char *card_rel = g_strconcat(sound_rel, "/", sound, NULL);

        vf_kmodel_mkdir(m->root, card_rel);
    }
    vf_kmodel_framebuffer(m, address, dir, present);
}

static gboolean
vf_kmodel_group_on_vfio(VfKmodel *m, const char *group, const char *except)
{
    g_auto(GStrv) addrs = vf_kmodel_addresses(m);

    for (guint i = 0; addrs[i]; i++) {
        g_autofree char *g = vf_kmodel_dev_get(m, addrs[i], "group");
        g_autofree char *drv = NULL;

        if (g_strcmp0(g, group) != 0 || g_strcmp0(addrs[i], except) == 0)
            continue;
        drv = vf_kmodel_current_driver(m, addrs[i]);
        if (g_strcmp0(drv, "vfio-pci") == 0)
            return TRUE;
    }
    return FALSE;
}

static void
vf_kmodel_attach_driver(VfKmodel *m, const char *address, const char *driver)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *natural = vf_kmodel_dev_get(m, address, "driver");
    g_autofree char *group = vf_kmodel_dev_get(m, address, "group");
    g_autofree char *drv_rel = g_strconcat("sys/bus/pci/drivers/", driver, NULL);
    g_autofree char *link_rel = g_strconcat(dir, "/driver", NULL);
    g_autofree char *back_rel = g_strconcat(drv_rel, "/", address, NULL);

    vf_kmodel_link(m->root, link_rel, drv_rel);
    vf_kmodel_link(m->root, back_rel, dir);
    if (g_str_equal(driver, "vfio-pci") && group) {
        g_autofree char *node = g_strconcat("dev/vfio/", group, NULL);

        vf_kmodel_write_file(m->root, node, "");
    }
    if (g_strcmp0(driver, natural) == 0) {
        g_autofree char *drm = vf_kmodel_dev_get(m, address, "drm");
        g_autofree char *boot_fb = vf_kmodel_dev_get(m, address, "boot_fb");

        vf_kmodel_children(m, address, TRUE);
        /* a DRM driver takes the GPU over from the firmware's framebuffer
         * (aperture_remove_conflicting_pci_devices): BOOTFB leaves /proc/iomem */
        if (drm && boot_fb) {
            g_autofree char *dev_group = vf_kmodel_dev_group(address);

            g_key_file_set_string(m->state, dev_group, "boot_fb", "");
            vf_kmodel_save(m);
        }
    }
    vf_kmodel_write_iomem(m);
}

static void
vf_kmodel_detach_driver(VfKmodel *m, const char *address, const char *driver)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *group = vf_kmodel_dev_get(m, address, "group");
    g_autofree char *link_rel = g_strconcat(dir, "/driver", NULL);
    g_autofree char *back_rel = g_strconcat("sys/bus/pci/drivers/", driver, "/", address, NULL);
    g_autofree char *link = vf_kmodel_real(m->root, link_rel);
    g_autofree char *back = vf_kmodel_real(m->root, back_rel);

    g_unlink(link);
    g_unlink(back);
    vf_kmodel_children(m, address, FALSE);
    if (g_str_equal(driver, "vfio-pci") && group && !vf_kmodel_group_on_vfio(m, group, address)) {
        g_autofree char *node_rel = g_strconcat("dev/vfio/", group, NULL);
        g_autofree char *node = vf_kmodel_real(m->root, node_rel);

        g_unlink(node);
    }
    if (g_str_equal(driver, "vfio-pci")) {
        g_autofree char *dev_group = vf_kmodel_dev_group(address);

        /* a VM may have used it: the AMD reset bug shows from now on */
        if (g_key_file_get_boolean(m->state, dev_group, "reset_bug", NULL) &&
            !g_key_file_get_boolean(m->state, dev_group, "used", NULL)) {
            g_key_file_set_boolean(m->state, dev_group, "used", TRUE);
            vf_kmodel_save(m);
        }
    }
    vf_kmodel_write_iomem(m);
}

/* driver_match_device(): the override decides alone while set */
static gboolean
vf_kmodel_matches(VfKmodel *m, const char *address, const char *driver)
{
    g_autofree char *override = vf_kmodel_override(m, address);
    g_autofree char *natural = NULL;

    if (override)
        return g_str_equal(override, driver);
    natural = vf_kmodel_dev_get(m, address, "driver");
    return g_strcmp0(natural, driver) == 0;
}

/* device_attach(): the first registered driver that matches */
/* The AMD reset bug: after vfio-pci had the device, its own driver cannot bring it up
 * (amdgpu: "probe ... failed with error -110"); the driver core leaves it unbound. */
static gboolean
vf_kmodel_probe_fails(VfKmodel *m, const char *address, const char *driver)
{
    g_autofree char *group = vf_kmodel_dev_group(address);
    g_autofree char *natural = vf_kmodel_dev_get(m, address, "driver");

    return g_strcmp0(driver, natural) == 0 &&
           g_key_file_get_boolean(m->state, group, "reset_bug", NULL) &&
           g_key_file_get_boolean(m->state, group, "used", NULL);
}

/* nvidia's remove() waits for its usage count to reach 0 (nv_pci_remove_helper): users no
 * process shows, nvidia-persistenced or nvidia-powerd running, nvidia_drm's framebuffer
 * console on the device. */
static gboolean
vf_kmodel_nvidia_held(VfKmodel *m, const char *address)
{
    g_autofree char *dir = vf_kmodel_dev_dir(m, address);
    g_autofree char *graphics_rel = g_strconcat(dir, "/graphics", NULL);
    g_autofree char *graphics = vf_kmodel_real(m->root, graphics_rel);
    g_autofree char *proc = vf_kmodel_real(m->root, "proc");
    g_autoptr(GDir) pids = NULL;
    const char *name;

    if (g_key_file_get_integer(m->state, "host", "nvidia-hidden", NULL) > 0 ||
        g_file_test(graphics, G_FILE_TEST_IS_DIR))
        return TRUE;
    pids = g_dir_open(proc, 0, NULL);
    while (pids && (name = g_dir_read_name(pids)) != NULL) {
        g_autofree char *comm_path = g_build_filename(proc, name, "comm", NULL);
        g_autofree char *comm = NULL;

        if (!g_ascii_isdigit(*name) || !g_file_get_contents(comm_path, &comm, NULL, NULL))
            continue;
        g_strchomp(comm);
        if (g_str_equal(comm, "nvidia-persiste") || g_str_equal(comm, "nvidia-powerd"))
            return TRUE;
    }
    return FALSE;
}

/* An nvidia unbind that started while the GPU was held never finishes: that write and
 * every later one on the device block (the device stays half removed). */
static gboolean
vf_kmodel_unbind_hangs(VfKmodel *m, const char *address, const char *driver)
{
    g_autofree char *group = vf_kmodel_dev_group(address);

    if (g_key_file_get_boolean(m->state, group, "removing", NULL))
        return TRUE;
    if (g_strcmp0(driver, "nvidia") != 0 || !vf_kmodel_nvidia_held(m, address))
        return FALSE;
    g_key_file_set_boolean(m->state, group, "removing", TRUE);
    vf_kmodel_save(m);
    return TRUE;
}

static gboolean
vf_kmodel_removing(VfKmodel *m, const char *address)
{
    g_autofree char *group = vf_kmodel_dev_group(address);

    return g_key_file_get_boolean(m->state, group, "removing", NULL);
}

static void
vf_kmodel_probe(VfKmodel *m, const char *address)
{
    g_autofree char *override = vf_kmodel_override(m, address);
    g_autofree char *natural = vf_kmodel_dev_get(m, address, "driver");
    const char *candidate = override ? override : natural;
    g_autofree char *current = vf_kmodel_current_driver(m, address);

    if (current || candidate == NULL || vf_kmodel_probe_fails(m, address, candidate))
        return;
    if (vf_kmodel_driver_registered(m, candidate))
        vf_kmodel_attach_driver(m, address, candidate);
}

static int
vf_kmodel_load_locked(VfKmodel *m, const char *name)
{
    g_autofree char *canon = vf_kmodel_module_canon(name);
    g_autofree char *drivers = g_key_file_get_string(m->state, "modules", canon, NULL);
    g_autofree char *initstate = g_strconcat("sys/module/", canon, "/initstate", NULL);
    g_auto(GStrv) list = NULL;
    g_auto(GStrv) addrs = NULL;

    if (drivers == NULL)
        return ENOENT;
    vf_kmodel_write_file(m->root, initstate, "live");
    if (g_str_equal(canon, "vfio"))
        vf_kmodel_write_file(m->root, "dev/vfio/vfio", "");
    list = g_strsplit(drivers, " ", -1);
    addrs = vf_kmodel_addresses(m);
    for (guint i = 0; list[i]; i++) {
        g_autofree char *drv_rel = NULL;
        g_autofree char *mod_rel = NULL;

        if (*list[i] == '\0' || vf_kmodel_driver_registered(m, list[i]))
            continue;
        drv_rel = g_strconcat("sys/bus/pci/drivers/", list[i], NULL);
        for (const char *const *f = (const char *const[]){"bind", "unbind", "new_id", NULL}; *f;
             f++) {
            g_autofree char *file = g_strconcat(drv_rel, "/", *f, NULL);

            vf_kmodel_write_file(m->root, file, "");
        }
        mod_rel = g_strconcat(drv_rel, "/module", NULL);
        {
            g_autofree char *to = g_strconcat("sys/module/", canon, NULL);

            vf_kmodel_link(m->root, mod_rel, to);
        }
        /* driver registration probes every unbound device it matches */
        for (guint a = 0; addrs[a]; a++) {
            g_autofree char *current = vf_kmodel_current_driver(m, addrs[a]);

            if (current == NULL && vf_kmodel_matches(m, addrs[a], list[i]) &&
                !vf_kmodel_probe_fails(m, addrs[a], list[i]))
                vf_kmodel_attach_driver(m, addrs[a], list[i]);
        }
    }
    return 0;
}

static gboolean
vf_kmodel_take_fault(VfKmodel *m, VfKmodelOp op, const char *target, int *ret_errsv)
{
    for (guint i = 0; i < m->faults->len; i++) {
        VfKmodelFault *f = m->faults->pdata[i];

        if (f->op != op || (f->target && g_strcmp0(f->target, target) != 0))
            continue;
        if (--f->countdown > 0)
            continue;
        *ret_errsv = f->errsv;
        g_ptr_array_remove_index(m->faults, i); /* frees @f and its target */
        return TRUE;
    }
    return FALSE;
}

static int
vf_kmodel_fail(VfKmodel *m, int errsv)
{
    if (errsv == VF_KMODEL_HANG) {
        /* a driver stuck in its remove(): the caller's deadline fires first */
        g_mutex_unlock(&m->lock);
        g_usleep((gulong)m->hang_ms * 1000);
        g_mutex_lock(&m->lock);
        return EINTR;
    }
    return errsv;
}

/* ---- huge pages (issue 14) ---- */

#define VF_KMODEL_HUGEPAGES "/sys/kernel/mm/hugepages/"

/* mm/hugetlb.c: nr_hugepages_store() → set_max_huge_pages(): the pool grows by what the
 * allocator finds (here: up to the model's max) and shrinks only by free pages. */
static int
vf_kmodel_set_nr_hugepages(VfKmodel *m, const char *path, const char *value)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *name = g_path_get_basename(dir); /* hugepages-2048kB */
    g_autofree char *nr_rel = g_strconcat(dir, "/nr_hugepages", NULL);
    g_autofree char *free_rel = g_strconcat(dir, "/free_hugepages", NULL);
    g_autofree char *nr_text = NULL;
    g_autofree char *free_text = NULL;
    g_autofree char *nr_path = vf_kmodel_real(m->root, nr_rel);
    g_autofree char *free_path = vf_kmodel_real(m->root, free_rel);
    guint64 want, nr, free, used, max, now;

    if (!g_key_file_has_group(m->state, name))
        return ENOENT;
    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &want, NULL))
        return EINVAL;
    if (!g_file_get_contents(nr_path, &nr_text, NULL, NULL) ||
        !g_file_get_contents(free_path, &free_text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(nr_text), 10, 0, G_MAXUINT32, &nr, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(free_text), 10, 0, nr, &free, NULL))
        return EIO;
    max = (guint64)g_key_file_get_uint64(m->state, name, "max", NULL);
    used = nr - free;
    now = MAX(MIN(want, MAX(max, nr)), used);
    if (now > nr && m->grow_ms)
        g_usleep((gulong)m->grow_ms * 1000); /* the allocator compacts and migrates first */
    {
        g_autofree char *a = g_strdup_printf("%" G_GUINT64_FORMAT "\n", now);
        g_autofree char *b = g_strdup_printf("%" G_GUINT64_FORMAT "\n", now - used);

        vf_kmodel_write_file(m->root, nr_rel, a);
        vf_kmodel_write_file(m->root, free_rel, b);
    }
    return 0;
}

gboolean
vf_kmodel_add_hugepages(const char *root, guint64 size_kib, guint64 nr, guint64 free, guint64 max,
                        GError **error)
{
    g_autofree char *path = vf_kmodel_real(root, VF_KMODEL_FILE);
    g_autoptr(GKeyFile) state = g_key_file_new();
    g_autofree char *name = g_strdup_printf("hugepages-%" G_GUINT64_FORMAT "kB", size_kib);
    g_autofree char *dir = g_strconcat("sys/kernel/mm/hugepages/", name, NULL);
    g_autofree char *nr_rel = g_strconcat(dir, "/nr_hugepages", NULL);
    g_autofree char *free_rel = g_strconcat(dir, "/free_hugepages", NULL);
    g_autofree char *nr_text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", nr);
    g_autofree char *free_text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", free);

    if (!g_key_file_load_from_file(state, path, G_KEY_FILE_KEEP_COMMENTS, error))
        return FALSE;
    g_key_file_set_uint64(state, name, "max", max);
    vf_kmodel_write_file(root, nr_rel, nr_text);
    vf_kmodel_write_file(root, free_rel, free_text);
    vf_kmodel_write_file(root, "proc/sys/vm/compact_memory", "");
    return g_key_file_save_to_file(state, path, error);
}

guint
vf_kmodel_count_compactions(const char *root)
{
    g_autofree char *path = vf_kmodel_real(root, VF_KMODEL_FILE);
    g_autoptr(GKeyFile) state = g_key_file_new();

    if (!g_key_file_load_from_file(state, path, G_KEY_FILE_NONE, NULL))
        return 0;
    return (guint)g_key_file_get_integer(state, "hugepages", "compactions", NULL);
}

static int
vf_kmodel_write_locked(VfKmodel *m, const char *path, const char *value)
{
    g_autofree char *val = g_strchomp(g_strdup(value));
    const char *devices = "/sys/bus/pci/devices/";
    const char *drivers = "/sys/bus/pci/drivers/";
    int errsv;

    m->n_writes++;
    if (g_str_has_prefix(path, devices)) {
        g_autofree char *address = g_strndup(path + strlen(devices), 12);
        const char *attr = path + strlen(devices) + 12;
        g_autofree char *current = NULL;

        if (!vf_kmodel_dev_exists(m, address))
            return ENOENT;
        current = vf_kmodel_current_driver(m, address);
        if (vf_kmodel_removing(m, address))
            return vf_kmodel_fail(m, VF_KMODEL_HANG);
        if (g_str_equal(attr, "/driver_override")) {
            g_autofree char *dir = vf_kmodel_dev_dir(m, address);
            g_autofree char *rel = g_strconcat(dir, "/driver_override", NULL);
            /* the kernel shows it with a newline, "(null)\n" once cleared */
            g_autofree char *shown = g_strconcat(*val ? val : "(null)", "\n", NULL);

            if (vf_kmodel_take_fault(m, VF_KMODEL_OP_OVERRIDE, address, &errsv))
                return vf_kmodel_fail(m, errsv);
            vf_kmodel_write_file(m->root, rel, shown);
            return 0;
        }
        if (g_str_equal(attr, "/driver/unbind")) {
            if (current == NULL)
                return ENOENT; /* no driver link: the path does not exist */
            if (!g_str_equal(val, address))
                return ENODEV;
            if (vf_kmodel_take_fault(m, VF_KMODEL_OP_UNBIND, address, &errsv))
                return vf_kmodel_fail(m, errsv);
            if (vf_kmodel_unbind_hangs(m, address, current))
                return vf_kmodel_fail(m, VF_KMODEL_HANG);
            vf_kmodel_detach_driver(m, address, current);
            return 0;
        }
        return EACCES;
    }
    if (g_str_equal(path, "/sys/bus/pci/drivers_probe")) {
        if (!vf_kmodel_dev_exists(m, val))
            return ENODEV;
        if (vf_kmodel_removing(m, val))
            return vf_kmodel_fail(m, VF_KMODEL_HANG);
        if (vf_kmodel_take_fault(m, VF_KMODEL_OP_PROBE, val, &errsv))
            return vf_kmodel_fail(m, errsv);
        vf_kmodel_probe(m, val);
        return 0;
    }
    if (g_str_has_prefix(path, drivers)) {
        g_autofree char *action = g_path_get_basename(path); /* "bind" or "unbind" */
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *name = g_path_get_basename(dir); /* the driver */
        g_autofree char *current = NULL;

        if (!vf_kmodel_driver_registered(m, name))
            return ENOENT;
        if (!vf_kmodel_dev_exists(m, val))
            return ENODEV;
        current = vf_kmodel_current_driver(m, val);
        if (g_str_equal(action, "unbind")) {
            if (g_strcmp0(current, name) != 0)
                return ENODEV;
            if (vf_kmodel_take_fault(m, VF_KMODEL_OP_UNBIND, val, &errsv))
                return vf_kmodel_fail(m, errsv);
            if (vf_kmodel_unbind_hangs(m, val, name))
                return vf_kmodel_fail(m, VF_KMODEL_HANG);
            vf_kmodel_detach_driver(m, val, name);
            return 0;
        }
        if (g_str_equal(action, "bind")) {
            if (current)
                return EBUSY;
            if (!vf_kmodel_matches(m, val, name))
                return ENODEV;
            if (vf_kmodel_take_fault(m, VF_KMODEL_OP_BIND, val, &errsv))
                return vf_kmodel_fail(m, errsv);
            if (vf_kmodel_probe_fails(m, val, name))
                return ETIMEDOUT; /* the probe's error, as the bind write returns it */
            vf_kmodel_attach_driver(m, val, name);
            return 0;
        }
    }
    /* mm/compaction.c sysctl_compaction_handler(): only "1" is accepted */
    if (g_str_equal(path, "/proc/sys/vm/compact_memory")) {
        if (!g_str_equal(val, "1"))
            return EINVAL;
        g_key_file_set_integer(m->state, "hugepages", "compactions",
                               g_key_file_get_integer(m->state, "hugepages", "compactions", NULL) +
                                   1);
        vf_kmodel_save(m);
        return 0;
    }
    if (g_str_has_prefix(path, VF_KMODEL_HUGEPAGES) && g_str_has_suffix(path, "/nr_hugepages") &&
        strchr(path + strlen(VF_KMODEL_HUGEPAGES), '/') ==
            path + strlen(path) - strlen("/nr_hugepages"))
        return vf_kmodel_set_nr_hugepages(m, path, val);
    return EACCES;
}

static int
vf_kmodel_backend_write(gpointer data, const char *path, const char *value)
{
    VfKmodel *m = data;
    int rc;

    g_mutex_lock(&m->lock);
    rc = vf_kmodel_write_locked(m, path, value);
    g_mutex_unlock(&m->lock);
    return rc;
}

static int
vf_kmodel_backend_load(gpointer data, const char *name)
{
    VfKmodel *m = data;
    int rc, errsv;

    g_mutex_lock(&m->lock);
    if (vf_kmodel_take_fault(m, VF_KMODEL_OP_LOAD, name, &errsv))
        rc = vf_kmodel_fail(m, errsv);
    else
        rc = vf_kmodel_load_locked(m, name);
    g_mutex_unlock(&m->lock);
    return rc;
}

static void
vf_kmodel_fault_free(gpointer data)
{
    VfKmodelFault *f = data;

    g_free(f->target);
    g_free(f);
}

static void
vf_kmodel_free(gpointer data)
{
    VfKmodel *m = data;

    if (m == NULL)
        return;
    g_mutex_clear(&m->lock);
    g_free(m->root);
    g_key_file_unref(m->state);
    g_ptr_array_unref(m->faults);
    g_free(m);
}

static const VfHostBackend vf_kmodel_backend = {
    .write = vf_kmodel_backend_write,
    .load_module = vf_kmodel_backend_load,
    .free = vf_kmodel_free,
};

static VfKmodel *
vf_kmodel_new(const char *root, GKeyFile *state)
{
    VfKmodel *m = g_new0(VfKmodel, 1);

    g_mutex_init(&m->lock);
    m->root = g_strdup(root);
    m->state = g_key_file_ref(state);
    m->faults = g_ptr_array_new_with_free_func(vf_kmodel_fault_free);
    m->hang_ms = 400;
    return m;
}

/*
 * Faults another process set for this tree (tests of separate programs, e.g. a helper
 * killed while the kernel hangs): group [faults] of the state file,
 *
 *   hang = unbind 0000:01:00.1      (OP ADDRESS; OP: override unbind bind probe load)
 *   hang-ms = 20000
 */
static void
vf_kmodel_load_faults(VfKmodel *m, GKeyFile *state)
{
    static const char *const ops[] = {
        [VF_KMODEL_OP_OVERRIDE] = "override", [VF_KMODEL_OP_UNBIND] = "unbind",
        [VF_KMODEL_OP_BIND] = "bind",         [VF_KMODEL_OP_PROBE] = "probe",
        [VF_KMODEL_OP_LOAD] = "load",
    };
    g_autofree char *hang = g_key_file_get_string(state, "faults", "hang", NULL);
    g_auto(GStrv) words = hang ? g_strsplit(hang, " ", 2) : NULL;
    gint ms = g_key_file_get_integer(state, "faults", "hang-ms", NULL);
    int op = words ? vf_name_index(ops, VF_KMODEL_OP_LAST, words[0]) : -1;

    if (ms > 0)
        m->hang_ms = (guint)ms;
    if (op >= 0)
        vf_kmodel_inject(m, (VfKmodelOp)op, words[1], VF_KMODEL_HANG, 1);
}

char *
vf_kmodel_dup_machine(const char *root)
{
    g_autofree char *path = vf_kmodel_real(root, VF_KMODEL_FILE);
    g_autoptr(GKeyFile) state = g_key_file_new();

    if (!g_key_file_load_from_file(state, path, G_KEY_FILE_NONE, NULL))
        return NULL;
    return g_key_file_get_string(state, "host", "machine", NULL);
}

gboolean
vf_kmodel_attach(VfHost *host, GError **error)
{
    g_autofree char *path = vf_kmodel_real(vf_host_get_root(host), VF_KMODEL_FILE);
    g_autoptr(GKeyFile) state = g_key_file_new();
    VfKmodel *model;

    if (!g_key_file_load_from_file(state, path, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, "'%s' is not a VirtFlow model host: ", vf_host_get_root(host));
        return FALSE;
    }
    model = vf_kmodel_new(vf_host_get_root(host), state);
    vf_kmodel_load_faults(model, state);
    vf_host_set_backend(host, &vf_kmodel_backend, model);
    return TRUE;
}

VfKmodel *
vf_kmodel_get(VfHost *host)
{
    return vf_host_get_backend_data(host);
}

void
vf_kmodel_inject(VfKmodel *m, VfKmodelOp op, const char *address, int errsv, guint nth)
{
    VfKmodelFault *f = g_new0(VfKmodelFault, 1);

    f->op = op;
    f->target = g_strdup(address);
    f->errsv = errsv;
    f->countdown = MAX(nth, 1);
    g_mutex_lock(&m->lock);
    g_ptr_array_add(m->faults, f);
    g_mutex_unlock(&m->lock);
}

guint
vf_kmodel_get_n_writes(VfKmodel *m)
{
    guint n;

    g_mutex_lock(&m->lock);
    n = m->n_writes;
    g_mutex_unlock(&m->lock);
    return n;
}

void
vf_kmodel_set_hugepages_grow_ms(VfKmodel *m, guint ms)
{
    m->grow_ms = ms;
}

void
vf_kmodel_set_hang_ms(VfKmodel *m, guint ms)
{
    m->hang_ms = ms;
}

/* ---- building a tree ---- */

static void
vf_kmodel_module_list(GKeyFile *state, const char *list, const char *driver)
{
    g_auto(GStrv) mods = list ? g_strsplit(list, " ", -1) : NULL;

    for (guint i = 0; mods && mods[i]; i++) {
        g_autofree char *canon = NULL;

        if (*mods[i] == '\0')
            continue;
        canon = vf_kmodel_module_canon(mods[i]);
        if (!g_key_file_has_key(state, "modules", canon, NULL))
            g_key_file_set_string(state, "modules", canon, driver ? driver : "");
    }
}

static void
vf_kmodel_add_module_driver(GKeyFile *state, const char *module, const char *driver)
{
    g_autofree char *canon = vf_kmodel_module_canon(module);
    g_autofree char *cur = g_key_file_get_string(state, "modules", canon, NULL);
    g_auto(GStrv) parts = cur ? g_strsplit(cur, " ", -1) : NULL;
    g_autofree char *joined = NULL;

    if (parts && g_strv_contains((const char *const *)parts, driver))
        return;
    joined = cur && *cur ? g_strconcat(cur, " ", driver, NULL) : g_strdup(driver);
    g_key_file_set_string(state, "modules", canon, joined);
}

static char *
vf_kmodel_device_dir(const VfKmodelHost *spec, const char *address)
{
    for (const VfKmodelDevice *d = spec->devices; d->address; d++) {
        if (!g_str_equal(d->address, address))
            continue;
        if (d->parent) {
            g_autofree char *up = vf_kmodel_device_dir(spec, d->parent);

            return g_strconcat(up, "/", address, NULL);
        }
        return g_strdup_printf("sys/devices/pci%.7s/%s", address, address);
    }
    return NULL;
}

static char *
vf_kmodel_modules_file(const char *list, gboolean dep)
{
    g_auto(GStrv) mods = list ? g_strsplit(list, " ", -1) : NULL;
    GString *out = g_string_new(NULL);

    for (guint i = 0; mods && mods[i]; i++)
        if (*mods[i])
            g_string_append_printf(out, "kernel/drivers/%s.ko%s\n", mods[i], dep ? ":" : "");
    return g_string_free(out, FALSE);
}

/* ---- input devices ---- */

/* drivers/input/input.c input_print_bitmap(): the words of a bitmap, most significant
 * first, from the highest non-zero one, in hex ("120013", "ff0000 0 0 0 0"); "0" when
 * empty. Words are 64 bits, as on the 64-bit kernels VirtFlow runs on. */
static char *
vf_kmodel_bitmap(const guint *bits, guint n_bits)
{
    guint64 words[16] = {0};
    gint top = -1;
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < n_bits; i++) {
        g_assert(bits[i] < 64 * G_N_ELEMENTS(words));
        words[bits[i] / 64] |= G_GUINT64_CONSTANT(1) << (bits[i] % 64);
        top = MAX(top, (gint)(bits[i] / 64));
    }
    for (gint w = top; w >= 0; w--)
        g_string_append_printf(out, "%s%" G_GINT64_MODIFIER "x", w == top ? "" : " ", words[w]);
    if (top < 0)
        g_string_append_c(out, '0');
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

/* bits from..to, inclusive, appended to @bits */
static void
vf_kmodel_bit_range(GArray *bits, guint from, guint to)
{
    for (guint b = from; b <= to; b++)
        g_array_append_val(bits, b);
}

static void
vf_kmodel_write_caps(const char *root, const char *input_dir, VfKmodelInputCaps caps)
{
    /* include/uapi/linux/input-event-codes.h */
    enum { EV_SYN = 0, EV_KEY = 1, EV_REL = 2, EV_MSC = 4, EV_LED = 0x11, EV_REP = 0x14 };
    enum { KEY_ESC = 1, KEY_F12 = 88, KEY_POWER = 116, BTN_LEFT = 0x110, BTN_TASK = 0x117 };
    enum { REL_X = 0, REL_Y = 1, REL_HWHEEL = 6, REL_WHEEL = 8, MSC_SCAN = 4 };
    g_autoptr(GArray) ev = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) key = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) rel = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) led = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) msc = g_array_new(FALSE, FALSE, sizeof(guint));
    struct {
        const char *name;
        GArray *bits;
    } files[] = {{"ev", ev},    {"key", key}, {"rel", rel},  {"led", led}, {"msc", msc},
                 {"abs", NULL}, {"sw", NULL}, {"snd", NULL}, {"ff", NULL}};

    switch (caps) {
    case VF_KMODEL_INPUT_KEYBOARD:
    case VF_KMODEL_INPUT_MACRO_KEYS:
        vf_kmodel_bit_range(ev, EV_SYN, EV_KEY);
        vf_kmodel_bit_range(ev, EV_MSC, EV_MSC);
        vf_kmodel_bit_range(ev, EV_REP, EV_REP);
        vf_kmodel_bit_range(key, KEY_ESC, KEY_F12);
        vf_kmodel_bit_range(msc, MSC_SCAN, MSC_SCAN);
        if (caps == VF_KMODEL_INPUT_KEYBOARD) {
            vf_kmodel_bit_range(ev, EV_LED, EV_LED);
            vf_kmodel_bit_range(led, 0, 2); /* Num, Caps and Scroll Lock */
        }
        break;
    case VF_KMODEL_INPUT_MOUSE:
        vf_kmodel_bit_range(ev, EV_SYN, EV_REL);
        vf_kmodel_bit_range(ev, EV_MSC, EV_MSC);
        vf_kmodel_bit_range(key, BTN_LEFT, BTN_TASK);
        vf_kmodel_bit_range(rel, REL_X, REL_Y);
        vf_kmodel_bit_range(rel, REL_HWHEEL, REL_HWHEEL);
        vf_kmodel_bit_range(rel, REL_WHEEL, REL_WHEEL);
        vf_kmodel_bit_range(msc, MSC_SCAN, MSC_SCAN);
        break;
    case VF_KMODEL_INPUT_POWER_BUTTON:
    case VF_KMODEL_INPUT_LAST:
        vf_kmodel_bit_range(ev, EV_SYN, EV_KEY);
        vf_kmodel_bit_range(key, KEY_POWER, KEY_POWER);
        break;
    }
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *rel_path = g_strconcat(input_dir, "/capabilities/", files[i].name, NULL);
        g_autofree char *text =
            files[i].bits ? vf_kmodel_bitmap((const guint *)files[i].bits->data, files[i].bits->len)
                          : g_strdup("0\n");

        vf_kmodel_write_file(root, rel_path, text);
    }
}

/* One keyboard or mouse: what the input core (drivers/input/input.c, evdev.c) puts in sysfs
 * and what udev makes in /dev/input. */
static void
vf_kmodel_build_input(const char *root, const VfKmodelHost *spec, const VfKmodelInput *in)
{
    g_autofree char *input_dir = NULL;
    g_autofree char *event_dir = NULL;
    g_autofree char *event = g_strdup_printf("event%u", in->event);
    g_autofree char *node = g_strconcat("dev/input/", event, NULL);

    if (in->by_id) {
        g_autofree char *link = g_strconcat("dev/input/by-id/", in->by_id, NULL);

        vf_kmodel_link(root, link, node);
    }
    if (in->unplugged)
        return;
    if (in->controller) {
        g_autofree char *ctrl = vf_kmodel_device_dir(spec, in->controller);
        g_autofree char *usb = g_strdup_printf("%s/usb1/1-%u", ctrl, in->usb_port);
        g_autofree char *phys =
            g_strdup_printf("usb-%s-%u/input%u\n", in->controller, in->usb_port, in->usb_interface);
        g_autofree char *phys_rel = NULL;

        g_return_if_fail(ctrl != NULL);
        /* USB interface 1-P:1.I, its HID device BUS:VENDOR:PRODUCT.N, the input device */
        input_dir =
            g_strdup_printf("%s/1-%u:1.%u/0003:046D:C%03X.%04X/input/input%u", usb, in->usb_port,
                            in->usb_interface, in->usb_port, in->event + 1, in->event);
        phys_rel = g_strconcat(input_dir, "/phys", NULL);
        vf_kmodel_write_file(root, phys_rel, phys);
    } else {
        input_dir = g_strdup_printf("sys/devices/virtual/input/input%u", in->event);
    }
    event_dir = g_strconcat(input_dir, "/", event, NULL);
    {
        g_autofree char *name_rel = g_strconcat(input_dir, "/name", NULL);
        g_autofree char *name = g_strconcat(in->name, "\n", NULL);
        g_autofree char *dev_rel = g_strconcat(event_dir, "/dev", NULL);
        g_autofree char *dev = g_strdup_printf("13:%u\n", 64 + in->event);
        g_autofree char *device_link = g_strconcat(event_dir, "/device", NULL);
        g_autofree char *class_event = g_strconcat("sys/class/input/", event, NULL);
        g_autofree char *class_input = g_strdup_printf("sys/class/input/input%u", in->event);
        g_autofree char *char_link = g_strdup_printf("sys/dev/char/13:%u", 64 + in->event);

        vf_kmodel_write_file(root, name_rel, name);
        vf_kmodel_write_caps(root, input_dir, in->caps);
        vf_kmodel_write_file(root, dev_rel, dev);
        vf_kmodel_link(root, device_link, input_dir);
        vf_kmodel_link(root, class_event, event_dir);
        vf_kmodel_link(root, class_input, input_dir);
        vf_kmodel_link(root, char_link, event_dir);
        /* only root can mknod: the node is a regular file, sysfs "dev" says what it is */
        vf_kmodel_write_file(root, node, "");
    }
}

static void
vf_kmodel_build_inputs(const char *root, const VfKmodelHost *spec)
{
    if (spec->inputs == NULL)
        return;
    /* mousedev's legacy multiplexer, 13:63: an input node that is not evdev */
    vf_kmodel_write_file(root, "dev/input/mice", "");
    vf_kmodel_write_file(root, "sys/devices/virtual/input/mice/dev", "13:63\n");
    vf_kmodel_link(root, "sys/class/input/mice", "sys/devices/virtual/input/mice");
    vf_kmodel_link(root, "sys/dev/char/13:63", "sys/devices/virtual/input/mice");
    for (const VfKmodelInput *in = spec->inputs; in->name; in++)
        vf_kmodel_build_input(root, spec, in);
}

/* ---- the CPU ---- */

static char *
vf_kmodel_cpu_list(const gboolean *set, guint n)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < n; i++) {
        guint j = i;

        if (!set[i])
            continue;
        while (j + 1 < n && set[j + 1])
            j++;
        if (out->len > 0)
            g_string_append_c(out, ',');
        if (j == i)
            g_string_append_printf(out, "%u", i);
        else
            g_string_append_printf(out, "%u-%u", i, j);
        i = j;
    }
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

/* The (P-)core of CPU @cpu, or cores + e for E-core e. */
static guint
vf_kmodel_cpu_core(const VfKmodelCpu *c, guint cpu)
{
    guint p_threads = c->cores * MAX(c->threads_per_core, 1);

    if (cpu >= p_threads)
        return c->cores + (cpu - p_threads);
    return c->siblings_adjacent ? cpu / MAX(c->threads_per_core, 1) : cpu % c->cores;
}

void
vf_kmodel_build_cpu(const char *root, const VfKmodelCpu *c)
{
    guint tpc = MAX(c->threads_per_core, 1);
    guint n = c->cores * tpc + c->e_cores;
    guint nodes = MAX(c->nodes, 1);
    guint per_node = MAX(c->cores / nodes, 1);
    g_autofree gboolean *online = g_new0(gboolean, n);
    g_autofree gboolean *set = g_new0(gboolean, n);
    g_autofree char *list = NULL;
    g_autoptr(GString) cpuinfo = g_string_new(NULL);
    g_autoptr(GString) meminfo = g_string_new(NULL);
    g_auto(GStrv) offline = g_strsplit(c->offline ? c->offline : "", ",", -1);

    for (guint i = 0; i < n; i++)
        online[i] = TRUE;
    for (guint i = 0; offline[i] != NULL; i++) {
        guint first = 0, last = 0;

        int got = sscanf(offline[i], "%u-%u", &first, &last);

        if (got < 1)
            continue;
        if (got == 1)
            last = first;
        for (guint k = first; k <= last && k < n; k++)
            online[k] = FALSE;
    }
    for (guint i = 0; i < n; i++)
        set[i] = TRUE;
    list = vf_kmodel_cpu_list(set, n);
    vf_kmodel_write_file(root, "sys/devices/system/cpu/possible", list);
    vf_kmodel_write_file(root, "sys/devices/system/cpu/present", list);
    g_free(list);
    list = vf_kmodel_cpu_list(online, n);
    vf_kmodel_write_file(root, "sys/devices/system/cpu/online", list);

    for (guint cpu = 0; cpu < n; cpu++) {
        guint core = vf_kmodel_cpu_core(c, cpu);
        g_autofree char *dir = g_strdup_printf("sys/devices/system/cpu/cpu%u", cpu);
        g_autofree char *siblings = NULL;
        g_autofree char *l3 = NULL;
        g_autofree char *rel = NULL;

        if (cpu != 0) {
            rel = g_strconcat(dir, "/online", NULL);
            vf_kmodel_write_file(root, rel, online[cpu] ? "1\n" : "0\n");
            g_clear_pointer(&rel, g_free);
        }
        if (!online[cpu]) {
            vf_kmodel_mkdir(root, dir);
            continue;
        }
        for (guint k = 0; k < n; k++)
            set[k] = online[k] && vf_kmodel_cpu_core(c, k) == core;
        siblings = vf_kmodel_cpu_list(set, n);
        /* one L3 for a hybrid part's P- and E-cores, else one per cores_per_l3 cores */
        for (guint k = 0; k < n; k++) {
            guint other = vf_kmodel_cpu_core(c, k);

            set[k] = online[k] &&
                     (c->e_cores > 0 || c->cores_per_l3 == 0 ||
                      (other < c->cores && other / c->cores_per_l3 == core / c->cores_per_l3));
        }
        l3 = vf_kmodel_cpu_list(set, n);
#define CPUATTR(name, ...)                                                                         \
    do {                                                                                           \
        g_autofree char *_rel = g_strconcat(dir, "/", name, NULL);                                 \
        g_autofree char *_val = g_strdup_printf(__VA_ARGS__);                                      \
        vf_kmodel_write_file(root, _rel, _val);                                                    \
    } while (0)
        CPUATTR("topology/core_id", "%u\n", core);
        CPUATTR("topology/physical_package_id", "%u\n", 0u);
        CPUATTR("topology/thread_siblings_list", "%s", siblings);
        CPUATTR("topology/core_cpus_list", "%s", siblings);
        CPUATTR("cache/index3/level", "%u\n", 3u);
        CPUATTR("cache/index3/shared_cpu_list", "%s", l3);
#undef CPUATTR
        g_string_append_printf(cpuinfo,
                               "processor\t: %u\nvendor_id\t: %s\nmodel name\t: %s\n"
                               "physical id\t: 0\ncore id\t\t: %u\ncpu cores\t: %u\n"
                               "flags\t\t: %s\n\n",
                               cpu, c->vendor, c->model_name, core, c->cores + c->e_cores,
                               c->flags);
    }
    vf_kmodel_write_file(root, "proc/cpuinfo", cpuinfo->str);

    for (guint node = 0; node < nodes; node++) {
        g_autofree char *rel = g_strdup_printf("sys/devices/system/node/node%u/cpulist", node);
        g_autofree char *cpus = NULL;

        for (guint k = 0; k < n; k++) {
            guint core = vf_kmodel_cpu_core(c, k);
            guint kn = core >= c->cores ? 0 : MIN(core / per_node, nodes - 1);

            set[k] = online[k] && kn == node;
        }
        cpus = vf_kmodel_cpu_list(set, n);
        vf_kmodel_write_file(root, rel, cpus);
    }
    if (c->e_cores > 0) {
        g_autofree char *p = NULL;
        g_autofree char *e = NULL;

        for (guint k = 0; k < n; k++)
            set[k] = vf_kmodel_cpu_core(c, k) < c->cores;
        p = vf_kmodel_cpu_list(set, n);
        for (guint k = 0; k < n; k++)
            set[k] = !set[k];
        e = vf_kmodel_cpu_list(set, n);
        vf_kmodel_write_file(root, "sys/devices/cpu_core/cpus", p);
        vf_kmodel_write_file(root, "sys/devices/cpu_atom/cpus", e);
    }

    {
        g_autofree char *nr = g_strdup_printf("%" G_GUINT64_FORMAT "\n", c->hugepages_2m);

        vf_kmodel_write_file(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", nr);
        vf_kmodel_write_file(root, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", nr);
    }
    if (c->hugepages_1g) {
        g_autofree char *nr = g_strdup_printf("%" G_GUINT64_FORMAT "\n", c->hugepages_1g_nr);

        vf_kmodel_write_file(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", nr);
        vf_kmodel_write_file(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
                             nr);
    }
    g_string_append_printf(meminfo,
                           "MemTotal:       %" G_GUINT64_FORMAT " kB\n"
                           "MemFree:        %" G_GUINT64_FORMAT " kB\n"
                           "HugePages_Total:   %" G_GUINT64_FORMAT "\n"
                           "HugePages_Free:    %" G_GUINT64_FORMAT "\n"
                           "Hugepagesize:       2048 kB\n",
                           c->mem_total_kib, c->mem_total_kib / 2, c->hugepages_2m,
                           c->hugepages_2m);
    vf_kmodel_write_file(root, "proc/meminfo", meminfo->str);

    /* the PCI devices' node, for a tree built without a CPU (the demo's): node 0, the one
     * node such a host has (vf_kmodel_build() writes each device's own otherwise) */
    {
        g_autofree char *bus = vf_kmodel_real(root, "sys/bus/pci/devices");
        g_autoptr(GDir) dir = g_dir_open(bus, 0, NULL);
        const char *name;

        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *rel = g_strdup_printf("sys/bus/pci/devices/%s/numa_node", name);
            g_autofree char *path = vf_kmodel_real(root, rel);

            if (!g_file_test(path, G_FILE_TEST_EXISTS))
                vf_kmodel_write_file(root, rel, "0\n");
        }
    }
}

gboolean
vf_kmodel_build(const char *root, const VfKmodelHost *spec, GError **error)
{
    g_autoptr(GKeyFile) state = g_key_file_new();
    const char *release = spec->kernel_release ? spec->kernel_release : "6.1.0-virtflow-model";
    gboolean any_group = FALSE;
    g_autofree char *modules_dir = g_strconcat("lib/modules/", release, NULL);
    g_autofree char *builtin_rel = g_strconcat(modules_dir, "/modules.builtin", NULL);
    g_autofree char *dep_rel = g_strconcat(modules_dir, "/modules.dep", NULL);
    g_autofree char *builtin = vf_kmodel_modules_file(spec->builtin, FALSE);
    g_autofree char *all_loadable = NULL;
    g_autofree char *dep = NULL;
    g_autofree char *state_path = NULL;
    g_autoptr(VfHost) host = NULL;
    g_auto(GStrv) loaded = NULL;

    if (g_mkdir_with_parents(root, 0755) < 0) {
        vf_error_set_errno(error, errno, "Cannot create '%s'", root);
        return FALSE;
    }

    /* the vfio modules always provide these drivers; a device's module its driver */
    g_key_file_set_string(state, "modules", "vfio", "");
    g_key_file_set_string(state, "modules", "vfio_iommu_type1", "");
    g_key_file_set_string(state, "modules", "vfio_pci", "vfio-pci");
    for (const VfKmodelDevice *d = spec->devices; d->address; d++) {
        g_autofree char *dir = vf_kmodel_device_dir(spec, d->address);
        g_autofree char *group = vf_kmodel_dev_group(d->address);
        g_autofree char *attr = NULL;
        g_autofree char *bus_link = g_strconcat("sys/bus/pci/devices/", d->address, NULL);

        g_key_file_set_string(state, group, "dir", dir);
        g_key_file_set_string(state, group, "driver", d->driver ? d->driver : "");
        g_key_file_set_string(state, group, "drm", d->drm ? d->drm : "");
        g_key_file_set_string(state, group, "connectors", d->connectors ? d->connectors : "");
        g_key_file_set_string(state, group, "sound", d->sound ? d->sound : "");
        if (d->fb)
            g_key_file_set_string(state, group, "fb", d->fb);
        if (d->boot_fb)
            g_key_file_set_string(state, group, "boot_fb", d->boot_fb);
        if (d->reset_bug)
            g_key_file_set_boolean(state, group, "reset_bug", TRUE);
        if (d->iommu_group >= 0) {
            g_autofree char *g = g_strdup_printf("%d", d->iommu_group);
            g_autofree char *grp_dir = g_strconcat("sys/kernel/iommu_groups/", g, NULL);
            g_autofree char *member = g_strconcat(grp_dir, "/devices/", d->address, NULL);
            g_autofree char *link = g_strconcat(dir, "/iommu_group", NULL);

            g_key_file_set_string(state, group, "group", g);
            vf_kmodel_link(root, member, dir);
            vf_kmodel_link(root, link, grp_dir);
            any_group = TRUE;
        }
        if (d->driver)
            vf_kmodel_add_module_driver(state, d->module ? d->module : d->driver, d->driver);

#define ATTR(name, fmt, ...)                                                                       \
    do {                                                                                           \
        g_autofree char *_rel = g_strconcat(dir, "/" name, NULL);                                  \
        g_autofree char *_val = g_strdup_printf(fmt, __VA_ARGS__);                                 \
        vf_kmodel_write_file(root, _rel, _val);                                                    \
    } while (0)
        ATTR("vendor", "0x%04x\n", d->vendor_id);
        ATTR("device", "0x%04x\n", d->device_id);
        ATTR("subsystem_vendor", "0x%04x\n", d->vendor_id);
        ATTR("subsystem_device", "0x%04x\n", 0x1234);
        ATTR("class", "0x%06x\n", d->class_code);
        ATTR("revision", "0x%02x\n", 0xa1);
        ATTR("driver_override", "%s\n", "(null)");
        ATTR("power_state", "%s\n", "D0");
        ATTR("reset_method", "%s\n",
             d->reset_method                 ? d->reset_method
             : (d->class_code >> 16) == 0x06 ? "bus"
                                             : "flr bus");
        if (d->boot_vga >= 0)
            ATTR("boot_vga", "%d\n", d->boot_vga);
        if (spec->cpu != NULL)
            ATTR("numa_node", "%d\n", d->numa_node);
        if (spec->iomem) {
            /* BARs as firmware assigns them: a GPU's registers (BAR 0) and its VRAM
             * aperture (BAR 1, 64-bit prefetchable); one small BAR for anything else */
            guint idx = (guint)(d - spec->devices);
            gboolean display = (d->class_code >> 16) == 0x03;
            guint64 b0 =
                display ? 0xd0000000ull + idx * 0x1000000ull : 0xfe000000ull + idx * 0x10000ull;
            guint64 b0_end = b0 + (display ? 0xffffffull : 0xffffull);
            guint64 b1 = 0x4000000000ull + idx * 0x10000000ull;
            guint64 b1_end = b1 + 0xfffffffull;
            g_autofree char *bars =
                display ? g_strdup_printf("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                                          "x %" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x",
                                          b0, b0_end, b1, b1_end)
                        : g_strdup_printf("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", b0,
                                          b0_end);
            g_autoptr(GString) res = g_string_new(NULL);

            g_key_file_set_string(state, group, "bars", bars);
            g_string_append_printf(res,
                                   "0x%016" G_GINT64_MODIFIER "x 0x%016" G_GINT64_MODIFIER
                                   "x 0x0000000000040200\n",
                                   b0, b0_end);
            if (display)
                g_string_append_printf(res,
                                       "0x%016" G_GINT64_MODIFIER "x 0x%016" G_GINT64_MODIFIER
                                       "x 0x000000000014220c\n",
                                       b1, b1_end);
            for (guint i = display ? 2 : 1; i < 7; i++)
                g_string_append(res, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
            ATTR("resource", "%s", res->str);
        }
#undef ATTR
        (void)attr;
        vf_kmodel_link(root, bus_link, dir);
    }

    vf_kmodel_build_inputs(root, spec);
    if (spec->cpu != NULL)
        vf_kmodel_build_cpu(root, spec->cpu);
    if (spec->iomem)
        g_key_file_set_boolean(state, "host", "iomem", TRUE);
    if (spec->nvidia_hidden > 0)
        g_key_file_set_integer(state, "host", "nvidia-hidden", spec->nvidia_hidden);
    if (spec->nvidia_drm || spec->nvidia_hidden > 0) {
        /* modules stacked on nvidia hold one reference each; each open /dev/nvidia* file
         * one more (its fops' owner); the users no process shows are the rest */
        static const char *const stacked[] = {"nvidia_modeset", "nvidia_uvm"};
        guint refcnt = G_N_ELEMENTS(stacked) + (guint)MAX(spec->nvidia_hidden, 0);
        g_autofree char *refcnt_text = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(stacked); i++) {
            g_autofree char *to = g_strconcat("sys/module/", stacked[i], NULL);
            g_autofree char *link = g_strconcat("sys/module/nvidia/holders/", stacked[i], NULL);

            vf_kmodel_mkdir(root, to);
            vf_kmodel_link(root, link, to);
        }
        for (const VfKmodelProcess *p = spec->processes; p && p->pid; p++)
            for (const char *f = p->fds; f && (f = strstr(f, "/dev/nvidia")); f++)
                refcnt++;
        refcnt_text = g_strdup_printf("%u\n", refcnt);
        vf_kmodel_write_file(root, "sys/module/nvidia/refcnt", refcnt_text);
        if (spec->nvidia_drm) {
            vf_kmodel_link(root, "sys/module/nvidia_modeset/holders/nvidia_drm",
                           "sys/module/nvidia_drm");
            vf_kmodel_write_file(root, "sys/module/nvidia_drm/parameters/modeset", "Y\n");
            vf_kmodel_write_file(root, "sys/module/nvidia_drm/parameters/fbdev", "Y\n");
        }
    }
    vf_kmodel_write_file(root, "sys/bus/pci/drivers_probe", "");
    vf_kmodel_write_file(root, "sys/bus/pci/rescan", "");
    vf_kmodel_mkdir(root, "sys/bus/pci/drivers");
    vf_kmodel_mkdir(root, "sys/kernel/iommu_groups");
    vf_kmodel_mkdir(root, "sys/class/iommu");
    if (any_group && !spec->no_iommu_unit) {
        g_autofree char *unit =
            g_strconcat("sys/class/iommu/", spec->iommu_unit ? spec->iommu_unit : "dmar0", NULL);

        vf_kmodel_mkdir(root, unit);
    }
    vf_kmodel_mkdir(root, "dev/dri");
    vf_kmodel_mkdir(root, "dev/vfio");
    vf_kmodel_mkdir(root, "var/lib");
    {
        g_autofree char *cmdline = g_strconcat(
            spec->cmdline ? spec->cmdline : "BOOT_IMAGE=/vmlinuz ro quiet intel_iommu=on iommu=pt",
            "\n", NULL);
        g_autofree char *rel = g_strconcat(release, "\n", NULL);

        vf_kmodel_write_file(root, "proc/cmdline", cmdline);
        vf_kmodel_write_file(root, "proc/sys/kernel/osrelease", rel);
    }
    for (const VfKmodelProcess *p = spec->processes; p && p->pid; p++) {
        g_autofree char *dir = g_strdup_printf("proc/%d", p->pid);
        g_autofree char *comm = g_strconcat(dir, "/comm", NULL);
        g_autofree char *maps_rel = g_strconcat(dir, "/maps", NULL);
        g_autofree char *fd_dir = g_strconcat(dir, "/fd", NULL);
        g_auto(GStrv) fds = p->fds ? g_strsplit(p->fds, " ", -1) : NULL;
        g_auto(GStrv) maps = p->maps ? g_strsplit(p->maps, " ", -1) : NULL;
        g_autoptr(GString) maps_text = g_string_new(NULL);
        g_autofree char *comm_text = g_strconcat(p->comm, "\n", NULL);

        vf_kmodel_write_file(root, comm, comm_text);
        {
            /* a process has an executable; kernel threads (no exe link) are skipped */
            g_autofree char *exe_rel = g_strconcat(dir, "/exe", NULL);
            g_autofree char *exe = vf_kmodel_real(root, exe_rel);
            g_autofree char *target = g_strconcat("/usr/bin/", p->comm, NULL);

            if (symlink(target, exe) < 0)
                g_warning("symlink %s: %s", exe, g_strerror(errno));
        }
        vf_kmodel_mkdir(root, fd_dir);
        for (guint i = 0; fds && fds[i]; i++) {
            g_autofree char *link_rel = g_strdup_printf("%s/%u", fd_dir, i + 3);
            g_autofree char *link = vf_kmodel_real(root, link_rel);

            /* fd links point at the kernel's absolute path, like the real ones */
            if (symlink(fds[i], link) < 0)
                g_warning("symlink %s: %s", link, g_strerror(errno));
        }
        for (guint i = 0; maps && maps[i]; i++)
            g_string_append_printf(maps_text, "7f00%08x000-7f00%08x000 rw-s 00000000 00:05 %u %s\n",
                                   i, i + 1, 100 + i, maps[i]);
        vf_kmodel_write_file(root, maps_rel, maps_text->str);
    }

    /* every module the table names is in modules.dep, like a distribution kernel's */
    vf_kmodel_module_list(state, spec->loadable, NULL);
    vf_kmodel_module_list(state, spec->loaded, NULL);
    {
        g_auto(GStrv) keys = g_key_file_get_keys(state, "modules", NULL, NULL);
        g_auto(GStrv) builtins = spec->builtin ? g_strsplit(spec->builtin, " ", -1) : NULL;
        GString *mods = g_string_new(NULL);

        for (guint i = 0; keys && keys[i]; i++)
            if (!(builtins && g_strv_contains((const char *const *)builtins, keys[i])))
                g_string_append_printf(mods, "%s%s", mods->len ? " " : "", keys[i]);
        all_loadable = g_string_free(mods, FALSE);
    }
    dep = vf_kmodel_modules_file(all_loadable, TRUE);
    vf_kmodel_write_file(root, builtin_rel, builtin);
    vf_kmodel_write_file(root, dep_rel, dep);

    if (spec->machine)
        g_key_file_set_string(state, "host", "machine", spec->machine);
    state_path = vf_kmodel_real(root, VF_KMODEL_FILE);
    if (!g_key_file_save_to_file(state, state_path, error))
        return FALSE;

    /* "boot": load the modules; each registered driver binds its devices */
    host = vf_host_new(root, error);
    if (host == NULL || !vf_kmodel_attach(host, error))
        return FALSE;
    {
        VfKmodel *m = vf_kmodel_get(host);
        g_auto(GStrv) builtins = spec->builtin ? g_strsplit(spec->builtin, " ", -1) : NULL;

        loaded = spec->loaded ? g_strsplit(spec->loaded, " ", -1) : NULL;
        g_mutex_lock(&m->lock);
        for (guint i = 0; builtins && builtins[i]; i++)
            if (*builtins[i])
                vf_kmodel_load_locked(m, builtins[i]);
        for (guint i = 0; loaded && loaded[i]; i++)
            if (*loaded[i])
                vf_kmodel_load_locked(m, loaded[i]);
        for (guint i = 0; builtins && builtins[i]; i++) {
            /* built-in modules have no initstate */
            g_autofree char *rel = g_strconcat("sys/module/", builtins[i], "/initstate", NULL);
            g_autofree char *p = vf_kmodel_real(root, rel);

            g_unlink(p);
        }
        for (const VfKmodelDevice *d = spec->devices; d->address; d++) {
            if (!d->unbound)
                continue;
            g_autofree char *cur = vf_kmodel_current_driver(m, d->address);

            if (cur)
                vf_kmodel_detach_driver(m, d->address, cur);
        }
        vf_kmodel_write_iomem(m);
        g_mutex_unlock(&m->lock);
    }
    return TRUE;
}

gboolean
vf_kmodel_unplug_input(const char *root, guint event)
{
    g_autofree char *node_rel = g_strdup_printf("dev/input/event%u", event);
    g_autofree char *node = vf_kmodel_real(root, node_rel);
    g_autofree char *class_rel = g_strdup_printf("sys/class/input/event%u", event);
    g_autofree char *class_link = vf_kmodel_real(root, class_rel);
    g_autofree char *input_rel = g_strdup_printf("sys/class/input/input%u", event);
    g_autofree char *input_link = vf_kmodel_real(root, input_rel);
    g_autofree char *char_rel = g_strdup_printf("sys/dev/char/13:%u", 64 + event);
    g_autofree char *char_link = vf_kmodel_real(root, char_rel);
    g_autofree char *by_id = vf_kmodel_real(root, "dev/input/by-id");
    g_autofree char *target = g_file_read_link(input_link, NULL);
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (!g_file_test(node, G_FILE_TEST_EXISTS))
        return FALSE;
    /* udev removes the links it made for the node (60-persistent-input.rules) */
    dir = g_dir_open(by_id, 0, NULL);
    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *link = g_build_filename(by_id, name, NULL);
        g_autofree char *to = g_file_read_link(link, NULL);
        g_autofree char *base = to ? g_path_get_basename(to) : NULL;

        if (g_strcmp0(base, node_rel + strlen("dev/input/")) == 0)
            g_unlink(link);
    }
    /* the input device's directory goes with its links (sys/class/input/inputN's target) */
    if (target) {
        g_autofree char *class_dir = g_path_get_dirname(input_link);
        g_autofree char *input_dir = g_build_filename(class_dir, target, NULL);

        vf_kmodel_rm_rf(input_dir);
    }
    g_unlink(class_link);
    g_unlink(input_link);
    g_unlink(char_link);
    g_unlink(node);
    return TRUE;
}

/* ---- snapshots ---- */

static void
vf_kmodel_snapshot_walk(const char *root, const char *rel, GString *out)
{
    g_autofree char *path = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, vf_strcmp_ptrs);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *child_rel =
            rel ? g_build_filename(rel, names->pdata[i], NULL) : g_strdup(names->pdata[i]);
        g_autofree char *child = g_build_filename(root, child_rel, NULL);
        struct stat st;

        if (g_str_equal(child_rel, "var/lib/virtflow") || g_str_equal(child_rel, VF_KMODEL_FILE))
            continue;
        if (lstat(child, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            g_autofree char *target = g_file_read_link(child, NULL);

            g_string_append_printf(out, "L %s -> %s\n", child_rel, target);
        } else if (S_ISDIR(st.st_mode)) {
            g_string_append_printf(out, "D %s\n", child_rel);
            vf_kmodel_snapshot_walk(root, child_rel, out);
        } else {
            g_autofree char *contents = NULL;

            g_file_get_contents(child, &contents, NULL, NULL);
            g_string_append_printf(out, "F %s = %s\n", child_rel, contents ? contents : "");
        }
    }
}

char *
vf_kmodel_snapshot(const char *root)
{
    GString *out = g_string_new(NULL);

    vf_kmodel_snapshot_walk(root, NULL, out);
    return g_string_free(out, FALSE);
}

/* ---- the demo machine ---- */

/* An AM5 desktop: a Ryzen 9 7950X on a B650 board (one Promontory 21 chipset), laid out as
 * a real one lists itself. The root complex (00:00.0) is in no IOMMU group, as on every AMD
 * IOMMU; each dummy host bridge, each GPP bridge and each device behind one has a group of
 * its own; the FCH's SMBus and LPC functions share one, the data fabric's (00:18.x, k10temp
 * on 00:18.3) another. The CPU's Raphael iGPU drives the board's HDMI output and is the boot
 * display; its HD audio, PSP, USB and the board's audio codec controller are further
 * functions of its slot behind the internal GPP bridge 00:08.1, each in its own group. The
 * RTX 4090 and its HDMI audio share group 12 behind the first GPP bridge; the chipset's USB
 * (the keyboard and mouse), SATA and the Intel I226-V NIC hang off its switch. PCI ids as
 * the hardware reports them: pci.ids before mid-2023 has no name for some of them. */
static const VfKmodelDevice vf_kmodel_demo_devices[] = {
    {"0000:00:00.0", 0x060000, 0x1022, 0x14d8, NULL, NULL, -1, -1},
    {"0000:00:01.0", 0x060000, 0x1022, 0x14da, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14db, "pcieport", NULL, 1, -1},
    {"0000:00:01.2", 0x060400, 0x1022, 0x14db, "pcieport", NULL, 2, -1},
    {"0000:00:02.0", 0x060000, 0x1022, 0x14da, NULL, NULL, 3, -1},
    {"0000:00:02.1", 0x060400, 0x1022, 0x14db, "pcieport", NULL, 4, -1},
    {"0000:00:02.2", 0x060400, 0x1022, 0x14db, "pcieport", NULL, 5, -1},
    {"0000:00:03.0", 0x060000, 0x1022, 0x14da, NULL, NULL, 6, -1},
    {"0000:00:04.0", 0x060000, 0x1022, 0x14da, NULL, NULL, 7, -1},
    {"0000:00:08.0", 0x060000, 0x1022, 0x14da, NULL, NULL, 8, -1},
    {"0000:00:08.1", 0x060400, 0x1022, 0x14dd, "pcieport", NULL, 9, -1},
    {"0000:00:14.0", 0x0c0500, 0x1022, 0x790b, "piix4_smbus", "i2c_piix4", 10, -1},
    {"0000:00:14.3", 0x060100, 0x1022, 0x790e, NULL, NULL, 10, -1},
    {"0000:00:18.0", 0x060000, 0x1022, 0x14e0, NULL, NULL, 11, -1},
    {"0000:00:18.1", 0x060000, 0x1022, 0x14e1, NULL, NULL, 11, -1},
    {"0000:00:18.2", 0x060000, 0x1022, 0x14e2, NULL, NULL, 11, -1},
    {"0000:00:18.3", 0x060000, 0x1022, 0x14e3, "k10temp", NULL, 11, -1},
    {"0000:00:18.4", 0x060000, 0x1022, 0x14e4, NULL, NULL, 11, -1},
    {"0000:00:18.5", 0x060000, 0x1022, 0x14e5, NULL, NULL, 11, -1},
    {"0000:00:18.6", 0x060000, 0x1022, 0x14e6, NULL, NULL, 11, -1},
    {"0000:00:18.7", 0x060000, 0x1022, 0x14e7, NULL, NULL, 11, -1},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.1",
     "card1 renderD129", "DP-2:disconnected:disabled HDMI-A-2:connected:disabled:3840x2160"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.1", NULL,
     NULL, "card1"},
    {"0000:02:00.0", 0x010802, 0x144d, 0xa80a, "nvme", NULL, 13, -1, "0000:00:01.2"},
    {"0000:03:00.0", 0x060400, 0x1022, 0x43f4, "pcieport", NULL, 14, -1, "0000:00:02.1"},
    {"0000:04:06.0", 0x060400, 0x1022, 0x43f5, "pcieport", NULL, 15, -1, "0000:03:00.0"},
    {"0000:04:0c.0", 0x060400, 0x1022, 0x43f5, "pcieport", NULL, 16, -1, "0000:03:00.0"},
    {"0000:04:0d.0", 0x060400, 0x1022, 0x43f5, "pcieport", NULL, 17, -1, "0000:03:00.0"},
    {"0000:08:00.0", 0x020000, 0x8086, 0x125c, "igc", NULL, 18, -1, "0000:04:06.0"},
    {"0000:0b:00.0", 0x0c0330, 0x1022, 0x43f7, "xhci_hcd", "xhci_pci", 19, -1, "0000:04:0c.0"},
    {"0000:0c:00.0", 0x010601, 0x1022, 0x43f6, "ahci", NULL, 20, -1, "0000:04:0d.0"},
    {"0000:0e:00.0", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 21, 1, "0000:00:08.1",
     "card0 renderD128",
     "DP-1:disconnected:disabled HDMI-A-1:connected:enabled:2560x1440,1920x1080"},
    {"0000:0e:00.1", 0x040300, 0x1002, 0x1640, "snd_hda_intel", NULL, 22, -1, "0000:00:08.1", NULL,
     NULL, "card0"},
    {"0000:0e:00.2", 0x108000, 0x1022, 0x1649, "ccp", NULL, 23, -1, "0000:00:08.1"},
    {"0000:0e:00.3", 0x0c0330, 0x1022, 0x15b6, "xhci_hcd", "xhci_pci", 24, -1, "0000:00:08.1"},
    {"0000:0e:00.6", 0x040300, 0x1022, 0x15e3, "snd_hda_intel", NULL, 25, -1, "0000:00:08.1", NULL,
     NULL, "card2"},
    {NULL},
};

/* A USB keyboard and a gaming mouse on the chipset's xHCI controller. The mouse's second
 * interface is a keyboard for its macro buttons, and its by-id link sorts before the real
 * keyboard's: what `--input auto` must see through. The power button has no by-id link. */
static const VfKmodelInput vf_kmodel_demo_inputs[] = {
    {0, VF_KMODEL_INPUT_POWER_BUTTON, "Power Button"},
    {4, VF_KMODEL_INPUT_KEYBOARD, "Logitech USB Keyboard", "usb-Logitech_USB_Keyboard-event-kbd",
     "0000:0b:00.0", 2, 0},
    {5, VF_KMODEL_INPUT_MOUSE, "Logitech G502 HERO Gaming Mouse",
     "usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-event-mouse", "0000:0b:00.0", 3, 0},
    {6, VF_KMODEL_INPUT_MACRO_KEYS, "Logitech G502 HERO Gaming Mouse Keyboard",
     "usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-if01-event-kbd", "0000:0b:00.0", 3, 1},
    {0, 0, NULL},
};

/* A two-CCD desktop part with SMT: 16 cores / 32 threads (core c: CPUs c and c + 16), two
 * L3 caches of 8 cores, one NUMA node; 64 GiB with 2 MiB and 1 GiB huge page pools (none
 * reserved: the hook reserves them when a tuned VM starts). */
const VfKmodelCpu vf_kmodel_demo_cpu = {
    .vendor = "AuthenticAMD",
    .model_name = "AMD Ryzen 9 7950X 16-Core Processor",
    .flags = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush "
             "mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc "
             "rep_good nopl cpuid extd_apicid aperfmperf pni pclmulqdq monitor ssse3 fma cx16 "
             "sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm "
             "extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt tce "
             "topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx npt lbrv svm_lock "
             "nrip_save avx512f avx512dq",
    .cores = 16,
    .threads_per_core = 2,
    .cores_per_l3 = 8,
    .nodes = 1,
    .mem_total_kib = 65536000,
    .hugepages_1g = TRUE,
};

const VfKmodelHost vf_kmodel_demo_host = {
    .machine = VF_KMODEL_DEMO_MACHINE,
    .kernel_release = "6.1.0-virtflow-demo",
    .cmdline = "BOOT_IMAGE=/vmlinuz-6.1.0-virtflow-demo ro quiet amd_iommu=on iommu=pt",
    .iommu_unit = "ivhd0",
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport amdgpu xhci_pci ahci snd_hda_intel nvidia "
              "nvme igc ccp i2c_piix4 k10temp",
    .devices = vf_kmodel_demo_devices,
    .inputs = vf_kmodel_demo_inputs,
};
