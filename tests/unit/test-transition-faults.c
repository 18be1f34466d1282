/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-transition-faults: any single step of a bind or a restore fails; the host must be
 * exactly as before
 *
 * The steps are not hard-coded: main() asks the library for the plan of a bind (and of a
 * restore from the bound state), as `--dry-run` shows it, and registers one test per step
 * and per kind of failure: EBUSY, ENODEV, EIO, and a write that hangs in the kernel past
 * the host's deadline. Each test injects exactly that failure into the kernel model,
 * applies, and compares a snapshot of the whole tree with the one taken before.
 */
#include "vf-test-util.h"

#define VF_GPU            "0000:01:00.0"
#define VF_TIMEOUT_MS     300  /* the host's write deadline in the hang cases */
#define VF_HANG_MS        1500 /* how long a hung write blocks: longer than the deadline */
#define VF_HANG_MARGIN_MS 400  /* after the hang: time for the worker thread to finish */

/*
 * A hung write is abandoned by the library in its worker thread, which holds a reference
 * on the host (and so on the model) until the model lets it go, and touches no file then:
 * a test may go on and free its host meanwhile. main() waits for the last hung thread
 * before exiting, so that valgrind sees every thread finished.
 */
static gint64 vf_hangs_end;

static void
vf_note_hang(gint64 start)
{
    vf_hangs_end = MAX(vf_hangs_end, start + (gint64)VF_HANG_MS * G_TIME_SPAN_MILLISECOND);
}

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
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

/* vfio_pci in the module index, not loaded: a bind loads it first */
static const VfKmodelHost vf_vfio_loadable_host = {
    .loaded = "pcieport i915 snd_hda_intel nvidia",
    .devices = vf_desktop_devices,
};

#define VF_HANG 0 /* the kind index of the hang */

static const struct {
    const char *name;
    int errsv;
    int code; /* VfErrorCode */
} vf_fault_kinds[] = {
    [VF_HANG] = {"hang", VF_KMODEL_HANG, VF_ERROR_TIMEOUT},
    {"EBUSY", EBUSY, VF_ERROR_DEVICE_IN_USE},
    {"ENODEV", ENODEV, VF_ERROR_NOT_FOUND},
    {"EIO", EIO, VF_ERROR_IO},
};

static const char *const vf_op_names[] = {
    [VF_KMODEL_OP_OVERRIDE] = "override", [VF_KMODEL_OP_UNBIND] = "unbind",
    [VF_KMODEL_OP_BIND] = "bind",         [VF_KMODEL_OP_PROBE] = "probe",
    [VF_KMODEL_OP_LOAD] = "load",
};

typedef struct {
    VfTransitionKind kind; /* BIND or RESTORE */
    guint index;           /* of the write in the plan */
    VfKmodelOp op;
    char *device;
    guint nth; /* the how-manieth @op on @device this write is */
    char *path;
    char *value;
    guint fault; /* index in vf_fault_kinds */
} VfFaultCase;

static void
vf_fault_case_free(gpointer data)
{
    VfFaultCase *c = data;

    g_free(c->device);
    g_free(c->path);
    g_free(c->value);
    g_free(c);
}

static VfKmodelOp
vf_op_of_write(const VfSysfsWrite *w)
{
    if (g_str_has_suffix(w->path, "/driver_override"))
        return VF_KMODEL_OP_OVERRIDE;
    if (g_str_has_suffix(w->path, "/unbind"))
        return VF_KMODEL_OP_UNBIND;
    if (g_str_equal(w->path, "/sys/bus/pci/drivers_probe"))
        return VF_KMODEL_OP_PROBE;
    if (g_str_has_suffix(w->path, "/bind"))
        return VF_KMODEL_OP_BIND;
    g_error("a write the kernel model does not know: %s", w->path);
    return VF_KMODEL_OP_LAST;
}

