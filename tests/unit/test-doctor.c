/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-doctor: what `virtflow doctor` tells about real-looking machines
 *
 * Each machine is a kernel-model table in its own temporary directory, plus the files a
 * user's machine would have (the hook, modules-load.d, a libvirtd in /proc, a journal).
 * The assertions are on what a user reads: each check's status, that its detail names
 * the culprit, and that its fix is the command to run.
 */
#include "vf-test-util.h"

#include "doctor/vf-doctor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_LOADED "vfio vfio_iommu_type1 vfio_pci pcieport i915 nvidia snd_hda_intel ahci"
#define VF_DGPU   "0000:01:00.0"

/* The demo's desktop (demo/vf-kmodel.c): an AM5 board whose Raphael iGPU is the boot display
 * + NVIDIA dGPU with HDMI audio in group 12, and variants of it made in main() */
#define VF_DEMO_IGPU    "0000:0e:00.0"
#define vf_desktop_host vf_kmodel_demo_host

/* with a QEMU that holds /dev/vfio/12 (a running VM, once the GPU is bound) */
static const VfKmodelProcess vf_qemu_process[] = {
    {4242, "qemu-system-x86", "/dev/vfio/12 /dev/kvm"},
    {0},
};
static VfKmodelHost vf_desktop_qemu_host;

/* vfio only loadable, built in, or absent altogether */
#define VF_LOADED_NO_VFIO                                                                          \
    "pcieport amdgpu xhci_pci ahci snd_hda_intel nvidia nvme igc ccp i2c_piix4 k10temp"
static VfKmodelHost vf_vfio_loadable_host;
static VfKmodelHost vf_vfio_builtin_host;
static VfKmodelHost vf_vfio_missing_host;

/* The IOMMU off: no groups, no IOMMU unit, nothing on the kernel command line */
static const VfKmodelDevice vf_no_iommu_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, -1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, -1, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, -1, 0, NULL, "card1 renderD129"},
    {NULL},
};

static const VfKmodelHost vf_no_iommu_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet",
    .no_iommu_unit = TRUE,
    .loaded = VF_LOADED,
    .devices = vf_no_iommu_devices,
};

/* A GPU in a chipset slot whose group also holds the SATA controller and a NIC */
static const VfKmodelDevice vf_shared_group_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:00:17.0", 0x010601, 0x8086, 0x7ae2, "ahci", NULL, 10, -1},
    {"0000:00:1c.4", 0x060400, 0x8086, 0x7abc, "pcieport", NULL, 10, -1},
    {"0000:03:00.0", 0x020000, 0x8086, 0x125c, "igc", NULL, 10, -1, "0000:00:1c.4"},
    {"0000:05:00.0", 0x030000, 0x10de, 0x2504, "nvidia", NULL, 10, 0, "0000:00:1c.4",
     "card1 renderD129"},
    {NULL},
};

static const VfKmodelHost vf_shared_group_host = {
    .loaded = VF_LOADED " igc",
    .devices = vf_shared_group_devices,
};

/* The dGPU drives a connected monitor, and nvidia-persistenced holds its node */
static const VfKmodelDevice vf_busy_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:connected:enabled"},
    {NULL},
};

static const VfKmodelProcess vf_busy_processes[] = {
    {777, "nvidia-persiste", "/dev/dri/renderD129"},
    {0},
};

static const VfKmodelHost vf_busy_host = {
    .loaded = VF_LOADED,
    .devices = vf_busy_devices,
    .processes = vf_busy_processes,
};

/* ---- helpers ---- */

static VfDoctor *
vf_test_doctor(VfTestHost *th)
{
    VfDoctor *doctor = vf_doctor_new();

    vf_doctor_check_host(doctor, th->host);
    return doctor;
}

