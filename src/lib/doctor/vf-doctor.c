/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-doctor.c: the troubleshooting checks of `virtflow doctor`
 *
 * Every check reuses what the rest of the library already knows (the host report with its
 * blockers and holders, the IOMMU and vfio status, the recover journal, the domain record)
 * and adds only the explanation and the fix. Nothing here writes anything.
 */
#include "doctor/vf-doctor.h"

#include "domain/vf-domain-xml.h"
#include "host/vf-drivers.h"
#include "host/vf-gpu.h"
#include "host/vf-input.h"
#include "host/vf-interrupts.h"
#include "host/vf-iommu.h"
#include "host/vf-pci.h"
#include "host/vf-transition.h"
#include "core/vf-error.h"
#include "setup/vf-setup.h"
#include "tune/vf-tune-xml.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VF_DOCTOR_LOG_LINES 5
/* A daemon's start is known to the second at best (/proc/stat's btime is rounded), and
 * `virtflow setup` restarts it right after installing the hook: a hook no more than this
 * newer than the daemon's start counts as older. */
#define VF_DOCTOR_CLOCK_SLACK_S 2

static const char *const vf_check_status_names[] = {
    [VF_CHECK_PASS] = "pass",
    [VF_CHECK_WARN] = "warn",
    [VF_CHECK_FAIL] = "fail",
    [VF_CHECK_SKIP] = "skip",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_check_status_names) == VF_CHECK_LAST);

const char *
vf_check_status_to_string(VfCheckStatus status)
{
    g_return_val_if_fail(status < VF_CHECK_LAST, "?");
    return vf_check_status_names[status];
}

static void
vf_check_free(VfCheck *check)
{
    if (check == NULL)
        return;
    g_free(check->id);
    g_free(check->title);
    g_free(check->detail);
    g_free(check->fix);
    g_free(check);
}

VfDoctor *
vf_doctor_new(void)
{
    VfDoctor *doctor = g_new0(VfDoctor, 1);

    doctor->checks = g_ptr_array_new_with_free_func((GDestroyNotify)vf_check_free);
    return doctor;
}

void
vf_doctor_free(VfDoctor *doctor)
{
    if (doctor == NULL)
        return;
    g_ptr_array_unref(doctor->checks);
    g_free(doctor);
}

void
vf_doctor_add(VfDoctor *doctor, const char *id, const char *title, VfCheckStatus status,
              const char *detail, const char *fix)
{
    VfCheck *check = g_new0(VfCheck, 1);

    check->id = g_strdup(id);
    check->title = g_strdup(title);
    check->status = status;
    check->detail = g_strdup(detail ? detail : "");
    check->fix = g_strdup(fix);
    g_ptr_array_add(doctor->checks, check);
}

const VfCheck *
vf_doctor_get_check(VfDoctor *doctor, const char *id)
{
    for (guint i = 0; i < doctor->checks->len; i++) {
        const VfCheck *check = doctor->checks->pdata[i];

        if (g_str_equal(check->id, id))
            return check;
    }
    return NULL;
}

guint
vf_doctor_count(VfDoctor *doctor, VfCheckStatus status)
{
    guint n = 0;

    for (guint i = 0; i < doctor->checks->len; i++)
        if (((const VfCheck *)doctor->checks->pdata[i])->status == status)
            n++;
    return n;
}

/* The check's id for one GPU: "gpu-group:0000:01:00.0". */
static void
vf_doctor_add_gpu(VfDoctor *doctor, const char *what, const VfGpu *gpu, const char *title,
                  VfCheckStatus status, const char *detail, const char *fix)
{
    g_autofree char *id = g_strdup_printf("%s:%s", what, gpu->device->address);
    g_autofree char *full_title = g_strdup_printf("GPU %s: %s", gpu->device->address, title);

    vf_doctor_add(doctor, id, full_title, status, detail, fix);
}

/* ---- IOMMU and vfio ---------------------------------------------------------------- */

static void
vf_doctor_check_iommu(VfDoctor *doctor, const VfIommuStatus *iommu)
{
    g_autofree char *detail =
        g_strdup_printf("%s\nKernel command line: %s%s%s", iommu->verdict,
                        iommu->cmdline_on ? "intel_iommu=on/amd_iommu=on present"
                                          : "no intel_iommu=on or amd_iommu=on",
                        iommu->cmdline_pt ? ", iommu=pt" : "",
                        iommu->cmdline_off ? ", the IOMMU is switched OFF" : "");

    vf_doctor_add(doctor, "iommu", "IOMMU on and IOMMU groups present",
                  iommu->enabled ? VF_CHECK_PASS : VF_CHECK_FAIL, detail, iommu->fix);
}

static void
vf_doctor_check_vfio(VfDoctor *doctor, const VfVfioStatus *vfio)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    gboolean all_there = TRUE;
    gboolean any_loadable = FALSE;
    VfCheckStatus status;
    const char *fix = NULL;

    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        VfModuleState state = vfio->modules[i];

        g_string_append_printf(detail, "%s%s: %s", i ? ", " : "", vf_vfio_modules[i],
                               vf_module_state_to_string(state));
        if (state != VF_MODULE_LOADED && state != VF_MODULE_BUILTIN)
            all_there = FALSE;
        if (state == VF_MODULE_LOADABLE)
            any_loadable = TRUE;
    }
    g_string_append_printf(detail, " (kernel %s)",
                           vfio->kernel_release ? vfio->kernel_release : "unknown");
    if (vfio->driver_registered || all_there) {
        status = VF_CHECK_PASS;
        g_string_prepend(detail, "vfio-pci is ready. ");
    } else if (vfio->available) {
        status = VF_CHECK_WARN;
        g_string_prepend(detail, "vfio-pci is available but not loaded (VirtFlow loads it when "
                                 "it binds a GPU). ");
        fix = any_loadable ? "Run 'virtflow setup' to load vfio, vfio_iommu_type1 and vfio-pci "
                             "now and at every boot."
                           : NULL;
    } else {
        status = VF_CHECK_FAIL;
        g_string_prepend(detail, "vfio-pci is NOT available in this kernel. ");
        fix = "Install a kernel built with VFIO (CONFIG_VFIO_PCI, every distribution kernel "
              "has it), then run 'virtflow setup'.";
    }
    vf_doctor_add(doctor, "vfio", "vfio modules loaded, built in or loadable", status, detail->str,
                  fix);
}

static void
vf_doctor_check_modules_load(VfDoctor *doctor, VfHost *host, const VfVfioStatus *vfio)
{
    g_autofree char *conf = vf_host_read_opt(host, VF_SETUP_MODULES_CONF);
    gboolean builtin = TRUE;

    for (guint i = 0; i < VF_VFIO_N_MODULES; i++)
        if (vfio->modules[i] != VF_MODULE_BUILTIN)
            builtin = FALSE;
    if (conf && (strstr(conf, "vfio_pci") || strstr(conf, "vfio-pci"))) {
        vf_doctor_add(doctor, "modules-load", "vfio loaded at boot", VF_CHECK_PASS,
                      VF_SETUP_MODULES_CONF " loads vfio-pci at boot.", NULL);
    } else if (!vfio->available) {
        vf_doctor_add(doctor, "modules-load", "vfio loaded at boot", VF_CHECK_SKIP,
                      "This kernel has no vfio-pci to load (see the 'vfio' check).", NULL);
    } else if (builtin) {
        vf_doctor_add(doctor, "modules-load", "vfio loaded at boot", VF_CHECK_PASS,
                      "vfio, vfio_iommu_type1 and vfio_pci are built into the kernel: nothing "
                      "to load at boot.",
                      NULL);
    } else {
        vf_doctor_add(doctor, "modules-load", "vfio loaded at boot", VF_CHECK_WARN,
                      conf ? VF_SETUP_MODULES_CONF " exists but does not name vfio-pci."
                           : VF_SETUP_MODULES_CONF " does not exist: after a reboot "
                                                   "vfio-pci is loaded only when "
                                                   "VirtFlow binds a GPU.",
                      "Run 'virtflow setup' (it writes " VF_SETUP_MODULES_CONF ").");
    }
}

/* ---- GPUs ---------------------------------------------------------------------------- */

static void
vf_doctor_append_device(GString *out, const VfPciDevice *dev)
{
    g_autofree char *cls = vf_pci_class_dup_name(dev->class_code);
    g_autofree char *name = vf_pci_device_dup_device_name(dev);

    g_string_append_printf(out, "\n  %s  %s: %s  driver %s", dev->address, cls, name,
                           dev->driver ? dev->driver : "none");
}

static gboolean
vf_gpu_any_on_vfio(const VfGpu *gpu)
{
    for (guint i = 0; i < gpu->passthrough->len; i++)
        if (g_strcmp0(((VfPciDevice *)gpu->passthrough->pdata[i])->driver, "vfio-pci") == 0)
            return TRUE;
    return FALSE;
}

/* The process that holds the GPU's /dev/vfio/GROUP (a running QEMU), or NULL. */
static const VfHolder *
vf_gpu_vm_holder(const VfGpu *gpu)
{
    for (guint i = 0; i < gpu->holders->len; i++) {
        const VfHolder *h = gpu->holders->pdata[i];

        if (g_str_has_prefix(h->node, "/dev/vfio/"))
            return h;
    }
    return NULL;
}

