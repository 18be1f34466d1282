/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-transition: bind a GPU to vfio-pci and give it back, on the kernel model
 *
 * What a user must be able to rely on: after a bind the whole passthrough set is on
 * vfio-pci and /dev/vfio/GROUP exists; after a restore the host is exactly as before
 * (compared as a snapshot of the whole tree); a dry run changes nothing; a read-only
 * host is never written; an interrupted operation is finished by recover; two operations
 * never run at once. The failure of each single step is in test-transition-faults.
 */
#include "vf-test-util.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define VF_LOADED                                                                                  \
    "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia amdgpu xhci_pci "           \
    "nvidia_gpu"

static const VfKmodelDevice vf_desktop_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:disconnected:disabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_desktop_host = {
    .loaded = VF_LOADED,
    .devices = vf_desktop_devices,
};

static const char *const vf_desktop_set[] = {"0000:01:00.0", "0000:01:00.1", NULL};

static const VfKmodelDevice vf_four_function_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x1e87, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x10f8, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x0c0330, 0x10de, 0x1ad8, "xhci_hcd", "xhci_pci", 12, -1, "0000:00:01.0"},
    {"0000:01:00.3", 0x0c8000, 0x10de, 0x1ad9, "nvidia-gpu", NULL, 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelHost vf_four_function_host = {
    .loaded = VF_LOADED,
    .devices = vf_four_function_devices,
};

static const VfKmodelDevice vf_amd_switch_devices[] = {
    {"0000:00:00.0", 0x060000, 0x1022, 0x14d8, NULL, NULL, 0, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14ab, "pcieport", NULL, 1, -1},
    {"0000:00:08.1", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 5, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x060400, 0x1002, 0x1478, "pcieport", NULL, 13, -1, "0000:00:01.1"},
    {"0000:02:00.0", 0x060400, 0x1002, 0x1479, "pcieport", NULL, 14, -1, "0000:01:00.0"},
    {"0000:03:00.0", 0x030000, 0x1002, 0x744c, "amdgpu", NULL, 15, 0, "0000:02:00.0",
     "card1 renderD129"},
    {"0000:03:00.1", 0x040300, 0x1002, 0xab30, "snd_hda_intel", NULL, 16, -1, "0000:02:00.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_amd_switch_host = {
    .loaded = VF_LOADED,
    .devices = vf_amd_switch_devices,
};

static const VfKmodelDevice vf_twin_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:01.1", 0x060400, 0x8086, 0x460e, "pcieport", NULL, 3, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:02:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 13, 0, "0000:00:01.1",
     "card2 renderD130"},
    {"0000:02:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 13, -1, "0000:00:01.1", NULL,
     NULL, "card2"},
    {NULL},
};

static const VfKmodelHost vf_twin_host = {
    .loaded = VF_LOADED,
    .devices = vf_twin_devices,
};

/* the card's USB-C controller has no driver (xhci_pci blacklisted, or none for it) */
static const VfKmodelDevice vf_idle_function_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x1e87, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x10f8, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x0c0330, 0x10de, 0x1ad8, "xhci_hcd", "xhci_pci", 12, -1, "0000:00:01.0", NULL,
     NULL, NULL, TRUE},
    {NULL},
};

static const VfKmodelHost vf_idle_function_host = {
    .loaded = VF_LOADED,
    .devices = vf_idle_function_devices,
};

/* QEMU holds the group of the bound GPU (the VM runs) */
static const VfKmodelProcess vf_qemu_processes[] = {
    {4242, "qemu-system-x86", "/dev/null /dev/vfio/vfio /dev/vfio/12"},
    {0},
};

static const VfKmodelHost vf_qemu_host = {
    .loaded = VF_LOADED,
    .devices = vf_desktop_devices,
    .processes = vf_qemu_processes,
};