static VfTransition *
vf_new_transition(VfTestHost *th, VfTransitionKind kind)
{
    g_autoptr(VfHostReport) report = vf_test_report(th);
    g_autoptr(GError) error = NULL;
    VfTransition *t = kind == VF_TRANSITION_BIND
                          ? vf_transition_new_bind(th->host, report, VF_GPU, &error)
                          : vf_transition_new_restore(th->host, report, VF_GPU, &error);

    g_assert_no_error(error);
    g_assert_nonnull(t);
    return t;
}

static void
vf_apply_ok(VfTestHost *th, VfTransitionKind kind)
{
    g_autoptr(VfTransition) t = vf_new_transition(th, kind);
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_transition_apply(t, &error));
    g_assert_no_error(error);
}

/* Waits until every write that hung has come back in its worker thread. */
static void
vf_wait_hangs(void)
{
    gint64 until = vf_hangs_end + (gint64)VF_HANG_MARGIN_MS * G_TIME_SPAN_MILLISECOND;
    gint64 now = g_get_monotonic_time();

    if (vf_hangs_end > 0 && until > now)
        g_usleep(until - now);
}

static void
test_fault(gconstpointer data)
{
    const VfFaultCase *c = data;
    const char *kind = vf_transition_kind_to_string(c->kind);
    gboolean hang = c->fault == VF_HANG;
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *journal_dir = vf_host_dup_state_path(th->host, "journal");
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GError) error = NULL;
    VfKmodel *model = vf_test_host_model(th);
    const VfSysfsWrite *w;
    gboolean ok;
    gint64 start;

    if (c->kind == VF_TRANSITION_RESTORE)
        vf_apply_ok(th, VF_TRANSITION_BIND);
    before = vf_test_host_snapshot(th);

    t = vf_new_transition(th, c->kind);
    writes = vf_transition_dup_writes(t);
    g_assert_cmpuint(c->index, <, writes->len);
    w = writes->pdata[c->index];
    g_assert_cmpstr(w->path, ==, c->path);
    g_assert_cmpstr(w->device, ==, c->device);

    if (hang) {
        vf_host_set_write_timeout(th->host, VF_TIMEOUT_MS);
        vf_kmodel_set_hang_ms(model, VF_HANG_MS);
    }
    vf_kmodel_inject(model, c->op, c->device, vf_fault_kinds[c->fault].errsv, c->nth);

    start = g_get_monotonic_time();
    ok = vf_transition_apply(t, &error);
    if (hang) {
        /* the deadline fired long before the kernel (model) came back */
        vf_note_hang(start);
        g_assert_cmpint(g_get_monotonic_time() - start, <,
                        (gint64)VF_HANG_MS * G_TIME_SPAN_MILLISECOND);
    }

    g_assert_false(ok);
    g_assert_error(error, VF_ERROR, vf_fault_kinds[c->fault].code);
    /* the message names the step that failed, and says the host is as before */
    vf_assert_contains(VF_MSG(error), c->path);
    vf_assert_contains(VF_MSG(error), c->device);
    vf_assert_contains(VF_MSG(error), "undone");
    if (hang)
        vf_assert_contains(VF_MSG(error), "Timed out");

    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_test_count_entries(journal_dir), ==, 0);
    if (c->kind == VF_TRANSITION_BIND) {
        g_assert_null(vf_device_origin_load(th->host, "0000:01:00.0"));
    } else {
        /* still bound, and still knowing where to return */
        g_autoptr(VfDeviceOrigin) origin = vf_device_origin_load(th->host, "0000:01:00.0");

        g_assert_nonnull(origin);
        g_assert_cmpstr(origin->host_driver, ==, "nvidia");
    }

    g_test_message("%s step %u (%s %s) failing with %s: host unchanged", kind, c->index,
                   vf_op_names[c->op], c->device, vf_fault_kinds[c->fault].name);
}

/* ---- loading vfio_pci fails ---- */

static const struct {
    const char *name;
    int errsv;
    int code; /* VfErrorCode */
} vf_load_faults[] = {
    {"ENOENT", ENOENT, VF_ERROR_NOT_FOUND},
    {"EIO", EIO, VF_ERROR_IO},
    {"EPERM", EPERM, VF_ERROR_PERMISSION},
    /* modprobe stuck in a module's init: the host's deadline must hold here as well */
    {"hang", VF_KMODEL_HANG, VF_ERROR_TIMEOUT},
};