static void
vf_doctor_check_gpu_driver(VfDoctor *doctor, const VfGpu *gpu)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autofree char *fix = NULL;
    VfCheckStatus status = VF_CHECK_PASS;
    gboolean any_vfio = vf_gpu_any_on_vfio(gpu);

    if (gpu->on_vfio)
        g_string_append(detail, "Every function is on vfio-pci (ready for a VM):");
    else if (any_vfio)
        g_string_append(detail, "Only part of the passthrough set is on vfio-pci:");
    else if (gpu->device->driver == NULL)
        g_string_append(detail, "The display function has no driver:");
    else
        g_string_append_printf(detail, "On its host driver %s:", gpu->device->driver);
    for (guint i = 0; i < gpu->passthrough->len; i++)
        vf_doctor_append_device(detail, gpu->passthrough->pdata[i]);

    if (any_vfio && !gpu->on_vfio) {
        status = VF_CHECK_WARN;
        fix = g_strdup_printf("Run 'virtflow recover' if an operation was interrupted, else "
                              "'virtflow gpu restore %s' to give the set back to the host.",
                              gpu->device->address);
    } else if (!any_vfio && gpu->device->driver == NULL) {
        status = VF_CHECK_WARN;
        fix = g_strdup_printf("Run 'virtflow gpu restore %s' to let the kernel bind its host "
                              "driver again.",
                              gpu->device->address);
    }
    vf_doctor_add_gpu(doctor, "gpu-driver", gpu, "driver of each function", status, detail->str,
                      fix);
}

static void
vf_doctor_check_gpu_group(VfDoctor *doctor, const VfHostReport *report, const VfGpu *gpu)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autoptr(GString) fix = g_string_new(NULL);
    g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(gint));

    if (!report->iommu->enabled || gpu->device->iommu_group < 0) {
        vf_doctor_add_gpu(doctor, "gpu-group", gpu, "IOMMU group", VF_CHECK_SKIP,
                          "No IOMMU group: the IOMMU is off (see the 'iommu' check).", NULL);
        return;
    }
    /* every group of what moves, bridges included: what a user would list (the functions
     * of the slot that stay with the host, each in a group of its own, are named apart) */
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *fn = gpu->passthrough->pdata[i];
        gboolean seen = FALSE;

        for (guint g = 0; g < groups->len; g++)
            if (g_array_index(groups, gint, g) == fn->iommu_group)
                seen = TRUE;
        if (!seen && fn->iommu_group >= 0)
            g_array_append_val(groups, fn->iommu_group);
    }
    for (guint g = 0; g < groups->len; g++) {
        gint group = g_array_index(groups, gint, g);
        g_autoptr(GPtrArray) members = vf_pci_bus_dup_group_members(report->bus, group);

        g_string_append_printf(detail, "%sIOMMU group %d:", g ? "\n" : "", group);
        for (guint i = 0; i < members->len; i++)
            vf_doctor_append_device(detail, members->pdata[i]);
    }
    if (gpu->staying->len > 0) {
        g_string_append(detail, "\nStays with the host (another vendor's function of the "
                                "slot, in a group of its own):");
        for (guint i = 0; i < gpu->staying->len; i++)
            vf_doctor_append_device(detail, gpu->staying->pdata[i]);
    }
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        if (b->kind != VF_BLOCKER_GROUP_NOT_VIABLE)
            continue;
        g_string_append_printf(detail, "\n%s", b->message);
        if (fix->len == 0)
            g_string_append(fix, b->fix);
    }
    if (fix->len)
        vf_doctor_add_gpu(doctor, "gpu-group", gpu, "IOMMU group holds only the GPU's functions",
                          VF_CHECK_FAIL, detail->str, fix->str);
    else
        vf_doctor_add_gpu(doctor, "gpu-group", gpu, "IOMMU group holds only the GPU's functions",
                          VF_CHECK_PASS, detail->str, NULL);
}

static void
vf_doctor_check_gpu_blockers(VfDoctor *doctor, const VfHostReport *report, const VfGpu *gpu)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autoptr(GString) fix = g_string_new(NULL);
    const VfHolder *vm = vf_gpu_vm_holder(gpu);
    const char *title = "nothing blocks its passthrough";

    if (vf_gpu_has_blocker(gpu, VF_BLOCKER_BOOT_VGA)) {
        vf_doctor_add_gpu(doctor, "gpu-blockers", gpu, title, VF_CHECK_SKIP,
                          "The firmware's boot display (boot_vga=1): it stays with the host.",
                          NULL);
        return;
    }
    if (gpu->on_vfio && vm) {
        g_autofree char *d = g_strdup_printf("Assigned to a running VM: pid %d (%s) holds %s.",
                                             vm->pid, vm->comm, vm->node);

        vf_doctor_add_gpu(doctor, "gpu-blockers", gpu, title, VF_CHECK_PASS, d, NULL);
        return;
    }
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];
        gboolean elsewhere = b->kind == VF_BLOCKER_NO_IOMMU ||
                             b->kind == VF_BLOCKER_VFIO_UNAVAILABLE ||
                             b->kind == VF_BLOCKER_GROUP_NOT_VIABLE;

        g_string_append_printf(detail, "%s%s: %s", detail->len ? "\n" : "",
                               vf_blocker_kind_to_string(b->kind), b->message);
        /* the IOMMU, vfio and group checks give those fixes once */
        if (!elsewhere)
            g_string_append_printf(fix, "%s%s", fix->len ? "\n" : "", b->fix);
    }
    if (gpu->blockers->len == 0) {
        g_string_append(detail, "Ready for passthrough.");
        if (!report->holders_complete)
            g_string_append(detail, " Some processes could not be inspected (not root): one "
                                    "of them may still hold the GPU.");
    }
    vf_doctor_add_gpu(doctor, "gpu-blockers", gpu, title,
                      gpu->blockers->len ? VF_CHECK_FAIL : VF_CHECK_PASS, detail->str,
                      fix->len ? fix->str : NULL);
}

/* On vfio-pci while no process holds /dev/vfio/GROUP: no VM uses it and the host has lost
 * it (a VM that crashed, a hook that never ran release). */
static void
vf_doctor_check_gpu_stuck(VfDoctor *doctor, const VfHostReport *report, const VfGpu *gpu)
{
    g_autofree char *detail = NULL;
    g_autofree char *fix = NULL;
    const VfHolder *vm = vf_gpu_vm_holder(gpu);
    const char *title = "not stuck on vfio-pci";

    if (!vf_gpu_any_on_vfio(gpu)) {
        vf_doctor_add_gpu(doctor, "gpu-stuck", gpu, title, VF_CHECK_PASS,
                          "No function is on vfio-pci.", NULL);
        return;
    }
    if (vm) {
        detail = g_strdup_printf("On vfio-pci and in use by pid %d (%s).", vm->pid, vm->comm);
        vf_doctor_add_gpu(doctor, "gpu-stuck", gpu, title, VF_CHECK_PASS, detail, NULL);
        return;
    }
    detail = g_strdup_printf(
        "On vfio-pci but no VM is running with it (no process holds /dev/vfio/%d)%s: the host "
        "cannot use it. Expected only between 'virtflow activate' and the VM's start.",
        gpu->device->iommu_group,
        report->holders_complete ? "" : " as far as could be seen (not root)");
    fix = g_strdup_printf("virtflow gpu restore %s", gpu->device->address);
    vf_doctor_add_gpu(doctor, "gpu-stuck", gpu, title, VF_CHECK_WARN, detail, fix);
}

static void
vf_doctor_check_gpus(VfDoctor *doctor, const VfHostReport *report)
{
    g_autoptr(GString) ready = g_string_new(NULL);

    for (guint i = 0; i < report->gpus->len; i++) {
        const VfGpu *gpu = report->gpus->pdata[i];

        if (vf_gpu_is_eligible(gpu) || (gpu->on_vfio && vf_gpu_vm_holder(gpu)))
            g_string_append_printf(ready, "%s%s", ready->len ? ", " : "", gpu->device->address);
    }
    if (report->gpus->len == 0)
        vf_doctor_add(doctor, "gpus", "a GPU to pass through", VF_CHECK_FAIL,
                      "No display-class PCI device (class 0x03) on this host.",
                      "Check that the card is seated and enabled in the firmware setup.");
    else if (ready->len == 0)
        vf_doctor_add(doctor, "gpus", "a GPU to pass through", VF_CHECK_FAIL,
                      "No GPU can be passed through now: each has a blocker (see the GPU "
                      "checks).",
                      "Apply the fixes of the failed GPU checks.");
    else {
        g_autofree char *detail =
            g_strdup_printf("%u GPU(s); can be passed through: %s", report->gpus->len, ready->str);

        vf_doctor_add(doctor, "gpus", "a GPU to pass through", VF_CHECK_PASS, detail, NULL);
    }
}

/* ---- interrupted operations ----------------------------------------------------------- */