/* vfio_pci in the module index but not loaded */
static const VfKmodelHost vf_vfio_loadable_host = {
    .loaded = "pcieport i915 snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

static VfTransition *
vf_test_new_bind(VfTestHost *th, const char *address)
{
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfTransition *t = vf_transition_new_bind(th->host, report, address, &error);

    g_assert_no_error(error);
    g_assert_nonnull(t);
    return t;
}

static VfTransition *
vf_test_new_restore(VfTestHost *th, const char *address)
{
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfTransition *t = vf_transition_new_restore(th->host, report, address, &error);

    g_assert_no_error(error);
    g_assert_nonnull(t);
    return t;
}

static void
vf_test_bind(VfTestHost *th, const char *address)
{
    g_autoptr(VfTransition) t = vf_test_new_bind(th, address);
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
}

static void
vf_test_restore(VfTestHost *th, const char *address)
{
    g_autoptr(VfTransition) t = vf_test_new_restore(th, address);
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
}

static char *
vf_test_state_path(VfTestHost *th, const char *rel)
{
    g_autofree char *state = g_strconcat("var/lib/virtflow/", rel, NULL);

    return vf_test_host_path(th, state);
}

static guint
vf_test_n_journals(VfTestHost *th)
{
    g_autofree char *dir = vf_test_state_path(th, "journal");

    return vf_test_count_entries(dir);
}

static void
vf_assert_exists(VfTestHost *th, const char *path, gboolean exists)
{
    if (vf_host_exists(th->host, path) != exists)
        g_test_fail_printf("%s %s", path, exists ? "does not exist" : "still exists");
    g_assert_true(vf_host_exists(th->host, path) == exists);
}

/* ---- bind and restore ---- */

static void
test_round_trip_desktop(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *drivers = NULL;
    g_autofree char *restored = NULL;
    g_autofree char *record_path = vf_test_state_path(th, "devices/0000:01:00.0.conf");
    g_autoptr(VfDeviceOrigin) origin = NULL;
    g_autoptr(VfDeviceOrigin) audio_origin = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *override = NULL;

    vf_test_bind(th, "0000:01:00.0");

    /* the whole set moved, and the group node is there for QEMU */
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
    vf_assert_exists(th, "/dev/vfio/12", TRUE);
    vf_assert_exists(th, "/sys/class/drm/card1", FALSE); /* nvidia let go of it */
    vf_assert_exists(th, "/sys/class/drm/card0", TRUE);  /* the host keeps its display */
    report = vf_test_report(th);
    g_assert_true(vf_test_gpu(report, "0000:01:00.0")->on_vfio);
    g_assert_false(vf_test_gpu(report, "0000:00:02.0")->on_vfio);
    g_clear_pointer(&report, vf_host_report_free);

    /* what VirtFlow remembers: where each device came from */
    g_assert_true(g_file_test(record_path, G_FILE_TEST_IS_REGULAR));
    origin = vf_device_origin_load(th->host, "0000:01:00.0");
    g_assert_nonnull(origin);
    g_assert_cmpstr(origin->host_driver, ==, "nvidia");
    g_assert_cmpstr(origin->host_module, ==, "nvidia");
    g_assert_true(origin->host_driver_known);
    g_assert_null(origin->host_override);
    g_assert_cmpint(origin->iommu_group, ==, 12);
    audio_origin = vf_device_origin_load(th->host, "0000:01:00.1");
    g_assert_nonnull(audio_origin);
    g_assert_cmpstr(audio_origin->host_driver, ==, "snd_hda_intel");
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);

    vf_test_restore(th, "0000:01:00.0");

    restored = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(restored, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");
    override = vf_host_read(th->host, "/sys/bus/pci/devices/0000:01:00.0/driver_override", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(override, ==, "(null)");
    vf_assert_exists(th, "/dev/vfio/12", FALSE);
    vf_assert_exists(th, "/sys/class/drm/card1", TRUE);
    g_assert_false(g_file_test(record_path, G_FILE_TEST_EXISTS));
    g_assert_null(vf_device_origin_load(th->host, "0000:01:00.1"));
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);

    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_round_trip_four_functions(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_four_function_host, TRUE);
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2",
                                      "0000:01:00.3", NULL};
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *bound = NULL;
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint(writes->len, ==, 12);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    bound = vf_test_drivers(th, set);
    g_assert_cmpstr(bound, ==,
                    "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:01:00.2=vfio-pci "
                    "0000:01:00.3=vfio-pci");
    vf_assert_exists(th, "/dev/vfio/12", TRUE);

    vf_test_restore(th, "0000:01:00.0");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_round_trip_amd_switch(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_amd_switch_host, TRUE);
    static const char *const set[] = {"0000:01:00.0", "0000:02:00.0", "0000:03:00.0",
                                      "0000:03:00.1", NULL};
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *bound = NULL;

    /* the audio function is named: it stands for its GPU */
    vf_test_bind(th, "0000:03:00.1");
    bound = vf_test_drivers(th, set);
    /* the switch ports stay on pcieport */
    g_assert_cmpstr(bound, ==,
                    "0000:01:00.0=pcieport 0000:02:00.0=pcieport 0000:03:00.0=vfio-pci "
                    "0000:03:00.1=vfio-pci");
    vf_assert_exists(th, "/dev/vfio/15", TRUE);
    vf_assert_exists(th, "/dev/vfio/16", TRUE);
    vf_assert_exists(th, "/dev/vfio/13", FALSE);
    vf_assert_exists(th, "/dev/vfio/14", FALSE);

    vf_test_restore(th, "0000:03:00.0");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_twin_untouched(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_host, TRUE);
    static const char *const all[] = {"0000:01:00.0", "0000:01:00.1", "0000:02:00.0",
                                      "0000:02:00.1", NULL};
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *bound = NULL;
    g_autoptr(VfTransition) all_restore = NULL;

    vf_test_bind(th, "02:00.0"); /* the short form a user types */
    bound = vf_test_drivers(th, all);
    g_assert_cmpstr(bound, ==,
                    "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:02:00.0=vfio-pci "
                    "0000:02:00.1=vfio-pci");
    vf_assert_exists(th, "/dev/vfio/12", FALSE);
    vf_assert_exists(th, "/dev/vfio/13", TRUE);

    /* restore --all: what VirtFlow bound, and nothing else */
    all_restore = vf_test_new_restore(th, NULL);
    g_assert_cmpuint(vf_transition_get_devices(all_restore)->len, ==, 2);
    g_assert_null(vf_transition_get_gpu(all_restore));
    {
        g_autoptr(GError) error = NULL;

        g_assert_true(vf_transition_apply(all_restore, &error));
        g_assert_no_error(error);
    }
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_bind_twice(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *bound = NULL;
    g_autoptr(VfTransition) again = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(VfDeviceOrigin) origin = NULL;

    vf_test_bind(th, "0000:01:00.0");
    bound = vf_test_host_snapshot(th);

    /* a second bind has nothing to do, and must not forget where the devices came from */
    again = vf_test_new_bind(th, "0000:01:00.0");
    writes = vf_transition_dup_writes(again);
    g_assert_cmpuint(writes->len, ==, 0);
    {
        g_autoptr(GError) error = NULL;
        g_autofree char *now = NULL;

        g_assert_true(vf_transition_apply(again, &error));
        g_assert_no_error(error);
        now = vf_test_host_snapshot(th);
        vf_assert_snapshot_equal(bound, now);
    }
    origin = vf_device_origin_load(th->host, "0000:01:00.0");
    g_assert_nonnull(origin);
    g_assert_cmpstr(origin->host_driver, ==, "nvidia");

    vf_test_restore(th, "0000:01:00.0");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_restore_never_bound(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *drivers = NULL;
    g_autoptr(VfTransition) t = vf_test_new_restore(th, "0000:01:00.0");
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);
    g_autoptr(GError) error = NULL;

    /* `virtflow gpu restore` on a GPU already on its host driver: nothing to do. It must
     * not unbind nvidia and leave the card without a driver. */
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        g_test_message("planned: echo '%s' > %s", w->value, w->path);
    }
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(writes->len, ==, 0);
}

