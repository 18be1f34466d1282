/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What real GPU drivers and firmware do (see vf-drivers.h for the reports behind each).
 */
#include "host/vf-drivers.h"

#include "core/vf-error.h"
#include "core/vf-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

void
vf_gpu_warning_free(VfGpuWarning *warning)
{
    if (warning == NULL)
        return;
    g_free(warning->code);
    g_free(warning->message);
    g_free(warning->fix);
    g_free(warning);
}

static void
vf_gpu_add_warning(VfGpu *gpu, const char *code, char *message, char *fix)
{
    VfGpuWarning *w = g_new0(VfGpuWarning, 1);

    w->code = g_strdup(code);
    w->message = message;
    w->fix = fix;
    g_ptr_array_add(gpu->warnings, w);
}

static gboolean
vf_gpu_any_on_driver(const VfGpu *gpu, const char *driver)
{
    for (guint i = 0; i < gpu->passthrough->len; i++)
        if (g_strcmp0(((const VfPciDevice *)gpu->passthrough->pdata[i])->driver, driver) == 0)
            return TRUE;
    return FALSE;
}

/* ---- NVIDIA ------------------------------------------------------------------------------ */

/* Daemons that keep every NVIDIA GPU initialised without a file a scan of /proc/PID/fd
 * would always see. comm is cut at 15 characters ("nvidia-persiste"). */
static const char *const vf_nvidia_daemons[][2] = {
    {"nvidia-persiste", "nvidia-persistenced"},
    {"nvidia-powerd", "nvidia-powerd"},
};

/* "pid 812 (nvidia-persistenced), pid 901 (nvidia-powerd)" and the units to stop, or NULL */
static char *
vf_nvidia_find_daemons(VfHost *host, GString *units)
{
    g_autoptr(GPtrArray) pids = vf_host_list_dir(host, "/proc");
    g_autoptr(GString) found = g_string_new(NULL);

    for (guint i = 0; pids && i < pids->len; i++) {
        const char *pid = pids->pdata[i];
        g_autofree char *path = NULL;
        g_autofree char *comm = NULL;

        if (!g_ascii_isdigit(*pid))
            continue;
        path = g_strconcat("/proc/", pid, "/comm", NULL);
        comm = vf_host_read_opt(host, path);
        for (guint d = 0; comm && d < G_N_ELEMENTS(vf_nvidia_daemons); d++) {
            if (!g_str_equal(comm, vf_nvidia_daemons[d][0]))
                continue;
            g_string_append_printf(found, "%spid %s (%s)", found->len ? ", " : "", pid,
                                   vf_nvidia_daemons[d][1]);
            if (!strstr(units->str, vf_nvidia_daemons[d][1]))
                g_string_append_printf(units, " %s", vf_nvidia_daemons[d][1]);
        }
    }
    return found->len ? g_string_free(g_steal_pointer(&found), FALSE) : NULL;
}

/* Opens of the nvidia module beyond the modules stacked on it (nvidia_modeset, nvidia_uvm,
 * ...): /dev/nvidia* files held open (their fops take a module reference). 0 when the
 * kernel does not say. */
static gint64
vf_nvidia_extra_users(VfHost *host, gint64 *ret_refcnt, guint *ret_modules)
{
    g_autoptr(GPtrArray) holders = vf_host_list_dir(host, "/sys/module/nvidia/holders");
    guint64 refcnt;

    if (!vf_host_read_uint(host, "/sys/module/nvidia/refcnt", 10, &refcnt))
        return 0;
    *ret_refcnt = (gint64)refcnt;
    *ret_modules = holders ? holders->len : 0;
    return (gint64)refcnt - (gint64)*ret_modules;
}

/* Is any /dev/nvidia* file open or mapped by a process we can see? */
static gboolean
vf_nvidia_visible_users(VfHost *host, gboolean *ret_complete)
{
    g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func((GDestroyNotify)vf_node_rule_free);
    g_autoptr(GPtrArray) holders = NULL;
    VfNodeRule *rule = g_new0(VfNodeRule, 1);

    rule->pattern = g_strdup("/dev/nvidia*");
    rule->device = g_strdup("nvidia");
    g_ptr_array_add(rules, rule);
    holders = vf_host_find_holders(host, rules, ret_complete);
    return holders->len > 0;
}