static void
vf_doctor_check_journal(VfDoctor *doctor, VfHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = vf_transition_new_recover(host, &error);
    const char *title = "no interrupted bind or restore";
    g_autoptr(GString) detail = NULL;
    GPtrArray *devices;

    if (error) {
        vf_doctor_add(doctor, "journal", title, VF_CHECK_FAIL, error->message,
                      "Move the unreadable journal away, then check each GPU with 'virtflow "
                      "gpu list'.");
        return;
    }
    if (t == NULL) {
        vf_doctor_add(doctor, "journal", title, VF_CHECK_PASS,
                      "No journal of an unfinished operation.", NULL);
        return;
    }
    detail = g_string_new("An operation was interrupted (a crash or a kill) and left its "
                          "journal; its devices are in an unknown state:");
    devices = vf_transition_get_devices(t);
    for (guint i = 0; i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];

        g_string_append_printf(detail, "\n  %s (host driver %s)", o->address,
                               o->host_driver ? o->host_driver : "unknown");
    }
    vf_doctor_add(doctor, "journal", title, VF_CHECK_FAIL, detail->str,
                  "virtflow recover (returns every journaled device to its host driver)");
}

/* ---- the libvirt hook ----------------------------------------------------------------- */

/* lstat() of @path under the host's root. */
static gboolean
vf_doctor_lstat(VfHost *host, const char *path, struct stat *ret_st)
{
    g_autofree char *real = vf_host_dup_real_path(host, path);

    return lstat(real, ret_st) == 0;
}

/* Follows @path's symlinks inside the host's root (at most 8): the kernel path of the file
 * it ends at, or NULL with @ret_target set to the first missing target. */
static char *
vf_doctor_resolve(VfHost *host, const char *path, struct stat *ret_st, char **ret_target)
{
    g_autofree char *current = g_strdup(path);

    for (guint hops = 0; hops < 8; hops++) {
        g_autofree char *target = NULL;

        if (!vf_doctor_lstat(host, current, ret_st)) {
            *ret_target = g_steal_pointer(&current);
            return NULL;
        }
        if (!S_ISLNK(ret_st->st_mode))
            return g_steal_pointer(&current);
        target = vf_host_readlink(host, current);
        if (target == NULL) {
            *ret_target = g_steal_pointer(&current);
            return NULL;
        }
        if (!g_path_is_absolute(target)) {
            g_autofree char *dir = g_path_get_dirname(current);

            g_free(current);
            current = g_build_filename(dir, target, NULL);
        } else {
            g_free(current);
            current = g_steal_pointer(&target);
        }
    }
    *ret_target = g_steal_pointer(&current);
    return NULL;
}

static char *
vf_doctor_format_time(gint64 when)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(when);

    return t ? g_date_time_format(t, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

static void
vf_doctor_check_hook(VfDoctor *doctor, VfHost *host)
{
    struct stat link_st, st;
    g_autofree char *missing = NULL;
    g_autofree char *file = NULL;
    g_autofree char *detail = NULL;
    gint daemon_pid = 0;
    g_autofree char *daemon_name = NULL;
    gint64 daemon_started = 0;
    const char *title = "libvirt hook installed and executable";
    const char *daemon_title = "libvirt hook known to the running daemon";

    if (!vf_doctor_lstat(host, VF_SETUP_HOOK_LINK, &link_st)) {
        vf_doctor_add(doctor, "hook", title, VF_CHECK_FAIL,
                      VF_SETUP_HOOK_LINK " does not exist: libvirt will not call VirtFlow when "
                                         "a VM starts or stops, so a GPU bound for a VM is not "
                                         "given back to the host when it stops.",
                      "virtflow setup (installs the hook and restarts libvirtd)");
        vf_doctor_add(doctor, "hook-daemon", daemon_title, VF_CHECK_SKIP, "No hook installed.",
                      NULL);
        return;
    }
    file = vf_doctor_resolve(host, VF_SETUP_HOOK_LINK, &st, &missing);
    if (file == NULL) {
        detail = g_strdup_printf(VF_SETUP_HOOK_LINK " is a symlink to '%s', which does not "
                                                    "exist: libvirt skips it.",
                                 missing);
        vf_doctor_add(doctor, "hook", title, VF_CHECK_FAIL, detail,
                      "virtflow setup (installs the hook again)");
    } else if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
        detail = g_strdup_printf("%s is %s: libvirt runs only executable files of "
                                 "/etc/libvirt/hooks/qemu.d/.",
                                 file, S_ISREG(st.st_mode) ? "not executable" : "not a file");
        vf_doctor_add(doctor, "hook", title, VF_CHECK_FAIL, detail,
                      S_ISREG(st.st_mode) ? "chmod 755 " VF_SETUP_HOOK_LINK
                                          : "virtflow setup (installs the hook again)");
    } else if (g_str_equal(file, VF_SETUP_HOOK_LINK)) {
        vf_doctor_add(doctor, "hook", title, VF_CHECK_PASS,
                      VF_SETUP_HOOK_LINK " is an executable file.", NULL);
    } else {
        detail = g_strdup_printf(VF_SETUP_HOOK_LINK " → %s, an executable file.", file);
        vf_doctor_add(doctor, "hook", title, VF_CHECK_PASS, detail, NULL);
    }
    g_clear_pointer(&detail, g_free);

    /* libvirtd reads the hook directory when it starts: a hook installed after that is
     * not called until the daemon restarts */
    if (!vf_host_find_libvirt_daemon(host, &daemon_pid, &daemon_name, &daemon_started)) {
        vf_doctor_add(doctor, "hook-daemon", daemon_title, VF_CHECK_WARN,
                      "Neither libvirtd nor virtqemud is running.",
                      "Start the daemon: 'systemctl start libvirtd' (or virtqemud on a "
                      "modular install).");
    } else {
        gint64 installed = vf_setup_hook_installed_time(&link_st);
        g_autofree char *hook_time = vf_doctor_format_time(installed);
        g_autofree char *daemon_time =
            daemon_started > 0 ? vf_doctor_format_time(daemon_started) : NULL;
        g_autofree char *fix = NULL;

        if (daemon_started <= 0) {
            detail = g_strdup_printf("%s (pid %d) is running; its start time is unknown, so "
                                     "it may predate the hook (installed %s).",
                                     daemon_name, daemon_pid, hook_time);
            fix = g_strdup_printf("systemctl restart %s (if the hook was installed after it "
                                  "started)",
                                  daemon_name);
            vf_doctor_add(doctor, "hook-daemon", daemon_title, VF_CHECK_WARN, detail, fix);
        } else if (installed > daemon_started + VF_DOCTOR_CLOCK_SLACK_S) {
            detail = g_strdup_printf("%s (pid %d) started at %s, before the hook was installed "
                                     "(%s): it reads the hook directory only when it starts, "
                                     "so it does not call VirtFlow yet.",
                                     daemon_name, daemon_pid, daemon_time, hook_time);
            fix = g_strdup_printf("Restart the daemon: 'systemctl restart %s' (without "
                                  "systemd: stop it and start it again), or run 'sudo virtflow "
                                  "setup', which does it.",
                                  daemon_name);
            vf_doctor_add(doctor, "hook-daemon", daemon_title, VF_CHECK_WARN, detail, fix);
        } else {
            detail = g_strdup_printf("%s (pid %d) started at %s, after the hook was installed "
                                     "(%s).",
                                     daemon_name, daemon_pid, daemon_time, hook_time);
            vf_doctor_add(doctor, "hook-daemon", daemon_title, VF_CHECK_PASS, detail, NULL);
        }
    }
}

/* "Reset methods: 0000:01:00.0 flr bus, 0000:01:00.1 flr bus." (every function moves) */
static char *
vf_doctor_reset_methods(const VfGpu *gpu)
{
    g_autoptr(GString) out = g_string_new("Reset methods:");

    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *fn = gpu->passthrough->pdata[i];

        g_string_append_printf(out, "%s %s %s", i ? "," : "", fn->address,
                               fn->reset_method == NULL    ? "(not shown)"
                               : *fn->reset_method == '\0' ? "none"
                                                           : fn->reset_method);
    }
    g_string_append_c(out, '.');
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The GPU's reset: without one, a GPU a VM used may not work again until the host
 * reboots (pain point: the AMD reset bug). */
static void
vf_doctor_check_gpu_reset(VfDoctor *doctor, const VfGpu *gpu)
{
    const char *method = gpu->device->reset_method;
    const char *title = "can be reset between VMs";
    g_autofree char *methods = NULL;
    g_autofree char *detail = NULL;

    if (vf_gpu_has_blocker(gpu, VF_BLOCKER_BOOT_VGA))
        return; /* the host's display: never handed to a VM */
    methods = vf_doctor_reset_methods(gpu);
    /* the AMD reset bug, a bus-only reset shared with other devices (host/vf-drivers.h) */
    for (guint i = 0; i < gpu->warnings->len; i++) {
        const VfGpuWarning *w = gpu->warnings->pdata[i];

        if (g_str_equal(w->code, "reset-bug") || g_str_equal(w->code, "reset-bus-only")) {
            detail = g_strdup_printf("%s.\n%s", w->message, methods);
            vf_doctor_add_gpu(doctor, "gpu-reset", gpu, title, VF_CHECK_WARN, detail, w->fix);
            return;
        }
    }
    if (method == NULL) {
        vf_doctor_add_gpu(doctor, "gpu-reset", gpu, title, VF_CHECK_SKIP,
                          "The kernel does not say how it resets the device (no reset_method: "
                          "Linux older than 5.15).",
                          NULL);
    } else if (*method == '\0') {
        detail = g_strdup_printf("No reset method (reset_method is empty): after a VM used it, "
                                 "the GPU may not work again, in the host or in the next VM, "
                                 "until the host reboots.\n%s",
                                 methods);
        vf_doctor_add_gpu(
            doctor, "gpu-reset", gpu, title, VF_CHECK_WARN, detail,
            "For AMD Polaris, Vega and Navi 10 cards, install the vendor-reset module and write "
            "device_specific to reset_method; otherwise reboot the host after the VM stops.");
    } else {
        detail = g_strdup_printf("The kernel resets it by: %s.\n%s", method, methods);
        vf_doctor_add_gpu(doctor, "gpu-reset", gpu, title, VF_CHECK_PASS, detail, NULL);
    }
}