static void
test_load_fault(gconstpointer data)
{
    guint k = GPOINTER_TO_UINT(data);
    gboolean hang = vf_load_faults[k].errsv == VF_KMODEL_HANG;
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_vfio_loadable_host, TRUE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autoptr(VfTransition) t = vf_new_transition(th, VF_TRANSITION_BIND);
    g_autoptr(GPtrArray) modules = vf_transition_dup_modules(t);
    g_autoptr(GError) error = NULL;
    VfKmodel *model = vf_test_host_model(th);
    gint64 start, took;
    gboolean ok;

    g_assert_cmpuint(modules->len, ==, 1);
    g_assert_cmpstr(modules->pdata[0], ==, "vfio_pci");
    if (hang) {
        vf_host_set_write_timeout(th->host, VF_TIMEOUT_MS);
        vf_kmodel_set_hang_ms(model, VF_HANG_MS);
    }
    vf_kmodel_inject(model, VF_KMODEL_OP_LOAD, "vfio_pci", vf_load_faults[k].errsv, 1);
    start = g_get_monotonic_time();
    ok = vf_transition_apply(t, &error);
    took = g_get_monotonic_time() - start;
    if (hang)
        vf_note_hang(start);

    g_assert_false(ok);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_kmodel_get_n_writes(model), ==, 0);
    vf_assert_contains(VF_MSG(error), "vfio_pci");
    g_assert_error(error, VF_ERROR, vf_load_faults[k].code);
    if (hang)
        g_assert_cmpint(took, <, (gint64)VF_HANG_MS * G_TIME_SPAN_MILLISECOND);
}

/* ---- registration: one test per step of the real plans ---- */

static void
vf_add_cases(GPtrArray *cases, VfTransitionKind kind)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_desktop_host, TRUE);
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;

    if (kind == VF_TRANSITION_RESTORE)
        vf_apply_ok(th, VF_TRANSITION_BIND);
    t = vf_new_transition(th, kind);
    writes = vf_transition_dup_writes(t);
    g_assert_cmpuint(writes->len, >, 0);

    for (guint i = 0; i < writes->len; i++) {
        const VfSysfsWrite *w = writes->pdata[i];
        VfKmodelOp op = vf_op_of_write(w);
        guint nth = 1;

        for (guint j = 0; j < i; j++) {
            const VfSysfsWrite *prev = writes->pdata[j];

            if (vf_op_of_write(prev) == op && g_str_equal(prev->device, w->device))
                nth++;
        }
        for (guint f = 0; f < G_N_ELEMENTS(vf_fault_kinds); f++) {
            VfFaultCase *c = g_new0(VfFaultCase, 1);
            g_autofree char *name = NULL;

            c->kind = kind;
            c->index = i;
            c->op = op;
            c->device = g_strdup(w->device);
            c->nth = nth;
            c->path = g_strdup(w->path);
            c->value = g_strdup(w->value);
            c->fault = f;
            name = g_strdup_printf("/transition/fault/%s/%u-%s-%s/%s",
                                   vf_transition_kind_to_string(kind), i, vf_op_names[op],
                                   w->device, vf_fault_kinds[f].name);
            g_test_add_data_func(name, c, test_fault);
            g_ptr_array_add(cases, c);
        }
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(vf_fault_case_free);
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    vf_add_cases(cases, VF_TRANSITION_BIND);
    vf_add_cases(cases, VF_TRANSITION_RESTORE);
    for (guint k = 0; k < G_N_ELEMENTS(vf_load_faults); k++) {
        g_autofree char *name =
            g_strdup_printf("/transition/fault/bind/load-vfio_pci/%s", vf_load_faults[k].name);

        g_test_add_data_func(name, GUINT_TO_POINTER(k), test_load_fault);
    }

    rc = g_test_run();
    vf_wait_hangs();
    return rc;
}