/* nvidia_drm's framebuffer console (/proc/fb: "0 nvidia-drmdrmfb") on one of @gpu's
 * functions (/sys/bus/pci/devices/BDF/graphics/fbN): "fb0", or NULL. @n_nvidia: GPUs on the
 * nvidia driver (in a tree without /sys/class/graphics, a console belongs to the only one). */
static char *
vf_nvidia_find_framebuffer(VfHost *host, const VfGpu *gpu, guint n_nvidia)
{
    g_autofree char *fbs = vf_host_read_opt(host, "/proc/fb");
    g_auto(GStrv) lines = fbs ? g_strsplit(fbs, "\n", -1) : NULL;

    for (guint i = 0; lines && lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(lines[i]), " ", 2);
        g_autofree char *fb = NULL;
        g_autofree char *class_path = NULL;

        if (g_strv_length(f) != 2 || !g_ascii_isdigit(*f[0]) || !strstr(f[1], "nvidia"))
            continue;
        fb = g_strconcat("fb", f[0], NULL);
        for (guint j = 0; j < gpu->passthrough->len; j++) {
            const VfPciDevice *fn = gpu->passthrough->pdata[j];
            g_autofree char *rel = g_strconcat("graphics/", fb, NULL);
            g_autofree char *path = vf_pci_device_path(fn->address, rel);

            if (vf_host_is_dir(host, path))
                return g_steal_pointer(&fb);
        }
        class_path = g_strconcat("/sys/class/graphics/", fb, NULL);
        if (!vf_host_exists(host, class_path) && n_nvidia == 1)
            return g_steal_pointer(&fb);
    }
    return NULL;
}

static void
vf_gpu_check_nvidia(VfHost *host, VfHostReport *report, VfGpu *gpu, guint n_nvidia,
                    const char *daemons, const char *units)
{
    const char *addr = gpu->device->address;
    g_autofree char *fb = NULL;

    if (!vf_gpu_any_on_driver(gpu, "nvidia"))
        return;
    if (daemons) {
        g_autofree char *fix = g_strdup_printf(
            "systemctl stop%s (and 'systemctl disable' or mask it while VMs use the GPU), then "
            "try again.",
            units);

        vf_gpu_add_blocker(gpu, VF_BLOCKER_NVIDIA_HOLDER,
                           g_strdup_printf("%s is on the nvidia driver and %s keeps it in use "
                                           "without showing it open: unbinding it now would "
                                           "block in the kernel for ever",
                                           addr, daemons),
                           fix);
    }

    fb = vf_nvidia_find_framebuffer(host, gpu, n_nvidia);
    if (fb) {
        g_autofree char *modeset =
            vf_host_read_opt(host, "/sys/module/nvidia_drm/parameters/modeset");
        g_autofree char *fbdev = vf_host_read_opt(host, "/sys/module/nvidia_drm/parameters/fbdev");

        vf_gpu_add_blocker(
            gpu, VF_BLOCKER_FRAMEBUFFER,
            g_strdup_printf("nvidia_drm's framebuffer console (%s, nvidia_drm modeset=%s fbdev=%s) "
                            "runs on %s: the driver cannot let go of the GPU while it is there, "
                            "and the unbind would block in the kernel for ever",
                            fb, modeset ? modeset : "?", fbdev ? fbdev : "?", addr),
            "Add nvidia_drm.fbdev=0 to the kernel command line (or nvidia_drm.modeset=0 when no "
            "Wayland desktop needs it), run update-grub and reboot; or give this GPU to vfio-pci "
            "at boot.");
    }

    if (!daemons && !fb) {
        gint64 refcnt = 0;
        guint modules = 0;
        gint64 extra = vf_nvidia_extra_users(host, &refcnt, &modules);
        gboolean complete = FALSE;

        /* only when every process could be seen (root): else the helper, which is root,
         * makes this check before its first write */
        if (extra > 0 && report->holders_complete && !vf_nvidia_visible_users(host, &complete) &&
            complete)
            vf_gpu_add_blocker(
                gpu, VF_BLOCKER_NVIDIA_HOLDER,
                g_strdup_printf(
                    "%s is on the nvidia driver, whose module is in use %" G_GINT64_FORMAT
                    " time(s) besides the %u module(s) stacked on it "
                    "(/sys/module/nvidia/refcnt %" G_GINT64_FORMAT
                    "), yet no process shows a /dev/nvidia* file open: unbinding it "
                    "now would block in the kernel for ever",
                    addr, extra, modules, refcnt),
                "Stop what uses the GPU unseen (a container, a sandboxed CUDA program, a "
                "persistence mode set with 'nvidia-smi -pm 1': 'nvidia-smi -pm 0'), or reboot "
                "with this GPU given to vfio-pci at boot.");
    }
}