static void
test_restore_without_record(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *records = NULL;
    g_autofree char *drivers = NULL;
    g_autofree char *bound = NULL;
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    GPtrArray *left;

    /* bound, then the records were lost (a wiped /var): nothing says VirtFlow moved these
     * devices, so restore leaves them and says so, with what to do */
    vf_test_bind(th, "0000:01:00.0");
    records = vf_test_state_path(th, "devices");
    vf_test_rm_rf(records);
    g_assert_null(vf_device_origin_load(th->host, "0000:01:00.0"));
    bound = vf_test_host_snapshot(th);

    t = vf_test_new_restore(th, "0000:01:00.0");
    g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 0);
    left = vf_transition_get_left(t);
    g_assert_cmpuint(left->len, ==, 2);
    if (left->len == 2) {
        g_assert_cmpstr(left->pdata[0], ==,
                        "left 0000:01:00.0 on vfio-pci: VirtFlow did not move it");
        g_assert_cmpstr(left->pdata[1], ==,
                        "left 0000:01:00.1 on vfio-pci: VirtFlow did not move it");
    }
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(bound, after);
}

/* What an administrator does by hand: echo vfio-pci > driver_override, unbind, probe. */
static void
vf_test_bind_by_hand(VfTestHost *th, const char *address)
{
    g_autofree char *override = g_strdup_printf("/sys/bus/pci/devices/%s/driver_override", address);
    g_autofree char *unbind = g_strdup_printf("/sys/bus/pci/devices/%s/driver/unbind", address);
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_host_write(th->host, override, "vfio-pci", &error));
    g_assert_true(vf_host_write(th->host, unbind, address, &error));
    g_assert_true(vf_host_write(th->host, "/sys/bus/pci/drivers_probe", address, &error));
    g_assert_no_error(error);
}

/* the GPU shares its IOMMU group with a NIC on the same slot (a board quirk): the
 * administrator has put the NIC on vfio-pci by hand, for some VM of theirs */
static const VfKmodelDevice vf_nic_in_group_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x020000, 0x8086, 0x15f3, "igc", NULL, 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelHost vf_nic_in_group_host = {
    .loaded = VF_LOADED " igc",
    .devices = vf_nic_in_group_devices,
};

static void
test_restore_leaves_intruder(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_nic_in_group_host, TRUE);
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", NULL};
    static const char *const by_address[] = {"0000:01:00.0", "0000:01:00.1", NULL};
    g_autofree char *drivers = NULL;

    vf_test_bind_by_hand(th, "0000:01:00.2");
    for (guint a = 0; by_address[a]; a++) {
        g_autoptr(VfTransition) t = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *bound = NULL;
        g_autofree char *restored = NULL;
        GPtrArray *left;

        /* the bind takes the GPU's functions, and the NIC is already where VFIO needs it */
        vf_test_bind(th, "0000:01:00.0");
        bound = vf_test_drivers(th, set);
        g_assert_cmpstr(bound, ==,
                        "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:01:00.2=vfio-pci");
        g_assert_null(vf_device_origin_load(th->host, "0000:01:00.2"));

        /* restore, by the GPU or by its audio function: the NIC stays, named */
        t = vf_test_new_restore(th, by_address[a]);
        left = vf_transition_get_left(t);
        g_assert_cmpuint(left->len, ==, 1);
        if (left->len == 1)
            g_assert_cmpstr(left->pdata[0], ==,
                            "left 0000:01:00.2 on vfio-pci: VirtFlow did not move it");
        g_assert_true(vf_transition_apply(t, &error));
        g_assert_no_error(error);
        restored = vf_test_drivers(th, set);
        g_assert_cmpstr(restored, ==,
                        "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:01:00.2=vfio-pci");
    }

    /* restore --all: the same */
    vf_test_bind(th, "0000:01:00.0");
    {
        g_autoptr(VfTransition) t = vf_test_new_restore(th, NULL);
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 2);
        g_assert_cmpuint(vf_transition_get_left(t)->len, ==, 1);
        g_assert_true(vf_transition_apply(t, &error));
        g_assert_no_error(error);
    }
    drivers = vf_test_drivers(th, set);
    g_assert_cmpstr(drivers, ==,
                    "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:01:00.2=vfio-pci");
}