/* A firmware framebuffer inside one of the GPU's BARs keeps that memory busy: vfio-pci
 * cannot claim it and QEMU fails to map the BAR (host/vf-drivers.h; also a blocker). */
static void
vf_doctor_check_gpu_framebuffer(VfDoctor *doctor, VfHost *host, const VfGpu *gpu)
{
    const char *title = "no firmware framebuffer in its memory";
    g_autofree char *detail = NULL;
    gboolean any = FALSE;

    if (vf_gpu_has_blocker(gpu, VF_BLOCKER_BOOT_VGA))
        return;
    switch (vf_pci_device_find_boot_framebuffer(host, gpu->device->address, &detail, &any)) {
    case VF_BOOT_FB_INSIDE:
        vf_doctor_add_gpu(doctor, "gpu-framebuffer", gpu, title, VF_CHECK_FAIL, detail,
                          VF_BOOT_FRAMEBUFFER_FIX);
        break;
    case VF_BOOT_FB_NONE:
        vf_doctor_add_gpu(doctor, "gpu-framebuffer", gpu, title, VF_CHECK_PASS,
                          any ? "The firmware framebuffer is outside its memory."
                              : "No firmware framebuffer in /proc/iomem.",
                          NULL);
        break;
    case VF_BOOT_FB_NO_RESOURCE:
        vf_doctor_add_gpu(doctor, "gpu-framebuffer", gpu, title, VF_CHECK_SKIP,
                          "The kernel does not show the GPU's memory ranges.", NULL);
        break;
    case VF_BOOT_FB_NO_ADDRESSES:
        vf_doctor_add_gpu(doctor, "gpu-framebuffer", gpu, title, VF_CHECK_SKIP,
                          "/proc/iomem shows no addresses (run as root).", NULL);
        break;
    case VF_BOOT_FB_NO_IOMEM:
    default:
        vf_doctor_add_gpu(doctor, "gpu-framebuffer", gpu, title, VF_CHECK_SKIP,
                          "There is no /proc/iomem to read.", NULL);
        break;
    }
}

/* NVIDIA: what keeps the driver from letting go without a process showing it (a blocker
 * too; said here with its explanation). Only for GPUs on the nvidia driver. */
static void
vf_doctor_check_gpu_nvidia(VfDoctor *doctor, const VfGpu *gpu)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autoptr(GString) fix = g_string_new(NULL);
    const char *title = "the nvidia driver can let go of it";
    gboolean on_nvidia = FALSE;

    if (vf_gpu_has_blocker(gpu, VF_BLOCKER_BOOT_VGA))
        return;
    for (guint i = 0; i < gpu->passthrough->len; i++)
        on_nvidia =
            on_nvidia ||
            g_strcmp0(((const VfPciDevice *)gpu->passthrough->pdata[i])->driver, "nvidia") == 0;
    if (!on_nvidia)
        return;
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        if (b->kind != VF_BLOCKER_NVIDIA_HOLDER && b->kind != VF_BLOCKER_FRAMEBUFFER)
            continue;
        g_string_append_printf(detail, "%s%s: %s", detail->len ? "\n" : "",
                               vf_blocker_kind_to_string(b->kind), b->message);
        g_string_append_printf(fix, "%s%s", fix->len ? "\n" : "", b->fix);
    }
    if (detail->len) {
        g_string_append(detail, "\nNVIDIA's unbind waits for the GPU's usage count to reach "
                                "zero and never finishes once started (NVIDIA "
                                "open-gpu-kernel-modules issues 1119 and 1374), so VirtFlow "
                                "does not start it.");
        vf_doctor_add_gpu(doctor, "gpu-nvidia", gpu, title, VF_CHECK_FAIL, detail->str, fix->str);
    } else {
        vf_doctor_add_gpu(doctor, "gpu-nvidia", gpu, title, VF_CHECK_PASS,
                          "No nvidia-persistenced or nvidia-powerd, no nvidia_drm framebuffer "
                          "console on it, no user of the nvidia module that no process shows.",
                          NULL);
    }
}

/* Did the GPU come back to the host after its last VM (host/vf-drivers.h)? */
static void
vf_doctor_check_gpu_returned(VfDoctor *doctor, const VfGpu *gpu)
{
    const char *title = "came back to the host after its last VM";

    if (vf_gpu_has_blocker(gpu, VF_BLOCKER_BOOT_VGA))
        return;
    for (guint i = 0; i < gpu->warnings->len; i++) {
        const VfGpuWarning *w = gpu->warnings->pdata[i];

        if (g_str_equal(w->code, "did-not-come-back")) {
            vf_doctor_add_gpu(doctor, "gpu-returned", gpu, title, VF_CHECK_WARN, w->message,
                              w->fix);
            return;
        }
    }
    vf_doctor_add_gpu(doctor, "gpu-returned", gpu, title, VF_CHECK_PASS,
                      "No restore since this boot left it without its driver or DRM device.", NULL);
}

/* The name of uid/gid @id on @host (its passwd/group file; the number when none). */
static char *
vf_doctor_name_of(VfHost *host, gboolean group, const char *id)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (vf_host_is_live(host)) {
        guint64 n = 0;
        struct passwd *pw = NULL;
        struct group *gr = NULL;

        if (vf_host_parse_uint(id, 10, &n)) {
            if (group)
                gr = getgrgid((gid_t)n);
            else
                pw = getpwuid((uid_t)n);
        }
        return g_strdup(gr ? gr->gr_name : pw ? pw->pw_name : id);
    }
    text = vf_host_read_opt(host, group ? "/etc/group" : "/etc/passwd");
    lines = g_strsplit(text ? text : "", "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ":", 4);

        if (g_strv_length(f) >= 3 && g_str_equal(f[2], id))
            return g_strdup(f[0]);
    }
    return g_strdup(id);
}

/* ---- the boot loader and Looking Glass ------------------------------------------------ */

/* Which boot loader takes the kernel command line, and whether the IOMMU options are in
 * its configuration (`setup --grub` puts them there). */
static void
vf_doctor_check_boot_loader(VfDoctor *doctor, VfHost *host, const VfIommuStatus *iommu)
{
    g_autoptr(VfBootConfig) boot = vf_boot_config_new(host);
    const char *title = "boot loader and the IOMMU options";
    const char *name = boot->loader == VF_BOOT_LOADER_KERNEL_INSTALL ? "systemd-boot/kernel-install"
                       : boot->loader == VF_BOOT_LOADER_UNKNOWN      ? "not known"
                                                                     : "GRUB";
    g_autofree char *detail = NULL;
    g_autofree char *grubby = NULL;
    const char *fix = NULL;
    VfCheckStatus status;

    if (boot->loader == VF_BOOT_LOADER_UNKNOWN) {
        detail = g_strdup_printf("Boot loader: not known (%s).%s", boot->evidence,
                                 iommu->enabled ? " The IOMMU is on." : "");
        vf_doctor_add(doctor, "boot-loader", title, iommu->enabled ? VF_CHECK_PASS : VF_CHECK_SKIP,
                      detail, NULL);
        return;
    }
    detail = g_strdup_printf("Boot loader: %s (%s); the kernel command line is configured in "
                             "%s, which %s the IOMMU options.%s",
                             name, boot->evidence, boot->config,
                             boot->iommu_configured ? "has" : "does not have",
                             iommu->enabled ? " The IOMMU is on." : "");
    if (iommu->enabled)
        status = VF_CHECK_PASS; /* on by default (AMD, some kernels): no option needed */
    else if (boot->iommu_configured) {
        status = VF_CHECK_WARN;
        fix = boot->loader == VF_BOOT_LOADER_KERNEL_INSTALL
                  ? "The running kernel was booted without them: run 'kernel-install add "
                    "$(uname -r) /boot/vmlinuz-$(uname -r)' so the boot entries get them, and "
                    "reboot."
              : boot->loader == VF_BOOT_LOADER_GRUB
                  ? "The running kernel was booted without them: run 'update-grub' and reboot."
                  : "The running kernel was booted without them: run 'grub2-mkconfig -o "
                    "/boot/grub2/grub.cfg' (or grubby) and reboot.";
    } else {
        /* the 'iommu' check fails already; this one says where the options go */
        status = VF_CHECK_WARN;
        const char *options = vf_iommu_kernel_options(host);

        /* the options for this CPU; Intel's with the AMD ones named when it is not known */
        grubby = g_strdup_printf("sudo grubby --update-kernel=ALL --args=\"%s\"%s, then reboot.",
                                 options ? options : "intel_iommu=on iommu=pt",
                                 options ? "" : " (amd_iommu=on on AMD)");
        fix = boot->loader == VF_BOOT_LOADER_GRUB_NO_DROPIN
                  ? grubby
                  : "sudo virtflow setup --grub (writes the options where this boot loader reads "
                    "them), then follow what it says and reboot.";
    }
    vf_doctor_add(doctor, "boot-loader", title, status, detail, fix);
}