/* ---- the firmware framebuffer ------------------------------------------------------------ */

static gboolean
vf_iomem_is_firmware_fb(const char *name)
{
    static const char *const names[] = {"BOOTFB", "efifb", "simplefb", "simpledrm", "vesafb"};

    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        if (g_str_equal(name, names[i]))
            return TRUE;
    return FALSE;
}

/* The firmware framebuffers of /proc/iomem as pairs of guint64; FALSE when it shows no
 * addresses (not root: every range reads 00000000-00000000). */
static gboolean
vf_iomem_firmware_framebuffers(const char *iomem, GArray *ret_ranges)
{
    g_auto(GStrv) lines = g_strsplit(iomem, "\n", -1);
    gboolean any_address = FALSE;

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(g_strstrip(lines[i]), " : ", 2);
        g_auto(GStrv) range = NULL;
        guint64 start, end;

        if (g_strv_length(parts) != 2)
            continue;
        range = g_strsplit(parts[0], "-", 2);
        if (g_strv_length(range) != 2 || !vf_host_parse_uint(range[0], 16, &start) ||
            !vf_host_parse_uint(range[1], 16, &end))
            continue;
        if (end != 0)
            any_address = TRUE;
        if (vf_iomem_is_firmware_fb(parts[1])) {
            g_array_append_val(ret_ranges, start);
            g_array_append_val(ret_ranges, end);
        }
    }
    return any_address;
}

VfBootFbState
vf_pci_device_find_boot_framebuffer(VfHost *host, const char *address, char **ret_detail,
                                    gboolean *ret_any)
{
    g_autofree char *iomem = vf_host_read_opt(host, "/proc/iomem");
    g_autofree char *resource_path = vf_pci_device_path(address, "resource");
    g_autofree char *resource = NULL;
    g_autoptr(GArray) fbs = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_auto(GStrv) bars = NULL;

    if (ret_any)
        *ret_any = FALSE;
    if (iomem == NULL)
        return VF_BOOT_FB_NO_IOMEM;
    if (!vf_iomem_firmware_framebuffers(iomem, fbs))
        return VF_BOOT_FB_NO_ADDRESSES;
    if (ret_any)
        *ret_any = fbs->len > 0;
    resource = vf_host_read_opt(host, resource_path);
    if (resource == NULL)
        return VF_BOOT_FB_NO_RESOURCE;
    bars = g_strsplit(resource, "\n", -1);
    for (guint b = 0; bars[b]; b++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(bars[b]), " ", -1);
        guint64 start, end;

        if (g_strv_length(f) < 2 || !vf_host_parse_uint(f[0], 16, &start) ||
            !vf_host_parse_uint(f[1], 16, &end) || end == 0)
            continue;
        for (guint i = 0; i + 1 < fbs->len; i += 2) {
            guint64 fb_start = g_array_index(fbs, guint64, i);
            guint64 fb_end = g_array_index(fbs, guint64, i + 1);

            if (fb_end < start || fb_start > end)
                continue;
            if (ret_detail)
                *ret_detail = g_strdup_printf(
                    "A firmware framebuffer (%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                    "x in /proc/iomem) lies inside BAR %u of %s (%" G_GINT64_MODIFIER
                    "x-%" G_GINT64_MODIFIER "x): the firmware booted on this GPU, and vfio-pci "
                    "cannot claim that memory.",
                    fb_start, fb_end, b, address, start, end);
            return VF_BOOT_FB_INSIDE;
        }
    }
    return VF_BOOT_FB_NONE;
}