/* restore --all with a second GPU bound by hand (no record): it stays, named */
static void
test_restore_all_leaves_hand_bound_gpu(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_twin_host, TRUE);
    static const char *const all[] = {"0000:01:00.0", "0000:01:00.1", "0000:02:00.0",
                                      "0000:02:00.1", NULL};
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *drivers = NULL;
    g_autofree char *left = NULL;

    vf_test_bind(th, "0000:01:00.0");
    vf_test_bind_by_hand(th, "0000:02:00.0");
    vf_test_bind_by_hand(th, "0000:02:00.1");
    t = vf_test_new_restore(th, NULL);
    g_assert_cmpuint(vf_transition_get_left(t)->len, ==, 2);
    for (guint i = 0; i < vf_transition_get_left(t)->len; i++) {
        g_autofree char *prev = left;

        left = g_strconcat(prev ? prev : "", prev ? "\n" : "",
                           (char *)vf_transition_get_left(t)->pdata[i], NULL);
    }
    g_assert_cmpstr(left, ==,
                    "left 0000:02:00.0 on vfio-pci: VirtFlow did not move it\n"
                    "left 0000:02:00.1 on vfio-pci: VirtFlow did not move it");
    g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 2);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, all);
    g_assert_cmpstr(drivers, ==,
                    "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:02:00.0=vfio-pci "
                    "0000:02:00.1=vfio-pci");
}

/* the hook's release: the domain's own record names what VirtFlow moved, and the drivers */
static void
test_restore_recorded(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_nic_in_group_host, TRUE);
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", NULL};
    g_autoptr(GPtrArray) recorded =
        g_ptr_array_new_with_free_func((GDestroyNotify)vf_device_origin_free);
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *records = NULL;
    g_autofree char *drivers = NULL;
    static const char *const names[][2] = {{"0000:01:00.0", "nvidia"},
                                           {"0000:01:00.1", "snd_hda_intel"}};

    vf_test_bind_by_hand(th, "0000:01:00.2");
    vf_test_bind(th, "0000:01:00.0");
    /* the device records are gone; the domain's record is not */
    records = vf_test_state_path(th, "devices");
    vf_test_rm_rf(records);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        VfDeviceOrigin *o = g_new0(VfDeviceOrigin, 1);

        o->address = g_strdup(names[i][0]);
        o->host_driver = g_strdup(names[i][1]);
        o->host_driver_known = TRUE;
        o->iommu_group = -1;
        g_ptr_array_add(recorded, o);
    }
    report = vf_test_report(th);
    t = vf_transition_new_restore_recorded(th->host, report, "0000:01:00.0", recorded, &error);
    g_assert_no_error(error);
    g_assert_nonnull(t);
    g_assert_cmpuint(vf_transition_get_left(t)->len, ==, 1);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, set);
    g_assert_cmpstr(drivers, ==,
                    "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:01:00.2=vfio-pci");
}

/* A record naming another host driver than the one the device is on now (chosen since, or
 * a stale record after a reboot): the device is home, restore does not move it. */
static void
test_restore_keeps_other_host_driver(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(GPtrArray) recorded =
        g_ptr_array_new_with_free_func((GDestroyNotify)vf_device_origin_free);
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    VfDeviceOrigin *o = g_new0(VfDeviceOrigin, 1);

    o->address = g_strdup("0000:01:00.0");
    o->host_driver = g_strdup("nouveau");
    o->host_driver_known = TRUE;
    o->iommu_group = -1;
    g_ptr_array_add(recorded, o);
    vf_test_host_write(th, "var/lib/virtflow/devices/0000:01:00.1.conf",
                       "[device]\naddress=0000:01:00.1\nhost_driver=snd_hda_codec_generic\n"
                       "host_driver_known=true\n");
    report = vf_test_report(th);
    t = vf_transition_new_restore_recorded(th->host, report, "0000:01:00.0", recorded, &error);
    g_assert_no_error(error);
    g_assert_nonnull(t);
    writes = vf_transition_dup_writes(t);
    g_assert_cmpuint(writes->len, ==, 0);
    g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 0);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