/* looking-glass-client in one of $PATH's directories, under the host's root. */
static char *
vf_doctor_find_client(VfHost *host)
{
    const char *path = g_getenv("PATH");
    g_auto(GStrv) dirs = g_strsplit(path ? path : "/usr/local/bin:/usr/bin:/bin", ":", -1);

    for (guint i = 0; dirs[i]; i++) {
        g_autofree char *file = NULL;
        g_autofree char *real = NULL;

        if (!g_path_is_absolute(dirs[i]))
            continue;
        file = g_build_filename(dirs[i], "looking-glass-client", NULL);
        real = vf_host_dup_real_path(host, file);
        if (g_file_test(real, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(real, G_FILE_TEST_IS_DIR))
            return g_steal_pointer(&file);
    }
    return NULL;
}

/* Looking Glass (--view looking-glass): the shared memory file, setup's tmpfiles rule, the
 * AppArmor rule, kvmfr and the client. None of it is needed by a host that does not use
 * Looking Glass: such a host gets skips and warnings, never a failure. */
static void
vf_doctor_check_looking_glass(VfDoctor *doctor, VfHost *host)
{
    g_autofree char *user = vf_setup_dup_looking_glass_user(host);
    g_autofree char *client = vf_doctor_find_client(host);
    g_autofree char *shm = vf_host_dup_real_path(host, VF_SETUP_LG_SHM);
    gboolean kvmfr = vf_setup_kvmfr_loaded(host);
    gboolean used;
    struct stat st;
    gboolean shm_exists = lstat(shm, &st) == 0;
    const char *recreate = "Once the VM is off: rm " VF_SETUP_LG_SHM " (after 'sudo virtflow "
                           "setup'): VirtFlow's hook makes it again, as the tmpfiles rule says, "
                           "when the VM starts.";

    used = shm_exists || user != NULL || client != NULL || kvmfr;

    /* the shared memory file */
    if (!shm_exists) {
        vf_doctor_add(doctor, "lg-shm", "Looking Glass shared memory file", VF_CHECK_SKIP,
                      VF_SETUP_LG_SHM " does not exist: VirtFlow's hook makes it (for the "
                                      "tmpfiles rule's user) when a VM with --view looking-glass "
                                      "starts, and removes it when the VM stops.",
                      NULL);
    } else {
        g_autofree char *owner = NULL;
        g_autofree char *group = NULL;
        g_autofree char *uid = g_strdup_printf("%u", (guint)st.st_uid);
        g_autofree char *gid = g_strdup_printf("%u", (guint)st.st_gid);
        g_autofree char *detail = NULL;
        g_autofree char *fix = NULL;
        VfCheckStatus status = VF_CHECK_PASS;

        owner = vf_doctor_name_of(host, FALSE, uid);
        group = vf_doctor_name_of(host, TRUE, gid);
        detail = g_strdup_printf(VF_SETUP_LG_SHM " is %s, owner %s, group %s, mode %04o.",
                                 S_ISREG(st.st_mode) ? "a file" : "NOT a plain file", owner, group,
                                 (guint)(st.st_mode & 07777));
        if (!S_ISREG(st.st_mode)) {
            status = VF_CHECK_FAIL;
            fix = g_strdup_printf("QEMU and the client map a plain file there: %s", recreate);
        } else if ((st.st_mode & 0660) != 0660) {
            status = VF_CHECK_FAIL;
            fix = g_strdup_printf("The client needs read and write (0660): %s", recreate);
        } else if (user && !g_str_equal(user, owner)) {
            status = VF_CHECK_FAIL;
            fix = g_strdup_printf("The tmpfiles rule gives it to %s: %s", user, recreate);
        } else if (user == NULL && st.st_uid == 0) {
            status = VF_CHECK_WARN;
            fix = g_strdup("It is root's: run 'sudo virtflow setup' (a tmpfiles rule makes it "
                           "the desktop user's), then rm " VF_SETUP_LG_SHM " once the VM is off: "
                           "VirtFlow's hook makes it again when the VM starts.");
        }
        vf_doctor_add(doctor, "lg-shm", "Looking Glass shared memory file", status, detail, fix);
    }

    /* setup's tmpfiles rule */
    if (user) {
        g_autofree char *detail = g_strdup_printf(
            VF_SETUP_LG_TMPFILES " makes " VF_SETUP_LG_SHM " %s's (group kvm, 0660).", user);

        vf_doctor_add(doctor, "lg-tmpfiles", "tmpfiles rule for Looking Glass", VF_CHECK_PASS,
                      detail, NULL);
    } else {
        vf_doctor_add(doctor, "lg-tmpfiles", "tmpfiles rule for Looking Glass",
                      used ? VF_CHECK_WARN : VF_CHECK_SKIP,
                      used ? "No " VF_SETUP_LG_TMPFILES ": the shared memory file is made by "
                             "QEMU, and the Looking Glass client cannot open it."
                           : "No " VF_SETUP_LG_TMPFILES " (only --view looking-glass needs it).",
                      "sudo virtflow setup (or 'virtflow setup --user NAME' as root)");
    }

    /* AppArmor */
    if (!vf_setup_apparmor_confines_qemu(host)) {
        vf_doctor_add(doctor, "lg-apparmor", "AppArmor lets QEMU open the shared memory",
                      VF_CHECK_SKIP,
                      "AppArmor does not confine QEMU here (no " VF_SETUP_APPARMOR_QEMU ").", NULL);
    } else if (vf_setup_apparmor_has_rule(host, VF_SETUP_LG_SHM " rw,")) {
        vf_doctor_add(doctor, "lg-apparmor", "AppArmor lets QEMU open the shared memory",
                      VF_CHECK_PASS, VF_SETUP_LG_APPARMOR " has '" VF_SETUP_LG_SHM " rw,'.", NULL);
    } else {
        vf_doctor_add(doctor, "lg-apparmor", "AppArmor lets QEMU open the shared memory",
                      used ? VF_CHECK_WARN : VF_CHECK_SKIP,
                      "AppArmor confines QEMU and " VF_SETUP_LG_APPARMOR " has no '" VF_SETUP_LG_SHM
                      " rw,' (libvirt before 5.10 needs it for Looking Glass).",
                      "sudo virtflow setup (adds the rule), then 'systemctl reload apparmor'");
    }

    /* kvmfr */
    if (!kvmfr) {
        vf_doctor_add(doctor, "lg-kvmfr", "kvmfr (Looking Glass's optional module)", VF_CHECK_SKIP,
                      "The kvmfr module is not loaded: Looking Glass uses " VF_SETUP_LG_SHM ".",
                      NULL);
    } else {
        struct stat dev;
        g_autofree char *node = vf_host_dup_real_path(host, "/dev/kvmfr0");
        gboolean is_dev = stat(node, &dev) == 0 && S_ISCHR(dev.st_mode);
        gboolean acl = vf_setup_qemu_conf_allows_kvmfr(host);
        gboolean aa = !vf_setup_apparmor_confines_qemu(host) ||
                      vf_setup_apparmor_has_rule(host, "/dev/kvmfr0 rw,");
        g_autofree char *detail = g_strdup_printf(
            "kvmfr is loaded; /dev/kvmfr0 is %s; " VF_SETUP_QEMU_CONF "'s cgroup_device_acl %s "
            "it%s.",
            is_dev ? "its device"
                   : "NOT a device (QEMU made a plain file before the module "
                     "loaded?)",
            acl ? "lists" : "does not list", aa ? "" : "; AppArmor has no '/dev/kvmfr0 rw,'");

        vf_doctor_add(
            doctor, "lg-kvmfr", "kvmfr (Looking Glass's optional module)",
            is_dev && acl && aa ? VF_CHECK_PASS : VF_CHECK_WARN, detail,
            is_dev && acl && aa ? NULL
            : !is_dev ? "rm /dev/kvmfr0 and reload the module (modprobe -r kvmfr && modprobe "
                        "kvmfr)."
            : !acl    ? "Uncomment cgroup_device_acl in " VF_SETUP_QEMU_CONF " (keep its "
                        "entries), add \"/dev/kvmfr0\", and restart libvirtd."
                      : "sudo virtflow setup (adds '/dev/kvmfr0 rw,' to " VF_SETUP_LG_APPARMOR
                     "), then 'systemctl reload apparmor'.");
    }

    /* the client */
    if (client) {
        g_autofree char *detail = g_strdup_printf("%s is installed.", client);

        vf_doctor_add(doctor, "lg-client", "looking-glass-client on PATH", VF_CHECK_PASS, detail,
                      NULL);
    } else {
        vf_doctor_add(doctor, "lg-client", "looking-glass-client on PATH",
                      used ? VF_CHECK_WARN : VF_CHECK_SKIP,
                      "No looking-glass-client in PATH: --view looking-glass shows the VM in "
                      "its window.",
                      "Install the Looking Glass client (your distribution's package, or build "
                      "it: https://looking-glass.io/docs/stable/install_client/).");
    }
}

/* Fedora's SELinux policy confines hooks unless virt_hooks_unconfined is on; a confined
 * hook cannot write sysfs. Only said where SELinux is there. */
static void
vf_doctor_check_selinux(VfDoctor *doctor, VfHost *host)
{
    g_autofree char *enforce = vf_host_read_opt(host, "/sys/fs/selinux/enforce");
    g_autofree char *boolean =
        vf_host_read_opt(host, "/sys/fs/selinux/booleans/virt_hooks_unconfined");
    const char *title = "SELinux lets the libvirt hook work";

    if (enforce == NULL)
        return;
    if (!g_str_equal(enforce, "1"))
        vf_doctor_add(doctor, "hook-selinux", title, VF_CHECK_PASS, "SELinux is not enforcing.",
                      NULL);
    else if (boolean == NULL)
        vf_doctor_add(doctor, "hook-selinux", title, VF_CHECK_SKIP,
                      "SELinux is enforcing; its policy has no virt_hooks_unconfined boolean.",
                      NULL);
    else if (boolean[0] == '1')
        vf_doctor_add(doctor, "hook-selinux", title, VF_CHECK_PASS,
                      "SELinux is enforcing and virt_hooks_unconfined is on.", NULL);
    else
        vf_doctor_add(doctor, "hook-selinux", title, VF_CHECK_WARN,
                      "SELinux is enforcing and virt_hooks_unconfined is off: libvirt runs the "
                      "hook confined, and it may be denied the sysfs writes that move the GPU.",
                      "setsebool -P virt_hooks_unconfined on");
}

void
vf_doctor_check_host(VfDoctor *doctor, VfHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHostReport) report = vf_host_report_new(host, &error);

    if (report == NULL) {
        vf_doctor_add(doctor, "host", "read the host's PCI devices", VF_CHECK_FAIL, error->message,
                      "Run on the machine itself (or a complete --host-root).");
    } else {
        vf_doctor_check_iommu(doctor, report->iommu);
        vf_doctor_check_boot_loader(doctor, host, report->iommu);
        vf_doctor_check_vfio(doctor, report->vfio);
        vf_doctor_check_modules_load(doctor, host, report->vfio);
        vf_doctor_check_gpus(doctor, report);
        for (guint i = 0; i < report->gpus->len; i++) {
            const VfGpu *gpu = report->gpus->pdata[i];

            vf_doctor_check_gpu_driver(doctor, gpu);
            vf_doctor_check_gpu_group(doctor, report, gpu);
            vf_doctor_check_gpu_blockers(doctor, report, gpu);
            vf_doctor_check_gpu_stuck(doctor, report, gpu);
            vf_doctor_check_gpu_reset(doctor, gpu);
            vf_doctor_check_gpu_framebuffer(doctor, host, gpu);
            vf_doctor_check_gpu_nvidia(doctor, gpu);
            vf_doctor_check_gpu_returned(doctor, gpu);
        }
    }
    vf_doctor_check_journal(doctor, host);
    vf_doctor_check_hook(doctor, host);
    vf_doctor_check_selinux(doctor, host);
    vf_doctor_check_looking_glass(doctor, host);
}

