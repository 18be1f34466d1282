/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-drivers: what the real drivers do that the PCI driver core does not say (issue 12)
 *
 * Each case is a machine from the field's reports, built with the kernel model, which
 * behaves as the real driver does (an nvidia unbind that hangs for ever while the GPU is
 * held, /proc/iomem with the firmware's framebuffer in a BAR, the AMD reset bug). The
 * assertions are on what a user sees: the blockers and warnings of `virtflow gpu list`, the
 * refused bind with the host untouched, doctor's checks, and the warning after a GPU did
 * not come back.
 */
#include "doctor/vf-doctor.h"
#include "vf-test-util.h"

#include "host/vf-drivers.h"

#include <glib/gstdio.h>

#define VF_DGPU        "0000:01:00.0"
#define VF_AMD         "0000:03:00.0"
#define VF_TIMEOUT_MS  200 /* the host's write deadline in the hang cases */
#define VF_HANG_MS     700 /* how long the model's hung write blocks: past the deadline */
#define VF_LOADED      "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia"
#define VF_LOADED_AMD  "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel amdgpu"
#define VF_BRIDGE      "0000:00:01.0"
#define VF_UNBIND_DGPU "/sys/bus/pci/devices/" VF_DGPU "/driver/unbind"

/* Hung writes finish in their abandoned threads; main() waits for the last one so that
 * valgrind sees every thread end. */
static gint64 vf_hangs_end;

static void
vf_note_hang(void)
{
    vf_hangs_end = g_get_monotonic_time() + (gint64)(VF_HANG_MS + 300) * G_TIME_SPAN_MILLISECOND;
}

/* Intel iGPU (boot display, its own framebuffer console) + NVIDIA dGPU with HDMI audio */
static const VfKmodelDevice vf_nvidia_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {VF_BRIDGE, 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128", NULL,
     NULL, FALSE, "fb0"},
    {VF_DGPU, 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, VF_BRIDGE, "card1 renderD129", NULL,
     NULL},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, VF_BRIDGE, NULL, NULL,
     "card1"},
    {NULL},
};

/* The same, with nvidia_drm's framebuffer console on the dGPU (fbdev=1, the default of
 * recent drivers) */
static const VfKmodelDevice vf_nvidia_fb_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {VF_BRIDGE, 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128", NULL,
     NULL, FALSE, "fb0"},
    {VF_DGPU, 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, VF_BRIDGE, "card1 renderD129", NULL,
     NULL, FALSE, "fb1"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, VF_BRIDGE, NULL, NULL,
     "card1"},
    {NULL},
};

static const VfKmodelProcess vf_persistenced[] = {
    {812, "nvidia-persiste", NULL}, /* comm is cut at 15 characters */
    {0},
};

static const VfKmodelProcess vf_powerd[] = {
    {901, "nvidia-powerd", NULL},
    {0},
};

static const VfKmodelProcess vf_cuda_app[] = {
    {4242, "cuda-app", "/dev/nvidia0 /dev/nvidiactl"},
    {0},
};

static const VfKmodelHost vf_nvidia_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_devices,
    .nvidia_drm = TRUE,
};

static const VfKmodelHost vf_persistenced_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_devices,
    .processes = vf_persistenced,
};

static const VfKmodelHost vf_powerd_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_devices,
    .processes = vf_powerd,
};

static const VfKmodelHost vf_nvidia_fb_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_fb_devices,
    .nvidia_drm = TRUE,
};

static const VfKmodelHost vf_hidden_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_devices,
    .nvidia_drm = TRUE,
    .nvidia_hidden = 1,
};

static const VfKmodelHost vf_cuda_host = {
    .loaded = VF_LOADED,
    .devices = vf_nvidia_devices,
    .processes = vf_cuda_app,
    .nvidia_drm = TRUE,
};

/* ---- helpers ---- */

static VfDoctor *
vf_test_doctor(VfTestHost *th)
{
    VfDoctor *doctor = vf_doctor_new();

    vf_doctor_check_host(doctor, th->host);
    return doctor;
}