/* A record or a journal naming a driver that is a path is refused before any write. */
static void
test_damaged_names_refused(void)
{
    static const char *const bad[] = {"../../../../tmp/x", "nvidia/../../x", ".hidden", "nv idia",
                                      "a\nb"};

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *keys[] = {"host_driver", "host_module", "host_override"};

        for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
            g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
            g_autoptr(GKeyFile) kf = g_key_file_new();
            g_autofree char *text = NULL;
            g_autoptr(VfHostReport) report = NULL;
            g_autoptr(VfTransition) t = NULL;
            g_autoptr(GError) error = NULL;
            g_autofree char *bound = NULL;
            g_autofree char *after = NULL;

            vf_test_bind(th, "0000:01:00.0");
            bound = vf_test_host_snapshot(th);
            g_key_file_set_string(kf, "device", "address", "0000:01:00.0");
            g_key_file_set_string(kf, "device", "host_driver", "nvidia");
            g_key_file_set_boolean(kf, "device", "host_driver_known", TRUE);
            g_key_file_set_string(kf, "device", keys[k], bad[i]);
            text = g_key_file_to_data(kf, NULL, NULL);
            vf_test_host_write(th, "var/lib/virtflow/devices/0000:01:00.0.conf", text);

            report = vf_test_report(th);
            t = vf_transition_new_restore(th->host, report, "0000:01:00.0", &error);
            g_assert_null(t);
            g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
            vf_assert_contains(VF_MSG(error), "devices/0000:01:00.0.conf");
            vf_assert_contains(VF_MSG(error), keys[k]);
            g_clear_error(&error);

            /* the same in a journal: recover refuses it */
            g_clear_pointer(&text, g_free);
            g_key_file_free(g_steal_pointer(&kf));
            kf = g_key_file_new();
            g_key_file_set_string(kf, "transition", "kind", "bind");
            g_key_file_set_string(kf, "device 0000:01:00.0", "host_driver", "nvidia");
            g_key_file_set_boolean(kf, "device 0000:01:00.0", "host_driver_known", TRUE);
            g_key_file_set_string(kf, "device 0000:01:00.0", keys[k], bad[i]);
            text = g_key_file_to_data(kf, NULL, NULL);
            vf_test_host_write(th, "var/lib/virtflow/journal/1-2-bind.journal", text);
            g_clear_pointer(&t, vf_transition_free);
            t = vf_transition_new_recover(th->host, &error);
            g_assert_null(t);
            g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
            vf_assert_contains(VF_MSG(error), "1-2-bind.journal");
            after = vf_test_host_snapshot(th);
            vf_assert_snapshot_equal(bound, after);
        }
    }
}

static void
test_round_trip_idle_function(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_idle_function_host, TRUE);
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2", NULL};
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *bound = NULL;
    g_autofree char *restored = NULL;
    g_autoptr(VfDeviceOrigin) origin = NULL;

    vf_test_bind(th, "0000:01:00.0");
    bound = vf_test_drivers(th, set);
    g_assert_cmpstr(bound, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:01:00.2=vfio-pci");
    origin = vf_device_origin_load(th->host, "0000:01:00.2");
    g_assert_nonnull(origin);
    g_assert_null(origin->host_driver);
    g_assert_true(origin->host_driver_known);

    /* it had no driver: it gets none back */
    vf_test_restore(th, "0000:01:00.0");
    restored = vf_test_drivers(th, set);
    g_assert_cmpstr(restored, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel 0000:01:00.2=-");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_restore_reloads_module(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *driver_dir = vf_test_host_path(th, "sys/bus/pci/drivers/nvidia");
    g_autofree char *module_dir = vf_test_host_path(th, "sys/module/nvidia");
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) modules = NULL;
    g_autoptr(GError) error = NULL;

    vf_test_bind(th, "0000:01:00.0");
    /* while the GPU was in the VM: rmmod nvidia (nothing else used it) */
    vf_test_rm_rf(driver_dir);
    vf_test_rm_rf(module_dir);
    g_assert_cmpint(vf_host_get_module_state(th->host, "nvidia"), ==, VF_MODULE_LOADABLE);

    t = vf_test_new_restore(th, "0000:01:00.0");
    modules = vf_transition_dup_modules(t);
    g_assert_cmpuint(modules->len, ==, 1);
    g_assert_cmpstr(modules->pdata[0], ==, "nvidia");
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

static void
test_restore_all_nothing(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = vf_test_new_restore(th, NULL);
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);
    g_autoptr(GError) error = NULL;

    /* restore --all on a host where VirtFlow bound nothing */
    g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 0);
    g_assert_cmpuint(writes->len, ==, 0);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, 0);
}

/*
 * The VM still runs: QEMU holds /dev/vfio/12. `gpu list` says the GPU is in use; a restore
 * now would unbind vfio-pci under QEMU, which on Linux blocks in vfio-pci's remove() until
 * QEMU lets go (the write times out, its thread stays stuck in the kernel). It must be
 * refused up front, naming QEMU, like a bind of a held GPU is.
 */
static void
test_restore_refused_while_held(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_qemu_host, TRUE);
    g_autofree char *bound = NULL;
    g_autofree char *after = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    VfGpu *gpu;

    vf_test_bind(th, "0000:01:00.0");
    bound = vf_test_host_snapshot(th);
    report = vf_test_report(th);
    gpu = vf_test_gpu(report, "0000:01:00.0");
    g_assert_true(gpu->on_vfio);
    g_assert_true(vf_gpu_has_blocker(gpu, VF_BLOCKER_IN_USE));
    vf_assert_contains(VF_BMSG(vf_test_gpu_blocker(gpu, VF_BLOCKER_IN_USE)), "qemu-system-x86");

    t = vf_transition_new_restore(th->host, report, "0000:01:00.0", &error);
    if (t) {
        g_assert_false(vf_transition_apply(t, &error));
    }
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
    vf_assert_contains(VF_MSG(error), "qemu-system-x86");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(bound, after);
}

/* ---- dry run ---- */