static void
vf_gpu_check_boot_framebuffer(VfHost *host, VfGpu *gpu)
{
    g_autofree char *detail = NULL;

    if (vf_pci_device_find_boot_framebuffer(host, gpu->device->address, &detail, NULL) !=
        VF_BOOT_FB_INSIDE)
        return;
    vf_gpu_add_blocker(gpu, VF_BLOCKER_BOOT_FRAMEBUFFER,
                       g_strconcat(detail,
                                   " QEMU would fail to start the VM (vfio-pci: \"BAR: can't "
                                   "reserve\").",
                                   NULL),
                       VF_BOOT_FRAMEBUFFER_FIX);
}

/* ---- resets ------------------------------------------------------------------------------ */

/* The AMD GPUs that need vendor-reset (gnif/vendor-reset, src/device-db.h): Polaris 10/11/12,
 * Vega 10/20, Navi 10/12/14. Newer ones (RX 6000 on) reset themselves. */
static const struct {
    guint16 device;
    const char *family;
} vf_amd_reset_bug[] = {
    {0x67c0, "Polaris 10"}, {0x67c1, "Polaris 10"}, {0x67c2, "Polaris 10"}, {0x67c4, "Polaris 10"},
    {0x67c7, "Polaris 10"}, {0x67c8, "Polaris 10"}, {0x67c9, "Polaris 10"}, {0x67ca, "Polaris 10"},
    {0x67cc, "Polaris 10"}, {0x67cf, "Polaris 10"}, {0x67d0, "Polaris 10"}, {0x67df, "Polaris 10"},
    {0x6fdf, "Polaris 10"}, {0x67e0, "Polaris 11"}, {0x67e1, "Polaris 11"}, {0x67e3, "Polaris 11"},
    {0x67e7, "Polaris 11"}, {0x67e8, "Polaris 11"}, {0x67e9, "Polaris 11"}, {0x67eb, "Polaris 11"},
    {0x67ef, "Polaris 11"}, {0x67ff, "Polaris 11"}, {0x6980, "Polaris 12"}, {0x6981, "Polaris 12"},
    {0x6985, "Polaris 12"}, {0x6986, "Polaris 12"}, {0x6987, "Polaris 12"}, {0x6995, "Polaris 12"},
    {0x6997, "Polaris 12"}, {0x699f, "Polaris 12"}, {0x6860, "Vega 10"},    {0x6861, "Vega 10"},
    {0x6862, "Vega 10"},    {0x6863, "Vega 10"},    {0x6864, "Vega 10"},    {0x6867, "Vega 10"},
    {0x6868, "Vega 10"},    {0x6869, "Vega 10"},    {0x686a, "Vega 10"},    {0x686b, "Vega 10"},
    {0x686c, "Vega 10"},    {0x686d, "Vega 10"},    {0x686e, "Vega 10"},    {0x686f, "Vega 10"},
    {0x687f, "Vega 10"},    {0x66a0, "Vega 20"},    {0x66a1, "Vega 20"},    {0x66a2, "Vega 20"},
    {0x66a3, "Vega 20"},    {0x66a4, "Vega 20"},    {0x66a7, "Vega 20"},    {0x66af, "Vega 20"},
    {0x164c, "Vega 20"},    {0x7310, "Navi 10"},    {0x7312, "Navi 10"},    {0x7318, "Navi 10"},
    {0x7319, "Navi 10"},    {0x731a, "Navi 10"},    {0x731b, "Navi 10"},    {0x731e, "Navi 10"},
    {0x731f, "Navi 10"},    {0x15bf, "Navi 10"},    {0x15dd, "Navi 10"},    {0x15de, "Navi 10"},
    {0x15e7, "Navi 10"},    {0x1636, "Navi 10"},    {0x1638, "Navi 10"},    {0x7360, "Navi 12"},
    {0x7362, "Navi 12"},    {0x7340, "Navi 14"},    {0x7341, "Navi 14"},    {0x7347, "Navi 14"},
    {0x734f, "Navi 14"},
};