static const VfCheck *
vf_assert_check(VfDoctor *doctor, const char *id, VfCheckStatus want)
{
    const VfCheck *c = vf_doctor_get_check(doctor, id);

    if (c == NULL) {
        g_test_message("no check '%s'", id);
        g_test_fail();
        return NULL;
    }
    if (c->status != want) {
        g_test_message("check '%s': %s, expected %s; detail: %s; fix: %s", id,
                       vf_check_status_to_string(c->status), vf_check_status_to_string(want),
                       c->detail, c->fix);
        g_test_fail();
    }
    return c;
}

#define VF_DETAIL(c) ((c) ? (c)->detail : NULL)
#define VF_FIX(c)    ((c) ? (c)->fix : NULL)

static const VfGpuWarning *
vf_test_warning(const VfGpu *gpu, const char *code)
{
    for (guint i = 0; i < gpu->warnings->len; i++) {
        const VfGpuWarning *w = gpu->warnings->pdata[i];

        if (g_str_equal(w->code, code))
            return w;
    }
    return NULL;
}

static char *
vf_test_warnings(const VfGpu *gpu)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; i < gpu->warnings->len; i++)
        g_string_append_printf(out, "%s%s", out->len ? " " : "",
                               ((const VfGpuWarning *)gpu->warnings->pdata[i])->code);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

#define VF_WMSG(w) ((w) ? (w)->message : NULL)
#define VF_WFIX(w) ((w) ? (w)->fix : NULL)

/* A bind of the dGPU must be refused with @code before any write: the host unchanged. */
static void
vf_assert_bind_refused(VfTestHost *th, const char *gpu, const char *needle)
{
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = vf_transition_new_bind(th->host, report, gpu, &error);
    g_autofree char *after = NULL;

    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
    vf_assert_contains(VF_MSG(error), needle);
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, 0);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static gboolean
vf_test_bind_restore(VfTestHost *th, const char *gpu, GError **error)
{
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(VfTransition) bind = vf_transition_new_bind(th->host, report, gpu, error);
    g_autoptr(VfHostReport) bound = NULL;
    g_autoptr(VfTransition) restore = NULL;

    if (bind == NULL || !vf_transition_apply(bind, error))
        return FALSE;
    bound = vf_test_report(th);
    restore = vf_transition_new_restore(th->host, bound, gpu, error);
    return restore && vf_transition_apply(restore, error);
}

/* ---- NVIDIA ---- */

static void
test_nvidia_clean(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_nvidia_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_DGPU);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    g_autoptr(GError) error = NULL;
    g_autofree char *refcnt = vf_test_host_path(th, "sys/module/nvidia/refcnt");
    g_autofree char *text = NULL;

    /* the modules stacked on nvidia are its only users: nothing hidden */
    g_assert_true(g_file_get_contents(refcnt, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "2\n");
    g_assert_cmpstr(blockers, ==, "");
    vf_assert_check(doctor, "gpu-nvidia:" VF_DGPU, VF_CHECK_PASS);
    /* the iGPU's own framebuffer console is not the dGPU's */
    g_assert_false(vf_gpu_has_blocker(gpu, VF_BLOCKER_FRAMEBUFFER));
    g_assert_true(vf_test_bind_restore(th, VF_DGPU, &error));
    g_assert_no_error(error);
}