static void
test_dry_run_bind(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);
    g_autoptr(GPtrArray) modules = vf_transition_dup_modules(t);
    GPtrArray *devices = vf_transition_get_devices(t);
    static const struct {
        const char *device, *path, *value;
    } expected[] = {
        {"0000:01:00.0", "/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"},
        {"0000:01:00.1", "/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci"},
        {"0000:01:00.0", "/sys/bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0"},
        {"0000:01:00.1", "/sys/bus/pci/devices/0000:01:00.1/driver/unbind", "0000:01:00.1"},
        {"0000:01:00.0", "/sys/bus/pci/drivers_probe", "0000:01:00.0"},
        {"0000:01:00.1", "/sys/bus/pci/drivers_probe", "0000:01:00.1"},
    };

    g_assert_cmpint(vf_transition_get_kind(t), ==, VF_TRANSITION_BIND);
    g_assert_cmpstr(vf_transition_get_gpu(t), ==, "0000:01:00.0");
    g_assert_cmpuint(devices->len, ==, 2);
    g_assert_cmpuint(modules->len, ==, 0); /* vfio_pci is loaded */
    g_assert_cmpuint(writes->len, ==, G_N_ELEMENTS(expected));
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        g_assert_cmpstr(w->device, ==, expected[i].device);
        g_assert_cmpstr(w->path, ==, expected[i].path);
        g_assert_cmpstr(w->value, ==, expected[i].value);
    }

    /* asking twice gives the same answer and touches nothing */
    g_clear_pointer(&writes, g_ptr_array_unref);
    writes = vf_transition_dup_writes(t);
    g_assert_cmpuint(writes->len, ==, G_N_ELEMENTS(expected));
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, 0);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);
}

static void
test_dry_run_restore(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *bound = NULL;
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GPtrArray) modules = NULL;
    guint n_writes;
    static const struct {
        const char *path, *value;
    } expected[] = {
        {"/sys/bus/pci/devices/0000:01:00.0/driver_override", "\n"}, /* clears it */
        {"/sys/bus/pci/devices/0000:01:00.1/driver_override", "\n"},
        {"/sys/bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0"},
        {"/sys/bus/pci/devices/0000:01:00.1/driver/unbind", "0000:01:00.1"},
        {"/sys/bus/pci/drivers_probe", "0000:01:00.0"},
        {"/sys/bus/pci/drivers_probe", "0000:01:00.1"},
    };

    vf_test_bind(th, "0000:01:00.0");
    bound = vf_test_host_snapshot(th);
    n_writes = vf_kmodel_get_n_writes(vf_test_host_model(th));

    t = vf_test_new_restore(th, "0000:01:00.0");
    g_assert_cmpint(vf_transition_get_kind(t), ==, VF_TRANSITION_RESTORE);
    writes = vf_transition_dup_writes(t);
    modules = vf_transition_dup_modules(t);
    g_assert_cmpuint(modules->len, ==, 0);
    g_assert_cmpuint(writes->len, ==, G_N_ELEMENTS(expected));
    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];

        g_assert_cmpstr(w->path, ==, expected[i].path);
        g_assert_cmpstr(w->value, ==, expected[i].value);
    }
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, n_writes);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(bound, after);
}

/* ---- modules ---- */

static void
test_module_loaded_on_demand(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_vfio_loadable_host, TRUE);
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(GPtrArray) modules = vf_transition_dup_modules(t);
    g_autoptr(GError) error = NULL;
    g_autofree char *drivers = NULL;

    g_assert_false(vf_host_is_dir(th->host, "/sys/bus/pci/drivers/vfio-pci"));
    g_assert_cmpuint(modules->len, ==, 1);
    g_assert_cmpstr(modules->pdata[0], ==, "vfio_pci");
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_host_get_module_state(th->host, "vfio_pci"), ==, VF_MODULE_LOADED);
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
}

/* ---- the drivers_probe that binds nothing ---- */

static void
test_probe_fallback_bind(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(GError) error = NULL;
    g_autofree char *drivers = NULL;

    /* drivers_probe "succeeds" without binding (another driver claimed the ids first, an
     * old kernel ignoring driver_override): VirtFlow asks vfio-pci directly */
    vf_kmodel_inject(vf_test_host_model(th), VF_KMODEL_OP_PROBE, "0000:01:00.1", 0, 1);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
}

/* ---- read-only hosts ---- */