const char *
vf_pci_device_get_reset_bug_family(const VfPciDevice *dev)
{
    if (dev->vendor_id != 0x1002)
        return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(vf_amd_reset_bug); i++)
        if (vf_amd_reset_bug[i].device == dev->device_id)
            return vf_amd_reset_bug[i].family;
    return NULL;
}

/* Devices behind @dev's upstream bridge that are not on its slot (the bridge's sysfs
 * directory holds one per device on its secondary bus): a secondary bus reset resets them
 * too, so the kernel (vfio) will not do it for this GPU alone. */
static char *
vf_gpu_bus_siblings(VfHost *host, const VfPciDevice *dev)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *bridge = NULL;
    g_autoptr(GPtrArray) entries = NULL;

    if (dev->parent == NULL)
        return NULL;
    bridge = g_strconcat("/sys/bus/pci/devices/", dev->parent, NULL);
    entries = vf_host_list_dir(host, bridge);
    for (guint i = 0; entries && i < entries->len; i++) {
        const char *name = entries->pdata[i];
        g_autofree char *addr = strlen(name) == 12 ? vf_pci_address_normalize(name, NULL) : NULL;

        if (addr && !vf_pci_address_same_slot(addr, dev->address))
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", addr);
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

static void
vf_gpu_check_reset(VfHost *host, VfGpu *gpu)
{
    const VfPciDevice *dev = gpu->device;
    const char *method = dev->reset_method;
    const char *family = vf_pci_device_get_reset_bug_family(dev);
    g_autofree char *siblings = NULL;

    if (method == NULL)
        return; /* Linux before 5.15 does not say */
    if (family && !strstr(method, "device_specific")) {
        vf_gpu_add_warning(
            gpu, "reset-bug",
            g_strdup_printf("%s is an AMD %s, which does not reset properly (the AMD reset bug): "
                            "after a VM used it, it may not work again, in the host or the next "
                            "VM, until the host reboots (reset_method: %s)",
                            dev->address, family, *method ? method : "none"),
            g_strdup_printf("Install vendor-reset (github.com/gnif/vendor-reset), load it at "
                            "boot, and write device_specific to "
                            "/sys/bus/pci/devices/%s/reset_method before each VM start (a udev "
                            "rule: ACTION==\"add\", SUBSYSTEM==\"pci\", ATTR{vendor}==\"0x1002\", "
                            "ATTR{device}==\"0x%04x\", ATTR{reset_method}=\"device_specific\").",
                            dev->address, dev->device_id));
    } else if (*method == '\0') {
        vf_gpu_add_warning(gpu, "no-reset",
                           g_strdup_printf("%s has no reset method (reset_method is empty): "
                                           "after a VM used it, it may not work again, in the "
                                           "host or the next VM, until the host reboots",
                                           dev->address),
                           g_strdup("Reboot the host after the VM stops; for AMD Polaris, Vega "
                                    "and Navi 10 cards, install vendor-reset and write "
                                    "device_specific to reset_method."));
    } else if (g_str_equal(method, "bus") && (siblings = vf_gpu_bus_siblings(host, dev))) {
        vf_gpu_add_warning(
            gpu, "reset-bus-only",
            g_strdup_printf("%s can only be reset with its bus (reset_method: bus), and %s sit "
                            "behind the same bridge %s: the kernel will not reset them with it, "
                            "so the GPU is not reset between VMs",
                            dev->address, siblings, dev->parent),
            g_strdup("Put the GPU in a slot with a port of its own (often the first x16 slot), "
                     "or reboot the host when the GPU misbehaves after a VM."));
    }
}

/* ---- did the GPU come back? --------------------------------------------------------------- */

/* DRM drivers whose probe registers the card before it returns, so that a bound driver
 * without /sys/bus/pci/devices/BDF/drm/cardN failed to bring the GPU up. */
static const char *const vf_drm_drivers[] = {"amdgpu", "radeon", "i915", "xe", "nouveau"};

static char *
vf_return_problem(VfHost *host, const VfDeviceOrigin *o)
{
    g_autofree char *driver_link = vf_pci_device_path(o->address, "driver");
    g_autofree char *driver = vf_host_readlink_name(host, driver_link);
    g_autofree char *class_path = vf_pci_device_path(o->address, "class");
    guint64 class_code = 0;

    if (driver == NULL) {
        if (o->host_driver_known && o->host_driver == NULL)
            return NULL; /* it had no driver before either */
        return o->host_driver
                   ? g_strdup_printf("%s has no driver (%s did not take it back)", o->address,
                                     o->host_driver)
                   : g_strdup_printf("%s has no driver (no host driver took it back)", o->address);
    }
    if (g_str_equal(driver, "vfio-pci") && g_strcmp0(o->host_driver, "vfio-pci") != 0)
        return g_strdup_printf("%s is still on vfio-pci", o->address);
    if (!vf_host_read_uint(host, class_path, 16, &class_code) || (class_code >> 16) != 0x03)
        return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(vf_drm_drivers); i++) {
        g_autofree char *drm_dir = NULL;
        g_autoptr(GPtrArray) nodes = NULL;
        gboolean card = FALSE;

        if (!g_str_equal(driver, vf_drm_drivers[i]))
            continue;
        drm_dir = vf_pci_device_path(o->address, "drm");
        nodes = vf_host_list_dir(host, drm_dir);
        for (guint n = 0; nodes && n < nodes->len; n++)
            card = card || g_str_has_prefix(nodes->pdata[n], "card");
        if (!card)
            return g_strdup_printf("%s is on %s but has no DRM device (%s/cardN): the driver "
                                   "could not bring it up",
                                   o->address, driver, drm_dir);
    }
    if (g_str_equal(driver, "nvidia") && vf_host_is_dir(host, "/proc/driver/nvidia/gpus")) {
        g_autofree char *proc = g_strconcat("/proc/driver/nvidia/gpus/", o->address, NULL);

        if (!vf_host_exists(host, proc))
            return g_strdup_printf("%s is on nvidia but %s does not exist: the driver could not "
                                   "bring it up",
                                   o->address, proc);
    }
    return NULL;
}