static void
test_nvidia_daemon(gconstpointer data)
{
    gboolean powerd = GPOINTER_TO_INT(data);
    const char *unit = powerd ? "nvidia-powerd" : "nvidia-persistenced";
    g_autoptr(VfTestHost) th =
        vf_test_host_new(powerd ? &vf_powerd_host : &vf_persistenced_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_DGPU);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_NVIDIA_HOLDER);
    g_autofree char *fix = g_strconcat("systemctl stop ", unit, NULL);
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    /* the daemon holds no fd that the holder scan sees: only this check knows */
    g_assert_cmpuint(gpu->holders->len, ==, 0);
    g_assert_cmpstr(blockers, ==, "nvidia-holder");
    vf_assert_contains(VF_BMSG(b), unit);
    vf_assert_contains(VF_BMSG(b), "block in the kernel for ever");
    vf_assert_contains(VF_BFIX(b), fix);
    c = vf_assert_check(doctor, "gpu-nvidia:" VF_DGPU, VF_CHECK_FAIL);
    vf_assert_contains(VF_DETAIL(c), unit);
    vf_assert_contains(VF_DETAIL(c), "1119");
    vf_assert_contains(VF_FIX(c), fix);
    vf_assert_check(doctor, "gpu-blockers:" VF_DGPU, VF_CHECK_FAIL);
    vf_assert_bind_refused(th, VF_DGPU, "nvidia-holder");
}

/* The model: the unbind VirtFlow refuses to start hangs, and stopping the daemon after it
 * started does not let it (or any later write to the GPU) finish. */
static void
test_nvidia_unbind_hangs(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_persistenced_host, TRUE);
    g_autofree char *daemon = vf_test_host_path(th, "proc/812");
    g_autofree char *driver = NULL;
    g_autoptr(GError) error = NULL;
    const char *const dgpu[] = {VF_DGPU, NULL};

    vf_host_set_write_timeout(th->host, VF_TIMEOUT_MS);
    vf_kmodel_set_hang_ms(vf_test_host_model(th), VF_HANG_MS);
    g_assert_false(vf_host_write(th->host, VF_UNBIND_DGPU, VF_DGPU, &error));
    vf_note_hang();
    g_assert_error(error, VF_ERROR, VF_ERROR_TIMEOUT);
    g_clear_error(&error);

    vf_test_rm_rf(daemon);
    g_assert_false(vf_host_write(th->host, VF_UNBIND_DGPU, VF_DGPU, &error));
    vf_note_hang();
    g_assert_error(error, VF_ERROR, VF_ERROR_TIMEOUT);
    g_clear_error(&error);
    driver = vf_test_drivers(th, dgpu);
    g_assert_cmpstr(driver, ==, VF_DGPU "=nvidia");

    /* a fresh host without the daemon unbinds at once */
    {
        g_autoptr(VfTestHost) clean = vf_test_host_new(&vf_nvidia_host, TRUE);

        g_assert_true(vf_host_write(clean->host, VF_UNBIND_DGPU, VF_DGPU, &error));
        g_assert_no_error(error);
    }
}

static void
test_nvidia_framebuffer(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_nvidia_fb_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_DGPU);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_FRAMEBUFFER);
    g_autofree char *proc_fb = vf_test_host_path(th, "proc/fb");
    g_autofree char *fbs = NULL;
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    g_autoptr(GError) error = NULL;

    /* what the kernel shows: one console per DRM driver */
    g_assert_true(g_file_get_contents(proc_fb, &fbs, NULL, NULL));
    g_assert_cmpstr(fbs, ==, "0 i915drmfb\n1 nvidia-drmdrmfb\n");
    g_assert_cmpstr(blockers, ==, "framebuffer");
    vf_assert_contains(VF_BMSG(b), "fb1");
    vf_assert_contains(VF_BMSG(b), "modeset=Y fbdev=Y");
    vf_assert_contains(VF_BFIX(b), "nvidia_drm.fbdev=0");
    vf_assert_check(doctor, "gpu-nvidia:" VF_DGPU, VF_CHECK_FAIL);
    vf_assert_bind_refused(th, VF_DGPU, "framebuffer");

    /* the model hangs an unbind under its framebuffer, as the driver does */
    vf_host_set_write_timeout(th->host, VF_TIMEOUT_MS);
    vf_kmodel_set_hang_ms(vf_test_host_model(th), VF_HANG_MS);
    g_assert_false(vf_host_write(th->host, VF_UNBIND_DGPU, VF_DGPU, &error));
    vf_note_hang();
    g_assert_error(error, VF_ERROR, VF_ERROR_TIMEOUT);
}