/* ---- libvirt and one VM ----------------------------------------------------------------- */

/* A GPU on vfio-pci with no process holding /dev/vfio/GROUP may still be a running VM's
 * when processes could not be inspected, and is expected for a VM activated but not
 * started: libvirt knows which. */
static void
vf_doctor_amend_stuck(VfDoctor *doctor, GPtrArray *domains)
{
    for (guint i = 0; i < doctor->checks->len; i++) {
        VfCheck *check = doctor->checks->pdata[i];
        const char *gpu;

        if (!g_str_has_prefix(check->id, "gpu-stuck:") || check->status != VF_CHECK_WARN)
            continue;
        gpu = check->id + strlen("gpu-stuck:");
        for (guint d = 0; d < domains->len; d++) {
            const VfDomainInfo *info = domains->pdata[d];
            char *detail;

            if (!info->passthrough || g_strcmp0(info->gpu, gpu) != 0)
                continue;
            if (vf_domain_state_is_active(info->state)) {
                detail = g_strdup_printf("On vfio-pci and assigned to VM '%s', which libvirt "
                                         "reports %s.",
                                         info->name, vf_domain_state_to_string(info->state));
                check->status = VF_CHECK_PASS;
                g_clear_pointer(&check->fix, g_free);
            } else {
                detail = g_strdup_printf("%s\nIt is bound for VM '%s' (activated, %s): 'virtflow "
                                         "start %s' uses it; restore it meanwhile if the host "
                                         "needs it.",
                                         check->detail, info->name,
                                         vf_domain_state_to_string(info->state), info->name);
            }
            g_free(check->detail);
            check->detail = detail;
            break;
        }
    }
}

/* libvirt's test driver (test://, the demo's) runs inside our process and calls no hook:
 * whether a daemon runs does not matter to it. */
static void
vf_doctor_amend_test_driver(VfDoctor *doctor, const char *uri)
{
    VfCheck *check = (VfCheck *)vf_doctor_get_check(doctor, "hook-daemon");

    if (check == NULL || !g_str_has_prefix(uri, "test:") || check->status == VF_CHECK_PASS)
        return;
    check->status = VF_CHECK_SKIP;
    g_free(check->detail);
    check->detail = g_strdup("libvirt's test driver runs inside VirtFlow and calls no hook; no "
                             "daemon is involved.");
    g_clear_pointer(&check->fix, g_free);
}

void
vf_doctor_check_libvirt(VfDoctor *doctor, VfConnection *conn, const GError *error,
                        const char *reason)
{
    const char *title = "libvirt reachable";

    if (conn) {
        g_autoptr(GError) local = NULL;
        g_autoptr(GPtrArray) domains = vf_connection_list_domains(conn, &local);
        g_autofree char *detail = NULL;

        if (domains == NULL) {
            detail = g_strdup_printf("Connected to %s, but the VMs cannot be listed: %s",
                                     vf_connection_get_uri(conn), local->message);
            vf_doctor_add(doctor, "libvirt", title, VF_CHECK_WARN, detail,
                          "As a user, join the 'libvirt' group (or run as root).");
            return;
        }
        detail = g_strdup_printf("Connected to %s (%u VM%s).", vf_connection_get_uri(conn),
                                 domains->len, domains->len == 1 ? "" : "s");
        vf_doctor_add(doctor, "libvirt", title, VF_CHECK_PASS, detail, NULL);
        vf_doctor_amend_stuck(doctor, domains);
        vf_doctor_amend_test_driver(doctor, vf_connection_get_uri(conn));
    } else if (error) {
        vf_doctor_add(doctor, "libvirt", title, VF_CHECK_FAIL, error->message,
                      "Start the daemon ('systemctl start libvirtd', or virtqemud on a modular "
                      "install), or name another connection with --connect URI; as a user, "
                      "join the 'libvirt' group.");
    } else {
        vf_doctor_add(doctor, "libvirt", title, VF_CHECK_SKIP, reason, NULL);
    }
}

/* The hook log lines of domain @name: the hook writes domain="NAME" with \" and \\
 * escaped (src/hook/virtflow-hook.c). The last VF_DOCTOR_LOG_LINES, oldest first. */
static GPtrArray *
vf_doctor_hook_lines(const char *log, const char *name)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) needle = g_string_new(" domain=\"");
    g_auto(GStrv) all = g_strsplit(log, "\n", -1);

    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(needle, '\\');
        g_string_append_c(needle, *p);
    }
    g_string_append(needle, "\" ");
    for (guint i = 0; all[i]; i++) {
        if (strstr(all[i], needle->str) == NULL)
            continue;
        if (lines->len == VF_DOCTOR_LOG_LINES)
            g_ptr_array_remove_index(lines, 0);
        g_ptr_array_add(lines, g_strdup(all[i]));
    }
    return lines;
}

static void
vf_doctor_check_hook_log(VfDoctor *doctor, VfHost *host, const char *name, gboolean activated)
{
    g_autofree char *log = vf_host_read_opt(host, VF_DOCTOR_HOOK_LOG_PATH);
    g_autoptr(GPtrArray) lines = log ? vf_doctor_hook_lines(log, name) : NULL;
    g_autoptr(GString) detail = g_string_new(NULL);
    const char *title = "the hook's last calls for this VM";
    const char *last;

    if (lines == NULL || lines->len == 0) {
        g_string_printf(detail, "%s has no line for '%s'%s", VF_DOCTOR_HOOK_LOG_PATH, name,
                        log ? "" : " (the file does not exist)");
        g_string_append(detail, activated ? ": the hook has not run for it (the VM was not "
                                            "started since its activation, or libvirt does not "
                                            "call the hook)."
                                          : ".");
        vf_doctor_add(doctor, "vm-hook-log", title, activated ? VF_CHECK_WARN : VF_CHECK_SKIP,
                      detail->str,
                      activated ? "Start the VM ('virtflow start VM'); if nothing is logged then, "
                                  "see the 'hook' and 'hook-daemon' checks."
                                : NULL);
        return;
    }
    g_string_printf(detail, "Last %u line(s) of %s:", lines->len, VF_DOCTOR_HOOK_LOG_PATH);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(detail, "\n  %s", (const char *)lines->pdata[i]);
    last = lines->pdata[lines->len - 1];
    if (strstr(last, " result=ok ")) {
        vf_doctor_add(doctor, "vm-hook-log", title, VF_CHECK_PASS, detail->str, NULL);
    } else {
        vf_doctor_add(doctor, "vm-hook-log", title, VF_CHECK_WARN, detail->str,
                      "The last hook call did not succeed: its reason is on the line above; "
                      "fix it, then start the VM again.");
    }
}