static char *
vf_return_record_path(VfHost *host, const char *address)
{
    g_autofree char *rel = g_strconcat("not-back/", address, NULL);

    return vf_host_dup_state_path(host, rel);
}

guint
vf_host_check_returned(VfHost *host, GPtrArray *devices, const GError *failure)
{
    g_autofree char *boot_id = vf_host_read_opt(host, "/proc/sys/kernel/random/boot_id");
    guint n = 0;

    for (guint i = 0; i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];
        g_autofree char *problem = vf_return_problem(host, o);
        g_autofree char *path = vf_return_record_path(host, o->address);
        g_autoptr(GKeyFile) kf = NULL;
        g_autofree char *dir = NULL;
        g_autoptr(GDateTime) now = NULL;
        g_autofree char *when = NULL;

        if (problem == NULL) {
            g_unlink(path);
            continue;
        }
        n++;
        kf = g_key_file_new();
        now = g_date_time_new_now_utc();
        when = g_date_time_format_iso8601(now);
        g_key_file_set_string(kf, "not-back", "problem", problem);
        if (failure)
            g_key_file_set_string(kf, "not-back", "failure", failure->message);
        g_key_file_set_string(kf, "not-back", "time", when);
        g_key_file_set_string(kf, "not-back", "boot_id", boot_id ? boot_id : "");
        dir = g_path_get_dirname(path);
        g_mkdir_with_parents(dir, 0755);
        if (!g_key_file_save_to_file(kf, path, NULL))
            g_debug("cannot record '%s' as not back in '%s'", o->address, path);
    }
    return n;
}