static void
test_nvidia_hidden_users(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_hidden_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_DGPU);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_NVIDIA_HOLDER);
    g_autoptr(VfTestHost) cuda = vf_test_host_new(&vf_cuda_host, TRUE);
    g_autoptr(VfHostReport) cuda_report = vf_test_report(cuda);
    VfGpu *cuda_gpu = vf_test_gpu(cuda_report, VF_DGPU);
    g_autofree char *cuda_blockers = vf_test_gpu_blockers(cuda_gpu);

    g_assert_cmpstr(blockers, ==, "nvidia-holder");
    vf_assert_contains(VF_BMSG(b), "in use 1 time(s) besides the 2 module(s)");
    vf_assert_contains(VF_BMSG(b), "no process shows");
    vf_assert_bind_refused(th, VF_DGPU, "nvidia-holder");

    /* users that a process shows are the in-use blocker's, with their pid */
    g_assert_cmpstr(cuda_blockers, ==, "in-use");
    vf_assert_contains(VF_BMSG(vf_test_gpu_blocker(cuda_gpu, VF_BLOCKER_IN_USE)), "pid 4242");
}

/* ---- the firmware's framebuffer in a BAR ---- */

/* AMD dGPU behind a root port; its driver is not loaded (vfio-pci.ids= at boot, or amdgpu
 * blacklisted), so nothing took it over from the firmware's framebuffer */
static const VfKmodelDevice vf_amd_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {VF_AMD, 0x030000, 0x1002, 0x73bf, "amdgpu", NULL, 15, 0, "0000:00:01.1", "card1 renderD129",
     NULL, NULL, FALSE, NULL, "BOOTFB"},
    {NULL},
};

static const VfKmodelHost vf_amd_bootfb_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915",
    .loadable = "amdgpu",
    .devices = vf_amd_devices,
    .iomem = TRUE,
};

static const VfKmodelHost vf_amd_taken_over_host = {
    .loaded = VF_LOADED_AMD,
    .devices = vf_amd_devices,
    .iomem = TRUE,
};

static void
test_boot_framebuffer(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_amd_bootfb_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_AMD);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfBlocker *b = vf_test_gpu_blocker(gpu, VF_BLOCKER_BOOT_FRAMEBUFFER);
    g_autofree char *iomem_path = vf_test_host_path(th, "proc/iomem");
    g_autofree char *iomem = NULL;
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    g_assert_true(g_file_get_contents(iomem_path, &iomem, NULL, NULL));
    vf_assert_contains(iomem, "  4030000000-403fffffff : " VF_AMD "\n"
                              "    4030000000-40307fffff : BOOTFB\n");
    g_assert_cmpstr(blockers, ==, "boot-framebuffer");
    vf_assert_contains(VF_BMSG(b), "4030000000-40307fffff");
    vf_assert_contains(VF_BMSG(b), "BAR 1 of " VF_AMD);
    vf_assert_contains(VF_BMSG(b), "can't reserve");
    vf_assert_contains(VF_BFIX(b), "initcall_blacklist=sysfb_init");
    c = vf_assert_check(doctor, "gpu-framebuffer:" VF_AMD, VF_CHECK_FAIL);
    vf_assert_contains(VF_FIX(c), "initcall_blacklist=sysfb_init");
    vf_assert_bind_refused(th, VF_AMD, "boot-framebuffer");
}

static void
test_boot_framebuffer_taken_over(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_amd_taken_over_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, VF_AMD);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    g_autofree char *iomem_path = vf_test_host_path(th, "proc/iomem");
    g_autofree char *iomem = NULL;
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);

    /* amdgpu removed the firmware's framebuffer and claims the BAR itself */
    g_assert_true(g_file_get_contents(iomem_path, &iomem, NULL, NULL));
    vf_assert_not_contains(iomem, "BOOTFB");
    vf_assert_contains(iomem, "    4030000000-403fffffff : amdgpu\n");
    g_assert_cmpstr(blockers, ==, "");
    vf_assert_check(doctor, "gpu-framebuffer:" VF_AMD, VF_CHECK_PASS);
}