/* The check @id, asserting it ran with @status. */
static const VfCheck *
vf_assert_check(VfDoctor *doctor, const char *id, VfCheckStatus status)
{
    const VfCheck *check = vf_doctor_get_check(doctor, id);

    if (check == NULL) {
        g_test_message("no check '%s'", id);
        g_test_fail();
        return NULL;
    }
    if (check->status != status) {
        g_test_message("check '%s': %s, expected %s\n  detail: %s\n  fix: %s", id,
                       vf_check_status_to_string(check->status), vf_check_status_to_string(status),
                       check->detail, check->fix ? check->fix : "(none)");
        g_test_fail();
    }
    return check;
}

#define VF_DETAIL(check) ((check) ? (check)->detail : NULL)
#define VF_FIX(check)    ((check) ? (check)->fix : NULL)

/* Installs the hook as `virtflow setup` does: a symlink to the installed gate, which is an
 * executable file. */
static void
vf_install_hook(VfTestHost *th, gboolean target_exists, mode_t mode)
{
    g_autofree char *link = vf_test_host_path(th, "etc/libvirt/hooks/qemu.d/virtflow");
    g_autofree char *dir = g_path_get_dirname(link);

    if (target_exists) {
        g_autofree char *target = vf_test_host_path(th, "usr/libexec/virtflow/virtflow-hook");

        vf_test_host_write(th, "usr/libexec/virtflow/virtflow-hook", "#!/bin/sh\nexit 0\n");
        g_assert_cmpint(chmod(target, mode), ==, 0);
    }
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_cmpint(symlink("/usr/libexec/virtflow/virtflow-hook", link), ==, 0);
}

/* Sets the hook entry's mtime to @when (the link itself); its ctime stays "now". */
static void
vf_set_hook_mtime(VfTestHost *th, time_t when)
{
    g_autofree char *link = vf_test_host_path(th, "etc/libvirt/hooks/qemu.d/virtflow");
    struct timespec times[2] = {{when, 0}, {when, 0}};

    g_assert_cmpint(utimensat(AT_FDCWD, link, times, AT_SYMLINK_NOFOLLOW), ==, 0);
}

/* ---- tests ---- */

static void
test_desktop_ready(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;
    time_t now = time(NULL);

    /* what `virtflow setup` leaves, and a libvirtd started after it */
    vf_install_hook(th, TRUE, 0755);
    /* the hook's ctime is now: a daemon started after it, as far as a fake /proc can say */
    vf_test_host_add_process(th, 1234, "libvirtd", now + 60);
    vf_test_host_write(th, "etc/modules-load.d/vfio.conf", "vfio\nvfio_iommu_type1\nvfio_pci\n");
    doctor = vf_test_doctor(th);

    vf_assert_check(doctor, "iommu", VF_CHECK_PASS);
    vf_assert_check(doctor, "vfio", VF_CHECK_PASS);
    vf_assert_check(doctor, "modules-load", VF_CHECK_PASS);
    c = vf_assert_check(doctor, "gpus", VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), VF_DGPU);
    c = vf_assert_check(doctor, "gpu-driver:" VF_DGPU, VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "0000:01:00.0  VGA compatible controller");
    vf_assert_contains(VF_DETAIL(c), "driver nvidia");
    vf_assert_contains(VF_DETAIL(c), "0000:01:00.1");
    vf_assert_contains(VF_DETAIL(c), "driver snd_hda_intel");
    c = vf_assert_check(doctor, "gpu-group:" VF_DGPU, VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "IOMMU group 12");
    vf_assert_check(doctor, "gpu-blockers:" VF_DGPU, VF_CHECK_PASS);
    vf_assert_check(doctor, "gpu-stuck:" VF_DGPU, VF_CHECK_PASS);
    /* the boot display is the host's: not a failure */
    c = vf_assert_check(doctor, "gpu-blockers:" VF_DEMO_IGPU, VF_CHECK_SKIP);
    vf_assert_contains(VF_DETAIL(c), "boot_vga");
    vf_assert_check(doctor, "journal", VF_CHECK_PASS);
    c = vf_assert_check(doctor, "hook", VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "/usr/libexec/virtflow/virtflow-hook");
    c = vf_assert_check(doctor, "hook-daemon", VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "libvirtd (pid 1234)");
    g_assert_cmpuint(vf_doctor_count(doctor, VF_CHECK_FAIL), ==, 0);
    g_assert_cmpuint(vf_doctor_count(doctor, VF_CHECK_WARN), ==, 0);
}