/* The problems recorded in this boot for the functions of @gpu's slot: "a; b", or NULL. */
static char *
vf_return_dup_problems(VfHost *host, const char *gpu, char **ret_when)
{
    g_autofree char *dir_path = vf_host_dup_state_path(host, "not-back");
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_autofree char *boot_id = vf_host_read_opt(host, "/proc/sys/kernel/random/boot_id");
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) out = g_string_new(NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL)
        if (vf_pci_address_same_slot(name, gpu))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, vf_strcmp_ptrs);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir_path, names->pdata[i], NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *problem = NULL;
        g_autofree char *recorded_boot = NULL;

        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
            continue;
        problem = g_key_file_get_string(kf, "not-back", "problem", NULL);
        recorded_boot = g_key_file_get_string(kf, "not-back", "boot_id", NULL);
        /* a reboot since then has reset the GPU */
        if (problem == NULL ||
            (boot_id && recorded_boot && *recorded_boot && !g_str_equal(boot_id, recorded_boot)))
            continue;
        g_string_append_printf(out, "%s%s", out->len ? "; " : "", problem);
        if (ret_when && *ret_when == NULL)
            *ret_when = g_key_file_get_string(kf, "not-back", "time", NULL);
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

static char *
vf_return_fix(const char *gpu)
{
    return g_strdup_printf("Reboot the host (a reboot resets the GPU), or try 'virtflow gpu "
                           "restore %s'; for an AMD card with the reset bug install vendor-reset "
                           "and set reset_method=device_specific so that it resets between VMs.",
                           gpu);
}

char *
vf_host_dup_return_warning(VfHost *host, const char *gpu)
{
    g_autofree char *when = NULL;
    g_autofree char *problems = vf_return_dup_problems(host, gpu, &when);
    g_autofree char *fix = NULL;

    if (problems == NULL)
        return NULL;
    fix = vf_return_fix(gpu);
    return g_strdup_printf("GPU %s did not come back to the host after its last VM (%s, at %s): "
                           "%s",
                           gpu, problems, when ? when : "an unknown time", fix);
}

static void
vf_gpu_check_returned(VfHost *host, VfGpu *gpu)
{
    g_autofree char *when = NULL;
    g_autofree char *problems = vf_return_dup_problems(host, gpu->device->address, &when);

    if (problems == NULL)
        return;
    vf_gpu_add_warning(gpu, "did-not-come-back",
                       g_strdup_printf("%s did not come back to the host after its last VM (%s, "
                                       "at %s)",
                                       gpu->device->address, problems,
                                       when ? when : "an unknown time"),
                       vf_return_fix(gpu->device->address));
}

/* ---- the report -------------------------------------------------------------------------- */

void
vf_host_report_check_drivers(VfHost *host, VfHostReport *report)
{
    g_autofree char *daemons = NULL;
    g_autoptr(GString) units = g_string_new(NULL);
    guint n_nvidia = 0;

    for (guint i = 0; i < report->gpus->len; i++)
        if (vf_gpu_any_on_driver(report->gpus->pdata[i], "nvidia"))
            n_nvidia++;
    /* one pass over /proc for the daemons, only where an NVIDIA GPU is */
    if (n_nvidia > 0)
        daemons = vf_nvidia_find_daemons(host, units);

    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];

        /* the host's display stays the host's: nothing else to say about it */
        if (gpu->device->boot_vga == 1)
            continue;
        vf_gpu_check_nvidia(host, report, gpu, n_nvidia, daemons, units->str);
        vf_gpu_check_boot_framebuffer(host, gpu);
        vf_gpu_check_reset(host, gpu);
        vf_gpu_check_returned(host, gpu);
    }
}