static void
test_read_only(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, FALSE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *state = vf_test_host_path(th, "var/lib/virtflow");
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;

    g_assert_false(vf_host_is_live(th->host));
    g_assert_false(vf_host_is_writable(th->host));

    /* the report and the plan work: that is what --host-root is for */
    t = vf_test_new_bind(th, "0000:01:00.0");
    {
        g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);

        g_assert_cmpuint(writes->len, ==, 6);
    }
    g_assert_false(vf_transition_apply(t, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_READ_ONLY);
    vf_assert_contains(VF_MSG(error), th->root);
    g_clear_error(&error);

    g_assert_false(vf_host_write(th->host, "/sys/bus/pci/devices/0000:01:00.0/driver_override",
                                 "vfio-pci", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_READ_ONLY);
    vf_assert_contains(VF_MSG(error), "/sys/bus/pci/devices/0000:01:00.0/driver_override");
    g_clear_error(&error);

    g_assert_false(vf_host_load_module(th->host, "vfio_pci", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_READ_ONLY);
    g_clear_error(&error);

    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    /* not even a lock file or a journal */
    g_assert_false(g_file_test(state, G_FILE_TEST_EXISTS));
}

/* ---- recover ---- */

/* The journal vf-transition.c writes before its first sysfs write. */
static const char vf_crafted_journal[] = "[transition]\n"
                                         "kind=bind\n"
                                         "gpu=0000:01:00.0\n"
                                         "started=2024-11-25T12:00:00.000000Z\n"
                                         "pid=999999\n"
                                         "\n"
                                         "[device 0000:01:00.0]\n"
                                         "address=0000:01:00.0\n"
                                         "iommu_group=12\n"
                                         "host_driver=nvidia\n"
                                         "host_module=nvidia\n"
                                         "host_override=\n"
                                         "host_driver_known=true\n"
                                         "\n"
                                         "[device 0000:01:00.1]\n"
                                         "address=0000:01:00.1\n"
                                         "iommu_group=12\n"
                                         "host_driver=snd_hda_intel\n"
                                         "host_module=snd_hda_intel\n"
                                         "host_override=\n"
                                         "host_driver_known=true\n";

static void
test_recover_crafted_journal(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *half = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    static const char *const steps[][2] = {
        {"/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"},
        {"/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci"},
        {"/sys/bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0"},
        {"/sys/bus/pci/drivers_probe", "0000:01:00.0"},
    };

    /* a bind killed half-way: .0 is on vfio-pci, .1 still on its driver with an override */
    vf_test_host_write(th, "var/lib/virtflow/journal/1732536000000000-999999-bind.journal",
                       vf_crafted_journal);
    for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
        vf_host_write(th->host, steps[i][0], steps[i][1], &error);
        g_assert_no_error(error);
    }
    half = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(half, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=snd_hda_intel");

    t = vf_transition_new_recover(th->host, &error);
    g_assert_no_error(error);
    g_assert_nonnull(t);
    g_assert_cmpint(vf_transition_get_kind(t), ==, VF_TRANSITION_RECOVER);
    g_assert_cmpuint(vf_transition_get_devices(t)->len, ==, 2);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);

    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);
    g_assert_null(vf_device_origin_load(th->host, "0000:01:00.0"));

    /* and a second recover has nothing left to do */
    g_clear_pointer(&t, vf_transition_free);
    t = vf_transition_new_recover(th->host, &error);
    g_assert_no_error(error);
    g_assert_null(t);
}

static void
test_recover_after_failed_undo(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *stuck = NULL;
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(VfTransition) recover = NULL;
    g_autoptr(VfHost) later = NULL;
    g_autoptr(GError) error = NULL;
    VfKmodel *model = vf_test_host_model(th);

    /* the last probe fails, and so does the undo's unbind of the first function: the bind
     * cannot put the host back and leaves its journal for `virtflow recover` */
    vf_kmodel_inject(model, VF_KMODEL_OP_PROBE, "0000:01:00.1", EIO, 1);
    vf_kmodel_inject(model, VF_KMODEL_OP_UNBIND, "0000:01:00.0", EIO, 2);
    g_assert_false(vf_transition_apply(t, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_IO);
    vf_assert_contains(VF_MSG(error), "virtflow recover");
    vf_assert_contains(VF_MSG(error), "/sys/bus/pci/drivers_probe");
    g_clear_error(&error);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 1);
    stuck = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(stuck, !=, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");

    /* a new process (after a reboot of VirtFlow, not of the machine) recovers */
    later = vf_host_new(th->root, &error);
    g_assert_no_error(error);
    vf_kmodel_attach(later, &error);
    g_assert_no_error(error);
    recover = vf_transition_new_recover(later, &error);
    g_assert_no_error(error);
    g_assert_nonnull(recover);
    g_assert_true(vf_transition_apply(recover, &error));
    g_assert_no_error(error);

    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);
}

/* A bind that could not be undone, then a second bind before anyone ran recover: the host
 * drivers are known only to the first journal. A restore must still give the GPU back to
 * nvidia, not "restore" it to vfio-pci. */
static void
test_bind_again_before_recover(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *drivers = NULL;
    g_autoptr(VfTransition) t = vf_test_new_bind(th, "0000:01:00.0");
    g_autoptr(GError) error = NULL;
    VfKmodel *model = vf_test_host_model(th);

    vf_kmodel_inject(model, VF_KMODEL_OP_PROBE, "0000:01:00.1", EIO, 1);
    vf_kmodel_inject(model, VF_KMODEL_OP_UNBIND, "0000:01:00.0", EIO, 2);
    g_assert_false(vf_transition_apply(t, &error));
    g_clear_error(&error);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 1);

    /* either the second bind refuses until recover has run, or it knows the origins */
    {
        g_autoptr(VfHostReport) report = vf_test_report(th);
        g_autoptr(VfTransition) again =
            vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);
        g_autofree char *before = vf_test_host_snapshot(th);

        if (again == NULL || !vf_transition_apply(again, &error)) {
            g_autofree char *after = vf_test_host_snapshot(th);

            vf_assert_contains(VF_MSG(error), "recover");
            vf_assert_snapshot_equal(before, after);
            return;
        }
        g_assert_no_error(error);
    }
    vf_test_restore(th, "0000:01:00.0");
    drivers = vf_test_drivers(th, vf_desktop_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");
}