static void
test_no_iommu(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_no_iommu_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    c = vf_assert_check(doctor, "iommu", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "no intel_iommu=on");
    /* the kernel command line advice, and the firmware switch */
    vf_assert_contains(VF_FIX(c), "intel_iommu=on iommu=pt");
    vf_assert_contains(VF_FIX(c), "update-grub");
    vf_assert_contains(VF_FIX(c), "firmware");
    vf_assert_check(doctor, "gpu-group:" VF_DGPU, VF_CHECK_SKIP);
    c = vf_assert_check(doctor, "gpu-blockers:" VF_DGPU, VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "no-iommu");
    c = vf_assert_check(doctor, "gpus", VF_CHECK_FAIL);
    g_assert_nonnull(VF_FIX(c));
}

static void
test_group_not_viable(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_shared_group_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    vf_assert_check(doctor, "iommu", VF_CHECK_PASS);
    c = vf_assert_check(doctor, "gpu-group:0000:05:00.0", VF_CHECK_FAIL);
    /* every member listed (the bridge too), the endpoints that are not the GPU's named */
    vf_assert_contains(VF_DETAIL(c), "IOMMU group 10:");
    vf_assert_contains(VF_DETAIL(c), "0000:00:1c.4");
    vf_assert_contains(VF_DETAIL(c), "also holds 0000:00:17.0");
    vf_assert_contains(VF_DETAIL(c), "also holds 0000:03:00.0");
    vf_assert_not_contains(VF_DETAIL(c), "also holds 0000:00:1c.4");
    vf_assert_contains(VF_FIX(c), "slot");
    c = vf_assert_check(doctor, "gpu-blockers:0000:05:00.0", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "group-not-viable");
    vf_assert_check(doctor, "gpus", VF_CHECK_FAIL);
}

/* A kernel built without VFIO: the model always ships it, so strip it from the index. */
static void
vf_strip_vfio(VfTestHost *th)
{
    g_autofree char *release = vf_host_read(th->host, "/proc/sys/kernel/osrelease", NULL);
    g_autofree char *dep_rel = g_strconcat("lib/modules/", release, "/modules.dep", NULL);
    g_autofree char *dep_path = vf_test_host_path(th, dep_rel);
    g_autofree char *dep = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) kept = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;

    g_file_get_contents(dep_path, &dep, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(dep ? dep : "", "\n", -1);
    for (guint i = 0; lines[i]; i++)
        if (*lines[i] && !strstr(lines[i], "vfio"))
            g_string_append_printf(kept, "%s\n", lines[i]);
    g_file_set_contents(dep_path, kept->str, -1, &error);
    g_assert_no_error(error);
}

