/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-drm: what VirtFlow tells a user about the host's screens — the connectors a VM's
 * picture goes to after Activate, and the host's largest mode, which sizes Looking Glass
 */
#include "vf-test-util.h"

#include "host/vf-drm.h"

#define VF_LOADED "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia"

/* An iGPU driving a laptop panel and an external monitor, a dGPU with a monitor plugged
 * into HDMI that the host does not use, and its HDMI audio. */
static const VfKmodelDevice vf_screens_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128",
     "eDP-1:connected:enabled:1920x1200,1280x800 DP-2:connected:enabled:2560x1440,1920x1080i "
     "HDMI-A-1:disconnected:disabled"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129",
     "DP-1:disconnected:disabled HDMI-A-2:connected:disabled:3840x2160 DP-3:disconnected:disabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_screens_host = {
    .loaded = VF_LOADED,
    .devices = vf_screens_devices,
};

/* A server: no DRM card has a connected connector. */
static const VfKmodelDevice vf_headless_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:02.0", 0x030000, 0x1a03, 0x2000, "ast", NULL, 2, 1, NULL, "card0",
     "VGA-1:disconnected:disabled:1024x768"},
    {NULL},
};

static const VfKmodelHost vf_headless_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci ast",
    .devices = vf_headless_devices,
};

static char *
vf_join(GPtrArray *names)
{
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static void
test_connectors(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_screens_host, TRUE);
    g_autoptr(GPtrArray) dgpu = vf_drm_list_connectors(th->host, "0000:01:00.0");
    g_autoptr(GPtrArray) igpu = vf_drm_list_connectors(th->host, "0000:00:02.0");
    g_autoptr(GPtrArray) audio = vf_drm_list_connectors(th->host, "0000:01:00.1");
    g_autofree char *dgpu_text = vf_join(dgpu);
    g_autofree char *igpu_text = vf_join(igpu);

    /* the connected one first, then the others in name order */
    g_assert_cmpstr(dgpu_text, ==, "HDMI-A-2 DP-1 DP-3");
    g_assert_cmpstr(igpu_text, ==, "DP-2 eDP-1 HDMI-A-1");
    /* a function without a DRM card */
    g_assert_cmpuint(audio->len, ==, 0);
}

/* On vfio-pci the GPU has no DRM card: nothing to name (read the connectors before). */
static void
test_connectors_on_vfio(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_screens_host, TRUE);
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) after = NULL;

    t = vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);
    g_assert_no_error(error);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    after = vf_drm_list_connectors(th->host, "0000:01:00.0");
    g_assert_cmpuint(after->len, ==, 0);
}

static void
test_largest_mode(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_screens_host, TRUE);
    guint w = 0, h = 0;

    /* every connected screen: the dGPU's 4K monitor is the largest */
    g_assert_true(vf_drm_get_largest_mode(th->host, NULL, &w, &h));
    g_assert_cmpuint(w, ==, 3840);
    g_assert_cmpuint(h, ==, 2160);
    /* the host's side when the dGPU (any function of its slot) goes to the VM: the iGPU's
     * external monitor, not its smaller panel, and no interlaced mode misread */
    w = h = 0;
    g_assert_true(vf_drm_get_largest_mode(th->host, "0000:01:00.1", &w, &h));
    g_assert_cmpuint(w, ==, 2560);
    g_assert_cmpuint(h, ==, 1440);
}

static void
test_largest_mode_none(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_headless_host, TRUE);
    g_autoptr(VfTestHost) screens = vf_test_host_new(&vf_screens_host, TRUE);
    guint w = 7, h = 7;

    /* a disconnected connector's modes do not count */
    g_assert_false(vf_drm_get_largest_mode(th->host, NULL, &w, &h));
    g_assert_cmpuint(w, ==, 7); /* untouched on failure */
    g_assert_cmpuint(h, ==, 7);
    /* the only GPU with a screen left out */
    g_assert_true(vf_drm_get_largest_mode(screens->host, "0000:00:02.0", &w, &h));
    g_assert_cmpuint(w, ==, 3840);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/drm/connectors", test_connectors);
    g_test_add_func("/drm/connectors-on-vfio", test_connectors_on_vfio);
    g_test_add_func("/drm/largest-mode", test_largest_mode);
    g_test_add_func("/drm/largest-mode-none", test_largest_mode_none);
    return g_test_run();
}