/* The evdev keyboard and mouse handed over at Activate: one unplugged since then makes
 * QEMU (and VirtFlow's start and hook) refuse the start. */
static void
vf_doctor_check_vm_input(VfDoctor *doctor, VfHost *host, const VfDomainXmlSummary *summary)
{
    const char *title = "the keyboard and mouse handed over are plugged in";
    g_autoptr(GString) missing = g_string_new(NULL);
    g_autofree char *quoted = g_shell_quote(summary->name);
    g_autofree char *fix = NULL;

    if (summary->profile->evdev->len == 0)
        return;
    for (guint i = 0; i < summary->profile->evdev->len; i++) {
        const VfEvdevInput *in = summary->profile->evdev->pdata[i];
        g_autoptr(GError) error = NULL;

        if (!vf_input_check_evdev(host, in->path, NULL, &error))
            g_string_append_printf(missing, "%s%s", missing->len ? "\n" : "", error->message);
    }
    if (missing->len == 0) {
        vf_doctor_add(doctor, "vm-input", title, VF_CHECK_PASS,
                      "Every evdev device of the VM's record is there.", NULL);
        return;
    }
    fix = g_strdup_printf("Plug it in, or hand over another one: virtflow activate %s --input "
                          "auto (or --input DEVICE; 'virtflow host --input' lists them)",
                          quoted);
    vf_doctor_add(doctor, "vm-input", title, VF_CHECK_FAIL, missing->str, fix);
}

static void
vf_doctor_check_vm_xml(VfDoctor *doctor, VfHost *host, const VfDomainXmlSummary *summary)
{
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autoptr(GString) problems = g_string_new(NULL);
    g_autofree char *fix = NULL;
    g_autofree char *quoted = g_shell_quote(summary->name);
    const char *title = "definition matches its passthrough record";

    if (summary->record_error) {
        fix = g_strdup_printf(
            "VirtFlow will not deactivate from a record it cannot trust. Compare the VM with a "
            "backup of its definition ('virsh dumpxml %s'), remove the <virtflow:passthrough> "
            "element from its <metadata> by hand, put back its display, then run "
            "'virtflow activate %s' again",
            quoted, quoted);
        vf_doctor_add(doctor, "vm-xml", title, VF_CHECK_FAIL, summary->record_error, fix);
        return;
    }
    if (summary->gpu == NULL) {
        g_autofree char *d = g_strdup_printf(
            "'%s' is not activated: no VirtFlow passthrough record in its <metadata>%s.",
            summary->name,
            summary->hostdevs->len ? " (it has PCI <hostdev>s VirtFlow did not add)" : "");

        fix = g_strdup_printf("virtflow activate %s", quoted);
        vf_doctor_add(doctor, "vm-xml", title, VF_CHECK_WARN, d, fix);
        return;
    }
    g_string_printf(detail, "Activated for GPU %s; devices:", summary->gpu);
    for (guint i = 0; i < summary->devices->len; i++) {
        const VfPassthroughDevice *dev = summary->devices->pdata[i];
        g_autofree char *sys = vf_pci_device_path(dev->address, NULL);
        gboolean found = FALSE;

        for (guint h = 0; h < summary->hostdevs->len; h++)
            if (g_str_equal(summary->hostdevs->pdata[h], dev->address))
                found = TRUE;
        g_string_append_printf(detail, " %s (host driver %s)", dev->address,
                               dev->driver ? dev->driver : "none");
        if (!found)
            g_string_append_printf(problems, "\n%s is in the record but has no <hostdev>.",
                                   dev->address);
        if (!vf_host_exists(host, sys))
            g_string_append_printf(problems,
                                   "\n%s is in the record but not on this host (card moved or "
                                   "removed?).",
                                   dev->address);
    }
    if (summary->profile) {
        const VfProfile *profile = summary->profile;

        g_string_append_printf(detail, "; view %s", vf_view_to_string(profile->view));
        for (guint i = 0; i < profile->evdev->len; i++) {
            const VfEvdevInput *in = profile->evdev->pdata[i];
            g_string_append_printf(detail, "; %s %s", vf_input_kind_to_string(in->kind), in->path);
        }
        vf_doctor_check_vm_input(doctor, host, summary);
    }
    /* Looking Glass keeps SPICE (input, clipboard, audio) and a video device on purpose */
    for (guint i = 0; i < summary->display->len &&
                      !(summary->profile && summary->profile->view == VF_VIEW_LOOKING_GLASS);
         i++)
        g_string_append_printf(problems,
                               "\n<%s> is still there: an activated VM has no virtual display.",
                               (const char *)summary->display->pdata[i]);
    if (problems->len == 0) {
        vf_doctor_add(doctor, "vm-xml", title, VF_CHECK_PASS, detail->str, NULL);
        return;
    }
    g_string_append(detail, problems->str);
    fix = g_strdup_printf("The VM was edited after its activation; rebuild it: virtflow "
                          "deactivate %s && virtflow activate %s",
                          quoted, quoted);
    vf_doctor_add(doctor, "vm-xml", title, VF_CHECK_FAIL, detail->str, fix);
}

/* ---- issue 14: MSI ---- */

#define VF_DOCTOR_MSI_TITLE "the passed-through devices use MSI interrupts"

void
vf_doctor_check_vm_interrupts(VfDoctor *doctor, VfHost *host, const char *vm,
                              const char *const *addresses)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) irqs = vf_interrupts_read_vfio(host, &error);
    g_autoptr(GString) detail = g_string_new(NULL);
    g_autoptr(GString) intx = g_string_new(NULL);
    guint seen = 0;

    if (irqs == NULL) {
        vf_doctor_add(doctor, "vm-msi", VF_DOCTOR_MSI_TITLE, VF_CHECK_SKIP, error->message, NULL);
        return;
    }
    for (guint a = 0; addresses && addresses[a]; a++) {
        guint n[VF_IRQ_LAST] = {0};
        guint64 count = 0;
        gboolean any = FALSE;

        for (guint i = 0; i < irqs->len; i++) {
            const VfVfioIrq *irq = &g_array_index(irqs, VfVfioIrq, i);

            if (!g_str_equal(irq->address, addresses[a]))
                continue;
            n[irq->kind]++;
            count += irq->count;
            any = TRUE;
        }
        if (!any)
            continue;
        seen++;
        g_string_append_printf(detail, "%s%s: ", detail->len ? "\n" : "", addresses[a]);
        if (n[VF_IRQ_MSIX])
            g_string_append_printf(detail, "MSI-X, %u vector%s", n[VF_IRQ_MSIX],
                                   n[VF_IRQ_MSIX] == 1 ? "" : "s");
        else if (n[VF_IRQ_MSI])
            g_string_append_printf(detail, "MSI, %u vector%s", n[VF_IRQ_MSI],
                                   n[VF_IRQ_MSI] == 1 ? "" : "s");
        else {
            g_string_append(detail, "legacy INTx (vfio-intx): the guest did not enable MSI");
            g_string_append_printf(intx, "%s%s", intx->len ? ", " : "", addresses[a]);
        }
        g_string_append_printf(detail, " (%" G_GUINT64_FORMAT " interrupts so far)", count);
    }
    if (seen == 0) {
        g_autofree char *d = g_strdup_printf(
            "No vfio interrupt in %s for %s's devices yet: the guest's driver has not enabled "
            "them (the guest is booting, or has no driver for the GPU). Run 'virtflow doctor "
            "%s' again once the guest's desktop is up.",
            VF_INTERRUPTS_PATH, vm, vm);

        vf_doctor_add(doctor, "vm-msi", VF_DOCTOR_MSI_TITLE, VF_CHECK_SKIP, d, NULL);
        return;
    }
    if (intx->len == 0) {
        vf_doctor_add(doctor, "vm-msi", VF_DOCTOR_MSI_TITLE, VF_CHECK_PASS, detail->str, NULL);
        return;
    }
    {
        g_autofree char *fix = g_strdup_printf(
            "Enable MSI in the guest for %s. Windows: in regedit, open "
            "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PCI\\<the device's VEN_&DEV_ "
            "key>\\<its instance>\\Device Parameters\\Interrupt Management, create the key "
            "MessageSignaledInterruptProperties there if it is missing, set the DWORD "
            "MSISupported = 1 in it and reboot the guest (the \"MSI utility\", MSI_util_v3, "
            "does the same with a check box; redo it after each driver update, which resets "
            "it). Linux guests use MSI unless booted with pci=nomsi.",
            intx->str);

        vf_doctor_add(doctor, "vm-msi", VF_DOCTOR_MSI_TITLE, VF_CHECK_WARN, detail->str, fix);
    }
}

/* A tuned VM (tune/vf-tune-xml.h): its record is sound, its pins fit this host's CPUs now
 * (a CPU gone offline, another CPU or topology), and the host has its huge page size. */
