/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-transition-waits: the two waits of a transition, on their own because they are slow
 *
 * One operation at a time: two VirtFlow processes (a CLI and a libvirt hook) must never
 * move devices at once; a transition takes the state directory's lock, waits for it 5 s,
 * then reports BUSY. And the result is read back: when the writes succeed but the devices
 * do not end up where they must, the transition fails after its 3 s verify deadline and
 * puts the host back.
 */
#include "vf-test-util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

static const VfKmodelDevice vf_desktop_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_desktop_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

static VfTransition *
vf_new_bind(VfTestHost *th)
{
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfTransition *t = vf_transition_new_bind(th->host, report, "0000:01:00.0", &error);

    g_assert_no_error(error);
    g_assert_nonnull(t);
    return t;
}

static void
test_lock_busy(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *lock_path = vf_test_host_path(th, "var/lib/virtflow/lock");
    g_autofree char *state = vf_test_host_path(th, "var/lib/virtflow");
    g_autoptr(VfTransition) t = vf_new_bind(th);
    g_autoptr(GError) error = NULL;
    g_autofree char *journal_dir = vf_test_host_path(th, "var/lib/virtflow/journal");
    gint64 start;
    int fd;

    g_assert_cmpint(g_mkdir_with_parents(state, 0755), ==, 0);
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(flock(fd, LOCK_EX | LOCK_NB), ==, 0);

    /* the library waits 5 s for the other operation, then gives up */
    start = g_get_monotonic_time();
    g_assert_false(vf_transition_apply(t, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_BUSY);
    vf_assert_contains(VF_MSG(error), lock_path);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 4 * G_TIME_SPAN_SECOND);
    g_clear_error(&error);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_count_entries(journal_dir), ==, 0);
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_test_host_model(th)), ==, 0);

    /* once the other operation is done, it goes through */
    close(fd);
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
}

static void
test_lock_released_after_failure(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfTransition) t = vf_new_bind(th);
    g_autoptr(GError) error = NULL;
    gint64 start;

    /* a bind that fails (and is undone) must not leave the lock taken */
    vf_kmodel_inject(vf_test_host_model(th), VF_KMODEL_OP_UNBIND, "0000:01:00.1", EIO, 1);
    g_assert_false(vf_transition_apply(t, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_IO);
    g_clear_error(&error);

    start = g_get_monotonic_time();
    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
}

/* ---- the writes succeed but the devices do not end up on vfio-pci ---- */

static void
test_verify_fails(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = vf_new_bind(th);
    g_autoptr(GError) error = NULL;
    VfKmodel *model = vf_test_host_model(th);

    /* drivers_probe and the direct bind both "succeed" without binding (errno 0): only
     * reading the result back shows it (this waits for the 3 s verify deadline) */
    vf_kmodel_inject(model, VF_KMODEL_OP_PROBE, "0000:01:00.1", 0, 1);
    vf_kmodel_inject(model, VF_KMODEL_OP_BIND, "0000:01:00.1", 0, 1);
    g_assert_false(vf_transition_apply(t, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_VERIFY);
    vf_assert_contains(VF_MSG(error), "0000:01:00.1");
    vf_assert_contains(VF_MSG(error), "vfio-pci");
    vf_assert_contains(VF_MSG(error), "undone");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/transition/lock/busy", test_lock_busy);
    g_test_add_func("/transition/lock/released-after-failure", test_lock_released_after_failure);
    g_test_add_func("/transition/verify/fails", test_verify_fails);

    return g_test_run();
}