/* ---- resets ---- */

static void
test_reset_amd_bug(void)
{
    static const struct {
        guint16 device;
        const char *reset_method;
        const char *family; /* NULL: no warning */
    } cases[] = {
        {0x67df, "", "Polaris 10"},        /* RX 480/580 */
        {0x687f, "flr bus", "Vega 10"},    /* Vega 56/64 */
        {0x731f, "bus", "Navi 10"},        /* RX 5700 */
        {0x7340, "", "Navi 14"},           /* RX 5500 */
        {0x67df, "device_specific", NULL}, /* vendor-reset in use */
        {0x73bf, "flr bus", NULL},         /* Navi 21, RX 6800: resets itself */
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const VfKmodelDevice devices[] = {
            {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
            {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
            {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0"},
            {VF_AMD, 0x030000, 0x1002, cases[i].device, "amdgpu", NULL, 15, 0, "0000:00:01.1",
             "card1", NULL, NULL, FALSE, NULL, NULL, cases[i].reset_method},
            {NULL},
        };
        const VfKmodelHost spec = {.loaded = VF_LOADED_AMD, .devices = devices};
        g_autoptr(VfTestHost) th = vf_test_host_new(&spec, TRUE);
        g_autoptr(VfHostReport) report = vf_test_report(th);
        VfGpu *gpu = vf_test_gpu(report, VF_AMD);
        const VfGpuWarning *w = vf_test_warning(gpu, "reset-bug");
        g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
        g_autofree char *blockers = vf_test_gpu_blockers(gpu);
        const VfCheck *c;

        g_test_message("device 0x%04x, reset_method '%s'", cases[i].device, cases[i].reset_method);
        g_assert_cmpstr(gpu->device->reset_method, ==, cases[i].reset_method);
        /* a warning, never a blocker */
        g_assert_cmpstr(blockers, ==, "");
        if (cases[i].family == NULL) {
            g_assert_null(w);
            vf_assert_check(doctor, "gpu-reset:" VF_AMD, VF_CHECK_PASS);
            continue;
        }
        g_assert_nonnull(w);
        vf_assert_contains(VF_WMSG(w), cases[i].family);
        vf_assert_contains(VF_WMSG(w), "AMD reset bug");
        vf_assert_contains(VF_WFIX(w), "vendor-reset");
        vf_assert_contains(VF_WFIX(w), "device_specific");
        vf_assert_contains(VF_WFIX(w), "/sys/bus/pci/devices/" VF_AMD "/reset_method");
        c = vf_assert_check(doctor, "gpu-reset:" VF_AMD, VF_CHECK_WARN);
        vf_assert_contains(VF_DETAIL(c), cases[i].family);
        /* every function's reset method */
        vf_assert_contains(VF_DETAIL(c), "Reset methods: " VF_AMD " ");
        vf_assert_contains(VF_FIX(c), "vendor-reset");
    }
}

static void
test_reset_bus_only(gconstpointer data)
{
    gboolean sibling = GPOINTER_TO_INT(data);
    const VfKmodelDevice devices[] = {
        {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
        {"0000:00:1c.0", 0x060400, 0x8086, 0x7ab8, "pcieport", NULL, 1, -1},
        {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0"},
        {"0000:05:00.0", 0x030000, 0x10de, 0x1c82, "nvidia", NULL, 10, 0, "0000:00:1c.0", "card1",
         NULL, NULL, FALSE, NULL, NULL, "bus"},
        /* a NIC on the same bridge, in its own group (ACS): it does not block, but a bus
         * reset would reset it too */
        {sibling ? "0000:06:00.0" : NULL, 0x020000, 0x8086, 0x125c, "igc", NULL, 11, -1,
         "0000:00:1c.0"},
        {NULL},
    };
    const VfKmodelHost spec = {.loaded = VF_LOADED " igc", .devices = devices};
    g_autoptr(VfTestHost) th = vf_test_host_new(&spec, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    VfGpu *gpu = vf_test_gpu(report, "0000:05:00.0");
    g_autofree char *warnings = vf_test_warnings(gpu);
    g_autofree char *blockers = vf_test_gpu_blockers(gpu);
    const VfGpuWarning *w = vf_test_warning(gpu, "reset-bus-only");
    g_autoptr(VfDoctor) doctor = vf_test_doctor(th);
    const VfCheck *c;

    g_assert_cmpstr(blockers, ==, "");
    if (!sibling) {
        /* alone behind its port: a bus reset is fine */
        g_assert_cmpstr(warnings, ==, "");
        vf_assert_check(doctor, "gpu-reset:0000:05:00.0", VF_CHECK_PASS);
        return;
    }
    g_assert_cmpstr(warnings, ==, "reset-bus-only");
    vf_assert_contains(VF_WMSG(w), "0000:06:00.0");
    vf_assert_contains(VF_WMSG(w), "0000:00:1c.0");
    vf_assert_contains(VF_WMSG(w), "not reset between VMs");
    c = vf_assert_check(doctor, "gpu-reset:0000:05:00.0", VF_CHECK_WARN);
    vf_assert_contains(VF_DETAIL(c), "0000:06:00.0");
}

/* ---- did the GPU come back? ---- */

/* A Polaris card with the reset bug, as the model plays it */
static const VfKmodelDevice vf_polaris_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {VF_AMD, 0x030000, 0x1002, 0x67df, "amdgpu", NULL, 15, 0, "0000:00:01.1", "card1 renderD129",
     NULL, NULL, FALSE, NULL, NULL, "", TRUE},
    {NULL},
};

static const VfKmodelHost vf_polaris_host = {
    .loaded = VF_LOADED_AMD,
    .devices = vf_polaris_devices,
};

static void
test_returned(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_polaris_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autofree char *record = vf_test_host_path(th, "var/lib/virtflow/not-back/" VF_AMD);
    g_autofree char *warning = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfDoctor) doctor = NULL;
    const VfGpuWarning *w;
    const VfCheck *c;
    VfGpu *gpu;

    vf_test_host_write(th, "proc/sys/kernel/random/boot_id", "1111-boot-one\n");
    g_assert_null(vf_host_dup_return_warning(th->host, VF_AMD));

    /* the bind works; amdgpu cannot bring the card up again: the restore fails */
    g_assert_false(vf_test_bind_restore(th, VF_AMD, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_true(g_file_test(record, G_FILE_TEST_IS_REGULAR));

    /* the next Activate/Start (the flows print this) and gpu list say so */
    warning = vf_host_dup_return_warning(th->host, VF_AMD);
    vf_assert_contains(warning, "GPU " VF_AMD " did not come back to the host");
    vf_assert_contains(warning, "Reboot the host");
    vf_assert_contains(warning, "vendor-reset");
    report = vf_test_report(th);
    gpu = vf_test_gpu(report, VF_AMD);
    w = vf_test_warning(gpu, "did-not-come-back");
    vf_assert_contains(VF_WMSG(w), VF_AMD " is still on vfio-pci");
    doctor = vf_test_doctor(th);
    c = vf_assert_check(doctor, "gpu-returned:" VF_AMD, VF_CHECK_WARN);
    vf_assert_contains(VF_FIX(c), "Reboot the host");

    /* after a reboot the record no longer applies */
    vf_test_host_write(th, "proc/sys/kernel/random/boot_id", "2222-boot-two\n");
    g_clear_pointer(&warning, g_free);
    warning = vf_host_dup_return_warning(th->host, VF_AMD);
    g_assert_null(warning);
}

/* A restore whose driver binds but whose DRM device does not appear did not bring the GPU
 * back either; one that works forgets an old record. */
static void
test_returned_checks(void)
{
    static const VfKmodelDevice devices[] = {
        {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
        {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
        {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0"},
        {VF_AMD, 0x030000, 0x1002, 0x73bf, "amdgpu", NULL, 15, 0, "0000:00:01.1", "card1"},
        {"0000:03:00.1", 0x040300, 0x1002, 0xab28, "snd_hda_intel", NULL, 15, -1, "0000:00:01.1",
         NULL, NULL, "card1"},
        {NULL},
    };
    static const VfKmodelHost spec = {.loaded = VF_LOADED_AMD, .devices = devices};
    g_autoptr(VfTestHost) th = vf_test_host_new(&spec, TRUE);
    g_autoptr(GError) error = NULL;
    g_autofree char *record = vf_test_host_path(th, "var/lib/virtflow/not-back/" VF_AMD);
    g_autofree char *drm = vf_test_host_path(th, "sys/bus/pci/devices/" VF_AMD "/drm");
    g_autoptr(GPtrArray) origins =
        g_ptr_array_new_with_free_func((GDestroyNotify)vf_device_origin_free);
    VfDeviceOrigin *o = g_new0(VfDeviceOrigin, 1);
    g_autofree char *warning = NULL;

    /* a record from before, then a restore that works: forgotten */
    vf_test_host_write(th, "var/lib/virtflow/not-back/" VF_AMD, "[not-back]\nproblem=old\n");
    g_assert_nonnull((warning = vf_host_dup_return_warning(th->host, VF_AMD)));
    g_assert_true(vf_test_bind_restore(th, VF_AMD, &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(record, G_FILE_TEST_EXISTS));

    /* amdgpu bound, but no DRM device: it did not come back */
    vf_test_rm_rf(drm);
    o->address = g_strdup(VF_AMD);
    o->host_driver = g_strdup("amdgpu");
    o->host_driver_known = TRUE;
    g_ptr_array_add(origins, o);
    g_assert_cmpuint(vf_host_check_returned(th->host, origins, NULL), ==, 1);
    g_clear_pointer(&warning, g_free);
    warning = vf_host_dup_return_warning(th->host, VF_AMD);
    vf_assert_contains(warning, "is on amdgpu but has no DRM device");
    /* another GPU has no record */
    g_assert_null(vf_host_dup_return_warning(th->host, "0000:00:02.0"));
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/drivers/nvidia/clean", test_nvidia_clean);
    g_test_add_data_func("/drivers/nvidia/persistenced", GINT_TO_POINTER(FALSE),
                         test_nvidia_daemon);
    g_test_add_data_func("/drivers/nvidia/powerd", GINT_TO_POINTER(TRUE), test_nvidia_daemon);
    g_test_add_func("/drivers/nvidia/unbind-hangs", test_nvidia_unbind_hangs);
    g_test_add_func("/drivers/nvidia/framebuffer", test_nvidia_framebuffer);
    g_test_add_func("/drivers/nvidia/hidden-users", test_nvidia_hidden_users);
    g_test_add_func("/drivers/boot-framebuffer/in-bar", test_boot_framebuffer);
    g_test_add_func("/drivers/boot-framebuffer/taken-over", test_boot_framebuffer_taken_over);
    g_test_add_func("/drivers/reset/amd-bug", test_reset_amd_bug);
    g_test_add_data_func("/drivers/reset/bus-only/shared", GINT_TO_POINTER(TRUE),
                         test_reset_bus_only);
    g_test_add_data_func("/drivers/reset/bus-only/alone", GINT_TO_POINTER(FALSE),
                         test_reset_bus_only);
    g_test_add_func("/drivers/returned/reset-bug", test_returned);
    g_test_add_func("/drivers/returned/checks", test_returned_checks);
    rc = g_test_run();
    /* hung writes end in their threads: wait for them (valgrind) */
    while (g_get_monotonic_time() < vf_hangs_end)
        g_usleep(50 * 1000);
    return rc;
}