/* Two journals naming one device: the older one was written first and knows the driver the
 * device had before VirtFlow touched it; the later one only saw vfio-pci. */
static void
test_recover_oldest_journal_wins(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *newer = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) error = NULL;
    static const char *const steps[][2] = {
        {"/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"},
        {"/sys/bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0"},
        {"/sys/bus/pci/drivers_probe", "0000:01:00.0"},
        {"/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci"},
        {"/sys/bus/pci/devices/0000:01:00.1/driver/unbind", "0000:01:00.1"},
        {"/sys/bus/pci/drivers_probe", "0000:01:00.1"},
    };

    vf_test_host_write(th, "var/lib/virtflow/journal/1732536000000000-1000-bind.journal",
                       vf_crafted_journal);
    newer =
        g_strjoinv("vfio-pci", (char *[]){(char *)"[transition]\nkind=bind\n"
                                                  "gpu=0000:01:00.0\npid=2000\n\n"
                                                  "[device 0000:01:00.0]\naddress=0000:01:00.0\n"
                                                  "iommu_group=12\nhost_driver=",
                                          (char *)"\nhost_module=vfio_pci\nhost_override=",
                                          (char *)"\nhost_driver_known=true\n\n"
                                                  "[device 0000:01:00.1]\naddress=0000:01:00.1\n"
                                                  "iommu_group=12\nhost_driver=",
                                          (char *)"\nhost_module=vfio_pci\nhost_override=",
                                          (char *)"\nhost_driver_known=true\n", NULL});
    vf_test_host_write(th, "var/lib/virtflow/journal/1732536099000000-2000-bind.journal", newer);
    for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
        vf_host_write(th->host, steps[i][0], steps[i][1], &error);
        g_assert_no_error(error);
    }

    t = vf_transition_new_recover(th->host, &error);
    g_assert_no_error(error);
    g_assert_nonnull(t);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_n_journals(th), ==, 0);
}

static void
test_recover_nothing(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = vf_transition_new_recover(th->host, &error);

    g_assert_no_error(error);
    g_assert_null(t);

    /* an empty journal directory is nothing to recover either */
    vf_test_host_write(th, "var/lib/virtflow/journal/README", "not a journal");
    t = vf_transition_new_recover(th->host, &error);
    g_assert_no_error(error);
    g_assert_null(t);
}

static void
test_recover_corrupt_journal(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;

    vf_test_host_write(th, "var/lib/virtflow/journal/1-2-bind.journal", "\x01garbage[[[\n");
    t = vf_transition_new_recover(th->host, &error);
    g_assert_null(t);
    g_assert_error(error, VF_ERROR, VF_ERROR_IO);
    vf_assert_contains(VF_MSG(error), "1-2-bind.journal");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/transition/round-trip/desktop", test_round_trip_desktop);
    g_test_add_func("/transition/round-trip/four-functions", test_round_trip_four_functions);
    g_test_add_func("/transition/round-trip/amd-switch", test_round_trip_amd_switch);
    g_test_add_func("/transition/round-trip/twin-untouched", test_twin_untouched);
    g_test_add_func("/transition/round-trip/idle-function", test_round_trip_idle_function);
    g_test_add_func("/transition/bind-twice", test_bind_twice);
    g_test_add_func("/transition/restore/never-bound", test_restore_never_bound);
    g_test_add_func("/transition/restore/without-record", test_restore_without_record);
    g_test_add_func("/transition/restore/reloads-module", test_restore_reloads_module);
    g_test_add_func("/transition/restore/leaves-intruder", test_restore_leaves_intruder);
    g_test_add_func("/transition/restore/all-leaves-hand-bound-gpu",
                    test_restore_all_leaves_hand_bound_gpu);
    g_test_add_func("/transition/restore/recorded", test_restore_recorded);
    g_test_add_func("/transition/restore/keeps-other-host-driver",
                    test_restore_keeps_other_host_driver);
    g_test_add_func("/transition/damaged-names-refused", test_damaged_names_refused);
    g_test_add_func("/transition/restore/all-nothing", test_restore_all_nothing);
    g_test_add_func("/transition/restore/refused-while-held", test_restore_refused_while_held);
    g_test_add_func("/transition/dry-run/bind", test_dry_run_bind);
    g_test_add_func("/transition/dry-run/restore", test_dry_run_restore);
    g_test_add_func("/transition/module-loaded-on-demand", test_module_loaded_on_demand);
    g_test_add_func("/transition/probe-fallback-bind", test_probe_fallback_bind);
    g_test_add_func("/transition/read-only", test_read_only);
    g_test_add_func("/transition/recover/crafted-journal", test_recover_crafted_journal);
    g_test_add_func("/transition/recover/after-failed-undo", test_recover_after_failed_undo);
    g_test_add_func("/transition/recover/bind-again-before-recover",
                    test_bind_again_before_recover);
    g_test_add_func("/transition/recover/oldest-journal-wins", test_recover_oldest_journal_wins);
    g_test_add_func("/transition/recover/nothing", test_recover_nothing);
    g_test_add_func("/transition/recover/corrupt-journal", test_recover_corrupt_journal);

    return g_test_run();
}