static void
test_vfio_modules(void)
{
    struct {
        const VfKmodelHost *spec;
        VfCheckStatus vfio;
        VfCheckStatus modules_load;
        const char *needle;
    } cases[] = {
        {&vf_vfio_loadable_host, VF_CHECK_WARN, VF_CHECK_WARN, "vfio_pci: loadable"},
        {&vf_vfio_builtin_host, VF_CHECK_PASS, VF_CHECK_PASS, "vfio_pci: builtin"},
        {&vf_vfio_missing_host, VF_CHECK_FAIL, VF_CHECK_SKIP, "vfio_pci: missing"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(VfTestHost) th = vf_test_host_new(cases[i].spec, TRUE);
        g_autoptr(VfDoctor) doctor = NULL;
        const VfCheck *c;

        if (cases[i].spec == &vf_vfio_missing_host)
            vf_strip_vfio(th);
        doctor = vf_test_doctor(th);
        c = vf_assert_check(doctor, "vfio", cases[i].vfio);

        vf_assert_contains(VF_DETAIL(c), cases[i].needle);
        if (cases[i].vfio != VF_CHECK_PASS)
            g_assert_nonnull(VF_FIX(c));
        c = vf_assert_check(doctor, "modules-load", cases[i].modules_load);
        if (cases[i].modules_load == VF_CHECK_WARN) {
            vf_assert_contains(VF_DETAIL(c), "/etc/modules-load.d/vfio.conf");
            vf_assert_contains(VF_FIX(c), "virtflow setup");
        }
    }
}

static void
test_blockers(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_busy_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c = vf_assert_check(doctor, "gpu-blockers:" VF_DGPU, VF_CHECK_FAIL);

    vf_assert_contains(VF_DETAIL(c), "display-active");
    vf_assert_contains(VF_DETAIL(c), "DP-1");
    vf_assert_contains(VF_DETAIL(c), "in-use");
    vf_assert_contains(VF_DETAIL(c), "pid 777 (nvidia-persiste)");
    /* each blocker's own fix */
    vf_assert_contains(VF_FIX(c), "integrated GPU");
    vf_assert_contains(VF_FIX(c), "nvidia-persistenced");
    vf_assert_check(doctor, "gpus", VF_CHECK_FAIL);
}

/* Bound to vfio-pci by VirtFlow, then: no QEMU holds it (stuck), or one does (a VM). */
static void
test_stuck_on_vfio(gconstpointer data)
{
    gboolean with_vm = GPOINTER_TO_INT(data);
    g_autoptr(VfTestHost) th =
        vf_test_host_new(with_vm ? &vf_desktop_qemu_host : &vf_desktop_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;

    {
        g_autoptr(VfHostReport) report = vf_test_report(th);
        g_autoptr(VfTransition) t = vf_transition_new_bind(th->host, report, VF_DGPU, &error);

        g_assert_no_error(error);
        g_assert_true(vf_transition_apply(t, &error));
        g_assert_no_error(error);
    }
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-driver:" VF_DGPU, VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "Every function is on vfio-pci");
    if (with_vm) {
        c = vf_assert_check(doctor, "gpu-stuck:" VF_DGPU, VF_CHECK_PASS);
        vf_assert_contains(VF_DETAIL(c), "pid 4242 (qemu-system-x86)");
        c = vf_assert_check(doctor, "gpu-blockers:" VF_DGPU, VF_CHECK_PASS);
        vf_assert_contains(VF_DETAIL(c), "running VM");
    } else {
        c = vf_assert_check(doctor, "gpu-stuck:" VF_DGPU, VF_CHECK_WARN);
        vf_assert_contains(VF_DETAIL(c), "no VM is running");
        vf_assert_contains(VF_DETAIL(c), "/dev/vfio/12");
        g_assert_cmpstr(VF_FIX(c), ==, "virtflow gpu restore " VF_DGPU);
    }
}

static void
test_half_bound(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;

    /* the audio function alone moved by hand */
    g_assert_true(vf_host_write(th->host, "/sys/bus/pci/devices/0000:01:00.1/driver_override",
                                "vfio-pci", &error) &&
                  vf_host_write(th->host, "/sys/bus/pci/devices/0000:01:00.1/driver/unbind",
                                "0000:01:00.1", &error) &&
                  vf_host_write(th->host, "/sys/bus/pci/drivers_probe", "0000:01:00.1", &error));
    g_assert_no_error(error);
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-driver:" VF_DGPU, VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "Only part");
    vf_assert_contains(VF_DETAIL(c), "0000:01:00.1  Audio device");
    vf_assert_contains(VF_FIX(c), "virtflow gpu restore " VF_DGPU);
    vf_assert_check(doctor, "gpu-stuck:" VF_DGPU, VF_CHECK_WARN);
}

static void
test_interrupted(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;

    /* what a bind killed after its first write leaves (see vf_transition_journal_write) */
    vf_test_host_write(th, "var/lib/virtflow/journal/1700000000000000-99-bind.journal",
                       "[transition]\nkind=bind\ngpu=0000:01:00.0\n\n"
                       "[device 0000:01:00.0]\naddress=0000:01:00.0\niommu_group=12\n"
                       "host_driver=nvidia\nhost_module=nvidia\nhost_override=\n"
                       "host_driver_known=true\n");
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "journal", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "0000:01:00.0 (host driver nvidia)");
    vf_assert_contains(VF_FIX(c), "virtflow recover");

    /* an unreadable one is named */
    vf_test_host_write(th, "var/lib/virtflow/journal/1700000000000001-98-bind.journal",
                       "not a key file\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "journal", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "1700000000000001-98-bind.journal");
}

static void
test_hook_missing(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c = vf_assert_check(doctor, "hook", VF_CHECK_FAIL);

    vf_assert_contains(VF_DETAIL(c), "/etc/libvirt/hooks/qemu.d/virtflow does not exist");
    vf_assert_contains(VF_FIX(c), "virtflow setup");
    vf_assert_check(doctor, "hook-daemon", VF_CHECK_SKIP);
}

static void
test_hook_broken(void)
{
    /* a dangling symlink (VirtFlow uninstalled, the hook left behind) */
    {
        g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
        g_autoptr(VfDoctor) doctor = NULL;
        const VfCheck *c;

        vf_install_hook(th, FALSE, 0);
        doctor = vf_test_doctor(th);
        c = vf_assert_check(doctor, "hook", VF_CHECK_FAIL);
        vf_assert_contains(VF_DETAIL(c), "'/usr/libexec/virtflow/virtflow-hook', which does not "
                                         "exist");
    }
    /* a target that is not executable */
    {
        g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
        g_autoptr(VfDoctor) doctor = NULL;
        const VfCheck *c;

        vf_install_hook(th, TRUE, 0644);
        doctor = vf_test_doctor(th);
        c = vf_assert_check(doctor, "hook", VF_CHECK_FAIL);
        vf_assert_contains(VF_DETAIL(c), "not executable");
        vf_assert_contains(VF_FIX(c), "chmod");
    }
}

/* libvirtd reads qemu.d only when it starts: a hook newer than the daemon is not called. */
static void
test_hook_newer_than_daemon(gconstpointer data)
{
    const char *daemon = data;
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    g_autofree char *needle = NULL;
    g_autofree char *restart = g_strdup_printf("systemctl restart %s", daemon);
    const VfCheck *c;
    time_t now = time(NULL);

    vf_install_hook(th, TRUE, 0755);
    /* a copy that kept an old mtime (a package, cp -p) was still installed now */
    vf_set_hook_mtime(th, now - 7200);
    vf_test_host_add_process(th, 4321, daemon, now - 3600);
    doctor = vf_test_doctor(th);
    vf_assert_check(doctor, "hook", VF_CHECK_PASS);
    c = vf_assert_check(doctor, "hook-daemon", VF_CHECK_WARN);
    needle = g_strdup_printf("%s (pid 4321)", daemon);
    vf_assert_contains(VF_DETAIL(c), needle);
    vf_assert_contains(VF_DETAIL(c), "before the hook was installed");
    vf_assert_contains(VF_FIX(c), restart);
}

static void
test_no_daemon(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;

    vf_install_hook(th, TRUE, 0755);
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "hook-daemon", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "Neither libvirtd nor virtqemud");
}

static void
test_libvirt_unreachable(void)
{
    g_autoptr(VfDoctor) doctor = vf_doctor_new();
    g_autoptr(GError) error =
        g_error_new_literal(VF_ERROR, VF_ERROR_LIBVIRT, "Failed to connect socket");
    const VfCheck *c;

    vf_doctor_check_libvirt(doctor, NULL, error, NULL);
    vf_doctor_check_vm(doctor, NULL, NULL, "win11");
    c = vf_assert_check(doctor, "libvirt", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "Failed to connect socket");
    vf_assert_contains(VF_FIX(c), "systemctl start libvirtd");
    vf_assert_check(doctor, "vm", VF_CHECK_SKIP);
    vf_assert_check(doctor, "vm-xml", VF_CHECK_SKIP);
    vf_assert_check(doctor, "vm-hook-log", VF_CHECK_SKIP);
    vf_assert_check(doctor, "vm-agent", VF_CHECK_SKIP);
}

static void
test_reset(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c = vf_assert_check(doctor, "gpu-reset:" VF_DGPU, VF_CHECK_PASS);

    vf_assert_contains(VF_DETAIL(c), "flr bus");
    /* the boot display is never handed over: no reset check for it */
    g_assert_null(vf_doctor_get_check(doctor, "gpu-reset:" VF_DEMO_IGPU));

    /* a card the kernel cannot reset */
    vf_test_host_write(th, "sys/bus/pci/devices/" VF_DGPU "/reset_method", "\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-reset:" VF_DGPU, VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "No reset method");
    vf_assert_contains(VF_FIX(c), "vendor-reset");
}

#define VF_IOMEM_HEAD                                                                              \
    "00000000-00000fff : Reserved\n"                                                               \
    "c0000000-d1ffffff : PCI Bus 0000:00\n"                                                        \
    "  c0000000-cfffffff : 0000:01:00.0\n"

static void
test_framebuffer(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    const VfCheck *c;

    /* no /proc/iomem in the tree: nothing to say */
    doctor = vf_test_doctor(th);
    vf_assert_check(doctor, "gpu-framebuffer:" VF_DGPU, VF_CHECK_SKIP);

    /* BAR 1 of the dGPU, and the firmware's framebuffer inside it */
    vf_test_host_write(th, "sys/bus/pci/devices/" VF_DGPU "/resource",
                       "0x00000000d0000000 0x00000000d0ffffff 0x0000000000040200\n"
                       "0x00000000c0000000 0x00000000cfffffff 0x000000000014220c\n"
                       "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
    vf_test_host_write(th, "proc/iomem",
                       VF_IOMEM_HEAD "    c0000000-c07fffff : BOOTFB\n"
                                     "fed00000-fed003ff : HPET 0\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-framebuffer:" VF_DGPU, VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "c0000000-c07fffff");
    vf_assert_contains(VF_DETAIL(c), "BAR 1 of " VF_DGPU);
    vf_assert_contains(VF_FIX(c), "initcall_blacklist=sysfb_init");

    /* the framebuffer on the iGPU's memory instead */
    vf_test_host_write(th, "proc/iomem", VF_IOMEM_HEAD "e0000000-e07fffff : BOOTFB\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    vf_assert_check(doctor, "gpu-framebuffer:" VF_DGPU, VF_CHECK_PASS);

    /* not root: the kernel shows zeros */
    vf_test_host_write(th, "proc/iomem",
                       "00000000-00000000 : Reserved\n00000000-00000000 : BOOTFB\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-framebuffer:" VF_DGPU, VF_CHECK_SKIP);
    vf_assert_contains(VF_DETAIL(c), "run as root");
}

static void
test_selinux(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    /* no SELinux: no line about it */
    g_assert_null(vf_doctor_get_check(doctor, "hook-selinux"));

    vf_test_host_write(th, "sys/fs/selinux/enforce", "1");
    vf_test_host_write(th, "sys/fs/selinux/booleans/virt_hooks_unconfined", "0 0");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "hook-selinux", VF_CHECK_WARN);
    g_assert_cmpstr(VF_FIX(c), ==, "setsebool -P virt_hooks_unconfined on");

    vf_test_host_write(th, "sys/fs/selinux/booleans/virt_hooks_unconfined", "1 1");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    vf_assert_check(doctor, "hook-selinux", VF_CHECK_PASS);
}

/* The boot loader: which one, where the options go, and whether they are there. */
static void
test_boot_loader(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_no_iommu_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    g_autofree char *esp = vf_test_host_path(th, "boot/efi/EFI/systemd");
    const VfCheck *c;

    /* Debian's GRUB, no options: a warning (the iommu check fails already) with setup --grub */
    vf_test_host_write(th, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    vf_test_host_write(th, "etc/default/grub.d/init-select.cfg", "GRUB_RECORDFAIL_TIMEOUT=0\n");
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "boot-loader", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "Boot loader: GRUB");
    vf_assert_contains(VF_DETAIL(c), "does not have the IOMMU options");
    vf_assert_contains(VF_FIX(c), "virtflow setup --grub");

    /* the drop-in is there, the running kernel predates it */
    vf_test_host_write(th, "etc/default/grub.d/virtflow-iommu.cfg",
                       "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on "
                       "iommu=pt\"\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "boot-loader", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "which has the IOMMU options");
    vf_assert_contains(VF_FIX(c), "update-grub");

    /* systemd-boot installed in the ESP: /etc/kernel/cmdline is what counts */
    g_assert_cmpint(g_mkdir_with_parents(esp, 0755), ==, 0);
    vf_test_host_write(th, "etc/kernel/cmdline", "root=UUID=1 ro intel_iommu=on iommu=pt\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "boot-loader", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "systemd-boot/kernel-install");
    vf_assert_contains(VF_DETAIL(c), "/etc/kernel/cmdline, which has");
    vf_assert_contains(VF_FIX(c), "kernel-install add");
}

/* A host that never used Looking Glass: every Looking Glass check skips, none fails. */
static void
test_looking_glass_unused(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    static const char *const ids[] = {"lg-shm", "lg-tmpfiles", "lg-apparmor", "lg-kvmfr",
                                      "lg-client"};

    /* AppArmor confines QEMU, without the rule: still nothing to say to this host */
    vf_test_host_write(th, "etc/apparmor.d/abstractions/libvirt-qemu", "#include <x>\n");
    doctor = vf_test_doctor(th);
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        vf_assert_check(doctor, ids[i], VF_CHECK_SKIP);
    vf_assert_contains(VF_FIX(vf_doctor_get_check(doctor, "lg-tmpfiles")), "virtflow setup");
}

/* A host that uses it: the shared memory file's owner and mode, the rules, kvmfr and the
 * client, each with its fix. */
static void
test_looking_glass(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfDoctor) doctor = NULL;
    g_autofree char *shm = vf_test_host_path(th, "dev/shm/looking-glass");
    g_autofree char *client = vf_test_host_path(th, "usr/bin/looking-glass-client");
    /* alice owns the files the test makes: its own uid, or one given to them as root */
    guint uid = getuid() == 0 ? 61000 : (guint)getuid();
    g_autofree char *passwd =
        g_strdup_printf("root:x:0:0::/root:/bin/sh\nalice:x:%u:%u::/:/bin/sh\n"
                        "bob:x:%u:%u::/:/bin/sh\n",
                        uid, uid, uid + 1, uid + 1);
    g_autofree char *path = g_strdup(g_getenv("PATH"));
    const VfCheck *c;

    vf_test_host_write(th, "etc/passwd", passwd);
    vf_test_host_write(th, "etc/apparmor.d/abstractions/libvirt-qemu", "#include <x>\n");
    vf_test_host_write(th, "etc/tmpfiles.d/virtflow-looking-glass.conf",
                       "# comment\nf /dev/shm/looking-glass 0660 alice kvm -\n");
    /* QEMU made it first: not writable by the group */
    vf_test_host_write(th, "dev/shm/looking-glass", "");
    g_assert_cmpint(chmod(shm, 0644), ==, 0);
    if (getuid() == 0)
        g_assert_cmpint(chown(shm, uid, (gid_t)-1), ==, 0);
    g_setenv("PATH", "/usr/local/bin:/usr/bin", TRUE);
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "lg-shm", VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), "owner alice");
    vf_assert_contains(VF_DETAIL(c), "mode 0644");
    vf_assert_contains(VF_FIX(c), "VirtFlow's hook makes it again");
    c = vf_assert_check(doctor, "lg-tmpfiles", VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "alice's");
    c = vf_assert_check(doctor, "lg-apparmor", VF_CHECK_WARN);
    vf_assert_contains(VF_FIX(c), "virtflow setup");
    vf_assert_check(doctor, "lg-kvmfr", VF_CHECK_SKIP);
    c = vf_assert_check(doctor, "lg-client", VF_CHECK_WARN);
    vf_assert_contains(VF_FIX(c), "Looking Glass client");

    /* made right, the rule there, the client installed */
    g_assert_cmpint(chmod(shm, 0660), ==, 0);
    vf_test_host_write(th, "etc/apparmor.d/local/abstractions/libvirt-qemu",
                       "/dev/shm/looking-glass rw,\n");
    vf_test_host_write(th, "usr/bin/looking-glass-client", "#!/bin/sh\n");
    g_assert_cmpint(chmod(client, 0755), ==, 0);
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    vf_assert_check(doctor, "lg-shm", VF_CHECK_PASS);
    vf_assert_check(doctor, "lg-apparmor", VF_CHECK_PASS);
    c = vf_assert_check(doctor, "lg-client", VF_CHECK_PASS);
    vf_assert_contains(VF_DETAIL(c), "/usr/bin/looking-glass-client");

    /* the rule names another user than the file's owner */
    vf_test_host_write(th, "etc/tmpfiles.d/virtflow-looking-glass.conf",
                       "f /dev/shm/looking-glass 0660 bob kvm -\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "lg-shm", VF_CHECK_FAIL);
    vf_assert_contains(VF_FIX(c), "gives it to bob");

    /* kvmfr loaded, qemu.conf's ACL without it: a warning with the qemu.conf fix */
    vf_test_host_write(th, "sys/module/kvmfr/refcnt", "0\n");
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "lg-kvmfr", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "kvmfr is loaded");
    g_setenv("PATH", path, TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    vf_desktop_qemu_host = vf_kmodel_demo_host;
    vf_desktop_qemu_host.processes = vf_qemu_process;
    vf_vfio_loadable_host = vf_kmodel_demo_host;
    vf_vfio_loadable_host.loaded = VF_LOADED_NO_VFIO;
    vf_vfio_loadable_host.loadable = "vfio vfio_iommu_type1 vfio_pci";
    vf_vfio_builtin_host = vf_kmodel_demo_host;
    vf_vfio_builtin_host.loaded = VF_LOADED_NO_VFIO;
    vf_vfio_builtin_host.builtin = "vfio vfio_iommu_type1 vfio_pci";
    vf_vfio_missing_host = vf_kmodel_demo_host;
    vf_vfio_missing_host.loaded = VF_LOADED_NO_VFIO;

    g_test_add_func("/doctor/desktop-ready", test_desktop_ready);
    g_test_add_func("/doctor/no-iommu", test_no_iommu);
    g_test_add_func("/doctor/group-not-viable", test_group_not_viable);
    g_test_add_func("/doctor/vfio-modules", test_vfio_modules);
    g_test_add_func("/doctor/blockers", test_blockers);
    g_test_add_data_func("/doctor/stuck-on-vfio/no-vm", GINT_TO_POINTER(FALSE), test_stuck_on_vfio);
    g_test_add_data_func("/doctor/stuck-on-vfio/vm-running", GINT_TO_POINTER(TRUE),
                         test_stuck_on_vfio);
    g_test_add_func("/doctor/half-bound", test_half_bound);
    g_test_add_func("/doctor/interrupted", test_interrupted);
    g_test_add_func("/doctor/hook/missing", test_hook_missing);
    g_test_add_func("/doctor/hook/broken", test_hook_broken);
    g_test_add_data_func("/doctor/hook/newer-than-libvirtd", "libvirtd",
                         test_hook_newer_than_daemon);
    g_test_add_data_func("/doctor/hook/newer-than-virtqemud", "virtqemud",
                         test_hook_newer_than_daemon);
    g_test_add_func("/doctor/hook/no-daemon", test_no_daemon);
    g_test_add_func("/doctor/libvirt-unreachable", test_libvirt_unreachable);
    g_test_add_func("/doctor/reset", test_reset);
    g_test_add_func("/doctor/framebuffer", test_framebuffer);
    g_test_add_func("/doctor/selinux", test_selinux);
    g_test_add_func("/doctor/boot-loader", test_boot_loader);
    g_test_add_func("/doctor/looking-glass/unused", test_looking_glass_unused);
    g_test_add_func("/doctor/looking-glass/used", test_looking_glass);
    return g_test_run();
}
