/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GObject API from C, on the demo in a temporary directory: every object freed (weak
 * pointers), a flow run on a worker thread under a main loop, the error domain. Run by
 * tools/test under ASan and valgrind (suite unit), so that the layer's own leaks show
 * without Python's or GJS's noise.
 */
#include "virtflow-gobject.h"

#include <glib/gstdio.h>

typedef struct {
    char *tmp;
    char *root;
} Fixture;

static gboolean
rm_rf(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            rm_rf(child);
        else
            g_unlink(child);
    }
    return g_rmdir(path) == 0;
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    f->tmp = g_dir_make_tmp("virtflow-gobject-XXXXXX", NULL);
    g_assert_nonnull(f->tmp);
    f->root = g_build_filename(f->tmp, "demo", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    rm_rf(f->tmp);
    g_free(f->root);
    g_free(f->tmp);
}

/* Drops the caller's reference to @object and asserts that it is finalized: at once, or
 * within 5 s for one an async run's worker thread still held when its callback ran (GTask
 * drops the worker's reference after the worker function returns). */
static void
assert_finalized(gpointer object)
{
    GObject *obj = object;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    g_object_add_weak_pointer(obj, (gpointer *)&obj);
    g_object_unref(obj);
    while (obj != NULL && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_assert_null(obj);
}

static void
test_host_and_gpus(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VirtFlowHost *host = virtflow_host_new_demo(f->root, &error);
    GPtrArray *gpus;
    VirtFlowGpu *gpu;
    VirtFlowBlocker *blocker;

    g_assert_no_error(error);
    g_assert_true(virtflow_host_get_writable(host));
    g_assert_cmpstr(virtflow_host_get_root(host), ==, f->root);
    gpus = virtflow_host_list_gpus(host, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(gpus->len, ==, 2);
    /* sorted by address: the dGPU (0000:01:00.0), then the boot display (0000:0e:00.0) */
    gpu = g_object_ref(gpus->pdata[1]);
    g_ptr_array_unref(gpus);
    g_assert_cmpstr(virtflow_gpu_get_verdict(gpu), ==, "blocked: boot-vga display-active");
    blocker = virtflow_gpu_get_blockers(gpu)->pdata[0];
    g_assert_cmpint(blocker->kind, ==, VIRTFLOW_BLOCKER_BOOT_VGA);
    g_assert_cmpstr(blocker->code, ==, "boot-vga");
    blocker = virtflow_blocker_copy(blocker);
    virtflow_blocker_free(blocker);
    assert_finalized(gpu);

    gpus = virtflow_host_get_passthrough_gpus(host, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(gpus->len, ==, 1);
    g_assert_cmpstr(virtflow_gpu_get_address(gpus->pdata[0]), ==, "0000:01:00.0");
    g_assert_cmpstrv(virtflow_gpu_get_passthrough_addresses(gpus->pdata[0]),
                     ((const char *const[]){"0000:01:00.0", "0000:01:00.1", NULL}));
    g_ptr_array_unref(gpus);
    assert_finalized(host);
}

typedef struct {
    GMainLoop *loop;
    GPtrArray *ended; /* step ids */
    guint ticks;
    gboolean ok;
} Run;

static void
on_step(VirtFlowFlow *flow, VirtFlowStep *step, double fraction, gpointer user_data)
{
    Run *run = user_data;

    if (step->state != VIRTFLOW_STEP_RUNNING)
        g_ptr_array_add(run->ended, g_strdup(step->id));
}

static gboolean
on_tick(gpointer user_data)
{
    ((Run *)user_data)->ticks++;
    return G_SOURCE_CONTINUE;
}

static void
on_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Run *run = user_data;
    g_autoptr(GError) error = NULL;

    run->ok = virtflow_flow_run_finish(VIRTFLOW_FLOW(source), result, &error);
    g_assert_no_error(error);
    g_main_loop_quit(run->loop);
}

static void
test_flows(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VirtFlowHost *host = virtflow_host_new_demo(f->root, &error);
    VirtFlowConnection *conn = virtflow_connection_new_demo(host, &error);
    VirtFlowFlow *flow = virtflow_flow_new(VIRTFLOW_FLOW_ACTIVATE, host, conn, "Windows 11", NULL);
    Run run = {g_main_loop_new(NULL, FALSE), g_ptr_array_new_with_free_func(g_free)};
    guint tick;
    GPtrArray *steps;
    VirtFlowVm *vm;

    g_assert_no_error(error);
    g_assert_true(virtflow_flow_plan(flow, &error));
    g_assert_no_error(error);
    steps = virtflow_flow_dup_steps(flow);
    g_assert_cmpuint(steps->len, ==, 6);
    g_ptr_array_unref(steps);

    g_signal_connect(flow, "step-changed", G_CALLBACK(on_step), &run);
    tick = g_timeout_add(1, on_tick, &run);
    virtflow_flow_run_async(flow, NULL, on_done, &run);
    g_assert_cmpuint(run.ended->len, ==, 0);
    g_main_loop_run(run.loop);
    g_source_remove(tick);
    g_assert_true(run.ok);
    g_assert_cmpuint(run.ended->len, ==, 6);
    g_assert_cmpstr(run.ended->pdata[3], ==, "bind-gpu");
    g_assert_cmpuint(run.ticks, >, 0);
    assert_finalized(flow);

    vm = virtflow_connection_lookup_vm(conn, "Windows 11", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(virtflow_vm_get_gpu(vm), ==, "0000:01:00.0");
    assert_finalized(vm);

    flow = virtflow_flow_new(VIRTFLOW_FLOW_DEACTIVATE, host, conn, "Windows 11", NULL);
    g_assert_true(virtflow_flow_run(flow, NULL, &error));
    g_assert_no_error(error);
    assert_finalized(flow);

    g_ptr_array_unref(run.ended);
    g_main_loop_unref(run.loop);
    assert_finalized(conn);
    assert_finalized(host);
}

static void
test_errors_doctor_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VirtFlowHost *host = virtflow_host_new("/nonexistent/virtflow-root", &error);
    VirtFlowDoctor *doctor;
    VirtFlowSetup *setup;
    GPtrArray *changes;
    VirtFlowCheck *check;

    g_assert_null(host);
    g_assert_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_NOT_FOUND);
    g_assert_cmpint(virtflow_error_get_exit_status(error), ==, 3);
    g_clear_error(&error);

    host = virtflow_host_new_demo(f->root, &error);
    g_assert_no_error(error);
    doctor = virtflow_doctor_new();
    virtflow_doctor_check_host(doctor, host);
    g_assert_cmpuint(virtflow_doctor_get_n_checks(doctor), >, 0);
    check = virtflow_doctor_dup_check(doctor, "iommu");
    g_assert_nonnull(check);
    g_assert_cmpint(check->status, ==, VIRTFLOW_CHECK_PASS);
    virtflow_check_free(check);
    assert_finalized(doctor);

    setup = virtflow_setup_new(host, VIRTFLOW_SETUP_FLAGS_NONE, NULL, &error);
    g_assert_no_error(error);
    changes = virtflow_setup_dup_changes(setup);
    g_assert_cmpuint(changes->len, >, 0);
    g_ptr_array_unref(changes);
    assert_finalized(setup);
    assert_finalized(host);
}

static void
on_applied(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Run *run = user_data;
    g_autoptr(GError) error = NULL;

    run->ok = virtflow_transition_apply_finish(VIRTFLOW_TRANSITION(source), result, &error);
    g_assert_no_error(error);
    g_main_loop_quit(run->loop);
}

/* The host commands' side: the report with its devices, a bind applied on a worker thread,
 * a restore, nothing to recover; every object and record freed. */
static void
test_report_and_transitions(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    VirtFlowHost *host = virtflow_host_new_demo(f->root, &error);
    VirtFlowHostReport *report;
    VirtFlowTransition *t;
    GPtrArray *array;
    char **strv;
    VirtFlowDeviceOrigin *origin;
    VirtFlowKernelModule *module;
    VirtFlowDevice *device;
    VirtFlowGpu *gpu;
    Run run = {.loop = g_main_loop_new(NULL, FALSE)};

    g_assert_no_error(error);
    report = virtflow_host_get_report(host, &error);
    g_assert_no_error(error);
    g_assert_true(virtflow_host_report_get_iommu_enabled(report));
    g_assert_cmpuint(virtflow_host_report_get_gpus(report)->len, ==, 2);
    module = virtflow_host_report_get_vfio_modules(report)->pdata[2];
    g_assert_cmpstr(module->name, ==, "vfio_pci");
    module = virtflow_kernel_module_copy(module);
    virtflow_kernel_module_free(module);
    g_assert_cmpuint(virtflow_host_report_get_devices(report)->len, >, 2);
    device = virtflow_device_copy(
        virtflow_gpu_get_device(virtflow_host_report_get_gpus(report)->pdata[0]));
    g_assert_cmpstr(device->address, ==, "0000:01:00.0");
    g_assert_cmpstr(device->driver, ==, "nvidia");
    virtflow_device_free(device);
    assert_finalized(report);

    t = virtflow_host_plan_bind(host, "01:00.0", &error);
    g_assert_no_error(error);
    g_assert_cmpint(virtflow_transition_get_kind(t), ==, VIRTFLOW_TRANSITION_BIND);
    array = virtflow_transition_dup_devices(t);
    g_assert_cmpuint(array->len, ==, 2);
    origin = virtflow_device_origin_copy(array->pdata[0]);
    g_assert_cmpstr(origin->host_driver, ==, "nvidia");
    virtflow_device_origin_free(origin);
    g_ptr_array_unref(array);
    array = virtflow_transition_dup_writes(t);
    g_assert_cmpuint(array->len, >, 0);
    g_ptr_array_unref(array);
    strv = virtflow_transition_dup_modules(t);
    g_strfreev(strv);
    strv = virtflow_transition_dup_left(t);
    g_assert_null(strv[0]);
    g_strfreev(strv);
    virtflow_transition_apply_async(t, NULL, on_applied, &run);
    g_main_loop_run(run.loop);
    g_assert_true(run.ok);
    assert_finalized(t);
    gpu = virtflow_host_find_gpu(host, "0000:01:00.0", &error);
    g_assert_no_error(error);
    g_assert_true(virtflow_gpu_get_on_vfio(gpu));
    assert_finalized(gpu);

    t = virtflow_host_plan_restore(host, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(virtflow_transition_apply(t, NULL, &error));
    g_assert_no_error(error);
    assert_finalized(t);
    g_assert_null(virtflow_host_plan_recover(host, &error));
    g_assert_no_error(error);
    strv = virtflow_host_dup_pending_tunes(host);
    g_assert_null(strv[0]);
    g_strfreev(strv);
    g_main_loop_unref(run.loop);
    assert_finalized(host);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/gobject/host-and-gpus", Fixture, NULL, fixture_set_up, test_host_and_gpus,
               fixture_tear_down);
    g_test_add("/gobject/report-and-transitions", Fixture, NULL, fixture_set_up,
               test_report_and_transitions, fixture_tear_down);
    g_test_add("/gobject/flows", Fixture, NULL, fixture_set_up, test_flows, fixture_tear_down);
    g_test_add("/gobject/errors-doctor-setup", Fixture, NULL, fixture_set_up,
               test_errors_doctor_setup, fixture_tear_down);
    return g_test_run();
}