static void
vf_doctor_check_vm_tune(VfDoctor *doctor, VfHost *host, const char *name, const char *xml)
{
    static const char *const title = "CPU pins and huge pages of its tune";
    static const char *const hp_title = "huge pages of its tune";
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTuneRecord) record = NULL;
    g_autoptr(VfTopology) topo = NULL;
    g_autoptr(GString) problems = g_string_new(NULL);
    g_autofree char *quoted = g_shell_quote(name);
    g_autofree char *fix = NULL;
    g_autofree char *detail = NULL;
    GArray *lists[3];
    const char *list_names[] = {"the VM's", "the host's", "a <vcpupin>'s"};

    if (!vf_tune_xml_read_record(xml, &record, &error)) {
        fix = g_strdup_printf("Remove <vftune:tune> from the VM's <metadata> (virsh edit %s), "
                              "then run: virtflow tune %s",
                              quoted, quoted);
        vf_doctor_add(doctor, "vm-tune", title, VF_CHECK_FAIL, error->message, fix);
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_SKIP,
                      "The tune record is damaged.", NULL);
        return;
    }
    if (record == NULL) {
        detail = g_strdup_printf("'%s' is not tuned (virtflow tune %s pins it to whole cores "
                                 "of the GPU's node and backs it with huge pages).",
                                 name, quoted);
        vf_doctor_add(doctor, "vm-tune", title, VF_CHECK_SKIP, detail, NULL);
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_SKIP, detail, NULL);
        return;
    }
    topo = vf_topology_read(host, &error);
    if (topo == NULL) {
        vf_doctor_add(doctor, "vm-tune", title, VF_CHECK_WARN, error->message,
                      "Without the host's CPU topology the pins cannot be checked.");
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_SKIP, error->message, NULL);
        return;
    }

    /* every CPU it names is online, and the VM's CPUs are still whole cores */
    lists[0] = record->vm_cpus;
    lists[1] = record->host_cpus;
    lists[2] = record->vcpupin;
    for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (guint i = 0; i < lists[l]->len; i++) {
            guint cpu = g_array_index(lists[l], guint, i);

            if (cpu == G_MAXUINT || vf_topology_core_of(topo, cpu) != NULL)
                continue;
            g_string_append_printf(problems, "%sCPU %u (%s) is not online",
                                   problems->len ? "; " : "", cpu, list_names[l]);
            break;
        }
    }
    for (guint i = 0; i < record->vm_cpus->len; i++) {
        const VfCpuCore *core = vf_topology_core_of(topo, g_array_index(record->vm_cpus, guint, i));
        gboolean whole = TRUE;

        for (guint j = 0; core != NULL && j < core->cpus->len; j++) {
            guint sibling = g_array_index(core->cpus, guint, j);
            gboolean found = FALSE;

            for (guint k = 0; k < record->vm_cpus->len && !found; k++)
                found = g_array_index(record->vm_cpus, guint, k) == sibling;
            whole = whole && found;
        }
        if (!whole) {
            g_autofree char *siblings =
                vf_cpu_list_format((const guint *)core->cpus->data, core->cpus->len);

            g_string_append_printf(problems,
                                   "%sCPU %u shares its core with CPUs %s, which the VM does "
                                   "not have: the topology changed",
                                   problems->len ? "; " : "",
                                   g_array_index(record->vm_cpus, guint, i), siblings);
            break;
        }
    }
    if (problems->len > 0) {
        detail = g_strdup_printf("'%s' is pinned to CPUs %s, but %s.", name, record->vm_cpus_text,
                                 problems->str);
        fix = g_strdup_printf("virtflow tune %s   (plans again for this host as it is now; or "
                              "bring the CPU back online)",
                              quoted);
        vf_doctor_add(doctor, "vm-tune", title, VF_CHECK_FAIL, detail, fix);
    } else {
        detail = g_strdup_printf("'%s' is pinned to CPUs %s (whole cores, all online); the host "
                                 "keeps CPUs %s.",
                                 name, record->vm_cpus_text, record->host_cpus_text);
        vf_doctor_add(doctor, "vm-tune", title, VF_CHECK_PASS, detail, NULL);
    }
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&fix, g_free);

    if (record->hugepage_size_kib == 0) {
        detail = g_strdup_printf("'%s' does not use huge pages.", name);
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_SKIP, detail, NULL);
    } else if (vf_topology_hugepages(topo, record->hugepage_size_kib) == NULL) {
        detail = g_strdup_printf(
            "'%s' is backed by %" G_GUINT64_FORMAT " huge pages of %" G_GUINT64_FORMAT
            " KiB, but this host has no huge pages of that "
            "size (/sys/kernel/mm/hugepages/hugepages-%" G_GUINT64_FORMAT
            "kB is missing): it will not start.",
            name, record->hugepage_count, record->hugepage_size_kib, record->hugepage_size_kib);
        fix = g_strdup_printf("virtflow tune %s --hugepages auto   (a size this host has; or "
                              "--hugepages off)",
                              quoted);
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_FAIL, detail, fix);
    } else {
        detail = g_strdup_printf("'%s' uses %" G_GUINT64_FORMAT " huge pages of %" G_GUINT64_FORMAT
                                 " KiB; the host has that size (reserved when the VM starts).",
                                 name, record->hugepage_count, record->hugepage_size_kib);
        vf_doctor_add(doctor, "vm-tune-hugepages", hp_title, VF_CHECK_PASS, detail, NULL);
    }
}

void
vf_doctor_check_vm(VfDoctor *doctor, VfHost *host, VfConnection *conn, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(VfDomainXmlSummary) summary = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *detail = NULL;
    VfDomainState state = VF_DOMAIN_STATE_NOSTATE;
    static const char *const later[][2] = {
        {"vm-xml", "definition matches its passthrough record"},
        {"vm-hook-log", "the hook's last calls for this VM"},
        {"vm-agent", "guest agent channel"},
        {"vm-tune", "CPU pins and huge pages of its tune"},
        {"vm-tune-hugepages", "huge pages of its tune"},
    };
    const char *skip = NULL;

    if (conn == NULL) {
        vf_doctor_add(doctor, "vm", "the VM exists", VF_CHECK_SKIP,
                      "libvirt is not reachable (see the 'libvirt' check).", NULL);
        skip = "libvirt is not reachable.";
    } else if ((dom = vf_connection_lookup_domain(conn, name, &error)) == NULL) {
        vf_doctor_add(doctor, "vm", "the VM exists", VF_CHECK_FAIL, error->message,
                      "'virtflow list' shows the VMs of this connection.");
        skip = "No such VM.";
    } else if (!vf_domain_get_state(dom, &state, &error) ||
               (xml = vf_domain_dup_xml(dom, TRUE, &error)) == NULL ||
               (summary = vf_domain_xml_inspect(xml, &error)) == NULL) {
        vf_doctor_add(doctor, "vm", "the VM exists", VF_CHECK_FAIL, error->message, NULL);
        skip = "Its definition cannot be read.";
    }
    if (skip) {
        for (guint i = 0; i < G_N_ELEMENTS(later); i++)
            vf_doctor_add(doctor, later[i][0], later[i][1], VF_CHECK_SKIP, skip, NULL);
        return;
    }

    detail = g_strdup_printf("'%s' is defined on %s and %s.", vf_domain_get_name(dom),
                             vf_connection_get_uri(conn), vf_domain_state_to_string(state));
    vf_doctor_add(doctor, "vm", "the VM exists", VF_CHECK_PASS, detail, NULL);
    vf_doctor_check_vm_xml(doctor, host, summary);
    vf_doctor_check_hook_log(doctor, host, vf_domain_get_name(dom), summary->gpu != NULL);
    if (summary->agent_channel)
        vf_doctor_add(doctor, "vm-agent", "guest agent channel", VF_CHECK_PASS,
                      "The VM has the org.qemu.guest_agent.0 channel: VirtFlow can shut the "
                      "guest down cleanly and check its drivers (with qemu-guest-agent "
                      "running in the guest).",
                      NULL);
    else
        vf_doctor_add(doctor, "vm-agent", "guest agent channel", VF_CHECK_WARN,
                      "No org.qemu.guest_agent.0 channel: VirtFlow cannot ask the guest to "
                      "shut down cleanly nor check its VirtIO drivers (ACPI is used instead).",
                      "Add <channel type='unix'><target type='virtio' "
                      "name='org.qemu.guest_agent.0'/></channel> to <devices> ('virsh edit "
                      "VM') and install qemu-guest-agent in the guest.");
    /* issue 14: only a running VM has interrupts to look at */
    if (summary->gpu && state == VF_DOMAIN_STATE_RUNNING) {
        g_autoptr(GPtrArray) addresses = g_ptr_array_new();

        for (guint i = 0; i < summary->devices->len; i++)
            g_ptr_array_add(addresses,
                            ((VfPassthroughDevice *)summary->devices->pdata[i])->address);
        g_ptr_array_add(addresses, NULL);
        vf_doctor_check_vm_interrupts(doctor, host, vf_domain_get_name(dom),
                                      (const char *const *)addresses->pdata);
    }
    vf_doctor_check_vm_tune(doctor, host, vf_domain_get_name(dom), xml);
}
